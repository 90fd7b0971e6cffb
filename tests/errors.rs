//! Error fixtures: each bad file gives `file:line:col: error[CODE]: message`, all errors are
//! reported in one run, and a failing build leaves the previous output untouched.

mod common;

use std::path::Path;
use std::process::Command;

use common::{bin, build};

/// A fresh network with one scaffolded comune (`prova`), which builds cleanly.
fn network() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let st = Command::new(bin())
        .args(["new", "comune", "prova"])
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(st.success());
    dir
}

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join("comuni/prova").join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

const NOTIZIA_OK: &str = "---\ntitolo: \"Prova\"\ntipo: avviso\ndata: 2026-03-01\ndescrizione_breve: \"Breve\"\nargomenti: [\"Anagrafe\"]\na_cura_di: [\"uffici/segreteria\"]\n---\nTesto.\n";

/// Builds with one bad file and returns stderr; asserts the build failed.
fn fails_with(rel: &str, bytes: &[u8]) -> String {
    let net = network();
    write(net.path(), rel, bytes);
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(net.path(), out.path(), &[]);
    assert!(!ok, "build should fail:\n{err}");
    assert!(
        std::fs::read_dir(out.path()).unwrap().next().is_none(),
        "nothing written on failure"
    );
    err
}

fn assert_diag(err: &str, file_end: &str, line: usize, col: usize, code: &str, msg: &str) {
    let head = format!("{file_end}:{line}:{col}: error[{code}]: ");
    let found = err.lines().find(|l| l.contains(&head));
    let l = found.unwrap_or_else(|| panic!("no `{head}` in:\n{err}"));
    assert!(l.contains(msg), "`{msg}` not in `{l}`");
}

#[test]
fn scaffolded_comune_builds_cleanly() {
    let net = network();
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(net.path(), out.path(), &["--deny-warnings"]);
    assert!(ok, "{err}");
    assert!(out.path().join("prova/index.html").is_file());
}

#[test]
fn bad_yaml_points_at_the_line() {
    let err = fails_with(
        "notizie/x.md",
        b"---\ntitolo: \"Prova\ntipo: [avviso\n---\nTesto\n",
    );
    assert!(err.contains("notizie/x.md:"), "{err}");
    assert!(
        err.contains("error[E-YAML") || err.contains("error[E-FIELD"),
        "{err}"
    );
}

#[test]
fn unknown_field_suggests_the_right_name() {
    let src = NOTIZIA_OK.replace("titolo:", "titlo:");
    let err = fails_with("notizie/x.md", src.as_bytes());
    assert_diag(
        &err,
        "notizie/x.md",
        2,
        1,
        "E-FIELD-UNKNOWN",
        "campo sconosciuto `titlo`",
    );
    assert!(err.contains("forse intendevi `titolo`?"), "{err}");
}

#[test]
fn wrong_type_is_reported_at_the_value() {
    let src = NOTIZIA_OK.replace("argomenti: [\"Anagrafe\"]", "argomenti: 12");
    let err = fails_with("notizie/x.md", src.as_bytes());
    assert_diag(&err, "notizie/x.md", 6, 12, "E-FIELD-TYPE", "");
}

#[test]
fn impossible_date_is_explained() {
    let src = NOTIZIA_OK.replace("2026-03-01", "2026-02-30");
    let err = fails_with("notizie/x.md", src.as_bytes());
    assert_diag(
        &err,
        "notizie/x.md",
        4,
        7,
        "E-FIELD-TYPE",
        "data non valida `2026-02-30`",
    );
}

#[test]
fn unknown_argomento_lists_the_closest() {
    let src = NOTIZIA_OK.replace("[\"Anagrafe\"]", "[\"Rifiuti\"]");
    let err = fails_with("notizie/x.md", src.as_bytes());
    assert_diag(
        &err,
        "notizie/x.md",
        6,
        13,
        "E-ARGOMENTO",
        "l'argomento `Rifiuti` non è nel vocabolario",
    );
    assert!(err.contains("`Gestione rifiuti`"), "{err}");
}

#[test]
fn broken_internal_link_is_an_error() {
    let src = NOTIZIA_OK.replace("Testo.", "Vedi [l'ufficio](../uffici/tributi.md).");
    let err = fails_with("notizie/x.md", src.as_bytes());
    assert_diag(
        &err,
        "notizie/x.md",
        9,
        6,
        "E-LINK-BROKEN",
        "`../uffici/tributi.md`",
    );
}

#[test]
fn broken_reference_is_an_error() {
    let src = NOTIZIA_OK.replace("uffici/segreteria", "uffici/segretria");
    let err = fails_with("notizie/x.md", src.as_bytes());
    assert_diag(
        &err,
        "notizie/x.md",
        7,
        13,
        "E-REF-BROKEN",
        "`uffici/segretria`",
    );
    assert!(err.contains("forse intendevi: uffici/segreteria"), "{err}");
}

#[test]
fn missing_required_field_is_named() {
    let src = NOTIZIA_OK.replace("descrizione_breve: \"Breve\"\n", "");
    let err = fails_with("notizie/x.md", src.as_bytes());
    let line = err
        .lines()
        .find(|l| l.contains("error[E-FIELD-MISSING]"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(line.contains("notizie/x.md:"), "{line}");
    assert!(
        line.ends_with("manca il campo obbligatorio `descrizione_breve`"),
        "{line}"
    );
}

#[test]
fn raw_script_is_refused() {
    let src = NOTIZIA_OK.replace("Testo.", "Testo.\n\n<script>alert(1)</script>");
    let err = fails_with("notizie/x.md", src.as_bytes());
    assert_diag(&err, "notizie/x.md", 11, 1, "E-HTML-UNSAFE", "<script>");
}

#[test]
fn invalid_utf8_is_located() {
    let mut bytes = NOTIZIA_OK.as_bytes().to_vec();
    let pos = NOTIZIA_OK.find("Testo").unwrap() + 2;
    bytes[pos] = 0xE8; // "è" in Windows-1252
    let err = fails_with("notizie/x.md", &bytes);
    assert_diag(&err, "notizie/x.md", 9, 3, "E-ENCODING", "UTF-8");
}

#[test]
fn degenerate_files_do_not_panic() {
    let deep = format!("---\ntitolo: {}\n---\n", "[".repeat(100_000));
    for (name, bytes) in [
        ("vuoto.md", b"".to_vec()),
        ("trattini.md", b"---".to_vec()),
        ("solo-testo.md", b"# Titolo\n".to_vec()),
        ("profondo.md", deep.into_bytes()),
        ("binario.md", vec![0u8, 159, 146, 150, 255]),
        ("alias.md", b"---\na: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n---\n".to_vec()),
    ] {
        let err = fails_with(&format!("notizie/{name}"), &bytes);
        assert!(err.contains(&format!("notizie/{name}:")), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}

#[test]
fn all_errors_of_all_files_are_reported_at_once() {
    let net = network();
    write(
        net.path(),
        "notizie/a.md",
        NOTIZIA_OK.replace("titolo:", "titlo:").as_bytes(),
    );
    write(
        net.path(),
        "notizie/b.md",
        NOTIZIA_OK
            .replace("[\"Anagrafe\"]", "[\"Rifiuti\"]")
            .as_bytes(),
    );
    write(net.path(), "eventi/c.md", b"# niente intestazione\n");
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(net.path(), out.path(), &[]);
    assert!(!ok);
    for f in [
        "notizie/a.md:",
        "notizie/b.md:",
        "eventi/c.md:1:1: error[E-FRONTMATTER-MISSING]",
    ] {
        assert!(err.contains(f), "{f} missing in:\n{err}");
    }
    assert!(err.contains("build failed: 3 errors"), "{err}");
}

#[test]
fn failing_build_leaves_previous_output_intact() {
    let net = network();
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(net.path(), out.path(), &[]);
    assert!(ok, "{err}");
    let home = out.path().join("prova/index.html");
    let before = std::fs::read(&home).unwrap();
    // A stale staging folder from an interrupted build must not matter either.
    std::fs::create_dir_all(out.path().join(".prova.staging-1")).unwrap();
    write(
        net.path(),
        "notizie/rotta.md",
        NOTIZIA_OK.replace("2026-03-01", "ieri").as_bytes(),
    );
    let (ok, _) = build(net.path(), out.path(), &[]);
    assert!(!ok);
    assert_eq!(std::fs::read(&home).unwrap(), before);
    assert!(!out.path().join("prova/novita/rotta/index.html").exists());
}

#[test]
fn warnings_fail_only_with_deny_warnings() {
    let net = network();
    let long = "x".repeat(200);
    write(
        net.path(),
        "notizie/lunga.md",
        NOTIZIA_OK
            .replace("\"Breve\"", &format!("\"{long}\""))
            .as_bytes(),
    );
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(net.path(), out.path(), &[]);
    assert!(ok, "{err}");
    assert!(
        err.contains("notizie/lunga.md:5:20: warning[W-DESCRIZIONE-LUNGA]"),
        "{err}"
    );
    let (ok, _) = build(net.path(), out.path(), &["--deny-warnings"]);
    assert!(!ok);
}

#[test]
fn links_cannot_leave_the_comune_folder() {
    let src = NOTIZIA_OK.replace(
        "Testo.",
        "[segreto](../../../civico.yaml) e ![x](../../../../etc/passwd)",
    );
    let err = fails_with("notizie/x.md", src.as_bytes());
    assert!(err.matches("error[E-LINK-BROKEN]").count() == 2, "{err}");
}

#[test]
fn github_annotations_are_printed_under_actions() {
    let net = network();
    write(
        net.path(),
        "notizie/a.md",
        NOTIZIA_OK.replace("titolo:", "titlo:").as_bytes(),
    );
    let out = tempfile::tempdir().unwrap();
    let o = Command::new(bin())
        .arg("build")
        .arg(net.path())
        .arg("--out")
        .arg(out.path())
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("::error file="), "{stdout}");
    assert!(
        stdout.contains("notizie/a.md,line=2,col=1,title=E-FIELD-UNKNOWN::campo sconosciuto"),
        "{stdout}"
    );
}

#[test]
fn drafts_are_skipped_unless_asked() {
    let net = network();
    write(
        net.path(),
        "notizie/bozza.md",
        NOTIZIA_OK
            .replace("tipo: avviso", "tipo: avviso\nbozza: true")
            .as_bytes(),
    );
    let out = tempfile::tempdir().unwrap();
    assert!(build(net.path(), out.path(), &[]).0);
    assert!(!out.path().join("prova/novita/bozza/index.html").exists());
    assert!(build(net.path(), out.path(), &["--drafts"]).0);
    assert!(out.path().join("prova/novita/bozza/index.html").exists());
}

#[test]
fn the_portal_cannot_be_written_outside_the_output_folder() {
    let net = network();
    let cfg = net.path().join("civico.yaml");
    let mut y = std::fs::read_to_string(&cfg).unwrap();
    y.push_str("portale:\n  percorso: \"../fuori\"\n  titolo: \"Eventi\"\n  base_url: \"https://eventi.example.it/\"\n");
    std::fs::write(&cfg, y).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(net.path(), &out.path().join("public"), &[]);
    assert!(!ok);
    assert!(
        err.contains(
            "error[E-VALUE-INVALID]: portale.percorso `../fuori` non è un nome di cartella valido"
        ),
        "{err}"
    );
    assert!(!out.path().join("fuori").exists());
}
