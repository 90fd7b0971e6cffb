//! Amministrazione trasparente (D.Lgs. 33/2013): the official tree of sections, the ANAC
//! standard schemas, and the pages each section gets from the comune's content.
//!
//! - `albero`: the embedded tree (22 + 61 sections, official order and titles).
//! - `anac`: the mandatory ANAC schemas (delibera 495/2024): parse, validate, tabulate, export.
//! - `pagine`: the index and section pages, with their items, declarations, update dates and the
//!   content shown from elsewhere in the site (art. 9).

pub mod albero;
pub mod anac;
pub mod pagine;
