//! `civico build`: config -> content -> model -> render -> disk, for every selected comune.
//!
//! Each phase is timed. All diagnostics of all comuni are collected; if there is any error
//! (or any warning with `--deny-warnings`) nothing is written. Sites are rendered into staging
//! folders and swapped in only when every comune rendered, so the previous output survives a
//! failed or interrupted build.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use crate::timings::Timings;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::content;
use crate::model::{self, Asset};
use crate::render::output::Staging;
use crate::render::{Renderer, Theme};
use civico_core::config;
use civico_core::diagnostics::{display_path, Diagnostic, Diagnostics};

/// The phases of the pipeline, as `--timings` names them in build, check and serve.
pub const LOAD: &str = "lettura";
pub const MODEL: &str = "modello";
pub const RENDER: &str = "pagine";
pub const WRITE: &str = "scrittura";
/// The rules of `civico check` on the rendered pages.
pub const CHECK: &str = "controlli";

/// What `civico build` was asked to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Output folder; default `<root>/public`.
    pub out: Option<PathBuf>,
    /// Only these comuni (slugs); empty = all.
    pub comuni: Vec<String>,
    pub drafts: bool,
    pub deny_warnings: bool,
    /// "Today" for upcoming events and publication windows; default: today in Europe/Rome.
    pub today: Option<NaiveDate>,
    /// Show a progress bar (only on a terminal).
    pub progress: bool,
    /// Write `.gz`/`.br` siblings of pages and assets (on by default).
    pub compress: bool,
    /// Build only this shard of the comuni (`--shard I/N`).
    pub shard: Option<crate::shard::Shard>,
    /// Skip the comuni whose inputs did not change since the last build into the same folder
    /// (`<root>/.civico-cache/`); on by default.
    pub cache: bool,
    /// The process ends once the build is reported (`civico build`): what the build holds in
    /// memory is left to the system instead of being freed piece by piece.
    pub exit_after: bool,
}

impl BuildOptions {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BuildOptions {
            root: root.into(),
            out: None,
            comuni: Vec::new(),
            drafts: false,
            deny_warnings: false,
            today: None,
            progress: false,
            compress: true,
            shard: None,
            cache: true,
            exit_after: false,
        }
    }

    pub fn out_dir(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| self.root.join("public"))
    }
}

/// What a build did.
#[derive(Debug)]
pub struct BuildReport {
    pub diagnostics: Vec<Diagnostic>,
    pub comuni: usize,
    /// Comuni left as they were: unchanged since the last build (see `cache`).
    pub skipped: usize,
    pub pages: usize,
    pub files: usize,
    /// Duration of each phase, in order.
    pub timings: Timings,
    pub elapsed: Duration,
    /// The output was written (no errors).
    pub written: bool,
}

impl BuildReport {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

/// Runs a build. Never panics on user input; every problem is in the report.
pub fn run(opts: &BuildOptions) -> BuildReport {
    let start = Instant::now();
    let mut phases = Timings::start();
    let diags = Diagnostics::new();
    let root = opts.root.as_path();
    // Comuni unchanged since the last build (set once the cache was read).
    let skipped = std::cell::Cell::new(0);
    let report = |diags: Diagnostics, phases, comuni, pages, files, written| BuildReport {
        diagnostics: diags.into_sorted(),
        comuni,
        skipped: skipped.get(),
        pages,
        files,
        timings: phases,
        elapsed: start.elapsed(),
        written,
    };

    let rete = match config::load_rete(root) {
        Ok(r) => r,
        Err(d) => {
            diags.push(d);
            return report(diags, phases, 0, 0, 0, false);
        }
    };
    let today = opts
        .today
        .unwrap_or_else(|| civico_core::date::today_in(rete.tz(), chrono::Utc::now()));
    let out = opts.out_dir();
    // What killed builds left in the publish folder goes before anything else.
    crate::render::output::clean_stale(&out);
    let mut cache = opts.cache.then(|| crate::cache::Cache::open(root, &out));
    let common =
        crate::cache::Cache::common(root, &rete.tema, &(today, opts.drafts, opts.compress));
    let (comuni, inputs, unchanged) = select(opts, &rete, &out, cache.as_ref(), common, &diags);
    skipped.set(unchanged);
    if comuni.is_empty() && skipped.get() > 0 {
        phases.mark(LOAD);
        let blocked = diags.has_errors() || (opts.deny_warnings && diags.has_warnings());
        let ok = !blocked;
        return report(diags, phases, 0, 0, 0, ok);
    }
    // The theme (templates, and compressing its assets) is prepared while the content loads.
    let (theme, mut contents) = rayon::join(
        || Theme::load(root, &rete.tema).and_then(|t| Renderer::new(t, opts.compress)),
        || content::load_all(root, comuni, opts.drafts, &diags),
    );
    // Only the atti of the albo in their publication window reach the model; the files' text
    // is let go (each page reads its document again when it is rendered).
    contents
        .par_iter_mut()
        .for_each(|c| crate::albo::apply(c, today, &diags));
    phases.mark(LOAD);

    let mut sites: Vec<(model::Site<'_>, String)> = contents
        .par_iter()
        .map(|c| {
            let mut site = model::build(c, rete.elementi_per_pagina, today, &diags);
            let stemma = stemma(root, c, &mut site.assets, &diags);
            (site, stemma)
        })
        .collect();
    phases.mark(MODEL);

    let blocked = || diags.has_errors() || (opts.deny_warnings && diags.has_warnings());
    if let Err(d) = &theme {
        diags.push(d.clone());
    }
    let renderer = match theme {
        Ok(r) if !blocked() => r,
        _ => {
            // No page is rendered: the problems in the Markdown are reported all the same.
            for (site, _) in &sites {
                diags.extend(site.markdown_diagnostics());
            }
            return report(diags, phases, contents.len(), 0, 0, false);
        }
    };

    let bar = progress_bar(opts.progress, sites.len());
    let rendered: Vec<_> = sites
        .par_iter_mut()
        .map(|(site, stemma)| {
            let r = renderer.render_site(site, &rete, stemma, &out, today);
            bar.inc(1);
            r
        })
        .collect();
    bar.finish_and_clear();
    let mut staged = Vec::new();
    let mut files = 0;
    // The portal needs every comune: a sharded build leaves it to an unsharded job.
    // (Comuni are only skipped with a portal when none changed: then the portal has not either.)
    let sharded = opts.shard.is_some_and(|s| s.total > 1);
    if !sharded && skipped.get() == 0 {
        if let Some(s) = portale(root, &rete, &renderer, &sites, &out, today, &diags) {
            files += s.1;
            staged.push(s.0);
        }
    }
    let mut pages = 0;
    for r in rendered {
        match r {
            Ok((s, stats)) => {
                pages += stats.pages;
                files += stats.files;
                diags.extend(stats.diagnostics);
                staged.push(s);
            }
            Err(ds) => diags.extend(ds),
        }
    }
    phases.mark(RENDER);
    if blocked() {
        // Staging folders are removed when dropped: the previous output stays as it was.
        drop(staged);
        return report(diags, phases, contents.len(), 0, 0, false);
    }
    if rete.risorse_condivise.is_some() && !diags.has_errors() {
        match renderer.render_risorse(&out) {
            Ok((s, n)) => {
                files += n;
                staged.push(s);
            }
            Err(ds) => diags.extend(ds),
        }
    }
    commit(staged, &renderer, root, &out, &diags);
    phases.mark(WRITE);
    let ok = !diags.has_errors();
    if let (Some(cache), true) = (cache.as_mut(), ok) {
        remember(cache, &inputs, &out, &diags);
    }
    let done = report(diags, phases, contents.len(), pages, files, ok);
    if opts.exit_after {
        // Freeing the model and the contents item by item took 50 ms on one core at 10,000
        // pages; the process is about to end and the system takes its memory back at once.
        std::mem::forget(sites);
        std::mem::forget(contents);
    }
    done
}

/// Checks the coat of arms named in comune.yaml and registers it for copying; returns its URL.
pub fn stemma(
    root: &Path,
    c: &content::ComuneContent,
    assets: &mut Vec<Asset>,
    diags: &Diagnostics,
) -> String {
    let cfg = &c.comune.config;
    let shown = display_path(root, &c.comune.dir.join("comune.yaml"));
    let rel = cfg.stemma.value.trim().trim_start_matches('/');
    let candidate = model::links::lexical_normalise(Path::new(rel)).map(|r| c.comune.dir.join(r));
    let inside = candidate
        .as_ref()
        .is_some_and(|p| civico_core::path::inside(&c.comune.dir, p) && p.is_file());
    let active = candidate
        .as_ref()
        .filter(|_| inside)
        .and_then(|p| crate::active_content::refusal(p));
    if let Some(why) = active {
        diags.push(
            Diagnostic::error(
                crate::active_content::CODE,
                &shown,
                format!("stemma `{}`: {why}", cfg.stemma.value),
            )
            .at(cfg.stemma.line, cfg.stemma.col)
            .hint(crate::active_content::HINT),
        );
        return String::new();
    }
    match candidate {
        Some(p) if inside => {
            let dest = format!("/{}", rel.replace('\\', "/"));
            assets.push(Asset {
                src: p,
                dest: dest.clone(),
            });
            format!(
                "{}{}",
                c.comune.base_path,
                model::links::url_escape_path(&dest)
            )
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    "E-FILE-MISSING",
                    &shown,
                    format!(
                        "lo stemma `{}` non esiste nella cartella del comune",
                        cfg.stemma.value
                    ),
                )
                .at(cfg.stemma.line, cfg.stemma.col)
                .hint("metti l'immagine dello stemma in media/ e scrivi stemma: media/stemma.svg"),
            );
            String::new()
        }
    }
}

fn progress_bar(enabled: bool, len: usize) -> indicatif::ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} comuni")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message("rendering");
    bar
}

/// The comuni to build: those asked for and in the shard, less those unchanged since the last
/// build into `out` (their warnings are reported again, as if they had been built). Returns
/// them, their inputs' fingerprints (with their folder as diagnostics show it) and how many
/// were left as they were.
fn select(
    opts: &BuildOptions,
    rete: &config::Rete,
    out: &Path,
    cache: Option<&crate::cache::Cache>,
    common: u64,
    diags: &Diagnostics,
) -> (Vec<config::ComuneDir>, Vec<(String, u64, PathBuf)>, usize) {
    let root = opts.root.as_path();
    // The comuni to build: those of the shard, less those unchanged since the last build.
    let mut only = opts.comuni.clone();
    let mut none_in_shard = false;
    if let Some(sh) = opts.shard {
        let mine = crate::shard::comuni(&root.join(&rete.cartella_comuni), sh);
        only = if only.is_empty() {
            mine
        } else {
            only.into_iter().filter(|s| mine.contains(s)).collect()
        };
        none_in_shard = only.is_empty();
    }
    let comuni = if none_in_shard {
        Vec::new()
    } else {
        config::load_comuni(root, rete, &only, diags)
    };
    let mut paired: Vec<(config::ComuneDir, u64)> = comuni
        .into_par_iter()
        .map(|c| {
            let p = crate::cache::Cache::inputs(common, &c.dir);
            (c, p)
        })
        .collect();
    let mut skipped = 0;
    if let Some(cache) = cache {
        let fresh =
            |(c, p): &(config::ComuneDir, u64)| cache.fresh(&c.slug, *p, &out.join(&c.slug));
        let unchanged = paired.iter().filter(|x| fresh(x)).count();
        // The portal reads every comune: skip only if nothing changed at all.
        let portal = rete.portale.is_some() && opts.shard.is_none_or(|s| s.total <= 1);
        if !portal || unchanged == paired.len() {
            skipped = unchanged;
            // Their warnings are reported again, as if they had been built.
            for (c, _) in paired.iter().filter(|x| fresh(x)) {
                diags.extend(cache.warnings(&c.slug));
            }
            paired.retain(|x| !fresh(x));
        }
    }
    // Inputs of each comune built (with its folder as diagnostics show it), to remember once
    // written.
    let inputs: Vec<(String, u64, PathBuf)> = paired
        .iter()
        .map(|(c, p)| (c.slug.clone(), *p, display_path(root, &c.dir)))
        .collect();
    let comuni: Vec<config::ComuneDir> = paired.into_iter().map(|(c, _)| c).collect();
    (comuni, inputs, skipped)
}

/// The territory events portal, from the upcoming events of every comune built, staged under
/// `out`; None (with the reason in `diags`) when it cannot be, or is not configured.
fn portale(
    root: &Path,
    rete: &config::Rete,
    renderer: &Renderer,
    sites: &[(model::Site<'_>, String)],
    out: &Path,
    today: NaiveDate,
    diags: &Diagnostics,
) -> Option<(Staging, usize)> {
    let p = rete.portale.as_ref()?;
    if sites.iter().any(|(s, _)| s.slug() == p.percorso) {
        diags.push(Diagnostic::error(
            "E-CONFIG",
            display_path(root, &root.join("civico.yaml")),
            format!(
                "portale.percorso `{}` è anche il nome di un comune",
                p.percorso
            ),
        ));
        return None;
    }
    let eventi = sites
        .iter()
        .flat_map(|(s, _)| crate::outputs::portale::eventi(s, rete.tz(), today))
        .collect();
    let dati = crate::outputs::portale::dati(p, rete, eventi, today);
    renderer
        .render_portale(&dati, out, &p.percorso)
        .map_err(|ds| diags.extend(ds))
        .ok()
}

/// Hard-links the theme assets every site carries to one copy, then swaps every staged site in
/// place of the previous one.
fn commit(staged: Vec<Staging>, renderer: &Renderer, root: &Path, out: &Path, diags: &Diagnostics) {
    // Theme assets are identical in every site: keep one copy on disk, hard-linked.
    let source = staged
        .iter()
        .position(|s| s.dir.join("static/js/civico.js").is_file())
        .or_else(|| (!staged.is_empty()).then_some(0));
    if let Some(i) = source {
        let paths = renderer.static_paths();
        for (j, s) in staged.iter().enumerate() {
            if j != i {
                s.link_to(&staged[i], &paths);
            }
        }
    }
    for s in staged {
        if let Err(e) = s.commit() {
            diags.push(Diagnostic::error(
                "E-IO",
                display_path(root, out),
                format!(
                    "sostituzione dell'output non riuscita: {}",
                    civico_core::errore_io::descrivi(&e)
                ),
            ));
        }
    }
}

/// Remembers the inputs of every comune built, with its warnings (replayed when it is skipped).
fn remember(
    cache: &mut crate::cache::Cache,
    inputs: &[(String, u64, PathBuf)],
    out: &Path,
    diags: &Diagnostics,
) {
    let all = diags.snapshot();
    for (slug, p, shown) in inputs {
        let warnings: Vec<&Diagnostic> = all
            .iter()
            .filter(|d| !d.is_error() && d.file.starts_with(shown))
            .collect();
        cache.record(slug, *p, &out.join(slug), &warnings);
    }
    cache.save();
}
