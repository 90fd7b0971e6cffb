//! Drafts of istanze, kept in the area personale: what the citizen typed and attached, saved at
//! every step of the form (so nothing is lost when a field is wrong or the citizen stops), read
//! back to fill the form and the riepilogo, gone when the istanza is sent or after the comune's
//! `bozze_giorni`. Scoped by comune and codice fiscale like the pratiche.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use civico_core::modulo::Valore;

use crate::allegati::Allegato;
use crate::db::{Conn, Esito};
use crate::params;
use crate::registro::{casuale, ts};

/// A draft as read back.
#[derive(Debug, Clone)]
pub struct Bozza {
    pub id: String,
    pub servizio: String,
    /// Texts and choices, and the files as names and sizes.
    pub valori: BTreeMap<String, Valore>,
    /// The files, by field.
    pub file: Vec<(String, Allegato)>,
    pub aggiornata: String,
    pub scade: String,
}

/// Whether `id` can be a draft's id (as `casuale(20)` makes them).
pub fn id_valido(id: &str) -> bool {
    id.len() == 20 && id.chars().all(|c| c.is_ascii_alphanumeric())
}

fn testi_in_json(valori: &BTreeMap<String, Valore>) -> String {
    let m: serde_json::Map<String, Value> = valori
        .iter()
        .filter_map(|(k, v)| match v {
            Valore::Testo(t) => Some((k.clone(), Value::from(t.as_str()))),
            Valore::Lista(l) => Some((k.clone(), Value::from(l.clone()))),
            Valore::File { .. } => None,
        })
        .collect();
    Value::Object(m).to_string()
}

/// Saves what was sent into draft `id` of this citizen (a new draft when `id` is not theirs or
/// absent): the texts replace the draft's, each file replaces the draft's file of its field.
/// The draft's id.
#[allow(clippy::too_many_arguments)]
pub fn salva(
    c: &mut Conn,
    comune: &str,
    codice_fiscale: &str,
    servizio: &str,
    id: Option<&str>,
    valori: &BTreeMap<String, Valore>,
    file: &[(&str, &Allegato)],
    scade: DateTime<Utc>,
) -> Esito<String> {
    let ora = Utc::now();
    c.transazione(|c| {
        let esistente = match id.filter(|i| id_valido(i)) {
            Some(i) => c
                .riga(
                    "SELECT id FROM bozza WHERE comune = ?1 AND id = ?2 AND codice_fiscale = ?3 AND servizio = ?4 AND scade > ?5",
                    params![comune, i, codice_fiscale, servizio, ts(ora)],
                )?
                .map(|r| r[0].testo().to_string()),
            None => None,
        };
        let id = match esistente {
            Some(i) => {
                c.esegui(
                    "UPDATE bozza SET valori = ?3, aggiornata = ?4, scade = ?5 WHERE comune = ?1 AND id = ?2",
                    params![comune, i.as_str(), testi_in_json(valori), ts(ora), ts(scade)],
                )?;
                i
            }
            None => {
                let i = casuale(20);
                c.esegui(
                    "INSERT INTO bozza (comune, id, codice_fiscale, servizio, valori, creata, aggiornata, scade) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
                    params![comune, i.as_str(), codice_fiscale, servizio, testi_in_json(valori), ts(ora), ts(scade)],
                )?;
                i
            }
        };
        for (campo, f) in file {
            c.esegui(
                "DELETE FROM bozza_file WHERE comune = ?1 AND id = ?2 AND campo = ?3",
                params![comune, id.as_str(), *campo],
            )?;
            c.esegui(
                "INSERT INTO bozza_file (comune, id, campo, nome, tipo, dati) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![comune, id.as_str(), *campo, &f.nome, f.tipo, BASE64.encode(&f.dati)],
            )?;
        }
        Ok(id)
    })
}

/// A draft of this citizen, if it has not expired.
pub fn leggi(c: &mut Conn, comune: &str, codice_fiscale: &str, id: &str) -> Esito<Option<Bozza>> {
    let Some(r) = c.riga(
        "SELECT servizio, valori, aggiornata, scade FROM bozza WHERE comune = ?1 AND id = ?2 AND codice_fiscale = ?3 AND scade > ?4",
        params![comune, id, codice_fiscale, ts(Utc::now())],
    )?
    else {
        return Ok(None);
    };
    let json: serde_json::Map<String, Value> =
        serde_json::from_str(r[1].testo()).unwrap_or_default();
    let mut valori = crate::pratiche::valori_da_json(&json).unwrap_or_default();
    let mut file = Vec::new();
    for f in c.righe(
        "SELECT campo, nome, tipo, dati FROM bozza_file WHERE comune = ?1 AND id = ?2 ORDER BY campo",
        params![comune, id],
    )? {
        let tipo = if f[2].testo() == "application/pdf" { "application/pdf" } else { "image/jpeg" };
        let dati = BASE64.decode(f[3].testo()).unwrap_or_default();
        valori.insert(
            f[0].testo().into(),
            Valore::File { nome: f[1].testo().into(), byte: dati.len() as u64 },
        );
        file.push((f[0].testo().to_string(), Allegato { nome: f[1].testo().into(), tipo, dati }));
    }
    Ok(Some(Bozza {
        id: id.to_string(),
        servizio: r[0].testo().into(),
        valori,
        file,
        aggiornata: r[2].testo().into(),
        scade: r[3].testo().into(),
    }))
}

/// The drafts of a citizen: (id, service, last saved, expiry), newest first.
pub fn elenco(
    c: &mut Conn,
    comune: &str,
    codice_fiscale: &str,
) -> Esito<Vec<(String, String, String, String)>> {
    c.quaterne(
        "SELECT id, servizio, aggiornata, scade FROM bozza WHERE comune = ?1 AND codice_fiscale = ?2 AND scade > ?3 ORDER BY aggiornata DESC",
        params![comune, codice_fiscale, ts(Utc::now())],
    )
}

/// Removes a draft (sent, or dropped by the citizen).
pub fn elimina(c: &mut Conn, comune: &str, codice_fiscale: &str, id: &str) -> Esito<()> {
    let n = c.esegui(
        "DELETE FROM bozza WHERE comune = ?1 AND id = ?2 AND codice_fiscale = ?3",
        params![comune, id, codice_fiscale],
    )?;
    if n == 1 {
        c.esegui(
            "DELETE FROM bozza_file WHERE comune = ?1 AND id = ?2",
            params![comune, id],
        )?;
    }
    Ok(())
}

/// Deletes the expired drafts of every comune: how many.
pub fn purga(c: &mut Conn, ora: DateTime<Utc>) -> Esito<u64> {
    c.esegui(
        "DELETE FROM bozza_file WHERE EXISTS (SELECT 1 FROM bozza b WHERE b.comune = bozza_file.comune AND b.id = bozza_file.id AND b.scade <= ?1)",
        params![ts(ora)],
    )?;
    c.esegui("DELETE FROM bozza WHERE scade <= ?1", params![ts(ora)])
}

/// When a draft saved now expires.
pub fn scadenza(giorni: i64) -> DateTime<Utc> {
    Utc::now() + Duration::days(giorni)
}
