//! What the service accepts of a request before a handler sees it: a body whose declared size
//! is over the route's limit gets a 413 before any of it is read, and a JSON body that cannot
//! be read gets an Italian JSON error like every other error (never axum's English text). Also
//! what every page handler reads of a request: a cookie, and whether a form post comes from the
//! service's own pages.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Json;

use super::servizio::errore;

/// Bodies of every route but the segnalazioni (their photos have their own limit).
pub const MAX_CORPO: usize = 16 * 1024;

/// The limit of the route at `path`; `None` for a new segnalazione, whose route measures its
/// body itself (with a message about its files).
fn limite(path: &str) -> Option<usize> {
    let segnalazione = path.starts_with("/api/") && path.ends_with("/segnalazioni");
    let pratica_operatore =
        path.starts_with("/operatori/") && path.ends_with("/azione") && path.contains("/pratiche/");
    if pratica_operatore
        || (path.starts_with("/area-personale/")
            && (path.contains("/istanze/") || path.ends_with("/integrazione")))
    {
        return Some(MAX_ISTANZA);
    }
    (!segnalazione).then_some(MAX_CORPO)
}

/// The body of an istanza sent with its form: three files at most and the fields.
pub const MAX_ISTANZA: usize = 3 * crate::allegati::MAX_BYTE + 64 * 1024;

/// The declared length of a body: `u64::MAX` when the header is not a number.
pub fn dichiarata(h: &axum::http::HeaderMap) -> Option<u64> {
    h.get(header::CONTENT_LENGTH).map(|v| {
        v.to_str()
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(u64::MAX)
    })
}

/// 413 when `Content-Length` says the body is over the route's limit, before reading it.
pub async fn misura(req: Request, next: Next) -> Response {
    if let Some(max) = limite(req.uri().path()) {
        if dichiarata(req.headers()).is_some_and(|n| n > max as u64) {
            return troppo_grande(max);
        }
    }
    next.run(req).await
}

/// The 413 answer, with the limit in words.
pub fn troppo_grande(max: usize) -> Response {
    let mb = max / (1024 * 1024);
    let quanto = if mb >= 1 {
        format!("{mb} MB")
    } else {
        format!("{} KB", max / 1024)
    };
    errore(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("richiesta troppo grande: il massimo è {quanto}"),
    )
}

/// A JSON body, or the Italian error that says why it cannot be read.
pub struct Corpo<T>(pub T);

impl<T, S> FromRequest<S> for Corpo<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let max = limite(req.uri().path()).unwrap_or(MAX_CORPO);
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Corpo(v)),
            Err(r) => Err(rifiuto(&r, max)),
        }
    }
}

/// The Italian error of a body that could not be read.
pub fn rifiuto(r: &JsonRejection, max: usize) -> Response {
    match r {
        JsonRejection::MissingJsonContentType(_) => errore(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "la richiesta deve essere in formato JSON (Content-Type: application/json)",
        ),
        JsonRejection::JsonSyntaxError(_) => {
            errore(StatusCode::BAD_REQUEST, "la richiesta non è un JSON valido")
        }
        JsonRejection::JsonDataError(e) => errore(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("dati della richiesta non validi: {}", campo(&e.body_text())),
        ),
        _ if r.status() == StatusCode::PAYLOAD_TOO_LARGE => troppo_grande(max),
        _ => errore(StatusCode::BAD_REQUEST, "richiesta non leggibile"),
    }
}

/// serde's English reason, said in Italian: which field is missing or of the wrong type.
fn campo(testo: &str) -> String {
    let nome = testo
        .split('`')
        .nth(1)
        .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    match nome {
        Some(n) if testo.contains("missing field") => format!("manca il campo `{n}`"),
        Some(n) if testo.contains("unknown field") => format!("campo sconosciuto `{n}`"),
        _ => "un campo manca o ha un valore del tipo sbagliato".to_string(),
    }
}

/// The value of cookie `nome` of a request.
pub fn cookie(h: &axum::http::HeaderMap, nome: &str) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == nome)
        .map(|(_, v)| v.to_string())
}

/// A form post must come from this service's own pages (Fetch Metadata, then Origin vs Host).
pub fn stessa_origine(h: &axum::http::HeaderMap) -> bool {
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin";
    }
    match (
        h.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        h.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some(o), Some(host)) => o.split_once("://").is_some_and(|(_, rest)| rest == host),
        // No Origin (old clients, curl): the CSRF token or the SameSite cookie still guards.
        (None, _) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_reasons_become_italian() {
        assert_eq!(
            campo("Failed to deserialize the JSON body into the target type: missing field `nome` at line 1 column 2"),
            "manca il campo `nome`"
        );
        assert_eq!(
            campo("invalid type: integer `3`, expected a string at line 1 column 9"),
            "un campo manca o ha un valore del tipo sbagliato"
        );
    }

    #[test]
    fn limits_are_per_route() {
        assert_eq!(limite("/api/v1/x/prenotazioni"), Some(MAX_CORPO));
        assert_eq!(limite("/api/v1/x/segnalazioni"), None);
        assert_eq!(limite("/api/v1/x/segnalazioni/consulta"), Some(MAX_CORPO));
    }
}
