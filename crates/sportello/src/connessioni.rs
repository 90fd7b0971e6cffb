//! Accepting connections: the service's own loop around hyper, so that a slow or greedy client
//! cannot hold the service.
//!
//! - The request line and headers must arrive within `Tempi::intestazioni` (hyper's
//!   header-read timeout; axum's own `serve` sets none), and every part of a body within
//!   `Tempi::corpo` of the previous one (the body timeout layer in `servizio::router`).
//! - One client (an IPv4 address or an IPv6 /64) holds at most `Tempi::per_cliente`
//!   connections at once (256 by default: an office behind one NAT address has many browsers),
//!   and the service at most `IN_TUTTO`; a connection over either is closed at once. Behind a
//!   trusted proxy every connection comes from the proxy, which handles slow clients itself, so
//!   only the total applies to it.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tower::ServiceExt;

use super::limiti::cliente;

/// Connections the service holds at most.
pub const IN_TUTTO: usize = 4096;

/// How long a client may take, and how many connections it may hold.
#[derive(Debug, Clone, Copy)]
pub struct Tempi {
    /// To send the request line and the headers.
    pub intestazioni: Duration,
    /// Between two parts of a body.
    pub corpo: Duration,
    /// Connections one client may hold at once.
    pub per_cliente: usize,
}

impl Default for Tempi {
    fn default() -> Tempi {
        Tempi {
            intestazioni: Duration::from_secs(10),
            corpo: Duration::from_secs(20),
            per_cliente: 256,
        }
    }
}

/// The connections open now, per client.
#[derive(Default)]
struct Aperte {
    per_cliente: HashMap<IpAddr, usize>,
    totale: usize,
}

/// A connection counted in `Aperte`; dropping it gives the place back.
struct Admission {
    aperte: Arc<Mutex<Aperte>>,
    chiave: Option<IpAddr>,
}

impl Drop for Admission {
    fn drop(&mut self) {
        let Ok(mut a) = self.aperte.lock() else {
            return;
        };
        a.totale = a.totale.saturating_sub(1);
        if let Some(k) = self.chiave {
            if let Some(n) = a.per_cliente.get_mut(&k) {
                *n -= 1;
                if *n == 0 {
                    a.per_cliente.remove(&k);
                }
            }
        }
    }
}

/// A place for a new connection from `peer`, unless the client or the service is full.
/// `proxy`: the peer is a trusted proxy (counted in the total only).
fn entra(aperte: &Arc<Mutex<Aperte>>, peer: IpAddr, proxy: bool, max: usize) -> Option<Admission> {
    let mut a = aperte.lock().ok()?;
    if a.totale >= IN_TUTTO {
        return None;
    }
    let chiave = (!proxy).then(|| cliente(peer));
    if let Some(k) = chiave {
        let n = a.per_cliente.entry(k).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
    }
    a.totale += 1;
    Some(Admission {
        aperte: aperte.clone(),
        chiave,
    })
}

/// Serves `app` on `listener` until `fine` completes. `proxy(peer)` tells a trusted proxy.
pub async fn servi(
    listener: tokio::net::TcpListener,
    app: Router,
    tempi: Tempi,
    proxy: impl Fn(IpAddr) -> bool,
    fine: impl std::future::Future<Output = ()>,
) {
    let aperte = Arc::new(Mutex::new(Aperte::default()));
    tokio::pin!(fine);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut fine => return,
            r = listener.accept() => match r {
                Ok(x) => x,
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(posto) = entra(&aperte, peer.ip(), proxy(peer.ip()), tempi.per_cliente) else {
            drop(stream);
            continue;
        };
        tokio::spawn(connessione(stream, peer, app.clone(), tempi, posto));
    }
}

async fn connessione(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    app: Router,
    tempi: Tempi,
    posto: Admission,
) {
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        app.clone().oneshot(req)
    });
    let mut b = hyper::server::conn::http1::Builder::new();
    b.timer(TokioTimer::new())
        .header_read_timeout(tempi.intestazioni);
    let _ = b.serve_connection(TokioIo::new(stream), svc).await;
    drop(posto);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_are_capped_per_client_and_freed() {
        let a = Arc::new(Mutex::new(Aperte::default()));
        let ip: IpAddr = "2001:db8::1".parse().unwrap();
        let vicino: IpAddr = "2001:db8::2".parse().unwrap();
        let mut tenute: Vec<Admission> = (0..4).map(|_| entra(&a, ip, false, 4).unwrap()).collect();
        assert!(
            entra(&a, vicino, false, 4).is_none(),
            "the same /64 is one client"
        );
        assert!(entra(&a, "192.0.2.1".parse().unwrap(), false, 4).is_some());
        assert!(
            entra(&a, ip, true, 4).is_some(),
            "a trusted proxy counts in the total only"
        );
        tenute.pop();
        assert!(entra(&a, vicino, false, 4).is_some());
    }
}
