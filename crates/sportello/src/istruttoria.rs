//! The life of a pratica after it is sent: inviata → protocollata (with the protocol number) →
//! in istruttoria → richiesta di integrazione (the citizen answers with text and files; the term
//! of the procedure is suspended meanwhile) → accolta or respinta (with the motivazione) →
//! conclusa. Every step is taken under the pratica's row lock, recorded in its history (who,
//! when, what, the message) and announced to the citizen in the same transaction; a pratica past
//! its term and still open is overdue. Operators restricted to offices act only on theirs.
//! Retention: concluded pratiche go after the comune's days, except protocolled ones (legal
//! hold: the protocol register keeps them).

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use crate::db::{Conn, DbErrore, Esito, Valore as V};
use crate::params;
use crate::pratiche::{etichetta, salva_file, Avvisi, File};
use crate::registro::{accoda, ts, Email};

pub use crate::pratiche::STATI;

/// The states an operator may move a pratica to from `da`.
pub fn successivi(da: &str) -> &'static [&'static str] {
    match da {
        "inviata" => &["protocollata", "respinta"],
        "protocollata" => &["in_istruttoria", "respinta"],
        "in_istruttoria" => &["integrazione", "accolta", "respinta"],
        "integrazione" => &["in_istruttoria", "respinta"],
        "accolta" | "respinta" => &["conclusa"],
        _ => &[],
    }
}

/// Whether the procedure is over (the term no longer runs).
pub fn chiusa(stato: &str) -> bool {
    matches!(stato, "accolta" | "respinta" | "conclusa")
}

/// A pratica as the office sees it.
#[derive(Debug, Clone)]
pub struct Scheda {
    pub numero: String,
    pub servizio: String,
    pub titolo: String,
    pub ufficio: String,
    pub codice_fiscale: String,
    pub nome: String,
    pub cognome: String,
    pub email: Option<String>,
    pub stato: String,
    pub protocollo: Option<String>,
    pub creata: String,
    pub aggiornata: String,
    pub scadenza: String,
    /// Since when the term is suspended (an integration is awaited).
    pub sospesa: Option<String>,
    pub impronta: String,
    pub dati: Value,
}

impl Scheda {
    /// The pratica as the citizen's lists and the ricevuta show it.
    pub fn pratica(&self) -> crate::pratiche::Pratica {
        crate::pratiche::Pratica {
            numero: self.numero.clone(),
            servizio: self.servizio.clone(),
            titolo: self.titolo.clone(),
            stato: self.stato.clone(),
            stato_etichetta: etichetta(&self.stato),
            creata: self.creata.clone(),
            scadenza: self.scadenza.clone(),
            impronta: self.impronta.clone(),
            protocollo: self.protocollo.clone(),
        }
    }

    /// Past its term, open, and not waiting for the citizen.
    pub fn scaduta(&self, ora: DateTime<Utc>) -> bool {
        !chiusa(&self.stato) && self.sospesa.is_none() && self.scadenza < ts(ora)
    }
}

const CAMPI: &str = "numero, servizio, titolo, ufficio, codice_fiscale, nome, cognome, email, stato, protocollo, creata, aggiornata, scadenza, sospesa, impronta, dati";

fn scheda(r: &[V]) -> Scheda {
    Scheda {
        numero: r[0].testo().into(),
        servizio: r[1].testo().into(),
        titolo: r[2].testo().into(),
        ufficio: r[3].testo().into(),
        codice_fiscale: r[4].testo().into(),
        nome: r[5].testo().into(),
        cognome: r[6].testo().into(),
        email: r[7].opzione().map(str::to_string),
        stato: r[8].testo().into(),
        protocollo: r[9].opzione().map(str::to_string),
        creata: r[10].testo().into(),
        aggiornata: r[11].testo().into(),
        scadenza: r[12].testo().into(),
        sospesa: r[13].opzione().map(str::to_string),
        impronta: r[14].testo().into(),
        dati: serde_json::from_str(r[15].testo()).unwrap_or(Value::Null),
    }
}

/// Which pratiche a reader may see: the whole comune, some offices, or one citizen's.
#[derive(Debug, Clone, Copy)]
pub enum Chi<'a> {
    Comune,
    Uffici(&'a [String]),
    Cittadino(&'a str),
}

fn visibile(s: &Scheda, chi: Chi<'_>) -> bool {
    match chi {
        Chi::Comune => true,
        Chi::Uffici(u) => u.contains(&s.ufficio),
        Chi::Cittadino(cf) => s.codice_fiscale == cf,
    }
}

/// One pratica of `comune`, if `chi` may see it.
pub fn leggi(c: &mut Conn, comune: &str, numero: &str, chi: Chi<'_>) -> Esito<Option<Scheda>> {
    let r = c.riga(
        &format!("SELECT {CAMPI} FROM pratica WHERE comune = ?1 AND numero = ?2"),
        params![comune, numero],
    )?;
    Ok(r.map(|r| scheda(&r)).filter(|s| visibile(s, chi)))
}

/// The pratiche of `comune` that `chi` may see, newest first, in one state if given.
pub fn elenco(c: &mut Conn, comune: &str, stato: Option<&str>, chi: Chi<'_>) -> Esito<Vec<Scheda>> {
    let righe = c.righe(
        &format!("SELECT {CAMPI} FROM pratica WHERE comune = ?1 AND (?2 = '' OR stato = ?2) ORDER BY creata DESC, numero"),
        params![comune, stato.unwrap_or("")],
    )?;
    Ok(righe
        .iter()
        .map(|r| scheda(r))
        .filter(|s| visibile(s, chi))
        .collect())
}

/// A step of the history.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Passo {
    pub n: i64,
    pub quando: String,
    pub chi: String,
    pub azione: String,
    pub stato: String,
    pub messaggio: String,
}

/// The history of a pratica, oldest first.
pub fn passi(c: &mut Conn, comune: &str, numero: &str) -> Esito<Vec<Passo>> {
    Ok(c
        .righe(
            "SELECT n, quando, chi, azione, stato, messaggio FROM pratica_storia WHERE comune = ?1 AND numero = ?2 ORDER BY n",
            params![comune, numero],
        )?
        .into_iter()
        .map(|r| Passo {
            n: r[0].intero(),
            quando: r[1].testo().into(),
            chi: r[2].testo().into(),
            azione: r[3].testo().into(),
            stato: r[4].testo().into(),
            messaggio: r[5].testo().into(),
        })
        .collect())
}

/// A file of a pratica, as listed.
#[derive(Debug, Clone)]
pub struct FilePratica {
    pub n: i64,
    /// The form's field, or `integrazione`.
    pub campo: String,
    pub nome: String,
    pub tipo: String,
    pub sha256: String,
    /// The history step it came with (1: the istanza).
    pub passo: i64,
}

/// The files of a pratica.
pub fn file(c: &mut Conn, comune: &str, numero: &str) -> Esito<Vec<FilePratica>> {
    Ok(c
        .righe(
            "SELECT n, campo, nome, tipo, sha256, passo FROM pratica_allegato WHERE comune = ?1 AND numero = ?2 ORDER BY n",
            params![comune, numero],
        )?
        .into_iter()
        .map(|r| FilePratica {
            n: r[0].intero(),
            campo: r[1].testo().into(),
            nome: r[2].testo().into(),
            tipo: r[3].testo().into(),
            sha256: r[4].testo().into(),
            passo: r[5].intero(),
        })
        .collect())
}

/// One file's name, type and content.
pub fn contenuto(
    c: &mut Conn,
    comune: &str,
    numero: &str,
    n: i64,
) -> Esito<Option<(String, String, Vec<u8>)>> {
    use base64::Engine as _;
    let r = c.riga(
        "SELECT nome, tipo, dati FROM pratica_allegato WHERE comune = ?1 AND numero = ?2 AND n = ?3",
        params![comune, numero, n],
    )?;
    Ok(r.map(|r| {
        let dati = base64::engine::general_purpose::STANDARD
            .decode(r[2].testo())
            .unwrap_or_default();
        (r[0].testo().into(), r[1].testo().into(), dati)
    }))
}

/// Appends a step to the history: its number.
fn storia(c: &mut Conn, comune: &str, numero: &str, p: &Passo) -> Esito<i64> {
    let n = c
        .riga(
            "SELECT COALESCE(MAX(n), 0) + 1 FROM pratica_storia WHERE comune = ?1 AND numero = ?2",
            params![comune, numero],
        )?
        .map_or(1, |r| r[0].intero());
    c.esegui(
        "INSERT INTO pratica_storia (comune, numero, n, quando, chi, azione, stato, messaggio) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![comune, numero, n, &p.quando, &p.chi, &p.azione, &p.stato, &p.messaggio],
    )?;
    Ok(n)
}

fn passo(ora: DateTime<Utc>, chi: &str, azione: &str, stato: &str, messaggio: &str) -> Passo {
    Passo {
        n: 0,
        quando: ts(ora),
        chi: chi.into(),
        azione: azione.into(),
        stato: stato.into(),
        messaggio: messaggio.into(),
    }
}

/// Why an action was not taken.
#[derive(Debug, PartialEq, Eq)]
pub enum Respinta {
    Inesistente,
    Passaggio(String, String),
    /// A request of integration, a rejection or an acceptance needs a message to the citizen.
    SenzaMessaggio,
    SenzaProtocollo,
    /// The citizen answered a pratica that awaits nothing.
    NonInAttesa,
}

impl Respinta {
    /// The reason, in Italian.
    pub fn perche(&self) -> String {
        match self {
            Respinta::Inesistente => "la pratica non esiste o non è di tua competenza".into(),
            Respinta::Passaggio(da, a) => format!(
                "dallo stato «{}» non si passa a «{}»: forse un collega l'ha già aggiornata",
                etichetta(da),
                etichetta(a)
            ),
            Respinta::SenzaMessaggio => "scrivi il messaggio per il cittadino (la richiesta di integrazione, o la motivazione)".into(),
            Respinta::SenzaProtocollo => "scrivi il numero di protocollo assegnato".into(),
            Respinta::NonInAttesa => "la pratica non attende integrazioni".into(),
        }
    }
}

/// An operator's action: the new state, the message to the citizen, the protocol number.
#[derive(Debug, Clone, Default)]
pub struct Azione {
    pub stato: String,
    pub messaggio: String,
    pub protocollo: String,
    /// A document for the citizen (the decision, a request form), already checked.
    pub documento: Option<crate::allegati::Allegato>,
}

/// Takes the pratica's row (PostgreSQL) before reading it, so two writers go in turn.
fn prendi(c: &mut Conn, comune: &str, numero: &str, chi: Chi<'_>) -> Esito<Option<Scheda>> {
    let preso = c.esegui(
        "UPDATE pratica SET aggiornata = aggiornata WHERE comune = ?1 AND numero = ?2",
        params![comune, numero],
    )?;
    if preso != 1 {
        return Ok(None);
    }
    leggi(c, comune, numero, chi)
}

/// The term after a suspension that ends now: moved forward by the time suspended.
fn riprende(s: &Scheda, ora: DateTime<Utc>) -> String {
    let (Ok(scadenza), Some(Ok(dal))) = (
        s.scadenza.parse::<DateTime<Utc>>(),
        s.sospesa.as_deref().map(str::parse::<DateTime<Utc>>),
    ) else {
        return s.scadenza.clone();
    };
    ts(scadenza + (ora - dal).max(Duration::zero()))
}

/// Applies an operator's action, records it and queues what `componi` writes to the citizen.
#[allow(clippy::too_many_arguments)]
pub fn agisci(
    c: &mut Conn,
    comune: &str,
    numero: &str,
    a: &Azione,
    operatore: &str,
    chi: Chi<'_>,
    ora: DateTime<Utc>,
    componi: impl FnOnce(&Scheda, &str, &str) -> Avvisi,
) -> Result<Result<Scheda, Respinta>, DbErrore> {
    c.transazione(|c| {
        let Some(s) = prendi(c, comune, numero, chi)? else {
            return Ok(Err(Respinta::Inesistente));
        };
        if !successivi(&s.stato).contains(&a.stato.as_str()) {
            return Ok(Err(Respinta::Passaggio(s.stato.clone(), a.stato.clone())));
        }
        let messaggio = a.messaggio.trim();
        if matches!(a.stato.as_str(), "integrazione" | "respinta" | "accolta")
            && messaggio.is_empty()
        {
            return Ok(Err(Respinta::SenzaMessaggio));
        }
        let protocollo = a.protocollo.trim();
        if a.stato == "protocollata" && protocollo.is_empty() {
            return Ok(Err(Respinta::SenzaProtocollo));
        }
        let sospesa = (a.stato == "integrazione").then(|| ts(ora));
        let scadenza = if s.sospesa.is_some() {
            riprende(&s, ora)
        } else {
            s.scadenza.clone()
        };
        c.esegui(
            "UPDATE pratica SET stato = ?3, aggiornata = ?4, sospesa = ?5, scadenza = ?6,
                 protocollo = CASE WHEN ?7 = '' THEN protocollo ELSE ?7 END
             WHERE comune = ?1 AND numero = ?2",
            params![
                comune,
                numero,
                a.stato.as_str(),
                ts(ora),
                sospesa,
                scadenza,
                protocollo
            ],
        )?;
        let testo = if a.stato == "protocollata" {
            format!("Protocollo n. {protocollo}")
        } else {
            messaggio.to_string()
        };
        let n = storia(
            c,
            comune,
            numero,
            &passo(ora, operatore, "stato", &a.stato, &testo),
        )?;
        if let Some(d) = &a.documento {
            salva_file(
                c,
                comune,
                numero,
                n,
                &[File {
                    campo: "documento",
                    file: d,
                }],
            )?;
        }
        let dopo = leggi(c, comune, numero, Chi::Comune)?.unwrap_or(s);
        componi(&dopo, &a.stato, &testo).accoda(c, comune, numero, n, &dopo.codice_fiscale, ora)?;
        Ok(Ok(dopo))
    })
}

/// The citizen's answer to a request of integration: text and files; the pratica goes back to
/// the office and the term runs again.
#[allow(clippy::too_many_arguments)]
pub fn integra(
    c: &mut Conn,
    comune: &str,
    codice_fiscale: &str,
    numero: &str,
    testo: &str,
    file: &[File<'_>],
    ora: DateTime<Utc>,
    componi: impl FnOnce(&Scheda) -> Vec<Email>,
) -> Result<Result<Scheda, Respinta>, DbErrore> {
    c.transazione(|c| {
        let Some(s) = prendi(c, comune, numero, Chi::Cittadino(codice_fiscale))? else {
            return Ok(Err(Respinta::Inesistente));
        };
        if s.stato != "integrazione" {
            return Ok(Err(Respinta::NonInAttesa));
        }
        c.esegui(
            "UPDATE pratica SET stato = 'in_istruttoria', aggiornata = ?3, sospesa = NULL, scadenza = ?4 WHERE comune = ?1 AND numero = ?2",
            params![comune, numero, ts(ora), riprende(&s, ora)],
        )?;
        let n = storia(c, comune, numero, &passo(ora, "cittadino", "integrazione", "in_istruttoria", testo.trim()))?;
        salva_file(c, comune, numero, n, file)?;
        let dopo = leggi(c, comune, numero, Chi::Comune)?.unwrap_or(s);
        for e in componi(&dopo) {
            accoda(c, comune, &e, ora)?;
        }
        Ok(Ok(dopo))
    })
}

/// Deletes the concluded pratiche last changed before `prima_di`, except protocolled ones.
pub fn purga(c: &mut Conn, comune: &str, prima_di: DateTime<Utc>) -> Esito<u64> {
    let scelte = "SELECT numero FROM pratica WHERE comune = ?1 AND stato = 'conclusa' AND protocollo IS NULL AND aggiornata < ?2";
    for tabella in ["pratica_allegato", "pratica_storia"] {
        c.esegui(
            &format!("DELETE FROM {tabella} WHERE comune = ?1 AND numero IN ({scelte})"),
            params![comune, ts(prima_di)],
        )?;
    }
    c.esegui(
        "DELETE FROM pratica WHERE comune = ?1 AND stato = 'conclusa' AND protocollo IS NULL AND aggiornata < ?2",
        params![comune, ts(prima_di)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_is_reachable_and_closed_ones_lead_only_to_conclusa() {
        let mut visti = vec!["inviata"];
        let mut i = 0;
        while i < visti.len() {
            for s in successivi(visti[i]) {
                if !visti.contains(s) {
                    visti.push(s);
                }
            }
            i += 1;
        }
        let mut tutti: Vec<&str> = STATI.iter().map(|(s, _)| *s).collect();
        tutti.sort_unstable();
        visti.sort_unstable();
        assert_eq!(visti, tutti);
        assert_eq!(successivi("accolta"), ["conclusa"]);
        assert!(successivi("conclusa").is_empty());
    }

    #[test]
    fn a_suspension_moves_the_term_forward() {
        let s = Scheda {
            numero: String::new(),
            servizio: String::new(),
            titolo: String::new(),
            ufficio: String::new(),
            codice_fiscale: String::new(),
            nome: String::new(),
            cognome: String::new(),
            email: None,
            stato: "integrazione".into(),
            protocollo: None,
            creata: String::new(),
            aggiornata: String::new(),
            scadenza: "2027-01-10T10:00:00Z".into(),
            sospesa: Some("2026-12-01T10:00:00Z".into()),
            impronta: String::new(),
            dati: Value::Null,
        };
        let ora: DateTime<Utc> = "2026-12-11T10:00:00Z".parse().unwrap();
        assert_eq!(riprende(&s, ora), "2027-01-20T10:00:00Z");
        assert!(
            !s.scaduta("2027-02-01T00:00:00Z".parse().unwrap()),
            "suspended: not overdue"
        );
    }
}
