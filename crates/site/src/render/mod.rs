//! From the model to files: Tera templates of the theme, one context per page, parallel render,
//! atomic write.
//!
//! The theme is loaded once (from `<root>/themes/<name>/` if the site has one, else the `agid`
//! theme embedded in the binary). Each comune's shared data (`site`) is converted to a template
//! value once and shared by reference between its pages; a page's context holds only the page.

pub mod compress;
pub mod filters;
pub mod output;
pub mod parti;
pub mod rientri;
pub mod template_errors;
pub mod templates;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Value};

use crate::content::kinds::{Kind, Meta};
use crate::model::{Asset, Page, PageKind, Site, Target};
use crate::outputs::search;
use civico_core::config::{Comune, Rete};
use civico_core::diagnostics::Diagnostic;
use output::{Sink, Staging};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/theme_files.rs"));
}

/// A theme: its templates and its static files.
pub struct Theme {
    /// The theme's name, as in `themes/<name>/`.
    name: String,
    templates: Vec<(String, String)>,
    statics: Vec<(String, Cow<'static, [u8]>)>,
    /// Assets of the territory events portal (`portale/` in the theme).
    portale: Vec<(String, Cow<'static, [u8]>)>,
    /// The web editor (Decap CMS, `admin/` in the theme).
    admin: Vec<(String, Cow<'static, [u8]>)>,
}

impl Theme {
    /// Loads `name` from `<root>/themes/<name>/`, or the embedded `agid` theme.
    pub fn load(root: &Path, name: &str) -> Result<Theme, Diagnostic> {
        let dir = root.join("themes").join(name);
        if dir.join("templates").is_dir() {
            let mut templates = Vec::new();
            let mut statics = Vec::new();
            let mut portale = Vec::new();
            let mut admin = Vec::new();
            for e in walkdir::WalkDir::new(&dir)
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
            {
                if !e.file_type().is_file() {
                    continue;
                }
                let rel = e
                    .path()
                    .strip_prefix(&dir)
                    .unwrap_or(e.path())
                    .to_string_lossy()
                    .replace('\\', "/");
                let bytes = std::fs::read(e.path()).map_err(|err| {
                    Diagnostic::error(
                        "E-THEME",
                        e.path(),
                        format!(
                            "lettura del tema non riuscita: {}",
                            civico_core::errore_io::descrivi(&err)
                        ),
                    )
                })?;
                if let Some(t) = rel.strip_prefix("templates/") {
                    let text = String::from_utf8(bytes).map_err(|_| {
                        Diagnostic::error("E-THEME", e.path(), "template non in UTF-8")
                    })?;
                    templates.push((t.to_string(), text));
                } else if let Some(s) = rel.strip_prefix("static/") {
                    statics.push((s.to_string(), Cow::Owned(bytes)));
                } else if let Some(s) = rel.strip_prefix("portale/") {
                    portale.push((s.to_string(), Cow::Owned(bytes)));
                } else if let Some(s) = rel.strip_prefix("admin/") {
                    admin.push((s.to_string(), Cow::Owned(bytes)));
                }
            }
            // A site theme without its own editor uses the bundled one.
            if admin.is_empty() {
                admin = embedded_prefix("admin/");
            }
            return Ok(Theme {
                name: name.to_string(),
                templates,
                statics,
                portale,
                admin,
            });
        }
        if name != "agid" {
            return Err(
                Diagnostic::error("E-THEME", dir, format!("il tema `{name}` non esiste"))
                    .hint("usa `tema: agid` in civico.yaml o crea themes/<nome>/templates/"),
            );
        }
        let mut templates = Vec::new();
        let mut statics = Vec::new();
        let mut portale = Vec::new();
        for (rel, bytes) in embedded::FILES {
            if let Some(t) = rel.strip_prefix("templates/") {
                templates.push((t.to_string(), String::from_utf8_lossy(bytes).into_owned()));
            } else if let Some(s) = rel.strip_prefix("static/") {
                statics.push((s.to_string(), Cow::Borrowed(*bytes)));
            } else if let Some(s) = rel.strip_prefix("portale/") {
                portale.push((s.to_string(), Cow::Borrowed(*bytes)));
            }
        }
        Ok(Theme {
            name: name.to_string(),
            templates,
            statics,
            portale,
            admin: embedded_prefix("admin/"),
        })
    }
}

/// The embedded theme's files under `prefix`, relative to it.
fn embedded_prefix(prefix: &str) -> Vec<(String, Cow<'static, [u8]>)> {
    embedded::FILES
        .iter()
        .filter_map(|(rel, bytes)| {
            rel.strip_prefix(prefix)
                .map(|s| (s.to_string(), Cow::Borrowed(*bytes)))
        })
        .collect()
}

/// The loaded templates, shared by every comune and page.
pub struct Renderer {
    templates: templates::Templates,
    /// Theme assets plus the syntax-highlighting CSS, each with its compressed siblings.
    statics: Vec<StaticFile>,
    /// Whether pages and data files get `.gz` siblings.
    compress: bool,
    /// Their gzip, with the endings pages share compressed once.
    gzip: compress::PageGzip,
    /// The portal's own assets (`/static/...` of the portal).
    portale: Vec<StaticFile>,
    /// The web editor's files (`/admin/...`), written when civico.yaml has `redazione`.
    admin: Vec<StaticFile>,
}

/// One theme asset, compressed once per build and written into every comune's site.
struct StaticFile {
    /// Site path, `/static/...`.
    path: String,
    bytes: Cow<'static, [u8]>,
    gz: Option<Vec<u8>>,
    br: Option<Vec<u8>>,
}

impl StaticFile {
    /// Writes the file and its compressed siblings at `path` in `staging`.
    fn write_at(&self, staging: &dyn Sink, path: &str) -> std::io::Result<()> {
        staging.write(path, &self.bytes)?;
        if let Some(gz) = &self.gz {
            staging.write_beside(&format!("{path}.gz"), gz)?;
        }
        if let Some(br) = &self.br {
            staging.write_beside(&format!("{path}.br"), br)?;
        }
        Ok(())
    }

    fn new(path: String, bytes: Cow<'static, [u8]>, compress: bool) -> StaticFile {
        let (gz, br) = if compress && compress::worth_compressing(&path) {
            (
                Some(compress::gzip(&bytes)),
                Some(compress::brotli(&bytes, 6)),
            )
        } else {
            (None, None)
        };
        StaticFile {
            path,
            bytes,
            gz,
            br,
        }
    }
}

/// The mark the theme's base template puts where the ending every page shares begins (the
/// contacts box, the feedback widget, the footer): taken out of the page, its place lets the
/// page's gzip reuse the ending's ([`compress::PageGzip`]). A theme without it only compresses
/// slower.
pub const SHARED_ENDING: &str = "<!--civico:fine-condivisa-->";

/// The page Tera wrote without its last [`SHARED_ENDING`] mark, and where the mark was.
fn take_mark(mut bytes: Vec<u8>) -> (Vec<u8>, Option<usize>) {
    let at = last_mark(&bytes);
    if let Some(i) = at {
        bytes.drain(i..i + SHARED_ENDING.len());
    }
    (bytes, at)
}

/// Where the last [`SHARED_ENDING`] mark of `bytes` is. A comune's pages end alike, so each
/// thread remembers what followed the mark on its last page: when a page ends with the mark and
/// those same bytes, it has no later mark, and only the ending is compared instead of the whole
/// page searched (memchr's forward search over every page was 2.2% of a build's instructions;
/// `str::rfind` and memchr's reverse search took several times longer).
fn last_mark(bytes: &[u8]) -> Option<usize> {
    thread_local! {
        static LAST_ENDING: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mark = SHARED_ENDING.as_bytes();
    LAST_ENDING.with(|last| {
        let mut last = last.borrow_mut();
        let known = bytes
            .len()
            .checked_sub(last.len() + mark.len())
            .filter(|&i| bytes[i..].starts_with(mark) && bytes[i + mark.len()..] == last[..]);
        if known.is_some() {
            return known;
        }
        let at = memchr::memmem::find_iter(bytes, mark).last();
        if let Some(i) = at {
            last.clear();
            last.extend_from_slice(&bytes[i + mark.len()..]);
        }
        at
    })
}

/// At most this many pages are rendered in a row by one task (see `render_site_into`).
const PAGES_PER_TASK: usize = 8;

/// The data every page of a comune shares.
#[derive(Serialize)]
struct SiteData<'a> {
    slug: &'a str,
    /// Items a list shows at once (`elementi_per_pagina`): "Carica altri" shows as many more.
    per_pagina: usize,
    /// Path prefix of every link (`""` or `/prefix`).
    base: &'a str,
    base_url: &'a str,
    comune: &'a Comune,
    gestore: &'a str,
    stemma: String,
    argomenti: &'a BTreeMap<String, String>,
    anno: i32,
    /// URL of Bootstrap Italia's icon sprite (always on the site's own origin).
    sprite: String,
    /// Prefix of the theme assets: `<base>/static`, or the shared host.
    risorse: String,
    /// `r, g, b` of the primary colour, for `--bs-primary-rgb`.
    primario_rgb: Option<String>,
}

/// What a document page gets besides the page itself.
#[derive(Serialize)]
struct DocData<'a> {
    kind: Kind,
    meta: &'a Meta,
    html: &'a str,
    headings: &'a [crate::markdown::Heading],
    testi: &'a BTreeMap<String, String>,
    files: &'a BTreeMap<String, String>,
    /// Width and height of the front matter's images, by field value.
    dimensioni: &'a BTreeMap<String, (u32, u32)>,
    /// The documents this one references, by key.
    refs: BTreeMap<&'a str, &'a Target>,
    /// Argomenti with their slugs, canonical spelling.
    argomenti: Vec<(&'a str, String)>,
    /// A scheda servizio's online access: its `accedi_online`, or the form of its istanza in
    /// the area personale of the comune's `civico sportello`.
    accedi: Option<String>,
    /// Whether the body has highlighted code: the page links the syntax stylesheet.
    codice: bool,
}

/// Where a scheda servizio is accessed online (see `DocData::accedi`).
fn accedi(site: &Site<'_>, d: &crate::content::Document) -> Option<String> {
    let crate::content::kinds::Meta::Servizio(s) = &d.meta else {
        return None;
    };
    if let Some(h) = &s.accedi_online {
        return Some(h.value.to_string());
    }
    let c = &site.content.comune;
    s.modulo.as_ref()?;
    c.sportello.as_ref()?.area_personale.as_ref()?;
    let servizio = c.config.servizi_online.sportello.as_ref()?.to_string();
    let slug = d.key.rsplit('/').next()?;
    Some(format!(
        "{}/area-personale/{}/istanze/{slug}",
        servizio.trim_end_matches('/'),
        c.slug
    ))
}

/// What a render wrote, and the problems it found that do not stop it (warnings about the
/// Markdown of pages, which is read as each page is rendered).
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub pages: usize,
    pub files: usize,
    pub diagnostics: Vec<Diagnostic>,
}

/// What a page's Markdown linked (attachments to copy) and the problems found in it.
type Linked = (Vec<Asset>, Vec<Diagnostic>);

/// One page rendered: the file it goes to (site path), its HTML, and what its documents'
/// Markdown linked (attachments to copy) and got wrong.
pub struct PageOut {
    pub file: String,
    /// The page (UTF-8).
    pub html: Vec<u8>,
    /// Where the ending the page shares with the others starts ([`SHARED_ENDING`]).
    pub ending: Option<usize>,
    pub assets: Vec<crate::model::Asset>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Renderer {
    /// Loads the templates and prepares the theme assets; `compress` adds `.gz`/`.br` siblings.
    pub fn new(theme: Theme, compress: bool) -> Result<Renderer, Diagnostic> {
        let templates = templates::Templates::new(&theme.name, theme.templates)?;
        let mut files: Vec<(String, Cow<'static, [u8]>)> = theme
            .statics
            .into_iter()
            .map(|(rel, b)| (format!("/static/{rel}"), b))
            .collect();
        files.push((
            "/static/css/syntax.css".into(),
            Cow::Owned(crate::markdown::syntax_css().into_bytes()),
        ));
        let statics = files
            .into_par_iter()
            .map(|(path, bytes)| StaticFile::new(path, bytes, compress))
            .collect();
        let portale = theme
            .portale
            .into_par_iter()
            .map(|(rel, bytes)| StaticFile::new(format!("/static/{rel}"), bytes, compress))
            .collect();
        // Decap CMS is large and read only by editors: not precompressed.
        let admin = theme
            .admin
            .into_iter()
            .map(|(rel, bytes)| StaticFile::new(format!("/admin/{rel}"), bytes, false))
            .collect();
        Ok(Renderer {
            templates,
            statics,
            compress,
            gzip: compress::PageGzip::default(),
            portale,
            admin,
        })
    }

    /// Whether pages and data files get a `.gz` sibling (theme assets keep theirs).
    pub fn set_page_compression(&mut self, on: bool) {
        self.compress = on;
    }

    /// The "Aggiungi al calendario" file of every event (`<event page>evento.ics`), the
    /// calendar of upcoming events (`/vivere-il-comune/eventi/eventi.ics`) and one per tipo di
    /// evento (`/vivere-il-comune/eventi/<tipo>.ics`).
    fn calendars(
        site: &Site<'_>,
        rete: &Rete,
        today: chrono::NaiveDate,
    ) -> Result<Files, Diagnostic> {
        let mut out = Vec::new();
        let comune = &site.content.comune;
        let host = url::Url::parse(&comune.base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let organizzatore = format!("Comune di {}", comune.config.nome);
        let urls: Vec<String> = site
            .doc_urls
            .iter()
            .map(|p| format!("{}{}", comune.base_url, p))
            .collect();
        let mut events = Vec::new();
        for (i, d) in site.content.docs.iter().enumerate() {
            let Meta::Evento(e) = &d.meta else { continue };
            let place = e
                .luogo
                .as_ref()
                .and_then(|r| site.targets.get(&r.key))
                .map(|t| t.titolo.clone());
            let luogo = match (place, &e.indirizzo) {
                (Some(p), Some(a)) => Some(format!("{p}, {a}")),
                (p, a) => p.or_else(|| a.clone()),
            };
            let categoria = civico_core::vocabolari::get()
                .tipo_evento(&e.tipo_evento.value)
                .unwrap_or(&e.tipo_evento.value);
            events.push((
                i,
                e.prossima(today).is_some(),
                crate::outputs::calendar::EventoIcs {
                    titolo: &e.titolo,
                    descrizione: &e.descrizione_breve.value,
                    inizio: &e.inizio,
                    fine: e.fine.as_ref(),
                    luogo,
                    url: &urls[i],
                    host: &host,
                    organizzatore: &organizzatore,
                    ricorrenza: e.ricorrenza.as_ref(),
                    altre_date: &e.altre_date,
                    categoria,
                },
            ));
        }
        let tz = rete.tz();
        for (i, _, ev) in &events {
            let ics = crate::outputs::calendar::evento(ev, tz, today);
            out.push((format!("{}evento.ics", site.doc_urls[*i]), ics.into_bytes()));
        }
        let upcoming: Vec<&crate::outputs::calendar::EventoIcs<'_>> =
            events.iter().filter(|e| e.1).map(|e| &e.2).collect();
        let mut by_cat: BTreeMap<&str, Vec<crate::outputs::calendar::EventoIcs<'_>>> =
            BTreeMap::new();
        for e in &upcoming {
            by_cat.entry(e.categoria).or_default().push((*e).clone());
        }
        let all: Vec<crate::outputs::calendar::EventoIcs<'_>> =
            upcoming.iter().map(|e| (*e).clone()).collect();
        let ics = crate::outputs::calendar::calendario(
            &format!("Eventi - {organizzatore}"),
            &all,
            tz,
            today,
        );
        out.push((
            "/vivere-il-comune/eventi/eventi.ics".into(),
            ics.into_bytes(),
        ));
        for (cat, list) in by_cat {
            let ics = crate::outputs::calendar::calendario(
                &format!("{cat} - {organizzatore}"),
                &list,
                tz,
                today,
            );
            let path = format!(
                "/vivere-il-comune/eventi/{}.ics",
                civico_core::slug::slugify(cat)
            );
            out.push((path, ics.into_bytes()));
        }
        Ok(out)
    }

    /// Writes every theme asset once into a staging folder `<out>/_risorse/`, for the shared
    /// static host of `risorse_condivise`.
    pub fn render_risorse(&self, out: &Path) -> Result<(Staging, usize), Vec<Diagnostic>> {
        let io = |e: std::io::Error| {
            vec![Diagnostic::error(
                "E-IO",
                out,
                format!(
                    "scrittura non riuscita: {}",
                    civico_core::errore_io::descrivi(&e)
                ),
            )]
        };
        let staging = Staging::new(out, "_risorse").map_err(io)?;
        let mut n = 0;
        for f in &self.statics {
            f.write_at(&staging, f.path.trim_start_matches("/static"))
                .map_err(io)?;
            n += 1;
        }
        Ok((staging, n))
    }

    /// Site paths of the theme assets each site carries, with their compressed siblings.
    pub fn static_paths(&self) -> Vec<String> {
        let mut out = Vec::new();
        for f in self.statics.iter().chain(&self.admin) {
            out.push(f.path.clone());
            if f.gz.is_some() {
                out.push(format!("{}.gz", f.path));
            }
            if f.br.is_some() {
                out.push(format!("{}.br", f.path));
            }
        }
        out
    }

    /// Renders the territory events portal into a staging folder `<out>/<percorso>`.
    pub fn render_portale(
        &self,
        dati: &crate::outputs::portale::Dati<'_>,
        out: &Path,
        percorso: &str,
    ) -> Result<(Staging, usize), Vec<Diagnostic>> {
        let io = |e: std::io::Error| {
            vec![Diagnostic::error(
                "E-IO",
                out,
                format!(
                    "scrittura non riuscita: {}",
                    civico_core::errore_io::descrivi(&e)
                ),
            )]
        };
        let staging = Staging::new(out, percorso).map_err(io)?;
        let mut ctx = Context::new();
        ctx.insert("portale", dati);
        let html = self
            .templates
            .render("portale.html", &ctx, || {
                "errore nel template del portale".to_string()
            })
            .map_err(|d| vec![d])?;
        let data = serde_json::json!({"aggiornato": dati.aggiornato, "eventi": dati.eventi});
        let mut written = 0;
        for (path, bytes) in [
            ("/index.html", html.into_bytes()),
            (
                "/eventi.json",
                serde_json::to_vec(&data).unwrap_or_default(),
            ),
            (
                "/manifest.webmanifest",
                crate::outputs::portale::manifest(dati),
            ),
            ("/sw.js", crate::outputs::portale::service_worker(dati)),
            (
                "/static/img/icona.svg",
                crate::outputs::portale::ICONA.as_bytes().to_vec(),
            ),
        ] {
            self.write(&staging, path, &bytes).map_err(|d| vec![d])?;
            written += 1;
        }
        for f in self
            .statics
            .iter()
            .filter(|f| {
                f.path.starts_with("/static/bootstrap-italia/")
                    || f.path == "/static/css/civico.css"
            })
            .chain(&self.portale)
        {
            f.write_at(&staging, &f.path).map_err(io)?;
            written += 1;
        }
        Ok((staging, written))
    }

    /// Writes `bytes` at `path` in the staging folder, with a `.gz` sibling when compressing
    /// (carried over from the published site when the file did not change).
    fn write(&self, staging: &dyn Sink, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        self.write_page(staging, path, bytes, None)
    }

    /// [`Renderer::write`] for a page whose shared ending starts at `ending`.
    fn write_page(
        &self,
        staging: &dyn Sink,
        path: &str,
        bytes: &[u8],
        ending: Option<usize>,
    ) -> Result<(), Diagnostic> {
        let io = |e: std::io::Error| {
            Diagnostic::error(
                "E-IO",
                staging.shown(),
                format!(
                    "scrittura di {path} non riuscita: {}",
                    civico_core::errore_io::descrivi(&e)
                ),
            )
        };
        if self.compress && compress::worth_compressing(path) {
            // A file the previous build published with the same bytes keeps its .gz.
            let gz = staging
                .previous_gzip(path, bytes)
                .unwrap_or_else(|| self.gzip.gzip(bytes, ending));
            staging.write_with_gzip(path, bytes, &gz).map_err(io)
        } else {
            staging.write(path, bytes).map_err(io)
        }
    }

    /// The data every page of a comune shares (`site` in templates), converted once, and a
    /// fingerprint of it (a page whose own data did not change still changes when this does).
    pub fn site_value(
        site: &Site<'_>,
        rete: &Rete,
        stemma: &str,
        today: chrono::NaiveDate,
    ) -> (Value, u64) {
        let comune = &site.content.comune;
        let data = SiteData {
            slug: &comune.slug,
            per_pagina: rete.elementi_per_pagina,
            base: &comune.base_path,
            base_url: &comune.base_url,
            comune: &comune.config,
            gestore: &rete.gestore,
            stemma: stemma.to_string(),
            argomenti: &site.argomenti,
            anno: chrono::Datelike::year(&today),
            sprite: format!(
                "{}/static/bootstrap-italia/svg/sprites.svg",
                comune.base_path
            ),
            risorse: risorse(rete, comune),
            primario_rgb: comune
                .config
                .colore_primario
                .as_ref()
                .and_then(|c| civico_core::config::parse_hex_colour(&c.value))
                .map(|[r, g, b]| format!("{r}, {g}, {b}")),
        };
        let mut h = civico_core::fingerprint::Hasher::default();
        let _ = serde_json::to_writer(&mut h, &data);
        (Value::from_serializable(&data), h.finish())
    }

    /// The parts of the base template a comune's pages share ([`parti::SharedParts`]).
    pub fn shared_parts(
        &self,
        site_value: &Value,
        pages: &[Page],
    ) -> Result<parti::SharedParts, Diagnostic> {
        parti::SharedParts::new(&self.templates, site_value, pages)
    }

    /// Renders one page (with its document's Markdown, when the model deferred it).
    pub fn render_page(
        &self,
        site: &Site<'_>,
        site_value: &Value,
        parts: &parti::SharedParts,
        page: &Page,
    ) -> Result<PageOut, Diagnostic> {
        let mut ctx = Context::new();
        let (mut assets, mut diagnostics) = (Vec::new(), Vec::new());
        let mut doc = |ctx: &mut Context, i: usize| {
            let (body, a, d) = site.body(i);
            ctx.insert("doc", &doc_data(site, i, &body));
            assets.extend(a);
            diagnostics.extend(d);
        };
        ctx.insert_value("site", site_value.clone());
        ctx.insert_value("parti", parts.of(&self.templates, site_value, page)?);
        ctx.insert("page", page);
        let template = match page.kind {
            PageKind::Home => "home.html",
            PageKind::Landing => "landing.html",
            PageKind::List => "lista.html",
            PageKind::Argomenti => "argomenti.html",
            PageKind::Mappa => "mappa.html",
            PageKind::Informativa => "informativa.html",
            PageKind::Prenotazione
            | PageKind::PrenotazioneGestione
            | PageKind::Assistenza
            | PageKind::Segnalazione
            | PageKind::SegnalazioneSegui
            | PageKind::SegnalazioniElenco => {
                ctx.insert("sportelli", &sportelli(site));
                let api = site
                    .content
                    .comune
                    .config
                    .servizi_online
                    .sportello
                    .as_deref()
                    .unwrap_or("")
                    .trim_end_matches('/');
                ctx.insert("api", &format!("{api}/api/v1/{}", site.content.comune.slug));
                match page.kind {
                    PageKind::Prenotazione => "prenotazione.html",
                    PageKind::Assistenza => {
                        ctx.insert("categorie", &categorie_assistenza(site));
                        "assistenza.html"
                    }
                    PageKind::Segnalazione
                    | PageKind::SegnalazioneSegui
                    | PageKind::SegnalazioniElenco => {
                        ctx.insert("segnalazioni", &segnalazioni_pagina(site));
                        match page.kind {
                            PageKind::Segnalazione => "segnalazione.html",
                            PageKind::SegnalazioneSegui => "segnalazione-segui.html",
                            _ => "segnalazioni-elenco.html",
                        }
                    }
                    _ => "prenotazione-gestione.html",
                }
            }
            PageKind::Ricerca => "ricerca.html",
            PageKind::NotFound => "404.html",
            PageKind::Albo => "albo-elenco.html",
            PageKind::OpenData => "opendata.html",
            PageKind::Trasparenza(d) => {
                if let Some(i) = d {
                    doc(&mut ctx, i);
                }
                "trasparenza-sezione.html"
            }
            PageKind::Doc(i) => {
                doc(&mut ctx, i);
                template_for(site.content.docs[i].kind)
            }
        };
        // Most pages are 20-40 KB: one allocation instead of growing from a few hundred bytes.
        let mut bytes = Vec::with_capacity(40 * 1024);
        self.templates.render_to(template, &ctx, &mut bytes, || {
            format!("errore nel template per {}", page.url)
        })?;
        // Tera writes only `str`s and the mark taken out is ASCII: the bytes are UTF-8, and are
        // written as they are (validating 30 KB per page again cost 2.7% of a build).
        let (html, ending) = take_mark(bytes);
        Ok(PageOut {
            file: page_file(&page.url),
            html,
            ending,
            assets,
            diagnostics,
        })
    }

    /// Every generated file of a comune's site that is not a page, collected (the preview
    /// compares them with what it wrote). A build writes them one output at a time instead
    /// ([`OUTPUTS`]).
    pub fn site_files(
        site: &Site<'_>,
        rete: &Rete,
        today: chrono::NaiveDate,
    ) -> Result<Vec<(String, Vec<u8>)>, Diagnostic> {
        let mut files = Vec::new();
        for output in OUTPUTS {
            files.extend(output(site, rete, today)?);
        }
        Ok(files)
    }

    /// The theme assets a comune's site carries (only the icon sprite when they are published
    /// on a shared host), with their compressed siblings: (site path, bytes).
    pub fn site_statics(&self, rete: &Rete) -> Vec<(String, &[u8])> {
        let shared = rete.risorse_condivise.is_some();
        let mut out = Vec::new();
        let admin = self.admin.iter().filter(|_| rete.redazione.is_some());
        for f in self
            .statics
            .iter()
            .filter(|f| !shared || f.path.ends_with("/sprites.svg"))
            .chain(admin)
        {
            out.push((f.path.clone(), &f.bytes[..]));
            if let Some(gz) = &f.gz {
                out.push((format!("{}.gz", f.path), &gz[..]));
            }
            if let Some(br) = &f.br {
                out.push((format!("{}.br", f.path), &br[..]));
            }
        }
        out
    }

    /// Renders one comune's site into a staging folder under `out`. Returns the staging folder
    /// (to commit when every comune succeeded) or the errors.
    pub fn render_site(
        &self,
        site: &Site<'_>,
        rete: &Rete,
        stemma: &str,
        out: &Path,
        today: chrono::NaiveDate,
    ) -> Result<(Staging, Stats), Vec<Diagnostic>> {
        let mut staging = Staging::new(out, site.slug()).map_err(|e| {
            vec![Diagnostic::error(
                "E-IO",
                out,
                format!(
                    "scrittura non riuscita: {}",
                    civico_core::errore_io::descrivi(&e)
                ),
            )]
        })?;
        let stats = self.render_site_into(site, rete, stemma, today, &staging)?;
        staging.close_folder();
        Ok((staging, stats))
    }

    /// Renders one comune's site into `sink`: its pages (streamed to the sink as they are
    /// rendered, in parallel), the theme's assets, the site's data files and the editors' files.
    pub fn render_site_into(
        &self,
        site: &Site<'_>,
        rete: &Rete,
        stemma: &str,
        today: chrono::NaiveDate,
        sink: &dyn Sink,
    ) -> Result<Stats, Vec<Diagnostic>> {
        let (site_value, _) = Self::site_value(site, rete, stemma, today);
        let parts = self
            .shared_parts(&site_value, &site.pages)
            .map_err(|d| vec![d])?;
        // Each page is written as soon as it is rendered; only what its Markdown linked and
        // got wrong is kept. The theme's assets and the outputs beside the pages are written
        // meanwhile, on one thread.
        let (results, (mut files, others)) = rayon::join(
            || {
                site.pages
                    .par_iter()
                    // Small pieces: with rayon's default ones, one core finished the last few
                    // hundred pages alone while the other had nothing left to take.
                    .with_max_len(PAGES_PER_TASK)
                    .map(|page| {
                        let p = self.render_page(site, &site_value, &parts, page)?;
                        self.write_page(sink, &p.file, &p.html, p.ending)?;
                        Ok((p.assets, p.diagnostics))
                    })
                    .collect::<Vec<Result<Linked, Diagnostic>>>()
            },
            || self.write_beside_pages(site, rete, today, sink),
        );
        let mut errors = Vec::new();
        let mut notes = Vec::new();
        let (mut linked, unpaged) = site.markdown_without_page();
        for r in unpaged
            .into_iter()
            .map(|d| Ok((Vec::new(), vec![d])))
            .chain(results)
        {
            match r {
                Ok((a, ds)) => {
                    linked.extend(a);
                    for d in ds {
                        if d.is_error() {
                            errors.push(d);
                        } else {
                            notes.push(d);
                        }
                    }
                }
                Err(d) => errors.push(d),
            }
        }
        errors.extend(others);
        linked.extend(site.assets.iter().cloned());
        linked.sort();
        linked.dedup();
        let copies: Vec<Result<(), Diagnostic>> = unique_assets(&linked)
            .par_iter()
            .map(|a| {
                sink.copy_new(&a.src, &a.dest)
                    .map_err(|e| copy_error(&a.src, &a.dest, &e))
            })
            .collect();
        for c in copies {
            match c {
                Ok(()) => files += 1,
                Err(d) => errors.push(d),
            }
        }
        if errors.is_empty() {
            Ok(Stats {
                pages: site.pages.len(),
                files: files + site.pages.len(),
                diagnostics: notes,
            })
        } else {
            let mut errors = template_errors::merge_repeated(errors);
            errors.extend(notes);
            Err(errors)
        }
    }
}

impl Renderer {
    /// Writes the theme's assets and the outputs (feeds, calendars, open data, search index...)
    /// of a comune's site: the number of files written and the errors.
    fn write_beside_pages(
        &self,
        site: &Site<'_>,
        rete: &Rete,
        today: chrono::NaiveDate,
        sink: &dyn Sink,
    ) -> (usize, Vec<Diagnostic>) {
        let (mut files, mut errors) = (0, Vec::new());
        let shared = rete.risorse_condivise.is_some();
        let admin = self.admin.iter().filter(|_| rete.redazione.is_some());
        for f in self
            .statics
            .iter()
            .filter(|f| !shared || f.path.ends_with("/sprites.svg"))
            .chain(admin)
        {
            match f.write_at(sink, &f.path) {
                Ok(()) => files += 1,
                Err(e) => errors.push(Diagnostic::error(
                    "E-IO",
                    sink.shown(),
                    format!(
                        "scrittura non riuscita: {}",
                        civico_core::errore_io::descrivi(&e)
                    ),
                )),
            }
        }
        // One output at a time, each written and let go before the next is made.
        for output in OUTPUTS {
            match output(site, rete, today) {
                Ok(list) => {
                    for (path, bytes) in list {
                        match self.write(sink, &path, &bytes) {
                            Ok(()) => files += 1,
                            Err(d) => errors.push(d),
                        }
                    }
                }
                Err(d) => errors.push(d),
            }
        }
        (files, errors)
    }
}

/// Files of one output: (site path, bytes).
type Files = Vec<(String, Vec<u8>)>;

/// One of the outputs a comune's site publishes beside its pages.
type Output = fn(&Site<'_>, &Rete, chrono::NaiveDate) -> Result<Files, Diagnostic>;

/// What every comune's site publishes beside its pages, in the order it is written: a new
/// output is added here, once, for build, check and the preview.
pub const OUTPUTS: [Output; 7] = [
    Renderer::calendars,
    |site, _, today| Ok(crate::outputs::opendata::files(site, today)),
    |site, rete, today| Ok(crate::outputs::distribuzione::files(site, rete.tz(), today)),
    |site, _, _| Ok(site.data_files.clone()),
    search_index,
    outbox,
    redazione,
];

fn search_index(site: &Site<'_>, _: &Rete, _: chrono::NaiveDate) -> Result<Files, Diagnostic> {
    let json = serde_json::to_vec(&search::index(site));
    json_file(site, "/ricerca/indice.json", "indice di ricerca", json)
}

fn outbox(site: &Site<'_>, _: &Rete, today: chrono::NaiveDate) -> Result<Files, Diagnostic> {
    let json = serde_json::to_vec_pretty(&crate::outputs::outbox::outbox(site, today));
    json_file(
        site,
        "/io/outbox.json",
        "elenco delle pubblicazioni per IO",
        json,
    )
}

/// One JSON file of an output at `path`, or why `what` could not be written.
fn json_file(
    site: &Site<'_>,
    path: &str,
    what: &str,
    json: serde_json::Result<Vec<u8>>,
) -> Result<Files, Diagnostic> {
    let bytes = json.map_err(|e| {
        Diagnostic::error(
            "E-IO",
            &site.content.comune.dir,
            format!("{what} non scritto: {e}"),
        )
    })?;
    Ok(vec![(path.to_string(), bytes)])
}

/// Where a comune's pages take the theme's assets: `<base>/static`, or the shared host.
pub(crate) fn risorse(rete: &Rete, comune: &civico_core::config::ComuneDir) -> String {
    rete.risorse_condivise.as_deref().map_or_else(
        || format!("{}/static", comune.base_path),
        |r| r.trim_end_matches('/').to_string(),
    )
}

/// The web editor's page and configuration, when the network has one.
fn redazione(site: &Site<'_>, rete: &Rete, _: chrono::NaiveDate) -> Result<Files, Diagnostic> {
    let Some(r) = &rete.redazione else {
        return Ok(Vec::new());
    };
    let comune = &site.content.comune;
    Ok(vec![
        (
            "/admin/index.html".into(),
            crate::outputs::redazione::index_html(comune, &risorse(rete, comune)).into_bytes(),
        ),
        (
            "/admin/config.yml".into(),
            crate::outputs::redazione::config_yml(rete, r, comune).into_bytes(),
        ),
    ])
}

/// The file a page is written to: `<url>index.html`, or the URL itself when it names a file.
pub fn page_file(url: &str) -> String {
    if url.ends_with(".html") {
        url.to_string()
    } else {
        format!("{url}index.html")
    }
}

/// What a document page gets besides the page itself.
/// An office taking appointments, with the contacts of its ufficio page (the booking page
/// shows them when the service cannot be reached).
#[derive(Serialize)]
struct SportelloPagina<'a> {
    id: &'a str,
    nome: &'a str,
    indirizzo: Option<&'a str>,
    url: Option<&'a str>,
    telefono: Option<&'a str>,
    email: Option<&'a str>,
    orari: Option<&'a str>,
}

/// The categories of a richiesta di assistenza (the 15 service categories and "Relazioni con
/// il pubblico"), each with the titles of the comune's services in it.
#[derive(Serialize)]
struct CategoriaAssistenza {
    nome: String,
    servizi: Vec<String>,
}

fn categorie_assistenza(site: &Site<'_>) -> Vec<CategoriaAssistenza> {
    let vocab = civico_core::vocabolari::get();
    let mut out: Vec<CategoriaAssistenza> = vocab
        .categorie_servizio
        .iter()
        .map(|c| CategoriaAssistenza {
            nome: c.nome.clone(),
            servizi: Vec::new(),
        })
        .collect();
    for d in &site.content.docs {
        if let Meta::Servizio(s) = &d.meta {
            for c in &s.categorie {
                if let Some(cat) = vocab.categoria(&c.value) {
                    if let Some(x) = out.iter_mut().find(|x| x.nome == cat.nome) {
                        x.servizi.push(s.titolo.clone());
                    }
                }
            }
        }
    }
    for x in &mut out {
        x.servizi.sort();
        x.servizi.dedup();
        x.servizi.push("Altro".into());
    }
    out.push(CategoriaAssistenza {
        nome: "Relazioni con il pubblico".into(),
        servizi: vec![
            "Informazioni generali".into(),
            "Reclami e suggerimenti".into(),
            "Altro".into(),
        ],
    });
    out
}

/// What the segnalazione pages show: the types of disservizio, the map, the informativa, and
/// where to write without the online form.
#[derive(Serialize)]
struct SegnalazioniPagina<'a> {
    categorie: Vec<&'a str>,
    /// The map's settings as JSON, for the page's script; none without a map.
    mappa_json: Option<String>,
    /// The tile server's host, named on the page before the map is opened.
    mappa_host: Option<String>,
    informativa: &'a str,
    /// A `mailto:` address for reports without the form.
    email: String,
}

fn segnalazioni_pagina<'a>(site: &'a Site<'_>) -> Option<SegnalazioniPagina<'a>> {
    let c = &site.content.comune;
    let s = c.sportello.as_deref()?;
    let sg = s.segnalazioni.as_ref()?;
    let email = c
        .config
        .servizi_online
        .segnalazione_disservizio
        .as_deref()
        .and_then(|u| u.strip_prefix("mailto:"))
        .unwrap_or(&c.config.email)
        .to_string();
    Some(SegnalazioniPagina {
        categorie: sg.categorie.iter().map(|x| x.nome.as_str()).collect(),
        mappa_json: sg
            .mappa
            .as_ref()
            .and_then(|m| serde_json::to_string(m).ok()),
        mappa_host: sg
            .mappa
            .as_ref()
            .and_then(|m| url::Url::parse(&m.tessere.replace(['{', '}'], "")).ok())
            .and_then(|u| u.host_str().map(str::to_string)),
        informativa: &s.informativa,
        email,
    })
}

fn sportelli<'a>(site: &'a Site<'_>) -> Vec<SportelloPagina<'a>> {
    let Some(s) = site.content.comune.sportello.as_deref() else {
        return Vec::new();
    };
    s.sportelli
        .iter()
        .map(|u| {
            let doc = u.ufficio.as_deref().and_then(|k| {
                let k = k.trim_end_matches(".md");
                site.content.docs.iter().position(|d| {
                    d.key == k
                        || (!k.contains('/')
                            && d.key.rsplit('/').next() == Some(k)
                            && d.kind == Kind::Ufficio)
                })
            });
            let uff = doc.and_then(|i| match &site.content.docs[i].meta {
                Meta::Ufficio(x) => Some(x),
                _ => None,
            });
            SportelloPagina {
                id: &u.id,
                nome: &u.nome,
                indirizzo: u.indirizzo.as_deref(),
                url: doc.map(|i| site.doc_urls[i].as_str()),
                telefono: uff.and_then(|x| x.contatti.telefono.as_deref()),
                email: uff.and_then(|x| x.contatti.email.as_deref()),
                orari: uff.and_then(|x| x.orari.as_ref()).map(|t| t.value.as_str()),
            }
        })
        .collect()
}

fn doc_data<'a>(site: &'a Site<'_>, i: usize, r: &'a crate::model::Rendered) -> DocData<'a> {
    let d = &site.content.docs[i];
    let vocab = civico_core::vocabolari::get();
    let refs = d
        .meta
        .refs()
        .into_iter()
        .filter_map(|x| site.targets.get(&x.key).map(|t| (x.key.as_str(), t)))
        .collect();
    let argomenti = d
        .meta
        .argomenti()
        .iter()
        .filter_map(|a| vocab.argomento(&a.value))
        .map(|a| (a, civico_core::slug::slugify(a)))
        .collect();
    DocData {
        kind: d.kind,
        meta: &d.meta,
        html: &r.html,
        headings: &r.headings,
        testi: &r.testi,
        files: &r.files,
        dimensioni: &r.dimensioni,
        refs,
        argomenti,
        accedi: accedi(site, d),
        codice: r.highlighted,
    }
}

fn template_for(kind: Kind) -> &'static str {
    match kind {
        Kind::Notizia => "notizia.html",
        Kind::Evento => "evento.html",
        Kind::Servizio => "servizio.html",
        Kind::Luogo => "luogo.html",
        Kind::Ufficio => "ufficio.html",
        Kind::Persona => "persona.html",
        Kind::Documento => "documento.html",
        Kind::Pagina => "pagina.html",
        Kind::Trasparenza => "trasparenza.html",
        Kind::Albo => "albo.html",
    }
}

/// The error of copying an editor's file into the site: a clash with a file the site already
/// has (a page, a theme file, another attachment of the same name) or an I/O failure.
fn copy_error(src: &Path, dest: &str, e: &std::io::Error) -> Diagnostic {
    if e.kind() == std::io::ErrorKind::AlreadyExists {
        Diagnostic::error(
            "E-FILE-CONFLICT",
            src,
            format!(
                "il file andrebbe pubblicato come `{dest}`, che il sito usa già per un altro file"
            ),
        )
        .hint(
            "rinomina il file: due file pubblicati nella stessa cartella devono avere nomi diversi",
        )
    } else {
        Diagnostic::error(
            "E-IO",
            src,
            format!(
                "copia non riuscita: {}",
                civico_core::errore_io::descrivi(e)
            ),
        )
    }
}

/// The assets to copy, one per destination: the same file named twice (the stemma also linked
/// from a page) is copied once; two different files for one destination are left for
/// `copy_new` to refuse.
fn unique_assets(assets: &[crate::model::Asset]) -> Vec<&crate::model::Asset> {
    let mut seen: std::collections::HashMap<&str, std::path::PathBuf> = Default::default();
    let mut out = Vec::with_capacity(assets.len());
    for a in assets {
        let real = a.src.canonicalize().unwrap_or_else(|_| a.src.clone());
        match seen.get(a.dest.as_str()) {
            Some(prev) if *prev == real => continue,
            Some(_) => out.push(a),
            None => {
                seen.insert(&a.dest, real);
                out.push(a);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_mark_is_taken_out_whether_the_ending_is_known_or_not() {
        let m = SHARED_ENDING;
        let take = |page: String| {
            let (bytes, at) = take_mark(page.into_bytes());
            (String::from_utf8(bytes).unwrap(), at)
        };
        // The first page is searched; the next ones with the same ending are not.
        assert_eq!(take(format!("a{m}fine")), ("afine".into(), Some(1)));
        assert_eq!(take(format!("bb{m}fine")), ("bbfine".into(), Some(2)));
        // Two marks: the last one, found from the known ending or by searching.
        let two = format!("x{m}y{m}fine");
        assert_eq!(take(two.clone()), (format!("x{m}yfine"), Some(2 + m.len())));
        assert_eq!(
            take(format!("x{m}y{m}altro")),
            (format!("x{m}yaltro"), Some(2 + m.len()))
        );
        // No mark, or the known ending without a mark before it.
        assert_eq!(take("nessun segno".into()), ("nessun segno".into(), None));
        assert_eq!(
            take("0123456789altro".into()),
            ("0123456789altro".into(), None)
        );
        // A page ending with the mark itself.
        assert_eq!(take(format!("z{m}")), ("z".into(), Some(1)));
        assert_eq!(take(format!("zz{m}")), ("zz".into(), Some(2)));
        assert_eq!(take(two), (format!("x{m}yfine"), Some(2 + m.len())));
    }
}
