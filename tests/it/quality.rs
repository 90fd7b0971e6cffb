//! Quality gates on the example sites with external tools:
//! - the Nu Html Checker (npm `vnu-jar`, run with the machine's Java) on every generated page;
//! - axe-core in Debian's Chromium (WCAG 2.1 A and AA) on one page of every page type of every
//!   example comune, at desktop and mobile widths;
//! - the theme's JavaScript driven in the browser (feedback widget, search, load-more).
//!
//! The tools are installed by `.ci/run` (`npm ci --prefix tests/browser`, apt `chromium`). When
//! they are missing these tests say so and pass, unless `CIVICO_QUALITY=require` (set by CI),
//! where a missing tool is a failure.

use std::path::Path;
use std::process::Command;

use crate::common::*;

fn pages_of(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy();
            let rel = rel.replace('\\', "/");
            match rel.strip_suffix("index.html") {
                Some(d) => format!("/{d}"),
                None => format!("/{rel}"),
            }
        })
        .collect();
    v.sort();
    v
}

/// Number of `/` in a site path: `/servizi/x/` is 3.
fn depth(p: &str) -> usize {
    p.matches('/').count()
}

/// Whether a site path is not a further page of a paginated list.
fn not_list(p: &str) -> bool {
    !p.contains("/pagina/")
}

/// Tells whether a site path is of a given page type.
type PagePredicate = Box<dyn Fn(&str) -> bool>;

/// One page of each page type: the fixed pages, then the first page matching each pattern.
fn one_of_each_type(dir: &Path) -> Vec<String> {
    let pages = pages_of(dir);
    let fixed = [
        "/",
        "/amministrazione/",
        "/novita/",
        "/servizi/",
        "/vivere-il-comune/",
        "/novita/notizie/",
        "/vivere-il-comune/eventi/",
        "/vivere-il-comune/luoghi/",
        "/amministrazione/uffici/",
        "/amministrazione/politici/",
        "/amministrazione/documenti-e-dati/",
        "/argomenti/",
        "/amministrazione-trasparente/",
        "/albo-pretorio/",
        "/albo-pretorio/archivio/",
        "/amministrazione-trasparente/pagamenti-dell-amministrazione/dati-sui-pagamenti/",
        "/amministrazione-trasparente/organizzazione/telefono-e-posta-elettronica/",
        "/faq/",
        "/note-legali/",
        "/privacy/",
        "/mappa-del-sito/",
        "/ricerca/",
        "/prenotazione-appuntamento/",
        "/segnalazione-disservizio/",
        "/404.html",
    ];
    let first = |pred: &dyn Fn(&str) -> bool| pages.iter().find(|p| pred(p)).cloned();
    let patterns: Vec<(&str, PagePredicate)> = vec![
        (
            "servizio",
            Box::new(|p: &str| p.starts_with("/servizi/") && depth(p) == 4),
        ),
        (
            "categoria di servizi",
            Box::new(|p: &str| p.starts_with("/servizi/") && depth(p) == 3),
        ),
        (
            "notizia",
            Box::new(|p: &str| {
                p.starts_with("/novita/")
                    && depth(p) == 3
                    && !["/novita/notizie/", "/novita/comunicati/", "/novita/avvisi/"].contains(&p)
                    && not_list(p)
            }),
        ),
        (
            "evento",
            Box::new(|p: &str| {
                p.starts_with("/vivere-il-comune/eventi/") && depth(p) == 4 && not_list(p)
            }),
        ),
        (
            "luogo",
            Box::new(|p: &str| {
                p.starts_with("/vivere-il-comune/luoghi/") && depth(p) == 4 && not_list(p)
            }),
        ),
        (
            "unità organizzativa",
            Box::new(|p: &str| p.starts_with("/amministrazione/uffici/") && depth(p) == 4),
        ),
        (
            "persona",
            Box::new(|p: &str| p.starts_with("/amministrazione/persone/") && depth(p) == 4),
        ),
        (
            "documento",
            Box::new(|p: &str| {
                p.starts_with("/amministrazione/documenti-e-dati/") && depth(p) == 5
            }),
        ),
        (
            "argomento",
            Box::new(|p: &str| p.starts_with("/argomenti/") && depth(p) == 3),
        ),
        (
            "sezione trasparenza",
            Box::new(|p: &str| p.starts_with("/amministrazione-trasparente/") && depth(p) == 3),
        ),
        (
            "atto albo",
            Box::new(|p: &str| p.starts_with("/albo-pretorio/") && depth(p) == 3),
        ),
    ];
    let mut out: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
    for p in &out {
        assert!(pages.contains(p), "{} has no page {p}", dir.display());
    }
    for (name, pred) in &patterns {
        let found = first(pred.as_ref()).unwrap_or_else(|| {
            panic!("{} has no page of type {name}", dir.display());
        });
        out.push(found);
    }
    // Pages only comuni that take segnalazioni online have (tests/segnalazioni.rs checks
    // which ones do).
    for p in [
        "/segnalazione-disservizio/segui/",
        "/segnalazione-disservizio/elenco/",
    ] {
        if pages.iter().any(|x| x == p) {
            out.push(p.to_string());
        }
    }
    out
}

#[test]
#[cfg_attr(
    not(civico_vnu),
    ignore = "needs Java and `npm ci --prefix tests/browser` (README, Quick start)"
)]
fn every_page_is_valid_html() {
    let jar = browser_dir().join("node_modules/vnu-jar/build/dist/vnu.jar");
    if !available(
        jar.is_file() && has_command("java", "-version"),
        "vnu-jar (npm) with Java",
    ) {
        return;
    }
    let out = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--skip-non-html", "--errors-only", "--format", "gnu"])
        .arg(example_site())
        .output()
        .expect("run vnu");
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && report.trim().is_empty(),
        "the Nu Html Checker found errors:\n{report}"
    );
    // It did look at the pages: an invalid page makes it fail (checked on a copy).
    let bad = tempfile::tempdir().unwrap();
    std::fs::write(
        bad.path().join("index.html"),
        "<!DOCTYPE html><html lang=it><title>x</title><p><div></p>",
    )
    .unwrap();
    let out = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--skip-non-html", "--errors-only"])
        .arg(bad.path())
        .output()
        .expect("run vnu");
    assert!(!out.status.success(), "vnu accepts an invalid page");
}

fn run_check(args: &[&str]) -> (bool, String) {
    let out = Command::new("node")
        .arg(browser_dir().join("check.mjs"))
        .args(args)
        .current_dir(browser_dir())
        .output()
        .expect("run node");
    (
        out.status.success(),
        format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
#[cfg_attr(
    not(civico_browser),
    ignore = "needs node, Debian's chromium and `npm ci --prefix tests/browser` (README, Quick start)"
)]
fn every_page_type_passes_axe_at_desktop_and_mobile_widths() {
    if !node_ready() {
        return;
    }
    // One browser per comune, two at a time (the machine has two cores).
    for pair in COMUNI.chunks(2) {
        std::thread::scope(|s| {
            let runs: Vec<_> = pair
                .iter()
                .map(|comune| {
                    s.spawn(move || {
                        let dir = example_site().join(comune);
                        let pages = one_of_each_type(&dir);
                        let mut args = vec!["axe", dir.to_str().unwrap()];
                        args.extend(pages.iter().map(String::as_str));
                        let (ok, report) = run_check(&args);
                        (comune, pages.len(), ok, report)
                    })
                })
                .collect();
            for r in runs {
                let (comune, n, ok, report) = r.join().unwrap();
                assert!(ok, "axe-core violations on {comune}:\n{report}");
                let expected = format!("\"checked\": {}", n * 2);
                assert!(
                    report.contains(&expected),
                    "axe did not check every page ({expected}):\n{report}"
                );
            }
        });
    }
}

#[test]
#[cfg_attr(
    not(civico_browser),
    ignore = "needs node, Debian's chromium and `npm ci --prefix tests/browser` (README, Quick start)"
)]
fn every_text_in_main_is_readable_against_what_is_behind_it() {
    // What a person sees: the colour of each visible text of <main> against the first opaque
    // background behind it, on one page of each kind, at desktop and phone widths (axe does
    // not see white text on a white card).
    if !node_ready() {
        return;
    }
    let dir = example_site().join("castelmarino");
    let pages = one_of_each_type(&dir);
    let mut args = vec!["contrasto", dir.to_str().unwrap()];
    args.extend(pages.iter().map(String::as_str));
    let (ok, report) = run_check(&args);
    assert!(ok, "text too faint to read on castelmarino:\n{report}");
    let texts: usize = report
        .split("\"texts\": ")
        .nth(1)
        .and_then(|t| t.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        texts > 50 * pages.len(),
        "only {texts} texts looked at:\n{report}"
    );
}

#[test]
#[cfg_attr(
    not(civico_browser),
    ignore = "needs node, Debian's chromium and `npm ci --prefix tests/browser` (README, Quick start)"
)]
fn feedback_search_and_load_more_work_in_the_browser() {
    if !node_ready() {
        return;
    }
    for comune in COMUNI {
        let dir = example_site().join(comune);
        let (ok, report) = run_check(&["behaviour", dir.to_str().unwrap()]);
        assert!(ok, "browser behaviour on {comune}:\n{report}");
        if comune == "castelmarino" {
            // Castelmarino has 8 events and shows 6 at once: the button was clicked.
            assert!(report.contains("\"links\": 8"), "{report}");
            assert!(report.contains("\"before\": 6"), "{report}");
        }
    }
}

#[test]
#[cfg_attr(
    not(civico_browser),
    ignore = "needs node, Debian's chromium and `npm ci --prefix tests/browser` (README, Quick start)"
)]
fn territory_portal_filters_saves_works_offline_and_passes_axe() {
    if !node_ready() {
        return;
    }
    let dir = example_site().join("eventi");
    let (ok, report) = run_check(&["portale", dir.to_str().unwrap()]);
    assert!(ok, "portal behaviour:\n{report}");
    let (ok, report) = run_check(&["axe", dir.to_str().unwrap(), "/"]);
    assert!(ok, "axe on the portal:\n{report}");
    assert!(report.contains("\"checked\": 2"), "{report}");
}
