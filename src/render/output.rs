//! Writing a site atomically: everything goes into a staging folder beside the target, and only
//! a complete site replaces the previous one.
//!
//! `Staging::new` makes `<out>/.<slug>.staging-<pid>`; the renderer writes there; `commit` swaps
//! it in place of `<out>/<slug>` (the old one is renamed away first, then removed). Dropping a
//! `Staging` without committing removes it, so a failed or interrupted build leaves the previous
//! output as it was.

use std::path::{Path, PathBuf};

pub struct Staging {
    pub dir: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Staging {
    pub fn new(out: &Path, slug: &str) -> std::io::Result<Staging> {
        std::fs::create_dir_all(out)?;
        let dir = out.join(format!(".{slug}.staging-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        Ok(Staging {
            dir,
            target: out.join(slug),
            committed: false,
        })
    }

    /// Writes `bytes` at `rel` (a site path such as `/novita/index.html`) inside the staging dir.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.path_of(rel)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)
    }

    pub fn copy(&self, src: &Path, rel: &str) -> std::io::Result<()> {
        let path = self.path_of(rel)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(src, path).map(|_| ())
    }

    /// Joins a site path to the staging dir, refusing anything that could leave it.
    fn path_of(&self, rel: &str) -> std::io::Result<PathBuf> {
        let rel = rel.trim_start_matches('/');
        let clean = crate::model::links::lexical_normalise(Path::new(rel))
            .filter(|p| !p.as_os_str().is_empty())
            .ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("invalid output path {rel}"),
                )
            })?;
        Ok(self.dir.join(clean))
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
                let (Ok(om), Ok(nm)) = (std::fs::metadata(&old), std::fs::metadata(new)) else {
                    return false;
                };
                if om.len() != nm.len() {
                    return false;
                }
                let same =
                    matches!((std::fs::read(&old), std::fs::read(new)), (Ok(a), Ok(b)) if a == b);
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
        let old = self.target.with_file_name(format!(
            ".{}.old-{}",
            self.target
                .file_name()
                .unwrap_or_default()
                .to_string_lossy(),
            std::process::id()
        ));
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn paths_cannot_escape_staging() {
        let tmp = tempfile::tempdir().unwrap();
        let s = Staging::new(tmp.path(), "a").unwrap();
        assert!(s.write("/../../x", b"").is_err());
    }
}
