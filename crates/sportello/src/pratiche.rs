//! Pratiche: the istanze citizens send from the area personale, checked against the form of
//! the scheda servizio (`civico_core::modulo`, the code the build checks the form with), with a
//! number `PR-XXXX-XXXX` unique in the comune, the SHA-256 of what was declared, the term of the
//! procedure, their states and history. Every row and query is scoped by comune and, for the
//! citizen, by codice fiscale: nobody reads another person's pratica.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::cittadini::Sessione;
use crate::db::{Conn, Esito, Valore as V};
use crate::params;
use crate::registro::{accoda, codice_leggibile, riserva_chiave, rispondi, ts, Email};
use civico_core::modulo::{Identita, ServizioOnline, Valore};

/// Migration 6: logins in progress, citizens' sessions, pratiche, their history and files, and
/// attachments in the mail queue.
pub const SCHEMA: &str = "
CREATE TABLE accesso_cittadino (
    stato TEXT PRIMARY KEY, comune TEXT NOT NULL, legame TEXT NOT NULL, nonce TEXT NOT NULL,
    verificatore TEXT NOT NULL, dopo TEXT NOT NULL, scade TEXT NOT NULL);
CREATE TABLE sessione_cittadino (
    id TEXT PRIMARY KEY, comune TEXT NOT NULL, codice_fiscale TEXT NOT NULL,
    nome TEXT NOT NULL, cognome TEXT NOT NULL, email TEXT, livello BIGINT NOT NULL,
    id_token TEXT NOT NULL, creata TEXT NOT NULL, scade TEXT NOT NULL);
CREATE TABLE pratica (
    comune TEXT NOT NULL, numero TEXT NOT NULL, servizio TEXT NOT NULL, titolo TEXT NOT NULL,
    codice_fiscale TEXT NOT NULL, nome TEXT NOT NULL, cognome TEXT NOT NULL, email TEXT,
    dati TEXT NOT NULL, impronta TEXT NOT NULL,
    stato TEXT NOT NULL CHECK (stato IN ('inviata', 'protocollata', 'in_istruttoria',
        'integrazione', 'accolta', 'respinta', 'conclusa')),
    protocollo TEXT, creata TEXT NOT NULL, aggiornata TEXT NOT NULL, scadenza TEXT NOT NULL,
    ufficio TEXT NOT NULL, sospesa TEXT,
    PRIMARY KEY (comune, numero));
CREATE INDEX pratica_persona ON pratica (comune, codice_fiscale, creata);
CREATE TABLE pratica_storia (
    comune TEXT NOT NULL, numero TEXT NOT NULL, n BIGINT NOT NULL, quando TEXT NOT NULL,
    chi TEXT NOT NULL, azione TEXT NOT NULL, stato TEXT NOT NULL,
    messaggio TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (comune, numero, n));
ALTER TABLE posta ADD COLUMN allegati TEXT;
CREATE TABLE bozza (
    comune TEXT NOT NULL, id TEXT NOT NULL, codice_fiscale TEXT NOT NULL,
    servizio TEXT NOT NULL, valori TEXT NOT NULL, creata TEXT NOT NULL,
    aggiornata TEXT NOT NULL, scade TEXT NOT NULL,
    PRIMARY KEY (comune, id));
CREATE INDEX bozza_persona ON bozza (comune, codice_fiscale, scade);
CREATE TABLE bozza_file (
    comune TEXT NOT NULL, id TEXT NOT NULL, campo TEXT NOT NULL, nome TEXT NOT NULL,
    tipo TEXT NOT NULL, dati TEXT NOT NULL,
    PRIMARY KEY (comune, id, campo));
ALTER TABLE prenotazione ADD COLUMN codice_fiscale TEXT;
CREATE INDEX prenotazione_cittadino ON prenotazione (comune, codice_fiscale);
ALTER TABLE segnalazione ADD COLUMN codice_fiscale TEXT;
CREATE INDEX segnalazione_cittadino ON segnalazione (comune, codice_fiscale);
CREATE TABLE io_pratica (
    comune TEXT NOT NULL, numero TEXT NOT NULL, passo BIGINT NOT NULL,
    codice_fiscale TEXT NOT NULL, oggetto TEXT NOT NULL, testo TEXT NOT NULL,
    creata TEXT NOT NULL, tentativi BIGINT NOT NULL DEFAULT 0, prossimo TEXT NOT NULL,
    PRIMARY KEY (comune, numero, passo));
CREATE TABLE pratica_allegato (
    comune TEXT NOT NULL, numero TEXT NOT NULL, n BIGINT NOT NULL, campo TEXT NOT NULL,
    nome TEXT NOT NULL, tipo TEXT NOT NULL, sha256 TEXT NOT NULL, dati TEXT NOT NULL,
    passo BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (comune, numero, n));
";

/// A pratica as the citizen sees it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Pratica {
    pub numero: String,
    pub servizio: String,
    pub titolo: String,
    pub stato: String,
    pub stato_etichetta: &'static str,
    pub creata: String,
    pub scadenza: String,
    pub impronta: String,
    pub protocollo: Option<String>,
}

/// The Italian name of a state.
pub fn etichetta(stato: &str) -> &'static str {
    STATI
        .iter()
        .find(|(s, _)| *s == stato)
        .map_or("Sconosciuto", |(_, e)| e)
}

/// The states of a pratica, in order, with their Italian names.
pub const STATI: &[(&str, &str)] = &[
    ("inviata", "Inviata"),
    ("protocollata", "Protocollata"),
    ("in_istruttoria", "In istruttoria"),
    ("integrazione", "Richiesta di integrazione"),
    ("accolta", "Accolta"),
    ("respinta", "Respinta"),
    ("conclusa", "Conclusa"),
];

/// The submitted values as JSON (`{"campo": "testo"}`, lists for checkboxes), in the order of
/// the form.
pub fn valori_da_json(
    v: &serde_json::Map<String, Value>,
) -> Result<BTreeMap<String, Valore>, String> {
    let mut out = BTreeMap::new();
    for (k, x) in v {
        let valore = match x {
            Value::String(s) => Valore::Testo(s.clone()),
            Value::Array(a) => Valore::Lista(
                a.iter()
                    .map(|e| {
                        e.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| format!("`{k}`: un elenco di testi"))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Value::Number(n) => Valore::Testo(n.to_string()),
            Value::Null => continue,
            _ => return Err(format!("`{k}`: valore non valido")),
        };
        out.insert(k.clone(), valore);
    }
    Ok(out)
}

/// The identity's values replace whatever was typed in the fields that come from it (they are
/// not editable).
pub fn con_identita(s: &ServizioOnline, chi: &Sessione, valori: &mut BTreeMap<String, Valore>) {
    for c in s.modulo.campi() {
        let v = match c.da_identita {
            Some(Identita::Nome) => Some(chi.nome.clone()),
            Some(Identita::Cognome) => Some(chi.cognome.clone()),
            Some(Identita::CodiceFiscale) => Some(chi.codice_fiscale.clone()),
            Some(Identita::Email) => chi.email.clone(),
            None => continue,
        };
        match v {
            Some(v) => valori.insert(c.nome.value.clone(), Valore::Testo(v)),
            None => None,
        };
    }
}

/// What a step of a pratica sends: emails, and the message to the IO app when the comune has an
/// IO service for pratiche.
#[derive(Debug, Default)]
pub struct Avvisi {
    pub email: Vec<Email>,
    pub io: Option<crate::avvisi_io::MessaggioIo>,
}

impl Avvisi {
    /// Queues them, in the caller's transaction, for history step `passo`.
    pub fn accoda(
        &self,
        c: &mut Conn,
        comune: &str,
        numero: &str,
        passo: i64,
        codice_fiscale: &str,
        ora: DateTime<Utc>,
    ) -> Esito<()> {
        for e in &self.email {
            accoda(c, comune, e, ora)?;
        }
        if let Some(m) = &self.io {
            crate::avvisi_io::accoda(c, comune, numero, passo, codice_fiscale, m, ora)?;
        }
        Ok(())
    }
}

/// An istanza as sent: the service, who sends it, the values checked against the form and the
/// files.
#[derive(Clone, Copy)]
pub struct Istanza<'a> {
    pub servizio: &'a ServizioOnline,
    pub chi: &'a Sessione,
    pub valori: &'a BTreeMap<String, Valore>,
    pub file: &'a [File<'a>],
    /// The idempotency key of the request: a retry gets the pratica the first one made.
    pub chiave: Option<&'a str>,
}

/// A file of an istanza: the field it answers and the checked file.
pub struct File<'a> {
    pub campo: &'a str,
    pub file: &'a crate::allegati::Allegato,
}

/// The declared data as JSON; a file is its name, size and SHA-256.
fn in_json(valori: &BTreeMap<String, Valore>, file: &[File<'_>]) -> Value {
    valori
        .iter()
        .map(|(k, v)| {
            let j = match v {
                Valore::Testo(t) => Value::from(t.as_str()),
                Valore::Lista(l) => Value::from(l.clone()),
                Valore::File { nome, byte } => {
                    let sha = file
                        .iter()
                        .find(|f| f.campo == k)
                        .map(|f| impronta_di(&f.file.dati))
                        .unwrap_or_default();
                    serde_json::json!({"nome": nome, "byte": byte, "sha256": sha})
                }
            };
            (k.clone(), j)
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// The SHA-256 of the declared data (their JSON, files by their own SHA-256), as hex.
pub fn impronta(dati: &str) -> String {
    impronta_di(dati.as_bytes())
}

/// The SHA-256 of bytes, as hex.
pub fn impronta_di(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Registers a pratica and queues the message to the citizen, in one transaction.
pub fn registra(
    c: &mut Conn,
    comune: &str,
    ist: &Istanza<'_>,
    ora: DateTime<Utc>,
    messaggi: impl FnOnce(&Pratica, &Value) -> Avvisi,
) -> Esito<Pratica> {
    let Istanza {
        servizio: s,
        chi,
        valori,
        file,
        chiave,
    } = *ist;
    // Scoped to the citizen: another person's key never reaches this one's pratica.
    let chiave = chiave.map(|k| format!("istanza:{}:{k}", chi.codice_fiscale));
    let json = in_json(valori, file);
    let dati = json.to_string();
    let p = Pratica {
        numero: codice_leggibile("PR"),
        servizio: s.slug.clone(),
        titolo: s.titolo.clone(),
        stato: "inviata".into(),
        stato_etichetta: etichetta("inviata"),
        creata: ts(ora),
        scadenza: ts(ora + Duration::days(i64::from(s.modulo.termine_giorni.value))),
        impronta: impronta(&dati),
        protocollo: None,
    };
    c.transazione(|c| {
        if let Some(k) = &chiave {
            if let Some(numero) = riserva_chiave(c, comune, k, ora)? {
                let gia = una(c, comune, &chi.codice_fiscale, &numero)?;
                return Ok(gia.map_or_else(|| p.clone(), |(x, _)| x));
            }
        }
        c.esegui(
            "INSERT INTO pratica (comune, numero, servizio, titolo, codice_fiscale, nome, cognome, email, dati, impronta, stato, creata, aggiornata, scadenza, ufficio) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'inviata', ?11, ?11, ?12, ?13)",
            params![comune, &p.numero, &p.servizio, &p.titolo, &chi.codice_fiscale, &chi.nome, &chi.cognome, chi.email.clone(), dati, &p.impronta, &p.creata, &p.scadenza, &s.ufficio],
        )?;
        c.esegui(
            "INSERT INTO pratica_storia (comune, numero, n, quando, chi, azione, stato, messaggio) VALUES (?1, ?2, 1, ?3, 'cittadino', 'inviata', 'inviata', '')",
            params![comune, &p.numero, &p.creata],
        )?;
        salva_file(c, comune, &p.numero, 1, file)?;
        messaggi(&p, &json).accoda(c, comune, &p.numero, 1, &chi.codice_fiscale, ora)?;
        if let Some(k) = &chiave {
            rispondi(c, comune, k, &p.numero)?;
        }
        Ok(p.clone())
    })
}

/// Stores the files sent with the history entry `passo` (1: the istanza itself).
pub fn salva_file(
    c: &mut Conn,
    comune: &str,
    numero: &str,
    passo: i64,
    file: &[File<'_>],
) -> Esito<()> {
    for f in file {
        c.esegui(
            "INSERT INTO pratica_allegato (comune, numero, n, campo, nome, tipo, sha256, dati, passo)
             SELECT ?1, ?2, COALESCE(MAX(n), 0) + 1, ?3, ?4, ?5, ?6, ?7, ?8
             FROM pratica_allegato WHERE comune = ?1 AND numero = ?2",
            params![comune, numero, f.campo, &f.file.nome, f.file.tipo, impronta_di(&f.file.dati), BASE64.encode(&f.file.dati), passo],
        )?;
    }
    Ok(())
}

const CAMPI: &str = "numero, servizio, titolo, stato, creata, scadenza, impronta, protocollo";

fn pratica(r: &[V]) -> Pratica {
    Pratica {
        numero: r[0].testo().into(),
        servizio: r[1].testo().into(),
        titolo: r[2].testo().into(),
        stato: r[3].testo().into(),
        stato_etichetta: etichetta(r[3].testo()),
        creata: r[4].testo().into(),
        scadenza: r[5].testo().into(),
        impronta: r[6].testo().into(),
        protocollo: r[7].opzione().map(str::to_string),
    }
}

/// The pratica a request with idempotency key `chiave` already made for this citizen, if any.
pub fn gia_inviata(
    c: &mut Conn,
    comune: &str,
    codice_fiscale: &str,
    chiave: &str,
) -> Esito<Option<Pratica>> {
    let k = format!("istanza:{codice_fiscale}:{chiave}");
    match crate::registro::gia_risposto(c, comune, &k)? {
        Some(numero) => Ok(una(c, comune, codice_fiscale, &numero)?.map(|(p, _)| p)),
        None => Ok(None),
    }
}

/// The pratiche of one citizen in one comune, newest first.
pub fn elenco(c: &mut Conn, comune: &str, codice_fiscale: &str) -> Esito<Vec<Pratica>> {
    Ok(c
        .righe(
            &format!("SELECT {CAMPI} FROM pratica WHERE comune = ?1 AND codice_fiscale = ?2 ORDER BY creata DESC, numero"),
            params![comune, codice_fiscale],
        )?
        .iter()
        .map(|r| pratica(r))
        .collect())
}

/// One pratica of one citizen, with what was declared; `None` when it is not theirs.
pub fn una(
    c: &mut Conn,
    comune: &str,
    codice_fiscale: &str,
    numero: &str,
) -> Esito<Option<(Pratica, Value)>> {
    let r = c.riga(
        &format!("SELECT {CAMPI}, dati FROM pratica WHERE comune = ?1 AND codice_fiscale = ?2 AND numero = ?3"),
        params![comune, codice_fiscale, numero],
    )?;
    Ok(r.map(|r| {
        let dati = serde_json::from_str(r[8].testo()).unwrap_or(Value::Null);
        (pratica(&r), dati)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_values_become_form_values() {
        let v = serde_json::json!({"a": "x", "b": ["1", "2"], "c": 3, "d": null});
        let m = valori_da_json(v.as_object().unwrap()).unwrap();
        assert_eq!(m["a"], Valore::Testo("x".into()));
        assert_eq!(m["b"], Valore::Lista(vec!["1".into(), "2".into()]));
        assert_eq!(m["c"], Valore::Testo("3".into()));
        assert!(!m.contains_key("d"));
        let male = serde_json::json!({"a": {"x": 1}});
        assert!(valori_da_json(male.as_object().unwrap()).is_err());
    }
}
