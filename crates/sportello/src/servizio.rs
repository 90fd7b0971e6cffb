//! The HTTP API the booking pages of the comuni's sites call (JSON, cross-origin, no cookies),
//! and the process around it: configuration loaded from the content root and reloaded when it
//! changes, the mail carrier thread, the periodic jobs (expired holds, reminders, retention).
//! One process serves every comune of the network; each request names its comune, and a
//! browser request is accepted only from that comune's own site (CORS allow-list built from
//! its `base_url`). Nothing personal is logged.
//!
//! - `GET  /api/v1/{comune}/sportelli`: offices, reasons, what to bring, the informativa;
//! - `GET  /api/v1/{comune}/sportelli/{id}/disponibilita`: the slots with a free seat now;
//! - `GET  /api/v1/{comune}/sfida`: a proof-of-work challenge (ALTCHA);
//! - `POST /api/v1/{comune}/trattenute`: holds a seat for a few minutes (needs a solved
//!   challenge);
//! - `POST /api/v1/{comune}/prenotazioni`: books from a hold, or directly with a solved
//!   challenge (201; 422 with a message per field; 409 when full or over the per-person limit;
//!   an `Idempotency-Key` makes retries safe);
//! - `POST /api/v1/{comune}/prenotazioni/{consulta,annulla,sposta}`: by token;
//! - `POST /api/v1/{comune}/valutazioni`, `POST /api/v1/{comune}/assistenza`;
//! - the segnalazioni routes (`segnalazioni` below).

pub(super) mod segnalazioni;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::SystemTime;

use axum::extract::{ConnectInfo, DefaultBodyLimit, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::agenda;
use super::db::{Dove, Pool};
use super::limiti::{Limiti, Soglie};
use super::posta::{self, Contesto, Postino};
use super::registro::{self, Composto, Dati, Fallito, Origine, Posto, Prenotato, Rifiuto};
use super::richiesta::Corpo;
use super::sfida::Sfide;
use civico_core::plurale::conta;
use civico_core::sportello::{email_valida, Sportello, Ufficio};

/// A comune served: its booking setup and its site.
#[derive(Clone)]
pub struct Ente {
    pub nome: String,
    pub sportello: Arc<Sportello>,
    /// The origin of its site (`https://www.comune.x.it`), for CORS.
    pub origine: String,
    /// Its site's base URL without trailing slash, for links in messages.
    pub sito: String,
    /// Its PEC address, for those who apply without SPID or CIE.
    pub pec: String,
    /// Its code in the IPA index (for the segnatura of pratiche).
    pub codice_ipa: String,
    /// This service's public address for the comune (`servizi_online.sportello` of its
    /// comune.yaml), without trailing slash: the gateway returns there.
    pub pubblico: Option<String>,
    /// The name of the secret with the key of its App IO service for pratiche.
    pub io_pratiche: Option<String>,
    /// The schede servizio that take istanze online, with their forms.
    pub servizi_online: Arc<Vec<civico_core::modulo::ServizioOnline>>,
}

impl Ente {
    pub fn ufficio(&self, id: &str) -> Option<&Ufficio> {
        self.sportello.sportelli.iter().find(|u| u.id == id)
    }
    pub fn contesto<'a>(
        &'a self,
        u: &'a Ufficio,
        motivo: Option<&str>,
        tz: chrono_tz::Tz,
    ) -> Contesto<'a> {
        let cosa_serve = motivo
            .and_then(|m| u.motivi.iter().find(|x| x.nome == m))
            .and_then(|m| m.cosa_serve.as_deref());
        Contesto {
            comune: &self.nome,
            sito: &self.sito,
            sportello: &u.nome,
            indirizzo: u.indirizzo.as_deref(),
            cosa_serve,
            tz,
        }
    }
}

pub type Enti = HashMap<String, Ente>;

/// Options of the service (from the command line).
#[derive(Debug, Clone)]
pub struct Opzioni {
    pub root: PathBuf,
    pub db: Dove,
    pub bind: IpAddr,
    pub port: u16,
    /// SMTP URL; without it messages wait in the queue.
    pub smtp: Option<String>,
    /// Default sender of messages.
    pub mittente: String,
    /// HMAC secret of the challenges (random at each start when not given).
    pub segreto: Option<String>,
    pub costo_sfida: u32,
    pub prefisso_sfida: String,
    pub soglie: Soglie,
    /// Believe `X-Forwarded-For` (only behind a reverse proxy that sets it).
    pub trust_proxy: bool,
    /// The proxies in front of the service, skipped in `X-Forwarded-For` (empty: the peer is
    /// the one proxy).
    pub proxy_fidati: Vec<ipnet::IpNet>,
    /// Operators' login attempts per minute from one client.
    pub accessi_per_ip: u32,
    /// Extra allowed origins (e.g. the preview of `civico serve`).
    pub origini_extra: Vec<String>,
    /// Operators file (YAML, outside the repository).
    pub operatori: Option<PathBuf>,
    /// Seconds between two runs of the jobs.
    pub ogni_secondi: u64,
    /// How long a client may take to send headers and each part of a body.
    pub tempi: super::connessioni::Tempi,
    /// App IO's services API (its public address; a mock in tests).
    pub io_api: String,
}

/// The state every handler shares.
pub struct AppState {
    enti: RwLock<Arc<Enti>>,
    pub pool: Pool,
    pub tz: chrono_tz::Tz,
    sfide: Sfide,
    limiti: Limiti,
    /// Operators' logins, apart from citizens' traffic.
    pub accessi: super::limiti::Accessi,
    trust_proxy: bool,
    proxy_fidati: Vec<ipnet::IpNet>,
    /// The service listens on a loopback address only (a local trial, or behind a proxy).
    locale: bool,
    tempi: super::connessioni::Tempi,
    origini_extra: Vec<String>,
    pub operatori: RwLock<Arc<super::operatori::Operatori>>,
    /// The identity gateways' metadata.
    pub gateway: super::identita::Gateway,
    /// The App IO client, for the messages about pratiche.
    pub io: civico_io::client::Client,
    /// Wakes the mail carrier.
    sveglia: (Mutex<bool>, Condvar),
}

impl AppState {
    pub fn enti(&self) -> Arc<Enti> {
        self.enti.read().map(|e| e.clone()).unwrap_or_default()
    }
    pub fn sveglia_postino(&self) {
        let (m, c) = &self.sveglia;
        if let Ok(mut g) = m.lock() {
            *g = true;
            c.notify_one();
        }
    }
    /// The client's address: the socket's, or the proxy's report when trusted.
    pub fn ip(&self, sock: SocketAddr, h: &HeaderMap) -> IpAddr {
        if !self.trust_proxy {
            return sock.ip();
        }
        let voci: Vec<&str> = h
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        super::limiti::indirizzo_cliente(sock.ip(), &voci, &self.proxy_fidati)
    }
    /// Whether connections from `ip` come through a trusted proxy.
    pub fn proxy_fidato(&self, ip: IpAddr) -> bool {
        self.trust_proxy && super::limiti::peer_fidato(ip, &self.proxy_fidati)
    }
    /// Whether cookies must be `Secure`: always, unless the service is only reachable on
    /// loopback without a proxy, or the proxy says the request came over https.
    pub fn cookie_sicuro(&self, h: &HeaderMap) -> bool {
        !self.locale
            || self.trust_proxy
            || h.get("x-forwarded-proto")
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
    }
    pub fn consenti(&self, sock: SocketAddr, h: &HeaderMap, comune: &str) -> bool {
        self.limiti.consenti(self.ip(sock, h), comune)
    }
}

/// Loads `sportello.yaml` of every comune under `root` that has one. A comune whose file is
/// wrong stops the start (with its path and the reason), so a typo never silently closes
/// booking.
pub fn carica(root: &Path) -> Result<Enti, String> {
    let rete = civico_core::config::load_rete(root).map_err(|d| d.render())?;
    let diags = civico_core::diagnostics::Diagnostics::new();
    // The same reading as the site build: sportello.yaml is parsed there, once, and its errors
    // carry file, line and column.
    let comuni = civico_core::config::load_comuni(root, &rete, &[], &diags);
    if diags.has_errors() {
        return Err(diags
            .into_sorted()
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.render())
            .collect::<Vec<_>>()
            .join("\n"));
    }
    let mut out = HashMap::new();
    for c in comuni {
        let Some(sportello) = c.sportello.clone() else {
            continue;
        };
        let origine = url::Url::parse(&c.base_url)
            .map_err(|e| format!("{}: base_url: {e}", c.slug))?
            .origin()
            .ascii_serialization();
        let (servizi_online, errori) = civico_core::modulo::servizi_online(&c.dir);
        for e in errori {
            eprintln!("sportello: {e}");
        }
        out.insert(
            c.slug.clone(),
            Ente {
                nome: c.config.nome.clone(),
                sportello,
                origine,
                sito: c.base_url.trim_end_matches('/').to_string(),
                pec: c.config.pec.value.clone(),
                codice_ipa: c.config.codice_ipa.clone(),
                io_pratiche: c
                    .config
                    .app_io
                    .as_ref()
                    .and_then(|a| a.pratiche.as_ref())
                    .map(|s| s.value.clone()),
                pubblico: c
                    .config
                    .servizi_online
                    .sportello
                    .as_ref()
                    .map(|h| h.to_string().trim_end_matches('/').to_string()),
                servizi_online: Arc::new(servizi_online),
            },
        );
    }
    Ok(out)
}

/// The modification times of what `carica` reads, to notice changes.
fn impronta(root: &Path) -> Vec<(PathBuf, Option<SystemTime>, u64)> {
    let mut v: Vec<_> = walkdir::WalkDir::new(root)
        .max_depth(4)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name();
            let scheda = e.depth() == 4
                && e.path().parent().is_some_and(|p| p.ends_with("servizi"))
                && e.path().extension().is_some_and(|x| x == "md");
            scheda || n == "sportello.yaml" || n == "comune.yaml" || n == "civico.yaml"
        })
        .map(|e| {
            let m = e.metadata().ok();
            let t = m.as_ref().and_then(|m| m.modified().ok());
            (e.into_path(), t, m.map_or(0, |m| m.len()))
        })
        .collect();
    v.sort();
    v
}

/// A stored file for the browser: downloaded (or shown, `inline`, for the JPEGs the service
/// encoded itself), never cached, never sniffed, sandboxed.
pub fn file_scaricabile(nome: &str, tipo: String, byte: Vec<u8>, inline: bool) -> Response {
    use axum::http::header;
    let modo = if inline { "inline" } else { "attachment" };
    (
        [
            (header::CONTENT_TYPE, tipo),
            (
                header::CONTENT_DISPOSITION,
                format!("{modo}; filename=\"{}\"", nome.replace(['"', '\\'], "")),
            ),
            (header::CACHE_CONTROL, "private, no-store".into()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".into(),
            ),
        ],
        byte,
    )
        .into_response()
}

pub fn errore(status: StatusCode, messaggio: &str) -> Response {
    (status, Json(json!({ "errore": messaggio }))).into_response()
}

fn non_disponibile() -> Response {
    errore(
        StatusCode::SERVICE_UNAVAILABLE,
        "servizio momentaneamente non disponibile: riprova tra poco o telefona all'ufficio",
    )
}

fn troppe() -> Response {
    let mut r = errore(
        StatusCode::TOO_MANY_REQUESTS,
        "troppe richieste in poco tempo: attendi un minuto e riprova",
    );
    r.headers_mut()
        .insert("retry-after", HeaderValue::from_static("60"));
    r
}

fn rifiuto(r: Rifiuto) -> Response {
    match r {
        Rifiuto::Pieno => errore(
            StatusCode::CONFLICT,
            "l'orario è appena stato prenotato da un'altra persona: scegline un altro",
        ),
        Rifiuto::Limite => errore(
            StatusCode::CONFLICT,
            "hai già il numero massimo di appuntamenti presso questo ufficio",
        ),
        Rifiuto::TrattenutaScaduta => errore(
            StatusCode::GONE,
            "il tempo per completare la prenotazione è scaduto: scegli di nuovo l'orario",
        ),
        Rifiuto::Inesistente => errore(
            StatusCode::NOT_FOUND,
            "prenotazione inesistente o già annullata",
        ),
        Rifiuto::Tardi => errore(
            StatusCode::CONFLICT,
            "l'appuntamento è troppo vicino per annullarlo o spostarlo online: telefona all'ufficio",
        ),
        Rifiuto::SfidaUsata => errore(StatusCode::UNPROCESSABLE_ENTITY, super::sfida::GIA_USATA),
    }
}

/// The response of blocking work that may be refused or fail.
pub(crate) fn risposta_di(out: Option<Result<Response, Fallito>>) -> Response {
    match out {
        Some(Ok(r)) => r,
        Some(Err(f)) => fallito(f),
        None => non_disponibile(),
    }
}

fn fallito(f: Fallito) -> Response {
    match f {
        Fallito::Rifiuto(r) => rifiuto(r),
        Fallito::Db(e) => {
            eprintln!("sportello: database: {e}");
            non_disponibile()
        }
    }
}

/// Runs blocking database work off the async threads.
/// Runs blocking work (the database, the gateway) off the async threads.
pub(crate) async fn blocca<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}

fn etichetta(t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    let local = t.with_timezone(&tz);
    format!(
        "{} ore {}",
        civico_core::date::data_lunga(local.date_naive()),
        local.format("%H:%M")
    )
}

type S = State<Arc<AppState>>;

async fn sportelli(State(s): S, UrlPath(comune): UrlPath<String>) -> Response {
    let enti = s.enti();
    let Some(e) = enti.get(&comune) else {
        return errore(StatusCode::NOT_FOUND, "comune non servito");
    };
    let list: Vec<_> = e
        .sportello
        .sportelli
        .iter()
        .map(|u| {
            json!({
                "id": u.id, "nome": u.nome, "ufficio": u.ufficio, "durata": u.durata,
                "indirizzo": u.indirizzo, "servizi": u.servizi,
                "motivi": u.motivi.iter().map(|m| json!({"nome": m.nome, "cosa_serve": m.cosa_serve})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(json!({
        "sportelli": list,
        "informativa": e.sportello.informativa,
        "trattenuta_minuti": e.sportello.trattenuta_minuti,
        "preavviso_annullamento_ore": e.sportello.preavviso_annullamento_ore,
    }))
    .into_response()
}

async fn disponibilita(State(s): S, UrlPath((comune, id)): UrlPath<(String, String)>) -> Response {
    let enti = s.enti();
    let Some(e) = enti.get(&comune) else {
        return errore(StatusCode::NOT_FOUND, "comune non servito");
    };
    let Some(u) = e.ufficio(&id) else {
        return errore(StatusCode::NOT_FOUND, "sportello inesistente");
    };
    let ora = Utc::now();
    let tutti = agenda::slots(&e.sportello, u, s.tz, ora);
    let (Some(primo), Some(ultimo)) = (tutti.first(), tutti.last()) else {
        return Json(json!({ "sportello": u.id, "slot": [] })).into_response();
    };
    let (dal, al) = (primo.inizio, ultimo.inizio);
    let s2 = s.clone();
    let (c2, id2) = (comune.clone(), id.clone());
    let occ = blocca(move || {
        let mut c = s2.pool.prendi()?;
        registro::occupati(&mut c, &c2, &id2, dal, al, ora)
    })
    .await;
    let Some(Ok(occ)) = occ else {
        return non_disponibile();
    };
    let slots: Vec<_> = tutti
        .into_iter()
        .filter_map(|x| {
            let presi = occ.get(&x.inizio).map_or(0, |o| o.0);
            let liberi = i64::from(u.capienza) - presi;
            (liberi > 0).then(|| {
                json!({"inizio": x.inizio, "fine": x.fine, "etichetta": etichetta(x.inizio, s.tz), "liberi": liberi})
            })
        })
        .collect();
    Json(json!({ "sportello": u.id, "slot": slots })).into_response()
}

async fn sfida(
    State(s): S,
    UrlPath(comune): UrlPath<String>,
    ConnectInfo(sock): ConnectInfo<SocketAddr>,
    h: HeaderMap,
) -> Response {
    if !s.enti().contains_key(&comune) {
        return errore(StatusCode::NOT_FOUND, "comune non servito");
    }
    if !s.consenti(sock, &h, &comune) {
        return troppe();
    }
    match s.sfide.crea(Utc::now()) {
        Ok(v) => Json(v).into_response(),
        Err(_) => non_disponibile(),
    }
}

/// Checks the honeypot and the proof of work; `Err` is the response to give.
fn anti_abuso(
    s: &AppState,
    c: &mut super::db::Conn,
    trappola: &str,
    altcha: Option<&str>,
) -> Result<(), Response> {
    controlla_sfida(s, trappola, altcha)?
        .spendi(c)
        .map_err(|m| errore(StatusCode::UNPROCESSABLE_ENTITY, &m))
}

/// The honeypot and the challenge, without spending it (see `Soluzione::spendi`).
fn controlla_sfida(
    s: &AppState,
    trappola: &str,
    altcha: Option<&str>,
) -> Result<super::sfida::Soluzione, Response> {
    if !trappola.is_empty() {
        return Err(errore(StatusCode::BAD_REQUEST, "richiesta non valida"));
    }
    let Some(a) = altcha.filter(|a| !a.is_empty()) else {
        return Err(errore(
            StatusCode::UNPROCESSABLE_ENTITY,
            "verifica anti-robot mancante: attendi che sia completata e riprova",
        ));
    };
    s.sfide
        .controlla(a, Utc::now())
        .map_err(|m| errore(StatusCode::UNPROCESSABLE_ENTITY, &m))
}

#[derive(Deserialize)]
struct RichiestaTrattenuta {
    sportello: String,
    inizio: String,
    #[serde(default)]
    altcha: Option<String>,
    #[serde(default)]
    sito_web: String,
}

/// The slot `inizio` of office `u` if it is offered now; else a 422.
fn posto(
    s: &AppState,
    comune: &str,
    e: &Ente,
    u: &Ufficio,
    inizio: &str,
) -> Result<Posto, Response> {
    let t: Option<DateTime<Utc>> = inizio.parse().ok();
    let slot = t.and_then(|t| agenda::offerto(&e.sportello, u, s.tz, Utc::now(), t));
    match slot {
        Some(x) => Ok(Posto {
            comune: comune.to_string(),
            sportello: u.id.clone(),
            inizio: x.inizio,
            fine: x.fine,
            capienza: u.capienza,
        }),
        None => Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"errori": {"inizio": "l'orario scelto non è disponibile: scegline uno tra quelli proposti"}})),
        )
            .into_response()),
    }
}

async fn trattieni(
    State(s): S,
    UrlPath(comune): UrlPath<String>,
    ConnectInfo(sock): ConnectInfo<SocketAddr>,
    h: HeaderMap,
    Corpo(r): Corpo<RichiestaTrattenuta>,
) -> Response {
    let enti = s.enti();
    let Some(e) = enti.get(&comune) else {
        return errore(StatusCode::NOT_FOUND, "comune non servito");
    };
    if !s.consenti(sock, &h, &comune) {
        return troppe();
    }
    let Some(u) = e.ufficio(&r.sportello) else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"errori": {"sportello": "scegli uno degli uffici proposti"}})),
        )
            .into_response();
    };
    let po = match posto(&s, &comune, e, u, &r.inizio) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let minuti = e.sportello.trattenuta_minuti;
    let s2 = s.clone();
    let out = blocca(move || -> Result<Response, Fallito> {
        let mut c = s2.pool.prendi()?;
        if let Err(r) = anti_abuso(&s2, &mut c, &r.sito_web, r.altcha.as_deref()) {
            return Ok(r);
        }
        let (token, scade) = registro::trattieni(&mut c, &po, minuti, Utc::now())?;
        Ok((
            StatusCode::CREATED,
            Json(
                json!({"trattenuta": token, "scade": scade, "inizio": po.inizio, "fine": po.fine}),
            ),
        )
            .into_response())
    })
    .await;
    risposta_di(out)
}

#[derive(Deserialize)]
struct Richiesta {
    #[serde(default)]
    trattenuta: Option<String>,
    #[serde(default)]
    sportello: String,
    #[serde(default)]
    inizio: String,
    #[serde(default)]
    nome: String,
    #[serde(default)]
    cognome: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    motivo: Option<String>,
    #[serde(default)]
    dettagli: String,
    /// The citizen has read the informativa.
    #[serde(default)]
    privacy: bool,
    #[serde(default)]
    altcha: Option<String>,
    /// Honeypot: a field people never see.
    #[serde(default)]
    sito_web: String,
    #[serde(default)]
    chiave: Option<String>,
}

/// Field checks of a booking; the messages per field.
fn controlla(r: &Richiesta, u: Option<&Ufficio>) -> serde_json::Map<String, Value> {
    let mut errori = serde_json::Map::new();
    for (campo, v) in [("nome", &r.nome), ("cognome", &r.cognome)] {
        if v.trim().is_empty() {
            errori.insert(campo.into(), json!("campo obbligatorio"));
        } else if v.chars().count() > 100 || v.chars().any(char::is_control) {
            errori.insert(
                campo.into(),
                json!("al massimo 100 caratteri, senza a capo"),
            );
        }
    }
    if !email_valida(r.email.trim()) {
        errori.insert(
            "email".into(),
            json!("indirizzo email non valido: scrivilo come nome@esempio.it"),
        );
    }
    if r.dettagli.chars().count() > 200 {
        errori.insert(
            "dettagli".into(),
            json!("al massimo 200 caratteri (ora sono di più)"),
        );
    }
    if !r.privacy {
        errori.insert(
            "privacy".into(),
            json!("conferma di aver letto l'informativa sulla privacy"),
        );
    }
    if let (Some(u), Some(m)) = (u, &r.motivo) {
        if !u.motivi.is_empty() && !u.motivi.iter().any(|x| &x.nome == m) {
            errori.insert("motivo".into(), json!("scegli uno dei motivi proposti"));
        }
    }
    errori
}

/// The request's idempotency key: the `Idempotency-Key` header, else `nel_corpo`; a 400 when
/// it is malformed.
fn chiave(h: &HeaderMap, nel_corpo: Option<&String>) -> Result<Option<String>, Response> {
    let k = h
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| nel_corpo.cloned());
    match k {
        Some(k) if k.len() < 8 || k.len() > 100 || !k.chars().all(|c| c.is_ascii_graphic()) => Err(
            errore(StatusCode::BAD_REQUEST, "chiave di idempotenza non valida"),
        ),
        k => Ok(k),
    }
}

async fn prenota(
    State(s): S,
    UrlPath(comune): UrlPath<String>,
    ConnectInfo(sock): ConnectInfo<SocketAddr>,
    h: HeaderMap,
    Corpo(r): Corpo<Richiesta>,
) -> Response {
    let enti = s.enti();
    let Some(e) = enti.get(&comune) else {
        return errore(StatusCode::NOT_FOUND, "comune non servito");
    };
    if !s.consenti(sock, &h, &comune) {
        return troppe();
    }
    let k = match chiave(&h, r.chiave.as_ref()) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let cf = super::area_personale::cittadino(&s, &comune, &h).await;
    let diretta = r.trattenuta.is_none();
    let u = if diretta {
        e.ufficio(&r.sportello)
    } else {
        None
    };
    let mut errori = controlla(&r, u);
    if diretta && u.is_none() {
        errori.insert(
            "sportello".into(),
            json!("scegli uno degli uffici proposti"),
        );
    }
    let po = match u.map(|u| posto(&s, &comune, e, u, &r.inizio)) {
        Some(Ok(p)) => Some(p),
        Some(Err(_)) => {
            errori.insert(
                "inizio".into(),
                json!("l'orario scelto non è disponibile: scegline uno tra quelli proposti"),
            );
            None
        }
        None => None,
    };
    if !errori.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "errori": errori })),
        )
            .into_response();
    }
    let dati = Dati {
        nome: r.nome.clone(),
        cognome: r.cognome.clone(),
        email: r.email.clone(),
        motivo: r.motivo.clone(),
        dettagli: r.dettagli.clone(),
    };
    let s2 = s.clone();
    let comune2 = comune.clone();
    let out = blocca(move || -> Result<Response, Fallito> {
        let enti = s2.enti();
        let Some(e) = enti.get(&comune2) else {
            return Ok(errore(StatusCode::NOT_FOUND, "comune non servito"));
        };
        let mut c = s2.pool.prendi()?;
        // A retry of an answered request gets its answer, whatever else changed since.
        if let Some(k) = &k {
            if let Some(r) = registro::gia_risposto(&mut c, &comune2, k)? {
                return Ok(risposta_json(StatusCode::CREATED, r));
            }
        }
        let sfida = if diretta {
            match controlla_sfida(&s2, &r.sito_web, r.altcha.as_deref()) {
                Ok(sf) => Some(sf),
                Err(resp) => return Ok(resp),
            }
        } else if !r.sito_web.is_empty() {
            return Ok(errore(StatusCode::BAD_REQUEST, "richiesta non valida"));
        } else {
            None
        };
        let tz = s2.tz;
        let preavviso = e.sportello.preavviso_annullamento_ore;
        let origine = match (&po, &r.trattenuta) {
            (Some(p), _) => Origine::Diretta(p),
            (None, Some(t)) => Origine::Trattenuta(t),
            (None, None) => return Ok(errore(StatusCode::BAD_REQUEST, "richiesta non valida")),
        };
        let esito = registro::prenota(
            &mut c,
            &comune2,
            origine,
            &dati,
            e.sportello.limite_per_persona,
            k.as_deref(),
            Utc::now(),
            |id, inizio| {
                e.ufficio(id)
                    .map(|u| inizio + Duration::minutes(i64::from(u.durata)))
            },
            |p| {
                let Some(u) = e.ufficio(&p.sportello) else {
                    return Composto {
                        risposta: "{}".into(),
                        email: None,
                    };
                };
                let x = e.contesto(u, p.motivo.as_deref(), tz);
                let risposta = json!({
                    "codice": p.codice, "token": p.token, "inizio": p.inizio, "fine": p.fine,
                    "quando": posta::quando(p, tz), "etichetta": etichetta(p.inizio, tz),
                    "sportello": u.nome, "indirizzo": u.indirizzo, "cosa_serve": x.cosa_serve,
                    "email": p.email, "gestione": posta::link_gestione(&e.sito, &p.token),
                });
                Composto {
                    risposta: risposta.to_string(),
                    email: Some(posta::conferma(p, &x, preavviso)),
                }
            },
            sfida.as_ref(),
        )?;
        Ok(match esito {
            Prenotato::Nuova(p, risposta) => {
                if let Some(cf) = &cf {
                    super::cittadini::collega(
                        &mut c,
                        super::cittadini::Collegabile::Prenotazione,
                        &comune2,
                        &p.codice,
                        cf,
                    )?;
                }
                s2.sveglia_postino();
                risposta_json(StatusCode::CREATED, risposta)
            }
            Prenotato::Ripetuta(risposta) if risposta.is_empty() => errore(
                StatusCode::CONFLICT,
                "la stessa richiesta è in corso: attendi qualche secondo",
            ),
            Prenotato::Ripetuta(risposta) => risposta_json(StatusCode::CREATED, risposta),
        })
    })
    .await;
    risposta_di(out)
}

fn risposta_json(status: StatusCode, corpo: String) -> Response {
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        corpo,
    )
        .into_response()
}

#[derive(Deserialize)]
struct PerToken {
    token: String,
    #[serde(default)]
    inizio: String,
}

fn descrivi(p: &registro::Prenotazione, e: &Ente, tz: chrono_tz::Tz) -> Value {
    let u = e.ufficio(&p.sportello);
    json!({
        "codice": p.codice, "stato": p.stato, "sportello": p.sportello,
        "sportello_nome": u.map(|u| u.nome.as_str()), "indirizzo": u.and_then(|u| u.indirizzo.as_deref()),
        "inizio": p.inizio, "fine": p.fine, "quando": posta::quando(p, tz),
        "motivo": p.motivo, "annullabile": p.stato == "confermata"
            && p.inizio - Utc::now() >= Duration::hours(e.sportello.preavviso_annullamento_ore),
        "preavviso_annullamento_ore": e.sportello.preavviso_annullamento_ore,
    })
}

/// Consults, cancels or moves a booking by token.
async fn per_token(
    s: Arc<AppState>,
    comune: String,
    sock: SocketAddr,
    h: HeaderMap,
    t: PerToken,
    azione: &'static str,
) -> Response {
    let enti = s.enti();
    let Some(e) = enti.get(&comune) else {
        return errore(StatusCode::NOT_FOUND, "comune non servito");
    };
    if !s.consenti(sock, &h, &comune) {
        return troppe();
    }
    if t.token.len() != 32 {
        return rifiuto(Rifiuto::Inesistente);
    }
    let nuovo = if azione == "sposta" {
        let s3 = s.clone();
        let trovata = {
            let (c2, tok) = (comune.clone(), t.token.clone());
            blocca(move || -> Result<_, Fallito> {
                let mut c = s3.pool.prendi()?;
                Ok(registro::trova(&mut c, &c2, &tok)?)
            })
            .await
        };
        let sportello = match trovata {
            Some(Ok(Some(p))) => p.sportello,
            Some(Ok(None)) => return rifiuto(Rifiuto::Inesistente),
            Some(Err(f)) => return fallito(f),
            None => return non_disponibile(),
        };
        let Some(u) = e.ufficio(&sportello) else {
            return rifiuto(Rifiuto::Inesistente);
        };
        match posto(&s, &comune, e, u, &t.inizio) {
            Ok(p) => Some(p),
            Err(r) => return r,
        }
    } else {
        None
    };
    let s2 = s.clone();
    let out = blocca(move || -> Result<Response, Fallito> {
        let enti = s2.enti();
        let Some(e) = enti.get(&comune) else {
            return Ok(errore(StatusCode::NOT_FOUND, "comune non servito"));
        };
        let tz = s2.tz;
        let preavviso = e.sportello.preavviso_annullamento_ore;
        let mut c = s2.pool.prendi()?;
        let ora = Utc::now();
        let p = match (azione, nuovo) {
            ("annulla", _) => registro::annulla(&mut c, &comune, &t.token, ora, preavviso, |p| {
                e.ufficio(&p.sportello)
                    .map(|u| posta::annullamento(p, &e.contesto(u, p.motivo.as_deref(), tz), None))
            })?,
            ("sposta", Some(n)) => {
                registro::sposta(&mut c, &t.token, &n, ora, preavviso, |p, prima| {
                    e.ufficio(&p.sportello).map(|u| {
                        posta::spostamento(p, &e.contesto(u, p.motivo.as_deref(), tz), prima)
                    })
                })?
            }
            _ => registro::trova(&mut c, &comune, &t.token)?.ok_or(Rifiuto::Inesistente)?,
        };
        if azione != "consulta" {
            s2.sveglia_postino();
        }
        Ok(Json(descrivi(&p, e, tz)).into_response())
    })
    .await;
    risposta_di(out)
}

async fn consulta(
    State(s): S,
    UrlPath(c): UrlPath<String>,
    ConnectInfo(sock): ConnectInfo<SocketAddr>,
    h: HeaderMap,
    Corpo(t): Corpo<PerToken>,
) -> Response {
    per_token(s, c, sock, h, t, "consulta").await
}
async fn annulla(
    State(s): S,
    UrlPath(c): UrlPath<String>,
    ConnectInfo(sock): ConnectInfo<SocketAddr>,
    h: HeaderMap,
    Corpo(t): Corpo<PerToken>,
) -> Response {
    per_token(s, c, sock, h, t, "annulla").await
}
async fn sposta(
    State(s): S,
    UrlPath(c): UrlPath<String>,
    ConnectInfo(sock): ConnectInfo<SocketAddr>,
    h: HeaderMap,
    Corpo(t): Corpo<PerToken>,
) -> Response {
    per_token(s, c, sock, h, t, "sposta").await
}

/// An answer of the feedback widget of one of the comune's pages: stored without address,
/// time of day or identity (204), or refused with the reason (422).
async fn valuta(
    State(s): S,
    UrlPath(comune): UrlPath<String>,
    ConnectInfo(sock): ConnectInfo<SocketAddr>,
    h: HeaderMap,
    Corpo(r): Corpo<super::valutazioni::Risposta>,
) -> Response {
    if !s.enti().contains_key(&comune) {
        return errore(StatusCode::NOT_FOUND, "comune non servito");
    }
    if !s.consenti(sock, &h, &comune) {
        return troppe();
    }
    if let Err(m) = super::valutazioni::controlla(&r) {
        return errore(StatusCode::UNPROCESSABLE_ENTITY, m);
    }
    let s2 = s.clone();
    let oggi = Utc::now().with_timezone(&s.tz).date_naive();
    match blocca(move || {
        let mut c = s2.pool.prendi()?;
        super::valutazioni::registra(&mut c, &comune, &r, oggi)
    })
    .await
    {
        Some(Ok(())) => StatusCode::NO_CONTENT.into_response(),
        _ => non_disponibile(),
    }
}

/// A richiesta di assistenza: 201 with its code, 422 with a message per field.
async fn assistenza(
    State(s): S,
    UrlPath(comune): UrlPath<String>,
    ConnectInfo(sock): ConnectInfo<SocketAddr>,
    h: HeaderMap,
    Corpo(r): Corpo<super::assistenza::Richiesta>,
) -> Response {
    if !s.enti().contains_key(&comune) {
        return errore(StatusCode::NOT_FOUND, "comune non servito");
    }
    if !s.consenti(sock, &h, &comune) {
        return troppe();
    }
    let errori = super::assistenza::controlla(&r);
    if !errori.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "errori": errori })),
        )
            .into_response();
    }
    let k = match chiave(&h, None) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let s2 = s.clone();
    let out = blocca(move || -> Result<Response, Fallito> {
        let enti = s2.enti();
        let Some(e) = enti.get(&comune) else {
            return Ok(errore(StatusCode::NOT_FOUND, "comune non servito"));
        };
        let mut c = s2.pool.prendi()?;
        // A retry of an answered request gets its code, whatever else changed since.
        let gia = match &k {
            Some(k) => {
                registro::gia_risposto(&mut c, &comune, &super::assistenza::chiave_assistenza(k))?
            }
            None => None,
        };
        if gia.is_none() {
            if let Err(resp) = anti_abuso(&s2, &mut c, &r.sito_web, r.altcha.as_deref()) {
                return Ok(resp);
            }
        }
        let codice = match gia {
            Some(codice) => codice,
            None => super::assistenza::registra(
                &mut c,
                &comune,
                &r,
                k.as_deref(),
                Utc::now(),
                |codice| {
                    super::assistenza::messaggi(
                        codice,
                        &r,
                        &e.nome,
                        &e.sito,
                        e.sportello.email_assistenza.as_deref(),
                    )
                },
            )?,
        };
        if codice.is_empty() {
            return Ok(errore(
                StatusCode::CONFLICT,
                "la stessa richiesta è in corso: attendi qualche secondo",
            ));
        }
        s2.sveglia_postino();
        Ok((
            StatusCode::CREATED,
            Json(json!({"codice": codice, "email": r.email.trim().to_lowercase()})),
        )
            .into_response())
    })
    .await;
    risposta_di(out)
}

#[derive(Deserialize)]
struct Vuota {}

async fn salute(State(s): S, Query(_): Query<Vuota>) -> Response {
    let s2 = s.clone();
    match blocca(move || s2.pool.prendi().and_then(|mut c| c.righe("SELECT 1", &[]))).await {
        Some(Ok(_)) => Json(json!({"stato": "ok", "comuni": s.enti().len()})).into_response(),
        _ => non_disponibile(),
    }
}

/// The routes, with CORS limited per comune to the origin of its own site.
pub fn router(s: Arc<AppState>) -> Router {
    let s2 = s.clone();
    let cors = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderName::from_static("idempotency-key"),
        ])
        .allow_origin(AllowOrigin::predicate(
            move |origin: &HeaderValue, parts| {
                let comune = parts.uri.path().split('/').nth(3).unwrap_or("");
                let o = origin.as_bytes();
                s2.enti()
                    .get(comune)
                    .is_some_and(|e| o == e.origine.as_bytes())
                    || s2.origini_extra.iter().any(|x| x.as_bytes() == o)
            },
        ));
    let api = Router::new()
        .route("/api/v1/{comune}/sportelli", get(sportelli))
        .route(
            "/api/v1/{comune}/sportelli/{id}/disponibilita",
            get(disponibilita),
        )
        .route("/api/v1/{comune}/sfida", get(sfida))
        .route("/api/v1/{comune}/trattenute", post(trattieni))
        .route("/api/v1/{comune}/prenotazioni", post(prenota))
        .route("/api/v1/{comune}/prenotazioni/consulta", post(consulta))
        .route("/api/v1/{comune}/prenotazioni/annulla", post(annulla))
        .route("/api/v1/{comune}/prenotazioni/sposta", post(sposta))
        .route("/api/v1/{comune}/valutazioni", post(valuta))
        .route("/api/v1/{comune}/assistenza", post(assistenza))
        .route(
            "/api/v1/{comune}/segnalazioni",
            post(segnalazioni::nuova)
                .layer(DefaultBodyLimit::max(segnalazioni::MAX_CORPO))
                .layer(axum::middleware::from_fn(segnalazioni::misura)),
        )
        .route(
            "/api/v1/{comune}/segnalazioni/consulta",
            post(segnalazioni::consulta),
        )
        .route(
            "/api/v1/{comune}/segnalazioni/pubbliche",
            get(segnalazioni::pubbliche),
        )
        .layer(cors);
    let tempo_corpo = s.tempi.corpo;
    Router::new()
        .merge(api)
        .merge(super::operatori::router())
        .merge(super::area_personale::router())
        .route("/salute", get(salute))
        .layer(DefaultBodyLimit::max(super::richiesta::MAX_CORPO))
        .layer(axum::middleware::from_fn(super::richiesta::misura))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            tempo_corpo,
        ))
        .with_state(s)
}

/// A random secret for the challenges when none is configured.
fn segreto_casuale() -> String {
    registro::casuale(40)
}

/// Builds the shared state: loads the comuni, opens the database (applying migrations).
pub fn stato(o: &Opzioni) -> Result<Arc<AppState>, String> {
    let enti = carica(&o.root)?;
    if enti.is_empty() {
        return Err(format!(
            "nessun comune in {} ha il file sportello.yaml",
            o.root.display()
        ));
    }
    let pool = Pool::apri(o.db.clone(), registro::MIGRAZIONI)
        .map_err(|e| format!("non riesco ad aprire {}: {e}", o.db.descrizione()))?;
    let operatori = match &o.operatori {
        Some(f) => super::operatori::carica(f)?,
        None => Default::default(),
    };
    Ok(Arc::new(AppState {
        enti: RwLock::new(Arc::new(enti)),
        pool,
        tz: chrono_tz::Europe::Rome,
        sfide: Sfide::new(
            o.segreto.clone().unwrap_or_else(segreto_casuale),
            o.costo_sfida,
            o.prefisso_sfida.clone(),
        ),
        limiti: Limiti::new(o.soglie),
        accessi: super::limiti::Accessi::new(o.accessi_per_ip),
        trust_proxy: o.trust_proxy,
        proxy_fidati: o.proxy_fidati.clone(),
        locale: o.bind.is_loopback(),
        tempi: o.tempi,
        origini_extra: o.origini_extra.clone(),
        operatori: RwLock::new(Arc::new(operatori)),
        gateway: Default::default(),
        io: civico_io::client::Client::new(&o.io_api, std::time::Duration::from_secs(1), 2),
        sveglia: (Mutex::new(false), Condvar::new()),
    }))
}

/// One run of the jobs: expired holds, reminders, retention, then the mail queue.
pub fn lavori(s: &AppState, postino: Option<&Postino>) -> Result<String, String> {
    let mut c = s.pool.prendi().map_err(|e| e.to_string())?;
    let ora = Utc::now();
    registro::pulizia(&mut c, ora).map_err(|e| e.to_string())?;
    let enti = s.enti();
    let (mut promemoria, mut purgate) = (0, 0);
    for (slug, e) in enti.iter() {
        let tz = s.tz;
        promemoria += registro::promemoria(
            &mut c,
            slug,
            ora,
            Duration::hours(e.sportello.promemoria_ore),
            |p| match e.ufficio(&p.sportello) {
                Some(u) => posta::promemoria(p, &e.contesto(u, p.motivo.as_deref(), tz)),
                None => registro::Email {
                    destinatario: p.email.clone(),
                    oggetto: format!("Promemoria appuntamento {}", p.codice),
                    testo: format!("Promemoria: appuntamento {}.\n", posta::quando(p, tz)),
                    ics: None,
                    allegati: Vec::new(),
                },
            },
        )
        .map_err(|e| e.to_string())?;
        purgate += registro::purga(
            &mut c,
            slug,
            ora - Duration::days(e.sportello.conservazione_giorni),
        )
        .map_err(|e| e.to_string())?;
        super::assistenza::purga(
            &mut c,
            slug,
            ora - Duration::days(e.sportello.conservazione_giorni),
        )
        .map_err(|e| e.to_string())?;
        super::segnalazioni::purga(
            &mut c,
            slug,
            ora - Duration::days(e.sportello.conservazione_giorni),
        )
        .map_err(|e| e.to_string())?;
        super::istruttoria::purga(
            &mut c,
            slug,
            ora - Duration::days(e.sportello.conservazione_giorni),
        )
        .map_err(|e| e.to_string())?;
        super::valutazioni::purga(
            &mut c,
            slug,
            (ora - Duration::days(e.sportello.conservazione_giorni))
                .with_timezone(&tz)
                .date_naive(),
        )
        .map_err(|e| e.to_string())?;
    }
    s.limiti.pulisci();
    s.accessi.pulisci(std::time::Instant::now());
    let inviati = match postino {
        Some(p) => p
            .svuota(&mut c, &|comune| {
                enti.get(comune).and_then(|e| e.sportello.mittente.clone())
            })
            .map_err(|e| e.to_string())?,
        None => 0,
    };
    super::bozze::purga(&mut c, ora).map_err(|e| e.to_string())?;
    manda_io(s, &mut c).map_err(|e| e.to_string())?;
    Ok(format!(
        "{} in coda, {}, {}",
        conta(promemoria, "promemoria", "promemoria"),
        conta(
            purgate as usize,
            "prenotazione vecchia cancellata",
            "prenotazioni vecchie cancellate"
        ),
        conta(inviati, "messaggio inviato", "messaggi inviati"),
    ))
}

/// Sends the due App IO messages about pratiche, with each comune's key from its secret.
fn manda_io(s: &AppState, c: &mut super::db::Conn) -> super::db::Esito<()> {
    let enti = s.enti();
    let chiave = |comune: &str| {
        let nome = enti.get(comune)?.io_pratiche.as_ref()?;
        std::env::var(nome).ok().filter(|k| !k.is_empty())
    };
    let r = super::avvisi_io::invia(c, &s.io, &chiave, Utc::now())?;
    if r.inviati + r.non_recapitabili + r.rimandati > 0 {
        stampa(&format!(
            "sportello: App IO: {}, {}, {}",
            conta(r.inviati, "messaggio inviato", "messaggi inviati"),
            conta(r.non_recapitabili, "non recapitabile", "non recapitabili"),
            conta(r.rimandati, "rimandato", "rimandati"),
        ));
    }
    Ok(())
}

fn stampa(riga: &str) {
    use std::io::Write as _;
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "{riga}");
    let _ = o.flush();
}

/// Starts the mail carrier and the jobs thread (after the address is printed: the first line
/// of the output is the address, for whoever started the process).
fn avvia_lavori(
    s: &Arc<AppState>,
    o: &Opzioni,
    postino: Option<Arc<Postino>>,
    visto: Vec<(PathBuf, Option<SystemTime>, u64)>,
) {
    if postino.is_none() {
        eprintln!("sportello: manca --smtp: le email di conferma restano in coda finché non indichi un server SMTP");
    }
    // The mail carrier: woken after each change, and every 30 s for retries.
    if let Some(p) = postino.clone() {
        let s = s.clone();
        std::thread::spawn(move || loop {
            {
                let (m, cv) = &s.sveglia;
                if let Ok(g) = m.lock() {
                    if let Ok((mut g, _)) =
                        cv.wait_timeout_while(g, std::time::Duration::from_secs(30), |svegliato| {
                            !*svegliato
                        })
                    {
                        *g = false;
                    }
                }
            }
            let enti = s.enti();
            if let Ok(mut c) = s.pool.prendi() {
                if let Err(e) = manda_io(&s, &mut c) {
                    eprintln!("sportello: App IO: {e}");
                }
                if let Err(e) = p.svuota(&mut c, &|comune| {
                    enti.get(comune).and_then(|e| e.sportello.mittente.clone())
                }) {
                    eprintln!("sportello: coda delle email: {e}");
                }
            }
        });
    }
    // The periodic jobs, and the configuration reload.
    {
        let s = s.clone();
        let root = o.root.clone();
        let ogni = std::time::Duration::from_secs(o.ogni_secondi.max(1));
        let operatori = o.operatori.clone();
        std::thread::spawn(move || {
            let mut visto = visto;
            let mut ultimo = std::time::Instant::now() - ogni;
            loop {
                if ultimo.elapsed() >= ogni {
                    ultimo = std::time::Instant::now();
                    match lavori(&s, None) {
                        Ok(r) => stampa(&format!("sportello: lavori periodici: {r}")),
                        Err(e) => eprintln!("sportello: lavori periodici non riusciti: {e}"),
                    }
                    s.sveglia_postino();
                }
                std::thread::sleep(std::time::Duration::from_secs(2));
                let ora = impronta(&root);
                if ora != visto {
                    visto = ora;
                    match carica(&root) {
                        Ok(e) => {
                            let n = e.len();
                            if let Ok(mut w) = s.enti.write() {
                                *w = Arc::new(e);
                            }
                            stampa(&format!(
                                "sportello: configurazione ricaricata ({})",
                                civico_core::plurale::comuni(n)
                            ));
                        }
                        Err(e) => eprintln!(
                            "sportello: configurazione non ricaricata, resta quella di prima:\n{e}"
                        ),
                    }
                    if let Some(f) = &operatori {
                        match super::operatori::carica(f) {
                            Ok(op) => {
                                if let Ok(mut w) = s.operatori.write() {
                                    *w = Arc::new(op);
                                }
                            }
                            Err(e) => eprintln!("sportello: {e}"),
                        }
                    }
                }
            }
        });
    }
}

/// Runs the service until interrupted (or, with `una_volta`, the jobs once).
pub fn run(o: Opzioni, una_volta: bool) -> Result<(), String> {
    // Taken before the configuration is read, so that a change made while the service starts
    // is noticed too.
    let visto = impronta(&o.root);
    let s = stato(&o)?;
    let postino = match &o.smtp {
        Some(u) => Some(Arc::new(Postino::new(u, &o.mittente)?)),
        None => None,
    };
    if una_volta {
        stampa(&lavori(&s, postino.as_deref())?);
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            format!(
                "non riesco ad avviare il servizio: {}",
                civico_core::errore_io::descrivi(&e)
            )
        })?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(o.bind, o.port))
            .await
            .map_err(|e| {
                format!(
                    "non riesco ad ascoltare su {}:{}: {}",
                    o.bind,
                    o.port,
                    civico_core::errore_io::descrivi(&e)
                )
            })?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        stampa(&format!(
            "sportello in ascolto su http://{addr}/ per {} ({})",
            civico_core::plurale::comuni(s.enti().len()),
            if matches!(o.db, Dove::Postgres(_)) {
                "PostgreSQL"
            } else {
                "SQLite"
            }
        ));
        avvia_lavori(&s, &o, postino, visto);
        let proxy = {
            let s = s.clone();
            move |ip: IpAddr| s.proxy_fidato(ip)
        };
        super::connessioni::servi(listener, router(s), o.tempi, proxy, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
        Ok(())
    })
}
