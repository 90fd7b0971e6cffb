//! The proof-of-work challenge (ALTCHA, with the official `altcha` crate) that a browser solves
//! before it may take a seat: self-hosted, no cookies, nothing sent to a third party. A
//! challenge is signed with the service's secret, expires after a few minutes and is accepted
//! once (its signature is recorded in the database until it expires, so a replay fails on
//! every process sharing the database).

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};

use super::db::Conn;
use super::registro::ts;
use crate::params;

/// How hard the challenge is and how it is signed.
#[derive(Clone)]
pub struct Sfide {
    segreto: String,
    /// PBKDF2 iterations per attempt.
    pub costo: u32,
    /// Hex prefix the derived key must start with: each hex digit multiplies the expected
    /// attempts by 16.
    pub prefisso: String,
    pub durata: Duration,
}

impl Sfide {
    pub fn new(segreto: String, costo: u32, prefisso: String) -> Sfide {
        Sfide {
            segreto,
            costo,
            prefisso,
            durata: Duration::minutes(10),
        }
    }

    /// A new challenge, as the widget expects it.
    pub fn crea(&self, ora: DateTime<Utc>) -> Result<serde_json::Value, String> {
        let c = altcha::create_challenge(altcha::CreateChallengeOptions {
            algorithm: "PBKDF2/SHA-256".into(),
            cost: self.costo,
            expires_at: Some((ora + self.durata).timestamp()),
            hmac_signature_secret: Some(self.segreto.clone()),
            key_prefix: self.prefisso.clone(),
            ..Default::default()
        })
        .map_err(|e| e.to_string())?;
        serde_json::to_value(c).map_err(|e| e.to_string())
    }

    /// Checks a solved challenge (the widget's base64 payload) and spends it. `Err` carries
    /// the Italian message for the citizen.
    pub fn verifica(&self, c: &mut Conn, payload: &str, ora: DateTime<Utc>) -> Result<(), String> {
        self.controlla(payload, ora)?.spendi(c)
    }

    /// Checks a solved challenge without spending it: spend it with `Soluzione::spendi` inside
    /// the transaction that does what it pays for, so that a request that fails or dies midway
    /// leaves it unspent for its retry.
    pub fn controlla(&self, payload: &str, ora: DateTime<Utc>) -> Result<Soluzione, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(payload.trim())
            .map_err(|_| NON_VALIDA.to_string())?;
        let p: altcha::Payload =
            serde_json::from_slice(&bytes).map_err(|_| NON_VALIDA.to_string())?;
        let esito = altcha::verify_solution(altcha::VerifySolutionOptions::new(
            &p.challenge,
            &p.solution,
            &self.segreto,
        ))
        .map_err(|_| NON_VALIDA.to_string())?;
        if esito.expired {
            return Err("la verifica anti-robot è scaduta: ricarica la pagina e riprova".into());
        }
        if !esito.verified {
            return Err(NON_VALIDA.into());
        }
        let firma = p.challenge.signature.unwrap_or_default();
        let scade = p
            .challenge
            .parameters
            .expires_at
            .and_then(|t| DateTime::from_timestamp(t, 0))
            .unwrap_or(ora + self.durata);
        Ok(Soluzione { firma, scade })
    }
}

const NON_VALIDA: &str = "verifica anti-robot non riuscita: ricarica la pagina e riprova";
/// The message of a challenge already spent.
pub const GIA_USATA: &str = "questa verifica anti-robot è già stata usata: ricarica la pagina";

/// A solved challenge, checked, not yet spent.
#[derive(Debug, Clone)]
pub struct Soluzione {
    firma: String,
    scade: DateTime<Utc>,
}

impl Soluzione {
    /// Spends the challenge (each is good once); `Err` when it was spent before.
    pub fn spendi(&self, c: &mut Conn) -> Result<(), String> {
        let nuova = c
            .esegui(
                "INSERT INTO sfida (firma, scade) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![&self.firma, ts(self.scade)],
            )
            .map_err(|_| NON_VALIDA.to_string())?;
        if nuova == 1 {
            Ok(())
        } else {
            Err(GIA_USATA.into())
        }
    }
}

/// Solves a challenge (for tests and command-line clients).
pub fn risolvi(sfida: &serde_json::Value) -> Option<String> {
    let c: altcha::Challenge = serde_json::from_value(sfida.clone()).ok()?;
    let s = altcha::solve_challenge(altcha::SolveChallengeOptions::new(&c)).ok()??;
    let p = altcha::Payload {
        challenge: c,
        solution: s,
    };
    Some(base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(&p).ok()?))
}

#[cfg(test)]
mod tests {
    use super::super::db::{Dove, Pool};
    use super::*;

    #[test]
    fn a_solved_challenge_is_accepted_once_and_a_forged_one_never() {
        let dir = tempfile::tempdir().unwrap();
        let pool = Pool::apri(
            Dove::Sqlite(dir.path().join("s.sqlite")),
            super::super::registro::MIGRAZIONI,
        )
        .unwrap();
        let mut c = pool.prendi().unwrap();
        let s = Sfide::new("segreto".into(), 1, "0".into());
        let ora = Utc::now();
        let sfida = s.crea(ora).unwrap();
        let payload = risolvi(&sfida).unwrap();
        assert_eq!(s.verifica(&mut c, &payload, ora), Ok(()));
        assert!(s
            .verifica(&mut c, &payload, ora)
            .unwrap_err()
            .contains("già stata usata"));
        // Signed with another secret: refused.
        let altra = Sfide::new("altro".into(), 1, "0".into());
        let p2 = risolvi(&altra.crea(ora).unwrap()).unwrap();
        assert!(s.verifica(&mut c, &p2, ora).is_err());
        // Not base64, not JSON: refused without a panic.
        assert!(s.verifica(&mut c, "%%%", ora).is_err());
        assert!(s.verifica(&mut c, "e30=", ora).is_err());
    }
}
