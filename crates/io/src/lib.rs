//! App IO: telling citizens about new publications through the IO app, the compliant way.
//!
//! IO is not a broadcast channel: each message goes to one citizen, by codice fiscale, after
//! checking that the citizen enabled the comune's IO service (`sender_allowed`). The repository
//! never holds fiscal codes or keys.
//!
//! - `civico_core::outbox`: what each comune newly published (notizie, eventi, bandi, atti
//!   all'albo), written by the build as `/io/outbox.json`, stable across rebuilds;
//! - `messaggio`: the IO message for a publication (subject, Markdown, due date), within IO's
//!   limits, in Italian;
//! - `destinatari`: the recipients file kept outside the repository;
//! - `stato`: the SQLite database of what was sent (never twice);
//! - `client`: IO's services API over HTTPS, with back-off on 429 and 5xx;
//! - `invio`: `civico io send`, which ties them together.

pub mod client;
pub mod destinatari;
pub mod invio;
pub mod messaggio;
pub mod sqlite;
pub mod stato;

pub use civico_core::outbox;
