//! `civico serve`: a local preview with live reload.
//!
//! The network is built once into a preview folder ([`civico_site::incremental::Session`]), served
//! over HTTP (axum, tower-http's `ServeDir`), and rebuilt incrementally when a file under the
//! root changes (notify, with notify-debouncer-full to fold editors' save storms). Each comune
//! lives under `/<slug>/` with its `base_url` rewritten for the preview; `/` lists them.
//!
//! Live reload: HTML responses get a small script (never the files on disk) that listens to a
//! Server-Sent Events stream. After a rebuild the server sends `reload` (or `css` when only
//! stylesheets changed); while the content has errors it sends them and the script shows them
//! over the page, with file, line and column; the last good site stays on disk meanwhile.

use civico_core::plurale;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, RwLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, Response, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use notify_debouncer_full::notify::{self, RecursiveMode};
use notify_debouncer_full::DebounceEventResult;
use serde::Serialize;
use tokio::sync::broadcast;
use tokio_stream::StreamExt as _;
use tower_http::services::ServeDir;

use civico_core::diagnostics::Diagnostic;
use civico_site::incremental::{Options, Outcome, Session};

/// The script injected into every HTML page of the preview.
const LIVERELOAD_JS: &str = include_str!("livereload.js");
/// How long the rebuild waits for more changes after the first of a burst.
const SETTLE: Duration = Duration::from_millis(50);
const SCRIPT_TAG: &str = "<script src=\"/__civico/livereload.js\" defer></script>";

/// What `civico serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub comuni: Vec<String>,
    pub bind: IpAddr,
    /// 0 = any free port.
    pub port: u16,
    /// Poll the files instead of relying on file-system events (Docker mounts, WSL2).
    pub poll: bool,
    /// Open the preview in the default browser.
    pub open: bool,
    /// Preview folder; default: a temporary folder removed on exit.
    pub out: Option<PathBuf>,
    pub drafts: bool,
    pub today: Option<chrono::NaiveDate>,
    /// Print the duration of each phase of every rebuild.
    pub timings: bool,
}

/// A problem as the browser overlay shows it.
#[derive(Serialize, Clone)]
struct Errore {
    file: String,
    riga: usize,
    colonna: usize,
    codice: &'static str,
    messaggio: String,
    aiuto: Option<String>,
}

/// What the page script is told.
#[derive(Serialize, Clone)]
struct PreviewState {
    /// Bumped by every rebuild that changed the site.
    versione: u64,
    errori: Vec<Errore>,
    avvisi: usize,
}

struct Shared {
    stato: RwLock<PreviewState>,
    /// (event name, JSON of `PreviewState`).
    tx: broadcast::Sender<(&'static str, String)>,
    comuni: RwLock<Vec<(String, String)>>,
    /// Print the phases of every rebuild (`--timings`).
    timings: bool,
}

impl Shared {
    fn stato_json(&self) -> String {
        let s = self.stato.read().unwrap_or_else(|e| e.into_inner());
        serde_json::to_string(&*s).unwrap_or_default()
    }
}

/// Runs the preview until interrupted. Errors are for things that stop it from starting.
pub fn run(opts: ServeOptions) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("non riesco ad avviare il server: {e}"))?;
    runtime.block_on(serve(opts))
}

async fn serve(opts: ServeOptions) -> Result<(), String> {
    let root = std::path::absolute(&opts.root)
        .map_err(|e| format!("non trovo {}: {e}", opts.root.display()))?;
    if !root.is_dir() {
        return Err(format!("{} non è una cartella", root.display()));
    }
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(opts.bind, opts.port))
        .await
        .map_err(|e| format!("non riesco ad ascoltare su {}:{} (la porta è forse già usata: scegline un'altra con --port): {e}", opts.bind, opts.port))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("non riesco a leggere l'indirizzo del server: {e}"))?;
    let shown_host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    let origin = format!("http://{shown_host}:{}", addr.port());

    // The preview folder: given, or temporary (removed when the server stops).
    let temp;
    let out = match &opts.out {
        Some(o) => {
            std::fs::create_dir_all(o)
                .map_err(|e| format!("non riesco a creare {}: {e}", o.display()))?;
            std::path::absolute(o).map_err(|e| format!("non trovo {}: {e}", o.display()))?
        }
        None => {
            temp = tempfile::Builder::new()
                .prefix("civico-serve-")
                .tempdir()
                .map_err(|e| format!("non riesco a creare una cartella temporanea: {e}"))?;
            temp.path().to_path_buf()
        }
    };

    eprintln!("generazione di {} ...", root.display());
    let (session, first) = tokio::task::block_in_place(|| {
        Session::start(Options {
            root: root.clone(),
            out: out.clone(),
            comuni: opts.comuni.clone(),
            drafts: opts.drafts,
            today: opts.today,
            origin: Some(origin.clone()),
        })
    });
    let (tx, _) = broadcast::channel(64);
    let shared = Arc::new(Shared {
        stato: RwLock::new(PreviewState {
            versione: 1,
            errori: Vec::new(),
            avvisi: 0,
        }),
        tx,
        comuni: RwLock::new(session.comuni()),
        timings: opts.timings,
    });
    report(&first, true, shared.timings);
    publish(&shared, &first, false);

    // Watcher -> builder thread -> SSE.
    let (events_tx, events_rx) = mpsc::channel::<Vec<PathBuf>>();
    let _watcher = watch(&root, opts.poll, events_tx)?;
    {
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("civico-rebuild".into())
            .spawn(move || rebuild_loop(session, events_rx, &shared))
            .map_err(|e| format!("non riesco ad avviare la rigenerazione: {e}"))?;
    }

    let guard = super::preview_guard::Guard {
        out: out
            .canonicalize()
            .map_err(|e| format!("non trovo {}: {e}", out.display()))?,
        bind: opts.bind,
    };
    let app = router(shared.clone(), &out).layer(axum::middleware::from_fn_with_state(
        guard,
        super::preview_guard::check,
    ));
    // A closed standard output (a parent that read the address and went away) must not stop
    // the server: write errors are ignored.
    {
        use std::io::Write as _;
        let mut o = std::io::stdout().lock();
        let _ = writeln!(o, "Anteprima su {origin}/ (Ctrl+C per fermarla)");
        for (slug, nome) in shared
            .comuni
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(o, "  {nome}: {origin}/{slug}/");
        }
        let _ = o.flush();
    }
    if let Ok(rete) = civico_core::config::load_rete(&root) {
        if let Some(r) = &rete.redazione {
            super::redazione_locale::start(&root, &rete.cartella_comuni, r.porta_locale).await;
        }
    }
    if opts.open {
        open_browser(&format!("{origin}/"));
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| format!("errore del server: {e}"))?;
    Ok(())
}

/// The HTTP routes: the event stream, the script, the list of comuni, the preview folder.
fn router(shared: Arc<Shared>, out: &Path) -> Router {
    let files = ServeDir::new(out)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(true);
    Router::new()
        .route("/__civico/eventi", get(events))
        .route(
            "/__civico/livereload.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    LIVERELOAD_JS,
                )
            }),
        )
        .route("/", get(index))
        .fallback_service(files)
        .layer(axum::middleware::from_fn_with_state(
            (shared.clone(), out.to_path_buf()),
            not_found,
        ))
        .layer(axum::middleware::from_fn(inject))
        .with_state(shared)
}

/// An address the preview does not have: the comune's own `404.html`, with the status 404, as
/// its web server shows it once published (the live-reload script included, so that the page
/// comes back by itself once it exists).
async fn not_found(
    State((shared, out)): State<(Arc<Shared>, PathBuf)>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response<Body> {
    let first = req
        .uri()
        .path()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("")
        .to_string();
    let resp = next.run(req).await;
    if resp.status() != StatusCode::NOT_FOUND {
        return resp;
    }
    // Only a comune of the preview: the path never names a file itself.
    let known = shared
        .comuni
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .any(|(slug, _)| *slug == first);
    let page = match known {
        true => tokio::fs::read(out.join(&first).join("404.html"))
            .await
            .ok(),
        false => None,
    };
    match page {
        Some(body) => {
            let body = String::from_utf8_lossy(&body).replacen(
                "</body>",
                &format!("{SCRIPT_TAG}</body>"),
                1,
            );
            let mut r = Response::new(Body::from(body));
            *r.status_mut() = StatusCode::NOT_FOUND;
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            r
        }
        None => resp,
    }
}

/// `/`: the comuni of the preview (straight to the only one, if there is one).
async fn index(State(s): State<Arc<Shared>>) -> Response<Body> {
    let comuni = s.comuni.read().unwrap_or_else(|e| e.into_inner()).clone();
    if let [(slug, _)] = comuni.as_slice() {
        return Redirect::temporary(&format!("/{slug}/")).into_response();
    }
    let mut html = String::from(
        "<!doctype html><html lang=\"it\"><head><meta charset=\"utf-8\"><title>Anteprima civico</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>\
         <body><main><h1>Anteprima dei siti</h1><ul>",
    );
    for (slug, nome) in &comuni {
        html.push_str(&format!(
            "<li><a href=\"/{}/\">{}</a></li>",
            escape(slug),
            escape(nome)
        ));
    }
    html.push_str("</ul></main></body></html>");
    Html(html).into_response()
}

fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

/// The Server-Sent Events stream: the current state first, then every rebuild.
async fn events(
    State(s): State<Arc<Shared>>,
) -> Sse<impl tokio_stream::Stream<Item = Result<Event, std::convert::Infallible>>> {
    let rx = s.tx.subscribe();
    let first = Event::default().event("stato").data(s.stato_json());
    let rest = tokio_stream::wrappers::BroadcastStream::new(rx)
        .filter_map(|m| m.ok())
        .map(|(name, data)| Ok(Event::default().event(name).data(data)));
    Sse::new(tokio_stream::once(Ok(first)).chain(rest)).keep_alive(KeepAlive::default())
}

/// Adds the live-reload script to HTML responses (as served, not on disk), except in the web
/// editor (`/admin/`), which must not reload while someone writes; nothing is cached.
async fn inject(req: axum::extract::Request, next: axum::middleware::Next) -> Response<Body> {
    let editor = req.uri().path().contains("/admin/");
    let resp = next.run(req).await;
    let (mut parts, body) = resp.into_parts();
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let html = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let encoded = parts.headers.contains_key(header::CONTENT_ENCODING);
    if !html || encoded || editor || parts.status != StatusCode::OK {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut page = String::from_utf8_lossy(&bytes).into_owned();
    match page.rfind("</body>") {
        Some(i) => page.insert_str(i, SCRIPT_TAG),
        None => page.push_str(SCRIPT_TAG),
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(page))
}

/// Watches the root; sends each debounced batch of changed paths.
fn watch(
    root: &Path,
    poll: bool,
    tx: mpsc::Sender<Vec<PathBuf>>,
) -> Result<Box<dyn std::any::Any + Send>, String> {
    let handler = move |res: DebounceEventResult| match res {
        Ok(events) => {
            let mut paths: Vec<PathBuf> = events
                .into_iter()
                .filter(|e| !e.kind.is_access())
                .flat_map(|e| e.event.paths)
                .collect();
            paths.sort();
            paths.dedup();
            if !paths.is_empty() {
                let _ = tx.send(paths);
            }
        }
        Err(errors) => {
            for e in errors {
                eprintln!("errore nel controllo dei file modificati: {e}");
            }
        }
    };
    let timeout = Duration::from_millis(25);
    let fail = |e: notify::Error| {
        format!(
            "non riesco a sorvegliare le modifiche di {}: {e}",
            root.display()
        )
    };
    if poll {
        let config = notify::Config::default().with_poll_interval(Duration::from_millis(300));
        let mut d = notify_debouncer_full::new_debouncer_opt::<_, notify::PollWatcher, _>(
            timeout,
            None,
            handler,
            notify_debouncer_full::RecommendedCache::new(),
            config,
        )
        .map_err(fail)?;
        d.watch(root, RecursiveMode::Recursive).map_err(fail)?;
        Ok(Box::new(d))
    } else {
        let mut d = notify_debouncer_full::new_debouncer(timeout, None, handler).map_err(fail)?;
        d.watch(root, RecursiveMode::Recursive).map_err(fail)?;
        Ok(Box::new(d))
    }
}

/// Applies batches of changes as they come; batches that arrived meanwhile are merged, so a
/// burst of saves costs one or two rebuilds.
fn rebuild_loop(mut session: Session, rx: mpsc::Receiver<Vec<PathBuf>>, shared: &Shared) {
    while let Ok(mut paths) = rx.recv() {
        // Saves in a burst (an editor writing a file in steps, a `git checkout`) come as
        // several batches: wait until they settle, but not for ever.
        let started = std::time::Instant::now();
        while let Ok(more) = rx.recv_timeout(SETTLE) {
            paths.extend(more);
            if started.elapsed() > Duration::from_secs(1) {
                break;
            }
        }
        paths.sort();
        paths.dedup();
        paths.retain(|p| !session.ignored(p));
        if paths.is_empty() {
            continue;
        }
        let o = session.update(&paths);
        if o.written == 0 && o.removed == 0 && o.errors() == 0 && !had_errors(shared) {
            session.collect_garbage();
            continue;
        }
        *shared.comuni.write().unwrap_or_else(|e| e.into_inner()) = session.comuni();
        report(&o, false, shared.timings);
        publish(shared, &o, true);
        session.collect_garbage();
    }
}

fn had_errors(shared: &Shared) -> bool {
    !shared
        .stato
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .errori
        .is_empty()
}

/// Records a rebuild's state and tells the pages.
fn publish(shared: &Shared, o: &Outcome, notify_pages: bool) {
    let errori: Vec<Errore> = o
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(errore)
        .collect();
    let failed = !errori.is_empty();
    {
        let mut s = shared.stato.write().unwrap_or_else(|e| e.into_inner());
        if !failed && (o.written > 0 || o.removed > 0) {
            s.versione += 1;
        }
        s.errori = errori;
        s.avvisi = o.diagnostics.len() - o.errors();
    }
    if notify_pages {
        let name = if failed {
            "errori"
        } else if o.css_only {
            "css"
        } else {
            "reload"
        };
        let _ = shared.tx.send((name, shared.stato_json()));
    }
}

fn errore(d: &Diagnostic) -> Errore {
    Errore {
        file: d.file.display().to_string(),
        riga: d.line,
        colonna: d.col,
        codice: d.code,
        messaggio: d.message.clone(),
        aiuto: d.hint.clone(),
    }
}

/// Prints a rebuild on the terminal: errors in full, warnings counted.
fn report(o: &Outcome, first: bool, timings: bool) {
    if timings {
        for line in o.timings.lines() {
            eprintln!("{line}");
        }
    }
    for d in o.diagnostics.iter().filter(|d| d.is_error()) {
        eprintln!("{}", d.render());
    }
    let warnings = o.diagnostics.len() - o.errors();
    let ms = o.elapsed.as_secs_f64() * 1000.0;
    if o.errors() > 0 {
        eprintln!(
            "{}: l'anteprima mostra l'ultima versione corretta finché non {} correggi",
            plurale::errori(o.errors()),
            if o.errors() == 1 { "lo" } else { "li" }
        );
    } else if first {
        eprintln!(
            "{} {} in {ms:.0} ms{}",
            if o.pages == 1 { "generata" } else { "generate" },
            plurale::pagine(o.pages),
            if warnings > 0 {
                format!(
                    " ({}: per i dettagli esegui `civico check`)",
                    plurale::avvisi(warnings)
                )
            } else {
                String::new()
            }
        );
    } else {
        eprintln!(
            "rigenerato in {ms:.0} ms: {} di nuovo, {} {}, {} {}",
            plurale::pagine(o.rendered),
            plurale::file(o.written),
            if o.written == 1 { "scritto" } else { "scritti" },
            plurale::file(o.removed),
            if o.removed == 1 { "rimosso" } else { "rimossi" }
        );
    }
}

/// Opens the default browser, if there is one.
fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    if let Err(e) = std::process::Command::new(cmd.0).args(&cmd.1).spawn() {
        eprintln!("non riesco ad aprire il browser ({e}): apri tu {url}");
    }
}
