//! civico's end-to-end tests, one binary: each module runs the real `civico` binary (or a
//! library crate) on a copy of content-example or a scaffolded network and asserts on what it
//! writes, serves or prints. `common` holds the shared helpers.

mod area_personale;
mod build_example;
mod check;
mod common;

mod costi;
mod distribuzione;
mod errors;
mod io;
mod io_mock;
mod portale;
mod quality;
mod redazione;
mod schema;
mod segnalazioni;
mod serve;
mod snapshots;
mod sportello;
mod sportello_carico;
mod sportello_db;
mod theme;
mod timings;
mod trasparenza;
