//! Paths written by editors: resolved without touching the disk (`lexical_normalise`), and
//! confined to a folder once links are resolved (`inside`).

use std::path::{Component, Path, PathBuf};

/// Resolves `.` and `..` without touching the disk; `None` if the path climbs above its start
/// or is absolute.
pub fn lexical_normalise(p: &Path) -> Option<PathBuf> {
    let mut out: Vec<&std::ffi::OsStr> = Vec::new();
    for c in p.components() {
        match c {
            Component::Normal(s) => out.push(s),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out.iter().collect())
}

/// Whether `path`, with its links resolved, lies inside `root` (also resolved); false when
/// either does not exist.
pub fn inside(root: &Path, path: &Path) -> bool {
    matches!((root.canonicalize(), path.canonicalize()), (Ok(r), Ok(p)) if p.starts_with(&r))
}
