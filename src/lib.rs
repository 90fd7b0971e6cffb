//! civico: a static site generator for the institutional websites of Italian comuni.
//!
//! The pipeline reads one folder per comune and writes one static site per comune, shaped like
//! the Designers Italia "Modello Comuni": `config` -> `content` -> `model` -> `render`.
//! `commands` wires the stages for the CLI; every stage is usable and testable on its own.

// Diagnostics are the error type of every stage and carry a source line for the snippet; they
// travel on the cold path only, so their size does not matter and boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub mod active_content;
pub mod albo;
pub mod appio;
pub mod cache;
pub mod calendar;
pub mod check;
pub mod commands;
pub mod config;
pub mod content;
pub mod diagnostics;
pub mod distribuzione;
pub mod fingerprint;
pub mod href;
pub mod incremental;
pub mod markdown;
pub mod model;
pub mod opendata;
pub mod portale;
pub mod redazione;
pub mod render;
pub mod schema;
pub mod shard;
pub mod slug;
pub mod sportello;
pub mod sqlite;
pub mod trasparenza;
pub mod vocabolari;
pub mod yaml;
