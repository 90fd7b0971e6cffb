//! The IO outbox file (`/io/outbox.json` of every comune's site): what a comune published
//! recently and may notify through the IO app. The generator writes it (`civico_site::outputs::outbox`),
//! the IO dispatcher (`civico_io`) reads it; this module is the format they share.
//!
//! Each publication has a stable id (its channel and content key), so the sender recognises what
//! it already notified; the file depends only on the content and the build date.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The IO services a comune may have: one per kind of publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Canale {
    Notizie,
    Eventi,
    Bandi,
    Albo,
}

impl Canale {
    pub const ALL: [Canale; 4] = [Canale::Notizie, Canale::Eventi, Canale::Bandi, Canale::Albo];

    pub fn nome(self) -> &'static str {
        match self {
            Canale::Notizie => "notizie",
            Canale::Eventi => "eventi",
            Canale::Bandi => "bandi",
            Canale::Albo => "albo",
        }
    }

    pub fn parse(s: &str) -> Option<Canale> {
        Canale::ALL.into_iter().find(|c| c.nome() == s.trim())
    }
}

/// One publication that may be notified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pubblicazione {
    /// `<canale>:<content key>`: the same across rebuilds.
    pub id: String,
    pub canale: Canale,
    /// What it is, in Italian ("Avviso", "Evento", "Bando di concorso", "Delibera", ...).
    pub tipo: String,
    pub titolo: String,
    pub descrizione: String,
    /// Publication date (for events: the next date it takes place).
    pub data: NaiveDate,
    /// Absolute URL of its page.
    pub url: String,
    /// Deadline: last day of publication at the albo, closing date of a bando.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scadenza: Option<NaiveDate>,
}

/// The outbox file of one comune.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outbox {
    pub comune: String,
    /// "Comune di ..." as shown to citizens.
    pub ente: String,
    /// The build date the outbox was made for.
    pub data: NaiveDate,
    pub pubblicazioni: Vec<Pubblicazione>,
}
