//! Error fixtures: each bad file gives `file:line:col: errore[CODE]: message`, all errors are
//! reported in one run, and a failing build leaves the previous output untouched.

use crate::common;
use std::path::Path;
use std::process::Command;

use crate::common::{bin, build};

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
    let head = format!("{file_end}:{line}:{col}: errore[{code}]: ");
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
        err.contains("errore[E-YAML") || err.contains("errore[E-FIELD"),
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
fn misspelt_link_suggests_the_file_as_written() {
    let src = NOTIZIA_OK.replace("Testo.", "Vedi [l'ufficio](../uffici/segretria.md#orari).");
    let err = fails_with("notizie/x.md", src.as_bytes());
    assert_diag(
        &err,
        "notizie/x.md",
        9,
        6,
        "E-LINK-BROKEN",
        "`../uffici/segretria.md`",
    );
    assert!(
        err.contains("aiuto: forse intendevi `../uffici/segreteria.md`?"),
        "{err}"
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
        .find(|l| l.contains("errore[E-FIELD-MISSING]"))
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
        "eventi/c.md:1:1: errore[E-FRONTMATTER-MISSING]",
    ] {
        assert!(err.contains(f), "{f} missing in:\n{err}");
    }
    assert!(err.contains("generazione non riuscita: 3 errori"), "{err}");
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
        err.contains("notizie/lunga.md:5:20: avviso[W-DESCRIZIONE-LUNGA]"),
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
    assert!(err.matches("errore[E-LINK-BROKEN]").count() == 2, "{err}");
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
            "errore[E-VALUE-INVALID]: portale.percorso `../fuori` non è un nome di cartella valido"
        ),
        "{err}"
    );
    assert!(!out.path().join("fuori").exists());
}

/// Replaces `from` with `to` in a file of the scaffolded comune.
fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let p = root.join("comuni/prova").join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "`{from}` not in {rel}");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn unsafe_urls_in_front_matter_are_refused_at_the_value() {
    // Each disguise browsers undo: case, spaces, a tab or a newline inside the scheme, an entity.
    for url in [
        "javascript:alert(1)",
        "  JaVaScRiPt:alert(1)",
        "java\\tscript:alert(1)",
        "java\\nscript:alert(1)",
        "javascript&#58;alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
    ] {
        let src = NOTIZIA_OK.replace(
            "---\nTesto.",
            &format!("allegati:\n  - titolo: \"Bando\"\n    url: \"{url}\"\n---\nTesto."),
        );
        let err = fails_with("notizie/x.md", src.as_bytes());
        assert_diag(
            &err,
            "notizie/x.md",
            10,
            10,
            "E-URL-UNSAFE",
            "indirizzo non consentito",
        );
        assert!(
            err.contains("https://"),
            "the hint says what is allowed: {err}"
        );
    }
}

#[test]
fn unsafe_urls_in_comune_yaml_are_refused() {
    for (field, from, to) in [
        (
            "area_personale",
            "area_personale: \"",
            "area_personale: \"javascript:alert(document.cookie)//",
        ),
        (
            "social",
            "    url: \"https://",
            "    url: \"javascript:alert(1)//",
        ),
        (
            "ente_appartenenza",
            "  url: \"https://",
            "  url: \" JAVA\\tSCRIPT:alert(1)//",
        ),
    ] {
        let net = network();
        edit(net.path(), "comune.yaml", from, to);
        let out = tempfile::tempdir().unwrap();
        let (ok, err) = build(net.path(), out.path(), &[]);
        assert!(!ok, "{field}: {err}");
        let line = err
            .lines()
            .find(|l| l.contains("errore[E-URL-UNSAFE]"))
            .unwrap_or_else(|| panic!("{field}: {err}"));
        assert!(line.contains("comune.yaml:"), "{line}");
        assert!(line.to_lowercase().contains("script:alert("), "{line}");
        assert!(!out.path().join("prova").exists());
    }
}

#[test]
fn active_files_are_not_published() {
    // An SVG image with a script, an HTML file linked from the text, an SVG stemma with a handler.
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let net = network();
    write(net.path(), "notizie/foto.svg", svg);
    write(
        net.path(),
        "notizie/pagina.html",
        b"<script>alert(1)</script>",
    );
    let src = NOTIZIA_OK.replace(
        "---\nTesto.",
        "immagine:\n  file: foto.svg\n  alt: \"Foto\"\n---\nVedi [la pagina](pagina.html).",
    );
    write(net.path(), "notizie/x.md", src.as_bytes());
    let stemma = net.path().join("comuni/prova/media/stemma.svg");
    let clean = std::fs::read_to_string(&stemma).unwrap();
    std::fs::write(
        &stemma,
        clean.replacen("<svg", "<svg onload=\"alert(1)\"", 1),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(net.path(), out.path(), &[]);
    assert!(!ok, "{err}");
    assert_diag(&err, "notizie/x.md", 9, 9, "E-FILE-ACTIVE", "uno script");
    assert_diag(&err, "notizie/x.md", 12, 6, "E-FILE-ACTIVE", "i file .html");
    let stemma_err = err
        .lines()
        .find(|l| l.contains("comune.yaml:") && l.contains("errore[E-FILE-ACTIVE]"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(stemma_err.contains("gestore di eventi"), "{stemma_err}");
    // A plain SVG stemma (the scaffold's) is published as it is.
    std::fs::write(&stemma, clean).unwrap();
    write(net.path(), "notizie/x.md", NOTIZIA_OK.as_bytes());
    assert!(build(net.path(), out.path(), &[]).0);
    assert!(out.path().join("prova/media/stemma.svg").is_file());
}

#[test]
fn two_files_of_one_name_are_an_error_not_an_overwrite() {
    let net = network();
    write(net.path(), "notizie/js/civico.js.txt", b"uno");
    write(net.path(), "notizie/civico.js.txt", b"due");
    let src = NOTIZIA_OK.replace("Testo.", "[a](js/civico.js.txt) e [b](civico.js.txt)");
    write(net.path(), "notizie/x.md", src.as_bytes());
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(net.path(), out.path(), &[]);
    assert!(!ok, "{err}");
    assert_diag(
        &err,
        "notizie/x.md",
        9,
        25,
        "E-LINK-BROKEN",
        "hanno lo stesso nome",
    );
}

#[test]
fn cartella_comuni_stays_inside_the_root_and_is_not_empty() {
    let net = network();
    let cfg = net.path().join("civico.yaml");
    let y = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        y.replace("cartella_comuni: comuni", "cartella_comuni: ../../../etc"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(net.path(), out.path(), &[]);
    assert!(!ok);
    assert!(
        err.contains(
            "errore[E-VALUE-INVALID]: cartella_comuni `../../../etc` esce dalla cartella del sito"
        ),
        "{err}"
    );
    std::fs::create_dir_all(net.path().join("vuota")).unwrap();
    std::fs::write(
        &cfg,
        y.replace("cartella_comuni: comuni", "cartella_comuni: vuota"),
    )
    .unwrap();
    let (ok, err) = build(net.path(), out.path(), &[]);
    assert!(!ok, "zero comuni is an error: {err}");
    assert!(
        err.contains("errore[E-CONFIG]: nessun comune nella cartella"),
        "{err}"
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/etc", net.path().join("link")).unwrap();
        std::fs::write(
            &cfg,
            y.replace("cartella_comuni: comuni", "cartella_comuni: link"),
        )
        .unwrap();
        let (ok, err) = build(net.path(), out.path(), &[]);
        assert!(!ok);
        assert!(
            err.contains("collegamento a una cartella fuori dal sito"),
            "{err}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_killed_build_leaves_nothing_behind_after_the_next() {
    let root = tempfile::tempdir().unwrap();
    common::copy_dir(&common::repo().join("content-example"), root.path());
    let out = root.path().join("public");
    let staging = root.path().join(".public.civico-staging");
    // Kill a build while it stages; sometimes it is faster than the poll, so try a few times.
    let mut killed_while_staging = false;
    for _ in 0..20 {
        let mut child = Command::new(bin())
            .arg("build")
            .arg(root.path())
            .args(["--date", "2026-11-23", "--no-cache"])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let t = std::time::Instant::now();
        while t.elapsed() < std::time::Duration::from_secs(60) {
            let busy = std::fs::read_dir(&staging).is_ok_and(|mut d| d.next().is_some());
            if busy || child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        if std::fs::read_dir(&staging).is_ok_and(|mut d| d.next().is_some()) {
            killed_while_staging = true;
            break;
        }
    }
    assert!(killed_while_staging, "no build was caught while staging");
    let hidden = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with('.'))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        hidden(&out),
        Vec::<String>::new(),
        "nothing staged in the published folder"
    );
    // A folder left inside the output by an older civico is cleaned too.
    std::fs::create_dir_all(out.join(".valfiorita.staging-4000000000/albo")).unwrap();
    let (ok, err) = build(root.path(), &out, &["--no-cache"]);
    assert!(ok, "{err}");
    assert_eq!(hidden(&out), Vec::<String>::new());
    assert!(!staging.exists(), "the staging area is gone");
    assert!(out.join("valfiorita/index.html").is_file());
}

#[test]
fn markdown_errors_are_reported_when_other_errors_stop_the_build() {
    // The pages' Markdown is read as they are rendered; a build that stops before rendering
    // (a broken reference) must still report the broken link in the text of another file.
    let net = network();
    write(
        net.path(),
        "notizie/rif.md",
        NOTIZIA_OK
            .replace("uffici/segreteria", "uffici/inesistente")
            .as_bytes(),
    );
    write(
        net.path(),
        "notizie/link.md",
        NOTIZIA_OK
            .replace("Testo.", "Vedi [la pagina](non-esiste.md).")
            .as_bytes(),
    );
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(net.path(), out.path(), &[]);
    assert!(!ok);
    assert!(err.contains("notizie/rif.md:7:"), "{err}");
    assert!(err.contains("errore[E-REF-BROKEN]"), "{err}");
    assert!(
        err.contains("notizie/link.md:9:6: errore[E-LINK-BROKEN]"),
        "{err}"
    );
    // And with nothing else wrong, the same link error alone, found while rendering.
    write(net.path(), "notizie/rif.md", NOTIZIA_OK.as_bytes());
    let (ok, err) = build(net.path(), out.path(), &[]);
    assert!(!ok);
    assert_eq!(err.matches("errore[").count(), 1, "{err}");
    assert!(
        err.contains("notizie/link.md:9:6: errore[E-LINK-BROKEN]"),
        "{err}"
    );
}

#[test]
fn yaml_syntax_slips_are_named_where_they_begin() {
    // NOTIZIA_OK: `---` on line 1, `titolo:` on line 2, `tipo:` on line 3.
    let cases = [
        // An unclosed quote: found on its own line, not at the next key.
        (
            NOTIZIA_OK.replace("titolo: \"Prova\"", "titolo: \"Prova"),
            (2, 9),
            "le virgolette aperte nel valore di `titolo` non sono chiuse",
            "chiudi le virgolette",
        ),
        // A tab to indent.
        (
            NOTIZIA_OK.replace("tipo: avviso", "tipo: avviso\nimmagine:\n\tfile: x.jpg"),
            (5, 1),
            "la riga è rientrata con un tabulatore",
            "spazi",
        ),
        // No space after the colon.
        (
            NOTIZIA_OK.replace("tipo: avviso", "tipo:avviso"),
            (3, 6),
            "manca lo spazio dopo i due punti di `tipo`",
            "`tipo: valore`",
        ),
        // A colon inside an unquoted title.
        (
            NOTIZIA_OK.replace("titolo: \"Prova\"", "titolo: Avviso: uffici chiusi"),
            (2, 9),
            "il valore di `titolo` contiene `: ` e non è tra virgolette",
            "titolo: \"Avviso: uffici chiusi\"",
        ),
    ];
    for (src, (line, col), message, hint) in cases {
        let err = fails_with("notizie/x.md", src.as_bytes());
        assert_diag(&err, "notizie/x.md", line, col, "E-YAML-SINTASSI", message);
        assert!(err.contains(hint), "`{hint}` not in:\n{err}");
    }
}

#[test]
fn the_command_line_speaks_italian() {
    let help = Command::new(bin()).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(help.status.success());
    for w in [
        "Uso:",
        "Comandi:",
        "Opzioni:",
        "Mostra questo aiuto",
        "Genera i siti",
    ] {
        assert!(text.contains(w), "`{w}` not in:\n{text}");
    }
    for w in ["Usage:", "Commands:", "Options:", "Print help"] {
        assert!(!text.contains(w), "`{w}` in:\n{text}");
    }
    let wrong = Command::new(bin())
        .args(["build", "--dat", "2026-01-01"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        err.starts_with("errore: l'opzione --dat non esiste"),
        "{err}"
    );
    assert!(err.contains("forse intendevi: --date"), "{err}");
    let date = Command::new(bin())
        .args(["check", "--date", "01/06/2026"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&date.stderr);
    assert!(err.contains("scrivi la data come AAAA-MM-GG"), "{err}");
    // Counts agree with their noun: one comune, one error.
    let net = network();
    write(
        net.path(),
        "notizie/x.md",
        NOTIZIA_OK.replace("titolo:", "titlo:").as_bytes(),
    );
    let out = tempfile::tempdir().unwrap();
    let (_, err) = build(net.path(), out.path(), &[]);
    assert!(
        err.contains("generazione non riuscita: 1 errore, 0 avvisi in 1 comune"),
        "{err}"
    );
}

#[test]
fn a_scaffolded_comune_has_no_broken_link() {
    // Menus and the footer link every list page (Avvisi, Comunicati, Organi di governo, ...):
    // each exists, with its empty state, even before the comune writes one of those.
    let net = network();
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(net.path(), out.path(), &[]);
    assert!(ok, "{err}");
    let site = out.path().join("prova");
    for p in [
        "novita/avvisi/index.html",
        "novita/comunicati/index.html",
        "amministrazione/organi-di-governo/index.html",
        "amministrazione/aree-amministrative/index.html",
        "amministrazione/documenti-e-dati/index.html",
    ] {
        assert!(site.join(p).is_file(), "{p} missing");
    }
    let check = Command::new(bin())
        .args(["check", "--format", "json", "--html"])
        .arg(&site)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).expect("JSON report");
    let broken: Vec<&serde_json::Value> = report["comuni"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "LINK-BROKEN")
        .collect();
    assert!(broken.is_empty(), "{broken:#?}");
}

#[test]
fn what_is_certainly_wrong_in_comune_yaml_stops_the_build_and_placeholders_are_named() {
    let net = network();
    let yaml = net.path().join("comuni/prova/comune.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    let line = |key: &str| text.lines().position(|l| l.starts_with(key)).unwrap() + 1;
    let bad = text
        .replace("pec: \"protocollo@", "pec: \"protocollo-at-")
        .replace(
            "codice_fiscale: \"00000000000\"",
            "codice_fiscale: \"00000000001\"",
        )
        .replace(
            "partita_iva: \"00000000000\"",
            "partita_iva: \"0000000000X\"",
        )
        .replace("codice_istat: \"000000\"", "codice_istat: \"A00000\"");
    assert_ne!(bad, text);
    std::fs::write(&yaml, &bad).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(net.path(), out.path(), &[]);
    assert!(!ok);
    // All four at once, each at its value.
    let yaml_shown = "comuni/prova/comune.yaml";
    assert_diag(
        &err,
        yaml_shown,
        line("pec:"),
        6,
        "E-PEC",
        "non è un indirizzo di posta elettronica",
    );
    assert_diag(
        &err,
        yaml_shown,
        line("codice_fiscale:"),
        17,
        "E-CODICE-FISCALE",
        "`00000000001`",
    );
    assert_diag(
        &err,
        yaml_shown,
        line("partita_iva:"),
        14,
        "E-PARTITA-IVA",
        "`0000000000X`",
    );
    assert_diag(
        &err,
        yaml_shown,
        line("codice_istat:"),
        15,
        "E-CODICE-ISTAT",
        "6 cifre",
    );

    // The scaffold as written builds; the check names what is still a placeholder.
    std::fs::write(&yaml, &text).unwrap();
    let check = Command::new(bin())
        .arg("check")
        .arg(net.path())
        .args(["--format", "json", "--source-only"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).expect("JSON report");
    let named: Vec<String> = report["comuni"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "SEGNAPOSTO")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    for field in [
        "codice_fiscale",
        "codice_istat",
        "codice_ipa",
        "dichiarazione_accessibilita",
        "provincia",
        "zona",
    ] {
        assert!(
            named.iter().any(|m| m.starts_with(&format!("`{field}`"))),
            "{field} not named: {named:#?}"
        );
    }
}

#[test]
fn new_content_is_written_from_the_command_line_and_builds() {
    let net = network();
    let new = |tipo: &str, titolo: &str| {
        Command::new(bin())
            .args([
                "new",
                tipo,
                titolo,
                "--comune",
                "prova",
                "--date",
                "2026-03-01",
                "--root",
            ])
            .arg(net.path())
            .output()
            .unwrap()
    };
    for (tipo, titolo, rel) in [
        (
            "notizia",
            "Chiusura degli uffici per la festa",
            "notizie/chiusura-degli-uffici-per-la-festa.md",
        ),
        (
            "evento",
            "Concerto in piazza",
            "eventi/concerto-in-piazza.md",
        ),
        (
            "servizio",
            "Iscrizione alla mensa",
            "servizi/iscrizione-alla-mensa.md",
        ),
    ] {
        let out = new(tipo, titolo);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(net.path().join("comuni/prova").join(rel)).unwrap();
        assert!(text.contains(&format!("titolo: \"{titolo}\"")), "{text}");
        if tipo != "servizio" {
            assert!(text.contains("2026-03-01"), "{text}");
        }
        assert!(
            text.contains("descrizione_breve: \"Da completare"),
            "{text}"
        );
        assert!(text.ends_with("Scrivi qui il testo.\n"), "{text}");
        // Never over a file that is there.
        let again = new(tipo, titolo);
        assert_eq!(again.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&again.stderr).contains("esiste già"));
    }
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(net.path(), out.path(), &[]);
    assert!(ok, "{err}");
    assert!(out
        .path()
        .join("prova/novita/chiusura-degli-uffici-per-la-festa/index.html")
        .is_file());
    let wrong = Command::new(bin())
        .args(["new", "notizia", "X", "--comune", "nessuno", "--root"])
        .arg(net.path())
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("non c'è il comune"));
}

#[test]
fn one_comune_is_said_in_the_singular() {
    let net = network();
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(net.path(), out.path(), &[]);
    assert!(ok, "{err}");
    assert!(err.contains("generato 1 comune, "), "{err}");
}

#[test]
fn a_broken_online_form_is_reported_at_its_lines() {
    let scheda = std::fs::read_to_string(
        crate::common::repo().join("data/nuovo-comune/servizi/carta-identita-elettronica.md"),
    )
    .unwrap();
    let modulo = "modulo:\n  termine_giorni: 30\n  passi:\n    - titolo: \"Dati\"\n      campi:\n        - {nome: figli, etichetta: \"Figli\", tipo: scelta, opzioni: [\"Sì\", \"No\"]}\n        - {nome: quanti, etichetta: \"Quanti\", tipo: numero, se: {campo: figlio, valore: \"Sì\"}}\n        - {nome: Doc, etichetta: \"Documento\", tipo: allegato}\n";
    let src = scheda.replacen("---\n", &format!("---\n{modulo}"), 1);
    let err = fails_with("servizi/x.md", src.as_bytes());
    assert_diag(
        &err,
        "servizi/x.md",
        8,
        73,
        "E-MODULO",
        "dipende da `figlio`, che non è un campo precedente",
    );
    assert_diag(
        &err,
        "servizi/x.md",
        9,
        18,
        "E-MODULO",
        "solo lettere minuscole",
    );
    assert_diag(
        &err,
        "servizi/x.md",
        9,
        53,
        "E-MODULO",
        "non dice quali tipi di file accetta",
    );
}

/// Thousands of the same warning would bury the rest: of each rule the build shows three and
/// counts the others; `--verbose` shows them all.
#[test]
fn repeated_warnings_are_grouped_per_rule_unless_verbose() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::repo().join("content-example"), dir.path());
    for anno in 2012..2017 {
        let testo = format!("---\ntitolo: \"Rendiconto {anno}\"\npubblicato_il: {anno}-05-10\n---\nIl rendiconto del {anno}.\n");
        std::fs::write(
            dir.path().join(format!(
                "comuni/valfiorita/amministrazione-trasparente/bilanci/bilancio-preventivo-e-consuntivo/rendiconto-{anno}.md"
            )),
            testo,
        )
        .unwrap();
    }
    let conta = |err: &str| err.matches("avviso[W-AT-SCADENZA]").count();
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(dir.path(), out.path(), &["--no-compress"]);
    assert!(ok, "{err}");
    assert_eq!(conta(&err), 3, "{err}");
    assert!(
        err.contains("… e altri 2 avvisi W-AT-SCADENZA (civico build --verbose li mostra tutti)"),
        "{err}"
    );
    assert!(
        err.contains("con 5 avvisi"),
        "the summary counts them all: {err}"
    );
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(dir.path(), out.path(), &["--no-compress", "--verbose"]);
    assert!(ok, "{err}");
    assert_eq!(conta(&err), 5, "{err}");
    assert!(!err.contains("altri 2 avvisi"), "{err}");
}

/// A site theme whose template does not parse: the error names the template, its line and the
/// column as written (before the indentation is taken out), and shows the line.
#[test]
fn a_broken_theme_template_points_at_its_line_and_column() {
    let net = network();
    let root = net.path();
    let dir = root.join("themes/mio/templates");
    for e in walkdir::WalkDir::new(common::repo().join("themes/agid/templates")) {
        let e = e.unwrap();
        let rel = e
            .path()
            .strip_prefix(common::repo().join("themes/agid/templates"))
            .unwrap();
        if e.file_type().is_dir() {
            std::fs::create_dir_all(dir.join(rel)).unwrap();
        } else {
            std::fs::copy(e.path(), dir.join(rel)).unwrap();
        }
    }
    let file = dir.join("trasparenza-sezione.html");
    let text = std::fs::read_to_string(&file).unwrap();
    let (n, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.trim_start().starts_with("{% if t.livello > 0 %}"))
        .unwrap();
    let indent = line.len() - line.trim_start().len();
    assert!(indent > 0, "an indented line: {line:?}");
    let broken = text.replacen("{% if t.livello > 0 %}", "{% if t.livello > %}", 1);
    std::fs::write(&file, broken).unwrap();
    let cfg = root.join("civico.yaml");
    let y = std::fs::read_to_string(&cfg).unwrap();
    assert!(y.contains("tema: agid"), "{y}");
    std::fs::write(&cfg, y.replace("tema: agid", "tema: mio")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(root, out.path(), &[]);
    assert!(!ok);
    // `%}` where the right-hand side of `>` should be.
    let col = indent + "{% if t.livello > ".len() + 1;
    assert_diag(
        &err,
        "themes/mio/templates/trasparenza-sezione.html",
        n + 1,
        col,
        "E-TEMPLATE",
        "template non valido",
    );
    assert!(
        err.contains("{% if t.livello > %}"),
        "the line is shown: {err}"
    );

    // Parsed, but failing on every page: one error at its line, counting the other pages.
    std::fs::write(&file, &text).unwrap();
    let base = dir.join("base.html");
    let b = std::fs::read_to_string(&base).unwrap();
    let (n, line) = b
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("{{ page.titolo }}"))
        .unwrap();
    let col = line.find("{{ page.titolo }}").unwrap() + 4;
    std::fs::write(
        &base,
        b.replacen("{{ page.titolo }}", "{{ page.titolo | round }}", 1),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(root, out.path(), &[]);
    assert!(!ok);
    let head = format!(
        "themes/mio/templates/base.html:{}:{col}: errore[E-TEMPLATE]: ",
        n + 1
    );
    let errors: Vec<&str> = err.lines().filter(|l| l.contains("errore[")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(errors[0].contains(&head), "{err}");
    assert!(errors[0].contains("errore nel template per /"), "{err}");
    let others: usize = errors[0]
        .rsplit_once("(e in altre ")
        .and_then(|(_, r)| r.strip_suffix(" pagine)"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert!(others > 20, "{err}");

    // A shared part (rendered once per comune, not per page), indented in its file.
    std::fs::write(&base, &b).unwrap();
    let footer = dir.join("partials/footer.html");
    let (n, col, f) = fail_on_indented_line(&footer, "site.comune.nome");
    // The build fails with that error at that place; what it printed.
    let fails_at = |file: &str, n: usize, col: usize, message: &str| {
        let out = tempfile::tempdir().unwrap();
        let (ok, err) = build(root, out.path(), &[]);
        assert!(!ok);
        assert_diag(&err, file, n, col, "E-TEMPLATE", message);
        err
    };
    fails_at(
        "themes/mio/templates/partials/footer.html",
        n,
        col,
        "errore nel template partials/footer.html",
    );

    // The territory portal's page, in the site theme too.
    std::fs::write(&footer, &f).unwrap();
    let (n, col, _) = fail_on_indented_line(&dir.join("portale.html"), "portale.titolo");
    let y = std::fs::read_to_string(&cfg).unwrap();
    let portale_yaml = "portale:\n  percorso: eventi\n  titolo: \"Eventi\"\n  base_url: \"https://eventi.example/\"\n";
    std::fs::write(&cfg, format!("{y}{portale_yaml}")).unwrap();
    let err = fails_at(
        "themes/mio/templates/portale.html",
        n,
        col,
        "errore nel template del portale",
    );
    assert!(
        err.contains("= aiuto: il template è scritto bene, ma qui non riesce"),
        "{err}"
    );
}

/// Makes the first indented line of `file` that prints `{{ value }}` fail while rendering (a
/// filter for numbers on a text); returns its line (from 1), the column of the value as
/// written, and the file as it was.
fn fail_on_indented_line(file: &Path, value: &str) -> (usize, usize, String) {
    let text = std::fs::read_to_string(file).unwrap();
    let shown = format!("{{{{ {value} }}}}");
    let (n, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(&shown) && l.starts_with(' '))
        .unwrap_or_else(|| panic!("no indented line with {shown} in {}", file.display()));
    let col = line.find(&shown).unwrap() + 4;
    let failing = line.replacen(&shown, &format!("{{{{ {value} | round }}}}"), 1);
    let broken = text.replacen(&format!("{line}\n"), &format!("{failing}\n"), 1);
    assert_ne!(broken, text);
    std::fs::write(file, broken).unwrap();
    (n + 1, col, text)
}
