//! Messages to citizens: their Italian text and iCalendar attachment (`componi_*`), and their
//! delivery over SMTP with lettre (`Postino`): `smtps://` for implicit TLS on 465,
//! `smtp://...?tls=required` for STARTTLS, plain `smtp://` only for a local relay. Messages wait
//! in the database queue (written in the same transaction as the booking) and leave it only
//! once the SMTP server has accepted them; failures are retried with growing pauses.

use chrono::{DateTime, Utc};
use icalendar::{Component, EventLike};
use lettre::message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Transport;

use base64::Engine as _;

use super::registro::{self, Email, Prenotazione};
use civico_core::date::data_lunga;

/// What the messages of one comune need to say.
pub struct Contesto<'a> {
    pub comune: &'a str,
    /// The comune's site, without trailing slash.
    pub sito: &'a str,
    pub sportello: &'a str,
    pub indirizzo: Option<&'a str>,
    pub cosa_serve: Option<&'a str>,
    pub tz: chrono_tz::Tz,
}

/// "lunedì 7 dicembre 2026 dalle 09:00 alle 09:30".
pub fn quando(p: &Prenotazione, tz: chrono_tz::Tz) -> String {
    let a = p.inizio.with_timezone(&tz);
    let b = p.fine.with_timezone(&tz);
    format!(
        "{} dalle {} alle {}",
        data_lunga(a.date_naive()),
        a.format("%H:%M"),
        b.format("%H:%M")
    )
}

/// The link to cancel or move a booking: a page of the comune's own site, the token in the
/// fragment (never sent to any server's logs).
pub fn link_gestione(sito: &str, token: &str) -> String {
    format!("{sito}/prenotazione-appuntamento/gestisci/#t={token}")
}

/// The appointment as an iCalendar event.
pub fn ics(p: &Prenotazione, x: &Contesto<'_>) -> String {
    let mut e = icalendar::Event::new();
    e.uid(&format!("{}-{}@civico", p.comune, p.codice))
        .summary(&format!(
            "Appuntamento: {} (Comune di {})",
            x.sportello, x.comune
        ))
        .starts(p.inizio)
        .ends(p.fine)
        .description(&format!(
            "Codice prenotazione {}{}",
            p.codice,
            p.motivo
                .as_deref()
                .map(|m| format!(" - {m}"))
                .unwrap_or_default()
        ));
    if let Some(i) = x.indirizzo {
        e.location(i);
    }
    let mut cal = icalendar::Calendar::new();
    cal.push(e.done());
    cal.done().to_string()
}

fn riepilogo(p: &Prenotazione, x: &Contesto<'_>) -> String {
    let mut t = format!(
        "Ufficio: {}\nData e orario: {}\nCodice: {}\n",
        x.sportello,
        quando(p, x.tz),
        p.codice
    );
    if let Some(i) = x.indirizzo {
        t += &format!("Indirizzo: {i}\n");
    }
    if let Some(m) = &p.motivo {
        t += &format!("Motivo: {m}\n");
    }
    if !p.dettagli.is_empty() {
        t += &format!("Dettagli: {}\n", p.dettagli);
    }
    if let Some(c) = x.cosa_serve {
        t += &format!("Cosa serve: {c}\n");
    }
    t
}

pub fn conferma(p: &Prenotazione, x: &Contesto<'_>, preavviso_ore: i64) -> Email {
    Email {
        destinatario: p.email.clone(),
        oggetto: format!("Appuntamento confermato {} - Comune di {}", p.codice, x.comune),
        testo: format!(
            "Gentile {} {},\n\nil tuo appuntamento è confermato.\n\n{}\nPer annullarlo o spostarlo (fino a {preavviso_ore} ore prima):\n{}\n\nIn allegato trovi l'appuntamento da aggiungere al tuo calendario.\n\nComune di {}\n{}\n",
            p.nome,
            p.cognome,
            riepilogo(p, x),
            link_gestione(x.sito, &p.token),
            x.comune,
            x.sito
        ),
        ics: Some(ics(p, x)),
        allegati: Vec::new(),
    }
}

pub fn annullamento(p: &Prenotazione, x: &Contesto<'_>, messaggio: Option<&str>) -> Email {
    let motivo = messaggio
        .filter(|m| !m.trim().is_empty())
        .map(|m| format!("Messaggio dell'ufficio: {}\n\n", m.trim()))
        .unwrap_or_default();
    Email {
        destinatario: p.email.clone(),
        oggetto: format!("Appuntamento annullato {} - Comune di {}", p.codice, x.comune),
        testo: format!(
            "Gentile {} {},\n\nil tuo appuntamento è stato annullato.\n\n{}\n{motivo}Puoi prenotarne un altro su {}/prenotazione-appuntamento/\n\nComune di {}\n",
            p.nome,
            p.cognome,
            riepilogo(p, x),
            x.sito,
            x.comune
        ),
        ics: None,
        allegati: Vec::new(),
    }
}

pub fn spostamento(p: &Prenotazione, x: &Contesto<'_>, prima: DateTime<Utc>) -> Email {
    let prima = prima.with_timezone(&x.tz);
    Email {
        destinatario: p.email.clone(),
        oggetto: format!("Appuntamento spostato {} - Comune di {}", p.codice, x.comune),
        testo: format!(
            "Gentile {} {},\n\nil tuo appuntamento del {} alle {} è stato spostato.\n\n{}\n\nComune di {}\n",
            p.nome,
            p.cognome,
            data_lunga(prima.date_naive()),
            prima.format("%H:%M"),
            riepilogo(p, x),
            x.comune
        ),
        ics: Some(ics(p, x)),
        allegati: Vec::new(),
    }
}

pub fn promemoria(p: &Prenotazione, x: &Contesto<'_>) -> Email {
    Email {
        destinatario: p.email.clone(),
        oggetto: format!("Promemoria appuntamento {} - Comune di {}", p.codice, x.comune),
        testo: format!(
            "Gentile {} {},\n\nti ricordiamo il tuo appuntamento.\n\n{}\nSe non puoi venire, annullalo per lasciare il posto ad altri.\n\nComune di {}\n{}\n",
            p.nome,
            p.cognome,
            riepilogo(p, x),
            x.comune,
            x.sito
        ),
        ics: None,
        allegati: Vec::new(),
    }
}

/// Delivers queued messages over SMTP.
pub struct Postino {
    transport: lettre::SmtpTransport,
    /// The default sender; a comune's `mittente` in sportello.yaml replaces it.
    mittente: Mailbox,
}

impl Postino {
    /// From an SMTP URL (`smtps://user:pass@host:465`, `smtp://host:587?tls=required`,
    /// `smtp://127.0.0.1:2525`).
    pub fn new(url: &str, mittente: &str) -> Result<Postino, String> {
        let transport = lettre::SmtpTransport::from_url(url)
            .map_err(|e| format!("indirizzo SMTP non valido: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let mittente = mittente
            .parse()
            .map_err(|e| format!("mittente `{mittente}` non valido: {e}"))?;
        Ok(Postino {
            transport,
            mittente,
        })
    }

    fn invia(&self, e: &Email, mittente: Option<&str>) -> Result<(), String> {
        let from = mittente
            .and_then(|m| m.parse::<Mailbox>().ok())
            .unwrap_or_else(|| self.mittente.clone());
        let to: Mailbox = e
            .destinatario
            .parse()
            .map_err(|_| "indirizzo del destinatario non valido".to_string())?;
        let testo = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(e.testo.clone());
        let builder = lettre::Message::builder()
            .from(from)
            .to(to)
            .subject(&e.oggetto);
        let m = if e.ics.is_none() && e.allegati.is_empty() {
            builder.singlepart(testo)
        } else {
            let mut parti = MultiPart::mixed().singlepart(testo);
            if let Some(ics) = &e.ics {
                parti = parti.singlepart(
                    Attachment::new("appuntamento.ics".into()).body(
                        ics.clone(),
                        ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                            .map_err(|e| e.to_string())?,
                    ),
                );
            }
            for a in &e.allegati {
                let dati = base64::engine::general_purpose::STANDARD
                    .decode(&a.base64)
                    .map_err(|e| e.to_string())?;
                let tipo = ContentType::parse(&a.tipo).map_err(|e| e.to_string())?;
                parti = parti.singlepart(Attachment::new(a.nome.clone()).body(dati, tipo));
            }
            builder.multipart(parti)
        }
        .map_err(|e| e.to_string())?;
        self.transport
            .send(&m)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Sends what is due; the number sent. `mittente` gives a comune's sender. Failures stay
    /// queued for a later attempt; they are counted in the log without any address.
    pub fn svuota(
        &self,
        c: &mut super::db::Conn,
        mittente: &dyn Fn(&str) -> Option<String>,
    ) -> super::db::Esito<usize> {
        let mut inviati = 0;
        loop {
            let ora = Utc::now();
            let lotto = registro::da_inviare(c, ora, 50)?;
            if lotto.is_empty() {
                return Ok(inviati);
            }
            // Every message of the batch is claimed or already claimed by another carrier:
            // either way it leaves the due ones, so this loop ends.
            for (id, comune, e) in &lotto {
                if !registro::prendi_in_carico(c, *id, ora)? {
                    continue;
                }
                match self.invia(e, mittente(comune).as_deref()) {
                    Ok(()) => {
                        registro::inviata(c, *id)?;
                        inviati += 1;
                    }
                    Err(err) => {
                        eprintln!(
                            "sportello: messaggio {id} per {comune} non ancora inviato: {}",
                            senza_indirizzi(err.lines().next().unwrap_or(""))
                        );
                        registro::rimanda(c, *id, ora)?;
                    }
                }
            }
        }
    }
}

/// An SMTP error without the addresses it may quote (no personal data in logs).
fn senza_indirizzi(s: &str) -> String {
    s.split_whitespace()
        .map(|w| if w.contains('@') { "<indirizzo>" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}
