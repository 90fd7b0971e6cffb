//! `civico sportello`, the companion service of the static sites for what they cannot do alone
//! (appointments first). Its parts:
//!
//! - `config` (`civico_core::sportello`): a comune's `sportello.yaml` (offices, reasons, weekly
//!   opening hours, closed days, notice, horizon, capacity, holds, per-person limit, retention),
//!   content like everything else; also read by the site build for the booking page;
//! - `agenda`: the slots an office offers, computed in Europe/Rome (DST-safe), never in the
//!   past, inside the minimum notice, beyond the horizon, on holidays or closed days;
//! - `db`: SQLite or PostgreSQL behind one small interface, with versioned migrations;
//! - `registro`: holds, bookings, cancellations, moves, reminders, the mail queue, retention,
//!   with the capacity of a slot enforced by one guarded statement;
//! - `sfida`: the ALTCHA proof-of-work challenge; `limiti`: rate limits and login throttling;
//! - `connessioni`: accepting connections (timeouts, connections per client); `richiesta`:
//!   JSON bodies with Italian errors, declared sizes refused before reading;
//! - `posta`: the messages to citizens and their delivery over SMTP;
//! - `servizio`: the JSON API the booking pages call, CORS-limited per comune, and the jobs;
//! - `operatori`: the operators' back-office;
//! - `assistenza`: richieste di assistenza;
//! - `segnalazioni`: segnalazioni di disservizio, their states, audit log and public list;
//!   `allegati`: their photos and documents, judged by content and re-encoded;
//! - `valutazioni`: the answers of every page's feedback widget, stored without identity;
//! - `identita`: SPID/CIE login through the comune's OpenID Connect gateway; `cittadini`: logins
//!   in progress and citizens' sessions; `area_personale`: its pages and API; `pratiche`: the
//!   istanze sent online, checked against the scheda's form; `istanze`: the form's page;
//!   `ricevuta`: the PDF receipt; `protocollo`: the messages of a new pratica and Segnatura.xml;
//!   `istruttoria`: the states of a pratica, the operators' actions, the citizen's integrations;
//!   `avvisi_io`: every step told through App IO, once; `bozze`: drafts of istanze.

pub mod agenda;
pub mod allegati;
pub mod area_personale;
pub mod assistenza;
pub mod avvisi_io;
pub mod bozze;
pub use civico_core::sportello as config;
pub mod cittadini;
pub mod connessioni;
pub mod db;
pub mod identita;
pub mod istanze;
pub mod istruttoria;
pub mod limiti;
pub mod operatori;
pub mod posta;
pub mod pratiche;
pub mod protocollo;
pub mod registro;
pub mod ricevuta;
pub mod richiesta;
pub mod segnalazioni;
pub mod servizio;
pub mod sfida;
pub mod valutazioni;

/// Text or an attribute value escaped for the service's HTML pages.
pub(crate) fn esc(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}
