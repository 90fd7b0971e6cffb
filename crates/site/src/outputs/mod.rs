//! What a comune's site publishes beside its pages, one module each: feeds and the sitemap
//! (`distribuzione`), calendars (`calendar`), open data (`opendata`), the search index
//! (`search`), the IO outbox (`outbox`), the web editor (`redazione`), and the network's
//! territory portal (`portale`). `render::OUTPUTS` lists the outputs of one site in one
//! place, for build, check and the preview.

pub mod calendar;
pub mod distribuzione;
pub mod opendata;
pub mod outbox;
pub mod portale;
pub mod redazione;
pub mod search;
