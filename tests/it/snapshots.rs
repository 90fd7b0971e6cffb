//! Snapshots of what people read, so that a change to it shows in review: the diagnostics an
//! editor gets for the usual mistakes, and the `<main>` of one page of each kind of the example
//! (built as of 2026-11-23). Update them with `INSTA_UPDATE=always cargo test snapshots` and read
//! the diff before committing.

use std::path::Path;

use crate::common::{build, example_site};

/// `<main>` of a page of Valfiorita, one line per element for readable diffs.
fn main_of(rel: &str) -> String {
    let path = example_site()
        .join("valfiorita")
        .join(rel)
        .join("index.html");
    let doc = crate::common::html(&path);
    let sel = scraper::Selector::parse("main").unwrap();
    let main = doc
        .select(&sel)
        .next()
        .unwrap_or_else(|| panic!("no <main> in {rel}"));
    main.html().replace("><", ">\n<")
}

#[test]
fn main_of_one_page_of_each_kind() {
    for (name, rel) in [
        ("home", ""),
        (
            "notizia",
            "novita/al-via-i-lavori-di-rifacimento-di-via-roma",
        ),
        ("novita", "novita"),
        ("evento", "vivere-il-comune/eventi/concerto-di-capodanno"),
        (
            "servizio",
            "servizi/anagrafe-e-stato-civile/carta-identita-elettronica",
        ),
        ("categoria-servizi", "servizi/anagrafe-e-stato-civile"),
        ("ufficio", "amministrazione/uffici/anagrafe"),
        ("persona", "amministrazione/persone/anna-costa"),
        (
            "documento",
            "amministrazione/documenti-e-dati/modulistica/modulo-residenza",
        ),
        ("luogo", "vivere-il-comune/luoghi/biblioteca-civica"),
        ("argomento", "argomenti/anagrafe"),
        ("pagina", "privacy"),
        ("trasparenza", "amministrazione-trasparente"),
        (
            "sezione-trasparenza",
            "amministrazione-trasparente/bandi-di-concorso",
        ),
        ("albo", "albo-pretorio"),
        ("atto-albo", "albo-pretorio/2026-2"),
    ] {
        insta::assert_snapshot!(format!("main_{name}"), main_of(rel));
    }
}

/// The diagnostics of a build, with the temporary folder and the timing made stable.
fn diagnostics(root: &Path) -> String {
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(root, out.path(), &[]);
    assert!(!ok);
    let shown = root.file_name().unwrap().to_string_lossy().into_owned();
    let stable = err.replace(&format!("{shown}/"), "<sito>/");
    // "(0.33 s)" differs from run to run.
    let re_time = stable
        .lines()
        .map(|l| match l.rfind(" (") {
            Some(i) if l.ends_with(" s); il sito già pubblicato non è stato toccato") => {
                let tail = &l[i..];
                let end = tail.find(')').unwrap_or(0);
                format!("{}(… s{}", &l[..i + 1], &tail[end..])
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    re_time
}

#[test]
fn diagnostics_of_the_usual_mistakes() {
    let net = tempfile::tempdir().unwrap();
    let st = std::process::Command::new(crate::common::bin())
        .args(["new", "comune", "prova"])
        .arg(net.path())
        .status()
        .unwrap();
    assert!(st.success());
    let comune = net.path().join("comuni/prova");
    let notizia = "---\ntitolo: \"Prova\"\ntipo: avviso\ndata: 2026-03-01\ndescrizione_breve: \"Breve\"\nargomenti: [\"Anagrafe\"]\na_cura_di: [\"uffici/segreteria\"]\n---\nTesto.\n";
    for (file, text) in [
        ("notizie/campo.md", notizia.replace("titolo:", "titlo:")),
        (
            "notizie/argomento.md",
            notizia.replace("[\"Anagrafe\"]", "[\"Rifiuti\"]"),
        ),
        (
            "notizie/data.md",
            notizia.replace("2026-03-01", "2026-02-30"),
        ),
        (
            "notizie/riferimento.md",
            notizia.replace("uffici/segreteria", "uffici/segretria"),
        ),
        (
            "notizie/collegamento.md",
            notizia.replace("Testo.", "Vedi [l'ufficio](../uffici/tributi.md)."),
        ),
        (
            "notizie/script.md",
            notizia.replace("Testo.", "Testo.\n\n<script>alert(1)</script>"),
        ),
        (
            "notizie/indirizzo.md",
            notizia.replace(
                "---\nTesto.",
                "allegati:\n  - titolo: \"Bando\"\n    url: \"javascript:alert(1)\"\n---\nTesto.",
            ),
        ),
        (
            "eventi/senza-intestazione.md",
            "# niente intestazione\n".to_string(),
        ),
    ] {
        std::fs::write(comune.join(file), text).unwrap();
    }
    insta::assert_snapshot!(diagnostics(net.path()));
}
