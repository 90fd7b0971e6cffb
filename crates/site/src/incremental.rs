//! Incremental builds in memory, for `civico serve`: the network stays loaded between builds;
//! a change re-reads only the files that changed and re-renders only the pages whose inputs
//! changed, writing into the preview folder in place.
//!
//! What a page is made from is summarised in a fingerprint (the page's own data, the comune's
//! shared data, and for a document page the document's source, the addresses its links were
//! checked against and the documents it references). A page is rendered again only when its
//! fingerprint changed; every other output file is regenerated and written only if its bytes
//! changed. Rendered Markdown is cached per document ([`MarkdownCache`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::content::{self, kinds::Kind, ComuneContent, Document};
use crate::model::{self, MarkdownCache, PageKind};
use crate::render::{Renderer, Theme};
use civico_core::config::{self, ComuneDir, Rete};
use civico_core::diagnostics::{Diagnostic, Diagnostics};
use civico_core::fingerprint::{self, Hasher};

/// What the preview is built from and where it goes.
#[derive(Debug, Clone)]
pub struct Options {
    pub root: PathBuf,
    /// The preview folder; each comune goes into `<out>/<slug>/`.
    pub out: PathBuf,
    /// Only these comuni (slugs); empty = all.
    pub comuni: Vec<String>,
    pub drafts: bool,
    pub today: Option<NaiveDate>,
    /// Origin the preview is served from (`http://127.0.0.1:1111`): each comune's `base_url`
    /// becomes `<origin>/<slug>` so that its links work under `/<slug>/`.
    pub origin: Option<String>,
}

/// What one (re)build did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Every current problem of the network (not only those of the changed files).
    pub diagnostics: Vec<Diagnostic>,
    /// Pages rendered again.
    pub rendered: usize,
    /// Files written (pages included) and removed.
    pub written: usize,
    pub removed: usize,
    /// Pages of the network.
    pub pages: usize,
    pub elapsed: Duration,
    /// The phases, named as `civico build --timings` names them.
    pub timings: crate::timings::Timings,
    /// Only stylesheets changed: a browser can swap them without reloading the page.
    pub css_only: bool,
}

impl Outcome {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// One Markdown file as last read (its document, if any, is in the comune's lists).
struct Loaded {
    /// Key of the document it gave, if it loaded (and is not an excluded draft).
    key: Option<String>,
    diags: Vec<Diagnostic>,
    /// Fingerprint of the file's source.
    print: u64,
    /// Fingerprint of everything but the body (key, kind, front matter): while it stays the
    /// same, lists and addresses of the site do not change.
    head: u64,
}

/// A file read again: what is remembered of it, and its document.
type Read = (Loaded, Option<Document>);

/// A comune kept in memory.
struct ComuneState {
    dir: ComuneDir,
    files: BTreeMap<PathBuf, Loaded>,
    /// The documents, sorted by key, but the atti of the albo…
    docs: Vec<Document>,
    /// …which are filtered by their publication window on every build.
    albo: Vec<Document>,
    markdown: MarkdownCache,
    /// Bumped when a media file changes: every document page is rendered again.
    epoch: u64,
    /// What is on disk: output site path -> fingerprint of what it was made from.
    written: HashMap<String, u64>,
    /// Problems of the folder listing (unknown folders, unreadable entries).
    listing: Vec<Diagnostic>,
    /// The model of the last build that wrote the site, while only bodies changed since.
    model: Option<Kept>,
    /// Documents whose body changed since the last build.
    bodies: HashSet<String>,
    /// Models no longer needed, freed after the reload was announced (freeing thousands of
    /// pages takes tens of milliseconds the editor should not wait for).
    garbage: Vec<Kept>,
    /// The comune's upcoming events as the territory portal lists them (from the last model:
    /// a change of a body alone does not change them).
    eventi: Vec<crate::outputs::portale::EventoPortale>,
}

/// What the last full build of a comune left for body-only rebuilds.
struct Kept {
    parts: model::Parts,
    /// The model's problems (the site was written, so warnings only).
    diagnostics: Vec<Diagnostic>,
    stemma: String,
    site_print: u64,
}

/// The network loaded for incremental rebuilds.
pub struct Session {
    opts: Options,
    /// `None` while civico.yaml or the theme have errors (`global` says which).
    setup: Option<(Rete, Renderer)>,
    today: NaiveDate,
    comuni: BTreeMap<String, ComuneState>,
    /// Problems of civico.yaml, the theme and the comuni's comune.yaml.
    global: Vec<Diagnostic>,
    /// Fingerprint of the theme assets written.
    statics: HashMap<String, u64>,
    /// Fingerprint of the territory portal's data as last written.
    portale: Option<u64>,
}

/// What a set of changed paths means for the build.
#[derive(Debug, Default, PartialEq, Eq)]
struct Plan {
    /// civico.yaml, the theme or the list of comuni changed: load everything again.
    everything: bool,
    /// Only files of the theme's `static/` changed.
    theme_static: bool,
    /// Comuni whose comune.yaml changed.
    configs: HashSet<String>,
    /// Markdown files changed (created, modified or removed), by comune.
    docs: BTreeMap<String, Vec<PathBuf>>,
    /// Comuni with another file (media) changed.
    media: HashSet<String>,
}

impl Session {
    /// Loads the network and writes the whole preview.
    pub fn start(opts: Options) -> (Session, Outcome) {
        let mut s = Session {
            today: opts.today.unwrap_or_else(civico_core::date::today_in_rome),
            opts,
            setup: None,
            comuni: BTreeMap::new(),
            global: Vec::new(),
            statics: HashMap::new(),
            portale: None,
        };
        let start = Instant::now();
        let mut timings = crate::timings::Timings::start();
        s.load_everything();
        timings.mark(crate::pipeline::LOAD);
        let mut out = s.render_all(None);
        timings.mark(crate::pipeline::RENDER);
        out.elapsed = start.elapsed();
        out.timings = timings;
        (s, out)
    }

    /// The preview folder.
    pub fn out(&self) -> &Path {
        &self.opts.out
    }

    /// The comuni of the preview: (slug, name).
    pub fn comuni(&self) -> Vec<(String, String)> {
        self.comuni
            .values()
            .map(|c| (c.dir.slug.clone(), c.dir.config.nome.clone()))
            .collect()
    }

    /// Frees what the last update left behind; call it once the reload was announced.
    pub fn collect_garbage(&mut self) {
        for c in self.comuni.values_mut() {
            c.garbage.clear();
        }
    }

    /// Paths whose changes the preview ignores: its own output, version control, editors' files.
    pub fn ignored(&self, path: &Path) -> bool {
        if path.starts_with(&self.opts.out) {
            return true;
        }
        let rel = path.strip_prefix(&self.opts.root).unwrap_or(path);
        rel.components().any(|c| {
            let c = c.as_os_str().to_string_lossy();
            c.starts_with('.') || c == "target" || c == "node_modules"
        }) || rel
            .file_name()
            .is_some_and(|n| n.to_string_lossy().ends_with('~'))
    }

    /// Applies a batch of changed paths and rebuilds what depends on them.
    pub fn update(&mut self, changed: &[PathBuf]) -> Outcome {
        let start = Instant::now();
        let mut timings = crate::timings::Timings::start();
        let plan = self.plan(changed);
        let mut out = if plan.everything {
            self.load_everything();
            timings.mark(crate::pipeline::LOAD);
            self.render_all(None)
        } else if plan.theme_static {
            let mut o = self.reload_theme();
            o.css_only = changed
                .iter()
                .all(|p| p.extension().is_some_and(|e| e == "css"));
            o
        } else {
            let mut touched: HashSet<String> = HashSet::new();
            for slug in &plan.configs {
                self.reload_comune_config(slug);
                touched.insert(slug.clone());
            }
            for (slug, paths) in &plan.docs {
                if !plan.configs.contains(slug) {
                    self.reload_docs(slug, paths);
                }
                touched.insert(slug.clone());
            }
            for slug in &plan.media {
                if let Some(c) = self.comuni.get_mut(slug) {
                    c.markdown.clear();
                    c.epoch += 1;
                    c.model = None;
                }
                touched.insert(slug.clone());
            }
            timings.mark(crate::pipeline::LOAD);
            if touched.is_empty() {
                return Outcome {
                    diagnostics: self.diagnostics(),
                    elapsed: start.elapsed(),
                    timings,
                    ..Outcome::default()
                };
            }
            self.render_all(Some(&touched))
        };
        timings.mark(crate::pipeline::RENDER);
        out.elapsed = start.elapsed();
        out.timings = timings;
        out
    }

    fn plan(&self, changed: &[PathBuf]) -> Plan {
        let mut plan = Plan::default();
        let root = &self.opts.root;
        let theme_dir = self
            .setup
            .as_ref()
            .map(|(r, _)| root.join("themes").join(&r.tema));
        let comuni_dir = root.join(
            self.setup
                .as_ref()
                .map_or("comuni", |(r, _)| r.cartella_comuni.as_str()),
        );
        let mut theme_other = false;
        for p in changed.iter().filter(|p| !self.ignored(p)) {
            if p == &root.join("civico.yaml") {
                plan.everything = true;
            } else if let Some(t) = theme_dir.as_ref().filter(|t| p.starts_with(t)) {
                if p.starts_with(t.join("static")) {
                    plan.theme_static = true;
                } else {
                    theme_other = true;
                }
            } else if let Ok(rel) = p.strip_prefix(&comuni_dir) {
                let Some(slug) = rel.components().next().and_then(|c| c.as_os_str().to_str())
                else {
                    continue;
                };
                let Some(c) = self.comuni.get(slug) else {
                    // A new comune (or one that failed to load): load the network again.
                    if p.file_name().is_some_and(|n| n == "comune.yaml") {
                        plan.everything = true;
                    }
                    continue;
                };
                if p == &c.dir.dir.join("comune.yaml") {
                    plan.configs.insert(slug.to_string());
                } else if p == &c.dir.dir {
                    // The folder itself went away or came back.
                    plan.everything = true;
                } else if content::is_markdown(p) && content::kind_of(&c.dir.dir, p).is_some() {
                    plan.docs
                        .entry(slug.to_string())
                        .or_default()
                        .push(p.clone());
                } else if p.is_dir() || (!p.exists() && p.extension().is_none()) {
                    // A folder of content was created, renamed or removed: list it again.
                    plan.configs.insert(slug.to_string());
                } else {
                    plan.media.insert(slug.to_string());
                }
            } else if p.starts_with(root.join("themes")) {
                theme_other = true;
            }
        }
        if theme_other {
            plan.everything = true;
        }
        if plan.everything {
            plan.theme_static = false;
        }
        plan
    }

    /// civico.yaml, the theme and every comune, from disk.
    fn load_everything(&mut self) {
        self.global.clear();
        self.comuni.clear();
        self.setup = None;
        let root = self.opts.root.clone();
        let rete = match config::load_rete(&root) {
            Ok(r) => r,
            Err(d) => {
                self.global.push(d);
                return;
            }
        };
        if self.opts.today.is_none() {
            self.today = civico_core::date::today_in(rete.tz(), chrono::Utc::now());
        }
        let renderer = match Theme::load(&root, &rete.tema).and_then(|t| Renderer::new(t, true)) {
            Ok(mut r) => {
                r.set_page_compression(false);
                r
            }
            Err(d) => {
                self.global.push(d);
                return;
            }
        };
        let rete = self.for_preview(rete);
        let diags = Diagnostics::new();
        let dirs = config::load_comuni(&root, &rete, &self.opts.comuni, &diags);
        self.global.extend(diags.into_sorted());
        let states: Vec<ComuneState> = dirs.into_par_iter().map(|d| self.load_comune(d)).collect();
        for s in states {
            self.comuni.insert(s.dir.slug.clone(), s);
        }
        self.statics.clear();
        self.portale = None;
        self.setup = Some((rete, renderer));
    }

    /// The network as the preview serves it: the territory portal under `/<percorso>/` of the
    /// preview's origin, and the theme's assets in every site (a shared host is not there).
    fn for_preview(&self, mut rete: Rete) -> Rete {
        if let Some(origin) = &self.opts.origin {
            if let Some(p) = &mut rete.portale {
                let url = format!("{}/{}/", origin.trim_end_matches('/'), p.percorso);
                if let Ok(h) = civico_core::href::Href::parse(&url) {
                    p.base_url = h;
                }
            }
            rete.risorse_condivise = None;
        }
        rete
    }

    /// Writes the territory portal from the upcoming events of every comune, as the build does
    /// (only when every comune of the network is in the preview: it shows all of them).
    fn write_portale(&mut self, out: &mut Outcome) {
        let Some((rete, renderer)) = self.setup.as_ref() else {
            return;
        };
        let Some(p) = rete.portale.as_ref() else {
            return;
        };
        if !self.opts.comuni.is_empty() || self.comuni.contains_key(&p.percorso) {
            return;
        }
        let eventi = self
            .comuni
            .values()
            .flat_map(|c| c.eventi.iter().cloned())
            .collect();
        let dati = crate::outputs::portale::dati(p, rete, eventi, self.today);
        // Most edits do not touch an upcoming event: the portal is written again only when
        // what it shows changed.
        let print = serde_json::to_vec(&dati).map(|b| fingerprint::of(&b)).ok();
        if print.is_some() && print == self.portale {
            return;
        }
        match renderer.render_portale(&dati, &self.opts.out, &p.percorso) {
            Ok((staging, n)) => match staging.commit() {
                Ok(()) => {
                    out.written += n;
                    self.portale = print;
                }
                Err(e) => out.diagnostics.push(Diagnostic::error(
                    "E-IO",
                    &self.opts.out,
                    format!(
                        "scrittura del portale non riuscita: {}",
                        civico_core::errore_io::descrivi(&e)
                    ),
                )),
            },
            Err(ds) => out.diagnostics.extend(ds),
        }
    }

    /// Reads every file of a comune.
    fn load_comune(&self, mut dir: ComuneDir) -> ComuneState {
        if let Some(origin) = &self.opts.origin {
            dir.base_url = format!("{}/{}", origin.trim_end_matches('/'), dir.slug);
            dir.base_path = format!("/{}", dir.slug);
        }
        let root = &self.opts.root;
        let listing = Diagnostics::new();
        let paths = content::list_files(root, &dir.dir, &listing);
        let loaded: Vec<(PathBuf, Loaded, Option<Document>)> = paths
            .into_par_iter()
            .map(|(kind, p)| {
                let (l, d) = self.load_file(&dir.dir, kind, &p);
                (p, l, d)
            })
            .collect();
        let mut state = ComuneState {
            dir,
            files: BTreeMap::new(),
            docs: Vec::new(),
            albo: Vec::new(),
            markdown: MarkdownCache::default(),
            epoch: 0,
            written: HashMap::new(),
            listing: listing.into_sorted(),
            model: None,
            bodies: HashSet::new(),
            garbage: Vec::new(),
            eventi: Vec::new(),
        };
        for (p, l, d) in loaded {
            state.files.insert(p, l);
            state.insert(d);
        }
        state.docs.sort_by(|a, b| a.key.cmp(&b.key));
        state
    }

    fn load_file(&self, comune_dir: &Path, kind: Kind, path: &Path) -> Read {
        let (doc, diags) =
            content::load_one(&self.opts.root, comune_dir, kind, path, self.opts.drafts);
        let print = doc.as_ref().map_or(0, |d| d.print);
        let head = doc.as_ref().map_or(0, |d| {
            let mut h = Hasher::default();
            h.add_json(&(&d.key, d.kind, d.is_section, &d.meta));
            h.finish()
        });
        let key = doc.as_ref().map(|d| d.key.clone());
        (
            Loaded {
                key,
                diags,
                print,
                head,
            },
            doc,
        )
    }

    /// comune.yaml changed (or a folder came or went): read the comune again, keeping what
    /// is on disk so unchanged pages are not written again.
    fn reload_comune_config(&mut self, slug: &str) {
        let Some((rete, _)) = self.setup.as_ref() else {
            return;
        };
        let diags = Diagnostics::new();
        let dirs = config::load_comuni(&self.opts.root, rete, &[slug.to_string()], &diags);
        let problems = diags.into_sorted();
        // Problems of this comune's comune.yaml replace the old ones.
        let yaml = self.comuni.get(slug).map(|c| c.dir.dir.join("comune.yaml"));
        let shown = yaml
            .as_ref()
            .map(|y| civico_core::diagnostics::display_path(&self.opts.root, y));
        self.global.retain(|d| Some(&d.file) != shown.as_ref());
        self.global.extend(problems);
        match dirs.into_iter().next() {
            Some(d) => {
                let mut fresh = self.load_comune(d);
                if let Some(old) = self.comuni.remove(slug) {
                    fresh.written = old.written;
                }
                self.comuni.insert(slug.to_string(), fresh);
            }
            None => {
                // Keep the comune (and its pages) until its comune.yaml is fixed.
            }
        }
    }

    /// Markdown files changed: read them again.
    fn reload_docs(&mut self, slug: &str, paths: &[PathBuf]) {
        let Some(c) = self.comuni.get(slug) else {
            return;
        };
        let dir = c.dir.dir.clone();
        let fresh: Vec<(PathBuf, Option<Read>)> = paths
            .par_iter()
            .map(|p| {
                let l = (p.is_file())
                    .then(|| content::kind_of(&dir, p))
                    .flatten()
                    .map(|k| self.load_file(&dir, k, p));
                (p.clone(), l)
            })
            .collect();
        let Some(c) = self.comuni.get_mut(slug) else {
            return;
        };
        let gone: HashSet<&PathBuf> = fresh.iter().map(|(p, _)| p).collect();
        c.docs.retain(|d| !gone.contains(&d.path));
        c.albo.retain(|d| !gone.contains(&d.path));
        for (p, l) in fresh {
            let old = c.files.get(&p);
            let same_head = match (old, &l) {
                (Some(o), Some((n, Some(d)))) => {
                    o.key.is_some() && o.head == n.head && d.kind != Kind::Albo
                }
                _ => false,
            };
            match (same_head, &l) {
                (true, Some((n, _))) => {
                    c.bodies.extend(n.key.clone());
                }
                _ => c.garbage.extend(c.model.take()),
            }
            if let Some(old) = old.and_then(|o| o.key.as_ref()) {
                c.markdown.forget(old);
            }
            match l {
                Some((l, d)) => {
                    if let Some(k) = &l.key {
                        c.markdown.forget(k);
                    }
                    c.files.insert(p, l);
                    c.insert(d);
                }
                None => {
                    c.files.remove(&p);
                }
            }
        }
        c.docs.sort_by(|a, b| a.key.cmp(&b.key));
    }

    /// A stylesheet or script of the theme changed: load the theme again, write its assets.
    fn reload_theme(&mut self) -> Outcome {
        let Some((rete, renderer)) = self.setup.as_mut() else {
            return Outcome::default();
        };
        match Theme::load(&self.opts.root, &rete.tema).and_then(|t| Renderer::new(t, true)) {
            Ok(mut r) => {
                r.set_page_compression(false);
                *renderer = r;
            }
            Err(d) => {
                self.global.push(d);
                return Outcome {
                    diagnostics: self.diagnostics(),
                    ..Outcome::default()
                };
            }
        }
        let mut out = Outcome {
            diagnostics: self.diagnostics(),
            ..Outcome::default()
        };
        if out.errors() == 0 {
            self.write_statics(&mut out);
            // The portal carries the theme's assets too.
            self.portale = None;
            self.write_portale(&mut out);
        }
        out
    }

    /// Every current problem.
    fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all = self.global.clone();
        for c in self.comuni.values() {
            all.extend(c.listing.iter().cloned());
            for l in c.files.values() {
                all.extend(l.diags.iter().cloned());
            }
        }
        all
    }

    /// Models every comune (or those in `only`) and writes what changed. Nothing is written
    /// while the network has errors: the preview keeps showing the last good site.
    fn render_all(&mut self, only: Option<&HashSet<String>>) -> Outcome {
        let mut out = Outcome::default();
        let Some((rete, renderer)) = self.setup.as_ref() else {
            out.diagnostics = self.diagnostics();
            return out;
        };
        let today = self.today;
        let root = self.opts.root.clone();
        let outdir = self.opts.out.clone();
        let base = self.diagnostics();
        let has_base_errors = base.iter().any(Diagnostic::is_error);
        // Model every comune to modify, keeping diagnostics per comune.
        let results: Vec<(String, Vec<Diagnostic>, Counts)> = self
            .comuni
            .par_iter_mut()
            .filter(|(slug, _)| only.is_none_or(|o| o.contains(*slug)))
            .map(|(slug, c)| {
                let diags = Diagnostics::new();
                let env = Env {
                    rete,
                    renderer,
                    root: &root,
                    outdir: &outdir,
                    today,
                };
                let counts = c.rebuild(&env, &diags, has_base_errors);
                (slug.clone(), diags.into_sorted(), counts)
            })
            .collect();
        let mut all = base;
        for (_, ds, counts) in results {
            all.extend(ds);
            out.rendered += counts.rendered;
            out.written += counts.written;
            out.removed += counts.removed;
        }
        out.pages = self.comuni.values().map(|c| c.pages()).sum();
        all.sort_by(|a, b| {
            (&a.file, a.line, a.col, a.severity, a.code)
                .cmp(&(&b.file, b.line, b.col, b.severity, b.code))
        });
        all.dedup();
        out.diagnostics = all;
        if out.errors() == 0 {
            self.write_statics(&mut out);
            self.write_portale(&mut out);
        }
        out
    }

    /// The theme assets of every comune, written if they changed.
    fn write_statics(&mut self, out: &mut Outcome) {
        let Some((rete, renderer)) = self.setup.as_ref() else {
            return;
        };
        for (path, bytes) in renderer.site_statics(rete) {
            let print = fingerprint::of(bytes);
            if self.statics.get(&path) == Some(&print) {
                continue;
            }
            let mut ok = true;
            for c in self.comuni.values() {
                match write_file(&self.opts.out.join(&c.dir.slug), &path, bytes) {
                    Ok(()) => out.written += 1,
                    Err(d) => {
                        ok = false;
                        out.diagnostics.push(d);
                    }
                }
            }
            if ok {
                self.statics.insert(path, print);
            }
        }
    }
}

/// What every comune's build shares.
#[derive(Clone, Copy)]
struct Env<'a> {
    rete: &'a Rete,
    renderer: &'a Renderer,
    root: &'a Path,
    outdir: &'a Path,
    today: NaiveDate,
}

impl<'a> Env<'a> {
    fn parts(&self) -> (&'a Rete, &'a Renderer, &'a Path, &'a Path, NaiveDate) {
        (self.rete, self.renderer, self.root, self.outdir, self.today)
    }
}

#[derive(Default)]
struct Counts {
    rendered: usize,
    written: usize,
    removed: usize,
}

impl ComuneState {
    fn pages(&self) -> usize {
        self.written.keys().filter(|k| k.ends_with(".html")).count()
    }

    /// Adds a loaded document to its list (unsorted).
    fn insert(&mut self, doc: Option<Document>) {
        match doc {
            Some(d) if d.kind == Kind::Albo => self.albo.push(d),
            Some(d) => self.docs.push(d),
            None => {}
        }
    }

    /// Models the comune and writes the pages and files whose inputs changed.
    fn rebuild(&mut self, env: &Env<'_>, diags: &Diagnostics, blocked: bool) -> Counts {
        let today = env.today;
        // The documents are lent to the model for this build; the albo's atti are copies, as
        // those out of their window leave the model but not the preview's memory.
        let mut docs = std::mem::take(&mut self.docs);
        docs.extend(self.albo.iter().cloned());
        docs.sort_by(|a, b| a.key.cmp(&b.key));
        let mut work = ComuneContent {
            comune: self.dir.clone(),
            docs,
        };
        let counts = match self.model.take() {
            Some(kept) if !blocked => {
                if !self.albo.is_empty() {
                    // As in the build the model was kept from (its problems are kept too).
                    crate::albo::apply(&mut work, today, &Diagnostics::new());
                }
                self.render_bodies(&work, kept, env, diags)
            }
            _ => {
                if !self.albo.is_empty() {
                    crate::albo::apply(&mut work, today, diags);
                }
                self.render(&work, env, diags, blocked)
            }
        };
        self.docs = work
            .docs
            .into_iter()
            .filter(|d| d.kind != Kind::Albo)
            .collect();
        counts
    }

    /// Models the documents lent by `rebuild` and writes what changed.
    fn render(
        &mut self,
        content: &ComuneContent,
        env: &Env<'_>,
        diags: &Diagnostics,
        blocked: bool,
    ) -> Counts {
        let (rete, renderer, root, outdir, today) = env.parts();
        let mut counts = Counts::default();
        let prints = source_prints(&self.files);
        let mut site = model::build_with(
            content,
            rete.elementi_per_pagina,
            today,
            diags,
            model::Markdown::Now(Some(&mut self.markdown)),
        );
        let stemma = crate::pipeline::stemma(root, content, &mut site.assets, diags);
        self.eventi = crate::outputs::portale::eventi(&site, rete.tz(), today);
        self.bodies.clear();
        if blocked || diags.has_errors() {
            return counts;
        }
        let model_diags = diags.snapshot();
        let (site_value, site_print) = Renderer::site_value(&site, rete, &stemma, today);
        let parts = match renderer.shared_parts(&site_value, &site.pages) {
            Ok(p) => p,
            Err(d) => {
                diags.push(d);
                return counts;
            }
        };
        let links = self.markdown.links();
        let epoch = self.epoch;
        let dest = outdir.join(&self.dir.slug);

        // Pages (those whose fingerprint changed) and the other files, side by side.
        let (pages, files) = rayon::join(
            || {
                let jobs: Vec<(String, u64, usize)> = site
                    .pages
                    .par_iter()
                    .enumerate()
                    .map(|(n, page)| {
                        let print =
                            page_print(&site, content, page, site_print, &prints, links, epoch);
                        (crate::render::page_file(&page.url), print, n)
                    })
                    .collect();
                let results: Vec<Result<(), (String, Diagnostic)>> = jobs
                    .par_iter()
                    .filter(|(file, print, _)| self.written.get(file) != Some(print))
                    .map(|(file, _, n)| {
                        renderer
                            .render_page(&site, &site_value, &parts, &site.pages[*n])
                            .and_then(|p| write_file(&dest, file, &p.html))
                            .map_err(|d| (file.clone(), d))
                    })
                    .collect();
                (jobs, results)
            },
            || Renderer::site_files(&site, rete, today),
        );
        let (jobs, results) = pages;
        let mut now: HashMap<String, u64> = jobs.iter().map(|(f, p, _)| (f.clone(), *p)).collect();
        let mut errors = Vec::new();
        for r in results {
            match r {
                Ok(()) => {
                    counts.rendered += 1;
                    counts.written += 1;
                }
                Err((file, d)) => {
                    // Not written: rendered again next time.
                    now.insert(file, 0);
                    errors.push(d);
                }
            }
        }
        diags.extend(crate::render::template_errors::merge_repeated(errors));
        match files {
            Ok(files) => {
                for (path, bytes) in files {
                    let print = fingerprint::of(&bytes);
                    if self.written.get(&path) != Some(&print) {
                        if let Err(d) = write_file(&dest, &path, &bytes) {
                            diags.push(d);
                            continue;
                        }
                        counts.written += 1;
                    }
                    now.insert(path, print);
                }
            }
            Err(d) => diags.push(d),
        }
        for a in &site.assets {
            now.insert(a.dest.clone(), 0);
        }
        // Whatever the site no longer has goes away.
        for gone in self.written.keys().filter(|k| !now.contains_key(*k)) {
            if let Ok(p) = safe_target(&dest, gone) {
                if std::fs::remove_file(p).is_ok() {
                    counts.removed += 1;
                }
            }
        }
        // Attachments keep their previous print until copied.
        for a in &site.assets {
            if let Some(p) = self.written.get(&a.dest) {
                now.insert(a.dest.clone(), *p);
            }
        }
        self.written = now;
        counts.written += self.copy_assets(&site, &dest, diags);
        if !diags.has_errors() {
            self.model = Some(Kept {
                parts: site.into_parts(),
                diagnostics: model_diags,
                stemma,
                site_print,
            });
        }
        counts
    }

    /// Copies the attachments that are new or changed on disk; returns how many.
    fn copy_assets(&mut self, site: &model::Site<'_>, dest: &Path, diags: &Diagnostics) -> usize {
        let mut n = 0;
        for a in &site.assets {
            let print = asset_print(&a.src);
            if self.written.get(&a.dest) == Some(&print) {
                continue;
            }
            let copied = safe_target(dest, &a.dest).and_then(|to| {
                if let Some(p) = to.parent() {
                    std::fs::create_dir_all(p)?;
                }
                std::fs::copy(&a.src, to).map(|_| ())
            });
            match copied {
                Ok(()) => {
                    n += 1;
                    self.written.insert(a.dest.clone(), print);
                }
                Err(e) => diags.push(Diagnostic::error(
                    "E-IO",
                    &a.src,
                    format!(
                        "copia non riuscita: {}",
                        civico_core::errore_io::descrivi(&e)
                    ),
                )),
            }
        }
        n
    }

    /// Only bodies changed since the last build: render their Markdown and their pages again,
    /// on the kept model (no list, address or data file can have changed).
    fn render_bodies(
        &mut self,
        content: &ComuneContent,
        mut kept: Kept,
        env: &Env<'_>,
        diags: &Diagnostics,
    ) -> Counts {
        let (rete, renderer, root, outdir, today) = env.parts();
        let mut counts = Counts::default();
        let mut site = model::Site::with_parts(content, kept.parts);
        let mut changed = HashSet::new();
        for key in &self.bodies {
            let Ok(i) = content.docs.binary_search_by(|d| d.key.as_str().cmp(key)) else {
                continue;
            };
            let r = model::rerender(&mut site, i, &mut self.markdown);
            for d in r.old {
                if let Some(pos) = kept.diagnostics.iter().position(|x| *x == d) {
                    kept.diagnostics.remove(pos);
                }
            }
            kept.diagnostics.extend(r.new);
            changed.insert(i);
        }
        crate::pipeline::stemma(root, content, &mut site.assets, &Diagnostics::new());
        diags.extend(kept.diagnostics.iter().cloned());
        let failed = diags.has_errors();
        if !failed {
            let (site_value, _) = Renderer::site_value(&site, rete, &kept.stemma, today);
            let dest = outdir.join(&self.dir.slug);
            let links = self.markdown.links();
            let prints = source_prints(&self.files);
            // A template error in the shared parts is reported once, not once per page.
            let results: Vec<Result<(String, u64), Diagnostic>> =
                match renderer.shared_parts(&site_value, &site.pages) {
                    Err(d) => vec![Err(d)],
                    Ok(parts) => site
                        .pages
                        .par_iter()
                        .filter(|p| matches!(p.kind, PageKind::Doc(i) | PageKind::Trasparenza(Some(i)) if changed.contains(&i)))
                        .map(|page| {
                            let print =
                                page_print(&site, content, page, kept.site_print, &prints, links, self.epoch);
                            let p = renderer.render_page(&site, &site_value, &parts, page)?;
                            write_file(&dest, &p.file, &p.html)?;
                            Ok((p.file, print))
                        })
                        .collect(),
                };
            let mut errors = Vec::new();
            for r in results {
                match r {
                    Ok((file, print)) => {
                        counts.rendered += 1;
                        counts.written += 1;
                        self.written.insert(file, print);
                    }
                    Err(d) => errors.push(d),
                }
            }
            diags.extend(crate::render::template_errors::merge_repeated(errors));
            counts.written += self.copy_assets(&site, &dest, diags);
            self.bodies.clear();
        }
        self.model = Some(Kept {
            parts: site.into_parts(),
            ..kept
        });
        counts
    }
}

/// Fingerprint of each document's source, by key.
fn source_prints(files: &BTreeMap<PathBuf, Loaded>) -> HashMap<&str, u64> {
    files
        .values()
        .filter_map(|l| l.key.as_deref().map(|k| (k, l.print)))
        .collect()
}

/// The fingerprint of what a page is made from: the comune's shared data, the page's own data
/// (lists included) and, for a document's page, its source, the addresses its links were
/// checked against, the media epoch and the documents it references.
fn page_print(
    site: &model::Site<'_>,
    content: &ComuneContent,
    page: &model::Page,
    site_print: u64,
    prints: &HashMap<&str, u64>,
    links: u64,
    epoch: u64,
) -> u64 {
    let mut h = Hasher::default();
    h.add_u64(site_print).add_json(page);
    if let PageKind::Doc(i) | PageKind::Trasparenza(Some(i)) = page.kind {
        let d = &content.docs[i];
        h.add_u64(prints.get(d.key.as_str()).copied().unwrap_or(0))
            .add_u64(links)
            .add_u64(epoch);
        for r in d.meta.refs() {
            h.add_json(&site.targets.get(&r.key));
        }
        // The albo fills in fields from the publication window and the attachments.
        if d.kind == Kind::Albo {
            h.add_json(&d.meta);
        }
    }
    h.finish()
}

/// Size and modification time of an attachment: copied again when either changes.
fn asset_print(src: &Path) -> u64 {
    let meta = std::fs::metadata(src).ok();
    let mut h = Hasher::default();
    h.add(src.as_os_str().as_encoded_bytes());
    if let Some(m) = meta {
        h.add_u64(m.len());
        let t = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64);
        h.add_u64(t);
    }
    h.finish()
}

/// `dir` joined with a site path, refusing anything that would leave `dir`.
fn safe_target(dir: &Path, site_path: &str) -> std::io::Result<PathBuf> {
    let rel = site_path.trim_start_matches('/');
    let ok = !rel.is_empty()
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
    if ok {
        Ok(dir.join(rel))
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("percorso non valido: {site_path}"),
        ))
    }
}

/// Writes a file of the preview through a temporary file, so a browser never reads half of it.
fn write_file(dir: &Path, site_path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
    let io = |e: std::io::Error| {
        Diagnostic::error(
            "E-IO",
            dir,
            format!(
                "scrittura di {site_path} non riuscita: {}",
                civico_core::errore_io::descrivi(&e)
            ),
        )
    };
    let target = safe_target(dir, site_path).map_err(io)?;
    let parent = target.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent).map_err(io)?;
    let mut tmp = tempfile::NamedTempFile::new_in(parent).map_err(io)?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(io)?;
    tmp.persist(&target).map_err(|e| io(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_target_refuses_escapes() {
        let d = Path::new("/tmp/x");
        assert!(safe_target(d, "/a/b.html").is_ok());
        assert!(safe_target(d, "/../etc/passwd").is_err());
        assert!(safe_target(d, "/").is_err());
        assert!(safe_target(d, "a/./b").is_ok());
    }
}
