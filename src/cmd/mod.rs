//! What the binary does itself rather than through a library: the preview server of
//! `civico serve` (HTTP, file watching, live reload, the web editor's local backend), which the generator crate must not
//! depend on, and the Italian words of the command line (`aiuto`). Every other command is one
//! call into a library crate from `main`.

pub mod aiuto;
pub mod costi;
pub mod preview_guard;
pub mod redazione_locale;
pub mod serve;
