//! The answers of the feedback widget every page carries ("Quanto sono chiare le informazioni
//! su questa pagina?"): page, stars, the chosen answer, free text up to 200 characters, and the
//! day. Nothing else: no address, no time of day, no identity. Operators see per-page figures
//! in the back-office and export them as CSV; the jobs delete answers older than the comune's
//! retention.

use chrono::NaiveDate;
use serde::Deserialize;

use super::db::{Conn, Esito};
use crate::params;

/// The fixed answers of the widget (Modello Comuni): positive for 4-5 stars, negative below.
pub const POSITIVE: [&str; 5] = [
    "Le indicazioni erano chiare",
    "Le indicazioni erano complete",
    "Capivo sempre che stavo procedendo correttamente",
    "Non ho avuto problemi tecnici",
    "Altro",
];
pub const NEGATIVE: [&str; 5] = [
    "A volte le indicazioni non erano chiare",
    "A volte le indicazioni non erano complete",
    "A volte non capivo se stavo procedendo correttamente",
    "Ho avuto problemi tecnici",
    "Altro",
];

/// What the widget posts.
#[derive(Debug, Deserialize)]
pub struct Risposta {
    pub pagina: String,
    pub valutazione: i64,
    #[serde(default)]
    pub risposta: Option<String>,
    #[serde(default)]
    pub dettaglio: String,
}

/// Checks an answer; the Italian reason when it is not acceptable.
pub fn controlla(r: &Risposta) -> Result<(), &'static str> {
    if !r.pagina.starts_with('/') || r.pagina.len() > 300 || r.pagina.contains(char::is_control) {
        return Err("pagina non valida");
    }
    if !(1..=5).contains(&r.valutazione) {
        return Err("la valutazione va da 1 a 5 stelle");
    }
    if let Some(a) = &r.risposta {
        let ammesse = if r.valutazione > 3 {
            &POSITIVE
        } else {
            &NEGATIVE
        };
        if !ammesse.contains(&a.as_str()) {
            return Err("scegli una delle risposte proposte");
        }
    }
    if r.dettaglio.chars().count() > 200 {
        return Err("al massimo 200 caratteri");
    }
    Ok(())
}

/// Stores an answer of `comune` given on day `giorno`.
pub fn registra(c: &mut Conn, comune: &str, r: &Risposta, giorno: NaiveDate) -> Esito<()> {
    c.esegui(
        "INSERT INTO valutazione (comune, pagina, voto, risposta, testo, giorno) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            comune,
            &r.pagina,
            r.valutazione,
            r.risposta.clone(),
            r.dettaglio.trim(),
            giorno.to_string()
        ],
    )?;
    Ok(())
}

/// The figures of one page.
#[derive(Debug, Clone, PartialEq)]
pub struct PerPagina {
    pub pagina: String,
    pub risposte: i64,
    pub media: f64,
    /// Answers by number of stars, 1 to 5.
    pub stelle: [i64; 5],
    /// The chosen answers, most frequent first.
    pub motivi: Vec<(String, i64)>,
    /// The free texts, newest first.
    pub testi: Vec<(String, String)>,
}

/// Per-page figures of `comune` since `dal`, pages with the lowest mean first.
pub fn per_pagina(c: &mut Conn, comune: &str, dal: NaiveDate) -> Esito<Vec<PerPagina>> {
    let righe = c.righe(
        "SELECT pagina, voto, risposta, testo, giorno FROM valutazione WHERE comune = ?1 AND giorno >= ?2 ORDER BY pagina, giorno DESC",
        params![comune, dal.to_string()],
    )?;
    let mut out: Vec<PerPagina> = Vec::new();
    for r in righe {
        let pagina = r[0].testo();
        if out.last().is_none_or(|x| x.pagina != pagina) {
            out.push(PerPagina {
                pagina: pagina.to_string(),
                risposte: 0,
                media: 0.0,
                stelle: [0; 5],
                motivi: Vec::new(),
                testi: Vec::new(),
            });
        }
        let Some(x) = out.last_mut() else { continue };
        let voto = r[1].intero().clamp(1, 5);
        x.risposte += 1;
        x.stelle[(voto - 1) as usize] += 1;
        if let Some(m) = r[2].opzione() {
            match x.motivi.iter_mut().find(|(k, _)| k == m) {
                Some(e) => e.1 += 1,
                None => x.motivi.push((m.to_string(), 1)),
            }
        }
        if !r[3].testo().is_empty() {
            x.testi
                .push((r[4].testo().to_string(), r[3].testo().to_string()));
        }
    }
    for x in &mut out {
        let somma: i64 = x
            .stelle
            .iter()
            .enumerate()
            .map(|(i, n)| (i as i64 + 1) * n)
            .sum();
        x.media = somma as f64 / x.risposte.max(1) as f64;
        x.motivi.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    out.sort_by(|a, b| a.media.total_cmp(&b.media).then(a.pagina.cmp(&b.pagina)));
    Ok(out)
}

/// Every answer of `comune` since `dal`, for the CSV export: (day, page, stars, answer, text).
pub fn elenco(c: &mut Conn, comune: &str, dal: NaiveDate) -> Esito<Vec<[String; 5]>> {
    Ok(c
        .righe(
            "SELECT giorno, pagina, voto, risposta, testo FROM valutazione WHERE comune = ?1 AND giorno >= ?2 ORDER BY giorno, pagina",
            params![comune, dal.to_string()],
        )?
        .into_iter()
        .map(|r| {
            [
                r[0].testo().to_string(),
                r[1].testo().to_string(),
                r[2].intero().to_string(),
                r[3].opzione().unwrap_or("").to_string(),
                r[4].testo().to_string(),
            ]
        })
        .collect())
}

/// Deletes the answers of `comune` given before `prima_di`; how many.
pub fn purga(c: &mut Conn, comune: &str, prima_di: NaiveDate) -> Esito<u64> {
    c.esegui(
        "DELETE FROM valutazione WHERE comune = ?1 AND giorno < ?2",
        params![comune, prima_di.to_string()],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(v: i64, a: Option<&str>, t: &str) -> Risposta {
        Risposta {
            pagina: "/servizi/".into(),
            valutazione: v,
            risposta: a.map(str::to_string),
            dettaglio: t.into(),
        }
    }

    #[test]
    fn answers_are_checked_against_the_widget() {
        assert!(controlla(&r(5, Some("Le indicazioni erano chiare"), "")).is_ok());
        assert!(controlla(&r(2, Some("Ho avuto problemi tecnici"), "")).is_ok());
        // A positive answer with two stars, an invented one, six stars, a long text.
        assert!(controlla(&r(2, Some("Le indicazioni erano chiare"), "")).is_err());
        assert!(controlla(&r(5, Some("<script>"), "")).is_err());
        assert!(controlla(&r(6, None, "")).is_err());
        assert!(controlla(&r(4, None, &"x".repeat(201))).is_err());
        let mut x = r(4, None, "");
        x.pagina = "https://evil.example/".into();
        assert!(controlla(&x).is_err());
    }
}
