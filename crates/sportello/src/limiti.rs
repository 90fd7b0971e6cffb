//! Rate limits on what costs the service or takes a seat (challenges, holds, bookings, moves,
//! cancellations, reports), and the throttling of operators' logins.
//!
//! - Citizens' requests: per client and per comune, with governor's keyed GCRA limiters
//!   (bursts allowed, then a steady rate). A client is an IPv4 address or an IPv6 /64 (one
//!   household or phone gets a whole /64, so single IPv6 addresses are free to rotate).
//! - Operators' logins have budgets of their own, never spent by citizens' traffic: per client,
//!   and per account with a lockout that doubles after every run of failures (`Accessi`).
//! - Behind a reverse proxy the client is the address the proxy appended to `X-Forwarded-For`
//!   (the right-most entry, skipping the configured proxies), trusted only with `--trust-proxy`:
//!   entries to its left are written by the client and prove nothing.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Requests per minute allowed to one client and to one comune.
#[derive(Debug, Clone, Copy)]
pub struct Soglie {
    pub per_ip: u32,
    pub per_comune: u32,
}

pub struct Limiti {
    ip: DefaultKeyedRateLimiter<IpAddr>,
    comune: DefaultKeyedRateLimiter<String>,
}

fn quota(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN))
}

/// The key of a client: an IPv4 address (also when written as IPv4-mapped IPv6), or the /64
/// network of an IPv6 address.
pub fn cliente(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The client's address from the socket's peer and the `X-Forwarded-For` values (in the order
/// the headers came). Entries are read from the right: each one inside `fidati` (the proxies
/// in front of the service) is skipped; the first other one is the client. With no list, the
/// peer is the one trusted proxy and the right-most entry is the client. A peer outside the
/// list, or a header with nothing usable, gives the peer.
pub fn indirizzo_cliente(peer: IpAddr, inoltrato: &[&str], fidati: &[ipnet::IpNet]) -> IpAddr {
    let fidato = |ip: &IpAddr| fidati.iter().any(|n| n.contains(ip));
    if !peer_fidato(peer, fidati) {
        return peer;
    }
    let voci = inoltrato
        .iter()
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for v in voci.iter().rev() {
        let Ok(ip) = v.parse::<IpAddr>() else {
            return peer; // garbage the proxy passed on: trust nothing to its left
        };
        if fidati.is_empty() || !fidato(&ip) {
            return ip;
        }
    }
    peer
}

/// Whether a connection from `peer` comes from a trusted proxy: any peer when no proxy networks
/// are configured (the peer is then the one proxy), else a peer inside them.
pub fn peer_fidato(peer: IpAddr, fidati: &[ipnet::IpNet]) -> bool {
    fidati.is_empty() || fidati.iter().any(|n| n.contains(&peer))
}

impl Limiti {
    pub fn new(s: Soglie) -> Limiti {
        Limiti {
            ip: RateLimiter::keyed(quota(s.per_ip)),
            comune: RateLimiter::keyed(quota(s.per_comune)),
        }
    }

    /// Whether one more request from `ip` for `comune` may go through now.
    pub fn consenti(&self, ip: IpAddr, comune: &str) -> bool {
        self.ip.check_key(&cliente(ip)).is_ok()
            && self.comune.check_key(&comune.to_string()).is_ok()
    }

    /// Forgets the keys that are back to a full allowance (call now and then).
    pub fn pulisci(&self) {
        self.ip.retain_recent();
        self.comune.retain_recent();
    }
}

/// Failed logins in a row before an account is locked.
const TENTATIVI: u32 = 5;
/// The first lockout; each further failure while locked out doubles it, up to `BLOCCO_MAX`.
const BLOCCO: Duration = Duration::from_secs(30);
const BLOCCO_MAX: Duration = Duration::from_secs(15 * 60);
/// Accounts remembered at most (failures of unknown names included).
const ACCOUNT_MAX: usize = 10_000;

/// Operators' logins: their own budget per client, and failures counted per account.
pub struct Accessi {
    ip: DefaultKeyedRateLimiter<IpAddr>,
    falliti: Mutex<HashMap<(String, String), Fallimenti>>,
}

#[derive(Debug, Clone, Copy)]
struct Fallimenti {
    n: u32,
    fino_a: Option<Instant>,
}

/// Why a login may not be tried now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attesa {
    /// Too many logins from this client in the last minute.
    Cliente,
    /// The account is locked for this long after repeated failures.
    Account(Duration),
}

impl Accessi {
    /// `per_ip`: login attempts per minute from one client.
    pub fn new(per_ip: u32) -> Accessi {
        Accessi {
            ip: RateLimiter::keyed(quota(per_ip)),
            falliti: Mutex::new(HashMap::new()),
        }
    }

    /// Whether a login to `utente` of `comune` may be tried now from `ip`.
    pub fn prova(
        &self,
        ip: IpAddr,
        comune: &str,
        utente: &str,
        ora: Instant,
    ) -> Result<(), Attesa> {
        if let Some(f) = self.stato(comune, utente) {
            if let Some(fino) = f.fino_a.filter(|t| *t > ora) {
                return Err(Attesa::Account(fino - ora));
            }
        }
        self.ip.check_key(&cliente(ip)).map_err(|_| Attesa::Cliente)
    }

    fn stato(&self, comune: &str, utente: &str) -> Option<Fallimenti> {
        let m = self.falliti.lock().ok()?;
        m.get(&(comune.to_string(), utente.to_string())).copied()
    }

    /// A failed login: after `TENTATIVI` in a row the account is locked, longer each time.
    pub fn fallito(&self, comune: &str, utente: &str, ora: Instant) {
        let Ok(mut m) = self.falliti.lock() else {
            return;
        };
        if m.len() >= ACCOUNT_MAX {
            m.retain(|_, f| f.fino_a.is_some_and(|t| t > ora));
        }
        let f = m
            .entry((comune.to_string(), utente.to_string()))
            .or_insert(Fallimenti { n: 0, fino_a: None });
        f.n += 1;
        if f.n >= TENTATIVI {
            let volte = (f.n - TENTATIVI).min(10);
            f.fino_a = Some(ora + (BLOCCO * 2u32.pow(volte)).min(BLOCCO_MAX));
        }
    }

    /// A successful login clears the account's failures.
    pub fn riuscito(&self, comune: &str, utente: &str) {
        if let Ok(mut m) = self.falliti.lock() {
            m.remove(&(comune.to_string(), utente.to_string()));
        }
    }

    pub fn pulisci(&self, ora: Instant) {
        self.ip.retain_recent();
        if let Ok(mut m) = self.falliti.lock() {
            // Runs of failures that never reached a lockout are forgotten too after a while.
            m.retain(|_, f| f.fino_a.is_some_and(|t| t > ora) || f.n >= TENTATIVI);
        }
    }
}

/// "30 secondi", "1 minuto", "15 minuti": how long a locked account waits, in words.
pub fn durata(d: Duration) -> String {
    let s = d.as_secs().max(1);
    if s < 60 {
        return if s == 1 {
            "1 secondo".into()
        } else {
            format!("{s} secondi")
        };
    }
    let m = s.div_ceil(60);
    if m == 1 {
        "1 minuto".into()
    } else {
        format!("{m} minuti")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn limits_per_address_and_per_comune() {
        let l = Limiti::new(Soglie {
            per_ip: 3,
            per_comune: 5,
        });
        let a = ip("192.0.2.1");
        let b = ip("192.0.2.2");
        assert!((0..3).all(|_| l.consenti(a, "valfiorita")));
        assert!(!l.consenti(a, "valfiorita"), "the fourth from one address");
        assert!(l.consenti(b, "valfiorita"));
        assert!(l.consenti(b, "valfiorita"));
        // Five for Valfiorita have gone through (3 + 2): the comune's own budget is spent.
        assert!(!l.consenti(ip("192.0.2.3"), "valfiorita"));
        assert!(l.consenti(ip("192.0.2.3"), "castelmarino"));
    }

    #[test]
    fn ipv6_clients_are_their_64_network() {
        let l = Limiti::new(Soglie {
            per_ip: 2,
            per_comune: 1000,
        });
        assert!(l.consenti(ip("2001:db8:1:2::1"), "x"));
        assert!(l.consenti(ip("2001:db8:1:2:ffff::9"), "x"));
        assert!(!l.consenti(ip("2001:db8:1:2:abcd::77"), "x"), "same /64");
        assert!(l.consenti(ip("2001:db8:1:3::1"), "x"), "another /64");
        assert_eq!(cliente(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
    }

    #[test]
    fn the_client_is_what_the_proxy_appended() {
        let proxy = ip("127.0.0.1");
        // The client wrote the left entries itself; nginx appended the real address.
        let h = ["203.0.113.9, 198.51.100.1", "192.0.2.44"];
        assert_eq!(indirizzo_cliente(proxy, &h, &[]), ip("192.0.2.44"));
        let fidati: Vec<ipnet::IpNet> = vec![
            "10.0.0.0/8".parse().unwrap(),
            "127.0.0.1/32".parse().unwrap(),
        ];
        let chain = ["6.6.6.6, 192.0.2.44, 10.1.2.3"];
        assert_eq!(indirizzo_cliente(proxy, &chain, &fidati), ip("192.0.2.44"));
        // A peer that is not a trusted proxy is the client, whatever it claims.
        assert_eq!(
            indirizzo_cliente(ip("192.0.2.200"), &chain, &fidati),
            ip("192.0.2.200")
        );
        assert_eq!(indirizzo_cliente(proxy, &["nonsense"], &[]), proxy);
        assert_eq!(indirizzo_cliente(proxy, &[], &[]), proxy);
    }

    #[test]
    fn accounts_lock_after_failures_and_back_off() {
        let a = Accessi::new(1000);
        let t0 = Instant::now();
        let c = ip("192.0.2.1");
        for _ in 0..TENTATIVI {
            assert_eq!(a.prova(c, "x", "anna", t0), Ok(()));
            a.fallito("x", "anna", t0);
        }
        assert_eq!(a.prova(c, "x", "anna", t0), Err(Attesa::Account(BLOCCO)));
        assert_eq!(
            a.prova(c, "x", "bruno", t0),
            Ok(()),
            "other accounts are free"
        );
        assert_eq!(
            a.prova(c, "y", "anna", t0),
            Ok(()),
            "the same name in another comune"
        );
        let dopo = t0 + BLOCCO;
        assert_eq!(a.prova(c, "x", "anna", dopo), Ok(()));
        a.fallito("x", "anna", dopo);
        assert_eq!(
            a.prova(c, "x", "anna", dopo),
            Err(Attesa::Account(BLOCCO * 2))
        );
        a.riuscito("x", "anna");
        assert_eq!(a.prova(c, "x", "anna", dopo), Ok(()));
    }

    #[test]
    fn login_budget_is_per_client() {
        let a = Accessi::new(2);
        let t = Instant::now();
        assert!(a.prova(ip("192.0.2.1"), "x", "u", t).is_ok());
        assert!(a.prova(ip("192.0.2.1"), "x", "v", t).is_ok());
        assert_eq!(a.prova(ip("192.0.2.1"), "x", "w", t), Err(Attesa::Cliente));
        assert!(a.prova(ip("192.0.2.2"), "x", "u", t).is_ok());
    }

    #[test]
    fn waits_are_said_in_italian() {
        assert_eq!(durata(Duration::from_secs(30)), "30 secondi");
        assert_eq!(durata(Duration::from_secs(60)), "1 minuto");
        assert_eq!(durata(Duration::from_secs(61)), "2 minuti");
    }
}
