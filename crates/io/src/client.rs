//! IO's services API (`/api/v1`): the profile check and the message, over HTTPS with ureq.
//!
//! Fiscal codes only travel in request bodies (`POST /profiles`, `POST /messages`), never in
//! URLs. 429 and 5xx answers (IO publishes no quota and no Retry-After: they mean "slow down")
//! are retried after exponentially growing pauses, up to a limit.

use std::time::Duration;

use serde::Deserialize;

use super::messaggio::Contenuto;

/// IO's production endpoint.
pub const API_IO: &str = "https://api.io.pagopa.it/api/v1";

/// Whether a citizen can receive messages from a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profilo {
    /// `sender_allowed: true`.
    Abilitato,
    /// The citizen blocked this service.
    NonAbilitato,
    /// 404: no IO profile, or the inbox is disabled.
    NonTrovato,
    /// 403: a sandbox key and a recipient it may not reach, or a service not yet valid.
    Vietato,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Errore {
    /// 401: the service's key is wrong or revoked.
    ChiaveNonValida,
    /// IO refused the request for good (400, 403 on a message, ...): its reason.
    Rifiutato(String),
    /// Still 429 or 5xx (or unreachable) after every retry; nothing was accepted.
    Esaurito(String),
    /// The request may have reached IO but no answer came: it may have been sent.
    Incerto(String),
}

/// A client of IO's services API.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    /// Pause before the first retry; doubled at every further one.
    pub attesa: Duration,
    /// Retries after the first attempt.
    pub tentativi: u32,
}

#[derive(Deserialize)]
struct LimitedProfile {
    sender_allowed: bool,
}

#[derive(Deserialize)]
struct Creato {
    id: String,
}

#[derive(Deserialize, Default)]
struct ProblemJson {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
}

fn problema(status: u16, body: &str) -> String {
    let p: ProblemJson = serde_json::from_str(body).unwrap_or_default();
    let text = [p.title, p.detail]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(": ");
    if text.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status} {text}")
    }
}

impl Client {
    pub fn new(base: &str, attesa: Duration, tentativi: u32) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .user_agent(concat!("civico/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            agent,
            base: base.trim_end_matches('/').to_string(),
            attesa,
            tentativi,
        }
    }

    /// POSTs JSON; retries 429, 5xx and refused connections. `idempotent` requests are also
    /// retried after a lost answer; a message is not (it may have been delivered).
    fn post(
        &self,
        key: &str,
        path: &str,
        body: &serde_json::Value,
        idempotent: bool,
    ) -> Result<(u16, String), Errore> {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        let url = format!("{}{path}", self.base);
        let mut last = String::new();
        for attempt in 0..=self.tentativi {
            if attempt > 0 {
                let factor = 1u32 << (attempt - 1).min(16);
                std::thread::sleep((self.attesa * factor).min(Duration::from_secs(60)));
            }
            let sent = self
                .agent
                .post(&url)
                .header("Ocp-Apim-Subscription-Key", key)
                .header("Content-Type", "application/json")
                .send(&bytes[..]);
            match sent {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    let text = resp.body_mut().read_to_string().unwrap_or_default();
                    if status == 429 || status >= 500 {
                        last = problema(status, &text);
                        continue;
                    }
                    return Ok((status, text));
                }
                Err(e) => {
                    let before_sending = matches!(
                        e,
                        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound
                    ) || matches!(&e, ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused);
                    if !before_sending && !idempotent {
                        return Err(Errore::Incerto(e.to_string()));
                    }
                    last = e.to_string();
                }
            }
        }
        Err(Errore::Esaurito(last))
    }

    /// Whether the citizen can receive messages from the service of `key`.
    pub fn profilo(&self, key: &str, codice_fiscale: &str) -> Result<Profilo, Errore> {
        let body = serde_json::json!({ "fiscal_code": codice_fiscale });
        let (status, text) = self.post(key, "/profiles", &body, true)?;
        match status {
            200 => match serde_json::from_str::<LimitedProfile>(&text) {
                Ok(p) if p.sender_allowed => Ok(Profilo::Abilitato),
                Ok(_) => Ok(Profilo::NonAbilitato),
                Err(e) => Err(Errore::Rifiutato(format!("risposta non valida: {e}"))),
            },
            404 => Ok(Profilo::NonTrovato),
            403 => Ok(Profilo::Vietato),
            401 => Err(Errore::ChiaveNonValida),
            s => Err(Errore::Rifiutato(problema(s, &text))),
        }
    }

    /// Sends one message; returns IO's message id.
    pub fn invia(
        &self,
        key: &str,
        codice_fiscale: &str,
        contenuto: &Contenuto,
    ) -> Result<String, Errore> {
        let body = serde_json::json!({ "fiscal_code": codice_fiscale, "content": contenuto });
        let (status, text) = self.post(key, "/messages", &body, false)?;
        match status {
            201 | 200 => serde_json::from_str::<Creato>(&text)
                .map(|c| c.id)
                .map_err(|e| Errore::Incerto(format!("accettato, ma senza id: {e}"))),
            401 => Err(Errore::ChiaveNonValida),
            s => Err(Errore::Rifiutato(problema(s, &text))),
        }
    }
}
