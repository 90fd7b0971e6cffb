//! The site as data: one `Site` per comune, with every page it publishes, its URL, its
//! breadcrumb and what it lists, and the attachments to copy.
//!
//! Built from a comune's `Document`s in three steps: give every document a URL (and report
//! duplicates), resolve cross references (`ufficio_responsabile: uffici/anagrafe`) and render
//! Markdown in parallel with links checked against the URL set, then assemble the list pages of
//! the Modello Comuni (Novità, Servizi, Amministrazione, Vivere il Comune, Argomenti, ...).
//! Rendering to HTML is the `render` stage's job; this stage only produces plain data.

pub mod links;
pub mod pages;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::content::kinds::{Kind, Meta};
use crate::content::{ComuneContent, Document};
use crate::markdown::{self, Heading};
use civico_core::diagnostics::{Diagnostic, Diagnostics};
use civico_core::slug::slugify;
use civico_core::vocabolari;

pub use pages::{Crumb, ListItem, Page, PageKind, Pager};

/// A file to copy into the site: from `src` on disk to `dest` (site path, no base path).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Asset {
    pub src: PathBuf,
    pub dest: String,
}

/// Markdown of one document rendered to HTML: the body and the text fields of its front matter.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Rendered {
    pub html: String,
    pub headings: Vec<Heading>,
    /// Front-matter text fields (`come_fare`, ...) rendered to HTML, by field name.
    pub testi: BTreeMap<String, String>,
    /// Attachments and images of the front matter: field value as written -> URL.
    pub files: BTreeMap<String, String>,
    /// Images of the front matter: field value as written -> width and height.
    pub dimensioni: BTreeMap<String, (u32, u32)>,
    /// Whether the body has highlighted code (the page needs the syntax stylesheet).
    pub highlighted: bool,
}

/// A reference resolved to the page it points at.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub titolo: String,
    pub url: String,
    pub kind: Kind,
    /// For places: street address with CAP, and coordinates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indirizzo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geo: Option<crate::content::fields::Geo>,
}

/// One comune's site, ready to render.
pub struct Site<'a> {
    pub content: &'a ComuneContent,
    /// URL (site path, e.g. `/novita/festa/`) of each document, by index in `content.docs`.
    pub doc_urls: Vec<String>,
    /// Every document, by key, for resolving references in templates.
    pub targets: HashMap<String, Target>,
    /// Shared with the Markdown cache of `civico serve`.
    pub rendered: Vec<Arc<Rendered>>,
    pub pages: Vec<Page>,
    pub assets: Vec<Asset>,
    /// Argomenti actually used, canonical name -> slug.
    pub argomenti: BTreeMap<String, String>,
    /// Generated data files (site path, bytes): the ANAC schemas as CSV and JSON.
    pub data_files: Vec<(String, Vec<u8>)>,
    /// Every page URL, for checking links.
    pub url_set: HashSet<String>,
    /// The documents' Markdown is rendered with their pages (`Site::body`), not kept here.
    pub deferred: bool,
}

/// Everything of a [`Site`] but the content it borrows, kept between incremental builds.
pub struct Parts {
    doc_urls: Vec<String>,
    targets: HashMap<String, Target>,
    rendered: Vec<Arc<Rendered>>,
    pages: Vec<Page>,
    assets: Vec<Asset>,
    argomenti: BTreeMap<String, String>,
    data_files: Vec<(String, Vec<u8>)>,
    url_set: HashSet<String>,
    deferred: bool,
}

impl<'a> Site<'a> {
    /// Keeps the model without the documents (lent back to their owner).
    pub fn into_parts(self) -> Parts {
        Parts {
            doc_urls: self.doc_urls,
            targets: self.targets,
            rendered: self.rendered,
            pages: self.pages,
            assets: self.assets,
            argomenti: self.argomenti,
            data_files: self.data_files,
            url_set: self.url_set,
            deferred: self.deferred,
        }
    }

    /// The model again, over the same documents it was built from.
    pub fn with_parts(content: &'a ComuneContent, p: Parts) -> Site<'a> {
        Site {
            content,
            doc_urls: p.doc_urls,
            targets: p.targets,
            rendered: p.rendered,
            pages: p.pages,
            assets: p.assets,
            argomenti: p.argomenti,
            data_files: p.data_files,
            url_set: p.url_set,
            deferred: p.deferred,
        }
    }
}

/// A document's rendered Markdown changed but nothing else: what the model had and now has.
pub struct Rerendered {
    pub old: Vec<Diagnostic>,
    pub new: Vec<Diagnostic>,
}

impl Site<'_> {
    pub fn slug(&self) -> &str {
        &self.content.comune.slug
    }

    /// Prefix every site path with this to get the link that works under `base_url`.
    pub fn base_path(&self) -> &str {
        &self.content.comune.base_path
    }

    fn links(&self) -> links::SiteLinks<'_> {
        links::SiteLinks {
            comune_dir: &self.content.comune.dir,
            base_path: &self.content.comune.base_path,
            keys: &self.targets,
            urls: &self.url_set,
        }
    }

    /// Document `i`'s Markdown as HTML, for its page. When the model deferred it, it is rendered
    /// now, with the attachments its text links and the problems found (the page's renderer
    /// copies and reports them); otherwise it is the model's, with nothing more to report.
    pub fn body(&self, i: usize) -> Rendered3 {
        if !self.deferred {
            return (Arc::clone(&self.rendered[i]), Vec::new(), Vec::new());
        }
        let (mut r, assets, diags) =
            render_markdown(&self.content.docs[i], &self.doc_urls[i], &self.links());
        r.files = self.rendered[i].files.clone();
        r.dimensioni = self.rendered[i].dimensioni.clone();
        (Arc::new(r), assets, diags)
    }

    /// The Markdown of the documents no page shows (so not rendered with a page): what it links
    /// and the problems found, as if it had been, when the model deferred it.
    pub fn markdown_without_page(&self) -> (Vec<Asset>, Vec<Diagnostic>) {
        if !self.deferred {
            return (Vec::new(), Vec::new());
        }
        let mut paged = vec![false; self.content.docs.len()];
        for p in &self.pages {
            if let PageKind::Doc(i) | PageKind::Trasparenza(Some(i)) = p.kind {
                paged[i] = true;
            }
        }
        let base = self.links();
        let done: Vec<(Vec<Asset>, Vec<Diagnostic>)> = self
            .content
            .docs
            .par_iter()
            .zip(self.doc_urls.par_iter())
            .zip(paged.par_iter())
            .filter(|(_, paged)| !**paged)
            .map(|((d, u), _)| {
                let (_, a, ds) = render_markdown(d, u, &base);
                (a, ds)
            })
            .collect();
        let mut assets = Vec::new();
        let mut diags = Vec::new();
        for (a, ds) in done {
            assets.extend(a);
            diags.extend(ds);
        }
        (assets, diags)
    }

    /// The problems in every document's Markdown, when the model deferred it and no page will
    /// be rendered (the build stopped on other errors, or only the sources are checked): all
    /// errors are reported in one run.
    pub fn markdown_diagnostics(&self) -> Vec<Diagnostic> {
        if !self.deferred {
            return Vec::new();
        }
        let base = self.links();
        self.content
            .docs
            .par_iter()
            .zip(self.doc_urls.par_iter())
            .flat_map_iter(|(d, u)| render_markdown(d, u, &base).2)
            .collect()
    }
}

/// When the documents' Markdown is rendered.
pub enum Markdown<'c> {
    /// While the model is built, kept in it and in the preview's cache (`civico serve`).
    Now(Option<&'c mut MarkdownCache>),
    /// With each page (`Site::body`), so that no page's HTML stays in memory (`build`, `check`).
    WithPage,
}

/// The URL of a document, from its kind and front matter.
fn doc_url(doc: &Document) -> String {
    let v = vocabolari::get();
    let last = doc.key.rsplit('/').next().unwrap_or(&doc.key);
    let slug = doc
        .meta
        .slug()
        .map(slugify)
        .unwrap_or_else(|| slugify(last));
    match &doc.meta {
        Meta::Notizia(_) => format!("/novita/{slug}/"),
        Meta::Evento(_) => format!("/vivere-il-comune/eventi/{slug}/"),
        Meta::Luogo(_) => format!("/vivere-il-comune/luoghi/{slug}/"),
        Meta::Servizio(s) => {
            let cat = s
                .categorie
                .first()
                .and_then(|c| v.categoria(&c.value))
                .map(|c| slugify(&c.nome))
                .unwrap_or_else(|| "servizi".into());
            format!("/servizi/{cat}/{slug}/")
        }
        Meta::Ufficio(u) => {
            let group = v
                .tipo_unita(&u.tipo.value)
                .map(|(_, g)| slugify(g.titolo()))
                .unwrap_or_else(|| "uffici".into());
            format!("/amministrazione/{group}/{slug}/")
        }
        Meta::Persona(_) => format!("/amministrazione/persone/{slug}/"),
        Meta::Documento(d) => {
            let tipo = v
                .tipo_documento(&d.tipo_documento.value)
                .map(|t| slugify(&t.plurale))
                .unwrap_or_else(|| "documenti".into());
            format!("/amministrazione/documenti-e-dati/{tipo}/{slug}/")
        }
        Meta::Pagina(_) => format!("/{slug}/"),
        Meta::Trasparenza(_) => {
            let path: Vec<String> = doc.key.split('/').map(slugify).collect();
            format!("/{}/", path.join("/"))
        }
        Meta::Albo(a) => match doc.meta.slug() {
            Some(_) => format!("/albo-pretorio/{slug}/"),
            None => format!("/albo-pretorio/{}-{}/", a.anno, a.numero),
        },
    }
}

/// Markdown already rendered in an earlier build of the same comune, reused while neither the
/// document nor the set of addresses its links are checked against changed (`civico serve`).
#[derive(Default)]
pub struct MarkdownCache {
    /// Fingerprint of every document key and page URL the cached renders were checked against.
    links: u64,
    entries: HashMap<String, Rendered3>,
}

impl MarkdownCache {
    /// Drops the render of one document (its file changed).
    pub fn forget(&mut self, key: &str) {
        self.entries.remove(key);
    }

    /// Drops everything (a media file changed: links to attachments are checked on disk).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The fingerprint of the addresses links were last checked against.
    pub fn links(&self) -> u64 {
        self.links
    }

    /// The attachments every cached document links, in order, without repeats.
    fn assets(&self) -> Vec<Asset> {
        let mut all: Vec<Asset> = self
            .entries
            .values()
            .flat_map(|e| e.1.iter().cloned())
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

/// Renders the Markdown of document `i` again, when only its body changed (its front matter,
/// hence every list and address of the site, is as it was): updates `site` and `cache`.
/// The attachments are those of the cache; the caller adds the coat of arms again.
pub fn rerender(site: &mut Site<'_>, i: usize, cache: &mut MarkdownCache) -> Rerendered {
    let d = &site.content.docs[i];
    let (r, a, ds) = render_doc(d, &site.doc_urls[i], &site.links());
    site.rendered[i] = r.clone();
    let old = cache
        .entries
        .insert(d.key.clone(), (r, a, ds.clone()))
        .map(|e| e.2)
        .unwrap_or_default();
    site.assets = cache.assets();
    Rerendered { old, new: ds }
}

/// A document's rendered Markdown, the attachments it links and the problems found.
pub type Rendered3 = (Arc<Rendered>, Vec<Asset>, Vec<Diagnostic>);

/// An order-independent fingerprint of a set of strings.
fn set_fingerprint<'s>(items: impl Iterator<Item = &'s str>) -> u64 {
    items.fold(0u64, |acc, s| {
        acc.wrapping_add(civico_core::fingerprint::of(s.as_bytes()))
    })
}

/// Builds the site of one comune. Problems go to `diags`; the site is built as far as possible
/// so that all errors of all comuni are reported in one run.
pub fn build<'a>(
    content: &'a ComuneContent,
    per_page: usize,
    today: NaiveDate,
    diags: &Diagnostics,
) -> Site<'a> {
    build_with(content, per_page, today, diags, Markdown::WithPage)
}

/// [`build`], with the documents' Markdown rendered when `markdown` says.
pub fn build_with<'a>(
    content: &'a ComuneContent,
    per_page: usize,
    today: NaiveDate,
    diags: &Diagnostics,
    markdown: Markdown<'_>,
) -> Site<'a> {
    let (deferred, mut cache) = match markdown {
        Markdown::Now(cache) => (false, cache),
        Markdown::WithPage => (true, None),
    };
    let docs = &content.docs;
    let doc_urls: Vec<String> = docs.par_iter().map(doc_url).collect();

    // 1. URLs are unique, while the documents are indexed by key for references.
    let ((), targets) = rayon::join(
        || check_unique_urls(docs, &doc_urls, diags),
        || targets_of(docs, &doc_urls),
    );
    // 2. The pages of the site, those of the Modello Comuni and those of Amministrazione
    // trasparente side by side, while references are checked (each of these steps on one
    // thread left the other core idle for half of the model phase at 50,000 pages).
    let ((mut pages, at), ()) = rayon::join(
        || {
            rayon::join(
                || pages::assemble(content, &doc_urls, per_page, today),
                || {
                    crate::trasparenza::pagine::assemble(
                        &pages::Ctx::new(content, &doc_urls, per_page, today),
                        content,
                        today,
                        diags,
                    )
                },
            )
        },
        || {
            check_refs(docs, &targets, diags);
            check_moduli(docs, diags);
        },
    );
    pages.extend(at.pages);
    let data_files = at.files;
    // 3. A free page may not take the address of a generated one; meanwhile, every address.
    let ((), url_set) = rayon::join(
        || check_reserved(docs, &doc_urls, &pages, diags),
        || {
            pages
                .iter()
                .map(|p| p.url.clone())
                .collect::<HashSet<String>>()
        },
    );

    // 4. Markdown, in parallel, with links checked against every URL the site will have.
    let resolver_base = links::SiteLinks {
        comune_dir: &content.comune.dir,
        base_path: &content.comune.base_path,
        keys: &targets,
        urls: &url_set,
    };
    if let Some(c) = cache.as_deref_mut() {
        let links = set_fingerprint(
            url_set
                .iter()
                .map(String::as_str)
                .chain(targets.keys().map(String::as_str)),
        );
        if c.links != links {
            c.entries.clear();
            c.links = links;
        }
    }
    let cached = cache.as_deref();
    let results: Vec<Rendered3> = docs
        .par_iter()
        .zip(doc_urls.par_iter())
        .map(
            |(d, url)| match cached.and_then(|c| c.entries.get(&d.key)) {
                Some(hit) => hit.clone(),
                None if deferred => {
                    let (r, a, ds) = resolve_files(d, links::DocLinks::new(&resolver_base, d, url));
                    (Arc::new(r), a, ds)
                }
                None => render_doc(d, url, &resolver_base),
            },
        )
        .collect();
    if let Some(c) = cache {
        c.entries = docs
            .iter()
            .zip(&results)
            .map(|(d, r)| (d.key.clone(), r.clone()))
            .collect();
    }
    let mut rendered = Vec::with_capacity(results.len());
    let mut assets = Vec::new();
    for (r, a, ds) in results {
        rendered.push(r);
        assets.extend(a);
        diags.extend(ds);
    }
    assets.sort();
    assets.dedup();
    crate::trasparenza::pagine::link_files(&mut pages, &rendered);
    pages::link_images(&mut pages, content, &rendered);

    let argomenti: BTreeMap<String, String> = docs
        .iter()
        .flat_map(|d| d.meta.argomenti())
        .filter_map(|a| vocabolari::get().argomento(&a.value))
        .map(|a| (a.to_string(), slugify(a)))
        .collect();

    Site {
        content,
        doc_urls,
        targets,
        rendered,
        pages,
        assets,
        argomenti,
        data_files,
        url_set,
        deferred,
    }
}

/// A document may not take the address of a page civico generates (the `_index.md` of a
/// transparency section introduces the page generated for it).
fn check_reserved(docs: &[Document], doc_urls: &[String], pages: &[Page], diags: &Diagnostics) {
    let generated: HashSet<&str> = pages
        .iter()
        .filter(|p| !matches!(p.kind, PageKind::Doc(_)))
        .map(|p| p.url.as_str())
        .collect();
    for (i, url) in doc_urls.iter().enumerate() {
        let intro = docs[i].kind == crate::content::kinds::Kind::Trasparenza && docs[i].is_section;
        if generated.contains(url.as_str()) && !intro {
            diags.push(
                Diagnostic::error(
                    "E-URL-RESERVED",
                    &docs[i].shown,
                    format!("l'indirizzo {url} è riservato a una pagina del sito"),
                )
                .hint("scegli un altro nome di file o imposta `slug:`"),
            );
        }
    }
}

/// Two documents may not have the same address.
fn check_unique_urls(docs: &[Document], doc_urls: &[String], diags: &Diagnostics) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, url) in doc_urls.iter().enumerate() {
        if let Some(&j) = seen.get(url.as_str()) {
            diags.push(
                Diagnostic::error(
                    "E-URL-DUPLICATE",
                    &docs[i].shown,
                    format!(
                        "l'indirizzo {url} è già usato da {}",
                        docs[j].shown.display()
                    ),
                )
                .hint("rinomina uno dei due file o imposta `slug:` diverso"),
            );
        } else {
            seen.insert(url, i);
        }
    }
}

/// What each document key points at, and the file names that name one document alone.
fn targets_of(docs: &[Document], urls: &[String]) -> HashMap<String, Target> {
    let targets: HashMap<String, Target> = docs
        .iter()
        .zip(urls)
        .map(|(d, u)| {
            (
                d.key.clone(),
                Target {
                    titolo: d.meta.titolo(),
                    url: u.clone(),
                    kind: d.kind,
                    indirizzo: match &d.meta {
                        crate::content::kinds::Meta::Luogo(l) => {
                            Some(format!("{}, {}", l.indirizzo, l.cap))
                        }
                        _ => None,
                    },
                    geo: match &d.meta {
                        crate::content::kinds::Meta::Luogo(l) => Some(l.geo),
                        _ => None,
                    },
                },
            )
        })
        .collect();
    // A reference may also name an ufficio, luogo, persona, servizio or documento by its file
    // name alone (`anagrafe` for `uffici/anagrafe`), as the web editor's relation fields write
    // it, when no other of them has that name.
    let mut targets = targets;
    let mut by_name: HashMap<&str, Vec<&str>> = HashMap::new();
    // Only the kinds relation fields point at (not the thousands of news and AT items).
    let referable = |k: Kind| {
        matches!(
            k,
            Kind::Ufficio | Kind::Luogo | Kind::Persona | Kind::Servizio | Kind::Documento
        )
    };
    for d in docs.iter().filter(|d| referable(d.kind)) {
        if let Some((_, name)) = d.key.rsplit_once('/') {
            by_name.entry(name).or_default().push(&d.key);
        }
    }
    let aliases: Vec<(String, Target)> = by_name
        .into_iter()
        .filter(|(name, keys)| keys.len() == 1 && !targets.contains_key(*name))
        .filter_map(|(name, keys)| targets.get(keys[0]).map(|t| (name.to_string(), t.clone())))
        .collect();
    targets.extend(aliases);
    targets
}

/// The online forms of the schede servizio are sound (the same checks the service relies on).
fn check_moduli(docs: &[Document], diags: &Diagnostics) {
    for d in docs {
        if let crate::content::kinds::Meta::Servizio(s) = &d.meta {
            if let Some(m) = &s.modulo {
                diags.extend(civico_core::modulo::controlla(
                    m,
                    &d.shown,
                    &d.snippet_source(),
                ));
            }
        }
    }
}

/// Every reference of every document resolves, else an error with the closest keys.
fn check_refs(docs: &[Document], targets: &HashMap<String, Target>, diags: &Diagnostics) {
    for d in docs {
        for r in d.meta.refs() {
            if !targets.contains_key(&r.key) {
                let near = civico_core::diagnostics::closest(
                    &r.key,
                    targets.keys().map(String::as_str),
                    3,
                );
                let hint = if near.is_empty() {
                    "scrivi il percorso del file senza .md, per esempio uffici/anagrafe".to_string()
                } else {
                    format!("forse intendevi: {}", near.join(", "))
                };
                diags.push(
                    Diagnostic::error(
                        "E-REF-BROKEN",
                        &d.shown,
                        format!(
                            "il riferimento `{}` non corrisponde a nessun contenuto",
                            r.written
                        ),
                    )
                    .at(r.line, r.col)
                    .hint(hint)
                    .with_source(&d.snippet_source()),
                );
            }
        }
    }
}

/// A document's Markdown (body and text fields) and front-matter files, with the attachments
/// they link and the problems found.
fn render_doc(doc: &Document, url: &str, base: &links::SiteLinks<'_>) -> Rendered3 {
    let (mut out, mut assets, mut diags) = render_markdown(doc, url, base);
    let (files, more, problems) = resolve_files(doc, links::DocLinks::new(base, doc, url));
    out.files = files.files;
    out.dimensioni = files.dimensioni;
    assets.extend(more);
    diags.extend(problems);
    (Arc::new(out), assets, diags)
}

/// A document's Markdown: its body and the text fields of its front matter.
fn render_markdown(
    doc: &Document,
    url: &str,
    base: &links::SiteLinks<'_>,
) -> (Rendered, Vec<Asset>, Vec<Diagnostic>) {
    let text = match doc.text() {
        Ok(t) => t,
        Err(d) => return (Rendered::default(), Vec::new(), vec![d]),
    };
    let resolver = links::DocLinks::new(base, doc, url);
    let src = markdown::Source {
        file: &doc.shown,
        whole: &text,
        line_offset: doc.body_offset,
        col_offset: 0,
    };
    let body = markdown::render(doc.body(&text), &src, &resolver);
    let mut diags = body.diagnostics;
    let mut out = Rendered {
        html: body.html,
        headings: body.headings,
        highlighted: body.highlighted,
        ..Default::default()
    };
    for (name, t) in doc.meta.testi() {
        // Text in YAML: its first line is the field's line; block scalars start one line below.
        let block = text
            .lines()
            .nth(t.line.saturating_sub(1))
            .is_some_and(|l| l.trim_end().ends_with('|') || l.trim_end().ends_with('>'));
        let src = markdown::Source {
            file: &doc.shown,
            whole: &text,
            line_offset: if block {
                t.line
            } else {
                t.line.saturating_sub(1)
            },
            col_offset: 0,
        };
        let r = markdown::render(&t.value, &src, &resolver);
        diags.extend(r.diagnostics);
        let entry = out.testi.entry(name).or_default();
        entry.push_str(&r.html);
    }
    (out, resolver.into_assets(), diags)
}

/// The files named in a document's front matter (attachments, images): where each is
/// published, with the attachments to copy and the problems found.
fn resolve_files(
    doc: &Document,
    resolver: links::DocLinks<'_>,
) -> (Rendered, Vec<Asset>, Vec<Diagnostic>) {
    let mut out = Rendered::default();
    let mut diags = Vec::new();
    for f in doc.meta.files() {
        match resolver.attachment(&f.value) {
            Ok(u) => {
                // A file of the site (not an address elsewhere) is the last asset registered.
                if !u.starts_with("http") {
                    if let Some(size) = resolver.last_image_size() {
                        out.dimensioni.insert(f.value.clone(), size);
                    }
                }
                out.files.insert(f.value.clone(), u);
            }
            Err(e) => {
                let (code, msg, hint) = match e {
                    markdown::LinkError::Broken(m) | markdown::LinkError::NoContent(m, _) => (
                        "E-FILE-MISSING",
                        m,
                        "metti il file accanto al testo o nella cartella media/ del comune",
                    ),
                    markdown::LinkError::Active(m) => {
                        (crate::active_content::CODE, m, crate::active_content::HINT)
                    }
                };
                diags.push(
                    Diagnostic::error(code, &doc.shown, msg)
                        .at(f.line, f.col)
                        .hint(hint)
                        .with_source(&doc.snippet_source()),
                )
            }
        }
    }
    (out, resolver.into_assets(), diags)
}
