//! Segnalazioni di disservizio: what a citizen reports (category, place by address or point,
//! title, details up to 200 characters, photos and documents, name and email), stored with a
//! readable code and a follow-up token (only its hash is kept), routed to the office of its
//! category with a deadline, and moved by operators through the states
//! nuova → presa in carico → in lavorazione → risolta → chiusa (or respinta), each change
//! recorded in an audit log and announced to the reporter by email. Moderation decides whether
//! a segnalazione appears on the comune's public list, which shows only its category, an
//! approximate place and its state. Every row is scoped by comune.

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::allegati::{self, Allegato};
use super::db::{Conn, Esito};
use super::registro::{
    accoda, casuale, codice_leggibile, hash, riserva_chiave, rispondi, ts, Email, Fallito,
};
use crate::params;
use civico_core::sportello::Segnalazioni;

/// The states, with the label the reporter and the operators read.
pub const STATI: &[(&str, &str)] = &[
    ("nuova", "Ricevuta"),
    ("presa_in_carico", "Presa in carico"),
    ("in_lavorazione", "In lavorazione"),
    ("risolta", "Risolta"),
    ("chiusa", "Chiusa"),
    ("respinta", "Respinta"),
];

/// The label of a state.
pub fn etichetta(stato: &str) -> &str {
    STATI
        .iter()
        .find(|(s, _)| *s == stato)
        .map_or(stato, |(_, e)| e)
}

/// The states a segnalazione may move to from `da`.
pub fn successivi(da: &str) -> &'static [&'static str] {
    match da {
        "nuova" => &["presa_in_carico", "respinta"],
        "presa_in_carico" => &["in_lavorazione", "risolta", "respinta"],
        "in_lavorazione" => &["risolta", "respinta"],
        "risolta" => &["chiusa", "in_lavorazione"],
        "respinta" => &["chiusa"],
        _ => &[],
    }
}

/// States in which nothing is pending (no deadline, retention counts from the last change).
pub fn conclusa(stato: &str) -> bool {
    matches!(stato, "risolta" | "chiusa" | "respinta")
}

/// A file as the form sends it: its name and its bytes in base64.
#[derive(Debug, Clone, Deserialize)]
pub struct FileInviato {
    #[serde(default)]
    pub nome: String,
    #[serde(default)]
    pub dati: String,
}

/// What the form posts.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Nuova {
    #[serde(default)]
    pub categoria: String,
    #[serde(default)]
    pub titolo: String,
    #[serde(default)]
    pub dettagli: String,
    #[serde(default)]
    pub indirizzo: String,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub nome: String,
    #[serde(default)]
    pub cognome: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub telefono: String,
    #[serde(default)]
    pub privacy: bool,
    #[serde(default)]
    pub allegati: Vec<FileInviato>,
    #[serde(default)]
    pub altcha: Option<String>,
    #[serde(default)]
    pub sito_web: String,
}

/// Field checks, cheap and before anything else; the message per field. The files are only
/// counted here: `prepara_allegati` decodes them once the request has passed the challenge.
pub fn controlla(n: &Nuova, cfg: &Segnalazioni) -> serde_json::Map<String, serde_json::Value> {
    let mut e = serde_json::Map::new();
    let mut metti = |k: &str, m: String| {
        e.entry(k.to_string())
            .or_insert(serde_json::Value::String(m));
    };
    if cfg.categoria(&n.categoria).is_none() {
        metti(
            "categoria",
            "scegli il tipo di disservizio tra quelli proposti".into(),
        );
    }
    let titolo = n.titolo.trim().chars().count();
    if titolo == 0 {
        metti(
            "titolo",
            "scrivi un titolo breve (per esempio «Buca in via Roma»)".into(),
        );
    } else if titolo > 100 || n.titolo.chars().any(char::is_control) {
        metti("titolo", "al massimo 100 caratteri, senza a capo".into());
    }
    let dettagli = n.dettagli.trim().chars().count();
    if dettagli == 0 {
        metti("dettagli", "descrivi il disservizio".into());
    } else if dettagli > 200 {
        metti(
            "dettagli",
            "al massimo 200 caratteri (ora sono di più)".into(),
        );
    }
    let punto = match (n.lat, n.lon) {
        (Some(la), Some(lo)) => {
            if !(-90.0..=90.0).contains(&la) || !(-180.0..=180.0).contains(&lo) {
                metti("luogo", "le coordinate del punto non sono valide".into());
            } else if la == 0.0 && lo == 0.0 {
                // What a failed position reading gives: a point in the Gulf of Guinea.
                metti(
                    "luogo",
                    "la posizione non è stata rilevata: scegli il punto sulla mappa o scrivi l'indirizzo".into(),
                );
            }
            true
        }
        (None, None) => false,
        _ => {
            metti(
                "luogo",
                "indica sia la latitudine sia la longitudine".into(),
            );
            true
        }
    };
    let indirizzo = n.indirizzo.trim().chars().count();
    if indirizzo == 0 && !punto {
        metti(
            "luogo",
            "indica dove: scrivi l'indirizzo o scegli il punto sulla mappa".into(),
        );
    } else if indirizzo > 200 || n.indirizzo.chars().any(char::is_control) {
        metti(
            "luogo",
            "l'indirizzo è troppo lungo (al massimo 200 caratteri)".into(),
        );
    }
    for (campo, v) in [("nome", &n.nome), ("cognome", &n.cognome)] {
        if v.trim().is_empty() {
            metti(campo, "campo obbligatorio".into());
        } else if v.chars().count() > 100 || v.chars().any(char::is_control) {
            metti(campo, "al massimo 100 caratteri, senza a capo".into());
        }
    }
    if !civico_core::sportello::email_valida(n.email.trim()) {
        metti(
            "email",
            "indirizzo email non valido: scrivilo come nome@esempio.it".into(),
        );
    }
    let tel = n.telefono.trim();
    if tel.chars().count() > 30
        || !tel
            .chars()
            .all(|c| c.is_ascii_digit() || " +-./()".contains(c))
    {
        metti(
            "telefono",
            "scrivi solo cifre, spazi e il prefisso (+39)".into(),
        );
    }
    if !n.privacy {
        metti(
            "privacy",
            "conferma di aver letto l'informativa sulla privacy".into(),
        );
    }
    if n.allegati.len() > allegati::MAX_FILE {
        metti(
            "allegati",
            format!("al massimo {} file per segnalazione", allegati::MAX_FILE),
        );
    }
    for f in &n.allegati {
        if let Err(m) = allegati::nome_valido(&f.nome) {
            metti("allegati", m);
        }
    }
    e
}

/// Decodes the files sent (base64, or a `data:` URL as browsers read them) and makes each
/// ready to store; the Italian message of the first refused.
pub fn prepara_allegati(n: &Nuova) -> Result<Vec<Allegato>, String> {
    n.allegati
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let b64 = match f.dati.split_once(',') {
                Some((testa, resto)) if testa.starts_with("data:") => resto,
                _ => f.dati.as_str(),
            };
            let byte = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|_| {
                    format!(
                        "il file `{}` non è arrivato intero: caricalo di nuovo",
                        f.nome.trim()
                    )
                })?;
            allegati::prepara(&f.nome, &byte, i + 1)
        })
        .collect()
}

/// Whether a word of an address is a house number (`12`, `12/A`, `12b`, `n.`, `civico`).
fn civico(w: &str) -> bool {
    let w = w.to_lowercase();
    w.starts_with(|c: char| c.is_ascii_digit())
        || ["n.", "n°", "nr.", "civico", "snc"].contains(&w.as_str())
}

/// The place shown to the public: the address without house numbers or postal codes, the
/// point rounded to about a hundred metres.
pub fn luogo_approssimato(
    indirizzo: &str,
    lat: Option<&str>,
    lon: Option<&str>,
) -> (String, Option<(f64, f64)>) {
    let via = indirizzo
        .split(',')
        .map(|parte| {
            let mut parole: Vec<&str> = parte
                .split_whitespace()
                .filter(|w| !(w.len() == 5 && w.chars().all(|c| c.is_ascii_digit())))
                .collect();
            // The house number is at the end of the street ("Via 4 Novembre 10"), or the
            // whole part after a comma ("Via Roma, 12").
            while parole.last().is_some_and(|w| civico(w)) {
                parole.pop();
            }
            parole.join(" ")
        })
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let tondo = |x: f64| (x * 1000.0).round() / 1000.0;
    let punto = match (
        lat.and_then(|x| x.parse::<f64>().ok()),
        lon.and_then(|x| x.parse::<f64>().ok()),
    ) {
        (Some(a), Some(o)) => Some((tondo(a), tondo(o))),
        _ => None,
    };
    (via, punto)
}

/// What is stored of a new segnalazione.
pub struct Ricevuta {
    pub codice: String,
    /// The follow-up token (in the link of the confirmation email; only its hash is kept).
    pub token: String,
    pub scadenza: DateTime<Utc>,
}

/// The idempotency key of a segnalazione, apart from the other requests of the same comune.
pub fn chiave_segnalazione(k: &str) -> String {
    format!("segnalazione:{k}")
}

/// Stores a segnalazione with its files, the first line of its history and the messages
/// `componi` makes (from the code and the token), in one transaction. With an idempotency key
/// a repeated request gets the first code (and no token: it went out by email).
#[allow(clippy::too_many_arguments)]
pub fn registra(
    c: &mut Conn,
    comune: &str,
    cfg: &Segnalazioni,
    n: &Nuova,
    file: &[Allegato],
    chiave: Option<&str>,
    ora: DateTime<Utc>,
    componi: impl FnOnce(&Ricevuta, &str) -> Vec<Email>,
) -> Result<Ricevuta, Fallito> {
    let cat = cfg
        .categoria(&n.categoria)
        .ok_or(Fallito::Rifiuto(super::registro::Rifiuto::Inesistente))?;
    let ufficio = cfg.ufficio_di(cat);
    let scadenza = ora + Duration::days(cfg.giorni_di(cat));
    c.transazione(|c| {
        let k = chiave.map(chiave_segnalazione);
        if let Some(k) = &k {
            if let Some(prima) = riserva_chiave(c, comune, k, ora)? {
                return Ok(Ricevuta {
                    codice: prima,
                    token: String::new(),
                    scadenza,
                });
            }
        }
        let codice = codice_leggibile("SE");
        let token = casuale(32);
        let coord = |v: Option<f64>| v.map(|x| format!("{x:.6}"));
        c.esegui(
            "INSERT INTO segnalazione (comune, codice, token, categoria, ufficio, titolo, dettagli, indirizzo, lat, lon,
                 nome, cognome, email, telefono, stato, pubblica, creata, aggiornata, scadenza)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 'nuova', 0, ?15, ?15, ?16)",
            params![
                comune, &codice, hash(&token), &cat.nome, &ufficio, n.titolo.trim(),
                n.dettagli.trim(), n.indirizzo.trim(), coord(n.lat), coord(n.lon),
                n.nome.trim(), n.cognome.trim(), n.email.trim().to_lowercase(), n.telefono.trim(),
                ts(ora), ts(scadenza)
            ],
        )?;
        for (i, f) in file.iter().enumerate() {
            c.esegui(
                "INSERT INTO segnalazione_allegato (comune, codice, n, nome, tipo, dati) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    comune, &codice, i as i64 + 1, &f.nome, f.tipo,
                    base64::engine::general_purpose::STANDARD.encode(&f.dati)
                ],
            )?;
        }
        storia(c, comune, &codice, ora, "cittadino", "inviata", "nuova", "")?;
        let r = Ricevuta {
            codice,
            token,
            scadenza,
        };
        for e in componi(&r, &ufficio) {
            accoda(c, comune, &e, ora)?;
        }
        if let Some(k) = &k {
            rispondi(c, comune, k, &r.codice)?;
        }
        Ok(r)
    })
}

/// Appends a line to a segnalazione's history (the caller holds its row).
#[allow(clippy::too_many_arguments)]
fn storia(
    c: &mut Conn,
    comune: &str,
    codice: &str,
    ora: DateTime<Utc>,
    chi: &str,
    azione: &str,
    stato: &str,
    messaggio: &str,
) -> Esito<()> {
    c.esegui(
        "INSERT INTO segnalazione_storia (comune, codice, n, quando, chi, azione, stato, messaggio)
         SELECT ?1, ?2, COALESCE(MAX(n), 0) + 1, ?3, ?4, ?5, ?6, ?7
         FROM segnalazione_storia WHERE comune = ?1 AND codice = ?2",
        params![comune, codice, ts(ora), chi, azione, stato, messaggio],
    )?;
    Ok(())
}

/// A segnalazione as stored (without its files).
#[derive(Debug, Clone, PartialEq)]
pub struct Scheda {
    pub codice: String,
    pub categoria: String,
    pub ufficio: String,
    pub titolo: String,
    pub dettagli: String,
    pub indirizzo: String,
    pub lat: Option<String>,
    pub lon: Option<String>,
    pub nome: String,
    pub cognome: String,
    pub email: String,
    pub telefono: String,
    pub stato: String,
    pub pubblica: bool,
    pub creata: String,
    pub aggiornata: String,
    pub scadenza: String,
}

impl Scheda {
    /// Past its deadline and still pending.
    pub fn scaduta(&self, ora: DateTime<Utc>) -> bool {
        !conclusa(&self.stato) && self.scadenza < ts(ora)
    }
}

const CAMPI: &str = "codice, categoria, ufficio, titolo, dettagli, indirizzo, lat, lon, nome, cognome, email, telefono, stato, pubblica, creata, aggiornata, scadenza";

fn scheda(r: &[super::db::Valore]) -> Scheda {
    Scheda {
        codice: r[0].testo().into(),
        categoria: r[1].testo().into(),
        ufficio: r[2].testo().into(),
        titolo: r[3].testo().into(),
        dettagli: r[4].testo().into(),
        indirizzo: r[5].testo().into(),
        lat: r[6].opzione().map(str::to_string),
        lon: r[7].opzione().map(str::to_string),
        nome: r[8].testo().into(),
        cognome: r[9].testo().into(),
        email: r[10].testo().into(),
        telefono: r[11].testo().into(),
        stato: r[12].testo().into(),
        pubblica: r[13].intero() == 1,
        creata: r[14].testo().into(),
        aggiornata: r[15].testo().into(),
        scadenza: r[16].testo().into(),
    }
}

/// The segnalazione of `comune` with this code.
pub fn leggi(c: &mut Conn, comune: &str, codice: &str) -> Esito<Option<Scheda>> {
    Ok(c.riga(
        &format!("SELECT {CAMPI} FROM segnalazione WHERE comune = ?1 AND codice = ?2"),
        params![comune, codice],
    )?
    .map(|r| scheda(&r)))
}

/// The segnalazione of `comune` with this follow-up token.
pub fn per_token(c: &mut Conn, comune: &str, token: &str) -> Esito<Option<Scheda>> {
    Ok(c.riga(
        &format!("SELECT {CAMPI} FROM segnalazione WHERE comune = ?1 AND token = ?2"),
        params![comune, hash(token)],
    )?
    .map(|r| scheda(&r)))
}

/// The segnalazioni of `comune`, optionally in one state or office, newest first.
pub fn elenco(
    c: &mut Conn,
    comune: &str,
    stato: Option<&str>,
    ufficio: Option<&str>,
) -> Esito<Vec<Scheda>> {
    Ok(c
        .righe(
            &format!(
                "SELECT {CAMPI} FROM segnalazione WHERE comune = ?1 AND (CAST(?2 AS TEXT) IS NULL OR stato = ?2)
                   AND (CAST(?3 AS TEXT) IS NULL OR ufficio = ?3) ORDER BY creata DESC, codice"
            ),
            params![comune, stato, ufficio],
        )?
        .iter()
        .map(|r| scheda(r))
        .collect())
}

/// One line of the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passo {
    pub quando: String,
    pub chi: String,
    pub azione: String,
    pub stato: String,
    pub messaggio: String,
}

/// The history of a segnalazione of `comune`, oldest first.
pub fn passi(c: &mut Conn, comune: &str, codice: &str) -> Esito<Vec<Passo>> {
    Ok(c
        .righe(
            "SELECT quando, chi, azione, stato, messaggio FROM segnalazione_storia WHERE comune = ?1 AND codice = ?2 ORDER BY n",
            params![comune, codice],
        )?
        .into_iter()
        .map(|r| Passo {
            quando: r[0].testo().into(),
            chi: r[1].testo().into(),
            azione: r[2].testo().into(),
            stato: r[3].testo().into(),
            messaggio: r[4].testo().into(),
        })
        .collect())
}

/// The history as the reporter sees it: what happened and the office's messages, never who
/// among the operators did it, nor moderation.
pub fn passi_pubblici(passi: &[Passo]) -> Vec<serde_json::Value> {
    passi
        .iter()
        .filter(|p| p.azione != "moderazione")
        .map(|p| {
            let cosa = match p.azione.as_str() {
                "inviata" => "Segnalazione inviata".to_string(),
                "ufficio" => format!("Assegnata a: {}", p.messaggio),
                _ => etichetta(&p.stato).to_string(),
            };
            let messaggio = if p.azione == "stato" { p.messaggio.as_str() } else { "" };
            serde_json::json!({"quando": p.quando, "cosa": cosa, "stato": p.stato, "messaggio": messaggio})
        })
        .collect()
}

/// The files of a segnalazione of `comune`: number, name, type.
pub fn file(c: &mut Conn, comune: &str, codice: &str) -> Esito<Vec<(i64, String, String)>> {
    Ok(c
        .righe(
            "SELECT n, nome, tipo FROM segnalazione_allegato WHERE comune = ?1 AND codice = ?2 ORDER BY n",
            params![comune, codice],
        )?
        .into_iter()
        .map(|r| (r[0].intero(), r[1].testo().into(), r[2].testo().into()))
        .collect())
}

/// One file of a segnalazione of `comune`: name, type, bytes.
pub fn contenuto(
    c: &mut Conn,
    comune: &str,
    codice: &str,
    n: i64,
) -> Esito<Option<(String, String, Vec<u8>)>> {
    Ok(c.riga(
        "SELECT nome, tipo, dati FROM segnalazione_allegato WHERE comune = ?1 AND codice = ?2 AND n = ?3",
        params![comune, codice, n],
    )?
    .and_then(|r| {
        let b = base64::engine::general_purpose::STANDARD
            .decode(r[2].testo())
            .ok()?;
        Some((r[0].testo().into(), r[1].testo().into(), b))
    }))
}

/// What an operator does to a segnalazione.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Azione {
    /// Moves it to a state, with a message to the reporter.
    Stato(String, String),
    /// Assigns it to an office.
    Ufficio(String),
    /// Shows it on the public list, or hides it.
    Pubblica(bool),
}

/// Why an operator's action was not applied.
#[derive(Debug, PartialEq, Eq)]
pub enum Respinta {
    Inesistente,
    /// Not a state reachable from the current one.
    Passaggio(String, String),
    /// Refusing needs a reason for the reporter.
    SenzaMotivo,
    /// An office not in the comune's list.
    Ufficio,
}

/// Applies an operator's action under the segnalazione's row lock, records who did it and,
/// for a change of state, queues the message `componi` makes for the reporter.
#[allow(clippy::too_many_arguments)]
pub fn agisci(
    c: &mut Conn,
    comune: &str,
    codice: &str,
    azione: &Azione,
    chi: &str,
    uffici: &[String],
    ora: DateTime<Utc>,
    componi: impl FnOnce(&Scheda, &str, &str) -> Email,
) -> Result<Result<Scheda, Respinta>, super::db::DbErrore> {
    c.transazione(|c| {
        // Takes the row (PostgreSQL) before reading it, so two operators are applied in turn.
        let preso = c.esegui(
            "UPDATE segnalazione SET aggiornata = aggiornata WHERE comune = ?1 AND codice = ?2",
            params![comune, codice],
        )?;
        let Some(s) = (if preso == 1 {
            leggi(c, comune, codice)?
        } else {
            None
        }) else {
            return Ok(Err(Respinta::Inesistente));
        };
        match azione {
            Azione::Stato(nuovo, messaggio) => {
                if !successivi(&s.stato).contains(&nuovo.as_str()) {
                    return Ok(Err(Respinta::Passaggio(s.stato.clone(), nuovo.clone())));
                }
                let messaggio = messaggio.trim();
                if nuovo == "respinta" && messaggio.is_empty() {
                    return Ok(Err(Respinta::SenzaMotivo));
                }
                c.esegui(
                    "UPDATE segnalazione SET stato = ?3, aggiornata = ?4,
                         risolta = CASE WHEN ?3 = 'risolta' THEN ?4 WHEN ?3 = 'in_lavorazione' THEN NULL ELSE risolta END
                     WHERE comune = ?1 AND codice = ?2",
                    params![comune, codice, nuovo.as_str(), ts(ora)],
                )?;
                storia(c, comune, codice, ora, chi, "stato", nuovo, messaggio)?;
                let e = componi(&s, nuovo, messaggio);
                accoda(c, comune, &e, ora)?;
            }
            Azione::Ufficio(u) => {
                if !uffici.contains(u) {
                    return Ok(Err(Respinta::Ufficio));
                }
                c.esegui(
                    "UPDATE segnalazione SET ufficio = ?3, aggiornata = ?4 WHERE comune = ?1 AND codice = ?2",
                    params![comune, codice, u.as_str(), ts(ora)],
                )?;
                storia(c, comune, codice, ora, chi, "ufficio", &s.stato, u)?;
            }
            Azione::Pubblica(si) => {
                c.esegui(
                    "UPDATE segnalazione SET pubblica = ?3, aggiornata = ?4 WHERE comune = ?1 AND codice = ?2",
                    params![comune, codice, i64::from(*si), ts(ora)],
                )?;
                let testo = if *si {
                    "pubblicata nell'elenco"
                } else {
                    "tolta dall'elenco pubblico"
                };
                storia(c, comune, codice, ora, chi, "moderazione", &s.stato, testo)?;
            }
        }
        Ok(Ok(leggi(c, comune, codice)?.unwrap_or(s)))
    })
}

/// An entry of the public list: nothing about the reporter, no title, details or files.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Pubblica {
    pub categoria: String,
    pub luogo: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub stato: String,
    pub stato_etichetta: String,
    /// The month it was made, `2026-11`.
    pub mese: String,
}

/// The moderated segnalazioni of `comune` that were taken in charge, newest first (at most
/// `max`), and how many were solved since `dal`.
pub fn pubbliche(
    c: &mut Conn,
    comune: &str,
    dal: DateTime<Utc>,
    max: i64,
) -> Esito<(Vec<Pubblica>, i64)> {
    let elenco = c
        .righe(
            "SELECT categoria, indirizzo, lat, lon, stato, creata FROM segnalazione
             WHERE comune = ?1 AND pubblica = 1 AND stato <> 'nuova' ORDER BY creata DESC LIMIT ?2",
            params![comune, max],
        )?
        .into_iter()
        .map(|r| {
            let (luogo, punto) = luogo_approssimato(r[1].testo(), r[2].opzione(), r[3].opzione());
            Pubblica {
                categoria: r[0].testo().into(),
                luogo,
                lat: punto.map(|p| p.0),
                lon: punto.map(|p| p.1),
                stato: r[4].testo().into(),
                stato_etichetta: etichetta(r[4].testo()).into(),
                mese: r[5].testo().chars().take(7).collect(),
            }
        })
        .collect();
    let risolte = c
        .riga(
            "SELECT COUNT(*) FROM segnalazione WHERE comune = ?1 AND risolta IS NOT NULL AND risolta >= ?2 AND stato IN ('risolta', 'chiusa')",
            params![comune, ts(dal)],
        )?
        .map_or(0, |r| r[0].intero());
    Ok((elenco, risolte))
}

/// Deletes the segnalazioni of `comune` concluded (solved, closed, refused) before `prima_di`,
/// with their files and history; how many.
pub fn purga(c: &mut Conn, comune: &str, prima_di: DateTime<Utc>) -> Esito<u64> {
    c.transazione(|c| {
        let vecchie = "SELECT codice FROM segnalazione WHERE comune = ?1 AND aggiornata < ?2 AND stato IN ('risolta', 'chiusa', 'respinta')";
        for tabella in ["segnalazione_allegato", "segnalazione_storia"] {
            c.esegui(
                &format!("DELETE FROM {tabella} WHERE comune = ?1 AND codice IN ({vecchie})"),
                params![comune, ts(prima_di)],
            )?;
        }
        c.esegui(
            "DELETE FROM segnalazione WHERE comune = ?1 AND aggiornata < ?2 AND stato IN ('risolta', 'chiusa', 'respinta')",
            params![comune, ts(prima_di)],
        )
    })
}

/// The follow-up link of a segnalazione (the token travels in the fragment, never to a server
/// log).
pub fn link(sito: &str, token: &str) -> String {
    format!("{sito}/segnalazione-disservizio/segui/#t={token}")
}

/// The messages of a new segnalazione: the summary to the reporter, the announcement to the
/// office (without the reporter's files).
pub fn messaggi_nuova(
    r: &Ricevuta,
    n: &Nuova,
    ufficio: &str,
    email_ufficio: Option<&str>,
    nome_comune: &str,
    sito: &str,
    tz: chrono_tz::Tz,
) -> Vec<Email> {
    let luogo = if n.indirizzo.trim().is_empty() {
        match (n.lat, n.lon) {
            (Some(a), Some(o)) => format!("{a:.5}, {o:.5}"),
            _ => String::new(),
        }
    } else {
        n.indirizzo.trim().to_string()
    };
    let riepilogo = format!(
        "Codice: {}\nTipo di disservizio: {}\nLuogo: {luogo}\nTitolo: {}\nDettagli: {}\nFile allegati: {}\n",
        r.codice,
        n.categoria,
        n.titolo.trim(),
        n.dettagli.trim(),
        n.allegati.len()
    );
    let mut v = vec![Email {
        destinatario: n.email.trim().to_lowercase(),
        oggetto: format!("Segnalazione {} ricevuta - Comune di {nome_comune}", r.codice),
        testo: format!(
            "Gentile {} {},\n\nabbiamo ricevuto la tua segnalazione. La gestirà l'ufficio: {ufficio}, di norma entro il {}.\n\n{riepilogo}\nPuoi seguirne lo stato a questo indirizzo (non condividerlo: è personale):\n{}\n\nRiceverai un messaggio a ogni cambiamento.\n\nComune di {nome_comune}\n{sito}\n",
            n.nome.trim(),
            n.cognome.trim(),
            r.scadenza.with_timezone(&tz).format("%d/%m/%Y"),
            link(sito, &r.token)
        ),
        ics: None,
        allegati: Vec::new(),
    }];
    if let Some(u) = email_ufficio {
        v.push(Email {
            destinatario: u.to_string(),
            oggetto: format!("Nuova segnalazione {} - {}", r.codice, n.categoria),
            testo: format!(
                "Nuova segnalazione dal sito, assegnata a: {ufficio}.\n\n{riepilogo}\nLa trovi, con le foto, nello sportello operatori.\n"
            ),
            ics: None,
            allegati: Vec::new(),
        });
    }
    v
}

/// The message to the reporter when the state changes.
pub fn messaggio_stato(
    s: &Scheda,
    nuovo: &str,
    messaggio: &str,
    nome_comune: &str,
    sito: &str,
) -> Email {
    let nota = if messaggio.is_empty() {
        String::new()
    } else {
        format!("\nMessaggio dell'ufficio:\n{messaggio}\n")
    };
    Email {
        destinatario: s.email.clone(),
        oggetto: format!(
            "Segnalazione {}: {} - Comune di {nome_comune}",
            s.codice,
            etichetta(nuovo).to_lowercase()
        ),
        testo: format!(
            "Gentile {} {},\n\nla tua segnalazione {} («{}») ora è: {}.\n{nota}\nPuoi seguirla con il link che hai ricevuto nella prima email.\n\nComune di {nome_comune}\n{sito}\n",
            s.nome,
            s.cognome,
            s.codice,
            s.titolo,
            etichetta(nuovo).to_lowercase()
        ),
        ics: None,
        allegati: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Segnalazioni {
        serde_saphyr::from_str(
            "categorie:\n  - nome: Strade\n    ufficio: Lavori pubblici\n    giorni: 10\n  - nome: Verde pubblico\n",
        )
        .unwrap()
    }

    fn ok() -> Nuova {
        Nuova {
            categoria: "Strade".into(),
            titolo: "Buca".into(),
            dettagli: "Una buca profonda".into(),
            indirizzo: "Via Roma 12, 00100 Valfiorita".into(),
            nome: "Maria".into(),
            cognome: "Bianchi".into(),
            email: "m@example.it".into(),
            privacy: true,
            ..Default::default()
        }
    }

    #[test]
    fn the_null_island_is_not_a_place() {
        let mut n = ok();
        n.indirizzo.clear();
        (n.lat, n.lon) = (Some(0.0), Some(0.0));
        let e = controlla(&n, &cfg());
        assert!(
            e["luogo"]
                .as_str()
                .unwrap()
                .contains("non è stata rilevata"),
            "{e:?}"
        );
        (n.lat, n.lon) = (Some(0.0), Some(12.5));
        assert!(controlla(&n, &cfg()).is_empty());
    }

    #[test]
    fn fields_and_place_are_checked() {
        assert!(controlla(&ok(), &cfg()).is_empty());
        let mut n = ok();
        n.indirizzo.clear();
        n.categoria = "Altro".into();
        n.dettagli = "x".repeat(201);
        n.telefono = "chiamami".into();
        n.privacy = false;
        let e = controlla(&n, &cfg());
        for k in ["luogo", "categoria", "dettagli", "telefono", "privacy"] {
            assert!(e.contains_key(k), "{k}: {e:?}");
        }
        n = ok();
        n.indirizzo.clear();
        n.lat = Some(45.1);
        n.lon = Some(9.2);
        assert!(controlla(&n, &cfg()).is_empty());
        n.lon = None;
        assert!(controlla(&n, &cfg()).contains_key("luogo"));
        n = ok();
        n.allegati = vec![FileInviato {
            nome: "../x.jpg".into(),
            dati: "aGVsbG8=".into(),
        }];
        assert!(controlla(&n, &cfg())["allegati"]
            .as_str()
            .unwrap()
            .contains("percorso"));
        n.allegati[0].nome = "foto.jpg".into();
        assert!(controlla(&n, &cfg()).is_empty());
        let e = prepara_allegati(&n).unwrap_err();
        assert!(e.contains("non è una foto"), "{e}");
        n.allegati[0].dati = "data:image/jpeg;base64,%%%".into();
        assert!(prepara_allegati(&n)
            .unwrap_err()
            .contains("non è arrivato intero"));
    }

    #[test]
    fn states_move_only_forward_or_reopen() {
        assert_eq!(successivi("nuova"), ["presa_in_carico", "respinta"]);
        assert!(successivi("chiusa").is_empty());
        assert!(successivi("risolta").contains(&"in_lavorazione"));
        assert!(!successivi("nuova").contains(&"risolta"));
        assert_eq!(etichetta("presa_in_carico"), "Presa in carico");
    }

    #[test]
    fn the_public_place_is_approximate() {
        let (via, punto) = luogo_approssimato(
            "Via Roma 12, 00100 Valfiorita",
            Some("45.123456"),
            Some("9.987654"),
        );
        assert_eq!(via, "Via Roma, Valfiorita");
        assert_eq!(punto, Some((45.123, 9.988)));
        for (scritto, pubblico) in [
            ("Via 4 Novembre 10", "Via 4 Novembre"),
            ("Via Roma, 12", "Via Roma"),
            ("Corso Italia n. 7/B", "Corso Italia"),
            (
                "Piazza XX Settembre snc, Valfiorita",
                "Piazza XX Settembre, Valfiorita",
            ),
        ] {
            assert_eq!(luogo_approssimato(scritto, None, None).0, pubblico);
        }
        assert_eq!(luogo_approssimato("", Some("x"), Some("9")).1, None);
        assert_eq!(
            cfg().uffici(),
            ["Ufficio relazioni con il pubblico", "Lavori pubblici"]
        );
    }
}
