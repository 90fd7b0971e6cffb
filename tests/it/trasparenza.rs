//! Amministrazione trasparente and albo pretorio, end to end on the example network and on
//! modified copies of it: the official tree on every index, section pages, ANAC schema tables
//! and their CSV/JSON, schema errors, albo windows and register integrity.

use std::path::{Path, PathBuf};

use crate::common::*;

fn page_at(root: &Path, comune: &str, path: &str) -> scraper::Html {
    html(
        &root
            .join(comune)
            .join(path.trim_start_matches('/'))
            .join("index.html"),
    )
}

/// (slug, title, norma) of the sections a comune shows, in official order, read from the data
/// file independently of the code under test.
fn expected_tree() -> Vec<(String, String, String, u8)> {
    let y = std::fs::read_to_string(repo().join("data/at-tree.yaml")).unwrap();
    let v: serde_json::Value = serde_saphyr::from_str(&y).unwrap();
    let mut out: Vec<(u64, String, String, String, u8)> = v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["comuni"] != serde_json::Value::Bool(false))
        .map(|s| {
            (
                s["order"].as_u64().unwrap(),
                s["slug"].as_str().unwrap().to_string(),
                s["title"].as_str().unwrap().to_string(),
                s["norma"].as_str().unwrap().to_string(),
                s["level"].as_u64().unwrap() as u8,
            )
        })
        .collect();
    out.sort();
    out.into_iter()
        .map(|(_, a, b, c, d)| (a, b, c, d))
        .collect()
}

#[test]
fn every_index_lists_the_official_tree_in_order_with_norms() {
    let tree = expected_tree();
    assert_eq!(
        tree.len(),
        79,
        "22 + 61 minus the 4 that do not apply to comuni"
    );
    for c in COMUNI {
        let doc = page_at(example_site(), c, "/amministrazione-trasparente/");
        let links: Vec<(String, String)> = select(&doc, "main .at-albero a")
            .iter()
            .map(|a| (a.value().attr("href").unwrap().to_string(), text(a)))
            .collect();
        let want: Vec<(String, String)> = tree
            .iter()
            .map(|(slug, title, _, _)| {
                (
                    format!("/amministrazione-trasparente/{slug}/"),
                    title.clone(),
                )
            })
            .collect();
        assert_eq!(links, want, "{c}");
        let body = text(&select(&doc, "main .at-albero")[0]);
        for (_, _, norma, level) in &tree {
            if *level == 1 {
                assert!(body.contains(norma.as_str()), "{c}: norm {norma}");
            }
        }
        assert!(!body.contains("Strutture sanitarie private accreditate"));
        // The home page footer links the section (ANAC's crawler starts there).
        let home = html(&example_site().join(c).join("index.html"));
        assert_eq!(
            select(&home, "footer a[href='/amministrazione-trasparente/']")
                .iter()
                .map(text)
                .collect::<Vec<_>>(),
            ["Amministrazione trasparente"]
        );
        // Every section has its page, with the official title as h1.
        for (slug, title, _, _) in &tree {
            let p = page_at(
                example_site(),
                c,
                &format!("/amministrazione-trasparente/{slug}/"),
            );
            assert_eq!(text(&select(&p, "h1")[0]), *title, "{c}/{slug}");
        }
    }
}

#[test]
fn section_pages_show_declarations_dates_and_content_from_elsewhere() {
    let c = "valfiorita";
    let at = |p: &str| {
        page_at(
            example_site(),
            c,
            &format!("/amministrazione-trasparente/{p}/"),
        )
    };
    let main_text = |d: &scraper::Html| text(&select(d, "main")[0]);

    // Declared "nothing to publish".
    let d = at("sovvenzioni-contributi-sussidi-vantaggi-economici/atti-di-concessione");
    let t = main_text(&d);
    assert!(
        t.contains("Alla data di aggiornamento non ci sono dati da pubblicare"),
        "{t}"
    );
    assert!(
        t.contains("Contenuto aggiornato al mercoledì 30 settembre 2026"),
        "{t}"
    );
    assert!(t.contains("Riferimento normativo"), "{t}");
    // Declared not applicable (a conditional section).
    let d = at("personale/titolari-di-incarichi-dirigenziali-dirigenti-non-generali");
    assert!(main_text(&d).contains("Sezione non applicabile."));
    // The placeholder: no date, and the page says content is coming.
    let d = at("performance/piano-della-performance");
    let t = main_text(&d);
    assert!(t.contains("in corso di pubblicazione"), "{t}");
    assert!(!t.contains("Contenuto aggiornato al"), "{t}");
    // Items with attachments, their format and size; the update date is the latest item's.
    let d = at("bandi-di-concorso");
    let t = main_text(&d);
    assert!(
        t.contains("Concorso per un posto di istruttore amministrativo"),
        "{t}"
    );
    assert!(t.contains("(PDF,"), "{t}");
    assert!(t.contains("Bando di concorso"));
    let pdf = select(&d, "main .allegati a")
        .iter()
        .find(|a| text(a) == "Bando di concorso")
        .and_then(|a| a.value().attr("href"))
        .unwrap()
        .to_string();
    assert!(
        example_site()
            .join(c)
            .join(pdf.trim_start_matches('/'))
            .is_file(),
        "{pdf}"
    );
    // ... and the avviso tagged Concorsi published in Novità (art. 9).
    assert!(t.contains("Avvisi di concorso"), "{t}");
    assert!(
        select(&d, "main a").iter().any(|a| a
            .value()
            .attr("href")
            .is_some_and(|h| h.starts_with("/novita/concorso"))),
        "link to the avviso"
    );
    // Telefono e posta elettronica shows the PEC from comune.yaml and the offices.
    let d = at("organizzazione/telefono-e-posta-elettronica");
    let t = main_text(&d);
    assert!(
        t.contains("protocollo@pec.comune.valfiorita.vd.example"),
        "{t}"
    );
    assert!(t.contains("Recapiti degli uffici"), "{t}");
    // One item in two sections.
    let d = at("altri-contenuti/prevenzione-della-corruzione");
    assert!(main_text(&d).contains(
        "Piano triennale per la prevenzione della corruzione e della trasparenza 2026-2028"
    ));
    // A first-level page lists its sub-sections with their titles.
    let d = at("bilanci");
    let subs: Vec<String> = select(&d, "main .link-list a").iter().map(text).collect();
    assert_eq!(
        subs,
        [
            "Bilancio preventivo e consuntivo",
            "Piano degli indicatori e dei risultati attesi di bilancio"
        ]
    );
}

fn table(doc: &scraper::Html) -> (Vec<String>, Vec<Vec<String>>) {
    let head = select(doc, "main table thead th")
        .iter()
        .map(text)
        .collect();
    let rows = select(doc, "main table tbody tr")
        .iter()
        .map(|tr| {
            tr.select(&scraper::Selector::parse("td").unwrap())
                .map(|td| text(&td))
                .collect()
        })
        .collect();
    (head, rows)
}

#[test]
fn anac_schemas_render_as_tables_and_round_trip_through_csv_and_json() {
    for c in COMUNI {
        for (section, base, columns) in [
            (
                "pagamenti-dell-amministrazione/dati-sui-pagamenti",
                "dati-sui-pagamenti",
                6,
            ),
            (
                "organizzazione/articolazione-degli-uffici",
                "articolazione-degli-uffici",
                12,
            ),
            (
                "controlli-e-rilievi-sull-amministrazione",
                "controlli-e-rilievi",
                5,
            ),
        ] {
            let dir = example_site()
                .join(c)
                .join("amministrazione-trasparente")
                .join(section);
            let doc = html(&dir.join("index.html"));
            let (head, rows) = table(&doc);
            assert_eq!(head.len(), columns, "{c}/{section}");
            assert!(!rows.is_empty(), "{c}/{section}");
            // CSV: same header (case aside) and the same cells as the HTML table.
            let mut rdr = csv::Reader::from_path(dir.join(format!("{base}.csv"))).unwrap();
            let csv_head: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
            assert_eq!(
                csv_head
                    .iter()
                    .map(|h| h.to_lowercase())
                    .collect::<Vec<_>>(),
                head.iter().map(|h| h.to_lowercase()).collect::<Vec<_>>()
            );
            let csv_rows: Vec<Vec<String>> = rdr
                .records()
                .map(|r| r.unwrap().iter().map(str::to_string).collect())
                .collect();
            assert_eq!(csv_rows.len(), rows.len(), "{c}/{section}");
            // JSON: header of the schema and rows keyed by column, equal to the CSV.
            let json: serde_json::Value =
                serde_json::from_slice(&std::fs::read(dir.join(format!("{base}.json"))).unwrap())
                    .unwrap();
            assert_eq!(
                json["intestazione"]["codice_fiscale_amministrazione"]
                    .as_str()
                    .unwrap()
                    .len(),
                11
            );
            assert!(json["intestazione"]["data_pubblicazione"]
                .as_str()
                .unwrap()
                .contains('/'));
            let jrows = json["righe"].as_array().unwrap();
            assert_eq!(jrows.len(), csv_rows.len());
            for (jr, cr) in jrows.iter().zip(&csv_rows) {
                for (k, v) in csv_head.iter().zip(cr) {
                    assert_eq!(jr[k].as_str().unwrap(), v, "{c}/{section}: {k}");
                }
            }
            // Table cells show the CSV values (links are shown as "Documento").
            for (hr, cr) in rows.iter().zip(&csv_rows) {
                for (h, v) in hr.iter().zip(cr) {
                    assert!(
                        h == v || (h == "Documento" && v.starts_with("http")),
                        "{h} vs {v}"
                    );
                }
            }
        }
    }
}

/// A private copy of the example network, to modify.
fn copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("content-example"), tmp.path());
    tmp
}

fn at_dir(root: &Path, comune: &str) -> PathBuf {
    root.join("comuni")
        .join(comune)
        .join("amministrazione-trasparente")
}

#[test]
fn bad_schema_rows_and_unknown_sections_are_errors_with_positions() {
    let tmp = copy();
    let pag = at_dir(tmp.path(), "valfiorita")
        .join("pagamenti-dell-amministrazione/dati-sui-pagamenti/pagamenti.csv");
    let mut text = std::fs::read_to_string(&pag).unwrap();
    text.push_str("2026;7;uscite correnti;Acquisto di beni e di servizi;100,00;Persona fisica\n");
    text.push_str("2026;3;uscite correnti;Acquisto di beni e di servizi;zero;Mario Rossi\n");
    std::fs::write(&pag, &text).unwrap();
    let lines = text.lines().count();
    let uffici = at_dir(tmp.path(), "castelmarino")
        .join("organizzazione/articolazione-degli-uffici/uffici.yaml");
    let u = std::fs::read_to_string(&uffici)
        .unwrap()
        .replace("Ufficio non dirigenziale", "Ufficio qualunque");
    std::fs::write(&uffici, u).unwrap();
    let wrong = at_dir(tmp.path(), "borgo-san-fedele").join("bandi-di-concorsi");
    std::fs::create_dir_all(&wrong).unwrap();
    std::fs::write(
        wrong.join("_index.md"),
        "---\naggiornato_al: 2026-10-01\n---\n",
    )
    .unwrap();

    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(tmp.path(), out.path(), &[]);
    assert!(!ok);
    let file = "comuni/valfiorita/amministrazione-trasparente/pagamenti-dell-amministrazione/dati-sui-pagamenti/pagamenti.csv";
    assert!(
        err.contains(&format!(
            "{file}:{}:6: errore[E-ANAC-SCHEMA]: trimestre `7` non valido",
            lines - 1
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{file}:{}:", lines)) && err.contains("importo `zero` non valido"),
        "{err}"
    );
    assert!(
        err.contains("beneficiario `Mario Rossi` non valido"),
        "{err}"
    );
    assert!(
        err.contains("uffici.yaml:") && err.contains("tipologia `Ufficio qualunque` non valida"),
        "{err}"
    );
    assert!(
        err.contains("`bandi-di-concorsi` non è una sezione")
            && err.contains("forse intendevi: bandi-di-concorso"),
        "{err}"
    );
    // Nothing was written.
    assert_eq!(
        std::fs::read_dir(out.path())
            .map(|d| d.count())
            .unwrap_or(0),
        0
    );
}

#[test]
fn items_past_five_years_warn_and_the_switch_keeps_every_section() {
    let tmp = copy();
    let old = at_dir(tmp.path(), "valfiorita")
        .join("bilanci/bilancio-preventivo-e-consuntivo/rendiconto-2019.md");
    std::fs::write(
        &old,
        "---\ntitolo: \"Rendiconto 2019\"\npubblicato_il: 2020-05-10\n---\nTesto.\n",
    )
    .unwrap();
    let cfg = tmp.path().join("comuni/castelmarino/comune.yaml");
    let mut y = std::fs::read_to_string(&cfg).unwrap();
    y.push_str("trasparenza_tutte_le_sezioni: true\n");
    std::fs::write(&cfg, y).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(tmp.path(), out.path(), &[]);
    assert!(ok, "{err}");
    assert!(
        err.contains("rendiconto-2019.md:3:1: avviso[W-AT-SCADENZA]: pubblicato il 10/05/2020: l'obbligo di pubblicazione è terminato il 31/12/2025"),
        "{err}"
    );
    // Never removed silently.
    assert!(out
        .path()
        .join("valfiorita/amministrazione-trasparente/bilanci/bilancio-preventivo-e-consuntivo/rendiconto-2019/index.html")
        .is_file());
    let idx = page_at(out.path(), "castelmarino", "/amministrazione-trasparente/");
    let all: Vec<String> = select(&idx, "main .at-albero a").iter().map(text).collect();
    assert_eq!(all.len(), 83);
    assert!(all.contains(&"Strutture sanitarie private accreditate".to_string()));
}

/// A section with 120 items: three pages of 50, 50 and 20, newest first, each with its pager and
/// its own title; the first keeps the introduction, the check's grid still sees every item.
#[test]
fn long_sections_are_split_into_pages_of_fifty_items() {
    let tmp = copy();
    let rel = "provvedimenti/provvedimenti-dirigenti-amministrativi";
    let dir = at_dir(tmp.path(), "valfiorita").join(rel);
    std::fs::write(
        dir.join("_index.md"),
        "---\naggiornato_al: 2026-09-30\n---\nLe determinazioni dei responsabili di settore.\n",
    )
    .unwrap();
    let day =
        |n: i64| chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap() - chrono::Duration::days(n);
    for n in 0..120 {
        // Only the 110th newest has an attachment in a closed format: it lands on page 3.
        let allegato = if n == 109 {
            std::fs::write(dir.join("elenco.doc"), "x").unwrap();
            "allegati:\n  - titolo: \"Elenco\"\n    file: \"elenco.doc\"\n"
        } else {
            ""
        };
        std::fs::write(
            dir.join(format!("determinazione-{n:03}.md")),
            format!(
                "---\ntitolo: \"Determinazione n. {n}\"\npubblicato_il: {}\n{allegato}---\nTesto.\n",
                day(n)
            ),
        )
        .unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(tmp.path(), out.path(), &[]);
    assert!(ok, "{err}");
    let base = format!("/amministrazione-trasparente/{rel}/");
    let pages: Vec<scraper::Html> = ["".to_string(), "pagina/2/".into(), "pagina/3/".into()]
        .iter()
        .map(|p| page_at(out.path(), "valfiorita", &format!("{base}{p}")))
        .collect();
    assert!(!out
        .path()
        .join(format!("valfiorita{base}pagina/4"))
        .exists());
    let mut all = Vec::new();
    for (k, doc) in pages.iter().enumerate() {
        let n = k + 1;
        let cards: Vec<String> = select(doc, "main .card-teaser h3 a")
            .iter()
            .map(text)
            .collect();
        assert_eq!(cards.len(), [50, 50, 20][k], "page {n}");
        all.extend(cards);
        let title = text(&select(doc, "title")[0]);
        let want = if n == 1 {
            "Provvedimenti dirigenti amministrativi - Comune di Valfiorita".to_string()
        } else {
            format!(
                "Provvedimenti dirigenti amministrativi, pagina {n} di 3 - Comune di Valfiorita"
            )
        };
        assert_eq!(title, want);
        let heading = text(&select(doc, "main #contenuti")[0]);
        assert_eq!(heading, format!("Contenuti (pagina {n} di 3)"));
        let current: Vec<String> = select(doc, "main .pagination a[aria-current=page]")
            .iter()
            .map(|a| a.value().attr("href").unwrap().to_string())
            .collect();
        let here = if n == 1 {
            base.clone()
        } else {
            format!("{base}pagina/{n}/")
        };
        assert_eq!(current, [here]);
        let numbers: Vec<String> = select(doc, "main .pagination a")
            .iter()
            .map(text)
            .filter(|t| !t.starts_with("Pagina precedente") && !t.starts_with("Pagina successiva"))
            .collect();
        assert_eq!(numbers.len(), 3, "{numbers:?}");
        let intro = select(doc, "main .richtext-wrapper");
        assert_eq!(
            intro.len(),
            usize::from(n == 1),
            "the introduction only on the first page"
        );
        assert_eq!(select(doc, "main [data-element=at-aggiornamento]").len(), 1);
    }
    let want: Vec<String> = (0..120).map(|n| format!("Determinazione n. {n}")).collect();
    assert_eq!(all, want, "every item once, newest first across the pages");

    // The check's grid: the closed format on page 3 marks the section.
    let report = tmp.path().join("report");
    let o = std::process::Command::new(bin())
        .arg("check")
        .arg(tmp.path())
        .args([
            "--date",
            "2026-11-23",
            "--source-only",
            "--comune",
            "valfiorita",
            "--report",
        ])
        .arg(&report)
        .output()
        .unwrap();
    assert!(o.status.code().is_some_and(|c| c <= 1), "{o:?}");
    let doc = html(&report.join("valfiorita.html"));
    let rows: Vec<Vec<String>> = select(&doc, "tr")
        .iter()
        .map(|tr| {
            tr.select(&scraper::Selector::parse("td").unwrap())
                .map(|td| text(&td))
                .collect()
        })
        .filter(|r: &Vec<String>| {
            r.first()
                .is_some_and(|c| c.contains("Provvedimenti dirigenti"))
        })
        .collect();
    assert_eq!(
        rows.len(),
        1,
        "one row for the section, not one per page: {rows:?}"
    );
    assert_eq!(rows[0][5], "no", "{rows:?}");
}

// --- Albo pretorio --------------------------------------------------------------------------

/// Builds a copy with one extra atto on `date`; returns (out dir, stderr, success).
fn albo_build(atto: &str, date: &str) -> (tempfile::TempDir, String, bool) {
    let tmp = copy();
    std::fs::write(tmp.path().join("comuni/valfiorita/albo/2026-0008.md"), atto).unwrap();
    std::fs::write(
        tmp.path().join("comuni/valfiorita/albo/allegato-8.pdf"),
        b"%PDF-1.4 prova",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(bin())
        .arg("build")
        .arg(tmp.path())
        .arg("--out")
        .arg(out.path())
        .args(["--date", date])
        .output()
        .unwrap();
    (
        out,
        String::from_utf8_lossy(&o.stderr).into_owned(),
        o.status.success(),
    )
}

const ATTO_8: &str = "---\nnumero: 8\nanno: 2026\ntipo: \"Ordinanza\"\noggetto: \"Ordinanza di prova a cavallo dell'ora legale\"\npubblicazione: {dal: 2026-03-20}\nallegati:\n  - titolo: \"Testo\"\n    file: \"allegato-8.pdf\"\n---\n";

fn atto_8(out: &Path) -> PathBuf {
    out.join("valfiorita/albo-pretorio/2026-8/index.html")
}

#[test]
fn albo_window_is_fifteen_days_first_and_last_included_across_dst() {
    // 20 March + 14 days = 3 April; summer time starts on 29 March 2026.
    for (date, published) in [
        ("2026-03-19", false),
        ("2026-03-20", true),
        ("2026-03-29", true),
        ("2026-04-03", true),
        ("2026-04-04", false),
    ] {
        let (out, err, ok) = albo_build(ATTO_8, date);
        assert!(ok, "{date}: {err}");
        assert_eq!(atto_8(out.path()).is_file(), published, "{date}");
        assert_eq!(
            out.path()
                .join("valfiorita/albo-pretorio/2026-8/allegato-8.pdf")
                .is_file(),
            published,
            "{date}"
        );
        let list = html(&out.path().join("valfiorita/albo-pretorio/index.html"));
        let listed = select(&list, "main table a")
            .iter()
            .any(|a| text(a).contains("Ordinanza di prova"));
        assert_eq!(listed, published, "{date}");
        if published {
            let doc = html(&atto_8(out.path()));
            let t = text(&select(&doc, "main")[0]);
            assert!(
                t.contains("dal venerdì 20 marzo 2026 al venerdì 3 aprile 2026"),
                "{t}"
            );
            // SHA-256 of the attachment's bytes.
            assert!(t.contains("Impronta SHA-256:"), "{t}");
            let shown = select(&doc, "code.impronta")
                .iter()
                .map(text)
                .next()
                .unwrap();
            assert_eq!(shown, sha256_hex(b"%PDF-1.4 prova"));
            assert_eq!(
                select(&doc, "meta[name=robots][content=noindex]").len(),
                1,
                "albo pages are not indexed"
            );
        }
    }
}

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

#[test]
fn example_albo_on_the_reference_date() {
    for c in COMUNI {
        let albo = example_site().join(c).join("albo-pretorio");
        // 1 expired, 7 future: not written at all.
        assert!(!albo.join("2026-1").exists(), "{c}: expired atto written");
        assert!(!albo.join("2026-7").exists(), "{c}: future atto written");
        for n in [3, 4, 5, 6] {
            assert!(
                albo.join(format!("2026-{n}/index.html")).is_file(),
                "{c}: atto {n}"
            );
        }
        // 2 expired but archived: in the archive, without attachments.
        let arch = html(&albo.join("archivio/index.html"));
        let listed: Vec<String> = select(&arch, "main table a").iter().map(text).collect();
        assert_eq!(
            listed,
            ["Approvazione del piano triennale delle opere pubbliche"],
            "{c}"
        );
        let list = html(&albo.join("index.html"));
        let current: Vec<String> = select(&list, "main table tbody tr td:first-child")
            .iter()
            .map(text)
            .collect();
        assert_eq!(current.len(), 4, "{c}: {current:?}");
        assert!(!current.iter().any(|x| x.contains("n. 2/2026")));
        // 5 annulled: shown as annulled in the list and on its page.
        let row = select(&list, "main table tbody tr")
            .into_iter()
            .find(|tr| text(tr).contains("n. 5/2026"))
            .unwrap();
        assert!(text(&row).contains("Atto annullato il 21/11/2026"));
        let five = html(&albo.join("2026-5/index.html"));
        assert!(text(&select(&five, ".alert-danger")[0])
            .contains("Sostituita dall'ordinanza n. 6/2026"));
        // Albo pages stay out of the search index.
        let idx =
            std::fs::read_to_string(example_site().join(c).join("ricerca/indice.json")).unwrap();
        assert!(!idx.contains("/albo-pretorio/"));
    }
}

/// An archive of 120 atti (and the example's own): pages of 50 rows, newest first, the pager on
/// each, a caption that counts the rows of the page.
#[test]
fn the_albo_archive_is_split_into_pages_of_fifty_atti() {
    let tmp = copy();
    let albo = tmp.path().join("comuni/valfiorita/albo");
    for n in 0..120 {
        std::fs::write(
            albo.join(format!("2025-{:04}.md", n + 1)),
            format!(
                "---\nnumero: {}\nanno: 2025\ntipo: \"Determinazione\"\noggetto: \"Atto archiviato {}\"\n\
                 pubblicazione:\n  dal: 2025-03-01\n  al: 2025-03-15\narchivio: true\n---\n",
                n + 1,
                n + 1
            ),
        )
        .unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(tmp.path(), out.path(), &[]);
    assert!(ok, "{err}");
    let base = "/albo-pretorio/archivio/";
    let mut rows = Vec::new();
    let mut sizes = Vec::new();
    for n in 1..=3 {
        let path = if n == 1 {
            base.to_string()
        } else {
            format!("{base}pagina/{n}/")
        };
        let doc = page_at(out.path(), "valfiorita", &path);
        let here: Vec<String> = select(&doc, "main tbody tr td:nth-child(2) a")
            .iter()
            .map(text)
            .collect();
        sizes.push(here.len());
        let caption = text(&select(&doc, "main caption")[0]);
        assert_eq!(
            caption,
            format!(
                "Archivio dell'albo pretorio: {} atti, pagina {n} di 3",
                here.len()
            )
        );
        assert_eq!(
            select(&doc, "main .pagination a[aria-current=page]").len(),
            1
        );
        assert!(
            text(&select(&doc, "main")[0]).contains("hanno concluso il periodo di pubblicazione")
        );
        rows.extend(here);
    }
    assert!(!out
        .path()
        .join("valfiorita/albo-pretorio/archivio/pagina/4")
        .exists());
    assert_eq!(sizes[..2], [50, 50]);
    // The 2025 atti, newest (highest number) first, after the example's 2026 ones.
    let ours: Vec<&String> = rows
        .iter()
        .filter(|r| r.starts_with("Atto archiviato"))
        .collect();
    let want: Vec<String> = (1..=120)
        .rev()
        .map(|n| format!("Atto archiviato {n}"))
        .collect();
    assert_eq!(ours, want.iter().collect::<Vec<_>>());
    let example = page_at(example_site(), "valfiorita", base);
    let own = select(&example, "main tbody tr").len();
    assert!(own >= 1 && select(&example, "main .pagination").is_empty());
    assert_eq!(sizes[2], 20 + own, "120 atti and the example's own");
}

#[test]
fn duplicate_numbers_are_errors_and_gaps_are_warnings() {
    let dup = "---\nnumero: 3\nanno: 2026\ntipo: \"Avviso\"\noggetto: \"Doppione\"\npubblicazione: {dal: 2026-11-20}\n---\n";
    let (out, err, ok) = albo_build(dup, "2026-11-23");
    assert!(!ok, "{err}");
    assert!(
        err.contains("comuni/valfiorita/albo/2026-0008.md:2:1: errore[E-ALBO-NUMERO-DUPLICATO]")
            || err.contains(
                "comuni/valfiorita/albo/2026-0003.md:2:1: errore[E-ALBO-NUMERO-DUPLICATO]"
            ),
        "{err}"
    );
    assert!(
        err.contains("il numero 3/2026 del registro dell'albo è già usato"),
        "{err}"
    );
    assert!(
        !out.path().join("valfiorita").exists(),
        "nothing written on error"
    );

    let gap = "---\nnumero: 10\nanno: 2026\ntipo: \"Avviso\"\noggetto: \"Salto\"\npubblicazione: {dal: 2026-11-20}\n---\n";
    let (out, err, ok) = albo_build(gap, "2026-11-23");
    assert!(ok, "{err}");
    assert!(
        err.contains("2026-0008.md:2:1: avviso[W-ALBO-NUMERAZIONE]: registro dell'albo 2026: mancano i numeri da 8 a 9 prima del n. 10"),
        "{err}"
    );
    assert!(out
        .path()
        .join("valfiorita/albo-pretorio/2026-10/index.html")
        .is_file());
}
