//! What the preview server (`civico serve`) answers at all, before any file is looked up.
//!
//! - DNS rebinding: a page on another site can point a name of its own at 127.0.0.1 and read
//!   the preview (drafts included) through the victim's browser. The `Host` header tells: only
//!   loopback names (`localhost`, `127.0.0.1`, `[::1]`, `*.localhost`) are answered, and, when
//!   `--bind` opens the preview to the network, IP addresses (a phone on the same network types
//!   one); any other name gets 421 with an Italian explanation.
//! - Links: the preview serves only files inside its folder; a path that resolves (through a
//!   symbolic link) outside it, or to a precompressed sibling outside it, is a 404, as is a
//!   path no file can have.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Response, StatusCode};
use axum::middleware::Next;

/// What the guard needs to know.
#[derive(Clone)]
pub struct Guard {
    /// The preview folder, with its links resolved.
    pub out: PathBuf,
    /// The address the server listens on.
    pub bind: IpAddr,
}

/// Whether `host` (the `Host` header, with or without port) may be answered.
pub fn host_allowed(host: &str, bind: IpAddr) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, p)| {
            if p.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                host
            }
        }),
    }
    .trim_end_matches('.')
    .to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    match name.parse::<IpAddr>() {
        Ok(ip) if ip.is_loopback() => true,
        // Opened to the network: an address typed by hand, never a name.
        Ok(ip) => !bind.is_loopback() && (bind.is_unspecified() || ip == bind),
        Err(_) => false,
    }
}

/// Whether the file a request path names stays inside `out`: the path, its `index.html` and
/// their precompressed siblings, each with its links resolved.
pub fn inside(out: &Path, request_path: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(request_path).decode_utf8_lossy();
    let rel = decoded.trim_start_matches('/');
    if rel.split('/').any(|c| c == "..") || rel.contains('\\') {
        return false;
    }
    // Names no file can have (a NUL byte, a name over the file systems' 255 bytes): the file
    // system's error for them would come back as a 500.
    if rel.contains('\0') || rel.split('/').any(|c| c.len() > 255) {
        return false;
    }
    let base = out.join(rel);
    let mut candidates = vec![base.clone(), base.join("index.html")];
    for c in candidates.clone() {
        for ext in ["gz", "br"] {
            let mut s = c.clone().into_os_string();
            s.push(".");
            s.push(ext);
            candidates.push(PathBuf::from(s));
        }
    }
    candidates
        .iter()
        .filter(|c| std::fs::symlink_metadata(c).is_ok())
        .all(|c| c.canonicalize().is_ok_and(|real| real.starts_with(out)))
}

/// The middleware: 421 for a foreign `Host`, 404 for a path that leaves the folder.
pub async fn check(State(g): State<Guard>, req: Request, next: Next) -> Response<Body> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !host_allowed(host, g.bind) {
        return refuse(
            StatusCode::MISDIRECTED_REQUEST,
            "Questa anteprima risponde solo a localhost (o all'indirizzo IP indicato con --bind): apri http://127.0.0.1 con la porta mostrata da civico serve.",
        );
    }
    if !inside(&g.out, req.uri().path()) {
        return refuse(StatusCode::NOT_FOUND, "Pagina non trovata.");
    }
    next.run(req).await
}

fn refuse(status: StatusCode, text: &'static str) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(text))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const ANY: IpAddr = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);

    #[test]
    fn only_loopback_names_unless_opened() {
        for ok in [
            "localhost:1111",
            "127.0.0.1:1111",
            "[::1]:1111",
            "LOCALHOST",
            "a.localhost:80",
        ] {
            assert!(host_allowed(ok, LOOPBACK), "{ok}");
        }
        for bad in [
            "evil.example:1111",
            "localhost.evil.example",
            "192.168.1.5:1111",
            "",
            "127.0.0.1.nip.io",
        ] {
            assert!(!host_allowed(bad, LOOPBACK), "{bad}");
        }
        assert!(host_allowed("192.168.1.5:1111", ANY));
        assert!(!host_allowed("rebind.example:1111", ANY));
        let lan: IpAddr = "192.168.1.5".parse().unwrap();
        assert!(host_allowed("192.168.1.5:1111", lan));
        assert!(!host_allowed("192.168.1.6:1111", lan));
    }

    #[test]
    fn paths_no_file_can_have_are_not_found() {
        let out = tempfile::tempdir().unwrap();
        std::fs::write(out.path().join("a.html"), "a").unwrap();
        assert!(inside(out.path(), "/a.html"));
        assert!(inside(out.path(), &format!("/{}", "b".repeat(255))));
        assert!(!inside(out.path(), &format!("/{}", "b".repeat(256))));
        assert!(!inside(out.path(), "/%00/a.html"));
        assert!(!inside(out.path(), "/a.html%00"));
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_folder_are_not_served() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        std::fs::create_dir_all(out.join("a")).unwrap();
        std::fs::write(out.join("a/index.html"), "ok").unwrap();
        std::fs::write(tmp.path().join("segreto.txt"), "no").unwrap();
        std::os::unix::fs::symlink(tmp.path().join("segreto.txt"), out.join("a/x.txt")).unwrap();
        std::os::unix::fs::symlink(tmp.path(), out.join("fuori")).unwrap();
        let out = out.canonicalize().unwrap();
        assert!(inside(&out, "/a/"));
        assert!(inside(&out, "/a/index.html"));
        assert!(inside(&out, "/non-esiste/"));
        assert!(!inside(&out, "/a/x.txt"));
        assert!(!inside(&out, "/fuori/segreto.txt"));
        assert!(!inside(&out, "/fuori/"));
        assert!(!inside(&out, "/a/%2e%2e/%2e%2e/segreto.txt"));
    }
}
