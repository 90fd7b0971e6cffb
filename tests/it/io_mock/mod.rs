//! A loopback mock of App IO's services API (`/api/v1`), written from its public OpenAPI
//! (io-functions-services, v4.1.1): `POST /profiles` and `POST /messages` with the fiscal code
//! in the body, the subscription-key header, 401/403/404 and `sender_allowed`, 400 ProblemJson
//! on invalid lengths and patterns, 201 with a ULID-shaped id and a `Location` header. Switches:
//! answer 429 to every Nth call, or to all calls; delay the answer to messages. Every call is
//! recorded for assertions.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

/// What the profile of a fiscal code answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profilo {
    Abilitato,
    NonAbilitato,
    NonTrovato,
    Vietato,
}

/// One request received.
#[derive(Debug, Clone)]
pub struct Chiamata {
    pub quando: Instant,
    pub percorso: String,
    pub chiave: String,
    pub corpo: Value,
    pub stato: u16,
}

#[derive(Default)]
pub struct Config {
    pub profili: HashMap<String, Profilo>,
    pub chiavi: HashSet<String>,
    /// Answer 429 to every Nth call (0 = never).
    pub ogni_429: usize,
    /// Answer 429 to every call.
    pub sempre_429: bool,
    /// Wait this long before answering a message (after recording it as received).
    pub ritardo_messaggi: Duration,
    /// Subjects longer than this are refused with 400 (IO's limit is 120).
    pub oggetto_max: usize,
}

#[derive(Default)]
pub struct Stato {
    pub config: Config,
    pub chiamate: Vec<Chiamata>,
    contatore: usize,
    messaggi: usize,
}

pub struct Mock {
    pub url: String,
    pub stato: Arc<Mutex<Stato>>,
    _runtime: tokio::runtime::Runtime,
}

impl Mock {
    pub fn avvia(config: Config) -> Mock {
        let stato = Arc::new(Mutex::new(Stato {
            config,
            ..Stato::default()
        }));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let app = Router::new()
            .route("/api/v1/profiles", post(profilo))
            .route("/api/v1/messages", post(messaggio))
            .with_state(stato.clone());
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Mock {
            url: format!("http://{addr}/api/v1"),
            stato,
            _runtime: runtime,
        }
    }

    pub fn chiamate(&self) -> Vec<Chiamata> {
        self.stato.lock().unwrap().chiamate.clone()
    }

    /// The messages IO accepted (201).
    pub fn messaggi(&self) -> Vec<Chiamata> {
        self.chiamate()
            .into_iter()
            .filter(|c| c.percorso == "/messages" && c.stato == 201)
            .collect()
    }

    pub fn config(&self, f: impl FnOnce(&mut Config)) {
        f(&mut self.stato.lock().unwrap().config);
    }
}

fn problema(status: StatusCode, detail: &str) -> Response {
    (
        status,
        [("content-type", "application/problem+json")],
        Json(json!({"type": "about:blank", "title": status.canonical_reason(), "status": status.as_u16(), "detail": detail})),
    )
        .into_response()
}

fn cf_valido(cf: &str) -> bool {
    let b = cf.as_bytes();
    let omo = |c: u8| c.is_ascii_digit() || b"LMNPQRSTUV".contains(&c);
    b.len() == 16
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && omo(b[6])
        && omo(b[7])
        && b"ABCDEHLMPRST".contains(&b[8])
        && omo(b[9])
        && omo(b[10])
        && b[11].is_ascii_uppercase()
        && b[12..15].iter().all(|&c| omo(c))
        && b[15].is_ascii_uppercase()
}

/// Records the call; answers 401 or 429 when due. Returns the answer if one was decided.
fn ingresso(
    s: &Arc<Mutex<Stato>>,
    percorso: &str,
    headers: &HeaderMap,
    corpo: &Value,
) -> (usize, Option<Response>) {
    let mut st = s.lock().unwrap();
    st.contatore += 1;
    let n = st.contatore;
    let chiave = headers
        .get("Ocp-Apim-Subscription-Key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let (stato, risposta) = if st.config.sempre_429
        || (st.config.ogni_429 > 0 && n.is_multiple_of(st.config.ogni_429))
    {
        (429, Some(StatusCode::TOO_MANY_REQUESTS.into_response()))
    } else if !st.config.chiavi.contains(&chiave) {
        (
            401,
            Some(problema(StatusCode::UNAUTHORIZED, "Access denied")),
        )
    } else {
        (0, None)
    };
    st.chiamate.push(Chiamata {
        quando: Instant::now(),
        percorso: percorso.into(),
        chiave,
        corpo: corpo.clone(),
        stato,
    });
    (st.chiamate.len() - 1, risposta)
}

fn esito(s: &Arc<Mutex<Stato>>, i: usize, stato: u16) {
    s.lock().unwrap().chiamate[i].stato = stato;
}

async fn profilo(
    State(s): State<Arc<Mutex<Stato>>>,
    headers: HeaderMap,
    Json(corpo): Json<Value>,
) -> Response {
    let (i, r) = ingresso(&s, "/profiles", &headers, &corpo);
    if let Some(r) = r {
        return r;
    }
    let cf = corpo["fiscal_code"].as_str().unwrap_or("").to_string();
    if !cf_valido(&cf) {
        esito(&s, i, 400);
        return problema(
            StatusCode::BAD_REQUEST,
            "fiscal_code is not a valid FiscalCode",
        );
    }
    let p = s.lock().unwrap().config.profili.get(&cf).copied();
    let (stato, r) = match p {
        Some(Profilo::Abilitato) => (
            200,
            Json(json!({"sender_allowed": true, "preferred_languages": ["it_IT"]})).into_response(),
        ),
        Some(Profilo::NonAbilitato) => {
            (200, Json(json!({"sender_allowed": false})).into_response())
        }
        Some(Profilo::Vietato) => (
            403,
            problema(
                StatusCode::FORBIDDEN,
                "Recipient not authorized for this service",
            ),
        ),
        Some(Profilo::NonTrovato) | None => (
            404,
            problema(StatusCode::NOT_FOUND, "Profile not found or inbox disabled"),
        ),
    };
    esito(&s, i, stato);
    r
}

async fn messaggio(
    State(s): State<Arc<Mutex<Stato>>>,
    headers: HeaderMap,
    Json(corpo): Json<Value>,
) -> Response {
    let (i, r) = ingresso(&s, "/messages", &headers, &corpo);
    if let Some(r) = r {
        return r;
    }
    let cf = corpo["fiscal_code"].as_str().unwrap_or("");
    let subject = corpo["content"]["subject"].as_str().unwrap_or("");
    let markdown = corpo["content"]["markdown"].as_str().unwrap_or("");
    let oggetto_max = {
        let st = s.lock().unwrap();
        if st.config.oggetto_max == 0 {
            120
        } else {
            st.config.oggetto_max
        }
    };
    let due_ok = corpo["content"].get("due_date").is_none_or(|d| {
        d.as_str()
            .is_some_and(|d| chrono::DateTime::parse_from_rfc3339(d).is_ok())
    });
    let errore = if !cf_valido(cf) {
        Some("fiscal_code is not a valid FiscalCode")
    } else if !(10..=oggetto_max).contains(&subject.chars().count()) {
        Some("content.subject must be 10-120 characters")
    } else if !(80..=10_000).contains(&markdown.chars().count()) {
        Some("content.markdown must be 80-10000 characters")
    } else if !due_ok {
        Some("content.due_date is not a valid date-time")
    } else {
        None
    };
    if let Some(e) = errore {
        esito(&s, i, 400);
        return problema(StatusCode::BAD_REQUEST, e);
    }
    let (n, ritardo) = {
        let mut st = s.lock().unwrap();
        st.messaggi += 1;
        (st.messaggi, st.config.ritardo_messaggi)
    };
    esito(&s, i, 201);
    if !ritardo.is_zero() {
        tokio::time::sleep(ritardo).await;
    }
    let id = format!("01J{n:0>23}");
    (
        StatusCode::CREATED,
        [("location", format!("/api/v1/messages/{id}"))],
        Json(json!({ "id": id })),
    )
        .into_response()
}
