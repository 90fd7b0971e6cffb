//! `civico serve` end to end: the binary on an ephemeral loopback port over a copy of
//! content-example; pages fetched over HTTP and parsed, live-reload events read from the
//! Server-Sent Events stream while content files are edited.

use crate::common;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::{bin, copy_dir, repo, select, text};

/// A running `civico serve`, stopped when dropped.
struct Server {
    child: Child,
    origin: String,
    root: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Copies content-example and serves it.
    fn start(extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sito");
        copy_dir(&repo().join("content-example"), &root);
        let mut cmd = Command::new(bin());
        cmd.arg("serve")
            .arg(&root)
            .args(["--port", "0", "--date", "2026-11-23"])
            .args(extra);
        let (child, origin) = common::spawn_server(cmd);
        assert!(origin.starts_with("http://127.0.0.1:"), "{origin}");
        Server {
            child,
            origin,
            root,
            _dir: dir,
        }
    }

    fn get(&self, path: &str) -> (u16, String) {
        let resp = ureq::get(&format!("{}{path}", self.origin))
            .config()
            .http_status_as_error(false)
            .build()
            .call()
            .expect("HTTP request");
        let status = resp.status().as_u16();
        let body = resp.into_body().read_to_string().unwrap_or_default();
        (status, body)
    }

    /// Opens the event stream; every event arrives as (name, data).
    fn events(&self) -> mpsc::Receiver<(String, serde_json::Value)> {
        let (tx, rx) = mpsc::channel();
        let url = format!("{}/__civico/eventi", self.origin);
        std::thread::spawn(move || {
            let resp = match ureq::get(&url).call() {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("event stream: {e}");
                    return;
                }
            };
            let reader = BufReader::new(resp.into_body().into_reader());
            let mut name = String::new();
            for line in reader.lines() {
                let line = match line {
                    Ok(l) => l,
                    Err(e) => {
                        eprintln!("event stream: {e}");
                        return;
                    }
                };
                if let Some(n) = line.strip_prefix("event: ") {
                    name = n.to_string();
                } else if let Some(d) = line.strip_prefix("data: ") {
                    let v = serde_json::from_str(d).unwrap_or(serde_json::Value::Null);
                    if tx.send((name.clone(), v)).is_err() {
                        return;
                    }
                }
            }
        });
        rx
    }

    fn file(&self, rel: &str) -> PathBuf {
        self.root.join("comuni/castelmarino").join(rel)
    }
}

/// The next event other than keep-alives, or panics after `secs`.
fn next_event(
    rx: &mpsc::Receiver<(String, serde_json::Value)>,
    secs: u64,
) -> (String, serde_json::Value) {
    rx.recv_timeout(Duration::from_secs(secs))
        .expect("an event from the preview server")
}

/// Waits for the first event of the stream (the current state), so later edits are seen.
fn connected(rx: &mpsc::Receiver<(String, serde_json::Value)>) -> serde_json::Value {
    let (name, v) = next_event(rx, 30);
    assert_eq!(name, "stato");
    v
}

const NEWS: &str = "notizie/al-via-i-lavori-di-rifacimento-di-via-roma.md";
const NEWS_URL: &str = "/castelmarino/novita/al-via-i-lavori-di-rifacimento-di-via-roma/";

fn h1(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    select(&doc, "h1").first().map(text).unwrap_or_default()
}

#[test]
fn serves_pages_with_the_reload_script_and_lists_the_comuni() {
    let s = Server::start(&[]);
    let (status, index) = s.get("/");
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&index);
    let links: Vec<String> = select(&doc, "main a")
        .iter()
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    for slug in common::COMUNI {
        assert!(links.contains(&format!("/{slug}/")), "{links:?}");
    }
    let (status, page) = s.get(NEWS_URL);
    assert_eq!(status, 200);
    assert_eq!(h1(&page), "Al via i lavori di rifacimento di via Roma");
    let doc = scraper::Html::parse_document(&page);
    let scripts: Vec<&str> = select(&doc, "script[src]")
        .iter()
        .filter_map(|e| e.value().attr("src"))
        .collect();
    assert!(scripts.contains(&"/__civico/livereload.js"), "{scripts:?}");
    // Links point into the comune's folder of the preview, and they resolve.
    let css: Vec<String> = select(&doc, "link[rel=stylesheet]")
        .iter()
        .filter_map(|e| e.value().attr("href").map(str::to_string))
        .collect();
    assert!(!css.is_empty());
    for href in &css {
        assert!(href.starts_with("/castelmarino/static/"), "{href}");
        assert_eq!(s.get(href).0, 200, "{href}");
    }
    // The script is served; the file on disk is not touched (the preview folder is internal,
    // but the built page must not carry the script in the source tree either).
    let (status, js) = s.get("/__civico/livereload.js");
    assert_eq!(status, 200);
    assert!(js.contains("EventSource"));
}

#[test]
fn editing_a_file_sends_reload_and_changes_the_page() {
    let s = Server::start(&[]);
    let rx = s.events();
    let first = connected(&rx);
    assert_eq!(first["errori"].as_array().map(Vec::len), Some(0));
    let path = s.file(NEWS);
    let original = std::fs::read_to_string(&path).unwrap();
    let edited = original.replace(
        "titolo: \"Al via i lavori di rifacimento di via Roma\"",
        "titolo: \"Lavori in via Roma: si parte\"",
    );
    assert_ne!(edited, original);
    std::fs::write(&path, &edited).unwrap();
    let (name, v) = next_event(&rx, 30);
    assert_eq!(name, "reload", "{v}");
    assert!(v["versione"].as_u64() > first["versione"].as_u64());
    let (_, page) = s.get(NEWS_URL);
    assert_eq!(h1(&page), "Lavori in via Roma: si parte");
    // The list of news shows the new title too.
    let (_, list) = s.get("/castelmarino/novita/");
    assert!(list.contains("Lavori in via Roma: si parte"));

    // A body-only edit is rebuilt as well.
    std::fs::write(
        &path,
        format!("{edited}\n\nUn paragrafo aggiunto in anteprima.\n"),
    )
    .unwrap();
    let (name, _) = next_event(&rx, 30);
    assert_eq!(name, "reload");
    let (_, page) = s.get(NEWS_URL);
    assert!(page.contains("Un paragrafo aggiunto in anteprima."));
}

#[test]
fn an_error_shows_in_the_overlay_data_and_fixing_it_clears_it() {
    let s = Server::start(&[]);
    let rx = s.events();
    connected(&rx);
    let path = s.file(NEWS);
    let original = std::fs::read_to_string(&path).unwrap();
    // A date that does not exist, on line 4.
    let broken = original.replace("data: 2026-11-20", "data: 2026-13-45");
    assert_ne!(broken, original);
    std::fs::write(&path, &broken).unwrap();
    let (name, v) = next_event(&rx, 30);
    assert_eq!(name, "errori", "{v}");
    let errori = v["errori"].as_array().expect("errors");
    assert!(!errori.is_empty());
    let e = &errori[0];
    assert!(
        e["file"].as_str().unwrap().ends_with(NEWS),
        "the error names the file: {e}"
    );
    assert_eq!(e["riga"], 4, "{e}");
    assert!(e["colonna"].as_u64().unwrap() > 0, "{e}");
    assert!(!e["messaggio"].as_str().unwrap().is_empty());
    // Meanwhile the last good page is still served.
    let (status, page) = s.get(NEWS_URL);
    assert_eq!(status, 200);
    assert_eq!(h1(&page), "Al via i lavori di rifacimento di via Roma");
    // A new connection is told about the errors straight away.
    let rx2 = s.events();
    let now = connected(&rx2);
    assert_eq!(now["errori"].as_array().map(Vec::len), Some(errori.len()));

    std::fs::write(&path, &original).unwrap();
    let (name, v) = next_event(&rx, 30);
    assert_eq!(name, "reload", "{v}");
    assert_eq!(v["errori"].as_array().map(Vec::len), Some(0));
}

/// Sends a request with the path exactly as given (no client-side normalisation).
fn raw_status(origin: &str, path: &str) -> u16 {
    status_with_host(origin, path, origin.trim_start_matches("http://"))
}

#[test]
fn no_path_traversal_and_right_types_and_encodings() {
    let s = Server::start(&["--comune", "castelmarino"]);
    // Something that exists just outside the preview folder's comune: the content itself.
    for path in [
        "/castelmarino/../../etc/passwd",
        "/../etc/passwd",
        "/castelmarino/%2e%2e/%2e%2e/etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/castelmarino/..%2f..%2f..%2fetc%2fpasswd",
        "/castelmarino/%2E%2E/civico.yaml",
        "/castelmarino/..\\..\\civico.yaml",
    ] {
        let status = raw_status(&s.origin, path);
        assert_eq!(status, 404, "{path} gave {status}");
    }
    // One comune: `/` goes straight to it.
    assert_eq!(raw_status(&s.origin, "/"), 307);
    for (path, ty) in [
        ("/castelmarino/", "text/html"),
        ("/castelmarino/static/css/civico.css", "text/css"),
        ("/castelmarino/ricerca/indice.json", "application/json"),
        (
            "/castelmarino/vivere-il-comune/eventi/eventi.ics",
            "text/calendar",
        ),
        ("/castelmarino/sitemap.xml", "xml"),
    ] {
        let resp = ureq::get(&format!("{}{path}", s.origin)).call().unwrap();
        let got = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert!(got.contains(ty), "{path}: {got}");
    }
    // Theme assets have precompressed siblings, served when the client accepts them.
    for (accept, encoding) in [("br", "br"), ("gzip", "gzip")] {
        let resp = ureq::get(&format!("{}/castelmarino/static/css/civico.css", s.origin))
            .header("Accept-Encoding", accept)
            .call()
            .unwrap();
        let enc = resp
            .headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert_eq!(enc, encoding);
    }
    let plain = ureq::get(&format!("{}/castelmarino/static/css/civico.css", s.origin))
        .header("Accept-Encoding", "identity")
        .call()
        .unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
}

#[test]
fn a_burst_of_saves_makes_few_rebuilds() {
    let s = Server::start(&["--comune", "castelmarino"]);
    let rx = s.events();
    connected(&rx);
    let path = s.file(NEWS);
    let original = std::fs::read_to_string(&path).unwrap();
    for i in 0..100 {
        std::fs::write(&path, format!("{original}\n\nSalvataggio {i}.\n")).unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    // Collect the reloads until the server has been quiet for 3 seconds.
    let mut reloads = 0;
    let start = Instant::now();
    while let Ok((name, _)) = rx.recv_timeout(Duration::from_secs(3)) {
        if name == "reload" {
            reloads += 1;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "still rebuilding"
        );
    }
    assert!(reloads >= 1, "the saves were seen");
    eprintln!("100 saves: {reloads} rebuild(s)");
    // Few, not 100 (a loaded CI machine may split the burst into a few more batches).
    assert!(reloads <= 15, "100 saves gave {reloads} rebuilds");
    let (_, page) = s.get(NEWS_URL);
    assert!(page.contains("Salvataggio 99."), "the last save wins");
}

#[test]
#[cfg_attr(
    not(civico_browser),
    ignore = "needs node, Debian's chromium and `npm ci --prefix tests/browser` (README, Quick start)"
)]
fn the_browser_shows_the_error_overlay_and_reloads_after_the_fix() {
    if !common::node_ready() {
        return;
    }
    let s = Server::start(&["--comune", "castelmarino"]);
    let file = s.file(NEWS);
    let out = Command::new("node")
        .arg(common::browser_dir().join("livereload.mjs"))
        .arg(format!("{}{NEWS_URL}", s.origin))
        .arg(&file)
        .current_dir(common::browser_dir())
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "live reload in Chromium:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every file under `dir`, relative, with its bytes.
fn tree(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .to_string();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn incremental_rebuilds_equal_a_fresh_build() {
    use civico_site::incremental::{Options, Session};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sito");
    copy_dir(&repo().join("content-example"), &root);
    let opts = |out: PathBuf| Options {
        root: root.clone(),
        out,
        comuni: Vec::new(),
        drafts: true,
        today: "2026-11-23".parse().ok(),
        origin: Some("http://127.0.0.1:1111".into()),
    };
    let (mut session, first) = Session::start(opts(dir.path().join("anteprima")));
    assert_eq!(first.errors(), 0);
    let c = root.join("comuni/castelmarino");
    let news = c.join(NEWS);
    let original = std::fs::read_to_string(&news).unwrap();
    let new_file = c.join("notizie/una-notizia-nuova.md");
    type Edit<'a> = (&'a str, Box<dyn Fn() + 'a>);
    let edits: Vec<Edit> = vec![
        (
            "body",
            Box::new(|| std::fs::write(&news, format!("{original}\nNuovo testo.\n")).unwrap()),
        ),
        (
            "title",
            Box::new(|| {
                std::fs::write(
                    &news,
                    original.replace("Al via i lavori", "Partono i lavori"),
                )
                .unwrap()
            }),
        ),
        (
            "new file",
            Box::new(|| {
                std::fs::write(
                    &new_file,
                    "---\ntitolo: \"Una notizia nuova\"\ntipo: notizia\ndata: 2026-11-22\n\
                     descrizione_breve: \"Scritta durante l'anteprima.\"\n\
                     argomenti: [\"Turismo\"]\na_cura_di: [\"uffici/tecnico\"]\n---\n\nTesto.\n",
                )
                .unwrap()
            }),
        ),
        (
            "removed file",
            Box::new(|| std::fs::remove_file(&new_file).unwrap()),
        ),
        (
            "restored",
            Box::new(|| std::fs::write(&news, &original).unwrap()),
        ),
    ];
    for (i, (what, edit)) in edits.iter().enumerate() {
        edit();
        let changed = [news.clone(), new_file.clone()];
        let o = session.update(&changed);
        assert_eq!(
            o.errors(),
            0,
            "{what}: {:?}",
            o.diagnostics.iter().find(|d| d.is_error())
        );
        let fresh_dir = dir.path().join(format!("fresh-{i}"));
        let (_, f) = Session::start(opts(fresh_dir.clone()));
        assert_eq!(f.errors(), 0);
        let (a, b) = (tree(session.out()), tree(&fresh_dir));
        let only_a: Vec<&String> = a.keys().filter(|k| !b.contains_key(*k)).collect();
        let only_b: Vec<&String> = b.keys().filter(|k| !a.contains_key(*k)).collect();
        assert!(
            only_a.is_empty() && only_b.is_empty(),
            "{what}: extra {only_a:?}, missing {only_b:?}"
        );
        let differ: Vec<&String> = a.keys().filter(|k| a[*k] != b[*k]).collect();
        assert!(
            differ.is_empty(),
            "{what}: differ from a fresh build: {differ:?}"
        );
        if *what == "body" {
            assert_eq!(o.rendered, 1, "a body edit renders only its page");
        }
    }
}

/// The status of a GET with the `Host` header and the path exactly as given.
fn status_with_host(origin: &str, path: &str, host_header: &str) -> u16 {
    let host = origin.trim_start_matches("http://");
    let mut tcp = TcpStream::connect(host).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        tcp,
        "GET {path} HTTP/1.1\r\nHost: {host_header}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    let _ = tcp.read_to_string(&mut resp);
    resp.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[cfg(unix)]
#[test]
fn foreign_host_names_and_links_out_of_the_folder_are_refused() {
    let out = tempfile::tempdir().unwrap();
    let s = Server::start(&[
        "--comune",
        "castelmarino",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let port = s.origin.rsplit(':').next().unwrap().to_string();
    // DNS rebinding: a page's own name pointed at 127.0.0.1 is not answered.
    for host in [
        format!("rebind.example:{port}"),
        "127.0.0.1.nip.io".to_string(),
    ] {
        assert_eq!(
            status_with_host(&s.origin, "/castelmarino/", &host),
            421,
            "{host}"
        );
    }
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        assert_eq!(
            status_with_host(&s.origin, "/castelmarino/", &host),
            200,
            "{host}"
        );
    }
    // A link inside the preview folder to a file outside it is not followed.
    let secret = s.root.join("segreto.txt");
    std::fs::write(&secret, "riservato").unwrap();
    std::os::unix::fs::symlink(&secret, out.path().join("castelmarino/segreto.txt")).unwrap();
    std::os::unix::fs::symlink(s.root.parent().unwrap(), out.path().join("fuori")).unwrap();
    let (status, body) = s.get("/castelmarino/segreto.txt");
    assert_eq!(status, 404, "{body}");
    assert!(!body.contains("riservato"));
    assert_eq!(s.get("/fuori/sito/civico.yaml").0, 404);
    assert_eq!(s.get("/castelmarino/").0, 200);
    // Paths no file can have are not found (the file system's errors for them were a 500).
    let long = format!("/castelmarino/{}", "a".repeat(300));
    for path in [long.as_str(), "/%00/index.html", "/castelmarino/%00"] {
        assert_eq!(s.get(path).0, 404, "{path}");
    }
}

#[test]
fn the_territory_portal_is_served_and_follows_the_comuni() {
    let s = Server::start(&[]);
    let rx = s.events();
    connected(&rx);
    // What `civico build` writes beside the comuni: the portal of every comune's events.
    let (status, page) = s.get("/eventi/");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("/eventi/static/css/portale.css"), "{page}");
    let (status, json) = s.get("/eventi/eventi.json");
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let eventi = v["eventi"].as_array().unwrap();
    assert!(eventi
        .iter()
        .any(|e| e["titolo"] == "Concerto di Capodanno della banda cittadina"));
    // Links lead to the comuni in the preview, not to their public sites.
    assert!(
        eventi
            .iter()
            .all(|e| e["url"].as_str().unwrap().starts_with(&s.origin)),
        "{json}"
    );
    // An edit to a comune's event reaches the portal.
    let path = s
        .root
        .join("comuni/valfiorita/eventi/concerto-di-capodanno.md");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace(
            "titolo: \"Concerto di Capodanno della banda cittadina\"",
            "titolo: \"Gran concerto di Capodanno\"",
        ),
    )
    .unwrap();
    let (name, _) = next_event(&rx, 30);
    assert_eq!(name, "reload");
    let (_, json) = s.get("/eventi/eventi.json");
    assert!(json.contains("Gran concerto di Capodanno"), "{json}");
    assert_eq!(s.get("/eventi/static/css/civico.css").0, 200);
}

#[test]
fn an_unknown_address_shows_the_comunes_own_404_page() {
    let s = Server::start(&["--comune", "castelmarino"]);
    let (status, body) = s.get("/castelmarino/pagina-che-non-esiste/");
    assert_eq!(status, 404);
    let doc = scraper::Html::parse_document(&body);
    let h1: Vec<String> = common::select(&doc, "h1")
        .iter()
        .map(common::text)
        .collect();
    assert_eq!(h1, ["Pagina non trovata"], "{body}");
    // With the reload script: the page comes back by itself once it exists.
    assert!(body.contains("/__civico/livereload.js"));
    // Outside any comune of the preview there is no site to take a 404 page from.
    assert_eq!(s.get("/non-un-comune/x/").0, 404);
}
