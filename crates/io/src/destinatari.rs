//! The recipients of IO messages: a CSV file kept outside the repository (for example the
//! residents who asked for it, or those who booked with SPID), with a `codice_fiscale` column
//! and optional `comune` (slug; empty = every comune) and `canali` (`notizie;albo`; empty =
//! every channel). Fiscal codes never appear in messages: rows are named by their line.

use std::collections::HashSet;
use std::path::Path;

use sha2::{Digest, Sha256};

use civico_core::diagnostics::Diagnostic;
use civico_core::outbox::Canale;

/// One recipient.
#[derive(Debug, Clone)]
pub struct Destinatario {
    /// Upper case, without the `TINIT-` prefix of SPID.
    pub codice_fiscale: String,
    /// Line of the file, to name the row in messages.
    pub riga: usize,
    comune: Option<String>,
    canali: Option<Vec<Canale>>,
}

impl Destinatario {
    /// What the state database keeps instead of the fiscal code: lowercase hex SHA-256 of the
    /// upper-case code, as IO's subscriptions feed does.
    pub fn impronta(&self) -> String {
        hex(&Sha256::digest(self.codice_fiscale.as_bytes()))
    }

    /// Whether this person asked for `canale` news of `comune`.
    pub fn vuole(&self, comune: &str, canale: Canale) -> bool {
        self.comune.as_deref().is_none_or(|c| c == comune)
            && self.canali.as_ref().is_none_or(|c| c.contains(&canale))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `cf` has the shape of a personal codice fiscale (IO's pattern, omocodia included).
pub fn codice_fiscale_valido(cf: &str) -> bool {
    const OMO: &str = "0123456789LMNPQRSTUV";
    let b = cf.as_bytes();
    let letter = |i: usize| b[i].is_ascii_uppercase();
    let digit = |i: usize| OMO.as_bytes().contains(&b[i]);
    b.len() == 16
        && (0..6).all(letter)
        && digit(6)
        && digit(7)
        && b"ABCDEHLMPRST".contains(&b[8])
        && digit(9)
        && digit(10)
        && letter(11)
        && (12..15).all(digit)
        && letter(15)
}

/// Reads the recipients. Bad rows are reported (by line, without the code) and skipped; a
/// code listed twice counts once.
pub fn leggi(path: &Path) -> Result<(Vec<Destinatario>, Vec<Diagnostic>), Diagnostic> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_path(path)
        .map_err(|e| {
            Diagnostic::error(
                "E-IO-DESTINATARI",
                path,
                format!("lettura non riuscita: {e}"),
            )
        })?;
    let headers = reader
        .headers()
        .map_err(|e| {
            Diagnostic::error(
                "E-IO-DESTINATARI",
                path,
                format!("intestazione non leggibile: {e}"),
            )
        })?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let Some(cf_col) = col("codice_fiscale") else {
        return Err(
            Diagnostic::error("E-IO-DESTINATARI", path, "manca la colonna codice_fiscale")
                .at(1, 1)
                .hint("la prima riga deve essere l'intestazione: codice_fiscale,comune,canali"),
        );
    };
    let (comune_col, canali_col) = (col("comune"), col("canali"));
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for (n, rec) in reader.records().enumerate() {
        let riga = n + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.push(
                    Diagnostic::error("E-IO-DESTINATARI", path, format!("riga non leggibile: {e}"))
                        .at(riga, 1),
                );
                continue;
            }
        };
        let raw = rec.get(cf_col).unwrap_or("").to_uppercase();
        let cf = raw.strip_prefix("TINIT-").unwrap_or(&raw).to_string();
        if !codice_fiscale_valido(&cf) {
            problems.push(
                Diagnostic::error(
                    "E-IO-CODICE-FISCALE",
                    path,
                    "il codice fiscale non ha la forma di un codice fiscale personale",
                )
                .at(riga, cf_col + 1)
                .hint("16 caratteri: 6 lettere, 2 cifre, 1 lettera, 2 cifre, 1 lettera, 3 cifre, 1 lettera"),
            );
            continue;
        }
        let comune = comune_col
            .and_then(|c| rec.get(c))
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let canali = match canali_col
            .and_then(|c| rec.get(c))
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(list) => {
                let mut v = Vec::new();
                for name in list.split([';', ',', ' ']).filter(|s| !s.is_empty()) {
                    match Canale::parse(name) {
                        Some(c) => v.push(c),
                        None => problems.push(
                            Diagnostic::error(
                                "E-IO-DESTINATARI",
                                path,
                                format!("canale `{name}` sconosciuto"),
                            )
                            .at(riga, canali_col.unwrap_or(0) + 1)
                            .hint("i canali sono: notizie, eventi, bandi, albo (separati da ;)"),
                        ),
                    }
                }
                Some(v)
            }
        };
        if !seen.insert((cf.clone(), comune.clone())) {
            continue;
        }
        out.push(Destinatario {
            codice_fiscale: cf,
            riga,
            comune,
            canali,
        });
    }
    Ok((out, problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fiscal_codes_are_checked_by_shape() {
        assert!(codice_fiscale_valido("RSSMRA85T10A562S"));
        // Omocodia: digits replaced by letters.
        assert!(codice_fiscale_valido("RSSMRA8RTLMA562S"));
        assert!(!codice_fiscale_valido("RSSMRA85T10A562"));
        assert!(!codice_fiscale_valido("rssmra85t10a562s"));
        assert!(!codice_fiscale_valido("12345678901"));
    }

    #[test]
    fn rows_are_read_filtered_and_never_echoed() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("d.csv");
        std::fs::write(
            &f,
            "codice_fiscale,comune,canali\nTINIT-rssmra85t10a562s,,\nBNCLRA90A41H501X,valfiorita,albo;notizie\nSBAGLIATO,,\nVRDGPP80A01F205X,,meteo\nRSSMRA85T10A562S,,\n",
        )
        .unwrap();
        let (list, problems) = leggi(&f).unwrap();
        assert_eq!(list.len(), 3, "{list:?}");
        assert_eq!(list[0].codice_fiscale, "RSSMRA85T10A562S");
        assert!(list[0].vuole("castelmarino", Canale::Eventi));
        assert!(list[1].vuole("valfiorita", Canale::Albo));
        assert!(!list[1].vuole("valfiorita", Canale::Eventi));
        assert!(!list[1].vuole("castelmarino", Canale::Albo));
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].line, 4);
        for p in &problems {
            assert!(!p.message.contains("SBAGLIATO") && !p.render().contains("SBAGLIATO"));
        }
        assert_eq!(list[0].impronta().len(), 64);
    }
}
