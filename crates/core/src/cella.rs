//! A cell of a CSV export that a spreadsheet will not run: a text that begins like a formula
//! (`=`, `+`, `-`, `@`, tab, carriage return) gets a leading apostrophe. Every export uses it.

use std::borrow::Cow;

pub fn cella(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}
