//! civico's core: what every part of civico shares and none owns.
//!
//! Diagnostics (Italian messages with file, line and column), YAML with spans, the field types of
//! content (`fields`, `href`), the configuration of the network and of a comune (`config`, and the
//! comune's `sportello.yaml` as a file: `sportello`), the controlled vocabularies, slugs, dates, the
//! IO outbox format. No I/O beyond reading configuration files; no server, database or template.

pub mod bilancio;
pub mod cella;
pub mod codici;
pub mod config;
pub mod date;
pub mod diagnostics;
pub mod errore_io;
pub mod fields;
pub mod fingerprint;
pub mod frontmatter;
pub mod href;
pub mod modulo;
pub mod outbox;
pub mod path;
pub mod plurale;
pub mod slug;
pub mod sportello;
pub mod vocabolari;
pub mod yaml;
pub mod yaml_sintassi;
