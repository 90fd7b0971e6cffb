//! `civico check` end to end: the example network passes, and a mutation suite in which each
//! case copies content-example, injects one defect and asserts that exactly the expected rule
//! fires, with the right file and line, and nothing else changes. The JSON report is validated
//! against `schemas/civico-check.schema.json` and the SARIF one against the SARIF 2.1.0 schema.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::common::*;

/// (comune, rule, file, line, severity) of every finding.
type Key = (String, String, String, u64, String);

fn run_check(root: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let o = Command::new(bin())
        .arg("check")
        .arg(root)
        .args(["--date", "2026-11-23", "--format", "json"])
        .args(extra)
        .current_dir(root)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run civico check");
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (
        o.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn keys(report: &serde_json::Value) -> BTreeSet<Key> {
    let mut out = BTreeSet::new();
    let all = report["generali"].as_array().unwrap().iter().chain(
        report["comuni"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["findings"].as_array().unwrap().iter()),
    );
    for f in all {
        out.insert((
            f["comune"].as_str().unwrap().to_string(),
            f["rule"].as_str().unwrap().to_string(),
            f["file"]
                .as_str()
                .or(f["page"].as_str())
                .unwrap_or("")
                .to_string(),
            f["line"].as_u64().unwrap(),
            f["severity"].as_str().unwrap().to_string(),
        ));
    }
    out
}

fn example() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("content-example"), tmp.path());
    tmp
}

#[test]
fn the_example_network_passes_with_only_its_documented_placeholder() {
    let tmp = example();
    let (code, json, _) = run_check(tmp.path(), &[]);
    assert_eq!(code, 0, "{json:#}");
    let found = keys(&json);
    let rules: BTreeSet<(&str, &str)> =
        found.iter().map(|k| (k.1.as_str(), k.4.as_str())).collect();
    assert_eq!(
        rules.into_iter().collect::<Vec<_>>(),
        [("AT-EMPTY", "warning"), ("BASE-URL-DOMINIO", "info")],
        "{found:#?}"
    );
    for c in ["borgo-san-fedele", "castelmarino", "valfiorita"] {
        assert!(found.contains(&(
            c.into(),
            "AT-EMPTY".into(),
            format!("comuni/{c}/amministrazione-trasparente/performance/piano-della-performance/_index.md"),
            1,
            "warning".into()
        )));
    }
    // The HTML level ran: every comune has a perfect AGID score line.
    for c in json["comuni"].as_array().unwrap() {
        let agid = c["scores"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["area"] == "Criteri AGID")
            .unwrap();
        assert_eq!(agid["ok"], agid["total"]);
        let at = c["scores"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["area"] == "Trasparenza")
            .unwrap();
        assert_eq!(
            at["total"].as_u64().unwrap() - at["ok"].as_u64().unwrap(),
            1,
            "only the placeholder"
        );
    }
    // --deny-warnings turns the placeholder into a failure.
    let (code, _, _) = run_check(tmp.path(), &["--deny-warnings"]);
    assert_eq!(code, 1);
}

/// Applies `mutate` to a fresh copy and returns the findings that differ from the clean copy.
fn mutation(mutate: impl FnOnce(&Path)) -> (i32, BTreeSet<Key>, BTreeSet<Key>) {
    let clean = example();
    let (_, base, _) = run_check(clean.path(), &[]);
    let base = keys(&base);
    let tmp = example();
    mutate(tmp.path());
    let (code, json, _) = run_check(tmp.path(), &[]);
    let now = keys(&json);
    let added = now.difference(&base).cloned().collect();
    let removed = base.difference(&now).cloned().collect();
    (code, added, removed)
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Copies the agid theme next to civico.yaml (a site may override it) and edits one template.
fn theme_edit(root: &Path, template: &str, from: &str, to: &str) {
    copy_dir(&repo().join("themes/agid"), &root.join("themes/agid"));
    edit(&root.join("themes/agid/templates").join(template), from, to);
}

fn line_of(path: &Path, prefix: &str) -> u64 {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .position(|l| l.starts_with(prefix))
        .unwrap() as u64
        + 1
}

/// Asserts that the new findings are exactly of `rule`, all at `file` (or page) and `line`.
fn assert_only(added: &BTreeSet<Key>, rule: &str, file: &str, line: Option<u64>) {
    assert!(!added.is_empty(), "{rule} did not fire");
    for k in added {
        assert_eq!(k.1, rule, "unexpected finding {k:?}; all: {added:#?}");
        assert!(
            k.2.ends_with(file) || (file.starts_with('/') && k.2.starts_with(file)),
            "{rule} at {} instead of {file}",
            k.2
        );
        if let Some(l) = line {
            assert_eq!(k.3, l, "{rule} line");
        }
    }
}

const V: &str = "comuni/valfiorita";

#[test]
fn mutation_remove_the_pec() {
    let (code, added, _) = mutation(|r| {
        let f = r.join(V).join("comune.yaml");
        let line = std::fs::read_to_string(&f)
            .unwrap()
            .lines()
            .find(|l| l.starts_with("pec:"))
            .unwrap()
            .to_string();
        edit(&f, &format!("{line}\n"), "");
    });
    assert_eq!(code, 1);
    assert_only(&added, "E-FIELD-MISSING", &format!("{V}/comune.yaml"), None);
}

#[test]
fn a_build_that_fails_fails_the_check_with_its_errors() {
    // The sources are fine; only the build finds that the stemma does not exist.
    let tmp = example();
    let f = tmp.path().join(V).join("comune.yaml");
    let at = line_of(&f, "stemma:");
    edit(&f, "media/stemma.svg", "media/stemma-perso.svg");
    let (code, json, _) = run_check(tmp.path(), &[]);
    assert_eq!(code, 1, "{json:#}");
    let found = keys(&json);
    assert!(
        found.contains(&(
            "valfiorita".into(),
            "E-FILE-MISSING".into(),
            format!("{V}/comune.yaml"),
            at,
            "error".into()
        )),
        "{found:#?}"
    );
}

#[test]
fn the_check_renders_in_memory_and_writes_nothing() {
    let tmp = example();
    let scratch = tempfile::tempdir().unwrap();
    let o = Command::new(bin())
        .arg("check")
        .arg(tmp.path())
        .args(["--date", "2026-11-23", "--format", "json"])
        // No temporary folder can be made: the old hidden build then skipped the HTML rules.
        .env("TMPDIR", scratch.path().join("manca"))
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // The HTML rules ran (on pages rendered in memory): the AGID criteria have a score.
    let rules: Vec<String> = keys(&report).into_iter().map(|k| k.1).collect();
    assert!(!rules.iter().any(|r| r.starts_with("C.SI")), "{rules:?}");
    for c in report["comuni"].as_array().unwrap() {
        let agid = c["scores"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["area"] == "Criteri AGID")
            .unwrap_or_else(|| panic!("no AGID score: {c:#}"));
        assert_eq!(
            (agid["ok"].as_u64(), agid["total"].as_u64()),
            (Some(16), Some(16))
        );
    }
    assert_eq!(std::fs::read_dir(scratch.path()).unwrap().count(), 0);
    assert!(!tmp.path().join("public").exists());
}

/// Valfiorita's PEC replaced with `pec`: the exit code, the findings added, the PEC's line.
fn pec_mutation(pec: &str) -> (i32, BTreeSet<Key>, u64) {
    let mut at = 0;
    let (code, added, _) = mutation(|r| {
        let f = r.join(V).join("comune.yaml");
        at = line_of(&f, "pec:");
        edit(&f, "protocollo@pec.comune.valfiorita.vd.example", pec);
    });
    (code, added, at)
}

#[test]
fn mutation_malformed_pec() {
    let (code, added, at) = pec_mutation("protocollo@comune.valfiorita.it");
    assert_eq!(code, 1);
    // An email address, but not at a certified domain: the check's finding.
    assert_only(&added, "PEC-FORMAT", &format!("{V}/comune.yaml"), Some(at));
}

#[test]
fn mutation_pec_that_is_not_an_address() {
    let (code, added, at) = pec_mutation("protocollo.comune.valfiorita.it");
    assert_eq!(code, 1);
    // Not an address at all: the build refuses it, and the check reports the build's error.
    assert_only(&added, "E-PEC", &format!("{V}/comune.yaml"), Some(at));
}

#[test]
fn mutation_remove_an_at_section() {
    let (code, added, removed) = mutation(|r| {
        std::fs::remove_dir_all(r.join(V).join("amministrazione-trasparente/disposizioni-generali/oneri-informativi-per-cittadini-e-imprese")).unwrap();
    });
    assert_eq!(code, 1);
    assert_only(
        &added,
        "AT-MISSING",
        &format!("{V}/amministrazione-trasparente/disposizioni-generali/oneri-informativi-per-cittadini-e-imprese/_index.md"),
        Some(0),
    );
    assert!(removed.is_empty(), "{removed:?}");
}

#[test]
fn mutation_empty_section_without_declaration() {
    let (code, added, _) = mutation(|r| {
        std::fs::write(
            r.join(V)
                .join("amministrazione-trasparente/personale/tassi-di-assenza/_index.md"),
            "---\n---\n",
        )
        .unwrap();
    });
    assert_eq!(code, 0, "a warning, not an error");
    assert_only(
        &added,
        "AT-EMPTY",
        &format!("{V}/amministrazione-trasparente/personale/tassi-di-assenza/_index.md"),
        Some(1),
    );
}

#[test]
fn mutation_stale_section() {
    let (_, added, _) = mutation(|r| {
        edit(
            &r.join(V).join("amministrazione-trasparente/pagamenti-dell-amministrazione/dati-sui-pagamenti/_index.md"),
            "aggiornato_al: 2026-10-20",
            "aggiornato_al: 2025-06-30",
        );
    });
    assert_only(
        &added,
        "AT-STALE",
        &format!("{V}/amministrazione-trasparente/pagamenti-dell-amministrazione/dati-sui-pagamenti/_index.md"),
        Some(2),
    );
}

#[test]
fn mutation_service_index_out_of_order() {
    let (code, added, _) = mutation(|r| {
        theme_edit(
            r,
            "servizio.html",
            r##"<li class="nav-item"><a class="nav-link" href="#come-fare"><span>Come fare</span></a></li>
              <li class="nav-item"><a class="nav-link" href="#cosa-serve"><span>Cosa serve</span></a></li>"##,
            r##"<li class="nav-item"><a class="nav-link" href="#cosa-serve"><span>Cosa serve</span></a></li>
              <li class="nav-item"><a class="nav-link" href="#come-fare"><span>Come fare</span></a></li>"##,
        );
    });
    assert_eq!(code, 1);
    assert_only(&added, "C.SI.1.3", "/servizi/", None);
    assert_eq!(added.len(), 3, "one finding per comune: {added:#?}");
}

#[test]
fn mutation_missing_footer_link() {
    let (code, added, _) = mutation(|r| {
        theme_edit(r, "partials/footer.html", r#" data-element="faq""#, "");
    });
    assert_eq!(code, 1);
    assert_only(&added, "C.SI.2.3", "/", None);
}

#[test]
fn mutation_no_bootstrap_italia_js() {
    let (code, added, _) = mutation(|r| {
        theme_edit(
            r,
            "base.html",
            r#"<script defer src="{{ site.risorse }}/bootstrap-italia/js/bootstrap-italia.bundle.min.js"></script>"#,
            "",
        );
    });
    assert_eq!(code, 1);
    assert_only(&added, "C.SI.1.2", "/", None);
}

#[test]
fn mutation_broken_internal_link() {
    let mut at = 0;
    let (code, added, _) = mutation(|r| {
        let f = r
            .join(V)
            .join("notizie/nuovi-orari-della-biblioteca-civica.md");
        let text = std::fs::read_to_string(&f).unwrap();
        at = text.lines().count() as u64 + 1;
        std::fs::write(
            &f,
            format!("{text}Vedi l'[ufficio](../uffici/inesistente.md).\n"),
        )
        .unwrap();
    });
    assert_eq!(code, 1);
    assert_only(
        &added,
        "E-LINK-BROKEN",
        &format!("{V}/notizie/nuovi-orari-della-biblioteca-civica.md"),
        Some(at),
    );
}

#[test]
fn mutation_image_without_alt() {
    let mut at = 0;
    let (code, added, _) = mutation(|r| {
        let f = r
            .join(V)
            .join("notizie/nuovi-orari-della-biblioteca-civica.md");
        let text = std::fs::read_to_string(&f).unwrap();
        at = text.lines().count() as u64 + 2;
        std::fs::write(&f, format!("{text}\n![](../media/stemma.svg)\n")).unwrap();
    });
    assert_eq!(code, 0, "a warning");
    assert_only(
        &added,
        "W-ALT-MISSING",
        &format!("{V}/notizie/nuovi-orari-della-biblioteca-civica.md"),
        Some(at),
    );
}

#[test]
fn mutation_http_base_url() {
    let mut at = 0;
    let (code, added, _) = mutation(|r| {
        let f = r.join(V).join("comune.yaml");
        at = line_of(&f, "base_url:");
        edit(
            &f,
            "https://www.comune.valfiorita",
            "http://www.comune.valfiorita",
        );
    });
    assert_eq!(code, 1);
    assert_only(
        &added,
        "BASE-URL-HTTPS",
        &format!("{V}/comune.yaml"),
        Some(at),
    );
}

#[test]
fn mutation_duplicate_albo_number() {
    let (code, added, _) = mutation(|r| {
        std::fs::write(
            r.join(V).join("albo/2026-0008.md"),
            "---\nnumero: 3\nanno: 2026\ntipo: \"Avviso\"\noggetto: \"Doppione\"\npubblicazione: {dal: 2026-11-20}\n---\n",
        )
        .unwrap();
    });
    assert_eq!(code, 1);
    assert_only(
        &added,
        "E-ALBO-NUMERO-DUPLICATO",
        &format!("{V}/albo/2026-0008.md"),
        Some(2),
    );
}

#[test]
fn html_mode_checks_a_site_not_built_by_civico() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("index.html"),
        "<!DOCTYPE html><html><head><title>Comune</title><script src=\"https://www.googletagmanager.com/gtag/js\"></script></head>\
         <body><h1>Comune di Prova</h1><img src=\"logo.png\"><a href=\"/manca/\">x</a><footer>info@comune.prova.it</footer></body></html>",
    )
    .unwrap();
    let o = Command::new(bin())
        .args(["check", "--format", "json", "--html"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules: BTreeSet<String> = keys(&json).into_iter().map(|k| k.1).collect();
    for r in [
        "HTML-LANG",
        "IMG-ALT",
        "LINK-BROKEN",
        "TRACKER",
        "PEC-FOOTER",
        "PEC-HOME",
        "C.SI.1.2",
        "C.SI.1.6",
        "C.SI.2.3",
        "AT-LINK",
    ] {
        assert!(rules.contains(r), "{r} missing from {rules:?}");
    }
}

#[test]
fn reports_validate_against_their_schemas_and_formats_are_well_formed() {
    let tmp = example();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    for (fmt, file) in [
        ("json", "r.json"),
        ("sarif", "r.sarif"),
        ("junit", "r.xml"),
        ("human", "r.txt"),
    ] {
        let o = Command::new(bin())
            .arg("check")
            .arg(tmp.path())
            .args(["--date", "2026-11-23", "--format", fmt, "--output"])
            .arg(out.join(file))
            .args(["--report"])
            .arg(out.join("report"))
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{fmt}");
    }
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("r.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let placeholder = results.iter().find(|r| r["ruleId"] == "AT-EMPTY").unwrap();
    let loc = &placeholder["locations"][0]["physicalLocation"];
    assert!(loc["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("piano-della-performance/_index.md"));
    assert_eq!(loc["region"]["startLine"], 1);
    let junit = std::fs::read_to_string(out.join("r.xml")).unwrap();
    assert!(
        junit.starts_with("<?xml")
            && junit.contains("<testsuite name=\"valfiorita\"")
            && junit.trim_end().ends_with("</testsuites>")
    );
    let human = std::fs::read_to_string(out.join("r.txt")).unwrap();
    assert!(
        human.contains("Comune di Valfiorita (valfiorita)  Trasparenza 61/62 · Criteri AGID 16/16"),
        "{human}"
    );
    assert!(!human.contains("\x1b["), "no colour codes in a file");
    let report = std::fs::read_to_string(out.join("report/valfiorita.html")).unwrap();
    assert!(report.contains("Piano della Performance") && report.contains("C.SI.1.3"));

    // Schema validation with ajv (installed with the browser tools; see tests/quality.rs).
    let node_modules = repo().join("tests/browser/node_modules");
    if !node_modules.join("ajv").is_dir() {
        assert!(
            std::env::var("CIVICO_QUALITY").map_or(true, |v| v != "require"),
            "ajv is required (CIVICO_QUALITY=require) but not installed"
        );
        eprintln!("SKIPPED: schema validation needs npm ci --prefix tests/browser");
        return;
    }
    for (schema, doc) in [
        (
            repo().join("schemas/civico-check.schema.json"),
            out.join("r.json"),
        ),
        (
            node_modules.join("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"),
            out.join("r.sarif"),
        ),
    ] {
        let o = Command::new("node")
            .arg(repo().join("tests/browser/validate.mjs"))
            .arg(&schema)
            .arg(&doc)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{} against {}:\n{}",
            doc.display(),
            schema.display(),
            String::from_utf8_lossy(&o.stdout)
        );
    }
    // The validator rejects a report that breaks the schema.
    let mut bad: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("r.json")).unwrap()).unwrap();
    bad["comuni"][0]["findings"][0]["severity"] = "fatal".into();
    std::fs::write(out.join("bad.json"), bad.to_string()).unwrap();
    let o = Command::new("node")
        .arg(repo().join("tests/browser/validate.mjs"))
        .arg(repo().join("schemas/civico-check.schema.json"))
        .arg(out.join("bad.json"))
        .output()
        .unwrap();
    assert!(!o.status.success());
}

#[test]
fn build_with_check_fails_on_errors() {
    let tmp = example();
    edit(
        &tmp.path().join(V).join("comune.yaml"),
        "https://form.agid.gov.it/",
        "https://www.example.org/",
    );
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(tmp.path(), out.path(), &["--check"]);
    assert!(!ok, "{err}");
    let clean = example();
    let (ok, err) = build(clean.path(), out.path(), &["--check"]);
    assert!(ok, "{err}");
}

#[test]
fn merge_combines_the_reports_of_sharded_runs() {
    let tmp = example();
    let dir = tempfile::tempdir().unwrap();
    for c in ["valfiorita", "castelmarino"] {
        let o = Command::new(bin())
            .arg("check")
            .arg(tmp.path())
            .args([
                "--date",
                "2026-11-23",
                "--format",
                "json",
                "--comune",
                c,
                "--output",
            ])
            .arg(dir.path().join(format!("{c}.json")))
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0));
    }
    let merged = Command::new(bin())
        .args(["check", "--merge"])
        .arg(dir.path().join("valfiorita.json"))
        .arg(dir.path().join("castelmarino.json"))
        .output()
        .unwrap();
    assert_eq!(merged.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&merged.stdout).unwrap();
    let slugs: Vec<&str> = json["comuni"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["castelmarino", "valfiorita"]);
    // The same comune twice is refused.
    let twice = Command::new(bin())
        .args(["check", "--merge"])
        .arg(dir.path().join("valfiorita.json"))
        .arg(dir.path().join("valfiorita.json"))
        .output()
        .unwrap();
    assert_eq!(twice.status.code(), Some(2));
}

#[test]
fn the_fast_reader_of_civicos_pages_finds_what_the_html_parser_finds() {
    // `civico check` reads the pages it renders with a pull parser; every page of the example
    // sites must give exactly the facts the HTML parser (lol_html) gives, and none may need
    // the fallback.
    use civico_check::html::{facts, rendered};
    let site = example_site();
    let pages = html_files(site);
    assert!(pages.len() > 600, "{}", pages.len());
    for p in pages {
        let bytes = std::fs::read(&p).unwrap();
        for keep_text in [false, true] {
            let fast = rendered::facts(&bytes, keep_text);
            assert!(
                fast.is_some(),
                "{} not read by the fast reader",
                p.display()
            );
            let (a, b) = (fast.unwrap(), facts(&bytes, keep_text));
            assert!(a == b, "{}: {}", p.display(), first_difference(&a, &b));
        }
    }
    // HTML that is not civico's (an unclosed element, a stray end tag) is left to lol_html.
    for bad in [
        "<html><body><p>uno<p>due</body></html>",
        "<html><body></div></body></html>",
    ] {
        assert!(rendered::facts(bad.as_bytes(), false).is_none(), "{bad}");
    }
}

/// The first field in which two pages' facts differ, for a readable failure.
fn first_difference(a: &civico_check::html::Facts, b: &civico_check::html::Facts) -> String {
    let fields = |f: &civico_check::html::Facts| {
        let mut ids: Vec<_> = f.ids.iter().cloned().collect();
        ids.sort();
        vec![
            format!("lang {:?} h1 {:?}", f.lang, f.h1),
            format!("{:#?}", f.elements),
            format!("footer_text {:?}", f.footer_text),
            format!("text {:?}", f.text),
            format!("{:#?}", f.links),
            format!("{ids:#?}"),
            format!(
                "img {:?} scripts {:?} css {:?}",
                f.img_without_alt, f.scripts, f.stylesheets
            ),
            format!("index {:?} breadcrumb {:?}", f.page_index, f.breadcrumb),
            format!("{:#?}", f.footer_links),
            format!("{:#?}", f.anchors),
            format!("metatag {:?}", f.metatag),
        ]
    };
    for (x, y) in fields(a).into_iter().zip(fields(b)) {
        if x != y {
            let at = x.chars().zip(y.chars()).take_while(|(l, r)| l == r).count();
            let around = |s: &str| {
                s.chars()
                    .skip(at.saturating_sub(60))
                    .take(120)
                    .collect::<String>()
            };
            return format!(
                "from character {at}:\nfast reader: {}\nHTML parser: {}",
                around(&x),
                around(&y)
            );
        }
    }
    String::new()
}

/// A network with one comune (`prova`) just scaffolded, its examples dated from the check's date.
fn scaffolded() -> tempfile::TempDir {
    let net = tempfile::tempdir().unwrap();
    let st = Command::new(bin())
        .args(["new", "comune", "prova", "--date", "2026-11-23"])
        .arg(net.path())
        .status()
        .unwrap();
    assert!(st.success());
    net
}

/// A comune just scaffolded passes the check: no error, and every warning names something the
/// scaffold left to do (a placeholder, a section to fill), at its file and line.
#[test]
fn fresh_scaffold_passes_with_only_placeholder_warnings() {
    let net = scaffolded();
    let (code, report, stderr) = run_check(net.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let found = keys(&report);
    let errors: Vec<_> = found.iter().filter(|k| k.4 == "error").collect();
    assert!(errors.is_empty(), "{errors:?}");
    let others: Vec<_> = found
        .iter()
        .filter(|k| k.1 != "SEGNAPOSTO" && k.1 != "AT-EMPTY")
        .collect();
    assert!(others.is_empty(), "{others:?}");
    let placeholder = |file: &str| {
        found
            .iter()
            .any(|k| k.1 == "SEGNAPOSTO" && k.2.ends_with(file) && k.3 > 0)
    };
    assert!(placeholder("comune.yaml"), "{found:?}");
    // The inhabitants the service centre's costs are shared by are a placeholder too.
    let abitanti = line_of(&net.path().join("comuni/prova/comune.yaml"), "abitanti:");
    assert!(
        found
            .iter()
            .any(|k| k.1 == "SEGNAPOSTO" && k.2.ends_with("comune.yaml") && k.3 == abitanti),
        "{found:?}"
    );
    assert!(placeholder("servizi/pagamento-tari.md"), "{found:?}");
    assert!(
        placeholder("articolazione-degli-uffici/uffici.yaml"),
        "{found:?}"
    );
    assert!(
        !placeholder("servizi/carta-identita-elettronica.md"),
        "a written scheda"
    );
}

/// An error in comune.yaml (a PEC that is no address) fails the check, and every other finding
/// of that comune is still reported with it.
#[test]
fn a_comune_yaml_error_hides_no_other_finding() {
    let net = scaffolded();
    let yaml = net.path().join("comuni/prova/comune.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    let bad = text.replace("pec: \"protocollo@pec.", "pec: \"protocollo-at-pec.");
    assert_ne!(bad, text);
    std::fs::write(&yaml, bad).unwrap();
    let (code, report, stderr) = run_check(net.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    let found = keys(&report);
    assert!(
        found.iter().any(|k| k.1 == "E-PEC" && k.4 == "error"),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|k| k.1 == "SEGNAPOSTO" && k.2.ends_with("servizi/imu.md")),
        "{found:?}"
    );
    assert!(found.iter().any(|k| k.1 == "AT-EMPTY"), "{found:?}");
}

#[test]
fn mutation_portal_without_legal_links() {
    let (code, added, _) = mutation(|r| {
        let f = r.join("civico.yaml");
        let text = std::fs::read_to_string(&f).unwrap();
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| {
                ![
                    "  dichiarazione_accessibilita:",
                    "  privacy:",
                    "  note_legali:",
                ]
                .iter()
                .any(|p| l.starts_with(p))
            })
            .collect();
        std::fs::write(&f, kept.join("\n") + "\n").unwrap();
    });
    assert_eq!(code, 0, "warnings only");
    let line = line_of(&repo().join("content-example/civico.yaml"), "portale:");
    assert_only(&added, "PORTALE-LEGALE", "civico.yaml", Some(line));
}

/// A folder without civico.yaml is a content error for `check` as for `build` (exit 1, not 2),
/// said in Italian (not the operating system's "No such file or directory").
#[test]
fn a_folder_without_civico_yaml_is_a_content_error_for_check_and_build() {
    let dir = tempfile::tempdir().unwrap();
    let (code, report, _) = run_check(dir.path(), &[]);
    assert_eq!(code, 1, "{report}");
    let message = report["generali"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("impossibile leggere civico.yaml: il file o la cartella non esiste"),
        "{report}"
    );
    let o = Command::new(bin())
        .arg("build")
        .arg(dir.path())
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("errore[E-CONFIG]"), "{err}");
    assert!(!err.contains("os error"), "{err}");
}
