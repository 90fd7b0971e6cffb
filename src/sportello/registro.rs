//! The register of appointments, in SQLite (one file, WAL). Every row is scoped by comune.
//!
//! No overbooking: a slot's capacity is enforced inside a `BEGIN IMMEDIATE` transaction by one
//! guarded statement (`UPDATE ... SET prenotati = prenotati + 1 WHERE ... AND prenotati <
//! capienza`, with a CHECK constraint as a second guard); the booking row is inserted only if
//! that statement changed a row. A count-then-insert overbooks under concurrency (measured in
//! ../shared/spec/cittadino-attivo.md §3.2). Cancelling frees the seat and keeps the record.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS slot (
    comune TEXT NOT NULL,
    sportello TEXT NOT NULL,
    inizio TEXT NOT NULL,
    capienza INTEGER NOT NULL,
    prenotati INTEGER NOT NULL DEFAULT 0 CHECK (prenotati >= 0 AND prenotati <= capienza),
    PRIMARY KEY (comune, sportello, inizio)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS prenotazione (
    codice TEXT PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    comune TEXT NOT NULL,
    sportello TEXT NOT NULL,
    inizio TEXT NOT NULL,
    email TEXT NOT NULL,
    stato TEXT NOT NULL CHECK (stato IN ('confermata', 'annullata')),
    creata TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS prenotazione_persona ON prenotazione (comune, sportello, email, stato);
";

/// Why a booking was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Rifiuto {
    /// The slot has no seat left.
    Pieno,
    /// The person already holds the maximum of active bookings at this office.
    Limite,
}

/// A confirmed booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prenotazione {
    /// Human-readable code, `AN-7K3Q9P`.
    pub codice: String,
    /// Unguessable token for the cancel/move link.
    pub token: String,
}

pub struct Registro {
    db: Connection,
}

/// `n` random characters of an unambiguous alphabet (no 0/O, 1/I).
fn casuale(n: usize) -> String {
    const ALFABETO: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut bytes = vec![0u8; n];
    // The operating system's generator; without it no token can be made safely.
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    bytes
        .iter()
        .map(|b| ALFABETO[usize::from(*b) % ALFABETO.len()] as char)
        .collect()
}

impl Registro {
    pub fn apri(path: &Path) -> rusqlite::Result<Registro> {
        Ok(Registro {
            db: crate::sqlite::apri(path, SCHEMA)?,
        })
    }

    /// Books a seat of the slot starting at `inizio` (already checked against the agenda).
    #[allow(clippy::too_many_arguments)]
    pub fn prenota(
        &mut self,
        comune: &str,
        sportello: &str,
        inizio: DateTime<Utc>,
        capienza: u32,
        email: &str,
        limite_per_persona: u32,
    ) -> rusqlite::Result<Result<Prenotazione, Rifiuto>> {
        let inizio = inizio.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let email = email.trim().to_lowercase();
        let tx = self
            .db
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let attive: u32 = tx.query_row(
            "SELECT COUNT(*) FROM prenotazione WHERE comune = ?1 AND sportello = ?2 AND email = ?3 AND stato = 'confermata'",
            params![comune, sportello, email],
            |r| r.get(0),
        )?;
        if attive >= limite_per_persona {
            return Ok(Err(Rifiuto::Limite));
        }
        tx.execute(
            "INSERT OR IGNORE INTO slot (comune, sportello, inizio, capienza) VALUES (?1, ?2, ?3, ?4)",
            params![comune, sportello, inizio, capienza],
        )?;
        let preso = tx.execute(
            "UPDATE slot SET prenotati = prenotati + 1
             WHERE comune = ?1 AND sportello = ?2 AND inizio = ?3 AND prenotati < capienza",
            params![comune, sportello, inizio],
        )?;
        if preso != 1 {
            return Ok(Err(Rifiuto::Pieno));
        }
        let p = Prenotazione {
            codice: format!(
                "{}-{}",
                &sportello.to_uppercase().chars().take(2).collect::<String>(),
                casuale(6)
            ),
            token: casuale(32),
        };
        tx.execute(
            "INSERT INTO prenotazione (codice, token, comune, sportello, inizio, email, stato, creata)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'confermata', ?7)",
            params![
                p.codice,
                p.token,
                comune,
                sportello,
                inizio,
                email,
                Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
            ],
        )?;
        tx.commit()?;
        Ok(Ok(p))
    }

    /// Cancels a booking by its token (of `comune` only): frees its seat, keeps the record.
    /// False if there is no such active booking.
    pub fn annulla(&mut self, comune: &str, token: &str) -> rusqlite::Result<bool> {
        let tx = self
            .db
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: Option<(String, String)> = tx
            .query_row(
                "SELECT sportello, inizio FROM prenotazione WHERE comune = ?1 AND token = ?2 AND stato = 'confermata'",
                params![comune, token],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((sportello, inizio)) = found else {
            return Ok(false);
        };
        tx.execute(
            "UPDATE prenotazione SET stato = 'annullata' WHERE comune = ?1 AND token = ?2",
            params![comune, token],
        )?;
        tx.execute(
            "UPDATE slot SET prenotati = prenotati - 1 WHERE comune = ?1 AND sportello = ?2 AND inizio = ?3",
            params![comune, sportello, inizio],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Seats taken in a slot.
    pub fn prenotati(
        &self,
        comune: &str,
        sportello: &str,
        inizio: DateTime<Utc>,
    ) -> rusqlite::Result<u32> {
        let inizio = inizio.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        self.db
            .query_row(
                "SELECT prenotati FROM slot WHERE comune = ?1 AND sportello = ?2 AND inizio = ?3",
                params![comune, sportello, inizio],
                |r| r.get(0),
            )
            .optional()
            .map(|x| x.unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> DateTime<Utc> {
        "2026-12-07T08:00:00Z".parse().unwrap()
    }

    #[test]
    fn fifty_concurrent_clients_on_a_slot_of_three_get_exactly_three() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sportello.sqlite");
        Registro::apri(&path).unwrap();
        let results: Vec<Result<Prenotazione, Rifiuto>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..50)
                .map(|i| {
                    let path = path.clone();
                    s.spawn(move || {
                        let mut r = Registro::apri(&path).unwrap();
                        r.prenota(
                            "valfiorita",
                            "anagrafe",
                            t(),
                            3,
                            &format!("p{i}@example.it"),
                            2,
                        )
                        .unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 3, "exactly the capacity");
        assert!(results
            .iter()
            .filter(|r| r.is_err())
            .all(|r| *r == Err(Rifiuto::Pieno)));
        let r = Registro::apri(&path).unwrap();
        assert_eq!(r.prenotati("valfiorita", "anagrafe", t()).unwrap(), 3);
        let codes: std::collections::HashSet<_> = results
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|p| p.codice.clone())
            .collect();
        assert_eq!(codes.len(), 3, "distinct codes");
    }

    #[test]
    fn cancel_frees_the_seat_limits_per_person_and_tenants_are_isolated() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = Registro::apri(&dir.path().join("s.sqlite")).unwrap();
        let a = r
            .prenota("valfiorita", "anagrafe", t(), 1, "Mario@Example.it", 1)
            .unwrap()
            .unwrap();
        assert_eq!(
            r.prenota("valfiorita", "anagrafe", t(), 1, "altra@example.it", 1)
                .unwrap(),
            Err(Rifiuto::Pieno)
        );
        // The same person (any case) cannot hold a second booking at this office.
        let later: DateTime<Utc> = "2026-12-07T09:00:00Z".parse().unwrap();
        assert_eq!(
            r.prenota("valfiorita", "anagrafe", later, 1, "mario@example.it", 1)
                .unwrap(),
            Err(Rifiuto::Limite)
        );
        // Another comune's office with the same name and time is another slot.
        assert!(r
            .prenota("castelmarino", "anagrafe", t(), 1, "mario@example.it", 1)
            .unwrap()
            .is_ok());
        // Another comune cannot cancel it with the token.
        assert!(!r.annulla("castelmarino", &a.token).unwrap());
        assert!(r.annulla("valfiorita", &a.token).unwrap());
        assert!(!r.annulla("valfiorita", &a.token).unwrap(), "only once");
        assert_eq!(r.prenotati("valfiorita", "anagrafe", t()).unwrap(), 0);
        assert!(r
            .prenota("valfiorita", "anagrafe", t(), 1, "altra@example.it", 1)
            .unwrap()
            .is_ok());
        assert_eq!(a.token.len(), 32);
    }
}
