//! Richieste di assistenza (Modello Comuni): nome, cognome, email, categoria (the 15 service
//! categories plus "Relazioni con il pubblico"), servizio, a description up to 600 characters
//! and the privacy acknowledgement. A request is stored with a readable code, the citizen gets
//! the summary by email and the comune's office (`email_assistenza` in sportello.yaml) a copy;
//! operators see them in the back-office, close them and export CSV; the jobs delete them after
//! the comune's retention. Every row is scoped by comune.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::db::{Conn, Esito};
use super::registro::{accoda, codice_leggibile, riserva_chiave, rispondi, ts, Email, Fallito};
use crate::params;

/// The category that is not a service category.
pub const URP: &str = "Relazioni con il pubblico";

/// The categories a request may name.
pub fn categorie() -> Vec<String> {
    civico_core::vocabolari::get()
        .categorie_servizio
        .iter()
        .map(|c| c.nome.clone())
        .chain([URP.to_string()])
        .collect()
}

/// What the form posts.
#[derive(Debug, Clone, Deserialize)]
pub struct Richiesta {
    #[serde(default)]
    pub nome: String,
    #[serde(default)]
    pub cognome: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub categoria: String,
    #[serde(default)]
    pub servizio: String,
    #[serde(default)]
    pub descrizione: String,
    #[serde(default)]
    pub privacy: bool,
    #[serde(default)]
    pub altcha: Option<String>,
    #[serde(default)]
    pub sito_web: String,
}

/// Field checks; the message per field.
pub fn controlla(r: &Richiesta) -> serde_json::Map<String, serde_json::Value> {
    let mut e = serde_json::Map::new();
    let mut metti = |k: &str, m: &str| {
        e.insert(k.into(), serde_json::Value::String(m.into()));
    };
    for (campo, v) in [("nome", &r.nome), ("cognome", &r.cognome)] {
        if v.trim().is_empty() {
            metti(campo, "campo obbligatorio");
        } else if v.chars().count() > 100 || v.chars().any(char::is_control) {
            metti(campo, "al massimo 100 caratteri, senza a capo");
        }
    }
    if !civico_core::sportello::email_valida(r.email.trim()) {
        metti(
            "email",
            "indirizzo email non valido: scrivilo come nome@esempio.it",
        );
    }
    if !categorie().iter().any(|c| c == &r.categoria) {
        metti("categoria", "scegli una delle categorie proposte");
    }
    if r.servizio.trim().is_empty() || r.servizio.chars().count() > 200 {
        metti("servizio", "scegli il servizio per cui chiedi assistenza");
    }
    let n = r.descrizione.trim().chars().count();
    if n == 0 {
        metti("descrizione", "descrivi la tua richiesta");
    } else if n > 600 {
        metti("descrizione", "al massimo 600 caratteri (ora sono di più)");
    }
    if !r.privacy {
        metti(
            "privacy",
            "conferma di aver letto l'informativa sulla privacy",
        );
    }
    e
}

/// The idempotency key of a request, apart from the bookings' keys of the same comune.
pub fn chiave_assistenza(k: &str) -> String {
    format!("assistenza:{k}")
}

/// A stored request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registrata {
    pub codice: String,
    pub creata: String,
    pub nome: String,
    pub cognome: String,
    pub email: String,
    pub categoria: String,
    pub servizio: String,
    pub descrizione: String,
    pub stato: String,
}

/// Stores a request and queues the messages `componi` makes, in one transaction; with an
/// idempotency key a repeated request gets the first code. The code, `AS-XXXX-XXXX`.
pub fn registra(
    c: &mut Conn,
    comune: &str,
    r: &Richiesta,
    chiave: Option<&str>,
    ora: DateTime<Utc>,
    componi: impl FnOnce(&str) -> Vec<Email>,
) -> Result<String, Fallito> {
    c.transazione(|c| {
        let k = chiave.map(chiave_assistenza);
        if let Some(k) = &k {
            if let Some(prima) = riserva_chiave(c, comune, k, ora)? {
                return Ok(prima);
            }
        }
        let codice = codice_leggibile("AS");
        c.esegui(
            "INSERT INTO assistenza (comune, codice, nome, cognome, email, categoria, servizio, descrizione, stato, creata)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'nuova', ?9)",
            params![
                comune, &codice, r.nome.trim(), r.cognome.trim(), r.email.trim().to_lowercase(),
                &r.categoria, r.servizio.trim(), r.descrizione.trim(), ts(ora)
            ],
        )?;
        for e in componi(&codice) {
            accoda(c, comune, &e, ora)?;
        }
        if let Some(k) = &k {
            rispondi(c, comune, k, &codice)?;
        }
        Ok(codice)
    })
}

/// The requests of `comune`, newest first.
pub fn elenco(c: &mut Conn, comune: &str) -> Esito<Vec<Registrata>> {
    Ok(c
        .righe(
            "SELECT codice, creata, nome, cognome, email, categoria, servizio, descrizione, stato FROM assistenza WHERE comune = ?1 ORDER BY creata DESC, codice",
            params![comune],
        )?
        .into_iter()
        .map(|r| Registrata {
            codice: r[0].testo().into(),
            creata: r[1].testo().into(),
            nome: r[2].testo().into(),
            cognome: r[3].testo().into(),
            email: r[4].testo().into(),
            categoria: r[5].testo().into(),
            servizio: r[6].testo().into(),
            descrizione: r[7].testo().into(),
            stato: r[8].testo().into(),
        })
        .collect())
}

/// An operator closes (or reopens) a request of `comune`.
pub fn segna(c: &mut Conn, comune: &str, codice: &str, stato: &str) -> Esito<bool> {
    if !["nuova", "chiusa"].contains(&stato) {
        return Ok(false);
    }
    Ok(c.esegui(
        "UPDATE assistenza SET stato = ?3 WHERE comune = ?1 AND codice = ?2",
        params![comune, codice, stato],
    )? == 1)
}

/// Deletes the requests of `comune` made before `prima_di`; how many.
pub fn purga(c: &mut Conn, comune: &str, prima_di: DateTime<Utc>) -> Esito<u64> {
    c.esegui(
        "DELETE FROM assistenza WHERE comune = ?1 AND creata < ?2",
        params![comune, ts(prima_di)],
    )
}

/// The message to the citizen and, when the comune gave an address, the copy to its office.
pub fn messaggi(
    codice: &str,
    r: &Richiesta,
    nome_comune: &str,
    sito: &str,
    ufficio: Option<&str>,
) -> Vec<Email> {
    let riepilogo = format!(
        "Codice: {codice}\nCategoria: {}\nServizio: {}\nRichiesta: {}\n",
        r.categoria,
        r.servizio.trim(),
        r.descrizione.trim()
    );
    let mut v = vec![Email {
        destinatario: r.email.trim().to_lowercase(),
        oggetto: format!("Richiesta di assistenza {codice} - Comune di {nome_comune}"),
        testo: format!(
            "Gentile {} {},\n\nabbiamo ricevuto la tua richiesta di assistenza: sarai ricontattato presto.\n\n{riepilogo}\nComune di {nome_comune}\n{sito}\n",
            r.nome.trim(),
            r.cognome.trim()
        ),
        ics: None,
        allegati: Vec::new(),
    }];
    if let Some(u) = ufficio {
        v.push(Email {
            destinatario: u.to_string(),
            oggetto: format!("Nuova richiesta di assistenza {codice}"),
            testo: format!(
                "Nuova richiesta di assistenza dal sito.\n\nRichiedente: {} {} <{}>\n{riepilogo}",
                r.nome.trim(),
                r.cognome.trim(),
                r.email.trim()
            ),
            ics: None,
            allegati: Vec::new(),
        });
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> Richiesta {
        Richiesta {
            nome: "Maria".into(),
            cognome: "Bianchi".into(),
            email: "m@example.it".into(),
            categoria: URP.into(),
            servizio: "Informazioni".into(),
            descrizione: "Vorrei sapere gli orari".into(),
            privacy: true,
            altcha: None,
            sito_web: String::new(),
        }
    }

    #[test]
    fn sixteen_categories_and_field_checks() {
        assert_eq!(categorie().len(), 16);
        assert!(controlla(&ok()).is_empty());
        let mut r = ok();
        r.categoria = "Tasse".into();
        r.descrizione = "x".repeat(601);
        r.privacy = false;
        let e = controlla(&r);
        for k in ["categoria", "descrizione", "privacy"] {
            assert!(e.contains_key(k), "{k}");
        }
        assert_eq!(
            messaggi("AS-1", &ok(), "Valfiorita", "https://x", Some("urp@x.it")).len(),
            2
        );
    }
}
