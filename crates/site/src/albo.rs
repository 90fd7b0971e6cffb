//! The albo pretorio online (art. 32 L. 69/2009, art. 124 TUEL): which atti are published on the
//! build date, the integrity of the register, and the fingerprints of the attachments.
//!
//! An atto is published from `pubblicazione.dal` to `pubblicazione.al` inclusive, dates in the
//! comune's time zone; without `al`, for 15 consecutive days. Atti before or after their window
//! are removed from the content before the site is modelled, so neither their page nor their
//! attachments are written (no personal data stays online after the period, Garante 243/2014).
//! An expired atto marked `archivio: true` stays, listed in the archive, without attachments.

use std::collections::{BTreeMap, HashMap};

use chrono::{Days, NaiveDate};
use sha2::{Digest, Sha256};

use crate::content::kinds::{AttoAlbo, Meta};
use crate::content::ComuneContent;
use civico_core::diagnostics::{Diagnostic, Diagnostics};

/// Days of publication when `al` is omitted (art. 124 TUEL).
pub const GIORNI_DEFAULT: u64 = 15;

/// Where an atto stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatoAtto {
    /// Its window has not started: not published.
    Futuro,
    InPubblicazione,
    /// Window over, kept in the archive without attachments.
    Archivio,
    /// Window over: not published.
    Scaduto,
}

/// First and last day of publication.
pub fn finestra(a: &AttoAlbo) -> (NaiveDate, NaiveDate) {
    let dal = a.pubblicazione.dal.0;
    let al = a.pubblicazione.al.map(|d| d.0).unwrap_or_else(|| {
        dal.checked_add_days(Days::new(GIORNI_DEFAULT - 1))
            .unwrap_or(dal)
    });
    (dal, al)
}

pub fn stato(a: &AttoAlbo, today: NaiveDate) -> StatoAtto {
    let (dal, al) = finestra(a);
    if today < dal {
        StatoAtto::Futuro
    } else if today <= al {
        StatoAtto::InPubblicazione
    } else if a.archivio {
        StatoAtto::Archivio
    } else {
        StatoAtto::Scaduto
    }
}

/// SHA-256 of a file, lower-case hex.
pub fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Line and column of `key:` in the front matter (1:1 when absent), for diagnostics.
fn position_of(source: &str, key: &str) -> (usize, usize) {
    (civico_core::yaml::line_of(source, key).unwrap_or(1), 1)
}

/// Checks the register, then keeps only what is published on `today`: removes future and
/// expired atti, strips attachments from archived ones, and records each attachment's SHA-256.
pub fn apply(content: &mut ComuneContent, today: NaiveDate, diags: &Diagnostics) {
    let duplicates = check_register(content, diags);
    let root = content.comune.dir.clone();
    let mut index = 0;
    content.docs.retain_mut(|d| {
        let i = index;
        index += 1;
        let Meta::Albo(a) = &mut d.meta else {
            return true;
        };
        // A duplicate number is already an error; publishing it too would clash on its URL.
        if duplicates.contains(&i) {
            return false;
        }
        match stato(a, today) {
            StatoAtto::Futuro | StatoAtto::Scaduto => false,
            StatoAtto::Archivio => {
                a.allegati.clear();
                a.in_archivio = true;
                true
            }
            StatoAtto::InPubblicazione => {
                let (_, al) = finestra(a);
                a.fine_pubblicazione = Some(crate::content::fields::Data(al));
                let dir = d.path.parent().unwrap_or(&root).to_path_buf();
                let mut impronte = BTreeMap::new();
                for f in a.allegati.iter().filter_map(|x| x.file.as_ref()) {
                    // Missing or outside files are reported by the model with their position.
                    let path = dir.join(f.value.trim());
                    if civico_core::path::inside(&root, &path) {
                        if let Ok(bytes) = std::fs::read(&path) {
                            impronte.insert(f.value.clone(), sha256(&bytes));
                        }
                    }
                }
                a.impronte = impronte;
                true
            }
        }
    });
}

/// Numbers are per year: a duplicate is an error, a gap a warning. Returns the indexes of the
/// documents that repeat a number already used.
fn check_register(content: &ComuneContent, diags: &Diagnostics) -> Vec<usize> {
    let mut duplicates = Vec::new();
    let mut by_year: HashMap<u32, Vec<(u32, usize)>> = HashMap::new();
    for (i, d) in content.docs.iter().enumerate() {
        if let Meta::Albo(a) = &d.meta {
            by_year.entry(a.anno).or_default().push((a.numero, i));
        }
    }
    let mut years: Vec<_> = by_year.into_iter().collect();
    years.sort();
    for (anno, mut list) in years {
        list.sort();
        for w in list.windows(2) {
            let ((n1, i1), (n2, i2)) = (w[0], w[1]);
            if n1 == n2 {
                duplicates.push(i2);
                let d = &content.docs[i2];
                let (line, col) = position_of(&d.snippet_source(), "numero");
                diags.push(
                    Diagnostic::error(
                        "E-ALBO-NUMERO-DUPLICATO",
                        &d.shown,
                        format!(
                            "il numero {n2}/{anno} del registro dell'albo è già usato da {}",
                            content.docs[i1].shown.display()
                        ),
                    )
                    .at(line, col)
                    .hint("ogni atto ha un numero diverso nello stesso anno: correggi il numero di uno dei due")
                    .with_source(&d.snippet_source()),
                );
            } else if n2 > n1 + 1 {
                let d = &content.docs[i2];
                let (line, col) = position_of(&d.snippet_source(), "numero");
                let missing = if n2 == n1 + 2 {
                    format!("manca il numero {}", n1 + 1)
                } else {
                    format!("mancano i numeri da {} a {}", n1 + 1, n2 - 1)
                };
                diags.push(
                    Diagnostic::warning(
                        "W-ALBO-NUMERAZIONE",
                        &d.shown,
                        format!("registro dell'albo {anno}: {missing} prima del n. {n2}"),
                    )
                    .at(line, col)
                    .hint("il registro è progressivo: se l'atto esiste aggiungilo, se il numero è sbagliato correggilo"),
                );
            }
        }
    }
    duplicates
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::fields::Data;
    use crate::content::kinds::Periodo;

    fn atto(dal: &str, al: Option<&str>, archivio: bool) -> AttoAlbo {
        AttoAlbo {
            numero: 1,
            anno: 2026,
            tipo: "Determina".into(),
            oggetto: "x".into(),
            pubblicazione: Periodo {
                dal: Data(dal.parse().unwrap()),
                al: al.map(|s| Data(s.parse().unwrap())),
            },
            ente_mittente: None,
            allegati: Vec::new(),
            annullato: None,
            archivio,
            bozza: false,
            slug: None,
            impronte: BTreeMap::new(),
            in_archivio: false,
            fine_pubblicazione: None,
        }
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn fifteen_consecutive_days_by_default_first_and_last_included() {
        let a = atto("2026-03-20", None, false);
        assert_eq!(finestra(&a), (d("2026-03-20"), d("2026-04-03")));
        assert_eq!(stato(&a, d("2026-03-19")), StatoAtto::Futuro);
        assert_eq!(stato(&a, d("2026-03-20")), StatoAtto::InPubblicazione);
        // Across the change to summer time (29 March 2026): still calendar days.
        assert_eq!(stato(&a, d("2026-04-03")), StatoAtto::InPubblicazione);
        assert_eq!(stato(&a, d("2026-04-04")), StatoAtto::Scaduto);
    }

    #[test]
    fn explicit_end_and_archive() {
        let a = atto("2026-10-01", Some("2026-10-31"), true);
        assert_eq!(stato(&a, d("2026-10-31")), StatoAtto::InPubblicazione);
        assert_eq!(stato(&a, d("2026-11-01")), StatoAtto::Archivio);
    }

    #[test]
    fn sha256_of_known_input() {
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
