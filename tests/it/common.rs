//! Helpers shared by the end-to-end tests: run the real binary, parse HTML with scraper.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The three comuni of content-example.
pub const COMUNI: [&str; 3] = ["borgo-san-fedele", "castelmarino", "valfiorita"];

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_civico"))
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `civico build ROOT --out OUT --date 2026-11-23 ARGS`; returns (success, stderr).
pub fn build(root: &Path, out: &Path, args: &[&str]) -> (bool, String) {
    let o = Command::new(bin())
        .arg("build")
        .arg(root)
        .arg("--out")
        .arg(out)
        .args(["--date", "2026-11-23"])
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run civico");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Copies a folder recursively (to mutate fixtures without touching the repository).
pub fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(from).unwrap();
        if rel.starts_with("public") {
            continue;
        }
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

pub fn html(path: &Path) -> scraper::Html {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    scraper::Html::parse_document(&text)
}

pub fn select<'a>(doc: &'a scraper::Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let sel = scraper::Selector::parse(css).unwrap();
    doc.select(&sel).collect()
}

pub fn text(e: &scraper::ElementRef<'_>) -> String {
    e.text()
        .collect::<Vec<_>>()
        .join("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The example network, built once per test binary with `--date 2026-11-23`.
pub fn example_site() -> &'static Path {
    static OUT: OnceLock<tempfile::TempDir> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = tempfile::tempdir().unwrap();
        let (ok, err) = build(&repo().join("content-example"), out.path(), &[]);
        assert!(ok, "build failed:\n{err}");
        out
    })
    .path()
}

/// Every `.html` file under `dir`.
pub fn html_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| e.into_path())
        .collect()
}

/// Number of Markdown files in `folder` of an example comune (`servizi`, `notizie`, ...).
pub fn example_markdown_files(comune: &str, folder: &str) -> usize {
    std::fs::read_dir(
        repo()
            .join("content-example/comuni")
            .join(comune)
            .join(folder),
    )
    .unwrap()
    .filter(|e| {
        e.as_ref()
            .unwrap()
            .path()
            .extension()
            .is_some_and(|x| x == "md")
    })
    .count()
}

// --- External tools (node, chromium, java) for the browser and validator tests ----------

pub fn browser_dir() -> PathBuf {
    repo().join("tests/browser")
}

/// Whether a missing tool must fail the test.
pub fn required() -> bool {
    std::env::var("CIVICO_QUALITY").is_ok_and(|v| v == "require")
}

/// Returns false (and explains) when `what` is unavailable; panics instead if tools are required.
pub fn available(ok: bool, what: &str) -> bool {
    if !ok {
        assert!(
            !required(),
            "{what} is required (CIVICO_QUALITY=require) but not installed"
        );
        eprintln!("SKIPPED: {what} not installed; see the README's quick start");
    }
    ok
}

pub fn has_command(cmd: &str, arg: &str) -> bool {
    Command::new(cmd)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Site paths of every generated page of a comune (`/`, `/novita/`, `/404.html`, ...).
pub fn node_ready() -> bool {
    let modules = browser_dir().join("node_modules");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    available(
        modules.join("axe-core").is_dir()
            && modules.join("playwright-core").is_dir()
            && Path::new(&chromium).exists()
            && has_command("node", "--version"),
        "node with tests/browser/node_modules (axe-core, playwright-core) and Debian's chromium",
    )
}

/// Runs `tests/browser/SCRIPT SITE PORT ARGS...` (a Chromium scenario that serves the built
/// site on 127.0.0.1:PORT) and returns the JSON object it prints last; fails with its output.
pub fn node_script(script: &str, site: &Path, port: u16, args: &[&str]) -> serde_json::Value {
    let out = Command::new("node")
        .arg(browser_dir().join(script))
        .arg(site)
        .arg(port.to_string())
        .args(args)
        .current_dir(browser_dir())
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{script} {args:?} in Chromium:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or("")).unwrap()
}

/// A free port on loopback (for a static server the test starts later).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts a server command whose first line on standard output contains its `http://` address;
/// keeps reading what it prints (as a terminal would). Returns the child and the address
/// without a trailing slash.
pub fn spawn_server(cmd: Command) -> (std::process::Child, String) {
    let (child, url, _) = spawn_server_logged(cmd);
    (child, url)
}

/// What a server printed on standard output and error, kept as it comes.
pub type Log = std::sync::Arc<std::sync::Mutex<String>>;

/// `spawn_server`, keeping everything the server prints (to check what it logs).
pub fn spawn_server_logged(mut cmd: Command) -> (std::process::Child, String, Log) {
    use std::io::BufRead as _;
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the server starts");
    let log: Log = Default::default();
    let mut reader = std::io::BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .expect("the server prints its address");
    log.lock().unwrap().push_str(&line);
    let keep = |mut r: Box<dyn std::io::BufRead + Send>, log: Log| {
        std::thread::spawn(move || {
            let mut l = String::new();
            while r.read_line(&mut l).unwrap_or(0) > 0 {
                log.lock().unwrap().push_str(&l);
                l.clear();
            }
        });
    };
    keep(Box::new(reader), log.clone());
    let err = child.stderr.take().expect("piped stderr");
    keep(Box::new(std::io::BufReader::new(err)), log.clone());
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches('/')
        .to_string();
    (child, url, log)
}

// --- A throwaway PostgreSQL server on loopback (Debian's postgresql package) -------------

/// The folder with initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/N/bin.
fn pg_bin() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p).find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
    });
    on_path.or_else(|| {
        let mut v: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .filter(|d| d.join("initdb").is_file())
            .collect();
        v.sort();
        v.pop()
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A PostgreSQL server started for one test in its own folder, on a free loopback port,
/// stopped (`pg_ctl stop -m fast`) when dropped. As root, the server runs as the `postgres`
/// user (initdb refuses root).
pub struct Postgres {
    pub url: String,
    bin: PathBuf,
    data: PathBuf,
    _dir: tempfile::TempDir,
    root: bool,
}

impl Postgres {
    /// Starts one, or returns None (with a message) when PostgreSQL is not installed; with
    /// CIVICO_PG=require a missing PostgreSQL fails the test.
    pub fn start() -> Option<Postgres> {
        let Some(bin) = pg_bin() else {
            assert!(
                std::env::var("CIVICO_PG").map_or(true, |v| v != "require"),
                "PostgreSQL is required (CIVICO_PG=require) but initdb was not found"
            );
            eprintln!("SKIPPED: PostgreSQL (initdb, pg_ctl) not installed");
            return None;
        };
        let root = is_root();
        let dir = tempfile::Builder::new()
            .prefix("civico-pg")
            .tempdir_in("/tmp")
            .unwrap();
        let data = dir.path().join("data");
        let sock = dir.path().to_path_buf();
        if root {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown to postgres");
        }
        let run = |args: &[&std::ffi::OsStr]| -> std::process::Output {
            let mut c = if root {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]);
                c
            } else {
                Command::new(args[0])
            };
            let rest = if root { args } else { &args[1..] };
            c.args(rest);
            c.output().expect("run a PostgreSQL tool")
        };
        let initdb = bin.join("initdb");
        let o = run(&[
            initdb.as_os_str(),
            "-D".as_ref(),
            data.as_os_str(),
            "-A".as_ref(),
            "trust".as_ref(),
            "-U".as_ref(),
            "civico".as_ref(),
            "--no-sync".as_ref(),
        ]);
        assert!(
            o.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        // A free port: bind, note it, release (the race with other tests is unlikely and
        // would fail loudly at start).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off -c max_connections=200",
            sock.display()
        );
        let pg_ctl = bin.join("pg_ctl");
        let log = dir.path().join("log");
        let o = run(&[
            pg_ctl.as_os_str(),
            "-D".as_ref(),
            data.as_os_str(),
            "-o".as_ref(),
            opts.as_ref(),
            "-l".as_ref(),
            log.as_os_str(),
            "-w".as_ref(),
            "start".as_ref(),
        ]);
        assert!(
            o.status.success(),
            "pg_ctl start: {} {}",
            String::from_utf8_lossy(&o.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        Some(Postgres {
            url: format!("postgres://civico@127.0.0.1:{port}/postgres"),
            bin,
            data,
            _dir: dir,
            root,
        })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let mut c = if self.root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&pg_ctl);
            c
        } else {
            Command::new(&pg_ctl)
        };
        let _ = c
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "stop"])
            .output();
    }
}

// --- An SMTP sink on loopback ---------------------------------------------------------------

/// A message the sink received.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

/// A minimal SMTP server (RFC 5321 subset: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT)
/// on an ephemeral loopback port, keeping what it receives in memory. No TLS: the service
/// is given an `smtp://127.0.0.1:PORT` URL, which lettre sends in clear.
pub struct SmtpSink {
    pub port: u16,
    pub mails: std::sync::Arc<std::sync::Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        use std::io::{BufRead, BufReader, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let mails = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let m2 = mails.clone();
        std::thread::spawn(move || {
            for conn in l.incoming() {
                let Ok(conn) = conn else { continue };
                let mails = m2.clone();
                std::thread::spawn(move || {
                    let mut w = conn.try_clone().unwrap();
                    let mut r = BufReader::new(conn);
                    let _ = w.write_all(b"220 sink ESMTP\r\n");
                    let (mut from, mut to) = (String::new(), Vec::new());
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if r.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let up = line.to_ascii_uppercase();
                        let reply: &[u8] = if up.starts_with("EHLO") {
                            b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
                        } else if up.starts_with("HELO") || up.starts_with("NOOP") {
                            b"250 ok\r\n"
                        } else if up.starts_with("MAIL FROM:") {
                            from = line[10..].trim().to_string();
                            to.clear();
                            b"250 ok\r\n"
                        } else if up.starts_with("RCPT TO:") {
                            to.push(line[8..].trim().trim_matches(['<', '>']).to_string());
                            b"250 ok\r\n"
                        } else if up.starts_with("RSET") {
                            from.clear();
                            to.clear();
                            b"250 ok\r\n"
                        } else if up.starts_with("DATA") {
                            let _ = w.write_all(b"354 go on\r\n");
                            let mut data = String::new();
                            loop {
                                line.clear();
                                if r.read_line(&mut line).unwrap_or(0) == 0 {
                                    return;
                                }
                                if line == ".\r\n" || line == ".\n" {
                                    break;
                                }
                                let l = line.strip_prefix('.').unwrap_or(&line);
                                data.push_str(l);
                            }
                            mails.lock().unwrap().push(Mail {
                                from: from.clone(),
                                to: to.clone(),
                                data,
                            });
                            b"250 queued\r\n"
                        } else if up.starts_with("QUIT") {
                            let _ = w.write_all(b"221 bye\r\n");
                            return;
                        } else {
                            b"502 not implemented\r\n"
                        };
                        let _ = w.write_all(reply);
                    }
                });
            }
        });
        SmtpSink { port, mails }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Waits up to `secs` for at least `n` messages; returns them all.
    pub fn wait(&self, n: usize, secs: u64) -> Vec<Mail> {
        let t = std::time::Instant::now();
        loop {
            let v = self.mails.lock().unwrap().clone();
            if v.len() >= n || t.elapsed().as_secs() >= secs {
                return v;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

/// The text of a MIME message's parts decoded enough to search: quoted-printable soft breaks
/// joined and `=XX` escapes decoded.
pub fn mail_text(data: &str) -> String {
    let joined = data.replace("=\r\n", "").replace("=\n", "");
    let mut out = Vec::new();
    let b = joined.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// --- The sportello's JSON API, as the booking pages call it ----------------------------------

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

/// GET (no body) or POST (JSON body, optional Idempotency-Key) with an optional Origin:
/// (status, JSON body, Access-Control-Allow-Origin).
pub fn call_with(
    method: &str,
    url: &str,
    origin: Option<&str>,
    body: Option<serde_json::Value>,
    key: Option<&str>,
) -> (u16, serde_json::Value, Option<String>) {
    let agent = agent();
    let resp = if method == "GET" {
        let mut r = agent.get(url);
        if let Some(o) = origin {
            r = r.header("Origin", o);
        }
        r.call()
    } else {
        let mut r = agent.post(url).header("Content-Type", "application/json");
        if let Some(o) = origin {
            r = r.header("Origin", o);
        }
        if let Some(k) = key {
            r = r.header("Idempotency-Key", k);
        }
        r.send(body.unwrap_or_else(|| serde_json::json!({})).to_string())
    };
    let resp = match resp {
        Ok(r) => r,
        // The server went away (the kill test): reported as status 0.
        Err(_) => return (0, serde_json::Value::Null, None),
    };
    let status = resp.status().as_u16();
    let acao = resp
        .headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = resp.into_body().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        acao,
    )
}

pub fn call(
    method: &str,
    url: &str,
    origin: Option<&str>,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value, Option<String>) {
    call_with(method, url, origin, body, None)
}

/// Sends the headers of a POST that declares `lunghezza` bytes of JSON and only `inizio` of
/// them, then reads the answer: (status, JSON body). For a server that must refuse a body by
/// its declared size without reading it.
pub fn post_raw(url: &str, lunghezza: usize, inizio: &[u8]) -> (u16, serde_json::Value) {
    use std::io::{Read, Write};
    let u = url::Url::parse(url).unwrap();
    let mut s = std::net::TcpStream::connect((u.host_str().unwrap(), u.port().unwrap())).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut req = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {lunghezza}\r\nConnection: close\r\n\r\n",
        u.path(),
        u.host_str().unwrap()
    )
    .into_bytes();
    req.extend_from_slice(inizio);
    s.write_all(&req).unwrap();
    let mut risposta = Vec::new();
    let _ = s.read_to_end(&mut risposta);
    let testo = String::from_utf8_lossy(&risposta);
    let status = testo
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let corpo = testo.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, serde_json::from_str(corpo).unwrap_or_default())
}

/// A solved anti-robot challenge of the comune API `api` (the service runs with a trivial
/// cost in tests).
#[cfg(feature = "sportello")]
pub fn pow(api: &str) -> String {
    let (status, sfida, _) = call("GET", &format!("{api}/sfida"), None, None);
    assert_eq!(status, 200, "{sfida}");
    civico_sportello::sfida::risolvi(&sfida).expect("solvable")
}

// --- A running `civico sportello`, and its back-office ---------------------------------------

#[cfg(feature = "sportello")]
#[allow(unused_imports)]
pub use servizio::*;

#[cfg(feature = "sportello")]
mod servizio {
    use super::*;
    use std::process::Child;

    /// A running `civico sportello` over a copy of content-example, with a loopback SMTP sink
    /// and an operators file (anna for Valfiorita, carlo for Castelmarino).
    pub struct Servizio {
        child: Child,
        /// How it was started, to start it again on the same database.
        args: Vec<std::ffi::OsString>,
        env: Vec<(String, String)>,
        /// What the service printed (it must never print personal data).
        pub log: Log,
        pub url: String,
        pub origin: String,
        pub root: PathBuf,
        pub db: String,
        pub smtp: SmtpSink,
        pub operatori: PathBuf,
        _pg: Option<Postgres>,
        _dir: tempfile::TempDir,
    }

    impl Drop for Servizio {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    impl Servizio {
        /// Kills the service with SIGKILL, as a crash would.
        pub fn uccidi(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        /// Starts it again with the same options and database (on the same port when it was
        /// given one).
        pub fn riavvia(&mut self) {
            let mut cmd = Command::new(bin());
            cmd.args(&self.args)
                .envs(self.env.iter().map(|(k, v)| (k, v)));
            let (child, url, log) = spawn_server_logged(cmd);
            self.child = child;
            self.url = url;
            self.log = log;
        }
    }

    pub const PASSWORD: &str = "una password lunga";

    /// An argon2 hash made by the binary, as an administrator would.
    pub fn hash(password: &str) -> String {
        use std::io::Write as _;
        let mut c = Command::new(bin())
            .args(["sportello", "--hash-password"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(c.stdin.take().unwrap(), "{password}").unwrap();
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success());
        String::from_utf8(o.stdout).unwrap().trim().to_string()
    }

    /// Starts the service with `sportello` as Valfiorita's sportello.yaml, on SQLite or (when
    /// `pg` and PostgreSQL is installed) a throwaway PostgreSQL; `None` when it is not.
    pub fn start_sportello(sportello: &str, pg: bool, extra: &[&str]) -> Option<Servizio> {
        start_sportello_con(sportello, pg, extra, &Avvio::default())
    }

    /// What else a test sets before the service starts.
    #[derive(Default)]
    pub struct Avvio<'a> {
        /// The port to listen on (0: any free one).
        pub porta: u16,
        /// Environment variables (the secrets named in the configuration).
        pub env: Vec<(&'a str, &'a str)>,
        /// Changes to the copy of the content, before the start.
        pub prepara: Option<&'a dyn Fn(&Path)>,
        /// More operators, (comune, user, offices), with the password `PASSWORD`.
        pub operatori: Vec<(&'a str, &'a str, &'a [&'a str])>,
    }

    /// `start_sportello` with a port, environment and content changes of the test's choosing.
    pub fn start_sportello_con(
        sportello: &str,
        pg: bool,
        extra: &[&str],
        avvio: &Avvio<'_>,
    ) -> Option<Servizio> {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sito");
        copy_dir(&repo().join("content-example"), &root);
        let comune = root.join("comuni/valfiorita");
        std::fs::write(comune.join("sportello.yaml"), sportello).unwrap();
        if let Some(f) = avvio.prepara {
            f(&root);
        }
        let origin = "https://www.comune.valfiorita.vd.example".to_string();
        let (db, pg) = if pg {
            let p = Postgres::start()?;
            (p.url.clone(), Some(p))
        } else {
            (
                dir.path().join("prenotazioni.sqlite").display().to_string(),
                None,
            )
        };
        let operatori = dir.path().join("operatori.yaml");
        std::fs::write(
            &operatori,
            format!(
                "operatori:\n  - comune: valfiorita\n    utente: anna\n    password: \"{}\"\n  - comune: castelmarino\n    utente: carlo\n    password: \"{}\"\n",
                hash(PASSWORD),
                hash(PASSWORD)
            ) + &avvio
                .operatori
                .iter()
                .map(|(c, u, uffici)| {
                    format!(
                        "  - comune: {c}\n    utente: {u}\n    password: \"{}\"\n    uffici: {uffici:?}\n",
                        hash(PASSWORD)
                    )
                })
                .collect::<String>(),
        )
        .unwrap();
        let smtp = SmtpSink::start();
        let mut args: Vec<std::ffi::OsString> = vec!["sportello".into(), "--root".into()];
        args.push(root.clone().into());
        args.extend(["--db".into(), db.clone().into(), "--port".into()]);
        args.push(avvio.porta.to_string().into());
        for a in ["--pow-cost", "1", "--pow-prefix", "0", "--smtp"] {
            args.push(a.into());
        }
        args.push(smtp.url().into());
        args.push("--operators".into());
        args.push(operatori.clone().into());
        args.extend(extra.iter().map(Into::into));
        let env: Vec<(String, String)> = avvio
            .env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut cmd = Command::new(bin());
        cmd.args(&args).envs(env.iter().map(|(k, v)| (k, v)));
        let (child, url, log) = spawn_server_logged(cmd);
        Some(Servizio {
            args,
            env,
            log,
            child,
            url,
            origin,
            root,
            db,
            smtp,
            operatori,
            _pg: pg,
            _dir: dir,
        })
    }

    /// A minimal cookie-keeping browser for the back-office.
    pub struct Operatore {
        pub base: String,
        pub cookie: Option<String>,
    }

    impl Operatore {
        pub fn send(
            &mut self,
            method: &str,
            path: &str,
            form: &[(&str, &str)],
            origin: Option<&str>,
        ) -> (u16, String, Option<String>) {
            let url = format!("{}{path}", self.base);
            let a = agent();
            let mut r = if method == "GET" {
                a.get(&url).force_send_body()
            } else {
                a.post(&url)
            };
            if let Some(c) = &self.cookie {
                r = r.header("Cookie", c);
            }
            if let Some(o) = origin {
                r = r.header("Origin", o);
            }
            let resp = if method == "GET" {
                r.send_empty()
            } else {
                r.send_form(form.iter().copied())
            }
            .unwrap();
            let status = resp.status().as_u16();
            let set = resp
                .headers()
                .get("set-cookie")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            if let Some(sc) = &set {
                self.cookie = Some(sc.split(';').next().unwrap().to_string());
            }
            let loc = resp
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = resp.into_body().read_to_string().unwrap_or_default();
            (status, body, set.or(loc))
        }
    }

    impl Operatore {
        /// Downloads a file of the back-office: (status, headers, bytes).
        pub fn scarica(&mut self, path: &str) -> (u16, ureq::http::HeaderMap, Vec<u8>) {
            let mut r = agent().get(format!("{}{path}", self.base));
            if let Some(c) = &self.cookie {
                r = r.header("Cookie", c);
            }
            let resp = r.call().unwrap();
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = resp.into_body().read_to_vec().unwrap_or_default();
            (status, headers, body)
        }
    }

    /// Builds `comune`'s site from the service's copy of the content, calling the service
    /// (`servizi_online.sportello` set to its address), uncompressed: (the output folder to
    /// keep, the comune's site).
    pub fn sito_per(s: &Servizio, comune: &str) -> (tempfile::TempDir, PathBuf) {
        let yaml = s.root.join("comuni").join(comune).join("comune.yaml");
        let text = std::fs::read_to_string(&yaml).unwrap().replace(
            "sportello: \"https://sportello.provincia-valdoro.vd.example\"",
            &format!("sportello: \"{}\"", s.url),
        );
        std::fs::write(&yaml, text).unwrap();
        let out = tempfile::tempdir().unwrap();
        let (ok, err) = build(&s.root, out.path(), &["--comune", comune, "--no-compress"]);
        assert!(ok, "{err}");
        let site = out.path().join(comune);
        (out, site)
    }

    /// Runs one statement on the service's database (a SQLite file or a PostgreSQL URL).
    pub fn sql(db: &str, statement: &str) {
        use civico_sportello::db::{Conn, Dove};
        Conn::apri(&Dove::da(db))
            .unwrap()
            .esegui(statement, &[])
            .unwrap();
    }

    /// The CSRF token of a back-office page.
    pub fn csrf(html: &str) -> String {
        let doc = scraper::Html::parse_document(html);
        let sel = scraper::Selector::parse("input[name=csrf]").unwrap();
        doc.select(&sel)
            .next()
            .unwrap()
            .value()
            .attr("value")
            .unwrap()
            .to_string()
    }
}
