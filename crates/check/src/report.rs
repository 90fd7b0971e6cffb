//! `--report DIR`: one self-contained HTML page per comune for the responsabile della
//! trasparenza: scores, the Amministrazione trasparente grid (published, complete, up to date,
//! open format, as in the OIV attestation) and AGID's criteria with pass or fail.

use std::fmt::Write as _;
use std::path::Path;

use super::{ComuneReport, Report, Severity, CRITERI};
use civico_core::plurale;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn si_no(b: bool) -> &'static str {
    if b {
        "<td class=\"si\">sì</td>"
    } else {
        "<td class=\"no\">no</td>"
    }
}

/// The HTML of one comune's report.
pub fn page(r: &Report, c: &ComuneReport) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"it\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Verifica di conformità - Comune di {n}</title><style>\
body{{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}}\
table{{border-collapse:collapse;width:100%;margin:1rem 0}}th,td{{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}}\
th{{background:#f2f2f2}}.si{{color:#006b3c}}.no{{color:#b00020;font-weight:bold}}.errore{{color:#b00020}}.avviso{{color:#8a5300}}\
</style></head><body><h1>Verifica di conformità del sito del Comune di {n}</h1>\
<p>Verifica eseguita da civico {v} con data di riferimento {d}.</p>",
        n = esc(&c.nome),
        v = r.versione,
        d = r.data.format("%d/%m/%Y")
    );
    h.push_str("<h2>Sintesi</h2><ul>");
    for s in &c.scores {
        let _ = write!(h, "<li>{}: {} su {}</li>", s.area, s.ok, s.total);
    }
    let _ = write!(
        h,
        "<li>{}, {}</li></ul>",
        plurale::errori(c.count(Severity::Error)),
        plurale::avvisi(c.count(Severity::Warning))
    );

    h.push_str("<h2>Criteri AGID del Modello Comuni</h2><table><thead><tr><th scope=\"col\">Criterio</th><th scope=\"col\">Descrizione</th><th scope=\"col\">Esito</th></tr></thead><tbody>");
    for (id, name) in CRITERI {
        let failed = c
            .findings
            .iter()
            .any(|f| f.rule == id && f.severity == Severity::Error);
        let _ = write!(
            h,
            "<tr><td>{id}</td><td>{}</td>{}</tr>",
            esc(name),
            if failed {
                "<td class=\"no\">non superato</td>"
            } else {
                "<td class=\"si\">superato</td>"
            }
        );
    }
    h.push_str("</tbody></table>");

    if !c.griglia.is_empty() {
        h.push_str("<h2>Amministrazione trasparente</h2><p>Per ogni sotto-sezione: se è pubblicata (contenuti o dichiarazione), completa, aggiornata rispetto alla frequenza prevista e in formato aperto.</p>\
<table><thead><tr><th scope=\"col\">Sezione</th><th scope=\"col\">Stato</th><th scope=\"col\">Pubblicazione</th><th scope=\"col\">Completezza</th><th scope=\"col\">Aggiornamento</th><th scope=\"col\">Formato aperto</th><th scope=\"col\">Aggiornata al</th></tr></thead><tbody>");
        for g in &c.griglia {
            let title = if g.livello == 1 {
                format!("<strong>{}</strong>", esc(&g.titolo))
            } else {
                format!("&nbsp;&nbsp;{}", esc(&g.titolo))
            };
            let _ = write!(
                h,
                "<tr><td>{} {title}</td><td>{}</td>{}{}{}{}<td>{}</td></tr>",
                g.codice,
                g.stato.replace('_', " "),
                si_no(g.pubblicato),
                si_no(g.completo),
                si_no(g.aggiornato),
                si_no(g.formato_aperto),
                g.aggiornato_al
                    .map(|d| d.format("%d/%m/%Y").to_string())
                    .unwrap_or_default()
            );
        }
        h.push_str("</tbody></table>");
    }

    h.push_str("<h2>Problemi da risolvere</h2>");
    if c.findings.is_empty() {
        h.push_str("<p>Nessun problema trovato.</p>");
    } else {
        h.push_str("<table><thead><tr><th scope=\"col\">Gravità</th><th scope=\"col\">Regola</th><th scope=\"col\">Dove</th><th scope=\"col\">Cosa fare</th></tr></thead><tbody>");
        for f in &c.findings {
            let dove = match (&f.file, &f.page) {
                (Some(file), _) if f.line > 0 => format!("{file}, riga {}", f.line),
                (Some(file), _) => file.clone(),
                (None, Some(p)) => format!("pagina {p}"),
                _ => String::new(),
            };
            let _ = write!(
                h,
                "<tr><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                f.severity.label(),
                f.severity.label(),
                esc(&f.rule),
                esc(&dove),
                esc(&f.message)
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</body></html>\n");
    h
}

/// Writes `<dir>/<slug>.html` for every comune and an index.
pub fn write(r: &Report, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut index = String::from("<!DOCTYPE html><html lang=\"it\"><head><meta charset=\"utf-8\"><title>Verifiche di conformità</title></head><body><h1>Verifiche di conformità</h1><ul>");
    for c in &r.comuni {
        std::fs::write(dir.join(format!("{}.html", c.slug)), page(r, c))?;
        // The rules that fail, by name: what to work on first.
        let mut rules: Vec<&str> = c
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.rule.as_str())
            .collect();
        rules.sort_unstable();
        rules.dedup();
        let which = if rules.is_empty() {
            String::new()
        } else {
            format!(" ({})", esc(&rules.join(", ")))
        };
        let _ = write!(
            index,
            "<li><a href=\"{s}.html\">Comune di {n}</a>: {e}{which}, {w}</li>",
            s = esc(&c.slug),
            n = esc(&c.nome),
            e = plurale::errori(c.count(Severity::Error)),
            w = plurale::avvisi(c.count(Severity::Warning))
        );
    }
    index.push_str("</ul></body></html>\n");
    std::fs::write(dir.join("index.html"), index)
}
