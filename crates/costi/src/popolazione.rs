//! The inhabitants of each comune: `abitanti` and `abitanti_al` in its comune.yaml, or ISTAT's
//! demographic balance as published (DemoISTAT's CSV: a title line or two, then a header with
//! the comune's code, its name and the resident population; `;` or `,` between fields; one row
//! per comune, or three with a `Sesso` column, of which the total counts).

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use civico_core::diagnostics::Diagnostic;

/// What ISTAT's file says: residents by ISTAT code (six digits), the line of each, and the day
/// the figures refer to when the file names it.
#[derive(Debug, Default)]
pub struct Istat {
    pub residenti: HashMap<String, (u64, usize)>,
    pub al: Option<NaiveDate>,
}

/// An ISTAT code as comune.yaml writes it: six digits (the file may drop leading zeros).
pub fn codice(c: &str) -> String {
    let c = c.trim().trim_matches('"');
    if !c.is_empty() && c.len() < 6 && c.bytes().all(|b| b.is_ascii_digit()) {
        format!("{c:0>6}")
    } else {
        c.to_string()
    }
}

/// Reads an ISTAT population file.
pub fn leggi(path: &Path) -> Result<Istat, Diagnostic> {
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::error(
            "E-POPOLAZIONE",
            path,
            format!(
                "non riesco a leggere il file: {}",
                civico_core::errore_io::descrivi(&e)
            ),
        )
        .hint("controlla il percorso dato a --popolazione")
    })?;
    // ISTAT's files are UTF-8, sometimes Latin-1: accept both.
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => e.into_bytes().iter().map(|&b| b as char).collect(),
    };
    leggi_testo(text.trim_start_matches('\u{feff}'), path)
}

fn leggi_testo(text: &str, path: &Path) -> Result<Istat, Diagnostic> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(h) = lines.iter().position(|l| {
        let l = l.to_lowercase();
        l.contains("codice") && (l.contains("comune") || l.contains("denominazione"))
    }) else {
        return Err(Diagnostic::error(
            "E-POPOLAZIONE",
            path,
            "non trovo l'intestazione con il codice del comune",
        )
        .hint("usa il file CSV del bilancio demografico di ISTAT (demo.istat.it): una riga con \"Codice comune\", \"Comune\" e la popolazione residente"));
    };
    let delimiter = if lines[h].matches(';').count() >= lines[h].matches(',').count() {
        b';'
    } else {
        b','
    };
    let body = lines[h..].join("\n");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().filter_map(Result::ok).collect();
    let header: Vec<String> = rows
        .first()
        .map(|r| r.iter().map(|c| c.trim().to_lowercase()).collect())
        .unwrap_or_default();
    let col = |pred: &dyn Fn(&str) -> bool| header.iter().position(|c| pred(c));
    let codice_col = col(&|c| c.contains("codice"));
    let residenti_col = col(&|c| c.contains("fine periodo")).or_else(|| {
        header
            .iter()
            .rposition(|c| c.contains("popolazione") || c.contains("residenti") || c == "totale")
    });
    let sesso_col = col(&|c| c.contains("sesso"));
    let (Some(cc), Some(rc)) = (codice_col, residenti_col) else {
        return Err(Diagnostic::error(
            "E-POPOLAZIONE",
            path,
            "non trovo le colonne del codice del comune e della popolazione residente",
        )
        .at(h + 1, 1)
        .hint("l'intestazione deve avere una colonna \"Codice comune\" e una \"Popolazione\" (o \"Residenti\")"));
    };
    let mut out = Istat {
        al: lines[..=h].iter().find_map(|l| data_in(l)),
        ..Istat::default()
    };
    for (i, r) in rows.iter().enumerate().skip(1) {
        let line = h + i + 1;
        if let Some(s) = sesso_col {
            let sesso = r.get(s).unwrap_or("").trim().to_lowercase();
            if !(sesso.starts_with("tot") || sesso == "t" || sesso.is_empty()) {
                continue;
            }
        }
        let (Some(c), Some(n)) = (r.get(cc), r.get(rc)) else {
            continue;
        };
        let digits: String = n
            .chars()
            .filter(|c| !matches!(c, '.' | ' ' | '\''))
            .collect();
        let Ok(n) = digits.parse::<u64>() else {
            continue;
        };
        out.residenti.insert(codice(c), (n, line));
    }
    Ok(out)
}

/// A day named in a title: "al 31 dicembre 2025", "31/12/2025" or "2025-12-31".
fn data_in(s: &str) -> Option<NaiveDate> {
    let words: Vec<String> = s
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '/' && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    for w in words.windows(3) {
        if let (Ok(g), Some(m), Ok(a)) = (
            w[0].parse::<u32>(),
            civico_core::date::MESI.iter().position(|m| *m == w[1]),
            w[2].parse::<i32>(),
        ) {
            if let Some(d) = NaiveDate::from_ymd_opt(a, m as u32 + 1, g) {
                return Some(d);
            }
        }
    }
    words.iter().find_map(|w| {
        NaiveDate::parse_from_str(w, "%d/%m/%Y")
            .or_else(|_| NaiveDate::parse_from_str(w, "%Y-%m-%d"))
            .ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_istat_demographic_balance() {
        let text = "\u{feff}Bilancio demografico - Anno 2025 - Popolazione al 31 dicembre 2025\n\
                    Codice comune;Comune;Sesso;Popolazione inizio periodo;Nati;Morti;Popolazione fine periodo\n\
                    1001;Agliè;Maschi;1.300;5;9;1.296\n\
                    1001;Agliè;Femmine;1.350;4;10;1.344\n\
                    1001;Agliè;Totale;2.650;9;19;2.640\n\
                    058091;Roma;Totale;2.750.000;1;1;2.755.309\n";
        let i = leggi_testo(text.trim_start_matches('\u{feff}'), Path::new("p.csv")).unwrap();
        assert_eq!(i.residenti["001001"], (2640, 5));
        assert_eq!(i.residenti["058091"].0, 2_755_309);
        assert_eq!(i.al, NaiveDate::from_ymd_opt(2025, 12, 31));
    }

    #[test]
    fn commas_and_plain_headers() {
        let text = "Codice,Denominazione,Residenti\n\"099001\",\"Valle\",412\n";
        let i = leggi_testo(text, Path::new("p.csv")).unwrap();
        assert_eq!(i.residenti["099001"], (412, 2));
        assert_eq!(i.al, None);
        let bad = leggi_testo("nome;abitanti\nx;1\n", Path::new("p.csv")).unwrap_err();
        assert_eq!(bad.code, "E-POPOLAZIONE");
    }
}
