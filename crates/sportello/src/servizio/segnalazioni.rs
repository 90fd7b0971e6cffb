//! The segnalazioni part of the API, for the pages of the comune's site:
//!
//! - `POST /api/v1/{comune}/segnalazioni`: a new segnalazione with its photos and documents
//!   (201 with the code; 422 with a message per field; 413 when the files are too big); an
//!   `Idempotency-Key` makes a retry return the first code;
//! - `POST /api/v1/{comune}/segnalazioni/consulta`: the state and history of one, by the
//!   token of the confirmation email;
//! - `GET  /api/v1/{comune}/segnalazioni/pubbliche`: the moderated public list and how many
//!   were solved in the last twelve months.
//!
//! Field checks run first; the proof of work is verified before any photo is decoded (so a
//! robot cannot make the service decode images for free), and at most two requests decode
//! photos at once.

use std::net::SocketAddr;
use std::sync::OnceLock;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Path as UrlPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Semaphore;

use super::super::richiesta::Corpo;
use super::{anti_abuso, blocca, chiave, errore, non_disponibile, risposta_di, troppe, S};
use crate::allegati;
use crate::registro::{gia_risposto, Fallito};
use crate::segnalazioni::{self as dominio, Nuova};
use civico_core::sportello::Segnalazioni;

/// The largest body of a new segnalazione: its files in base64 and the fields.
pub const MAX_CORPO: usize = allegati::MAX_FILE * allegati::MAX_BYTE * 4 / 3 + 64 * 1024;

/// Requests decoding photos at the same time: each may take a core and up to 256 MB.
fn turni() -> &'static Semaphore {
    static TURNI: OnceLock<Semaphore> = OnceLock::new();
    TURNI.get_or_init(|| Semaphore::new(2))
}

fn non_riceve() -> Response {
    errore(
        StatusCode::NOT_FOUND,
        "questo comune non riceve segnalazioni online: scrivi all'indirizzo email del Comune",
    )
}

/// The segnalazioni section of a comune served, if it takes them.
fn configurazione(s: &super::AppState, comune: &str) -> Option<Segnalazioni> {
    s.enti()
        .get(comune)
        .and_then(|e| e.sportello.segnalazioni.clone())
}

fn campi(errori: serde_json::Map<String, serde_json::Value>) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({ "errori": errori })),
    )
        .into_response()
}

fn in_corso() -> Response {
    errore(
        StatusCode::CONFLICT,
        "la stessa segnalazione è in corso di invio: attendi qualche secondo",
    )
}

fn troppo_grande() -> Response {
    errore(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!(
            "i file sono troppo grandi: al massimo {} file di {} MB ciascuno",
            allegati::MAX_FILE,
            allegati::MAX_BYTE / 1024 / 1024
        ),
    )
}

/// Refuses a request that declares a body over `MAX_CORPO` before reading any of it (a body
/// without a declared length is cut at the limit while it is read).
pub(super) async fn misura(req: Request, next: Next) -> Response {
    if super::super::richiesta::dichiarata(req.headers()).is_some_and(|n| n > MAX_CORPO as u64) {
        return troppo_grande();
    }
    next.run(req).await
}

/// A new segnalazione.
pub(super) async fn nuova(
    State(s): S,
    UrlPath(comune): UrlPath<String>,
    ConnectInfo(sock): ConnectInfo<SocketAddr>,
    h: HeaderMap,
    corpo: Result<Json<Nuova>, JsonRejection>,
) -> Response {
    let Some(cfg) = configurazione(&s, &comune) else {
        return non_riceve();
    };
    if !s.consenti(sock, &h, &comune) {
        return troppe();
    }
    let n = match corpo {
        Ok(Json(n)) => n,
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => return troppo_grande(),
        Err(r) => return super::super::richiesta::rifiuto(&r, MAX_CORPO),
    };
    let errori = dominio::controlla(&n, &cfg);
    if !errori.is_empty() {
        return campi(errori);
    }
    let k = match chiave(&h, None) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let cf = crate::area_personale::cittadino(&s, &comune, &h).await;
    let Ok(turno) = turni().acquire().await else {
        return non_disponibile();
    };
    let s2 = s.clone();
    let out = blocca(move || -> Result<Response, Fallito> {
        let _turno = turno;
        let enti = s2.enti();
        let Some(e) = enti.get(&comune) else {
            return Ok(non_riceve());
        };
        let mut c = s2.pool.prendi()?;
        // A retry of an answered request gets its code, whatever else changed since.
        if let Some(k) = &k {
            if let Some(codice) = gia_risposto(&mut c, &comune, &dominio::chiave_segnalazione(k))? {
                return Ok(if codice.is_empty() {
                    in_corso()
                } else {
                    creata(&codice, &n.email, None)
                });
            }
        }
        if let Err(resp) = anti_abuso(&s2, &mut c, &n.sito_web, n.altcha.as_deref()) {
            return Ok(resp);
        }
        // The connection goes back to the pool while the photos are decoded.
        drop(c);
        let file = match dominio::prepara_allegati(&n) {
            Ok(f) => f,
            Err(m) => {
                let mut e = serde_json::Map::new();
                e.insert("allegati".into(), m.into());
                return Ok(campi(e));
            }
        };
        let mut c = s2.pool.prendi()?;
        let email_ufficio = cfg.categoria(&n.categoria).and_then(|x| cfg.email_di(x));
        let tz = s2.tz;
        let r = dominio::registra(
            &mut c,
            &comune,
            &cfg,
            &n,
            &file,
            k.as_deref(),
            Utc::now(),
            |r, ufficio| {
                dominio::messaggi_nuova(r, &n, ufficio, email_ufficio, &e.nome, &e.sito, tz)
            },
        )?;
        if r.codice.is_empty() {
            return Ok(in_corso());
        }
        if let Some(cf) = &cf {
            crate::cittadini::collega(
                &mut c,
                crate::cittadini::Collegabile::Segnalazione,
                &comune,
                &r.codice,
                cf,
            )?;
        }
        s2.sveglia_postino();
        let entro = (!r.token.is_empty())
            .then(|| civico_core::date::data_lunga(r.scadenza.with_timezone(&tz).date_naive()));
        Ok(creata(&r.codice, &n.email, entro))
    })
    .await;
    risposta_di(out)
}

fn creata(codice: &str, email: &str, entro: Option<String>) -> Response {
    (
        StatusCode::CREATED,
        Json(json!({"codice": codice, "email": email.trim().to_lowercase(), "entro": entro})),
    )
        .into_response()
}

#[derive(Deserialize)]
pub(super) struct PerToken {
    #[serde(default)]
    token: String,
}

fn inesistente() -> Response {
    errore(
        StatusCode::NOT_FOUND,
        "segnalazione inesistente: controlla di aver aperto il link completo dell'email",
    )
}

/// The state and history of a segnalazione, for its reporter.
pub(super) async fn consulta(
    State(s): S,
    UrlPath(comune): UrlPath<String>,
    ConnectInfo(sock): ConnectInfo<SocketAddr>,
    h: HeaderMap,
    Corpo(t): Corpo<PerToken>,
) -> Response {
    if !s.enti().contains_key(&comune) {
        return errore(StatusCode::NOT_FOUND, "comune non servito");
    }
    if !s.consenti(sock, &h, &comune) {
        return troppe();
    }
    if t.token.len() != 32 {
        return inesistente();
    }
    let s2 = s.clone();
    let out = blocca(move || -> Result<Response, Fallito> {
        let mut c = s2.pool.prendi()?;
        let Some(x) = dominio::per_token(&mut c, &comune, &t.token)? else {
            return Ok(inesistente());
        };
        let passi = dominio::passi(&mut c, &comune, &x.codice)?;
        let file = dominio::file(&mut c, &comune, &x.codice)?;
        Ok(Json(json!({
            "codice": x.codice, "stato": x.stato, "stato_etichetta": dominio::etichetta(&x.stato),
            "categoria": x.categoria, "titolo": x.titolo, "dettagli": x.dettagli,
            "indirizzo": x.indirizzo, "lat": x.lat, "lon": x.lon, "ufficio": x.ufficio,
            "creata": x.creata, "scadenza": x.scadenza, "pubblica": x.pubblica,
            "file": file.iter().map(|f| &f.1).collect::<Vec<_>>(),
            "storia": dominio::passi_pubblici(&passi),
        }))
        .into_response())
    })
    .await;
    risposta_di(out)
}

/// The moderated public list and the figure of the last twelve months; cached for five minutes.
pub(super) async fn pubbliche(State(s): S, UrlPath(comune): UrlPath<String>) -> Response {
    let Some(cfg) = configurazione(&s, &comune) else {
        return non_riceve();
    };
    let s2 = s.clone();
    let ora = Utc::now();
    let out = blocca(move || -> Result<Response, Fallito> {
        let mut c = s2.pool.prendi()?;
        let (elenco, risolte) =
            dominio::pubbliche(&mut c, &comune, ora - Duration::days(365), 500)?;
        let mut r = Json(json!({
            "risolte_12_mesi": risolte,
            "categorie": cfg.categorie.iter().map(|c| &c.nome).collect::<Vec<_>>(),
            "segnalazioni": elenco,
        }))
        .into_response();
        r.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        );
        Ok(r)
    })
    .await;
    risposta_di(out)
}
