//! The ANAC standard schemas that are mandatory since 22 January 2026 (delibera 495/2024, as
//! amended by 481/2025): art. 4-bis (Dati sui pagamenti), art. 13 (Articolazione degli uffici),
//! art. 31 (Controlli e rilievi sull'amministrazione).
//!
//! Editors keep the data beside the section's `_index.md`: `pagamenti.csv` (one payment per row,
//! `;` or `,` separated, as spreadsheets export it), `uffici.yaml` and `controlli.yaml`. Every row
//! and field is validated with file:line:col errors, all reported at once. The data becomes an
//! accessible HTML table on the section page and is published beside it as CSV and JSON (open
//! formats, art. 7), with the schema's header: codice fiscale and denominazione of the comune,
//! ambito, data di pubblicazione.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::content::fields::{Data, Spanned};
use civico_core::config::Comune;
use civico_core::diagnostics::{Diagnostic, Diagnostics};

/// A schema and where its data lives.
pub struct Schema {
    pub norma: &'static str,
    pub delibera: &'static str,
    /// Section slug whose folder holds the file.
    pub sezione: &'static str,
    pub file: &'static str,
    /// Base name of the published CSV and JSON.
    pub uscita: &'static str,
    pub titolo: &'static str,
}

pub const SCHEMI: [Schema; 3] = [
    Schema {
        norma: "art. 4-bis d.lgs. 33/2013",
        delibera: "delibera ANAC 495/2024, allegato 1 (mod. 481/2025)",
        sezione: "pagamenti-dell-amministrazione/dati-sui-pagamenti",
        file: "pagamenti.csv",
        uscita: "dati-sui-pagamenti",
        titolo: "Dati sui pagamenti",
    },
    Schema {
        norma: "art. 13 d.lgs. 33/2013",
        delibera: "delibera ANAC 495/2024, allegato 2",
        sezione: "organizzazione/articolazione-degli-uffici",
        file: "uffici.yaml",
        uscita: "articolazione-degli-uffici",
        titolo: "Articolazione degli uffici",
    },
    Schema {
        norma: "art. 31 d.lgs. 33/2013",
        delibera: "delibera ANAC 495/2024, allegato 3 (mod. 481/2025)",
        sezione: "controlli-e-rilievi-sull-amministrazione",
        file: "controlli.yaml",
        uscita: "controlli-e-rilievi",
        titolo: "Controlli e rilievi sull'amministrazione",
    },
];

/// The schema whose data sits in section `slug`, if any.
pub fn schema_of(slug: &str) -> Option<&'static Schema> {
    SCHEMI.iter().find(|s| s.sezione == slug)
}

/// The header every schema carries.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Intestazione {
    pub codice_fiscale_amministrazione: String,
    pub denominazione: String,
    pub ambito: String,
    /// GG/MM/AAAA, as the schema wants.
    pub data_pubblicazione: String,
}

/// A validated schema, ready to render and export.
#[derive(Debug, Clone, Serialize)]
pub struct Tabella {
    pub titolo: &'static str,
    pub norma: &'static str,
    pub delibera: &'static str,
    pub intestazione: Intestazione,
    pub colonne: Vec<&'static str>,
    pub righe: Vec<Vec<String>>,
    /// Base name of the CSV and JSON files published beside the page.
    pub uscita: &'static str,
}

impl Tabella {
    /// CSV with a header row; values as in the table.
    pub fn csv(&self) -> Vec<u8> {
        crate::outputs::opendata::csv(&self.colonne, &self.righe)
    }

    /// JSON: header, then one object per row keyed by column name.
    pub fn json(&self) -> Vec<u8> {
        #[derive(serde::Serialize)]
        struct Doc<'a, C: AsRef<str> + serde::Serialize, I: serde::Serialize> {
            schema: String,
            intestazione: &'a I,
            colonne: &'a [C],
            righe: crate::outputs::opendata::Oggetti<'a, C>,
        }
        let doc = Doc {
            schema: format!("{} ({})", self.norma, self.delibera),
            intestazione: &self.intestazione,
            colonne: &self.colonne,
            righe: crate::outputs::opendata::Oggetti {
                colonne: &self.colonne,
                righe: &self.righe,
            },
        };
        serde_json::to_vec_pretty(&doc).unwrap_or_default()
    }
}

/// Reads and validates the schema file of `schema` in `dir`, if present.
pub fn load(
    schema: &'static Schema,
    dir: &Path,
    shown_dir: &Path,
    comune: &Comune,
    data_pubblicazione: NaiveDate,
    diags: &Diagnostics,
) -> Option<Tabella> {
    let path = dir.join(schema.file);
    let text = std::fs::read_to_string(&path).ok()?;
    let shown = shown_dir.join(schema.file);
    let intestazione = Intestazione {
        codice_fiscale_amministrazione: comune.codice_fiscale.clone(),
        denominazione: format!("Comune di {}", comune.nome),
        ambito: "Soggetto tenuto all'obbligo di pubblicazione".into(),
        data_pubblicazione: data_pubblicazione.format("%d/%m/%Y").to_string(),
    };
    let (colonne, righe) = match schema.file {
        "pagamenti.csv" => pagamenti(&text, &shown, diags)?,
        "uffici.yaml" => uffici(&text, &shown, diags)?,
        _ => controlli(&text, &shown, diags)?,
    };
    Some(Tabella {
        titolo: schema.titolo,
        norma: schema.norma,
        delibera: schema.delibera,
        intestazione,
        colonne,
        righe,
        uscita: schema.uscita,
    })
}

/// Column names and rows of a validated schema file.
type Righe = (Vec<&'static str>, Vec<Vec<String>>);

// --- art. 4-bis: pagamenti.csv ------------------------------------------------------------

const COLONNE_PAGAMENTI: [&str; 6] = [
    "anno",
    "trimestre",
    "categoria",
    "tipologia",
    "importo",
    "beneficiario",
];

const TIPOLOGIE_CORRENTI: [&str; 5] = [
    "Acquisto di beni e di servizi",
    "Contributi in conto esercizio",
    "Interessi passivi",
    "Altre spese per attività finanziarie",
    "Altre spese correnti",
];

const TIPOLOGIE_CAPITALE: [&str; 5] = [
    "Investimenti in beni materiali",
    "Investimenti in beni immateriali",
    "Investimenti in attività finanziarie",
    "Contributi in conto capitale",
    "Altre spese in conto capitale",
];

const BENEFICIARI: [&str; 3] = [
    "Persona fisica",
    "Altro soggetto pubblico e privato",
    "Soggetto estero",
];

/// Finds `value` in `allowed` ignoring case and surrounding spaces; returns the canonical form.
fn one_of(value: &str, allowed: &[&'static str]) -> Option<&'static str> {
    let v = value.trim();
    allowed
        .iter()
        .copied()
        .find(|a| a.eq_ignore_ascii_case(v) || a.to_lowercase() == v.to_lowercase())
}

/// Parses an amount written as `1234.56`, `1234,56` or `1.234,56`; returns cents.
pub fn parse_importo(s: &str) -> Option<u64> {
    let s = s
        .trim()
        .trim_start_matches('€')
        .trim_end_matches('€')
        .trim();
    let normalised = if s.contains(',') {
        s.replace('.', "").replace(',', ".")
    } else {
        s.to_string()
    };
    let (int, dec) = normalised.split_once('.').unwrap_or((&normalised, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || dec.len() > 2
        || !dec.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let cents = format!("{dec:0<2}");
    int.parse::<u64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents.parse().ok()?)
}

/// Cents as `1234.56` (the exported value).
fn importo_str(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// An error at a line and column of a CSV file, with that line under it.
fn errore_csv(
    shown: &Path,
    lines: &[&str],
    (line, col): (usize, usize),
    msg: String,
    hint: &str,
) -> Diagnostic {
    let mut d = Diagnostic::error("E-ANAC-SCHEMA", shown, msg)
        .at(line, col)
        .hint(hint);
    if let Some(src) = lines.get(line.saturating_sub(1)) {
        d.source_line = Some((*src).to_string());
    }
    d
}

/// Where each column of the payments schema is in the file's first row; else the missing ones.
fn posizioni(header: &[String]) -> Result<Vec<usize>, Vec<&'static str>> {
    let mut index = Vec::new();
    let mut mancanti = Vec::new();
    for c in COLONNE_PAGAMENTI {
        match header.iter().position(|h| h == c) {
            Some(i) => index.push(i),
            None => mancanti.push(c),
        }
    }
    if mancanti.is_empty() {
        Ok(index)
    } else {
        Err(mancanti)
    }
}

fn pagamenti(text: &str, shown: &Path, diags: &Diagnostics) -> Option<Righe> {
    let first = text.lines().next().unwrap_or("");
    let delim = if first.contains(';') { b';' } else { b',' };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .from_reader(text.as_bytes());
    let lines: Vec<&str> = text.lines().collect();
    let err = |line: usize, col: usize, msg: String, hint: &str| {
        errore_csv(shown, &lines, (line, col), msg, hint)
    };
    let header: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|x| x.trim().to_lowercase()).collect(),
        Err(e) => {
            diags.push(err(
                1,
                1,
                format!("file CSV non leggibile: {e}"),
                "salva il foglio come CSV UTF-8",
            ));
            return None;
        }
    };
    let index = match posizioni(&header) {
        Ok(i) => i,
        Err(mancanti) => {
            for c in mancanti {
                diags.push(err(
                    1,
                    1,
                    format!("manca la colonna `{c}` nella prima riga"),
                    "la prima riga deve essere: anno;trimestre;categoria;tipologia;importo;beneficiario",
                ));
            }
            return None;
        }
    };
    let delim_char = delim as char;
    let mut righe = Vec::new();
    let mut errors = 0;
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(1, |p| p.line() as usize);
                diags.push(err(
                    line,
                    1,
                    format!("riga CSV non valida: {e}"),
                    "controlla virgolette e separatori",
                ));
                errors += 1;
                continue;
            }
        };
        let line = rec.position().map_or(1, |p| p.line() as usize);
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        // Column (in characters) where field `i` starts on the raw line, for the caret.
        let raw = lines.get(line - 1).copied().unwrap_or("");
        let col_of = |i: usize| -> usize {
            raw.split(delim_char)
                .take(i)
                .map(|f| f.chars().count() + 1)
                .sum::<usize>()
                + 1
        };
        let field = |k: usize| rec.get(index[k]).unwrap_or("").trim().to_string();
        let mut bad = |k: usize, msg: String, hint: &str| {
            diags.push(err(line, col_of(index[k]), msg, hint));
            errors += 1;
        };
        let anno = field(0);
        if !(anno.len() == 4
            && anno
                .parse::<u32>()
                .is_ok_and(|y| (2000..=2100).contains(&y)))
        {
            bad(
                0,
                format!("anno `{anno}` non valido"),
                "scrivi l'anno di riferimento con 4 cifre, per esempio 2026",
            );
        }
        let trimestre = field(1);
        if !matches!(trimestre.as_str(), "1" | "2" | "3" | "4") {
            bad(
                1,
                format!("trimestre `{trimestre}` non valido"),
                "il trimestre è un numero da 1 a 4",
            );
        }
        let categoria = field(2);
        let cat = one_of(&categoria, &["uscite correnti", "uscite in conto capitale"]);
        if cat.is_none() {
            bad(
                2,
                format!("categoria di spesa `{categoria}` non valida"),
                "scrivi `uscite correnti` oppure `uscite in conto capitale`",
            );
        }
        let tipologia = field(3);
        let allowed: &[&'static str] = match cat {
            Some("uscite correnti") => &TIPOLOGIE_CORRENTI,
            Some(_) => &TIPOLOGIE_CAPITALE,
            None => &[],
        };
        let tip = one_of(&tipologia, allowed);
        if cat.is_some() && tip.is_none() {
            let hint = format!(
                "per {} i valori ammessi sono: {}",
                cat.unwrap_or(""),
                allowed.join("; ")
            );
            bad(
                3,
                format!("tipologia di spesa `{tipologia}` non valida"),
                &hint,
            );
        }
        let importo = field(4);
        let cents = parse_importo(&importo).filter(|c| *c > 0);
        if cents.is_none() {
            bad(
                4,
                format!("importo `{importo}` non valido"),
                "scrivi un importo maggiore di zero, per esempio 1234,56",
            );
        }
        let beneficiario = field(5);
        let ben = one_of(&beneficiario, &BENEFICIARI);
        if ben.is_none() {
            bad(5, format!("beneficiario `{beneficiario}` non valido"), "scrivi `Persona fisica`, `Altro soggetto pubblico e privato` o `Soggetto estero` (non il nome: è un dato personale)");
        }
        if let (Some(c), Some(t), Some(i), Some(b)) = (cat, tip, cents, ben) {
            righe.push(vec![
                anno,
                trimestre,
                c.to_string(),
                t.to_string(),
                importo_str(i),
                b.to_string(),
            ]);
        }
    }
    (errors == 0).then_some((COLONNE_PAGAMENTI.to_vec(), righe))
}

// --- art. 13: uffici.yaml -------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Articolazione {
    anno: u32,
    #[serde(default)]
    organigramma: Option<Spanned<String>>,
    #[serde(default)]
    organi_indirizzo_politico: Vec<Organo>,
    #[serde(default)]
    organi_amministrazione: Vec<Organo>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Organo {
    denominazione: Spanned<String>,
    competenze: Spanned<String>,
    #[serde(default)]
    uffici: Vec<UfficioAnac>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UfficioAnac {
    tipologia: Spanned<String>,
    denominazione: Spanned<String>,
    competenze: Spanned<String>,
    responsabile: Spanned<String>,
    qualifica: Spanned<String>,
    #[serde(default)]
    telefono: Option<Spanned<String>>,
    #[serde(default)]
    email: Option<Spanned<String>>,
    #[serde(default)]
    pec: Option<Spanned<String>>,
}

const COLONNE_UFFICI: [&str; 12] = [
    "anno",
    "tipo organo",
    "organo",
    "competenze organo",
    "tipologia ufficio",
    "ufficio",
    "competenze ufficio",
    "responsabile",
    "qualifica",
    "telefono",
    "email",
    "pec",
];

fn is_email(s: &str) -> bool {
    let s = s.trim();
    let Some((user, domain)) = s.split_once('@') else {
        return false;
    };
    !user.is_empty()
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+_.-".contains(c))
        && domain.contains('.')
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
}

fn is_phone(s: &str) -> bool {
    let s = s.trim();
    (8..=20).contains(&s.chars().count())
        && s.chars().all(|c| c.is_ascii_digit() || "+ ()".contains(c))
}

/// Reads a YAML schema file into `T`, reporting a malformed file on `diags`.
fn parse_yaml<T: serde::de::DeserializeOwned>(
    text: &str,
    shown: &Path,
    diags: &Diagnostics,
) -> Option<T> {
    civico_core::yaml::parse(text, shown, 0, text)
        .map_err(|d| diags.push(d))
        .ok()
}

/// The errors of one YAML schema file, each at its field with the source line.
struct Errori<'a> {
    shown: &'a Path,
    text: &'a str,
    diags: &'a Diagnostics,
    n: usize,
}

impl<'a> Errori<'a> {
    fn new(shown: &'a Path, text: &'a str, diags: &'a Diagnostics) -> Errori<'a> {
        Errori {
            shown,
            text,
            diags,
            n: 0,
        }
    }

    fn at(&mut self, p: &Spanned<String>, msg: String, hint: impl Into<String>) {
        self.diags.push(
            Diagnostic::error("E-ANAC-SCHEMA", self.shown, msg)
                .at(p.line, p.col)
                .hint(hint)
                .with_source(self.text),
        );
        self.n += 1;
    }
}

fn uffici(text: &str, shown: &Path, diags: &Diagnostics) -> Option<Righe> {
    let a: Articolazione = parse_yaml(text, shown, diags)?;
    let mut bad = Errori::new(shown, text, diags);
    let long = |p: &Spanned<String>| p.value.chars().count() > 256;
    if let Some(o) = &a.organigramma {
        if !(o.value.starts_with("https://") || o.value.starts_with("http://")) {
            bad.at(
                o,
                format!("organigramma `{}` non è un indirizzo web", o.value),
                "scrivi l'URL completo dell'organigramma, https://...",
            );
        }
    }
    let mut righe = Vec::new();
    for (tipo, organi) in [
        ("Organo di indirizzo politico", &a.organi_indirizzo_politico),
        (
            "Organo di amministrazione e gestione",
            &a.organi_amministrazione,
        ),
    ] {
        for o in organi {
            for p in [&o.denominazione, &o.competenze] {
                if long(p) {
                    bad.at(
                        p,
                        "testo più lungo di 256 caratteri".into(),
                        "lo schema ANAC ammette al massimo 256 caratteri: riassumi",
                    );
                }
            }
            let base = vec![
                a.anno.to_string(),
                tipo.to_string(),
                o.denominazione.value.clone(),
                o.competenze.value.clone(),
            ];
            if o.uffici.is_empty() {
                let mut r = base.clone();
                r.extend(std::iter::repeat_n(String::new(), 8));
                righe.push(r);
            }
            for u in &o.uffici {
                let tipologia = one_of(
                    &u.tipologia.value,
                    &["Ufficio dirigenziale", "Ufficio non dirigenziale"],
                );
                if tipologia.is_none() {
                    bad.at(
                        &u.tipologia,
                        format!("tipologia `{}` non valida", u.tipologia.value),
                        "scrivi `Ufficio dirigenziale` oppure `Ufficio non dirigenziale`",
                    );
                }
                for p in [
                    &u.denominazione,
                    &u.competenze,
                    &u.responsabile,
                    &u.qualifica,
                ] {
                    if long(p) {
                        bad.at(
                            p,
                            "testo più lungo di 256 caratteri".into(),
                            "lo schema ANAC ammette al massimo 256 caratteri: riassumi",
                        );
                    }
                }
                if let Some(t) = &u.telefono {
                    if !is_phone(&t.value) {
                        bad.at(
                            t,
                            format!("telefono `{}` non valido", t.value),
                            "da 8 a 20 caratteri tra cifre, spazi, +, ( e )",
                        );
                    }
                }
                for e in [&u.email, &u.pec].into_iter().flatten() {
                    if !is_email(&e.value) {
                        bad.at(
                            e,
                            format!("indirizzo email `{}` non valido", e.value),
                            "scrivi un indirizzo come ufficio@comune.esempio.it",
                        );
                    }
                }
                let mut r = base.clone();
                r.extend([
                    tipologia.unwrap_or("").to_string(),
                    u.denominazione.value.clone(),
                    u.competenze.value.clone(),
                    u.responsabile.value.clone(),
                    u.qualifica.value.clone(),
                    u.telefono
                        .as_ref()
                        .map(|x| x.value.clone())
                        .unwrap_or_default(),
                    u.email
                        .as_ref()
                        .map(|x| x.value.clone())
                        .unwrap_or_default(),
                    u.pec.as_ref().map(|x| x.value.clone()).unwrap_or_default(),
                ]);
                righe.push(r);
            }
        }
    }
    if righe.is_empty() {
        diags.push(
            Diagnostic::error("E-ANAC-SCHEMA", shown, "nessun organo indicato")
                .hint("elenca almeno gli organi di indirizzo politico (sindaco, giunta, consiglio) in organi_indirizzo_politico"),
        );
        bad.n += 1;
    }
    (bad.n == 0).then_some((COLONNE_UFFICI.to_vec(), righe))
}

// --- art. 31: controlli.yaml ----------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Controlli {
    anno: u32,
    #[serde(default)]
    oiv: Vec<AttoControllo>,
    #[serde(default)]
    revisori: Vec<AttoControllo>,
    #[serde(default)]
    corte_dei_conti: Vec<Rilievo>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttoControllo {
    documento: Spanned<String>,
    data: Data,
    url: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rilievo {
    data: Data,
    oggetto: Spanned<String>,
    url: Spanned<String>,
}

const COLONNE_CONTROLLI: [&str; 5] = [
    "anno",
    "organismo",
    "documento",
    "data di pubblicazione",
    "url",
];

const DOCUMENTI_OIV: [&str; 3] = [
    "Documento di validazione della Relazione sulla performance",
    "Relazione sul funzionamento del sistema",
    "Altro atto",
];

const DOCUMENTI_REVISORI: [&str; 2] = [
    "Relazione al bilancio di previsione",
    "Relazione al rendiconto",
];

fn controlli(text: &str, shown: &Path, diags: &Diagnostics) -> Option<Righe> {
    let c: Controlli = parse_yaml(text, shown, diags)?;
    let mut bad = Errori::new(shown, text, diags);
    let mut righe = Vec::new();
    let url_ok = |u: &str| civico_core::href::Href::parse(u).is_ok_and(|h| h.is_web());
    for (organismo, atti, ammessi) in [
        ("OIV o struttura analoga", &c.oiv, &DOCUMENTI_OIV[..]),
        ("Organo di revisione", &c.revisori, &DOCUMENTI_REVISORI[..]),
    ] {
        for a in atti {
            let doc = one_of(&a.documento.value, ammessi);
            if doc.is_none() {
                bad.at(
                    &a.documento,
                    format!(
                        "documento `{}` non previsto dallo schema",
                        a.documento.value
                    ),
                    format!("valori ammessi: {}", ammessi.join("; ")),
                );
            }
            if !url_ok(&a.url.value) {
                bad.at(
                    &a.url,
                    format!("`{}` non è un indirizzo web", a.url.value),
                    "scrivi l'URL completo del documento, https://...",
                );
            }
            righe.push(vec![
                c.anno.to_string(),
                organismo.into(),
                doc.unwrap_or("").into(),
                a.data.0.format("%d/%m/%Y").to_string(),
                a.url.value.clone(),
            ]);
        }
    }
    for r in &c.corte_dei_conti {
        let oggetto = one_of(
            &r.oggetto.value,
            &["Organizzazione", "Attività", "Entrambe"],
        );
        if oggetto.is_none() {
            bad.at(
                &r.oggetto,
                format!("oggetto del rilievo `{}` non valido", r.oggetto.value),
                "scrivi `Organizzazione`, `Attività` o `Entrambe`",
            );
        }
        if !url_ok(&r.url.value) {
            bad.at(
                &r.url,
                format!("`{}` non è un indirizzo web", r.url.value),
                "scrivi l'URL completo del rilievo, https://...",
            );
        }
        righe.push(vec![
            c.anno.to_string(),
            "Corte dei conti".into(),
            format!("Rilievo ({})", oggetto.unwrap_or("")),
            r.data.0.format("%d/%m/%Y").to_string(),
            r.url.value.clone(),
        ]);
    }
    (bad.n == 0).then_some((COLONNE_CONTROLLI.to_vec(), righe))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (Option<Righe>, Vec<Diagnostic>) {
        let diags = Diagnostics::new();
        let r = pagamenti(text, Path::new("pagamenti.csv"), &diags);
        (r, diags.into_sorted())
    }

    #[test]
    fn amounts_in_italian_and_plain_notation() {
        assert_eq!(parse_importo("1234.56"), Some(123_456));
        assert_eq!(parse_importo("1.234,56"), Some(123_456));
        assert_eq!(parse_importo("1234,5"), Some(123_450));
        assert_eq!(parse_importo("€ 12"), Some(1200));
        assert_eq!(parse_importo("12,345"), None);
        assert_eq!(parse_importo("abc"), None);
    }

    #[test]
    fn valid_payments_are_normalised() {
        let csv = "anno;trimestre;categoria;tipologia;importo;beneficiario\n\
                   2026;1;Uscite correnti;acquisto di beni e di servizi;1.200,00;Altro soggetto pubblico e privato\n\
                   2026;2;uscite in conto capitale;Investimenti in beni materiali;35000;Altro soggetto pubblico e privato\n";
        let (r, d) = run(csv);
        assert!(d.is_empty(), "{d:?}");
        let (_, righe) = r.unwrap();
        assert_eq!(righe[0][2], "uscite correnti");
        assert_eq!(righe[0][3], "Acquisto di beni e di servizi");
        assert_eq!(righe[0][4], "1200.00");
        assert_eq!(righe[1][4], "35000.00");
    }

    #[test]
    fn every_bad_field_is_reported_with_line_and_column() {
        let csv = "anno,trimestre,categoria,tipologia,importo,beneficiario\n\
                   2026,5,uscite correnti,Acquisto di beni e di servizi,10,Persona fisica\n\
                   2026,1,uscite correnti,Investimenti in beni materiali,-3,Mario Rossi\n";
        let (r, d) = run(csv);
        assert!(r.is_none());
        let at: Vec<(usize, usize, &str)> = d
            .iter()
            .map(|x| (x.line, x.col, x.message.as_str()))
            .collect();
        assert_eq!(at.len(), 4, "{at:?}");
        assert_eq!((at[0].0, at[0].1), (2, 6), "{at:?}");
        assert!(at[0].2.contains("trimestre `5`"));
        assert_eq!(at[1].0, 3);
        assert!(at[1].2.contains("tipologia"));
        assert!(at.iter().any(|x| x.2.contains("importo `-3`")));
        assert!(at
            .iter()
            .any(|x| x.2.contains("beneficiario `Mario Rossi`")));
    }

    #[test]
    fn missing_columns_are_named() {
        let (r, d) = run("anno;trimestre;importo\n2026;1;10\n");
        assert!(r.is_none());
        assert_eq!(d.len(), 3);
        assert!(
            d[0].message.contains("`categoria`")
                || d.iter().any(|x| x.message.contains("`categoria`"))
        );
    }

    #[test]
    fn uffici_and_controlli_validate_fields() {
        let diags = Diagnostics::new();
        let y = "anno: 2026\norganigramma: https://x.it/org.pdf\norgani_indirizzo_politico:\n  - denominazione: Giunta comunale\n    competenze: Governo del comune\norgani_amministrazione:\n  - denominazione: Area amministrativa\n    competenze: Servizi demografici\n    uffici:\n      - tipologia: Ufficio non dirigenziale\n        denominazione: Anagrafe\n        competenze: Anagrafe e stato civile\n        responsabile: Anna Verdi\n        qualifica: Istruttore direttivo\n        telefono: \"0999 102201\"\n        email: anagrafe@x.it\n        pec: non-una-pec\n";
        let r = uffici(y, Path::new("uffici.yaml"), &diags);
        assert!(r.is_none());
        let d = diags.into_sorted();
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].line, 17);
        let diags = Diagnostics::new();
        let r = uffici(
            &y.replace("non-una-pec", "anagrafe@pec.x.it"),
            Path::new("uffici.yaml"),
            &diags,
        );
        let (_, righe) = r.unwrap();
        assert_eq!(righe.len(), 2);
        assert_eq!(righe[1][5], "Anagrafe");

        let diags = Diagnostics::new();
        let c = "anno: 2026\ncorte_dei_conti:\n  - data: 2026-05-02\n    oggetto: Bilancio\n    url: https://x.it/r.pdf\n";
        assert!(controlli(c, Path::new("controlli.yaml"), &diags).is_none());
        assert_eq!(diags.into_sorted()[0].line, 4);
    }
}
