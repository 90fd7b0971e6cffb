//! `civico costi` end to end on content-example and its `costi.yaml`: the JSON against figures
//! computed here from the budget's amounts (not by civico's code), the CSV as a spreadsheet
//! reads it, the printable page parsed, and a broken budget reported at its lines.

use std::process::Command;

use crate::common::*;

fn costi(args: &[&str]) -> (bool, String, String) {
    let o = Command::new(bin())
        .arg("costi")
        .arg(repo().join("content-example"))
        .arg("--budget")
        .arg(repo().join("content-example/costi.yaml"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Largest remainder, written for this test: shares of `total` by `weights`, summing to it.
fn shares(total: i128, weights: &[i128]) -> Vec<i128> {
    let sum: i128 = weights.iter().sum();
    let mut out: Vec<(i128, i128, usize)> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| (total * w / sum, total * w % sum, i))
        .collect();
    let mut left = total - out.iter().map(|x| x.0).sum::<i128>();
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by_key(|&i| (-out[i].1, i));
    for i in order {
        if left == 0 {
            break;
        }
        out[i].0 += 1;
        left -= 1;
    }
    out.into_iter().map(|x| x.0).collect()
}

#[test]
fn the_example_budget_shares_the_web_service_by_inhabitants() {
    let (ok, out, err) = costi(&["--format", "json"]);
    assert!(ok, "{err}");
    assert!(!err.contains("warning"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // The budget's amounts, in cents: the web service's direct costs, the other two services'
    // and the indirect costs.
    let web: i128 = 2_150_000 + 840_000 + 125_040 + 1_980_000;
    let (protocollo, rete): (i128, i128) = (1_460_000 + 620_000, 2_230_000);
    let indiretti: i128 = 940_000 + 310_000 + 115_025 + 1_230_000;
    let quota_web = shares(indiretti, &[web, protocollo, rete])[0];
    let totale = web + quota_web;
    assert_eq!(v["totale_cent"], totale as i64);
    // Six bimesters; Borgo San Fedele (412) joins on 1 March, Castelmarino (61,870) and
    // Valfiorita (10,214) are in all year.
    let bimestri = shares(totale, &[1; 6]);
    let mut attesi = [[0i128; 6]; 3];
    for (b, importo) in bimestri.iter().enumerate() {
        let borgo = if b == 0 { 0 } else { 412 };
        let parti = shares(*importo, &[61_870, 10_214, borgo]);
        for c in 0..3 {
            attesi[c][b] = parti[c];
        }
    }
    let comuni = v["comuni"].as_array().unwrap();
    let slugs: Vec<&str> = comuni.iter().map(|c| c["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["castelmarino", "valfiorita", "borgo-san-fedele"]);
    for (c, atteso) in comuni.iter().zip(attesi) {
        let b: Vec<i128> = c["bimestri"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap() as i128)
            .collect();
        assert_eq!(b, atteso, "{}", c["slug"]);
        assert_eq!(
            c["annuo_cent"].as_i64().unwrap() as i128,
            atteso.iter().sum::<i128>()
        );
    }
    assert_eq!(comuni[0]["abitanti"], 61_870);
    assert_eq!(comuni[1]["extra_cent"], 180_000, "Valfiorita's migration");
    assert_eq!(comuni[0]["extra_cent"], 0);
    let somma: i64 = comuni
        .iter()
        .map(|c| c["annuo_cent"].as_i64().unwrap())
        .sum();
    assert_eq!(somma as i128, totale, "to the cent");
}

#[test]
fn the_spreadsheet_and_the_printable_page() {
    let (ok, out, err) = costi(&["--format", "csv"]);
    assert!(ok, "{err}");
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(out.as_bytes());
    let head = r.headers().unwrap().clone();
    assert_eq!(&head[0], "Comune");
    assert!(
        head.iter()
            .any(|h| h.starts_with("marzo-aprile (scad. 01/03/2027)")),
        "{head:?}"
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4, "three comuni and the totals");
    assert_eq!(&rows[2][0], "Borgo San Fedele");
    assert_eq!(&rows[2][6], "0,00", "not in January-February");
    // Comma decimals, dots for thousands: the annual amounts add up to the total's.
    let cent = |s: &str| s.replace(['.', ','], "").parse::<i64>().unwrap();
    let somma: i64 = rows[..3].iter().map(|r| cent(&r[5])).sum();
    assert_eq!(somma, cent(&rows[3][5]));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("costi.html");
    let (ok, _, err) = costi(&["--format", "html", "-o", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(err.contains("prospetto 2027 scritto"), "{err}");
    let doc = html(&file);
    assert_eq!(select(&doc, "html[lang=it]").len(), 1);
    let righe: Vec<String> = select(&doc, "table:nth-of-type(2) tbody th[scope=row]")
        .iter()
        .map(text)
        .collect();
    assert_eq!(righe, ["Castelmarino", "Valfiorita", "Borgo San Fedele"]);
    assert!(text(&select(&doc, "tfoot")[0]).contains("100,00"));
    // A file that cannot be written: its path, then why.
    let missing = dir.path().join("manca/costi.html");
    let (ok, _, err) = costi(&["-o", missing.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "non riesco a scrivere {}: il file o la cartella non esiste",
            missing.display()
        )),
        "{err}"
    );
}

#[test]
fn a_broken_budget_is_reported_at_its_lines_and_computes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let budget = dir.path().join("costi.yaml");
    let text = std::fs::read_to_string(repo().join("content-example/costi.yaml")).unwrap();
    std::fs::write(
        &budget,
        text.replacen("comune: valfiorita", "comune: valfiorit", 1)
            .replace("servizio_web: web", "servizio_web: siti"),
    )
    .unwrap();
    let o = Command::new(bin())
        .arg("costi")
        .arg(repo().join("content-example"))
        .arg("--budget")
        .arg(&budget)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8_lossy(&o.stderr);
    let line = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert!(
        err.contains(&format!(
            "costi.yaml:{}:15: errore[E-COSTI-SERVIZIO]",
            line("servizio_web: web")
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "costi.yaml:{}:13: errore[E-COSTI-COMUNE]: `valfiorit` non è un comune della rete",
            line("comune: valfiorita")
        )),
        "{err}"
    );
    assert!(err.contains("forse intendevi `valfiorita`?"), "{err}");
    assert!(
        err.contains("l'attività extra è per `valfiorita`, che non aderisce"),
        "the extra of a comune that no longer adheres: {err}"
    );
    assert!(
        err.contains("ripartizione non calcolata: 3 errori da correggere"),
        "{err}"
    );
}
