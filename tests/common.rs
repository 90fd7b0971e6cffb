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
        eprintln!("SKIPPED: {what} not installed; see README, \"Quality checks\"");
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

/// Starts a server command whose first line on standard output contains its `http://` address;
/// keeps reading what it prints (as a terminal would). Returns the child and the address
/// without a trailing slash.
pub fn spawn_server(mut cmd: Command) -> (std::process::Child, String) {
    use std::io::BufRead as _;
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the server starts");
    let mut reader = std::io::BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .expect("the server prints its address");
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches('/')
        .to_string();
    (child, url)
}
