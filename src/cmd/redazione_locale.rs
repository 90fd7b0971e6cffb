//! The web editor's local backend, run by `civico serve` when civico.yaml has `redazione`: the
//! small protocol of Decap CMS's proxy (`npx decap-server`), so that the editor opened from the
//! preview reads and saves the files of the working copy, and the preview rebuilds on save.
//!
//! It answers on the loopback interface only, at `redazione.porta_locale`, and only requests
//! from pages of this computer (an `Origin` of localhost): a site visited meanwhile cannot write.
//! Every path must lead inside the comuni's folder of the site (symbolic links included), and
//! files are written whole (a temporary file renamed), so the preview never reads half a file.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::{json, Value};

/// The largest request (an image uploaded as base64).
const MAX_BODY: usize = 40 * 1024 * 1024;

/// Where the backend reads and writes.
struct Backend {
    /// The site's folder (paths in requests are relative to it).
    root: PathBuf,
    /// The comuni's folder under it, the only one written.
    comuni: PathBuf,
}

/// An answer refused, with its status and an Italian message for the editor.
type Refused = (StatusCode, String);

/// Starts the backend on `porta` (IPv4 and, when available, IPv6 loopback). A port already in
/// use (`npx decap-server` running) is reported and the preview goes on without it.
pub async fn start(root: &Path, cartella_comuni: &str, porta: u16) {
    let backend = Arc::new(Backend {
        root: root.to_path_buf(),
        comuni: root.join(cartella_comuni),
    });
    let app = Router::new()
        .route("/api/v1", post(api).options(preflight))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(backend);
    let mut started = false;
    for ip in [
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ] {
        let Ok(listener) = tokio::net::TcpListener::bind(SocketAddr::new(ip, porta)).await else {
            continue;
        };
        started = true;
        let app = app.clone();
        tokio::spawn(async move { axum::serve(listener, app).await });
    }
    if started {
        eprintln!("redazione web: apri /admin/ di un comune nell'anteprima; le modifiche sono salvate in questa cartella (porta {porta})");
    } else {
        eprintln!("redazione web: la porta {porta} è occupata (forse da `npx decap-server`), l'anteprima non salva le modifiche della redazione: cambia redazione.porta_locale in civico.yaml");
    }
}

/// Whether a request comes from a page of this computer (or from no page at all).
fn origin_ok(headers: &HeaderMap) -> Option<Option<HeaderValue>> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Some(None);
    };
    let url = url_host(origin.to_str().ok()?)?;
    matches!(url.as_str(), "localhost" | "127.0.0.1" | "[::1]").then(|| Some(origin.clone()))
}

/// The host of an `http://host:port` origin.
fn url_host(origin: &str) -> Option<String> {
    let rest = origin.strip_prefix("http://")?;
    let host = match rest.strip_prefix('[') {
        Some(v6) => format!("[{}]", v6.split(']').next()?),
        None => rest.split(':').next()?.to_string(),
    };
    Some(host)
}

fn with_cors(mut r: Response, origin: Option<HeaderValue>) -> Response {
    if let Some(o) = origin {
        let h = r.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    r
}

async fn preflight(headers: HeaderMap) -> Response {
    let Some(origin) = origin_ok(&headers) else {
        return StatusCode::FORBIDDEN.into_response();
    };
    let mut r = StatusCode::NO_CONTENT.into_response();
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(Method::POST.as_str()),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type"),
    );
    with_cors(r, origin)
}

async fn api(State(b): State<Arc<Backend>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(origin) = origin_ok(&headers) else {
        return refused((StatusCode::FORBIDDEN, "richiesta da un sito esterno".into()));
    };
    // A page of another site cannot send JSON without asking first (CORS), so this header is
    // what keeps a plain form of another site from writing.
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json_body {
        let r = refused((StatusCode::UNSUPPORTED_MEDIA_TYPE, "serve JSON".into()));
        return with_cors(r, origin);
    }
    let answer = match serde_json::from_slice::<Value>(&body) {
        Ok(req) => tokio::task::spawn_blocking(move || b.act(&req))
            .await
            .unwrap_or_else(|e| Err((StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))),
        Err(e) => Err((StatusCode::BAD_REQUEST, format!("JSON non valido: {e}"))),
    };
    let r = match answer {
        Ok(v) => Json(v).into_response(),
        Err(e) => refused(e),
    };
    with_cors(r, origin)
}

fn refused((status, error): Refused) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

fn bad(msg: impl Into<String>) -> Refused {
    (StatusCode::UNPROCESSABLE_ENTITY, msg.into())
}

fn str_param<'a>(params: &'a Value, name: &str) -> Result<&'a str, Refused> {
    params[name]
        .as_str()
        .ok_or_else(|| bad(format!("manca il parametro `{name}`")))
}

impl Backend {
    /// One action of the protocol.
    fn act(&self, req: &Value) -> Result<Value, Refused> {
        let p = &req["params"];
        match req["action"].as_str().unwrap_or("") {
            "info" => Ok(json!({
                "repo": self.root.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
                "publish_modes": ["simple"],
                "type": "local_fs",
            })),
            "entriesByFolder" => self.entries_by_folder(p),
            "entriesByFiles" => {
                let files = p["files"].as_array().cloned().unwrap_or_default();
                let paths = files.iter().filter_map(|f| f["path"].as_str());
                Ok(Value::Array(paths.filter_map(|f| self.entry(f).ok()).collect()))
            }
            "getEntry" => self.entry(str_param(p, "path")?),
            "persistEntry" => self.persist_entry(p),
            "getMedia" => self.media(str_param(p, "mediaFolder")?),
            "getMediaFile" => self.media_file(str_param(p, "path")?),
            "persistMedia" => {
                let path = self.write_asset(&p["asset"])?;
                self.media_file(&path)
            }
            "deleteFile" => self.delete(str_param(p, "path")?),
            "deleteFiles" => {
                for path in p["paths"].as_array().into_iter().flatten() {
                    self.delete(path.as_str().unwrap_or(""))?;
                }
                Ok(json!({ "message": "file cancellati" }))
            }
            "getDeployPreview" => Ok(Value::Null),
            other => Err(bad(format!(
                "azione `{other}` non prevista dalla redazione locale (la revisione si usa con il repository)"
            ))),
        }
    }

    /// A path of a request: relative, without `..`, inside the comuni's folder on disk.
    fn resolve(&self, written: &str) -> Result<PathBuf, Refused> {
        let rel = Path::new(written.trim_start_matches('/'));
        let plain = rel.components().all(|c| matches!(c, Component::Normal(_)));
        let full = self.root.join(rel);
        if !plain || !full.starts_with(&self.comuni) || full == self.comuni {
            return Err((
                StatusCode::FORBIDDEN,
                format!("`{written}` è fuori dalla cartella dei comuni"),
            ));
        }
        // The deepest folder that exists must be inside too (a symbolic link could leave it).
        let existing = full.ancestors().find(|a| a.exists()).unwrap_or(&self.root);
        if !civico_core::path::inside(&self.comuni, existing) && existing != self.comuni {
            return Err((
                StatusCode::FORBIDDEN,
                format!("`{written}` porta fuori dalla cartella dei comuni"),
            ));
        }
        Ok(full)
    }

    /// The path of a file as the editor names it: relative to the site, with `/`.
    fn shown(&self, full: &Path) -> String {
        let rel = full.strip_prefix(&self.root).unwrap_or(full);
        rel.to_string_lossy().replace('\\', "/")
    }

    fn entry(&self, path: &str) -> Result<Value, Refused> {
        let full = self.resolve(path)?;
        let data = std::fs::read_to_string(&full)
            .map_err(|_| (StatusCode::NOT_FOUND, format!("`{path}` non esiste")))?;
        Ok(
            json!({ "data": data, "file": { "path": self.shown(&full), "id": id(data.as_bytes()) } }),
        )
    }

    fn entries_by_folder(&self, p: &Value) -> Result<Value, Refused> {
        let folder = self.resolve(str_param(p, "folder")?)?;
        let ext = format!(".{}", p["extension"].as_str().unwrap_or("md"));
        let depth = p["depth"].as_u64().unwrap_or(1).clamp(1, 20) as usize;
        let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&folder)
            .max_depth(depth)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(walkdir::DirEntry::into_path)
            .filter(|f| f.to_string_lossy().ends_with(&ext))
            .collect();
        files.sort();
        let entries = files.iter().filter_map(|f| self.entry(&self.shown(f)).ok());
        Ok(Value::Array(entries.collect()))
    }

    fn persist_entry(&self, p: &Value) -> Result<Value, Refused> {
        // Decap 3 sends `dataFiles`; older versions one `entry`.
        let files: Vec<&Value> = match p["dataFiles"].as_array() {
            Some(d) => d.iter().collect(),
            None => vec![&p["entry"]],
        };
        for asset in p["assets"].as_array().into_iter().flatten() {
            self.write_asset(asset)?;
        }
        for f in files {
            let path = str_param(f, "path")?;
            let raw = str_param(f, "raw")?;
            let target = match f["newPath"].as_str() {
                Some(new) => self.resolve(new)?,
                None => self.resolve(path)?,
            };
            write_whole(&target, raw.as_bytes())?;
            if f["newPath"].is_string() {
                let old = self.resolve(path)?;
                if old != target {
                    let _ = std::fs::remove_file(old);
                }
            }
        }
        Ok(json!({ "message": "contenuto salvato" }))
    }

    /// Writes an uploaded file (base64); returns its path.
    fn write_asset(&self, asset: &Value) -> Result<String, Refused> {
        let path = str_param(asset, "path")?;
        let full = self.resolve(path)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(str_param(asset, "content")?)
            .map_err(|_| bad(format!("il contenuto di `{path}` non è base64")))?;
        write_whole(&full, &bytes)?;
        Ok(self.shown(&full))
    }

    fn media(&self, folder: &str) -> Result<Value, Refused> {
        let dir = self.resolve(folder)?;
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|f| f.is_file())
            .collect();
        files.sort();
        let all = files
            .iter()
            .filter_map(|f| self.media_file(&self.shown(f)).ok());
        Ok(Value::Array(all.collect()))
    }

    fn media_file(&self, path: &str) -> Result<Value, Refused> {
        let full = self.resolve(path)?;
        let bytes = std::fs::read(&full)
            .map_err(|_| (StatusCode::NOT_FOUND, format!("`{path}` non esiste")))?;
        let name = full.file_name().map(|n| n.to_string_lossy().into_owned());
        Ok(json!({
            "id": id(&bytes),
            "content": base64::engine::general_purpose::STANDARD.encode(&bytes),
            "encoding": "base64",
            "path": self.shown(&full),
            "name": name,
        }))
    }

    fn delete(&self, path: &str) -> Result<Value, Refused> {
        let full = self.resolve(path)?;
        if full.is_file() {
            std::fs::remove_file(&full)
                .map_err(|e| bad(format!("non riesco a cancellare `{path}`: {e}")))?;
        }
        Ok(json!({ "message": "file cancellato" }))
    }
}

/// A file's version for the editor: a hash of its bytes.
fn id(bytes: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    format!("{:016x}", h.finish())
}

/// Writes a whole file at once: a temporary file beside it, renamed over it.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), Refused> {
    let fail = |e: std::io::Error| bad(format!("non riesco a scrivere {}: {e}", path.display()));
    let dir = path
        .parent()
        .ok_or_else(|| bad("percorso senza cartella"))?;
    std::fs::create_dir_all(dir).map_err(fail)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backend() -> (tempfile::TempDir, Backend) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        std::fs::create_dir_all(root.join("comuni/prova/notizie")).unwrap();
        std::fs::write(root.join("civico.yaml"), "gestore: x\n").unwrap();
        let b = Backend {
            comuni: root.join("comuni"),
            root,
        };
        (dir, b)
    }

    fn act(b: &Backend, action: &str, params: Value) -> Result<Value, Refused> {
        b.act(&json!({ "action": action, "params": params }))
    }

    #[test]
    fn saves_lists_renames_and_deletes_inside_the_comuni_folder() {
        let (_d, b) = backend();
        let raw = "---\ntitolo: \"Prova\"\n---\nTesto.\n";
        let files = json!([{ "path": "comuni/prova/notizie/prova.md", "raw": raw }]);
        act(
            &b,
            "persistEntry",
            json!({ "dataFiles": files, "assets": [] }),
        )
        .unwrap();
        let list = act(
            &b,
            "entriesByFolder",
            json!({ "folder": "comuni/prova/notizie", "extension": "md", "depth": 1 }),
        )
        .unwrap();
        assert_eq!(list[0]["file"]["path"], "comuni/prova/notizie/prova.md");
        assert_eq!(list[0]["data"], raw);
        let moved = json!([{ "path": "comuni/prova/notizie/prova.md", "newPath": "comuni/prova/notizie/nuovo.md", "raw": raw }]);
        act(
            &b,
            "persistEntry",
            json!({ "dataFiles": moved, "assets": [] }),
        )
        .unwrap();
        assert!(!b.root.join("comuni/prova/notizie/prova.md").exists());
        let img = json!({ "path": "comuni/prova/media/a.png", "content": "iVBORw0K", "encoding": "base64" });
        let saved = act(&b, "persistMedia", json!({ "asset": img })).unwrap();
        assert_eq!(saved["name"], "a.png");
        assert_eq!(
            act(
                &b,
                "getMedia",
                json!({ "mediaFolder": "comuni/prova/media" })
            )
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
            1
        );
        act(
            &b,
            "deleteFiles",
            json!({ "paths": ["comuni/prova/notizie/nuovo.md"] }),
        )
        .unwrap();
        assert!(!b.root.join("comuni/prova/notizie/nuovo.md").exists());
    }

    #[test]
    fn refuses_paths_outside_the_comuni_folder() {
        let (_d, b) = backend();
        for path in [
            "civico.yaml",
            "comuni/../civico.yaml",
            "/etc/passwd",
            "../x.md",
            "comuni",
        ] {
            let r = act(&b, "getEntry", json!({ "path": path }));
            assert_eq!(r.unwrap_err().0, StatusCode::FORBIDDEN, "{path}");
            let files = json!([{ "path": path, "raw": "x" }]);
            assert!(
                act(&b, "persistEntry", json!({ "dataFiles": files })).is_err(),
                "{path}"
            );
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&b.root, b.root.join("comuni/prova/fuori")).unwrap();
            let r = act(
                &b,
                "getEntry",
                json!({ "path": "comuni/prova/fuori/civico.yaml" }),
            );
            assert_eq!(r.unwrap_err().0, StatusCode::FORBIDDEN);
        }
        assert_eq!(
            act(&b, "nope", json!({})).unwrap_err().0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }

    #[test]
    fn only_pages_of_this_computer_may_ask() {
        let mut h = HeaderMap::new();
        assert!(origin_ok(&h).is_some(), "no Origin: a local tool");
        for (origin, ok) in [
            ("http://127.0.0.1:1313", true),
            ("http://localhost:8080", true),
            ("http://[::1]:8080", true),
            ("https://example.org", false),
            ("http://localhost.evil.example", false),
            ("null", false),
        ] {
            h.insert(header::ORIGIN, HeaderValue::from_static(origin));
            assert_eq!(origin_ok(&h).is_some(), ok, "{origin}");
        }
    }
}
