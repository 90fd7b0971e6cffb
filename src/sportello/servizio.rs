//! The HTTP API the booking pages of the comuni's sites call (JSON, cross-origin, no cookies).
//! One process serves every comune of the network; each request names its comune, and a
//! browser request is accepted only from that comune's own site (CORS allow-list built from
//! its `base_url`). Nothing personal is logged.
//!
//! - `GET  /api/v1/{comune}/sportelli`: offices, reasons, slot length;
//! - `GET  /api/v1/{comune}/sportelli/{id}/disponibilita`: the slots one may book now;
//! - `POST /api/v1/{comune}/prenotazioni`: books (201 with code and token; 422 with a message
//!   per field; 409 when the slot is full or the person holds too many bookings);
//! - `POST /api/v1/{comune}/prenotazioni/annulla`: cancels by token.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path as UrlPath, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::agenda;
use super::config::Sportello;
use super::registro::{Registro, Rifiuto};

/// A comune served: its booking setup and the origin of its site.
struct Ente {
    sportello: Sportello,
    origine: String,
}

struct Servizio {
    enti: HashMap<String, Ente>,
    db: PathBuf,
    tz: chrono_tz::Tz,
}

/// Loads `sportello.yaml` of every comune under `root` that has one. Comuni without an
/// informativa are refused (booking stays off until it is configured).
fn carica(root: &Path) -> Result<HashMap<String, Ente>, String> {
    let rete = crate::config::load_rete(root).map_err(|d| d.render())?;
    let diags = crate::diagnostics::Diagnostics::new();
    let comuni = crate::config::load_comuni(root, &rete, &[], &diags);
    let mut out = HashMap::new();
    for c in comuni {
        let file = c.dir.join("sportello.yaml");
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let s = super::config::parse(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        if !s.informativa.starts_with("https://") {
            return Err(format!(
                "{}: informativa must be the https:// address of the comune's privacy notice",
                file.display()
            ));
        }
        let origine = url::Url::parse(&c.base_url)
            .map(|u| u.origin().ascii_serialization())
            .map_err(|e| format!("{}: base_url: {e}", c.slug))?;
        out.insert(
            c.slug.clone(),
            Ente {
                sportello: s,
                origine,
            },
        );
    }
    Ok(out)
}

fn errore(status: StatusCode, messaggio: &str) -> Response {
    (status, Json(json!({ "errore": messaggio }))).into_response()
}

fn ente<'a>(s: &'a Servizio, comune: &str) -> Result<&'a Ente, Response> {
    s.enti
        .get(comune)
        .ok_or_else(|| errore(StatusCode::NOT_FOUND, "comune non servito"))
}

async fn sportelli(State(s): State<Arc<Servizio>>, UrlPath(comune): UrlPath<String>) -> Response {
    let e = match ente(&s, &comune) {
        Ok(e) => e,
        Err(r) => return r,
    };
    let list: Vec<_> = e
        .sportello
        .sportelli
        .iter()
        .map(|u| {
            json!({
                "id": u.id, "nome": u.nome, "ufficio": u.ufficio, "durata": u.durata,
                "motivi": u.motivi.iter().map(|m| json!({"nome": m.nome, "cosa_serve": m.cosa_serve})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(json!({ "sportelli": list, "informativa": e.sportello.informativa })).into_response()
}

fn etichetta(t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    let local = t.with_timezone(&tz);
    format!(
        "{} ore {}",
        crate::render::filters::data_lunga(local.date_naive()),
        local.format("%H:%M")
    )
}

async fn disponibilita(
    State(s): State<Arc<Servizio>>,
    UrlPath((comune, id)): UrlPath<(String, String)>,
) -> Response {
    let e = match ente(&s, &comune) {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some(u) = e.sportello.sportelli.iter().find(|u| u.id == id) else {
        return errore(StatusCode::NOT_FOUND, "sportello inesistente");
    };
    let slots: Vec<_> = agenda::slots(&e.sportello, u, s.tz, Utc::now())
        .into_iter()
        .map(
            |x| json!({"inizio": x.inizio, "fine": x.fine, "etichetta": etichetta(x.inizio, s.tz)}),
        )
        .collect();
    Json(json!({ "sportello": u.id, "slot": slots })).into_response()
}

#[derive(Deserialize)]
struct Richiesta {
    sportello: String,
    inizio: String,
    nome: String,
    cognome: String,
    email: String,
    #[serde(default)]
    motivo: Option<String>,
    #[serde(default)]
    dettagli: String,
}

async fn prenota(
    State(s): State<Arc<Servizio>>,
    UrlPath(comune): UrlPath<String>,
    Json(r): Json<Richiesta>,
) -> Response {
    let e = match ente(&s, &comune) {
        Ok(e) => e,
        Err(r) => return r,
    };
    let mut errori = serde_json::Map::new();
    let u = e.sportello.sportelli.iter().find(|u| u.id == r.sportello);
    if u.is_none() {
        errori.insert(
            "sportello".into(),
            json!("scegli uno degli uffici proposti"),
        );
    }
    for (campo, v) in [("nome", &r.nome), ("cognome", &r.cognome)] {
        if v.trim().is_empty() || v.chars().count() > 100 {
            errori.insert(
                campo.into(),
                json!("campo obbligatorio (al massimo 100 caratteri)"),
            );
        }
    }
    let email = r.email.trim();
    let email_ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(a, b)| {
            !a.is_empty() && b.contains('.') && !b.starts_with('.') && !b.ends_with('.')
        })
        && !email.contains(char::is_whitespace);
    if !email_ok {
        errori.insert("email".into(), json!("indirizzo email non valido"));
    }
    if r.dettagli.chars().count() > 200 {
        errori.insert("dettagli".into(), json!("al massimo 200 caratteri"));
    }
    if let (Some(u), Some(m)) = (u, &r.motivo) {
        if !u.motivi.is_empty() && !u.motivi.iter().any(|x| &x.nome == m) {
            errori.insert("motivo".into(), json!("scegli uno dei motivi proposti"));
        }
    }
    let inizio: Option<DateTime<Utc>> = r.inizio.parse().ok();
    let slot = match (u, inizio) {
        (Some(u), Some(t)) => agenda::offerto(&e.sportello, u, s.tz, Utc::now(), t),
        _ => None,
    };
    if slot.is_none() {
        errori.insert(
            "inizio".into(),
            json!("l'orario scelto non è disponibile: scegline uno tra quelli proposti"),
        );
    }
    let (Some(u), Some(slot)) = (u, slot) else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "errori": errori })),
        )
            .into_response();
    };
    if !errori.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "errori": errori })),
        )
            .into_response();
    }
    let (db, comune2, id, cap, limite, email) = (
        s.db.clone(),
        comune.clone(),
        u.id.clone(),
        u.capienza,
        e.sportello.limite_per_persona,
        email.to_string(),
    );
    let res = tokio::task::spawn_blocking(move || {
        let mut reg = Registro::apri(&db)?;
        reg.prenota(&comune2, &id, slot.inizio, cap, &email, limite)
    })
    .await;
    match res {
        Ok(Ok(Ok(p))) => (
            StatusCode::CREATED,
            Json(json!({
                "codice": p.codice, "token": p.token, "inizio": slot.inizio, "fine": slot.fine,
                "etichetta": etichetta(slot.inizio, s.tz), "sportello": u.nome,
            })),
        )
            .into_response(),
        Ok(Ok(Err(Rifiuto::Pieno))) => errore(
            StatusCode::CONFLICT,
            "l'orario è appena stato prenotato da un'altra persona: scegline un altro",
        ),
        Ok(Ok(Err(Rifiuto::Limite))) => errore(
            StatusCode::CONFLICT,
            "hai già il numero massimo di appuntamenti presso questo ufficio",
        ),
        _ => errore(
            StatusCode::SERVICE_UNAVAILABLE,
            "servizio momentaneamente non disponibile: riprova tra poco o telefona all'ufficio",
        ),
    }
}

#[derive(Deserialize)]
struct Annullamento {
    token: String,
}

async fn annulla(
    State(s): State<Arc<Servizio>>,
    UrlPath(comune): UrlPath<String>,
    Json(a): Json<Annullamento>,
) -> Response {
    if let Err(r) = ente(&s, &comune) {
        return r;
    }
    let db = s.db.clone();
    let res =
        tokio::task::spawn_blocking(move || Registro::apri(&db)?.annulla(&comune, &a.token)).await;
    match res {
        Ok(Ok(true)) => Json(json!({ "annullata": true })).into_response(),
        Ok(Ok(false)) => errore(
            StatusCode::NOT_FOUND,
            "prenotazione inesistente o già annullata",
        ),
        _ => errore(
            StatusCode::SERVICE_UNAVAILABLE,
            "servizio momentaneamente non disponibile",
        ),
    }
}

/// The routes, with CORS limited per comune to the origin of its own site.
fn router(s: Arc<Servizio>) -> Router {
    let origini: HashMap<String, String> = s
        .enti
        .iter()
        .map(|(k, e)| (k.clone(), e.origine.clone()))
        .collect();
    let cors = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([axum::http::header::CONTENT_TYPE])
        .allow_origin(AllowOrigin::predicate(
            move |origin: &HeaderValue, parts| {
                let comune = parts.uri.path().split('/').nth(3).unwrap_or("");
                origini
                    .get(comune)
                    .is_some_and(|o| origin.as_bytes() == o.as_bytes())
            },
        ));
    Router::new()
        .route("/api/v1/{comune}/sportelli", get(sportelli))
        .route(
            "/api/v1/{comune}/sportelli/{id}/disponibilita",
            get(disponibilita),
        )
        .route("/api/v1/{comune}/prenotazioni", post(prenota))
        .route("/api/v1/{comune}/prenotazioni/annulla", post(annulla))
        .layer(cors)
        .layer(DefaultBodyLimit::max(16 * 1024))
        .with_state(s)
}

/// Runs the service until interrupted.
pub fn run(root: &Path, db: &Path, bind: IpAddr, port: u16) -> Result<(), String> {
    let enti = carica(root)?;
    if enti.is_empty() {
        return Err("no comune has a sportello.yaml".into());
    }
    Registro::apri(db).map_err(|e| format!("cannot open {}: {e}", db.display()))?;
    let s = Arc::new(Servizio {
        enti,
        db: db.to_path_buf(),
        tz: chrono_tz::Europe::Rome,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(bind, port))
            .await
            .map_err(|e| format!("cannot listen on {bind}:{port}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        {
            use std::io::Write as _;
            let mut o = std::io::stdout().lock();
            let _ = writeln!(
                o,
                "sportello listening on http://{addr}/ for {} comuni",
                s.enti.len()
            );
            let _ = o.flush();
        }
        axum::serve(listener, router(s))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| format!("server error: {e}"))
    })
}
