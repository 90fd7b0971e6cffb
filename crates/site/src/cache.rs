//! The build cache (`<root>/.civico-cache/`): lets `civico build` skip the comuni whose inputs
//! did not change since the build that wrote their output.
//!
//! A comune's inputs are summarised in a fingerprint of the paths, sizes and modification
//! times of every file in its folder, plus what every comune shares: civico itself (version and
//! executable), civico.yaml, the site's theme folder, the build date and the options that change
//! the output. Its output is summarised by the size and time of its home page, so an output
//! folder removed or edited by hand is rebuilt. Comuni are independent of each other, so an
//! unchanged comune can be left as it is on disk; the territory portal, which reads every
//! comune, disables skipping when anything changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use civico_core::diagnostics::Diagnostic;
use civico_core::fingerprint::Hasher;

/// What the cache remembers of one comune.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Voce {
    inputs: u64,
    output: u64,
    /// The warnings of its build, reported again when it is skipped.
    #[serde(default)]
    avvisi: Vec<Avviso>,
}

/// A warning as stored (a [`Diagnostic`] without its static code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Avviso {
    code: String,
    file: PathBuf,
    line: usize,
    col: usize,
    message: String,
    hint: Option<String>,
    source_line: Option<String>,
}

/// Codes come back as `&'static str`: each distinct code is allocated once per process.
fn static_code(code: &str) -> &'static str {
    use std::sync::{Mutex, OnceLock};
    static CODES: OnceLock<Mutex<Vec<&'static str>>> = OnceLock::new();
    let mut codes = CODES
        .get_or_init(|| Mutex::new(Vec::new()))
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(c) = codes.iter().find(|c| **c == code) {
        return c;
    }
    let c: &'static str = Box::leak(code.to_string().into_boxed_str());
    codes.push(c);
    c
}

/// The cache of builds into one output folder.
pub struct Cache {
    file: PathBuf,
    voci: BTreeMap<String, Voce>,
}

fn nanos(t: std::io::Result<SystemTime>) -> u64 {
    t.ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as u64)
}

/// Adds the path, size and time of every file under `dir` (sorted, so the order of the walk
/// does not matter). Each top-level folder is walked on its own thread: one stat per file of a
/// large comune is the first thing a build waits for. Links are not followed.
fn add_tree(h: &mut Hasher, dir: &Path) {
    use rayon::prelude::*;
    let top: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).collect())
        .unwrap_or_default();
    let entries: Vec<(PathBuf, u64, u64)> = top
        .into_par_iter()
        .flat_map_iter(|e| {
            let mut found = Vec::new();
            add_entry(&e, &mut found);
            found
        })
        .collect();
    add_sorted(h, entries);
}

/// Adds (path, size, time) entries in the order of their paths' bytes (`OsStr`'s order:
/// `Path`'s compares component by component, 2.5% of a build).
fn add_sorted(h: &mut Hasher, mut entries: Vec<(PathBuf, u64, u64)>) {
    entries.sort_unstable_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
    for (p, len, t) in entries {
        h.add(p.as_os_str().as_encoded_bytes())
            .add_u64(len)
            .add_u64(t);
    }
}

/// The file `e` is, or the files under the folder it is. A directory entry's type comes with
/// the listing and its metadata is read relative to its folder (`fstatat`), so a file deep in
/// the tree costs one short lookup instead of one of its whole path.
fn add_entry(e: &std::fs::DirEntry, found: &mut Vec<(PathBuf, u64, u64)>) {
    let Ok(kind) = e.file_type() else {
        return;
    };
    if kind.is_file() {
        if let Ok(m) = e.metadata() {
            found.push((e.path(), m.len(), nanos(m.modified())));
        }
    } else if kind.is_dir() {
        if let Ok(d) = std::fs::read_dir(e.path()) {
            for child in d.filter_map(Result::ok) {
                add_entry(&child, found);
            }
        }
    }
}

impl Cache {
    /// The cache of builds of `root` into `out` (several output folders have separate caches).
    pub fn open(root: &Path, out: &Path) -> Cache {
        let key = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
        let name = format!(
            "build-{:016x}.json",
            civico_core::fingerprint::of(key.as_os_str().as_encoded_bytes())
        );
        let file = root.join(".civico-cache").join(name);
        let voci = std::fs::read(&file)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Cache { file, voci }
    }

    /// What every comune's output depends on besides its own folder.
    pub fn common(root: &Path, tema: &str, settings: &impl Serialize) -> u64 {
        let mut h = Hasher::default();
        h.add(env!("CARGO_PKG_VERSION").as_bytes());
        // A rebuilt civico (same version, new code) must not reuse old output.
        if let Some(m) = std::env::current_exe()
            .ok()
            .and_then(|e| std::fs::metadata(e).ok())
        {
            h.add_u64(m.len()).add_u64(nanos(m.modified()));
        }
        h.add(&std::fs::read(root.join("civico.yaml")).unwrap_or_default());
        add_tree(&mut h, &root.join("themes").join(tema));
        h.add_json(settings);
        h.finish()
    }

    /// The fingerprint of a comune's inputs.
    pub fn inputs(common: u64, comune_dir: &Path) -> u64 {
        let mut h = Hasher::default();
        h.add_u64(common);
        add_tree(&mut h, comune_dir);
        h.finish()
    }

    /// The fingerprint of a comune's output on disk (0 if there is none).
    fn output(site: &Path) -> u64 {
        match std::fs::metadata(site.join("index.html")) {
            Ok(m) => {
                let mut h = Hasher::default();
                h.add_u64(m.len()).add_u64(nanos(m.modified()));
                h.finish()
            }
            Err(_) => 0,
        }
    }

    /// Whether the comune's output in `site` was built from exactly these inputs.
    pub fn fresh(&self, slug: &str, inputs: u64, site: &Path) -> bool {
        self.voci
            .get(slug)
            .is_some_and(|v| v.inputs == inputs && v.output != 0 && v.output == Self::output(site))
    }

    /// The warnings the last build of a comune reported.
    pub fn warnings(&self, slug: &str) -> Vec<Diagnostic> {
        self.voci.get(slug).map_or_else(Vec::new, |v| {
            v.avvisi
                .iter()
                .map(|a| {
                    let mut d =
                        Diagnostic::warning(static_code(&a.code), &a.file, a.message.clone())
                            .at(a.line, a.col);
                    d.hint = a.hint.clone();
                    d.source_line = a.source_line.clone();
                    d
                })
                .collect()
        })
    }

    /// Remembers that `site` was just built from `inputs`, with these warnings.
    pub fn record(&mut self, slug: &str, inputs: u64, site: &Path, warnings: &[&Diagnostic]) {
        let avvisi = warnings
            .iter()
            .map(|d| Avviso {
                code: d.code.to_string(),
                file: d.file.clone(),
                line: d.line,
                col: d.col,
                message: d.message.clone(),
                hint: d.hint.clone(),
                source_line: d.source_line.clone(),
            })
            .collect();
        self.voci.insert(
            slug.to_string(),
            Voce {
                inputs,
                output: Self::output(site),
                avvisi,
            },
        );
    }

    /// Forgets a comune (its build failed or it is gone).
    pub fn forget(&mut self, slug: &str) {
        self.voci.remove(slug);
    }

    /// Writes the cache (best effort: a cache that cannot be written only costs time).
    pub fn save(&self) {
        if let Some(dir) = self.file.parent() {
            let _ = std::fs::create_dir_all(dir);
            let _ = std::fs::write(
                dir.join("README.txt"),
                "Cache of `civico build`: safe to delete; do not commit it.\n",
            );
        }
        if let Ok(json) = serde_json::to_vec(&self.voci) {
            let tmp = self.file.with_extension("tmp");
            if std::fs::write(&tmp, json).is_ok() {
                let _ = std::fs::rename(&tmp, &self.file);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_by_top_level_folder_hashes_what_one_walk_of_the_folder_sees() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("novita/2026")).unwrap();
        std::fs::create_dir_all(d.join("media")).unwrap();
        std::fs::write(d.join("comune.yaml"), "nome: X").unwrap();
        std::fs::write(d.join("novita/a.md"), "a").unwrap();
        std::fs::write(d.join("novita/2026/b.md"), "bb").unwrap();
        std::fs::write(d.join("media/c.png"), "ccc").unwrap();
        #[cfg(unix)]
        {
            // Links are not followed, at the top level or below.
            std::os::unix::fs::symlink(d.join("novita"), d.join("collegata")).unwrap();
            std::os::unix::fs::symlink(d.join("comune.yaml"), d.join("media/l.yaml")).unwrap();
        }
        let mut walked = Hasher::default();
        add_tree(&mut walked, d);
        // One sequential walk of the whole folder.
        let once: Vec<(PathBuf, u64, u64)> = walkdir::WalkDir::new(d)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let m = e.metadata().unwrap();
                (e.into_path(), m.len(), nanos(m.modified()))
            })
            .collect();
        assert_eq!(once.len(), 4);
        let mut expected = Hasher::default();
        add_sorted(&mut expected, once);
        assert_eq!(walked.finish(), expected.finish());
    }

    #[test]
    fn a_comune_is_fresh_until_an_input_or_its_output_changes() {
        let dir = tempfile::tempdir().unwrap();
        let (root, out) = (dir.path().join("root"), dir.path().join("out"));
        let comune = root.join("comuni/a");
        std::fs::create_dir_all(comune.join("notizie")).unwrap();
        std::fs::write(comune.join("notizie/x.md"), "uno").unwrap();
        let site = out.join("a");
        std::fs::create_dir_all(&site).unwrap();
        std::fs::write(site.join("index.html"), "<html>").unwrap();

        let common = Cache::common(&root, "agid", &("2026-11-23", true));
        let inputs = Cache::inputs(common, &comune);
        let mut c = Cache::open(&root, &out);
        assert!(!c.fresh("a", inputs, &site));
        let w = Diagnostic::warning("W-ALT-MISSING", "comuni/a/notizie/x.md", "manca alt").at(3, 4);
        c.record("a", inputs, &site, &[&w]);
        c.save();
        let c = Cache::open(&root, &out);
        assert!(c.fresh("a", inputs, &site), "remembered across runs");
        assert_eq!(c.warnings("a"), vec![w], "warnings are reported again");

        // Another date or option is another build.
        let other = Cache::common(&root, "agid", &("2026-11-24", true));
        assert!(!c.fresh("a", Cache::inputs(other, &comune), &site));
        // A changed file (size differs) changes the inputs.
        std::fs::write(comune.join("notizie/x.md"), "uno e due").unwrap();
        assert_ne!(Cache::inputs(common, &comune), inputs);
        // Output removed by hand: not fresh.
        std::fs::remove_file(site.join("index.html")).unwrap();
        assert!(!c.fresh("a", inputs, &site));
    }
}
