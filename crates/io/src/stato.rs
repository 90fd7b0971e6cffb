//! What `civico io send` already did, in a SQLite file kept outside the repository: one row per
//! (comune, channel, recipient, publication). A row is written *before* a message is sent
//! (`in_corso`) and completed with IO's message id after (`inviato`), so a run killed between
//! the two never sends that message again: it is reported as uncertain instead. Recipients are
//! stored as the SHA-256 of their fiscal code, not the code.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

/// Identifies one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chiave<'a> {
    pub comune: &'a str,
    pub canale: &'a str,
    /// [`super::destinatari::Destinatario::impronta`].
    pub destinatario: &'a str,
    pub pubblicazione: &'a str,
}

impl<'a> Chiave<'a> {
    pub fn di(
        comune: &'a str,
        canale: civico_core::outbox::Canale,
        destinatario: &'a str,
        pubblicazione: &'a str,
    ) -> Chiave<'a> {
        Chiave {
            comune,
            canale: canale.nome(),
            destinatario,
            pubblicazione,
        }
    }
}

/// Where a message stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Esito {
    /// Recorded before sending; the run stopped before IO answered.
    InCorso,
    Inviato(String),
    /// IO refused it for good (400): the reason.
    Rifiutato(String),
}

pub struct RegistroInvii {
    db: Connection,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS invii (
    comune TEXT NOT NULL,
    canale TEXT NOT NULL,
    destinatario TEXT NOT NULL,
    pubblicazione TEXT NOT NULL,
    stato TEXT NOT NULL CHECK (stato IN ('in_corso', 'inviato', 'rifiutato')),
    id_messaggio TEXT,
    dettaglio TEXT,
    aggiornato TEXT NOT NULL,
    PRIMARY KEY (comune, canale, destinatario, pubblicazione)
) WITHOUT ROWID;
";

fn adesso() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl RegistroInvii {
    /// Opens (or creates) the database.
    pub fn apri(path: &Path) -> rusqlite::Result<RegistroInvii> {
        Ok(RegistroInvii {
            db: crate::sqlite::apri(path, SCHEMA)?,
        })
    }

    pub fn esito(&self, k: &Chiave<'_>) -> rusqlite::Result<Option<Esito>> {
        self.db
            .query_row(
                "SELECT stato, id_messaggio, dettaglio FROM invii
                 WHERE comune = ?1 AND canale = ?2 AND destinatario = ?3 AND pubblicazione = ?4",
                params![k.comune, k.canale, k.destinatario, k.pubblicazione],
                |r| {
                    let stato: String = r.get(0)?;
                    let id: Option<String> = r.get(1)?;
                    let dettaglio: Option<String> = r.get(2)?;
                    Ok(match stato.as_str() {
                        "inviato" => Esito::Inviato(id.unwrap_or_default()),
                        "rifiutato" => Esito::Rifiutato(dettaglio.unwrap_or_default()),
                        _ => Esito::InCorso,
                    })
                },
            )
            .optional()
    }

    /// Records that the message is about to be sent. False if it was already recorded (by
    /// this run or another one running at the same time): then it must not be sent.
    pub fn inizia(&self, k: &Chiave<'_>) -> rusqlite::Result<bool> {
        let n = self.db.execute(
            "INSERT OR IGNORE INTO invii (comune, canale, destinatario, pubblicazione, stato, aggiornato)
             VALUES (?1, ?2, ?3, ?4, 'in_corso', ?5)",
            params![k.comune, k.canale, k.destinatario, k.pubblicazione, adesso()],
        )?;
        Ok(n == 1)
    }

    pub fn inviato(&self, k: &Chiave<'_>, id: &str) -> rusqlite::Result<()> {
        self.completa(k, "inviato", Some(id), None)
    }

    pub fn rifiutato(&self, k: &Chiave<'_>, dettaglio: &str) -> rusqlite::Result<()> {
        self.completa(k, "rifiutato", None, Some(dettaglio))
    }

    /// Forgets a message recorded as in progress that was certainly not sent (IO was never
    /// reached, or refused the request before accepting it), so a later run sends it.
    pub fn annulla(&self, k: &Chiave<'_>) -> rusqlite::Result<()> {
        self.db.execute(
            "DELETE FROM invii WHERE comune = ?1 AND canale = ?2 AND destinatario = ?3
             AND pubblicazione = ?4 AND stato = 'in_corso'",
            params![k.comune, k.canale, k.destinatario, k.pubblicazione],
        )?;
        Ok(())
    }

    fn completa(
        &self,
        k: &Chiave<'_>,
        stato: &str,
        id: Option<&str>,
        dettaglio: Option<&str>,
    ) -> rusqlite::Result<()> {
        self.db.execute(
            "UPDATE invii SET stato = ?5, id_messaggio = ?6, dettaglio = ?7, aggiornato = ?8
             WHERE comune = ?1 AND canale = ?2 AND destinatario = ?3 AND pubblicazione = ?4",
            params![
                k.comune,
                k.canale,
                k.destinatario,
                k.pubblicazione,
                stato,
                id,
                dettaglio,
                adesso()
            ],
        )?;
        Ok(())
    }

    /// How many messages of `comune` were left uncertain by an interrupted run.
    pub fn incerti(&self, comune: &str) -> rusqlite::Result<usize> {
        self.db.query_row(
            "SELECT COUNT(*) FROM invii WHERE comune = ?1 AND stato = 'in_corso'",
            params![comune],
            |r| r.get::<_, i64>(0).map(|n| n as usize),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_recorded_once_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("io.sqlite");
        let k = Chiave {
            comune: "valfiorita",
            canale: "albo",
            destinatario: "abc",
            pubblicazione: "albo:albo/2026-7",
        };
        {
            let s = RegistroInvii::apri(&path).unwrap();
            assert_eq!(s.esito(&k).unwrap(), None);
            assert!(s.inizia(&k).unwrap());
            assert!(!s.inizia(&k).unwrap(), "a second start is refused");
            assert_eq!(s.esito(&k).unwrap(), Some(Esito::InCorso));
            assert_eq!(s.incerti("valfiorita").unwrap(), 1);
            s.inviato(&k, "01ARZ3NDEKTSV4RRFFQ69G5FAV").unwrap();
        }
        let s = RegistroInvii::apri(&path).unwrap();
        assert_eq!(
            s.esito(&k).unwrap(),
            Some(Esito::Inviato("01ARZ3NDEKTSV4RRFFQ69G5FAV".into()))
        );
        assert_eq!(s.incerti("valfiorita").unwrap(), 0);
        // Only rows still in progress can be withdrawn.
        s.annulla(&k).unwrap();
        assert!(s.esito(&k).unwrap().is_some());
    }
}
