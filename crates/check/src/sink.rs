//! The sink `civico check` renders each comune's site into: nothing is written anywhere. Every
//! HTML page is turned into its `Facts` as it is rendered (and then dropped); of the other files
//! only their site paths are kept, for the link checks.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use civico_site::render::output::Sink;

use crate::html::{facts, rendered, Facts};

/// The facts of one comune's pages, gathered while its site is rendered.
pub struct FactsSink {
    shown: PathBuf,
    pages: Mutex<BTreeMap<String, Facts>>,
    files: Mutex<HashSet<String>>,
}

impl FactsSink {
    /// `shown`: how diagnostics about this site name it (the comune's folder).
    pub fn new(shown: &Path) -> FactsSink {
        FactsSink {
            shown: shown.to_path_buf(),
            pages: Mutex::default(),
            files: Mutex::default(),
        }
    }

    /// The pages' facts and the site paths of every file.
    pub fn into_parts(self) -> (BTreeMap<String, Facts>, HashSet<String>) {
        (
            self.pages.into_inner().unwrap_or_default(),
            self.files.into_inner().unwrap_or_default(),
        )
    }

    /// Records a site path; false if it was there already.
    fn record(&self, rel: &str) -> bool {
        let path = format!("/{}", rel.trim_start_matches('/'));
        self.files.lock().is_ok_and(|mut f| f.insert(path))
    }
}

/// The page a file is (`/novita/` for `/novita/index.html`), if it is a page the rules read:
/// HTML, outside the web editor (`/admin/`) and hidden folders.
pub fn page_path(rel: &str) -> Option<String> {
    let rel = rel.trim_start_matches('/');
    let hidden = rel.split('/').any(|c| c.starts_with('.'));
    if !rel.ends_with(".html") || hidden || rel.starts_with("admin/") {
        return None;
    }
    Some(match rel.strip_suffix("index.html") {
        Some(d) => format!("/{d}"),
        None => format!("/{rel}"),
    })
}

impl Sink for FactsSink {
    fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.record(rel);
        if let Some(path) = page_path(rel) {
            // Only the home page's whole text is needed (PEC-HOME). civico's own pages are
            // read with the fast parser; one it cannot read, with the parser of any page.
            let home = path == "/";
            let f = rendered::facts(bytes, home).unwrap_or_else(|| facts(bytes, home));
            if let Ok(mut p) = self.pages.lock() {
                p.insert(path, f);
            }
        }
        Ok(())
    }

    fn copy_new(&self, _src: &Path, rel: &str) -> std::io::Result<()> {
        if self.record(rel) {
            Ok(())
        } else {
            Err(std::io::ErrorKind::AlreadyExists.into())
        }
    }

    fn shown(&self) -> &Path {
        &self.shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_read_as_written_and_files_remembered() {
        let s = FactsSink::new(Path::new("comuni/x"));
        s.write("/index.html", b"<html lang=\"it\"><h1>Home</h1></html>")
            .unwrap();
        s.write("/novita/index.html", b"<html><h1>A</h1><h1>B</h1></html>")
            .unwrap();
        s.write("/admin/index.html", b"<html></html>").unwrap();
        s.write("/static/css/civico.css", b"body{}").unwrap();
        s.copy_new(Path::new("a.pdf"), "/media/a.pdf").unwrap();
        assert!(s.copy_new(Path::new("b.pdf"), "/media/a.pdf").is_err());
        let (pages, files) = s.into_parts();
        assert_eq!(pages.keys().collect::<Vec<_>>(), ["/", "/novita/"]);
        assert!(pages["/"].lang && pages["/novita/"].h1 == 2);
        assert!(files.contains("/media/a.pdf") && files.contains("/admin/index.html"));
    }
}
