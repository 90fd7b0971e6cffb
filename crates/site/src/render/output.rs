//! Writing a site atomically: everything goes into a staging folder outside the published tree,
//! and only a complete site replaces the previous one.
//!
//! `Staging::new` makes `<parent>/.<out>.civico-staging/<slug>.<pid>`, a sibling of the output
//! folder (so on the same file system, and never inside what a deploy uploads); the renderer
//! writes there; `commit` swaps it in place of `<out>/<slug>` (the old one is renamed into the
//! staging area first, then removed). Dropping a `Staging` without committing removes it, so a
//! failed build leaves the previous output as it was. A killed build cannot clean up after itself:
//! `clean_stale` removes what dead builds left, at the start of every build. Where the sibling
//! cannot be used (no write access to the parent, another file system), staging falls back to a
//! hidden `<out>/.<slug>.staging-<pid>` folder, which `clean_stale` removes as well.

use std::path::{Path, PathBuf};

#[cfg(unix)]
mod at;

/// Where the files of one comune's site go: a staging folder on disk for `civico build`, or
/// memory for `civico check` (which checks the pages as they are rendered). Paths are site
/// paths (`/novita/index.html`); `copy` never replaces a file already written.
pub trait Sink: Sync {
    fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()>;
    fn copy_new(&self, src: &Path, rel: &str) -> std::io::Result<()>;
    /// [`Sink::write`] of a file whose folder exists (a `.gz` beside the page just written).
    fn write_beside(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.write(rel, bytes)
    }
    /// [`Sink::write`] of a file and of its gzip beside it (`rel` + `.gz`).
    fn write_with_gzip(&self, rel: &str, bytes: &[u8], gz: &[u8]) -> std::io::Result<()> {
        self.write(rel, bytes)?;
        self.write_beside(&format!("{rel}.gz"), gz)
    }
    /// The `.gz` the previous build published beside `rel`, when `rel` held exactly `bytes`
    /// then: a rebuild carries it over instead of compressing the same bytes again.
    fn previous_gzip(&self, _rel: &str, _bytes: &[u8]) -> Option<Vec<u8>> {
        None
    }
    /// A name for diagnostics about writing (the folder, or the comune).
    fn shown(&self) -> &Path;
}

impl Sink for Staging {
    fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        Staging::write(self, rel, bytes)
    }
    fn copy_new(&self, src: &Path, rel: &str) -> std::io::Result<()> {
        Staging::copy_new(self, src, rel)
    }
    fn write_beside(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        // No create_dir_all: for each sibling it cost a failed mkdir and a stat.
        std::fs::write(self.path_of(rel)?, bytes)
    }
    fn write_with_gzip(&self, rel: &str, bytes: &[u8], gz: &[u8]) -> std::io::Result<()> {
        Staging::write_with_gzip(self, rel, bytes, gz)
    }
    fn previous_gzip(&self, rel: &str, bytes: &[u8]) -> Option<Vec<u8>> {
        Staging::previous_gzip(self, rel, bytes)
    }
    fn shown(&self) -> &Path {
        &self.dir
    }
}

pub struct Staging {
    pub dir: PathBuf,
    target: PathBuf,
    /// The staging area beside the output folder, or None when staging inside it.
    area: Option<PathBuf>,
    committed: bool,
    /// The staging folder, open while its pages are written: files are created from it (see
    /// [`at`]). Closed by [`Staging::close_folder`], as a network of thousands of comuni keeps
    /// every staging folder until the swap (one descriptor each would pass the usual limit of
    /// 1,024); files written after that go by path.
    #[cfg(unix)]
    folder: Option<at::Folder>,
    /// Whether a published site was there when staging began: a first build has no previous
    /// `.gz` to carry over, so it does not look for one beside every page.
    published: bool,
    /// Files already found equal to the published ones (a page whose `.gz` was carried over,
    /// and that `.gz`), relative to `dir`: committing does not compare them again.
    unchanged: std::sync::Mutex<std::collections::HashSet<PathBuf>>,
}

/// A site path as a relative path, refusing anything that could leave the folder it is
/// joined to.
fn clean(rel: &str) -> std::io::Result<PathBuf> {
    let rel = rel.trim_start_matches('/');
    crate::model::links::lexical_normalise(Path::new(rel))
        .filter(|p| !p.as_os_str().is_empty())
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("percorso di output non valido: {rel}"),
            )
        })
}

/// The staging area of `out`: a hidden sibling folder, when it is on the same file system.
fn sibling_area(out: &Path) -> Option<PathBuf> {
    let area = area_path(out)?;
    std::fs::create_dir_all(&area).ok()?;
    if same_device(&area, out) {
        Some(area)
    } else {
        let _ = std::fs::remove_dir(&area);
        None
    }
}

/// Where the staging area of `out` is (whether or not it exists).
fn area_path(out: &Path) -> Option<PathBuf> {
    let out = std::path::absolute(out).ok()?;
    let name = out.file_name()?.to_string_lossy();
    Some(out.parent()?.join(format!(".{name}.civico-staging")))
}

#[cfg(unix)]
fn same_device(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    matches!((std::fs::metadata(a), std::fs::metadata(b)), (Ok(x), Ok(y)) if x.dev() == y.dev())
}

#[cfg(not(unix))]
fn same_device(_: &Path, _: &Path) -> bool {
    true
}

/// Whether the process `pid` still runs (then its staging folders are in use).
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc_fs = Path::new("/proc");
    proc_fs.is_dir() && proc_fs.join(pid.to_string()).exists()
}

/// The process id at the end of a staging name (`a.123`, `.a.staging-123`, `.a.old-123`), if
/// the name is one of civico's.
fn staging_pid(name: &str, in_area: bool) -> Option<u32> {
    let tail = if in_area {
        name.rsplit_once('.').map(|(_, t)| t)?
    } else {
        let rest = name.strip_prefix('.')?;
        let (_, t) = rest
            .rsplit_once(".staging-")
            .or_else(|| rest.rsplit_once(".old-"))?;
        t
    };
    tail.parse().ok()
}

/// Removes the staging folders that killed builds left, in the staging area of `out` and in
/// `out` itself (older builds staged there). Returns how many were removed.
pub fn clean_stale(out: &Path) -> usize {
    let mut places: Vec<(PathBuf, bool)> = vec![(out.to_path_buf(), false)];
    let area = area_path(out).filter(|a| a.is_dir());
    places.extend(area.clone().map(|a| (a, true)));
    let mut removed = 0;
    for (dir, in_area) in places {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().into_owned();
            let stale = staging_pid(&name, in_area).is_some_and(|pid| !alive(pid));
            if stale && std::fs::remove_dir_all(e.path()).is_ok() {
                removed += 1;
            }
        }
    }
    if let Some(a) = area {
        let _ = std::fs::remove_dir(a); // only when empty
    }
    removed
}

impl Staging {
    pub fn new(out: &Path, slug: &str) -> std::io::Result<Staging> {
        std::fs::create_dir_all(out)?;
        let pid = std::process::id();
        let area = sibling_area(out);
        let dir = match &area {
            Some(area) => area.join(format!("{slug}.{pid}")),
            None => out.join(format!(".{slug}.staging-{pid}")),
        };
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        let target = out.join(slug);
        Ok(Staging {
            #[cfg(unix)]
            folder: at::Folder::open(&dir).ok(),
            dir,
            published: target.is_dir(),
            target,
            area,
            committed: false,
            unchanged: Default::default(),
        })
    }

    /// Writes `bytes` at `rel` (a site path such as `/novita/index.html`) inside the staging dir.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.write_files(rel, bytes, None)
    }

    /// Writes `bytes` at `rel` and `gz` beside it at `rel.gz`.
    pub fn write_with_gzip(&self, rel: &str, bytes: &[u8], gz: &[u8]) -> std::io::Result<()> {
        self.write_files(rel, bytes, Some(gz))
    }

    /// Closes the staging folder's descriptor (see the `folder` field); later writes go by path.
    pub fn close_folder(&mut self) {
        #[cfg(unix)]
        {
            self.folder = None;
        }
    }

    /// Writes `bytes` at `rel`, and `gz` (if any) beside it: from the staging folder's
    /// descriptor while it is open (the folder's path is walked once, not once per file), else
    /// by path.
    fn write_files(&self, rel: &str, bytes: &[u8], gz: Option<&[u8]>) -> std::io::Result<()> {
        #[cfg(unix)]
        if let Some(folder) = &self.folder {
            let rel = clean(rel)?;
            let name = rel.file_name().unwrap_or_default();
            let parent = rel.parent().unwrap_or(Path::new(""));
            return match gz {
                None => folder.write(parent, &[(name, bytes)]),
                Some(gz) => {
                    let mut gz_name = name.to_os_string();
                    gz_name.push(".gz");
                    folder.write(parent, &[(name, bytes), (&gz_name, gz)])
                }
            };
        }
        let path = self.path_of(rel)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes)?;
        match gz {
            Some(gz) => std::fs::write(self.path_of(&format!("{rel}.gz"))?, gz),
            None => Ok(()),
        }
    }

    /// Copies `src` to `rel`, which must not exist yet: an editor's file never replaces a page
    /// or a theme file (the error is `AlreadyExists`).
    pub fn copy_new(&self, src: &Path, rel: &str) -> std::io::Result<()> {
        let path = self.path_of(rel)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut to = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?;
        std::io::copy(&mut std::fs::File::open(src)?, &mut to).map(|_| ())
    }

    /// Joins a site path to the staging dir, refusing anything that could leave it.
    fn path_of(&self, rel: &str) -> std::io::Result<PathBuf> {
        Ok(self.dir.join(clean(rel)?))
    }

    /// [`Sink::previous_gzip`]: the published site (the one this staging folder will replace)
    /// must hold the same bytes at `rel`, and its `.gz` must be a gzip member whose trailer
    /// (CRC-32 and length) is that of `bytes`.
    pub fn previous_gzip(&self, rel: &str, bytes: &[u8]) -> Option<Vec<u8>> {
        if !self.published {
            return None;
        }
        let rel = clean(rel).ok()?;
        let old = self.target.join(&rel);
        if std::fs::metadata(&old).ok()?.len() != bytes.len() as u64
            || std::fs::read(&old).ok()? != bytes
        {
            return None;
        }
        let mut gz = old.into_os_string();
        gz.push(".gz");
        // A gzip is never much larger than what it holds: anything else is not read.
        if std::fs::metadata(&gz).ok()?.len() > bytes.len() as u64 + 1024 {
            return None;
        }
        let gz = std::fs::read(gz).ok()?;
        let trailer = gz.get(gz.len().checked_sub(8)?..)?;
        let same = gz.len() > 18
            && gz[..3] == [0x1f, 0x8b, 8]
            && trailer[..4] == libdeflater::crc32(bytes).to_le_bytes()
            && trailer[4..] == (bytes.len() as u32).to_le_bytes();
        if same {
            let mut gz_rel = rel.clone().into_os_string();
            gz_rel.push(".gz");
            if let Ok(mut u) = self.unchanged.lock() {
                u.extend([rel, gz_rel.into()]);
            }
        }
        same.then_some(gz)
    }

    /// Replaces this site's copy of each of `paths` with a hard link to the same file of
    /// `first` (identical theme assets written for every comune): one copy on disk for the whole
    /// network. Files that cannot be linked (another file system) stay as they are.
    pub fn link_to(&self, first: &Staging, paths: &[String]) -> usize {
        let mut linked = 0;
        for p in paths {
            let (Ok(src), Ok(dst)) = (first.path_of(p), self.path_of(p)) else {
                continue;
            };
            if !src.is_file() || !dst.is_file() {
                continue;
            }
            let mut tmp = dst.clone().into_os_string();
            tmp.push(".civico-link");
            let tmp = PathBuf::from(tmp);
            if std::fs::hard_link(&src, &tmp).is_ok() {
                if std::fs::rename(&tmp, &dst).is_ok() {
                    linked += 1;
                } else {
                    let _ = std::fs::remove_file(&tmp);
                }
            }
        }
        linked
    }

    /// Gives every staged file whose bytes equal the previous output's the previous mtime, so
    /// that deploys comparing size and time (rsync, most CI uploaders) skip what did not change.
    /// Returns how many files kept their time.
    fn keep_unchanged_mtimes(&self) -> usize {
        use rayon::prelude::*;
        let known = std::mem::take(&mut *self.unchanged.lock().unwrap_or_else(|e| e.into_inner()));
        let files: Vec<PathBuf> = walkdir::WalkDir::new(&self.dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .collect();
        files
            .par_iter()
            .filter(|new| {
                let Ok(rel) = new.strip_prefix(&self.dir) else {
                    return false;
                };
                let old = self.target.join(rel);
                let Ok(om) = std::fs::metadata(&old) else {
                    return false;
                };
                let same = known.contains(rel) || {
                    std::fs::metadata(new).is_ok_and(|nm| nm.len() == om.len())
                        && matches!((std::fs::read(&old), std::fs::read(new)), (Ok(a), Ok(b)) if a == b)
                };
                same && om.modified().is_ok_and(|t| {
                    std::fs::File::options()
                        .write(true)
                        .open(new)
                        .and_then(|f| f.set_modified(t))
                        .is_ok()
                })
            })
            .count()
    }

    /// Replaces the target with the staged site.
    pub fn commit(mut self) -> std::io::Result<()> {
        // The previous site is moved beside the staging folder, out of the published tree.
        let name = self
            .target
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        let pid = std::process::id();
        let old = match &self.area {
            Some(area) => area.join(format!("{name}-old.{pid}")),
            None => self.target.with_file_name(format!(".{name}.old-{pid}")),
        };
        let had_old = self.target.exists();
        if had_old {
            self.keep_unchanged_mtimes();
            if old.exists() {
                std::fs::remove_dir_all(&old)?;
            }
            std::fs::rename(&self.target, &old)?;
        }
        if let Err(e) = std::fs::rename(&self.dir, &self.target) {
            if had_old {
                let _ = std::fs::rename(&old, &self.target);
            }
            return Err(e);
        }
        self.committed = true;
        if had_old {
            std::fs::remove_dir_all(&old)?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        // The staging area goes when its last build is done (it fails while others use it).
        if let Some(area) = &self.area {
            let _ = std::fs::remove_dir(area);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_written_alike_with_or_without_the_open_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let mut s = Staging::new(tmp.path(), "a").unwrap();
        s.write_with_gzip("/novita/x/index.html", b"pagina", b"gz")
            .unwrap();
        s.write("/robots.txt", b"r").unwrap();
        s.close_folder();
        s.write_with_gzip("/novita/y/index.html", b"altra", b"gz2")
            .unwrap();
        s.write("/novita/x/index.html", b"nuova").unwrap();
        let read = |p: &str| std::fs::read(s.dir.join(p)).unwrap();
        assert_eq!(read("novita/x/index.html"), b"nuova");
        assert_eq!(read("novita/x/index.html.gz"), b"gz");
        assert_eq!(read("novita/y/index.html"), b"altra");
        assert_eq!(read("novita/y/index.html.gz"), b"gz2");
        assert_eq!(read("robots.txt"), b"r");
        // Nothing outside the staging folder, either way.
        assert!(s.write("/../fuori.html", b"x").is_err());
        assert!(!tmp.path().join("fuori.html").exists());
    }

    #[test]
    fn uncommitted_staging_leaves_previous_output() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("a")).unwrap();
        std::fs::write(tmp.path().join("a/index.html"), "vecchio").unwrap();
        {
            let s = Staging::new(tmp.path(), "a").unwrap();
            s.write("/index.html", b"nuovo").unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("a/index.html")).unwrap(),
            "vecchio"
        );
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn unchanged_files_keep_their_mtime() {
        let tmp = tempfile::tempdir().unwrap();
        let first = Staging::new(tmp.path(), "a").unwrap();
        first.write("/same.html", b"uguale").unwrap();
        first.write("/changed.html", b"prima").unwrap();
        first.commit().unwrap();
        let old_time =
            std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        for f in ["same.html", "changed.html"] {
            std::fs::File::options()
                .write(true)
                .open(tmp.path().join("a").join(f))
                .unwrap()
                .set_modified(old_time)
                .unwrap();
        }
        let second = Staging::new(tmp.path(), "a").unwrap();
        second.write("/same.html", b"uguale").unwrap();
        second.write("/changed.html", b"dopo!").unwrap();
        second.commit().unwrap();
        let mtime = |f: &str| {
            std::fs::metadata(tmp.path().join("a").join(f))
                .unwrap()
                .modified()
                .unwrap()
        };
        assert_eq!(mtime("same.html"), old_time);
        assert_ne!(mtime("changed.html"), old_time);
        assert_eq!(
            std::fs::read(tmp.path().join("a/changed.html")).unwrap(),
            b"dopo!"
        );
    }

    #[test]
    fn commit_replaces_previous_output() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("a/vecchia")).unwrap();
        let s = Staging::new(tmp.path(), "a").unwrap();
        s.write("/novita/index.html", b"nuovo").unwrap();
        s.commit().unwrap();
        assert!(!tmp.path().join("a/vecchia").exists());
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("a/novita/index.html")).unwrap(),
            "nuovo"
        );
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn staging_is_outside_the_published_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        let s = Staging::new(&out, "a").unwrap();
        s.write("/index.html", b"x").unwrap();
        assert!(!s.dir.starts_with(&out), "{}", s.dir.display());
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
        s.commit().unwrap();
        let names: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["public"], "the staging area is removed once empty");
    }

    #[test]
    fn stale_staging_of_dead_builds_is_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        let dead = 4_000_000_000u32; // above any pid_max
        for d in [
            out.join(format!(".a.staging-{dead}")),
            out.join(format!(".a.old-{dead}")),
            tmp.path().join(format!(".public.civico-staging/a.{dead}")),
            out.join("a"),
            out.join(".well-known"),
        ] {
            std::fs::create_dir_all(d.join("albo")).unwrap();
        }
        let live = Staging::new(&out, "b").unwrap();
        assert_eq!(clean_stale(&out), 3);
        assert!(live.dir.is_dir(), "a running build's folder stays");
        assert!(out.join("a/albo").is_dir() && out.join(".well-known").is_dir());
        let mut left: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, [".well-known", "a"]);
    }

    #[test]
    fn paths_cannot_escape_staging() {
        let tmp = tempfile::tempdir().unwrap();
        let s = Staging::new(tmp.path(), "a").unwrap();
        assert!(s.write("/../../x", b"").is_err());
    }
}
