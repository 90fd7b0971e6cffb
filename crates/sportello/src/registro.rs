//! The register of appointments: holds, bookings, cancellations, moves, reminders, the email
//! queue and retention, on SQLite or PostgreSQL (`db`). Every row and every query is scoped by
//! comune.
//!
//! No overbooking: a seat is taken by one guarded statement (`UPDATE slot SET occupati =
//! occupati + 1 WHERE ... AND occupati < capienza`, with a CHECK constraint as a second guard)
//! inside a writing transaction; what depends on it is written only if that statement changed
//! a row. A count-then-insert overbooks under concurrency on both databases (measured in
//! ../shared/spec/cittadino-attivo.md §3.2). A hold takes a seat for a few minutes; an expired
//! hold gives it back the next time anyone touches that slot (or when the jobs run). Every
//! message to the citizen is queued in the same transaction as the change it reports, so a
//! crash never loses one nor sends one for a change that did not happen. Tokens are stored
//! only as SHA-256 hashes.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::db::{Conn, DbErrore, Esito, Valore};
use crate::params;

/// The versioned schema: (SQLite, PostgreSQL) per version, applied in order at start.
pub const MIGRAZIONI: &[(&str, &str)] = &[
    // 1: slots, holds, bookings, idempotency keys, the mail queue, sessions, spent challenges.
    (
        "
CREATE TABLE slot (
    comune TEXT NOT NULL, sportello TEXT NOT NULL, inizio TEXT NOT NULL,
    capienza INTEGER NOT NULL,
    occupati INTEGER NOT NULL DEFAULT 0 CHECK (occupati >= 0 AND occupati <= capienza),
    PRIMARY KEY (comune, sportello, inizio));
CREATE TABLE trattenuta (
    token TEXT PRIMARY KEY, comune TEXT NOT NULL, sportello TEXT NOT NULL,
    inizio TEXT NOT NULL, scade TEXT NOT NULL);
CREATE INDEX trattenuta_slot ON trattenuta (comune, sportello, inizio, scade);
CREATE TABLE prenotazione (
    comune TEXT NOT NULL, codice TEXT NOT NULL, token TEXT NOT NULL UNIQUE,
    sportello TEXT NOT NULL, inizio TEXT NOT NULL, fine TEXT NOT NULL,
    nome TEXT NOT NULL, cognome TEXT NOT NULL, email TEXT NOT NULL,
    motivo TEXT, dettagli TEXT NOT NULL DEFAULT '',
    stato TEXT NOT NULL CHECK (stato IN ('confermata', 'annullata', 'svolta', 'assente')),
    creata TEXT NOT NULL, aggiornata TEXT NOT NULL, promemoria TEXT,
    PRIMARY KEY (comune, codice));
CREATE INDEX prenotazione_giorno ON prenotazione (comune, sportello, inizio);
CREATE INDEX prenotazione_persona ON prenotazione (comune, sportello, email, stato);
CREATE TABLE idempotenza (
    comune TEXT NOT NULL, chiave TEXT NOT NULL, risposta TEXT NOT NULL, creata TEXT NOT NULL,
    PRIMARY KEY (comune, chiave));
CREATE TABLE posta (
    id INTEGER PRIMARY KEY AUTOINCREMENT, comune TEXT NOT NULL, destinatario TEXT NOT NULL,
    oggetto TEXT NOT NULL, testo TEXT NOT NULL, ics TEXT, creata TEXT NOT NULL,
    tentativi INTEGER NOT NULL DEFAULT 0, prossimo TEXT NOT NULL);
CREATE TABLE sessione (
    id TEXT PRIMARY KEY, comune TEXT NOT NULL, utente TEXT NOT NULL, csrf TEXT NOT NULL,
    scade TEXT NOT NULL);
CREATE TABLE sfida (firma TEXT PRIMARY KEY, scade TEXT NOT NULL);
",
        "
CREATE TABLE slot (
    comune TEXT NOT NULL, sportello TEXT NOT NULL, inizio TEXT NOT NULL,
    capienza BIGINT NOT NULL,
    occupati BIGINT NOT NULL DEFAULT 0 CHECK (occupati >= 0 AND occupati <= capienza),
    PRIMARY KEY (comune, sportello, inizio));
CREATE TABLE trattenuta (
    token TEXT PRIMARY KEY, comune TEXT NOT NULL, sportello TEXT NOT NULL,
    inizio TEXT NOT NULL, scade TEXT NOT NULL);
CREATE INDEX trattenuta_slot ON trattenuta (comune, sportello, inizio, scade);
CREATE TABLE prenotazione (
    comune TEXT NOT NULL, codice TEXT NOT NULL, token TEXT NOT NULL UNIQUE,
    sportello TEXT NOT NULL, inizio TEXT NOT NULL, fine TEXT NOT NULL,
    nome TEXT NOT NULL, cognome TEXT NOT NULL, email TEXT NOT NULL,
    motivo TEXT, dettagli TEXT NOT NULL DEFAULT '',
    stato TEXT NOT NULL CHECK (stato IN ('confermata', 'annullata', 'svolta', 'assente')),
    creata TEXT NOT NULL, aggiornata TEXT NOT NULL, promemoria TEXT,
    PRIMARY KEY (comune, codice));
CREATE INDEX prenotazione_giorno ON prenotazione (comune, sportello, inizio);
CREATE INDEX prenotazione_persona ON prenotazione (comune, sportello, email, stato);
CREATE TABLE idempotenza (
    comune TEXT NOT NULL, chiave TEXT NOT NULL, risposta TEXT NOT NULL, creata TEXT NOT NULL,
    PRIMARY KEY (comune, chiave));
CREATE TABLE posta (
    id BIGSERIAL PRIMARY KEY, comune TEXT NOT NULL, destinatario TEXT NOT NULL,
    oggetto TEXT NOT NULL, testo TEXT NOT NULL, ics TEXT, creata TEXT NOT NULL,
    tentativi BIGINT NOT NULL DEFAULT 0, prossimo TEXT NOT NULL);
CREATE TABLE sessione (
    id TEXT PRIMARY KEY, comune TEXT NOT NULL, utente TEXT NOT NULL, csrf TEXT NOT NULL,
    scade TEXT NOT NULL);
CREATE TABLE sfida (firma TEXT PRIMARY KEY, scade TEXT NOT NULL);
",
    ),
    // 2: the answers of the feedback widget (no address, no time of day, no identity).
    (
        "
CREATE TABLE valutazione (
    id INTEGER PRIMARY KEY AUTOINCREMENT, comune TEXT NOT NULL, pagina TEXT NOT NULL,
    voto INTEGER NOT NULL CHECK (voto BETWEEN 1 AND 5), risposta TEXT,
    testo TEXT NOT NULL DEFAULT '', giorno TEXT NOT NULL);
CREATE INDEX valutazione_pagina ON valutazione (comune, pagina, giorno);
",
        "
CREATE TABLE valutazione (
    id BIGSERIAL PRIMARY KEY, comune TEXT NOT NULL, pagina TEXT NOT NULL,
    voto BIGINT NOT NULL CHECK (voto BETWEEN 1 AND 5), risposta TEXT,
    testo TEXT NOT NULL DEFAULT '', giorno TEXT NOT NULL);
CREATE INDEX valutazione_pagina ON valutazione (comune, pagina, giorno);
",
    ),
    // 3: richieste di assistenza.
    (ASSISTENZA, ASSISTENZA),
    // 4: segnalazioni di disservizio, their files and their history (the audit log).
    (SEGNALAZIONI, SEGNALAZIONI),
    // 5: idempotency keys are stored hashed and their answers encrypted: the rows written in
    // clear before go (they live one day anyway).
    ("DELETE FROM idempotenza;", "DELETE FROM idempotenza;"),
    // 6: citizens' logins and sessions (area personale), pratiche and their history.
    (crate::pratiche::SCHEMA, crate::pratiche::SCHEMA),
];

/// One text for both databases: SQLite reads BIGINT as an integer column.
const SEGNALAZIONI: &str = "
CREATE TABLE segnalazione (
    comune TEXT NOT NULL, codice TEXT NOT NULL, token TEXT NOT NULL UNIQUE,
    categoria TEXT NOT NULL, ufficio TEXT NOT NULL, titolo TEXT NOT NULL,
    dettagli TEXT NOT NULL, indirizzo TEXT NOT NULL, lat TEXT, lon TEXT,
    nome TEXT NOT NULL, cognome TEXT NOT NULL, email TEXT NOT NULL,
    telefono TEXT NOT NULL DEFAULT '',
    stato TEXT NOT NULL CHECK (stato IN
        ('nuova', 'presa_in_carico', 'in_lavorazione', 'risolta', 'chiusa', 'respinta')),
    pubblica BIGINT NOT NULL DEFAULT 0 CHECK (pubblica IN (0, 1)),
    creata TEXT NOT NULL, aggiornata TEXT NOT NULL, scadenza TEXT NOT NULL, risolta TEXT,
    PRIMARY KEY (comune, codice));
CREATE INDEX segnalazione_stato ON segnalazione (comune, stato, creata);
CREATE INDEX segnalazione_pubblica ON segnalazione (comune, pubblica, creata);
CREATE TABLE segnalazione_allegato (
    comune TEXT NOT NULL, codice TEXT NOT NULL, n BIGINT NOT NULL,
    nome TEXT NOT NULL, tipo TEXT NOT NULL, dati TEXT NOT NULL,
    PRIMARY KEY (comune, codice, n));
CREATE TABLE segnalazione_storia (
    comune TEXT NOT NULL, codice TEXT NOT NULL, n BIGINT NOT NULL, quando TEXT NOT NULL,
    chi TEXT NOT NULL, azione TEXT NOT NULL, stato TEXT NOT NULL,
    messaggio TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (comune, codice, n));
";

const ASSISTENZA: &str = "
CREATE TABLE assistenza (
    comune TEXT NOT NULL, codice TEXT NOT NULL, nome TEXT NOT NULL, cognome TEXT NOT NULL,
    email TEXT NOT NULL, categoria TEXT NOT NULL, servizio TEXT NOT NULL,
    descrizione TEXT NOT NULL, stato TEXT NOT NULL CHECK (stato IN ('nuova', 'chiusa')),
    creata TEXT NOT NULL, PRIMARY KEY (comune, codice));
CREATE INDEX assistenza_creata ON assistenza (comune, creata);
";

/// Why a request was refused (the transaction is rolled back).
#[derive(Debug, PartialEq, Eq)]
pub enum Rifiuto {
    /// The slot has no seat left.
    Pieno,
    /// The person already holds the maximum of upcoming bookings at this office.
    Limite,
    /// The hold expired (or never existed): the seat may be gone.
    TrattenutaScaduta,
    /// No active booking with this token in this comune.
    Inesistente,
    /// Too close to the appointment to cancel or move it online.
    Tardi,
    /// The anti-robot challenge was spent before, by another request.
    SfidaUsata,
}

/// A refusal or a database failure.
#[derive(Debug)]
pub enum Fallito {
    Rifiuto(Rifiuto),
    Db(DbErrore),
}

impl From<DbErrore> for Fallito {
    fn from(e: DbErrore) -> Self {
        Fallito::Db(e)
    }
}
impl From<Rifiuto> for Fallito {
    fn from(r: Rifiuto) -> Self {
        Fallito::Rifiuto(r)
    }
}

/// One slot of one office of one comune.
#[derive(Debug, Clone)]
pub struct Posto {
    pub comune: String,
    pub sportello: String,
    pub inizio: DateTime<Utc>,
    pub fine: DateTime<Utc>,
    pub capienza: u32,
}

/// What the citizen writes.
#[derive(Debug, Clone, Default)]
pub struct Dati {
    pub nome: String,
    pub cognome: String,
    pub email: String,
    pub motivo: Option<String>,
    pub dettagli: String,
}

/// A booking as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prenotazione {
    pub comune: String,
    /// Human-readable code, `AN-7K3Q-9PXM`.
    pub codice: String,
    /// The cancel/move token: only right after it was made (the register keeps its hash).
    pub token: String,
    pub sportello: String,
    pub inizio: DateTime<Utc>,
    pub fine: DateTime<Utc>,
    pub nome: String,
    pub cognome: String,
    pub email: String,
    pub motivo: Option<String>,
    pub dettagli: String,
    pub stato: String,
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub destinatario: String,
    pub oggetto: String,
    pub testo: String,
    /// An iCalendar attachment.
    pub ics: Option<String>,
    /// Other attachments (the ricevuta of a pratica, its files, Segnatura.xml).
    pub allegati: Vec<AllegatoEmail>,
}

/// A file attached to a message, kept in the queue as base64.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AllegatoEmail {
    pub nome: String,
    /// Its MIME type (`application/pdf`).
    pub tipo: String,
    pub base64: String,
}

/// How a booking gets its seat.
pub enum Origine<'a> {
    /// A hold taken earlier (its token).
    Trattenuta(&'a str),
    /// Directly, in the same transaction.
    Diretta(&'a Posto),
}

pub fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A stored instant's day in words, in `tz` (`lunedì 4 gennaio 2027`); empty when unreadable.
pub fn giorno_lungo(t: &str, tz: chrono_tz::Tz) -> String {
    t.parse::<DateTime<Utc>>()
        .map(|d| civico_core::date::data_lunga(d.with_timezone(&tz).date_naive()))
        .unwrap_or_default()
}

/// A stored instant's day and time in words, in `tz` (`sabato 5 dicembre 2026, 22:31`).
pub fn quando_lungo(t: &str, tz: chrono_tz::Tz) -> String {
    t.parse::<DateTime<Utc>>()
        .map(|d| data_ora(d, tz))
        .unwrap_or_default()
}

/// An instant's day and time in words, in `tz`.
pub fn data_ora(t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    let l = t.with_timezone(&tz);
    format!(
        "{}, {}",
        civico_core::date::data_lunga(l.date_naive()),
        l.format("%H:%M")
    )
}

fn da_ts(s: &str) -> DateTime<Utc> {
    s.parse().unwrap_or_default()
}

/// `n` random characters of an unambiguous alphabet (no 0/O, 1/I).
pub fn casuale(n: usize) -> String {
    const ALFABETO: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut bytes = vec![0u8; n];
    // The operating system's generator; without it no token can be made safely.
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    bytes
        .iter()
        .map(|b| ALFABETO[usize::from(*b) % ALFABETO.len()] as char)
        .collect()
}

/// The stored form of a token.
pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn codice(sportello: &str) -> String {
    let prefisso: String = sportello
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(2)
        .collect::<String>()
        .to_uppercase();
    codice_leggibile(&prefisso)
}

/// A code a person can read out on the phone: `prefisso-XXXX-XXXX` of the unambiguous
/// alphabet of `casuale` (bookings `AN-…`, richieste `AS-…`, segnalazioni `SE-…`).
pub fn codice_leggibile(prefisso: &str) -> String {
    let c = casuale(8);
    format!("{prefisso}-{}-{}", &c[..4], &c[4..])
}

const CAMPI: &str =
    "comune, codice, sportello, inizio, fine, nome, cognome, email, motivo, dettagli, stato";

fn prenotazione(r: &[Valore]) -> Prenotazione {
    Prenotazione {
        comune: r[0].testo().into(),
        codice: r[1].testo().into(),
        token: String::new(),
        sportello: r[2].testo().into(),
        inizio: da_ts(r[3].testo()),
        fine: da_ts(r[4].testo()),
        nome: r[5].testo().into(),
        cognome: r[6].testo().into(),
        email: r[7].testo().into(),
        motivo: r[8].opzione().map(str::to_string),
        dettagli: r[9].testo().into(),
        stato: r[10].testo().into(),
    }
}

/// Gives back the seats of the expired holds of one slot.
fn libera_scadute(
    c: &mut Conn,
    comune: &str,
    sportello: &str,
    inizio: &str,
    ora: DateTime<Utc>,
) -> Esito<()> {
    // DELETE ... RETURNING: two transactions never both count the same expired hold.
    let n = c
        .righe(
            "DELETE FROM trattenuta WHERE comune = ?1 AND sportello = ?2 AND inizio = ?3 AND scade <= ?4 RETURNING token",
            params![comune, sportello, inizio, ts(ora)],
        )?
        .len() as i64;
    if n > 0 {
        c.esegui(
            "UPDATE slot SET occupati = occupati - ?4 WHERE comune = ?1 AND sportello = ?2 AND inizio = ?3",
            params![comune, sportello, inizio, n],
        )?;
    }
    Ok(())
}

/// Takes a seat of `posto`, or refuses with `Pieno`.
fn prendi_posto(c: &mut Conn, posto: &Posto, ora: DateTime<Utc>) -> Result<(), Fallito> {
    let inizio = ts(posto.inizio);
    libera_scadute(c, &posto.comune, &posto.sportello, &inizio, ora)?;
    c.esegui(
        "INSERT INTO slot (comune, sportello, inizio, capienza) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        params![&posto.comune, &posto.sportello, &inizio, posto.capienza],
    )?;
    // The capacity may have changed in sportello.yaml since the row was made.
    c.esegui(
        "UPDATE slot SET capienza = ?4 WHERE comune = ?1 AND sportello = ?2 AND inizio = ?3 AND occupati <= ?4",
        params![&posto.comune, &posto.sportello, &inizio, posto.capienza],
    )?;
    let preso = c.esegui(
        "UPDATE slot SET occupati = occupati + 1 WHERE comune = ?1 AND sportello = ?2 AND inizio = ?3 AND occupati < capienza",
        params![&posto.comune, &posto.sportello, &inizio],
    )?;
    if preso == 1 {
        Ok(())
    } else {
        Err(Rifiuto::Pieno.into())
    }
}

fn lascia_posto(c: &mut Conn, comune: &str, sportello: &str, inizio: &str) -> Esito<()> {
    c.esegui(
        "UPDATE slot SET occupati = occupati - 1 WHERE comune = ?1 AND sportello = ?2 AND inizio = ?3 AND occupati > 0",
        params![comune, sportello, inizio],
    )?;
    Ok(())
}

/// Queues a message (inside the caller's transaction).
pub fn accoda(c: &mut Conn, comune: &str, e: &Email, ora: DateTime<Utc>) -> Esito<()> {
    c.esegui(
        "INSERT INTO posta (comune, destinatario, oggetto, testo, ics, creata, prossimo, allegati) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
        params![comune, &e.destinatario, &e.oggetto, &e.testo, e.ics.clone(), ts(ora), (!e.allegati.is_empty()).then(|| serde_json::to_string(&e.allegati).unwrap_or_default())],
    )?;
    Ok(())
}

/// Holds a seat of `posto` for `minuti`; the hold's token.
pub fn trattieni(
    c: &mut Conn,
    posto: &Posto,
    minuti: i64,
    ora: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), Fallito> {
    c.transazione(|c| {
        prendi_posto(c, posto, ora)?;
        let token = casuale(32);
        let scade = ora + Duration::minutes(minuti);
        c.esegui(
            "INSERT INTO trattenuta (token, comune, sportello, inizio, scade) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![hash(&token), &posto.comune, &posto.sportello, ts(posto.inizio), ts(scade)],
        )?;
        Ok((token, scade))
    })
}

/// What a successful booking answers and sends: built by the caller from the booking.
pub struct Composto {
    pub risposta: String,
    pub email: Option<Email>,
}

/// The outcome of a booking request.
#[derive(Debug)]
pub enum Prenotato {
    /// Booked now: the booking (with its token) and the response to give.
    Nuova(Box<Prenotazione>, String),
    /// The idempotency key was seen before: its first response.
    Ripetuta(String),
}

/// Books. With `chiave`, a repeated request gets the first response and books nothing more.
/// `fine_di` gives the end of the slot for a hold (the office's duration).
#[allow(clippy::too_many_arguments)]
pub fn prenota(
    c: &mut Conn,
    comune: &str,
    origine: Origine<'_>,
    dati: &Dati,
    limite_per_persona: u32,
    chiave: Option<&str>,
    ora: DateTime<Utc>,
    fine_di: impl Fn(&str, DateTime<Utc>) -> Option<DateTime<Utc>>,
    componi: impl FnOnce(&Prenotazione) -> Composto,
    sfida: Option<&super::sfida::Soluzione>,
) -> Result<Prenotato, Fallito> {
    c.transazione(|c| {
        if let Some(k) = chiave {
            if let Some(prima) = riserva_chiave(c, comune, k, ora)? {
                return Ok(Prenotato::Ripetuta(prima));
            }
        }
        // Spent with the booking: a request that fails or dies midway leaves it to its retry.
        if let Some(sf) = sfida {
            sf.spendi(c).map_err(|_| Rifiuto::SfidaUsata)?;
        }
        let (sportello, inizio, fine) = match origine {
            Origine::Diretta(posto) => {
                prendi_posto(c, posto, ora)?;
                (posto.sportello.clone(), posto.inizio, posto.fine)
            }
            Origine::Trattenuta(token) => {
                let r = c
                    .riga(
                        "DELETE FROM trattenuta WHERE token = ?1 AND comune = ?2 AND scade > ?3 RETURNING sportello, inizio",
                        params![hash(token), comune, ts(ora)],
                    )?
                    .ok_or(Rifiuto::TrattenutaScaduta)?;
                let inizio = da_ts(r[1].testo());
                let fine = fine_di(r[0].testo(), inizio).ok_or(Rifiuto::TrattenutaScaduta)?;
                (r[0].testo().to_string(), inizio, fine)
            }
        };
        let email = dati.email.trim().to_lowercase();
        // `nome+tag@` is the same mailbox as `nome@`: one person, one limit.
        let (persona, con_tag) = persona_email(&email);
        c.advisory_lock(&format!("persona:{comune}:{sportello}:{persona}"))?;
        let attive = c
            .riga(
                "SELECT COUNT(*) FROM prenotazione WHERE comune = ?1 AND sportello = ?2 AND (email = ?3 OR email LIKE ?5 ESCAPE '!') AND stato = 'confermata' AND inizio > ?4",
                params![comune, &sportello, &persona, ts(ora), con_tag],
            )?
            .map_or(0, |r| r[0].intero());
        if attive >= i64::from(limite_per_persona) {
            return Err(Rifiuto::Limite.into());
        }
        let mut p = Prenotazione {
            comune: comune.to_string(),
            codice: codice(&sportello),
            token: casuale(32),
            sportello,
            inizio,
            fine,
            nome: dati.nome.trim().to_string(),
            cognome: dati.cognome.trim().to_string(),
            email,
            motivo: dati.motivo.clone(),
            dettagli: dati.dettagli.trim().to_string(),
            stato: "confermata".into(),
        };
        c.esegui(
            "INSERT INTO prenotazione (comune, codice, token, sportello, inizio, fine, nome, cognome, email, motivo, dettagli, stato, creata, aggiornata)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'confermata', ?12, ?12)",
            params![
                comune, &p.codice, hash(&p.token), &p.sportello, ts(p.inizio), ts(p.fine),
                &p.nome, &p.cognome, &p.email, p.motivo.clone(), &p.dettagli, ts(ora)
            ],
        )?;
        let composto = componi(&p);
        if let Some(e) = &composto.email {
            accoda(c, comune, e, ora)?;
        }
        if let Some(k) = chiave {
            rispondi(c, comune, k, &composto.risposta)?;
        }
        p.stato = "confermata".into();
        Ok(Prenotato::Nuova(Box::new(p), composto.risposta))
    })
}

/// The mailbox of an address without its `+tag` (`anna+x@a.it` is `anna@a.it`), and the LIKE
/// pattern (escape `!`) of its tagged forms.
pub fn persona_email(email: &str) -> (String, String) {
    let (locale, dominio) = email.rsplit_once('@').unwrap_or((email, ""));
    let base = locale.split('+').next().unwrap_or(locale);
    let esc = |s: &str| s.replace('!', "!!").replace('%', "!%").replace('_', "!_");
    (
        format!("{base}@{dominio}"),
        format!("{}+%@{}", esc(base), esc(dominio)),
    )
}

/// Reserves an idempotency key inside the caller's transaction. `None`: the key is new and
/// the caller answers the request, then records the answer with `rispondi` (if the
/// transaction rolls back, so does the key). `Some`: the first answer (empty while that
/// request is still in progress). A concurrent request with the same key waits on the key's
/// row until the first commits.
///
/// The key is stored as a hash and the answer encrypted with a key derived from it (see
/// `cifra`): a copy of the database holds neither the tokens the answers carry nor the means to
/// read them; only a client that still has its idempotency key can.
pub fn riserva_chiave(
    c: &mut Conn,
    comune: &str,
    chiave: &str,
    ora: DateTime<Utc>,
) -> Esito<Option<String>> {
    let nuova = c.esegui(
        "INSERT INTO idempotenza (comune, chiave, risposta, creata) VALUES (?1, ?2, '', ?3) ON CONFLICT DO NOTHING",
        params![comune, chiave_salvata(comune, chiave), ts(ora)],
    )?;
    if nuova == 1 {
        return Ok(None);
    }
    let r = c.riga(
        "SELECT risposta FROM idempotenza WHERE comune = ?1 AND chiave = ?2",
        params![comune, chiave_salvata(comune, chiave)],
    )?;
    Ok(Some(
        r.map(|r| decifra(comune, chiave, r[0].testo()))
            .unwrap_or_default(),
    ))
}

/// Records the answer given to the request of a reserved idempotency key.
pub fn rispondi(c: &mut Conn, comune: &str, chiave: &str, risposta: &str) -> Esito<()> {
    c.esegui(
        "UPDATE idempotenza SET risposta = ?3 WHERE comune = ?1 AND chiave = ?2",
        params![
            comune,
            chiave_salvata(comune, chiave),
            cifra(comune, chiave, risposta)
        ],
    )?;
    Ok(())
}

/// The response already given to the request with this idempotency key, if any.
pub fn gia_risposto(c: &mut Conn, comune: &str, chiave: &str) -> Esito<Option<String>> {
    Ok(c.riga(
        "SELECT risposta FROM idempotenza WHERE comune = ?1 AND chiave = ?2 AND risposta <> ''",
        params![comune, chiave_salvata(comune, chiave)],
    )?
    .map(|r| decifra(comune, chiave, r[0].testo())))
}

/// What the database keeps of an idempotency key: its hash.
fn chiave_salvata(comune: &str, chiave: &str) -> String {
    hash(&format!("idempotenza\0{comune}\0{chiave}"))
}

/// The encryption key of an answer: derived from the idempotency key (another domain than
/// `chiave_salvata`), so it is never in the database.
fn chiave_cifratura(comune: &str, chiave: &str) -> chacha20poly1305::Key {
    let d = Sha256::digest(format!("risposta\0{comune}\0{chiave}").as_bytes());
    chacha20poly1305::Key::clone_from_slice(&d)
}

/// `nonce || ciphertext`, in base64 (ChaCha20-Poly1305).
fn cifra(comune: &str, chiave: &str, risposta: &str) -> String {
    use base64::Engine;
    use chacha20poly1305::aead::{Aead, KeyInit};
    let cipher = chacha20poly1305::ChaCha20Poly1305::new(&chiave_cifratura(comune, chiave));
    let mut nonce = [0u8; 12];
    if getrandom::fill(&mut nonce).is_err() {
        // Each key encrypts one answer only: a fixed nonce is still unique for it.
        nonce = [0u8; 12];
    }
    let mut out = nonce.to_vec();
    match cipher.encrypt(
        chacha20poly1305::Nonce::from_slice(&nonce),
        risposta.as_bytes(),
    ) {
        Ok(ct) => out.extend(ct),
        Err(_) => return String::new(),
    }
    base64::engine::general_purpose::STANDARD.encode(out)
}

/// The answer `cifra` stored; empty when it cannot be read (an answer still in progress).
fn decifra(comune: &str, chiave: &str, salvata: &str) -> String {
    use base64::Engine;
    use chacha20poly1305::aead::{Aead, KeyInit};
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(salvata) else {
        return String::new();
    };
    if bytes.len() < 12 {
        return String::new();
    }
    let (nonce, ct) = bytes.split_at(12);
    let cipher = chacha20poly1305::ChaCha20Poly1305::new(&chiave_cifratura(comune, chiave));
    cipher
        .decrypt(chacha20poly1305::Nonce::from_slice(nonce), ct)
        .ok()
        .and_then(|p| String::from_utf8(p).ok())
        .unwrap_or_default()
}

/// The active booking of `comune` with this token.
pub fn trova(c: &mut Conn, comune: &str, token: &str) -> Esito<Option<Prenotazione>> {
    Ok(c.riga(
        &format!("SELECT {CAMPI} FROM prenotazione WHERE comune = ?1 AND token = ?2"),
        params![comune, hash(token)],
    )?
    .map(|r| prenotazione(&r)))
}

fn attiva_per_token(
    c: &mut Conn,
    comune: &str,
    token: &str,
    ora: DateTime<Utc>,
    preavviso_ore: i64,
) -> Result<Prenotazione, Fallito> {
    let p = trova(c, comune, token)?
        .filter(|p| p.stato == "confermata")
        .ok_or(Rifiuto::Inesistente)?;
    if p.inizio - ora < Duration::hours(preavviso_ore) {
        return Err(Rifiuto::Tardi.into());
    }
    Ok(p)
}

/// Cancels by token, until `preavviso_ore` before the appointment: frees the seat, keeps the
/// record as cancelled, queues the message `componi` makes.
pub fn annulla(
    c: &mut Conn,
    comune: &str,
    token: &str,
    ora: DateTime<Utc>,
    preavviso_ore: i64,
    componi: impl FnOnce(&Prenotazione) -> Option<Email>,
) -> Result<Prenotazione, Fallito> {
    c.transazione(|c| {
        let p = attiva_per_token(c, comune, token, ora, preavviso_ore)?;
        annulla_in(c, p, ora, componi)
    })
}

fn annulla_in(
    c: &mut Conn,
    mut p: Prenotazione,
    ora: DateTime<Utc>,
    componi: impl FnOnce(&Prenotazione) -> Option<Email>,
) -> Result<Prenotazione, Fallito> {
    let n = c.esegui(
        "UPDATE prenotazione SET stato = 'annullata', aggiornata = ?3 WHERE comune = ?1 AND codice = ?2 AND stato = 'confermata'",
        params![&p.comune, &p.codice, ts(ora)],
    )?;
    if n != 1 {
        return Err(Rifiuto::Inesistente.into());
    }
    lascia_posto(c, &p.comune, &p.sportello, &ts(p.inizio))?;
    p.stato = "annullata".into();
    if let Some(e) = componi(&p) {
        accoda(c, &p.comune.clone(), &e, ora)?;
    }
    Ok(p)
}

/// Moves a booking (by token, until `preavviso_ore` before it) to `nuovo`, a slot of the same
/// office: the new seat is taken before the old one is given back, in one transaction.
pub fn sposta(
    c: &mut Conn,
    token: &str,
    nuovo: &Posto,
    ora: DateTime<Utc>,
    preavviso_ore: i64,
    componi: impl FnOnce(&Prenotazione, DateTime<Utc>) -> Option<Email>,
) -> Result<Prenotazione, Fallito> {
    c.transazione(|c| {
        let mut p = attiva_per_token(c, &nuovo.comune, token, ora, preavviso_ore)?;
        if p.sportello != nuovo.sportello {
            return Err(Rifiuto::Inesistente.into());
        }
        if p.inizio == nuovo.inizio {
            return Ok(p);
        }
        prendi_posto(c, nuovo, ora)?;
        lascia_posto(c, &p.comune, &p.sportello, &ts(p.inizio))?;
        c.esegui(
            "UPDATE prenotazione SET inizio = ?3, fine = ?4, aggiornata = ?5, promemoria = NULL WHERE comune = ?1 AND codice = ?2",
            params![&p.comune, &p.codice, ts(nuovo.inizio), ts(nuovo.fine), ts(ora)],
        )?;
        let prima = p.inizio;
        p.inizio = nuovo.inizio;
        p.fine = nuovo.fine;
        if let Some(e) = componi(&p, prima) {
            accoda(c, &p.comune.clone(), &e, ora)?;
        }
        Ok(p)
    })
}

/// Seats taken in the slots of an office between two instants (expired holds not counted).
pub fn occupati(
    c: &mut Conn,
    comune: &str,
    sportello: &str,
    dal: DateTime<Utc>,
    al: DateTime<Utc>,
    ora: DateTime<Utc>,
) -> Esito<std::collections::HashMap<DateTime<Utc>, (i64, i64)>> {
    let rows = c.righe(
        "SELECT s.inizio, s.occupati - (SELECT COUNT(*) FROM trattenuta t WHERE t.comune = s.comune AND t.sportello = s.sportello AND t.inizio = s.inizio AND t.scade <= ?5), s.capienza
         FROM slot s WHERE s.comune = ?1 AND s.sportello = ?2 AND s.inizio >= ?3 AND s.inizio <= ?4",
        params![comune, sportello, ts(dal), ts(al), ts(ora)],
    )?;
    Ok(rows
        .iter()
        .map(|r| (da_ts(r[0].testo()), (r[1].intero(), r[2].intero())))
        .collect())
}

/// The bookings of `comune` (optionally one office) starting in `[dal, al)`, by time.
pub fn elenco(
    c: &mut Conn,
    comune: &str,
    sportello: Option<&str>,
    dal: DateTime<Utc>,
    al: DateTime<Utc>,
) -> Esito<Vec<Prenotazione>> {
    let rows = c.righe(
        &format!(
            "SELECT {CAMPI} FROM prenotazione WHERE comune = ?1 AND (?2 = '' OR sportello = ?2) AND inizio >= ?3 AND inizio < ?4 ORDER BY inizio, sportello, codice"
        ),
        params![comune, sportello.unwrap_or(""), ts(dal), ts(al)],
    )?;
    Ok(rows.iter().map(|r| prenotazione(r)).collect())
}

/// An operator marks a booking of `comune` as done or no-show (or back to confirmed).
pub fn segna(
    c: &mut Conn,
    comune: &str,
    codice: &str,
    stato: &str,
    ora: DateTime<Utc>,
) -> Esito<bool> {
    if !["svolta", "assente", "confermata"].contains(&stato) {
        return Ok(false);
    }
    Ok(c.esegui(
        "UPDATE prenotazione SET stato = ?3, aggiornata = ?4 WHERE comune = ?1 AND codice = ?2 AND stato IN ('confermata', 'svolta', 'assente')",
        params![comune, codice, stato, ts(ora)],
    )? == 1)
}

/// An operator cancels a booking of `comune` (any time), with a message to the citizen.
pub fn annulla_operatore(
    c: &mut Conn,
    comune: &str,
    codice: &str,
    ora: DateTime<Utc>,
    componi: impl FnOnce(&Prenotazione) -> Option<Email>,
) -> Result<Prenotazione, Fallito> {
    c.transazione(|c| {
        let p = c
            .riga(
                &format!("SELECT {CAMPI} FROM prenotazione WHERE comune = ?1 AND codice = ?2 AND stato = 'confermata'"),
                params![comune, codice],
            )?
            .map(|r| prenotazione(&r))
            .ok_or(Rifiuto::Inesistente)?;
        annulla_in(c, p, ora, componi)
    })
}

/// Queues one reminder for each confirmed booking of `comune` starting within `entro` of
/// `ora` that has not had one. Each is claimed by a guarded update in its own transaction, so
/// two runs (even at once) never send the same reminder twice. The number queued.
pub fn promemoria(
    c: &mut Conn,
    comune: &str,
    ora: DateTime<Utc>,
    entro: Duration,
    componi: impl Fn(&Prenotazione) -> Email,
) -> Esito<usize> {
    let rows = c.righe(
        &format!("SELECT {CAMPI} FROM prenotazione WHERE comune = ?1 AND stato = 'confermata' AND promemoria IS NULL AND inizio > ?2 AND inizio <= ?3"),
        params![comune, ts(ora), ts(ora + entro)],
    )?;
    let mut n = 0;
    for r in rows {
        let p = prenotazione(&r);
        let fatto = c.transazione(|c| -> Esito<bool> {
            let preso = c.esegui(
                "UPDATE prenotazione SET promemoria = ?3 WHERE comune = ?1 AND codice = ?2 AND promemoria IS NULL AND stato = 'confermata'",
                params![comune, &p.codice, ts(ora)],
            )?;
            if preso == 1 {
                accoda(c, comune, &componi(&p), ora)?;
            }
            Ok(preso == 1)
        })?;
        n += usize::from(fatto);
    }
    Ok(n)
}

/// Deletes the bookings of `comune` whose appointment was before `prima_di` (retention), and
/// their slots. The number of bookings deleted.
pub fn purga(c: &mut Conn, comune: &str, prima_di: DateTime<Utc>) -> Esito<u64> {
    c.transazione(|c| {
        let n = c.esegui(
            "DELETE FROM prenotazione WHERE comune = ?1 AND inizio < ?2",
            params![comune, ts(prima_di)],
        )?;
        c.esegui(
            "DELETE FROM slot WHERE comune = ?1 AND inizio < ?2",
            params![comune, ts(prima_di)],
        )?;
        Ok(n)
    })
}

/// Housekeeping for every comune: expired holds give back their seats; idempotency keys older
/// than a day, expired sessions and spent challenges go.
pub fn pulizia(c: &mut Conn, ora: DateTime<Utc>) -> Esito<()> {
    let scadute = c.righe(
        "SELECT DISTINCT comune, sportello, inizio FROM trattenuta WHERE scade <= ?1",
        params![ts(ora)],
    )?;
    for r in scadute {
        c.transazione(|c| libera_scadute(c, r[0].testo(), r[1].testo(), r[2].testo(), ora))?;
    }
    c.esegui(
        "DELETE FROM idempotenza WHERE creata < ?1",
        params![ts(ora - Duration::days(1))],
    )?;
    c.esegui("DELETE FROM sessione WHERE scade <= ?1", params![ts(ora)])?;
    c.esegui("DELETE FROM sfida WHERE scade <= ?1", params![ts(ora)])?;
    Ok(())
}

/// Messages due for sending (oldest first).
pub fn da_inviare(c: &mut Conn, ora: DateTime<Utc>, max: i64) -> Esito<Vec<(i64, String, Email)>> {
    let rows = c.righe(
        "SELECT id, comune, destinatario, oggetto, testo, ics, allegati FROM posta WHERE prossimo <= ?1 ORDER BY id LIMIT ?2",
        params![ts(ora), max],
    )?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r[0].intero(),
                r[1].testo().to_string(),
                Email {
                    destinatario: r[2].testo().into(),
                    oggetto: r[3].testo().into(),
                    testo: r[4].testo().into(),
                    ics: r[5].opzione().map(str::to_string),
                    allegati: r[6]
                        .opzione()
                        .and_then(|j| serde_json::from_str(j).ok())
                        .unwrap_or_default(),
                },
            )
        })
        .collect())
}

/// Claims a due message for five minutes, so that two carriers (two processes, or a cron run
/// beside the service) never send it both; false if another one has it.
pub fn prendi_in_carico(c: &mut Conn, id: i64, ora: DateTime<Utc>) -> Esito<bool> {
    Ok(c.esegui(
        "UPDATE posta SET prossimo = ?2 WHERE id = ?1 AND prossimo <= ?3",
        params![id, ts(ora + Duration::minutes(5)), ts(ora)],
    )? == 1)
}

/// A message was delivered: it leaves the queue (its personal data with it).
pub fn inviata(c: &mut Conn, id: i64) -> Esito<()> {
    c.esegui("DELETE FROM posta WHERE id = ?1", params![id])?;
    Ok(())
}

/// A delivery failed: try again later, with doubling pauses (1 min, 2, 4 … up to 6 hours).
pub fn rimanda(c: &mut Conn, id: i64, ora: DateTime<Utc>) -> Esito<()> {
    let t = c
        .riga("SELECT tentativi FROM posta WHERE id = ?1", params![id])?
        .map_or(0, |r| r[0].intero());
    let pausa = Duration::minutes(1i64 << t.clamp(0, 9)).min(Duration::hours(6));
    c.esegui(
        "UPDATE posta SET tentativi = tentativi + 1, prossimo = ?2 WHERE id = ?1",
        params![id, ts(ora + pausa)],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::db::{Dove, Pool};
    use super::*;

    pub fn t() -> DateTime<Utc> {
        "2026-12-07T08:00:00Z".parse().unwrap()
    }
    fn ora() -> DateTime<Utc> {
        "2026-11-23T08:00:00Z".parse().unwrap()
    }
    fn posto(comune: &str, inizio: DateTime<Utc>, capienza: u32) -> Posto {
        Posto {
            comune: comune.into(),
            sportello: "anagrafe".into(),
            inizio,
            fine: inizio + Duration::minutes(30),
            capienza,
        }
    }
    fn dati(email: &str) -> Dati {
        Dati {
            nome: "Maria".into(),
            cognome: "Bianchi".into(),
            email: email.into(),
            motivo: None,
            dettagli: String::new(),
        }
    }
    fn semplice(_: &Prenotazione) -> Composto {
        Composto {
            risposta: "{}".into(),
            email: None,
        }
    }
    fn book(c: &mut Conn, po: &Posto, email: &str, limite: u32) -> Result<Prenotazione, Fallito> {
        match prenota(
            c,
            &po.comune.clone(),
            Origine::Diretta(po),
            &dati(email),
            limite,
            None,
            ora(),
            |_, _| None,
            semplice,
            None,
        )? {
            Prenotato::Nuova(p, _) => Ok(*p),
            Prenotato::Ripetuta(_) => unreachable!(),
        }
    }
    fn pool() -> (tempfile::TempDir, Pool) {
        let dir = tempfile::tempdir().unwrap();
        let pool = Pool::apri(Dove::Sqlite(dir.path().join("s.sqlite")), MIGRAZIONI).unwrap();
        (dir, pool)
    }

    #[test]
    fn codes_are_readable_and_tokens_hashed() {
        let c = codice("anagrafe");
        assert!(c.starts_with("AN-") && c.len() == 12, "{c}");
        assert_eq!(hash("x").len(), 64);
    }

    #[test]
    fn plus_tags_do_not_multiply_the_per_person_limit() {
        let (_d, pool) = pool();
        let mut c = pool.prendi().unwrap();
        let t2 = t() + Duration::hours(1);
        book(
            &mut c,
            &posto("valfiorita", t(), 5),
            "anna+uno@example.it",
            2,
        )
        .unwrap();
        book(
            &mut c,
            &posto("valfiorita", t2, 5),
            "Anna+due@Example.it",
            2,
        )
        .unwrap();
        for other in ["anna@example.it", "anna+tre@example.it"] {
            assert!(matches!(
                book(&mut c, &posto("valfiorita", t(), 5), other, 2),
                Err(Fallito::Rifiuto(Rifiuto::Limite))
            ));
        }
        // A LIKE wildcard in the address matches only itself.
        book(&mut c, &posto("valfiorita", t(), 5), "a_n%a@example.it", 2).unwrap();
        book(&mut c, &posto("valfiorita", t(), 5), "bruno@example.it", 2).unwrap();
        assert_eq!(
            persona_email("a_b+x@c.it"),
            ("a_b@c.it".to_string(), "a!_b+%@c.it".to_string())
        );
    }

    #[test]
    fn cancel_frees_the_seat_limits_per_person_and_tenants_are_isolated() {
        let (_d, pool) = pool();
        let mut c = pool.prendi().unwrap();
        let a = book(&mut c, &posto("valfiorita", t(), 1), "Mario@Example.it", 1).unwrap();
        assert!(matches!(
            book(&mut c, &posto("valfiorita", t(), 1), "altra@example.it", 1),
            Err(Fallito::Rifiuto(Rifiuto::Pieno))
        ));
        let later = t() + Duration::hours(1);
        assert!(matches!(
            book(
                &mut c,
                &posto("valfiorita", later, 1),
                "mario@example.it",
                1
            ),
            Err(Fallito::Rifiuto(Rifiuto::Limite))
        ));
        assert!(book(
            &mut c,
            &posto("castelmarino", t(), 1),
            "mario@example.it",
            1
        )
        .is_ok());
        assert!(matches!(
            annulla(&mut c, "castelmarino", &a.token, ora(), 24, |_| None),
            Err(Fallito::Rifiuto(Rifiuto::Inesistente))
        ));
        assert!(annulla(&mut c, "valfiorita", &a.token, ora(), 24, |_| None).is_ok());
        assert!(annulla(&mut c, "valfiorita", &a.token, ora(), 24, |_| None).is_err());
        assert_eq!(
            trova(&mut c, "valfiorita", &a.token)
                .unwrap()
                .unwrap()
                .stato,
            "annullata"
        );
        assert!(book(&mut c, &posto("valfiorita", t(), 1), "altra@example.it", 1).is_ok());
    }

    #[test]
    fn holds_expire_and_give_back_their_seat() {
        let (_d, pool) = pool();
        let mut c = pool.prendi().unwrap();
        let po = posto("valfiorita", t(), 1);
        let (h, _) = trattieni(&mut c, &po, 10, ora()).unwrap();
        assert!(matches!(
            trattieni(&mut c, &po, 10, ora()),
            Err(Fallito::Rifiuto(Rifiuto::Pieno))
        ));
        // Eleven minutes later the hold is gone: someone else can hold, the first cannot book.
        let dopo = ora() + Duration::minutes(11);
        assert!(trattieni(&mut c, &po, 10, dopo).is_ok());
        let r = prenota(
            &mut c,
            "valfiorita",
            Origine::Trattenuta(&h),
            &dati("a@b.it"),
            2,
            None,
            dopo,
            |_, i| Some(i),
            semplice,
            None,
        );
        assert!(matches!(
            r,
            Err(Fallito::Rifiuto(Rifiuto::TrattenutaScaduta))
        ));
    }
}
