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
//! - `valutazioni`: the answers of every page's feedback widget, stored without identity.

pub mod agenda;
pub mod allegati;
pub mod assistenza;
pub use civico_core::sportello as config;
pub mod connessioni;
pub mod db;
pub mod limiti;
pub mod operatori;
pub mod posta;
pub mod registro;
pub mod richiesta;
pub mod segnalazioni;
pub mod servizio;
pub mod sfida;
pub mod valutazioni;
