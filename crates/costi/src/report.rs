//! The prospetto as people read it: a text table for the terminal, a CSV for the spreadsheet
//! (semicolons, comma decimals, no cell a spreadsheet would run), JSON for other programs and a
//! printable HTML page for the centre's administration, in Italian.

use civico_core::bilancio::Euro;
use civico_core::cella::cella;

use crate::Prospetto;

/// `1.234,56`.
fn euro(cent: i64) -> String {
    Euro(cent).to_string()
}

/// Text for the terminal.
pub fn testo(p: &Prospetto) -> String {
    let mut out = format!(
        "Ripartizione dei costi {} - {}\n\
         Costi diretti {} €, quota dei costi indiretti {} €, totale da ripartire {} €\n\n",
        p.anno,
        p.servizio,
        euro(p.diretti_cent),
        euro(p.indiretti_cent),
        euro(p.totale_cent)
    );
    out.push_str(&format!(
        "{:<28} {:>9} {:>8} {:>14} {:>12} {:>14}\n",
        "Comune", "Abitanti", "Quota %", "Annuo €", "Extra €", "Totale €"
    ));
    for c in &p.comuni {
        out.push_str(&format!(
            "{:<28} {:>9} {:>8} {:>14} {:>12} {:>14}\n",
            c.nome,
            c.abitanti,
            c.quota,
            euro(c.annuo_cent),
            euro(c.extra_cent),
            euro(c.totale_cent)
        ));
    }
    out.push_str(&format!(
        "{:<28} {:>9} {:>8} {:>14} {:>12} {:>14}\n\n",
        "Totale",
        p.comuni.iter().map(|c| c.abitanti).sum::<u64>(),
        "100,00",
        euro(p.totale_cent),
        euro(p.extra_cent),
        euro(p.fatturato_cent)
    ));
    out.push_str("Fatture bimestrali anticipate (scadenza il primo giorno del bimestre):\n");
    for (i, b) in p.bimestri.iter().enumerate() {
        let righe: Vec<String> = p
            .comuni
            .iter()
            .filter(|c| c.bimestri[i] > 0)
            .map(|c| format!("{} {} €", c.nome, euro(c.bimestri[i])))
            .collect();
        out.push_str(&format!(
            "  {} ({}): {}\n",
            b.nome,
            b.scadenza.format("%d/%m/%Y"),
            righe.join("; ")
        ));
    }
    out
}

/// CSV: one row per comune, the six bimesters in columns.
pub fn csv(p: &Prospetto) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let mut head: Vec<String> = [
        "Comune",
        "Codice",
        "Abitanti",
        "Abitanti al",
        "Quota %",
        "Annuo €",
    ]
    .map(String::from)
    .to_vec();
    head.extend(
        p.bimestri
            .iter()
            .map(|b| format!("{} (scad. {}) €", b.nome, b.scadenza.format("%d/%m/%Y"))),
    );
    head.extend(["Extra €", "Totale €"].map(String::from));
    let _ = w.write_record(&head);
    for c in &p.comuni {
        let mut row = vec![
            c.nome.clone(),
            c.slug.clone(),
            c.abitanti.to_string(),
            c.abitanti_al
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_default(),
            c.quota.clone(),
            euro(c.annuo_cent),
        ];
        row.extend(c.bimestri.iter().map(|b| euro(*b)));
        row.extend([euro(c.extra_cent), euro(c.totale_cent)]);
        let _ = w.write_record(row.iter().map(|s| cella(s).into_owned()));
    }
    let mut tot = vec![
        "Totale".to_string(),
        String::new(),
        String::new(),
        String::new(),
        "100,00".into(),
        euro(p.totale_cent),
    ];
    tot.extend(p.bimestri.iter().map(|b| euro(b.importo_cent)));
    tot.extend([euro(p.extra_cent), euro(p.fatturato_cent)]);
    let _ = w.write_record(&tot);
    w.into_inner().unwrap_or_default()
}

/// JSON: the prospetto as it is, amounts in cents.
pub fn json(p: &Prospetto) -> String {
    serde_json::to_string_pretty(p).unwrap_or_default() + "\n"
}

fn esc(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// A printable page for the centre's administration.
pub fn html(p: &Prospetto) -> String {
    let mut rows = String::new();
    for c in &p.comuni {
        let extra: Vec<String> = c
            .extra
            .iter()
            .map(|e| format!("{} ({} €)", esc(&e.descrizione), euro(e.importo_cent)))
            .collect();
        rows.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}<td>{}</td><td>{}</td></tr>\n",
            esc(&c.nome),
            c.abitanti,
            c.abitanti_al.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_else(|| "-".into()),
            c.quota,
            euro(c.annuo_cent),
            c.bimestri.iter().map(|b| format!("<td>{}</td>", euro(*b))).collect::<String>(),
            if extra.is_empty() { euro(0) } else { format!("{}<br><small>{}</small>", euro(c.extra_cent), extra.join("; ")) },
            euro(c.totale_cent),
        ));
    }
    let bimestri_head: String = p
        .bimestri
        .iter()
        .map(|b| {
            format!(
                "<th scope=\"col\">{}<br><small>scad. {}</small></th>",
                b.nome,
                b.scadenza.format("%d/%m/%Y")
            )
        })
        .collect();
    let bimestri_tot: String = p
        .bimestri
        .iter()
        .map(|b| format!("<td>{}</td>", euro(b.importo_cent)))
        .collect();
    let servizi: String = p
        .servizi
        .iter()
        .map(|s| {
            format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                esc(&s.nome),
                euro(s.diretti_cent),
                euro(s.indiretti_cent),
                euro(s.totale_cent)
            )
        })
        .collect();
    format!(
        r#"<!doctype html>
<html lang="it">
<head>
<meta charset="utf-8">
<title>Ripartizione dei costi {anno} - {servizio}</title>
<style>
body {{ font-family: "Titillium Web", Arial, sans-serif; margin: 2rem; color: #1a1a1a; }}
table {{ border-collapse: collapse; margin: 1rem 0 2rem; font-size: .9rem; }}
th, td {{ border: 1px solid #8a8a8a; padding: .3rem .5rem; text-align: right; vertical-align: top; }}
th[scope=row], thead th:first-child {{ text-align: left; }}
thead th {{ background: #e8edf3; }}
tfoot td, tfoot th {{ font-weight: bold; background: #f3f5f8; }}
@media print {{ body {{ margin: 0; }} @page {{ size: A4 landscape; margin: 1cm; }} }}
</style>
</head>
<body>
<h1>Ripartizione dei costi {anno}: {servizio}</h1>
<p>Costi diretti {diretti} €, quota dei costi indiretti {indiretti} €: totale da ripartire tra i comuni {totale} €, in proporzione agli abitanti, bimestre per bimestre tra i comuni che aderiscono. Le fatture sono bimestrali e anticipate, con scadenza il primo giorno del bimestre; le attività extra sono a carico del solo comune che le ha chieste. Importi in euro.</p>
<h2>Costi dei servizi del centro</h2>
<table>
<thead><tr><th scope="col">Servizio</th><th scope="col">Costi diretti</th><th scope="col">Costi indiretti</th><th scope="col">Totale</th></tr></thead>
<tbody>
{servizi}</tbody>
</table>
<h2>Quote dei comuni</h2>
<table>
<thead><tr><th scope="col">Comune</th><th scope="col">Abitanti</th><th scope="col">Abitanti al</th><th scope="col">Quota %</th><th scope="col">Annuo</th>{bimestri_head}<th scope="col">Extra</th><th scope="col">Totale</th></tr></thead>
<tbody>
{rows}</tbody>
<tfoot><tr><th scope="row">Totale</th><td>{abitanti}</td><td></td><td>100,00</td><td>{totale}</td>{bimestri_tot}<td>{extra}</td><td>{fatturato}</td></tr></tfoot>
</table>
</body>
</html>
"#,
        anno = p.anno,
        servizio = esc(&p.servizio),
        diretti = euro(p.diretti_cent),
        indiretti = euro(p.indiretti_cent),
        totale = euro(p.totale_cent),
        abitanti = p.comuni.iter().map(|c| c.abitanti).sum::<u64>(),
        extra = euro(p.extra_cent),
        fatturato = euro(p.fatturato_cent),
    )
}
