//! App IO messages about pratiche, for comuni that name an IO service for them
//! (`app_io.pratiche` in comune.yaml, the name of the secret with its key). A message is queued
//! in the same transaction as the step it tells of, keyed by pratica and history step, so a step
//! is never queued twice; the carrier sends it with civico-io's client after checking that the
//! citizen allows the service, and deletes it once IO accepted it, refused it, or may have
//! accepted it without saying so (never twice). A missing key or an overloaded IO leaves it
//! queued for later.

use chrono::{DateTime, Duration, Utc};

use civico_io::client::{Client, Errore, Profilo};
use civico_io::messaggio::{Contenuto, OGGETTO_MAX, OGGETTO_MIN, TESTO_MAX, TESTO_MIN};

use crate::db::{Conn, Esito};
use crate::params;
use crate::registro::ts;

/// A message for the IO app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessaggioIo {
    pub oggetto: String,
    pub testo: String,
}

/// The message telling of a step of a pratica, within IO's limits.
pub fn componi(
    numero: &str,
    titolo: &str,
    stato: &str,
    cosa: &str,
    comune: &str,
    area: &str,
) -> MessaggioIo {
    let mut oggetto: String = format!("Pratica {numero}: {}", crate::pratiche::etichetta(stato))
        .chars()
        .take(OGGETTO_MAX)
        .collect();
    if oggetto.chars().count() < OGGETTO_MIN {
        oggetto = format!("Comune di {comune}: {oggetto}");
    }
    let mut testo = format!(
        "La tua pratica **{numero}** ({}) presso il Comune di {} {}\n\nTrovi la storia della pratica e i documenti nell'[area personale]({area}).",
        titolo.replace(['*', '_', '[', ']'], " "),
        comune,
        cosa.replace(['*', '_', '[', ']', '<', '>'], " ")
    );
    if testo.chars().count() > TESTO_MAX {
        testo = testo.chars().take(TESTO_MAX - 1).collect::<String>() + "…";
    }
    while testo.chars().count() < TESTO_MIN {
        testo.push_str("\n\nQuesto messaggio ti arriva perché hai presentato la pratica online.");
    }
    MessaggioIo { oggetto, testo }
}

/// Queues the message of history step `passo`; a second call for the same step does nothing.
#[allow(clippy::too_many_arguments)]
pub fn accoda(
    c: &mut Conn,
    comune: &str,
    numero: &str,
    passo: i64,
    codice_fiscale: &str,
    m: &MessaggioIo,
    ora: DateTime<Utc>,
) -> Esito<()> {
    c.esegui(
        "INSERT INTO io_pratica (comune, numero, passo, codice_fiscale, oggetto, testo, creata, prossimo) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT DO NOTHING",
        params![comune, numero, passo, codice_fiscale, &m.oggetto, &m.testo, ts(ora)],
    )?;
    Ok(())
}

/// What became of the due messages in one run.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Resoconto {
    pub inviati: usize,
    /// The citizen has no IO profile or does not allow the service: dropped.
    pub non_recapitabili: usize,
    /// Left for a later run (no key, IO overloaded).
    pub rimandati: usize,
}

/// Sends the due messages; `chiave` gives a comune's IO key, if it has one now.
pub fn invia(
    c: &mut Conn,
    client: &Client,
    chiave: &dyn Fn(&str) -> Option<String>,
    ora: DateTime<Utc>,
) -> Esito<Resoconto> {
    let mut esito = Resoconto::default();
    let dovuti = c.righe(
        "SELECT comune, numero, passo, codice_fiscale, oggetto, testo, tentativi FROM io_pratica WHERE prossimo <= ?1 ORDER BY creata LIMIT 50",
        params![ts(ora)],
    )?;
    for r in dovuti {
        let (comune, numero, passo) = (
            r[0].testo().to_string(),
            r[1].testo().to_string(),
            r[2].intero(),
        );
        // Claimed for five minutes, so two carriers never send it both.
        let preso = c.esegui(
            "UPDATE io_pratica SET prossimo = ?4 WHERE comune = ?1 AND numero = ?2 AND passo = ?3 AND prossimo <= ?5",
            params![comune.as_str(), numero.as_str(), passo, ts(ora + Duration::minutes(5)), ts(ora)],
        )?;
        if preso != 1 {
            continue;
        }
        let fatto =
            chiave(&comune).map(|k| consegna(client, &k, r[3].testo(), r[4].testo(), r[5].testo()));
        let togli = |c: &mut Conn| {
            c.esegui(
                "DELETE FROM io_pratica WHERE comune = ?1 AND numero = ?2 AND passo = ?3",
                params![comune.as_str(), numero.as_str(), passo],
            )
        };
        match fatto {
            Some(Consegna::Inviato) => {
                togli(c)?;
                esito.inviati += 1;
            }
            Some(Consegna::NonRecapitabile) => {
                togli(c)?;
                esito.non_recapitabili += 1;
            }
            Some(Consegna::Rimandato) | None => {
                let pausa =
                    Duration::minutes(1i64 << r[6].intero().clamp(0, 9)).min(Duration::hours(6));
                c.esegui(
                    "UPDATE io_pratica SET tentativi = tentativi + 1, prossimo = ?4 WHERE comune = ?1 AND numero = ?2 AND passo = ?3",
                    params![comune.as_str(), numero.as_str(), passo, ts(ora + pausa)],
                )?;
                esito.rimandati += 1;
            }
        }
    }
    Ok(esito)
}

enum Consegna {
    Inviato,
    NonRecapitabile,
    Rimandato,
}

/// One message to one citizen: profile first, then the message.
fn consegna(client: &Client, chiave: &str, cf: &str, oggetto: &str, testo: &str) -> Consegna {
    match client.profilo(chiave, cf) {
        Ok(Profilo::Abilitato) => {}
        Ok(_) => return Consegna::NonRecapitabile,
        Err(Errore::Esaurito(_) | Errore::ChiaveNonValida) => return Consegna::Rimandato,
        Err(_) => return Consegna::NonRecapitabile,
    }
    let contenuto = Contenuto {
        subject: oggetto.to_string(),
        markdown: testo.to_string(),
        due_date: None,
    };
    match client.invia(chiave, cf, &contenuto) {
        Ok(_) => Consegna::Inviato,
        Err(Errore::Esaurito(_) | Errore::ChiaveNonValida) => Consegna::Rimandato,
        // Refused for good, or maybe delivered: never sent again.
        Err(Errore::Rifiutato(e) | Errore::Incerto(e)) => {
            eprintln!("sportello: un messaggio App IO su una pratica non è stato rimandato: {e}");
            Consegna::NonRecapitabile
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_fit_io_limits() {
        let m = componi(
            "PR-AAAA-BBBB",
            "Mensa",
            "accolta",
            "è stata accolta.",
            "Valfiorita",
            "https://x/",
        );
        assert!((OGGETTO_MIN..=OGGETTO_MAX).contains(&m.oggetto.chars().count()));
        assert!((TESTO_MIN..=TESTO_MAX).contains(&m.testo.chars().count()));
        let lungo = componi(
            "PR-AAAA-BBBB",
            "Mensa",
            "respinta",
            &"x".repeat(20_000),
            "V",
            "https://x/",
        );
        assert!(lungo.testo.chars().count() <= TESTO_MAX);
    }
}
