//! Resolving what editors link to: other content files, site pages, attachments and media.
//!
//! Content links are written as file paths (`../uffici/anagrafe.md`, or from the comune's
//! folder `@/uffici/anagrafe.md`) and become the target page's URL. Site paths (`/servizi/`)
//! must be pages the site publishes. Other relative paths are attachments: the file must exist
//! inside the comune's folder (never outside it: `..` past the folder and symbolic links that
//! leave it are refused) and is copied next to the page that links it.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::{Asset, Target};
use crate::content::fields::normalise_key;
use crate::content::Document;
use crate::markdown::{LinkError, LinkResolver};

/// What every document of a site can link to.
pub struct SiteLinks<'a> {
    pub comune_dir: &'a Path,
    pub base_path: &'a str,
    pub keys: &'a HashMap<String, Target>,
    pub urls: &'a HashSet<String>,
}

/// Link resolution from one document: relative paths start from its folder.
pub struct DocLinks<'a> {
    site: &'a SiteLinks<'a>,
    /// Folder of the document relative to the comune folder (`notizie`, `notizie/festa`).
    rel_dir: PathBuf,
    /// URL of the document's page (where its attachments are copied).
    page_url: &'a str,
    assets: RefCell<Vec<Asset>>,
}

impl<'a> DocLinks<'a> {
    pub fn new(site: &'a SiteLinks<'a>, doc: &Document, page_url: &'a str) -> Self {
        let rel_dir = doc
            .dir()
            .strip_prefix(site.comune_dir)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        DocLinks {
            site,
            rel_dir,
            page_url,
            assets: RefCell::new(Vec::new()),
        }
    }

    /// The size of the image behind the file last resolved (the last asset registered).
    pub fn last_image_size(&self) -> Option<(u32, u32)> {
        let assets = self.assets.borrow();
        crate::immagini::dimensioni(&assets.last()?.src)
    }

    pub fn into_assets(self) -> Vec<Asset> {
        self.assets.into_inner()
    }

    /// A file named in the front matter (image, attachment): copied and given a URL.
    pub fn attachment(&self, written: &str) -> Result<String, LinkError> {
        let w = written.trim();
        if w.starts_with("http://") || w.starts_with("https://") {
            return Ok(w.to_string());
        }
        self.file(w)
    }

    fn file(&self, path: &str) -> Result<String, LinkError> {
        let decoded = percent_decode(path);
        let candidates: Vec<PathBuf> = if let Some(abs) = decoded.strip_prefix('/') {
            vec![PathBuf::from(abs)]
        } else if let Some(from_root) = decoded.strip_prefix("@/") {
            vec![PathBuf::from(from_root)]
        } else {
            vec![self.rel_dir.join(&decoded), PathBuf::from(&decoded)]
        };
        for rel in candidates {
            let Some(rel) = lexical_normalise(&rel) else {
                return Err(format!("il percorso `{path}` esce dalla cartella del comune").into());
            };
            let on_disk = self.site.comune_dir.join(&rel);
            if !on_disk.is_file() {
                continue;
            }
            // Symbolic links must not lead outside the comune's folder.
            if !civico_core::path::inside(self.site.comune_dir, &on_disk) {
                return Err(format!("il file `{path}` è fuori dalla cartella del comune").into());
            }
            if let Some(why) = crate::active_content::refusal(&on_disk) {
                return Err(LinkError::Active(format!("`{path}`: {why}")));
            }
            let rel_str = rel.to_string_lossy().replace('\\', "/");
            let dest = if rel_str.starts_with("media/") {
                format!("/{rel_str}")
            } else {
                let name = rel
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                format!("{}{}", self.page_url, name)
            };
            let mut assets = self.assets.borrow_mut();
            if let Some(other) = assets.iter().find(|a| a.dest == dest && a.src != on_disk) {
                let other = other
                    .src
                    .strip_prefix(self.site.comune_dir)
                    .unwrap_or(&other.src);
                return Err(format!(
                    "il file `{path}` e il file `{}` hanno lo stesso nome e verrebbero pubblicati entrambi come `{dest}`: rinominane uno",
                    other.display()
                )
                .into());
            }
            assets.push(Asset {
                src: on_disk,
                dest: dest.clone(),
            });
            return Ok(format!("{}{}", self.site.base_path, url_escape_path(&dest)));
        }
        Err(format!("il file `{path}` non esiste").into())
    }
}

impl DocLinks<'_> {
    /// The content closest to a link that leads to none, written as the link was: the same
    /// path with the file name corrected, when a file of that folder is close.
    fn closest(&self, written: &str, key: &str) -> Option<String> {
        let (folder, name) = key.rsplit_once('/').unwrap_or(("", key));
        let siblings = self.site.keys.keys().filter_map(|k| {
            let (f, n) = k.rsplit_once('/').unwrap_or(("", k));
            (f == folder).then_some(n)
        });
        let n = *civico_core::diagnostics::closest(name, siblings, 1).first()?;
        let prefix = written.rsplit_once('/').map_or("", |(p, _)| p);
        let sep = if prefix.is_empty() { "" } else { "/" };
        Some(format!("{prefix}{sep}{n}.md"))
    }
}

impl LinkResolver for DocLinks<'_> {
    fn last_image_size(&self) -> Option<(u32, u32)> {
        self.last_image_size()
    }

    fn resolve(&self, dest: &str) -> Result<String, LinkError> {
        let (path, suffix) = match dest.find(['#', '?']) {
            Some(i) => (&dest[..i], &dest[i..]),
            None => (dest, ""),
        };
        if path.ends_with(".md") || path.starts_with("@/") && !has_extension(path) {
            let key = if let Some(k) = path.strip_prefix("@/") {
                normalise_key(k)
            } else {
                let joined = self.rel_dir.join(percent_decode(path));
                let Some(n) = lexical_normalise(&joined) else {
                    return Err(
                        format!("il collegamento `{dest}` esce dalla cartella del comune").into(),
                    );
                };
                normalise_key(&n.to_string_lossy().replace('\\', "/"))
            };
            return match self.site.keys.get(&key) {
                Some(t) => Ok(format!("{}{}{}", self.site.base_path, t.url, suffix)),
                None => Err(LinkError::NoContent(
                    format!("collegamento a un contenuto inesistente `{path}`"),
                    self.closest(path, &key),
                )),
            };
        }
        if path.starts_with('/') && !path.starts_with("/media/") {
            let with_slash = if path.ends_with('/') || has_extension(path) {
                path.to_string()
            } else {
                format!("{path}/")
            };
            if self.site.urls.contains(&with_slash) {
                return Ok(format!("{}{}{}", self.site.base_path, with_slash, suffix));
            }
            return Err(format!("la pagina `{path}` non esiste in questo sito").into());
        }
        self.file(path).map(|u| format!("{u}{suffix}"))
    }
}

fn has_extension(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.') && !last.ends_with('.'))
}

pub use civico_core::path::lexical_normalise;

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Escapes what cannot stand in a URL path (spaces, quotes, non-ASCII) as `%XX`.
pub fn url_escape_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_normalise_refuses_escapes() {
        assert_eq!(
            lexical_normalise(Path::new("notizie/../uffici/a.md")),
            Some(PathBuf::from("uffici/a.md"))
        );
        assert_eq!(
            lexical_normalise(Path::new("notizie/../../etc/passwd")),
            None
        );
        assert_eq!(lexical_normalise(Path::new("/etc/passwd")), None);
    }

    #[test]
    fn escape_and_decode() {
        assert_eq!(
            url_escape_path("/novita/a b/è.pdf"),
            "/novita/a%20b/%C3%A8.pdf"
        );
        assert_eq!(percent_decode("a%20b%2e%2E"), "a b..");
    }
}
