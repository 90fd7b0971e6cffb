//! End to end: `civico build content-example` and assertions on the parsed HTML.

use crate::common;
use std::path::Path;

use crate::common::{build, example_markdown_files, html, html_files, repo, select, text, COMUNI};

fn built() -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(&repo().join("content-example"), out.path(), &[]);
    assert!(ok, "build failed:\n{err}");
    assert!(err.contains("generati 3 comuni"), "{err}");
    assert!(
        !err.contains("avviso["),
        "the example must build without warnings:\n{err}"
    );
    out
}

#[test]
fn example_network_builds_three_sites_with_every_page_type() {
    let out = built();
    let names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(
        names,
        ["borgo-san-fedele", "castelmarino", "eventi", "valfiorita"],
        "exactly the three sites and the events portal, no staging leftovers"
    );
    for c in COMUNI {
        let site = out.path().join(c);
        for page in [
            "index.html",
            "novita/index.html",
            "novita/notizie/index.html",
            "novita/comunicati/index.html",
            "novita/avvisi/index.html",
            "servizi/index.html",
            "amministrazione/index.html",
            "amministrazione/organi-di-governo/index.html",
            "amministrazione/politici/index.html",
            "amministrazione/personale-amministrativo/index.html",
            "amministrazione/documenti-e-dati/index.html",
            "vivere-il-comune/index.html",
            "vivere-il-comune/eventi/index.html",
            "vivere-il-comune/luoghi/index.html",
            "argomenti/index.html",
            "amministrazione-trasparente/index.html",
            "albo-pretorio/index.html",
            "mappa-del-sito/index.html",
            "privacy/index.html",
            "note-legali/index.html",
            "faq/index.html",
            "404.html",
            "servizi/anagrafe-e-stato-civile/carta-identita-elettronica/index.html",
            "servizi/anagrafe-e-stato-civile/carta-identita-elettronica/condizioni-di-servizio.pdf",
            "static/css/civico.css",
            "static/css/syntax.css",
            "media/stemma.svg",
        ] {
            assert!(site.join(page).is_file(), "{c}: missing {page}");
        }
        // Counts: the number of service pages equals the number of service files.
        let services = example_markdown_files(c, "servizi");
        assert!(services >= 12, "{c}: at least 12 services in the example");
        let servizi = html(&site.join("servizi/index.html"));
        let mut links: Vec<String> = select(&servizi, "a[data-element=service-link]")
            .iter()
            .filter_map(|a| a.value().attr("href").map(str::to_string))
            .collect();
        links.sort();
        links.dedup();
        assert_eq!(
            links.len(),
            services,
            "{c}: every service linked from Servizi"
        );
    }
}

#[test]
fn every_page_has_one_h1_lang_menu_in_order_and_pec_in_footer() {
    let out = built();
    for c in COMUNI {
        let yaml = std::fs::read_to_string(
            repo()
                .join("content-example/comuni")
                .join(c)
                .join("comune.yaml"),
        )
        .unwrap();
        let pec = yaml
            .lines()
            .find_map(|l| l.strip_prefix("pec: "))
            .unwrap()
            .trim_matches('"')
            .to_string();
        let files = html_files(&out.path().join(c));
        assert!(files.len() > 100, "{c}: {} pages", files.len());
        for f in files {
            let doc = html(&f);
            let what = f.display();
            assert_eq!(select(&doc, "html[lang=it]").len(), 1, "{what}: lang");
            assert_eq!(select(&doc, "h1").len(), 1, "{what}: exactly one h1");
            let menu: Vec<(String, String)> = select(&doc, "[data-element=main-navigation] a")
                .iter()
                .map(|a| {
                    (
                        a.value().attr("data-element").unwrap_or("").to_string(),
                        text(a),
                    )
                })
                .collect();
            assert_eq!(
                menu,
                [
                    ("management".into(), "Amministrazione".into()),
                    ("news".into(), "Novità".into()),
                    ("all-services".into(), "Servizi".into()),
                    ("live".into(), "Vivere il Comune".into())
                ],
                "{what}: main menu"
            );
            let footer = select(&doc, "footer");
            assert_eq!(footer.len(), 1, "{what}");
            assert!(
                text(&footer[0]).contains(&pec),
                "{what}: PEC {pec} in the footer"
            );
            for de in [
                "privacy-policy-link",
                "legal-notes",
                "accessibility-link",
                "faq",
                "report-inefficiency",
            ] {
                assert_eq!(
                    select(&doc, &format!("footer [data-element={de}]")).len(),
                    1,
                    "{what}: footer {de}"
                );
            }
            // No raw template syntax leaked into the output.
            let raw = std::fs::read_to_string(&f).unwrap();
            assert!(
                !raw.contains("{{") && !raw.contains("{%"),
                "{what}: template syntax in output"
            );
        }
    }
}

#[test]
fn service_pages_have_the_index_in_the_model_order_and_non_empty_sections() {
    let out = built();
    let expected = [
        "A chi è rivolto",
        "Come fare",
        "Cosa serve",
        "Cosa si ottiene",
        "Tempi e scadenze",
        "Quanto costa",
        "Accedi al servizio",
        "Condizioni di servizio",
        "Contatti",
    ];
    let mut checked = 0;
    for c in COMUNI {
        for f in html_files(&out.path().join(c).join("servizi")) {
            let doc = html(&f);
            if select(&doc, "[data-element=service-title]").is_empty() {
                continue;
            }
            checked += 1;
            let labels: Vec<String> = select(&doc, "[data-element=page-index] li a")
                .iter()
                .map(text)
                .collect();
            let wanted: Vec<&str> = expected
                .iter()
                .copied()
                .filter(|l| *l != "Quanto costa" || labels.iter().any(|x| x == "Quanto costa"))
                .collect();
            assert_eq!(labels, wanted, "{}", f.display());
            for a in select(&doc, "[data-element=page-index] li a") {
                let id = a.value().attr("href").unwrap().trim_start_matches('#');
                let sec = select(&doc, &format!("section[id='{id}']"));
                assert_eq!(sec.len(), 1, "{}: section {id}", f.display());
                assert!(
                    text(&sec[0]).len() > 20,
                    "{}: section {id} is empty",
                    f.display()
                );
            }
            let crumbs: Vec<String> = select(&doc, "[data-element=breadcrumb] li")
                .iter()
                .map(text)
                .collect();
            assert_eq!(
                crumbs.len(),
                4,
                "{}: Home / Servizi / categoria / titolo: {crumbs:?}",
                f.display()
            );
            assert!(crumbs[1].starts_with("Servizi"));
            let ld = select(
                &doc,
                "script[type='application/ld+json'][data-element=metatag]",
            );
            assert_eq!(ld.len(), 1);
            let v: serde_json::Value =
                serde_json::from_str(&ld[0].inner_html()).expect("valid JSON-LD");
            assert_eq!(v["@type"], "GovernmentService");
            assert_eq!(v["name"].as_str().unwrap(), text(&select(&doc, "h1")[0]));
            assert_eq!(select(&doc, "[data-element=service-area]").len(), 1);
            assert_eq!(
                select(&doc, "[data-element=service-booking-access]").len(),
                1
            );
        }
    }
    assert!(checked >= 36, "checked {checked} service pages");
}

#[test]
fn internal_links_resolve_to_written_files() {
    let out = built();
    for c in COMUNI {
        let site = out.path().join(c);
        for f in html_files(&site) {
            let doc = html(&f);
            for a in select(&doc, "a[href], img[src], link[href]") {
                let v = a.value();
                let href = v.attr("href").or(v.attr("src")).unwrap();
                if !href.starts_with('/') {
                    continue;
                }
                let path = href.split(['#', '?']).next().unwrap();
                let target = site.join(path.trim_start_matches('/'));
                let ok = target.is_file() || target.join("index.html").is_file();
                assert!(ok, "{}: broken link {href}", f.display());
            }
        }
    }
}

#[test]
fn italian_dates_and_content_links_render() {
    let out = built();
    let site = out.path().join("valfiorita");
    let doc = html(&site.join("vivere-il-comune/eventi/mercatino-di-natale/index.html"));
    let body = text(&select(&doc, "main")[0]);
    assert!(
        body.contains("domenica 6 dicembre 2026, ore 10:00"),
        "{body}"
    );
    let notizia = html(&site.join("novita/al-via-i-lavori-di-rifacimento-di-via-roma/index.html"));
    let link = select(&notizia, "main .testo a")
        .into_iter()
        .find(|a| text(a) == "Area Tecnica")
        .expect("content link");
    assert_eq!(
        link.value().attr("href"),
        Some("/amministrazione/aree-amministrative/tecnico/")
    );
    assert_eq!(select(&notizia, "main .testo table").len(), 1);
}

#[test]
fn upcoming_events_depend_on_the_build_date() {
    let out = built();
    let home = html(&out.path().join("castelmarino/index.html"));
    let events: Vec<String> = select(&home, "section[aria-labelledby=eventi] .card-title a")
        .iter()
        .map(text)
        .collect();
    // The weekly market's next Saturday (28 November) comes before the Christmas market.
    assert_eq!(
        events
            .iter()
            .take(2)
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["Mercato settimanale", "Mercatino di Natale"],
        "{events:?}"
    );
    let card = select(&home, "section[aria-labelledby=eventi] .card")
        .into_iter()
        .next()
        .unwrap();
    assert!(text(&card).contains("28 nov 2026"), "{}", text(&card));
    assert!(
        !events.iter().any(|e| e.contains("Giornata ecologica")),
        "past events are not upcoming"
    );
}

#[test]
fn two_builds_of_the_same_input_are_byte_identical() {
    let a = built();
    let b = built();
    let files = |root: &Path| -> Vec<std::path::PathBuf> {
        let mut v: Vec<_> = walkdir::WalkDir::new(root)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.path().strip_prefix(root).unwrap().to_path_buf())
            .collect();
        v.sort();
        v
    };
    let (fa, fb) = (files(a.path()), files(b.path()));
    assert_eq!(fa, fb, "same files");
    assert!(fa.len() > 1000);
    for f in &fa {
        assert!(
            std::fs::read(a.path().join(f)).unwrap() == std::fs::read(b.path().join(f)).unwrap(),
            "{} differs between two builds",
            f.display()
        );
    }
}

#[test]
fn shards_split_the_network_and_merge_without_conflicts() {
    let out = tempfile::tempdir().unwrap();
    let mut seen = Vec::new();
    for s in ["1/2", "2/2"] {
        let part = tempfile::tempdir().unwrap();
        let (ok, err) = build(
            &repo().join("content-example"),
            part.path(),
            &["--shard", s],
        );
        assert!(ok, "{s}: {err}");
        for e in std::fs::read_dir(part.path()).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(!seen.contains(&name), "{name} built by two shards");
            assert_ne!(name, "eventi", "the portal is left to an unsharded build");
            std::fs::rename(part.path().join(&name), out.path().join(&name)).unwrap();
            seen.push(name);
        }
    }
    seen.sort();
    assert_eq!(seen, COMUNI);
    // The merged output equals an unsharded build, comune by comune.
    let full = built();
    for c in COMUNI {
        for e in walkdir::WalkDir::new(full.path().join(c))
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
        {
            let rel = e.path().strip_prefix(full.path()).unwrap();
            assert!(
                std::fs::read(e.path()).unwrap() == std::fs::read(out.path().join(rel)).unwrap(),
                "{} differs",
                rel.display()
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn theme_assets_are_stored_once_and_hard_linked() {
    use std::os::unix::fs::MetadataExt;
    let out = built();
    let js = "static/bootstrap-italia/js/bootstrap-italia.bundle.min.js";
    let inodes: std::collections::BTreeSet<u64> =
        ["borgo-san-fedele", "castelmarino", "valfiorita", "eventi"]
            .iter()
            .map(|c| {
                std::fs::metadata(out.path().join(c).join(js))
                    .unwrap()
                    .ino()
            })
            .collect();
    assert_eq!(inodes.len(), 1, "one file on disk for every site");
    // Pages are not linked: each comune has its own.
    let a = std::fs::metadata(out.path().join("valfiorita/index.html")).unwrap();
    assert_eq!(a.nlink(), 1);
}

#[test]
fn theme_assets_can_live_on_a_shared_host() {
    let tmp = tempfile::tempdir().unwrap();
    common::copy_dir(&repo().join("content-example"), tmp.path());
    let cfg = tmp.path().join("civico.yaml");
    let mut y = std::fs::read_to_string(&cfg).unwrap();
    y.push_str("risorse_condivise: \"https://static.valdoro.vd.example/civico/\"\n");
    std::fs::write(&cfg, y).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(tmp.path(), out.path(), &[]);
    assert!(ok, "{err}");
    let site = out.path().join("valfiorita");
    let home = html(&site.join("index.html"));
    let css: Vec<&str> = select(&home, "link[rel=stylesheet]")
        .iter()
        .filter_map(|l| l.value().attr("href"))
        .collect();
    assert!(css.contains(&"https://static.valdoro.vd.example/civico/bootstrap-italia/css/bootstrap-italia.min.css"), "{css:?}");
    assert!(!site
        .join("static/bootstrap-italia/css/bootstrap-italia.min.css")
        .exists());
    // The sprite stays on the site's origin (SVG <use> is same-origin only).
    assert!(site
        .join("static/bootstrap-italia/svg/sprites.svg")
        .is_file());
    let shared = out.path().join("_risorse");
    for f in [
        "bootstrap-italia/css/bootstrap-italia.min.css",
        "bootstrap-italia/js/bootstrap-italia.bundle.min.js",
        "js/civico.js",
        "css/civico.css",
    ] {
        assert!(shared.join(f).is_file(), "{f}");
    }
}

#[test]
fn a_network_of_more_comuni_than_open_files_builds() {
    // Every comune's staging folder is kept until the swap: none may hold a descriptor open
    // meanwhile, or a network larger than the limit of open files (often 1,024) fails.
    let tmp = tempfile::tempdir().unwrap();
    let example = repo().join("content-example");
    std::fs::copy(example.join("civico.yaml"), tmp.path().join("civico.yaml")).unwrap();
    let comuni = tmp.path().join("comuni");
    for i in 0..48 {
        common::copy_dir(
            &example.join("comuni/borgo-san-fedele"),
            &comuni.join(format!("comune-{i:02}")),
        );
    }
    let out = tempfile::tempdir().unwrap();
    let o = std::process::Command::new("sh")
        .args([
            "-c",
            r#"ulimit -n 40 && exec "$0" build "$1" -o "$2" --no-compress --date 2026-11-23"#,
        ])
        .arg(common::bin())
        .arg(tmp.path())
        .arg(out.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("generati 48 comuni"), "{err}");
    assert!(out.path().join("comune-47/index.html").is_file());
}
