//! The generator: one folder per comune in, one static site per comune out, shaped like the
//! Designers Italia "Modello Comuni".
//!
//! `content` (walk, split front matter, parse, in parallel) -> `model` (URLs, references,
//! Markdown, the pages and lists of the Modello, `trasparenza`, `albo`) -> `render` (Tera
//! templates of `themes/agid/`) -> disk (`render::output`), driven by `pipeline` for a build and
//! by `incremental` for the preview. Outputs beside the pages are in `outputs`: feeds and
//! sitemap, calendars, open data, the search index, the territory portal, the IO outbox, the
//! web editor. It knows nothing of HTTP servers or databases.

pub mod active_content;
pub mod albo;
pub mod cache;
pub mod content;
pub mod immagini;
pub mod incremental;
pub mod markdown;
pub mod model;
pub mod outputs;
pub mod pipeline;
pub mod render;
pub mod scaffold;
pub mod schema;
pub mod shard;
pub mod timings;
pub mod trasparenza;
