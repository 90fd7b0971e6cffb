//! Citizens' logins in progress and their sessions, stored server-side. A login in progress is
//! bound to the browser that started it (a random cookie whose hash is stored with the
//! `state`) and can be finished once, within ten minutes. A session lives `sessione_minuti` of
//! inactivity (renewed at every request) and never more than eight hours; only the hash of its
//! cookie is stored.

use chrono::{DateTime, Duration, Utc};

use crate::db::{Conn, Esito};
use crate::identita::Cittadino;
use crate::params;
use crate::registro::{hash, ts};

/// The longest a session lasts, however active.
pub const MASSIMO_ORE: i64 = 8;
/// The time a citizen has at the gateway.
pub const ACCESSO_MINUTI: i64 = 10;

/// What the return from the gateway needs.
#[derive(Debug)]
pub struct AccessoInCorso {
    pub nonce: String,
    pub verificatore: String,
    pub dopo: String,
}

/// A login being started.
pub struct Nuovo<'a> {
    pub stato: &'a str,
    /// The random value of the browser's cookie.
    pub legame: &'a str,
    pub nonce: &'a str,
    pub verificatore: &'a str,
    /// Where in the area personale to go after the login (`istanze/mensa-scolastica`).
    pub dopo: &'a str,
}

/// Whether `dopo` can be a page of the area personale: letters, digits, `-` and `/`, no `..`.
pub fn dopo_valido(dopo: &str) -> bool {
    dopo.len() <= 120
        && !dopo.starts_with('/')
        && !dopo.contains("..")
        && dopo
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '/'))
}

/// Remembers a login, bound to the browser's `legame` cookie.
pub fn inizia(c: &mut Conn, comune: &str, n: &Nuovo<'_>, ora: DateTime<Utc>) -> Esito<()> {
    let dopo = if dopo_valido(n.dopo) { n.dopo } else { "" };
    c.esegui(
        "DELETE FROM accesso_cittadino WHERE scade < ?1",
        params![ts(ora)],
    )?;
    c.esegui(
        "INSERT INTO accesso_cittadino (stato, comune, legame, nonce, verificatore, dopo, scade) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![hash(n.stato), comune, hash(n.legame), n.nonce, n.verificatore, dopo, ts(ora + Duration::minutes(ACCESSO_MINUTI))],
    )?;
    Ok(())
}

/// Takes the login started with `stato` by this browser: once, in time, in this comune.
pub fn riprendi(
    c: &mut Conn,
    comune: &str,
    stato: &str,
    legame: &str,
    ora: DateTime<Utc>,
) -> Esito<Option<AccessoInCorso>> {
    let r = c.riga(
        "SELECT legame, nonce, verificatore, scade, dopo FROM accesso_cittadino WHERE stato = ?1 AND comune = ?2",
        params![hash(stato), comune],
    )?;
    let Some(r) = r else { return Ok(None) };
    // Taken or not, a state is used once.
    c.esegui(
        "DELETE FROM accesso_cittadino WHERE stato = ?1",
        params![hash(stato)],
    )?;
    let valido = r[0].testo() == hash(legame) && r[3].testo() > ts(ora).as_str();
    Ok(valido.then(|| AccessoInCorso {
        nonce: r[1].testo().into(),
        verificatore: r[2].testo().into(),
        dopo: r[4].testo().into(),
    }))
}

/// A citizen's session: who logged in, as the gateway said.
pub type Sessione = Cittadino;

/// Opens a session for `chi`: the cookie's value (stored hashed).
pub fn apri(
    c: &mut Conn,
    comune: &str,
    chi: &Cittadino,
    minuti: i64,
    ora: DateTime<Utc>,
) -> Esito<String> {
    let id = crate::registro::casuale(40);
    c.esegui(
        "DELETE FROM sessione_cittadino WHERE scade < ?1",
        params![ts(ora)],
    )?;
    c.esegui(
        "INSERT INTO sessione_cittadino (id, comune, codice_fiscale, nome, cognome, email, livello, id_token, creata, scade) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![hash(&id), comune, &chi.codice_fiscale, &chi.nome, &chi.cognome, chi.email.clone(), i64::from(chi.livello), &chi.id_token, ts(ora), ts(ora + Duration::minutes(minuti))],
    )?;
    Ok(id)
}

/// The session of cookie `id` in `comune`, renewed for `minuti` more (within the maximum).
pub fn sessione(
    c: &mut Conn,
    comune: &str,
    id: &str,
    minuti: i64,
    ora: DateTime<Utc>,
) -> Esito<Option<Sessione>> {
    let r = c.riga(
        "SELECT codice_fiscale, nome, cognome, email, livello, id_token, creata FROM sessione_cittadino WHERE id = ?1 AND comune = ?2 AND scade > ?3",
        params![hash(id), comune, ts(ora)],
    )?;
    let Some(r) = r else { return Ok(None) };
    let creata: DateTime<Utc> = r[6].testo().parse().unwrap_or(ora);
    let scade = (ora + Duration::minutes(minuti)).min(creata + Duration::hours(MASSIMO_ORE));
    c.esegui(
        "UPDATE sessione_cittadino SET scade = ?1 WHERE id = ?2",
        params![ts(scade), hash(id)],
    )?;
    Ok(Some(Sessione {
        codice_fiscale: r[0].testo().into(),
        nome: r[1].testo().into(),
        cognome: r[2].testo().into(),
        email: r[3].opzione().map(str::to_string),
        livello: u8::try_from(r[4].intero()).unwrap_or(0),
        id_token: r[5].testo().into(),
    }))
}

/// Ends a session.
pub fn chiudi(c: &mut Conn, comune: &str, id: &str) -> Esito<()> {
    c.esegui(
        "DELETE FROM sessione_cittadino WHERE id = ?1 AND comune = ?2",
        params![hash(id), comune],
    )?;
    Ok(())
}

/// Links a booking or a segnalazione made with a session to the citizen (their area personale
/// lists it). Run right after it was stored; a crash in between leaves it unlinked, never wrong.
pub fn collega(
    c: &mut Conn,
    tabella: Collegabile,
    comune: &str,
    codice: &str,
    codice_fiscale: &str,
) -> Esito<()> {
    let sql = match tabella {
        Collegabile::Prenotazione => {
            "UPDATE prenotazione SET codice_fiscale = ?3 WHERE comune = ?1 AND codice = ?2"
        }
        Collegabile::Segnalazione => {
            "UPDATE segnalazione SET codice_fiscale = ?3 WHERE comune = ?1 AND codice = ?2"
        }
    };
    c.esegui(sql, params![comune, codice, codice_fiscale])?;
    Ok(())
}

/// What a citizen's session can be linked to.
#[derive(Debug, Clone, Copy)]
pub enum Collegabile {
    Prenotazione,
    Segnalazione,
}

/// A booking of the citizen: (code, office id, start, state).
pub fn appuntamenti(
    c: &mut Conn,
    comune: &str,
    codice_fiscale: &str,
) -> Esito<Vec<(String, String, String, String)>> {
    c.quaterne(
        "SELECT codice, sportello, inizio, stato FROM prenotazione WHERE comune = ?1 AND codice_fiscale = ?2 ORDER BY inizio DESC LIMIT 20",
        params![comune, codice_fiscale],
    )
}

/// A segnalazione of the citizen: (code, title, state, made).
pub fn segnalazioni(
    c: &mut Conn,
    comune: &str,
    codice_fiscale: &str,
) -> Esito<Vec<(String, String, String, String)>> {
    c.quaterne(
        "SELECT codice, titolo, stato, creata FROM segnalazione WHERE comune = ?1 AND codice_fiscale = ?2 ORDER BY creata DESC LIMIT 20",
        params![comune, codice_fiscale],
    )
}
