//! The operators' back-office, per comune, under `/operatori/{comune}/`: log in (argon2
//! password hashes from a file outside the repository), see the day's or the week's
//! appointments per office, mark them done or no-show, cancel one with a message to the
//! citizen, export CSV. The session cookie is HttpOnly, `SameSite=Strict`, scoped to the
//! comune's path (and `Secure` unless the service is only on loopback without a proxy); every form carries a per-session CSRF
//! token and must come from the same origin. An operator of one comune never sees another's.
//! The segnalazioni have their own pages (`segnalazioni` below).

mod pratiche;
mod segnalazioni;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{ConnectInfo, Form, Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde::Deserialize;

use super::limiti::{durata, Attesa};
use super::posta;
use super::registro::{self, casuale, hash, ts};
use super::servizio::AppState;
use crate::params;

const COOKIE: &str = "civico_operatore";
const DURATA_ORE: i64 = 8;

/// The operators allowed in, by (comune, user name): their argon2 hash.
#[derive(Debug, Default)]
pub struct Operatori {
    hash: HashMap<(String, String), String>,
    /// The offices an operator is restricted to, for the pratiche (absent: every office).
    uffici: HashMap<(String, String), Vec<String>>,
}

impl Operatori {
    /// The offices `utente` of `comune` is restricted to; `None` for the whole comune.
    pub fn uffici(&self, comune: &str, utente: &str) -> Option<Vec<String>> {
        self.uffici
            .get(&(comune.to_string(), utente.to_string()))
            .cloned()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    operatori: Vec<Voce>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Voce {
    comune: String,
    utente: String,
    /// An argon2 PHC string (`civico sportello --hash-password` makes one).
    password: String,
    /// The offices whose pratiche this operator handles (the titles of their pages); without
    /// it, every office of the comune.
    #[serde(default)]
    uffici: Option<Vec<String>>,
}

/// Reads the operators file; a malformed hash is an error naming the user.
pub fn carica(f: &Path) -> Result<Operatori, String> {
    let text = std::fs::read_to_string(f).map_err(|e| {
        format!(
            "non riesco a leggere {}: {}",
            f.display(),
            civico_core::errore_io::descrivi(&e)
        )
    })?;
    let file: File = serde_saphyr::from_str(&text).map_err(|e| format!("{}: {e}", f.display()))?;
    let (mut hash, mut uffici) = (HashMap::new(), HashMap::new());
    for v in file.operatori {
        PasswordHash::new(&v.password).map_err(|_| {
            format!(
                "{}: la password di `{}` non è un hash argon2: creane uno con `civico sportello --hash-password`",
                f.display(),
                v.utente
            )
        })?;
        if let Some(u) = v.uffici {
            uffici.insert((v.comune.clone(), v.utente.clone()), u);
        }
        hash.insert((v.comune, v.utente), v.password);
    }
    Ok(Operatori { hash, uffici })
}

/// An argon2id hash of `password` for the operators file.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut sale = [0u8; 16];
    getrandom::fill(&mut sale).map_err(|e| e.to_string())?;
    let sale = SaltString::encode_b64(&sale).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &sale)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

use civico_core::cella::cella;

/// Writes a row of an export, each cell through `cella`.
fn scrivi<T: AsRef<str>>(w: &mut csv::Writer<Vec<u8>>, campi: impl IntoIterator<Item = T>) {
    let _ = w.write_record(campi.into_iter().map(|c| cella(c.as_ref()).into_owned()));
}

/// A CSV download, never cached; its rows are written with `scrivi`.
fn csv_scaricabile(disposizione: String, corpo: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposizione),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        corpo,
    )
        .into_response()
}

use super::esc;

fn pagina(titolo: &str, corpo: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"it\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"robots\" content=\"noindex\"><title>{} - Sportello</title>\
<style>body{{font-family:system-ui,sans-serif;margin:1.5rem;color:#1a1a1a}}table{{border-collapse:collapse;width:100%}}th,td{{border:1px solid #bbb;padding:.35rem .5rem;text-align:left;vertical-align:top}}th{{background:#eef}}.annullata{{color:#666;text-decoration:line-through}}.scaduta{{background:#fdecea}}figure{{display:inline-block;margin:0 1rem 1rem 0}}.svolta{{background:#e8f5e9}}.assente{{background:#fff3e0}}form.inline{{display:inline}}label{{display:block;margin:.5rem 0 .2rem}}code{{word-break:break-all}}nav a{{margin-right:1rem}}.errore{{color:#a00;font-weight:bold}}</style></head><body><main>{}</main></body></html>",
        esc(titolo),
        corpo
    );
    let mut r = Html(html).into_response();
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    r
}

/// A logged-in operator.
struct Sessione {
    utente: String,
    csrf: String,
}

fn cookie(h: &HeaderMap) -> Option<String> {
    super::richiesta::cookie(h, COOKIE)
}

fn sessione(s: &AppState, comune: &str, h: &HeaderMap) -> Option<Sessione> {
    let id = cookie(h)?;
    let mut c = s.pool.prendi().ok()?;
    let r = c
        .riga(
            "SELECT utente, csrf FROM sessione WHERE id = ?1 AND comune = ?2 AND scade > ?3",
            params![hash(&id), comune, ts(Utc::now())],
        )
        .ok()??;
    Some(Sessione {
        utente: r[0].testo().into(),
        csrf: r[1].testo().into(),
    })
}

use super::richiesta::stessa_origine;

fn base(comune: &str) -> String {
    format!("/operatori/{comune}/")
}

/// To the login page of `comune`; a comune the service does not have is not found (its name,
/// anything a URL can hold, never reaches a `Location` header).
fn entra(s: &AppState, comune: &str) -> Response {
    if s.enti().get(comune).is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    Redirect::to(&format!("{}accesso", base(comune))).into_response()
}

use super::servizio::blocca;

/// Reads for the logged-in operator of `comune`: `f` runs off the async threads with a pooled
/// connection. `None` without a valid session (the caller sends to the login page) or when the
/// database fails.
async fn per_operatore<T: Send + 'static>(
    s: &Arc<AppState>,
    comune: &str,
    h: HeaderMap,
    f: impl FnOnce(&mut super::db::Conn, &Sessione) -> Option<T> + Send + 'static,
) -> Option<(Sessione, T)> {
    let (s2, c2) = (s.clone(), comune.to_string());
    blocca(move || {
        let ses = sessione(&s2, &c2, &h)?;
        let mut c = s2.pool.prendi().ok()?;
        let v = f(&mut c, &ses)?;
        Some((ses, v))
    })
    .await
    .flatten()
}

/// A login page with 429 Too Many Requests.
fn troppi(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    r
}

fn modulo_accesso(comune: &str, nome: &str, errore: Option<&str>) -> Response {
    pagina(
        "Accesso operatori",
        &format!(
            "<h1>Sportello del Comune di {}</h1><h2>Accesso operatori</h2>{}<form method=\"post\" action=\"{}accesso\"><label for=\"utente\">Utente</label><input id=\"utente\" name=\"utente\" autocomplete=\"username\" required><label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required><p><button type=\"submit\">Entra</button></p></form>",
            esc(nome),
            errore
                .map(|e| format!("<p class=\"errore\" role=\"alert\">{}</p>", esc(e)))
                .unwrap_or_default(),
            base(comune)
        ),
    )
}

async fn accesso(State(s): State<Arc<AppState>>, UrlPath(comune): UrlPath<String>) -> Response {
    match s.enti().get(&comune) {
        Some(e) => modulo_accesso(&comune, &e.nome, None),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(Deserialize)]
struct Credenziali {
    utente: String,
    password: String,
}

async fn accedi(
    State(s): State<Arc<AppState>>,
    UrlPath(comune): UrlPath<String>,
    ConnectInfo(sock): ConnectInfo<SocketAddr>,
    h: HeaderMap,
    Form(f): Form<Credenziali>,
) -> Response {
    let Some(nome) = s.enti().get(&comune).map(|e| e.nome.clone()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !stessa_origine(&h) {
        return StatusCode::FORBIDDEN.into_response();
    }
    // Logins have a budget of their own: citizens' traffic never locks operators out.
    let adesso = std::time::Instant::now();
    match s.accessi.prova(s.ip(sock, &h), &comune, &f.utente, adesso) {
        Ok(()) => {}
        Err(Attesa::Cliente) => {
            return troppi(modulo_accesso(
                &comune,
                &nome,
                Some("Troppi tentativi di accesso da questo indirizzo: attendi un minuto."),
            ))
        }
        Err(Attesa::Account(d)) => {
            let msg = format!(
                "Troppi tentativi non riusciti per questo utente: riprova tra {}.",
                durata(d)
            );
            return troppi(modulo_accesso(&comune, &nome, Some(&msg)));
        }
    }
    let hash_salvato = s
        .operatori
        .read()
        .ok()
        .and_then(|o| o.hash.get(&(comune.clone(), f.utente.clone())).cloned());
    let password = f.password;
    // Verify even for an unknown user (against a fixed hash), so timing does not tell.
    let ok = blocca(move || {
        static FINTO: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let h = hash_salvato.clone().unwrap_or_else(|| {
            FINTO
                .get_or_init(|| hash_password(&casuale(20)).unwrap_or_default())
                .clone()
        });
        PasswordHash::new(&h).is_ok_and(|ph| {
            Argon2::default()
                .verify_password(password.as_bytes(), &ph)
                .is_ok()
        }) && hash_salvato.is_some()
    })
    .await
    .unwrap_or(false);
    if !ok {
        s.accessi.fallito(&comune, &f.utente, adesso);
        return modulo_accesso(&comune, &nome, Some("Utente o password non corretti."));
    }
    s.accessi.riuscito(&comune, &f.utente);
    let id = casuale(40);
    let csrf = casuale(32);
    let scade = Utc::now() + Duration::hours(DURATA_ORE);
    let s2 = s.clone();
    let (c2, u2, id2) = (comune.clone(), f.utente.clone(), id.clone());
    let salvato = blocca(move || -> Result<(), super::db::DbErrore> {
        let mut c = s2.pool.prendi()?;
        c.esegui(
            "INSERT INTO sessione (id, comune, utente, csrf, scade) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![hash(&id2), c2, u2, csrf, ts(scade)],
        )?;
        Ok(())
    })
    .await;
    if !matches!(salvato, Some(Ok(()))) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let sicuro = s.cookie_sicuro(&h);
    let mut r = Redirect::to(&base(&comune)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{COOKIE}={id}; Path={}; HttpOnly; SameSite=Strict; Max-Age={}{}",
        base(&comune),
        DURATA_ORE * 3600,
        if sicuro { "; Secure" } else { "" }
    )) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize, Default)]
struct Filtro {
    #[serde(default)]
    giorno: Option<NaiveDate>,
    #[serde(default)]
    vista: Option<String>,
    #[serde(default)]
    sportello: Option<String>,
}

/// The instants bounding the day (or the week from its Monday) in the comune's zone.
fn intervallo(f: &Filtro, tz: chrono_tz::Tz) -> (NaiveDate, DateTime<Utc>, DateTime<Utc>, bool) {
    let oggi = Utc::now().with_timezone(&tz).date_naive();
    let g = f.giorno.unwrap_or(oggi);
    let settimana = f.vista.as_deref() == Some("settimana");
    let (da, giorni) = if settimana {
        (
            g - Duration::days(i64::from(g.weekday().num_days_from_monday())),
            7,
        )
    } else {
        (g, 1)
    };
    let inizio = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    };
    (
        da,
        inizio(da),
        inizio(da + Duration::days(giorni)),
        settimana,
    )
}

async fn agenda(
    State(s): State<Arc<AppState>>,
    UrlPath(comune): UrlPath<String>,
    Query(f): Query<Filtro>,
    h: HeaderMap,
) -> Response {
    let enti = s.enti();
    let Some(e) = enti.get(&comune) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let c2 = comune.clone();
    let tz = s.tz;
    let sportello = f.sportello.clone().filter(|x| !x.is_empty());
    let (da, dal, al, settimana) = intervallo(&f, tz);
    let dati = per_operatore(&s, &comune, h, move |c, _| {
        registro::elenco(c, &c2, sportello.as_deref(), dal, al).ok()
    })
    .await;
    let Some((ses, elenco)) = dati else {
        return entra(&s, &comune);
    };
    let b = base(&comune);
    let mut righe = String::new();
    for p in &elenco {
        let ora = p.inizio.with_timezone(&tz);
        let nome_sportello = e
            .ufficio(&p.sportello)
            .map_or(p.sportello.as_str(), |u| u.nome.as_str());
        let azioni = if p.stato == "annullata" {
            String::new()
        } else {
            let bottone = |azione: &str, etichetta: &str| {
                format!("<form class=\"inline\" method=\"post\" action=\"{b}azione\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"codice\" value=\"{}\"><input type=\"hidden\" name=\"azione\" value=\"{azione}\"><button type=\"submit\">{etichetta}</button></form> ", esc(&ses.csrf), esc(&p.codice))
            };
            format!(
                "{}{}<form method=\"post\" action=\"{b}azione\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"codice\" value=\"{}\"><input type=\"hidden\" name=\"azione\" value=\"annulla\"><label for=\"m-{c}\">Messaggio al cittadino</label><input id=\"m-{c}\" name=\"messaggio\" maxlength=\"500\"> <button type=\"submit\">Annulla appuntamento</button></form>",
                bottone("svolta", "Svolto"),
                bottone("assente", "Non presentato"),
                esc(&ses.csrf),
                esc(&p.codice),
                c = esc(&p.codice)
            )
        };
        righe += &format!(
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{azioni}</td></tr>",
            esc(&p.stato),
            if settimana { format!("{} {}", ora.format("%d/%m"), ora.format("%H:%M")) } else { ora.format("%H:%M").to_string() },
            esc(nome_sportello),
            esc(&p.codice),
            esc(&p.nome),
            esc(&p.cognome),
            esc(&p.email),
            esc(p.motivo.as_deref().unwrap_or("")),
            esc(&p.dettagli),
            esc(&p.stato),
        );
    }
    let opzioni: String = e
        .sportello
        .sportelli
        .iter()
        .map(|u| {
            format!(
                "<option value=\"{}\"{}>{}</option>",
                esc(&u.id),
                if f.sportello.as_deref() == Some(u.id.as_str()) {
                    " selected"
                } else {
                    ""
                },
                esc(&u.nome)
            )
        })
        .collect();
    let titolo = if settimana {
        format!("Settimana dal {}", civico_core::date::data_lunga(da))
    } else {
        civico_core::date::data_lunga(da)
    };
    let q = |g: NaiveDate, v: &str| {
        format!(
            "{b}?giorno={g}&amp;vista={v}&amp;sportello={}",
            esc(f.sportello.as_deref().unwrap_or(""))
        )
    };
    let passo = if settimana { 7 } else { 1 };
    let vista = if settimana { "settimana" } else { "giorno" };
    let corpo = format!(
        "<h1>Appuntamenti - Comune di {}</h1><p>Operatore: {} <form class=\"inline\" method=\"post\" action=\"{b}uscita\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\">Esci</button></form></p>\
<nav aria-label=\"Periodo\"><a href=\"{}\">Precedente</a><a href=\"{}\">Successivo</a><a href=\"{}\">Giorno</a><a href=\"{}\">Settimana</a><a href=\"{b}export.csv?giorno={da}&amp;vista={vista}\">Esporta CSV</a><a href=\"{b}segnalazioni\">Segnalazioni</a><a href=\"{b}valutazioni\">Valutazioni delle pagine</a><a href=\"{b}assistenza\">Richieste di assistenza</a></nav>\
<form method=\"get\" action=\"{b}\"><label for=\"giorno\">Giorno</label><input id=\"giorno\" type=\"date\" name=\"giorno\" value=\"{da}\"><label for=\"sportello\">Ufficio</label><select id=\"sportello\" name=\"sportello\"><option value=\"\">Tutti</option>{opzioni}</select><input type=\"hidden\" name=\"vista\" value=\"{vista}\"> <button type=\"submit\">Mostra</button></form>\
<h2>{}</h2><p>{} appuntamenti</p><table><thead><tr><th scope=\"col\">Ora</th><th scope=\"col\">Ufficio</th><th scope=\"col\">Codice</th><th scope=\"col\">Richiedente</th><th scope=\"col\">Email</th><th scope=\"col\">Motivo</th><th scope=\"col\">Dettagli</th><th scope=\"col\">Stato</th><th scope=\"col\">Azioni</th></tr></thead><tbody>{righe}</tbody></table>",
        esc(&e.nome),
        esc(&ses.utente),
        esc(&ses.csrf),
        q(da - Duration::days(passo), vista),
        q(da + Duration::days(passo), vista),
        q(da, "giorno"),
        q(da, "settimana"),
        esc(&titolo),
        elenco.len(),
    );
    pagina("Appuntamenti", &corpo)
}

#[derive(Deserialize)]
struct Azione {
    csrf: String,
    #[serde(default)]
    codice: String,
    #[serde(default)]
    azione: String,
    #[serde(default)]
    messaggio: String,
}

async fn azione(
    State(s): State<Arc<AppState>>,
    UrlPath(comune): UrlPath<String>,
    h: HeaderMap,
    Form(a): Form<Azione>,
) -> Response {
    if !stessa_origine(&h) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let s2 = s.clone();
    let c2 = comune.clone();
    let esito = blocca(move || -> Result<(), StatusCode> {
        let ses = sessione(&s2, &c2, &h).ok_or(StatusCode::UNAUTHORIZED)?;
        if ses.csrf.len() != a.csrf.len() || ses.csrf != a.csrf {
            return Err(StatusCode::FORBIDDEN);
        }
        let enti = s2.enti();
        let e = enti.get(&c2).ok_or(StatusCode::NOT_FOUND)?;
        let mut c = s2
            .pool
            .prendi()
            .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
        let ora = Utc::now();
        let tz = s2.tz;
        match a.azione.as_str() {
            "annulla" => {
                let msg: String = a.messaggio.chars().take(500).collect();
                registro::annulla_operatore(&mut c, &c2, &a.codice, ora, |p| {
                    e.ufficio(&p.sportello).map(|u| {
                        posta::annullamento(p, &e.contesto(u, p.motivo.as_deref(), tz), Some(&msg))
                    })
                })
                .map_err(|_| StatusCode::CONFLICT)?;
                s2.sveglia_postino();
            }
            "uscita" => {
                if let Some(id) = cookie(&h) {
                    let _ = c.esegui("DELETE FROM sessione WHERE id = ?1", params![hash(&id)]);
                }
            }
            stato => {
                if !registro::segna(&mut c, &c2, &a.codice, stato, ora)
                    .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?
                {
                    return Err(StatusCode::CONFLICT);
                }
            }
        }
        Ok(())
    })
    .await
    .unwrap_or(Err(StatusCode::SERVICE_UNAVAILABLE));
    match esito {
        Ok(()) => Redirect::to(&base(&comune)).into_response(),
        Err(StatusCode::UNAUTHORIZED) => entra(&s, &comune),
        Err(st) => pagina(
            "Operazione non riuscita",
            &format!(
                "<h1>Operazione non riuscita</h1><p>La prenotazione è cambiata nel frattempo o la pagina è scaduta ({}).</p><p><a href=\"{}\">Torna agli appuntamenti</a></p>",
                st.as_u16(),
                base(&comune)
            ),
        )
        .into_response(),
    }
}

async fn uscita(
    s: State<Arc<AppState>>,
    c: UrlPath<String>,
    h: HeaderMap,
    Form(mut a): Form<Azione>,
) -> Response {
    a.azione = "uscita".into();
    azione(s, c, h, Form(a)).await
}

async fn esporta(
    State(s): State<Arc<AppState>>,
    UrlPath(comune): UrlPath<String>,
    Query(f): Query<Filtro>,
    h: HeaderMap,
) -> Response {
    let tz = s.tz;
    let (da, dal, al, _) = intervallo(&f, tz);
    let c2 = comune.clone();
    let sportello = f.sportello.clone().filter(|x| !x.is_empty());
    let dati = per_operatore(&s, &comune, h, move |c, _| {
        registro::elenco(c, &c2, sportello.as_deref(), dal, al).ok()
    })
    .await;
    let Some((_, elenco)) = dati else {
        return entra(&s, &comune);
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    scrivi(
        &mut w,
        [
            "codice",
            "ufficio",
            "data",
            "ora_inizio",
            "ora_fine",
            "nome",
            "cognome",
            "email",
            "motivo",
            "dettagli",
            "stato",
        ],
    );
    for p in &elenco {
        let (a, b) = (p.inizio.with_timezone(&tz), p.fine.with_timezone(&tz));
        scrivi(
            &mut w,
            [
                p.codice.as_str(),
                &p.sportello,
                &a.format("%Y-%m-%d").to_string(),
                &a.format("%H:%M").to_string(),
                &b.format("%H:%M").to_string(),
                &p.nome,
                &p.cognome,
                &p.email,
                p.motivo.as_deref().unwrap_or(""),
                &p.dettagli,
                &p.stato,
            ],
        );
    }
    let body = w.into_inner().unwrap_or_default();
    csv_scaricabile(
        format!("attachment; filename=\"appuntamenti-{comune}-{da}.csv\""),
        body,
    )
}

#[derive(Deserialize, Default)]
struct Periodo {
    /// Days back from today (default 90).
    #[serde(default)]
    giorni: Option<i64>,
}

fn dal(p: &Periodo, tz: chrono_tz::Tz) -> NaiveDate {
    Utc::now().with_timezone(&tz).date_naive()
        - Duration::days(p.giorni.unwrap_or(90).clamp(1, 3660))
}

/// Per-page figures of the feedback widget, lowest mean first.
async fn valutazioni(
    State(s): State<Arc<AppState>>,
    UrlPath(comune): UrlPath<String>,
    Query(q): Query<Periodo>,
    h: HeaderMap,
) -> Response {
    let Some(nome) = s.enti().get(&comune).map(|e| e.nome.clone()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let da = dal(&q, s.tz);
    let c2 = comune.clone();
    let dati = per_operatore(&s, &comune, h, move |c, _| {
        super::valutazioni::per_pagina(c, &c2, da).ok()
    })
    .await;
    let Some((_, pagine)) = dati else {
        return entra(&s, &comune);
    };
    let b = base(&comune);
    let mut corpo = format!(
        "<h1>Valutazioni delle pagine - Comune di {}</h1><nav aria-label=\"Sezioni\"><a href=\"{b}\">Appuntamenti</a><a href=\"{b}segnalazioni\">Segnalazioni</a><a href=\"{b}assistenza\">Richieste di assistenza</a><a href=\"{b}valutazioni.csv?giorni={g}\">Esporta CSV</a></nav><p>Dal {}: {} pagine valutate, {} risposte. Prima le pagine con la media più bassa.</p><table><thead><tr><th scope=\"col\">Pagina</th><th scope=\"col\">Risposte</th><th scope=\"col\">Media</th><th scope=\"col\">1-5 stelle</th><th scope=\"col\">Motivi</th><th scope=\"col\">Commenti</th></tr></thead><tbody>",
        esc(&nome),
        civico_core::date::data_lunga(da),
        pagine.len(),
        pagine.iter().map(|p| p.risposte).sum::<i64>(),
        g = q.giorni.unwrap_or(90),
    );
    for p in &pagine {
        let motivi: String = p
            .motivi
            .iter()
            .map(|(m, n)| format!("<li>{} ({n})</li>", esc(m)))
            .collect();
        let testi: String = p
            .testi
            .iter()
            .take(10)
            .map(|(g, t)| format!("<li>{}: {}</li>", esc(g), esc(t)))
            .collect();
        corpo += &format!(
            "<tr><td>{}</td><td>{}</td><td>{:.1}</td><td>{}</td><td><ul>{motivi}</ul></td><td><ul>{testi}</ul></td></tr>",
            esc(&p.pagina),
            p.risposte,
            p.media,
            p.stelle.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" / "),
        );
    }
    corpo += "</tbody></table>";
    pagina("Valutazioni", &corpo)
}

async fn valutazioni_csv(
    State(s): State<Arc<AppState>>,
    UrlPath(comune): UrlPath<String>,
    Query(q): Query<Periodo>,
    h: HeaderMap,
) -> Response {
    let da = dal(&q, s.tz);
    let c2 = comune.clone();
    let dati = per_operatore(&s, &comune, h, move |c, _| {
        super::valutazioni::elenco(c, &c2, da).ok()
    })
    .await;
    let Some((_, righe)) = dati else {
        return entra(&s, &comune);
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    scrivi(
        &mut w,
        ["giorno", "pagina", "stelle", "risposta", "commento"],
    );
    for r in &righe {
        scrivi(&mut w, r);
    }
    csv_scaricabile(
        format!("attachment; filename=\"valutazioni-{comune}.csv\""),
        w.into_inner().unwrap_or_default(),
    )
}

/// The richieste di assistenza of the comune, newest first, with a button to close each.
async fn richieste(
    State(s): State<Arc<AppState>>,
    UrlPath(comune): UrlPath<String>,
    h: HeaderMap,
) -> Response {
    let Some(nome) = s.enti().get(&comune).map(|e| e.nome.clone()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let c2 = comune.clone();
    let dati = per_operatore(&s, &comune, h, move |c, _| {
        super::assistenza::elenco(c, &c2).ok()
    })
    .await;
    let Some((ses, elenco)) = dati else {
        return entra(&s, &comune);
    };
    let b = base(&comune);
    let mut righe = String::new();
    for r in &elenco {
        let (nuovo, etichetta) = if r.stato == "nuova" {
            ("chiusa", "Segna come gestita")
        } else {
            ("nuova", "Riapri")
        };
        righe += &format!(
            "<tr><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><form method=\"post\" action=\"{b}assistenza/azione\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"codice\" value=\"{}\"><input type=\"hidden\" name=\"azione\" value=\"{nuovo}\"><button type=\"submit\">{etichetta}</button></form></td></tr>",
            esc(&r.creata.replace('T', " ").replace('Z', " UTC")),
            esc(&r.codice),
            esc(&r.nome),
            esc(&r.cognome),
            esc(&r.email),
            esc(&r.categoria),
            esc(&r.servizio),
            esc(&r.descrizione),
            esc(&r.stato),
            esc(&ses.csrf),
            esc(&r.codice),
        );
    }
    pagina(
        "Richieste di assistenza",
        &format!(
            "<h1>Richieste di assistenza - Comune di {}</h1><nav aria-label=\"Sezioni\"><a href=\"{b}\">Appuntamenti</a><a href=\"{b}segnalazioni\">Segnalazioni</a><a href=\"{b}valutazioni\">Valutazioni delle pagine</a><a href=\"{b}assistenza.csv\">Esporta CSV</a></nav><p>{} richieste</p><table><thead><tr><th scope=\"col\">Ricevuta</th><th scope=\"col\">Codice</th><th scope=\"col\">Richiedente</th><th scope=\"col\">Email</th><th scope=\"col\">Categoria</th><th scope=\"col\">Servizio</th><th scope=\"col\">Richiesta</th><th scope=\"col\">Stato</th><th scope=\"col\">Azioni</th></tr></thead><tbody>{righe}</tbody></table>",
            esc(&nome),
            elenco.len()
        ),
    )
}

async fn richiesta_azione(
    State(s): State<Arc<AppState>>,
    UrlPath(comune): UrlPath<String>,
    h: HeaderMap,
    Form(a): Form<Azione>,
) -> Response {
    if !stessa_origine(&h) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let s2 = s.clone();
    let c2 = comune.clone();
    let esito = blocca(move || -> Result<(), StatusCode> {
        let ses = sessione(&s2, &c2, &h).ok_or(StatusCode::UNAUTHORIZED)?;
        if ses.csrf != a.csrf {
            return Err(StatusCode::FORBIDDEN);
        }
        let mut c = s2
            .pool
            .prendi()
            .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
        match super::assistenza::segna(&mut c, &c2, &a.codice, &a.azione) {
            Ok(true) => Ok(()),
            Ok(false) => Err(StatusCode::CONFLICT),
            Err(_) => Err(StatusCode::SERVICE_UNAVAILABLE),
        }
    })
    .await
    .unwrap_or(Err(StatusCode::SERVICE_UNAVAILABLE));
    match esito {
        Ok(()) => Redirect::to(&format!("{}assistenza", base(&comune))).into_response(),
        Err(StatusCode::UNAUTHORIZED) => entra(&s, &comune),
        Err(st) => (st, "operazione non riuscita").into_response(),
    }
}

async fn richieste_csv(
    State(s): State<Arc<AppState>>,
    UrlPath(comune): UrlPath<String>,
    h: HeaderMap,
) -> Response {
    let c2 = comune.clone();
    let dati = per_operatore(&s, &comune, h, move |c, _| {
        super::assistenza::elenco(c, &c2).ok()
    })
    .await;
    let Some((_, elenco)) = dati else {
        return entra(&s, &comune);
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    scrivi(
        &mut w,
        [
            "ricevuta",
            "codice",
            "nome",
            "cognome",
            "email",
            "categoria",
            "servizio",
            "richiesta",
            "stato",
        ],
    );
    for r in &elenco {
        scrivi(
            &mut w,
            [
                &r.creata,
                &r.codice,
                &r.nome,
                &r.cognome,
                &r.email,
                &r.categoria,
                &r.servizio,
                &r.descrizione,
                &r.stato,
            ],
        );
    }
    csv_scaricabile(
        format!("attachment; filename=\"assistenza-{comune}.csv\""),
        w.into_inner().unwrap_or_default(),
    )
}

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/operatori/{comune}/segnalazioni",
            get(segnalazioni::elenco),
        )
        .route(
            "/operatori/{comune}/segnalazioni.csv",
            get(segnalazioni::csv),
        )
        .route(
            "/operatori/{comune}/segnalazioni/{codice}",
            get(segnalazioni::scheda),
        )
        .route(
            "/operatori/{comune}/segnalazioni/{codice}/azione",
            post(segnalazioni::agisci),
        )
        .route(
            "/operatori/{comune}/segnalazioni/{codice}/file/{n}",
            get(segnalazioni::file),
        )
        .route("/operatori/{comune}/pratiche", get(pratiche::elenco))
        .route("/operatori/{comune}/pratiche.csv", get(pratiche::csv))
        .route(
            "/operatori/{comune}/pratiche/{numero}",
            get(pratiche::scheda),
        )
        .route(
            "/operatori/{comune}/pratiche/{numero}/azione",
            post(pratiche::agisci).layer(axum::extract::DefaultBodyLimit::max(
                crate::richiesta::MAX_ISTANZA,
            )),
        )
        .route(
            "/operatori/{comune}/pratiche/{numero}/file/{n}",
            get(pratiche::file),
        )
        .route("/operatori/{comune}/assistenza", get(richieste))
        .route(
            "/operatori/{comune}/assistenza/azione",
            post(richiesta_azione),
        )
        .route("/operatori/{comune}/assistenza.csv", get(richieste_csv))
        .route("/operatori/{comune}/valutazioni", get(valutazioni))
        .route("/operatori/{comune}/valutazioni.csv", get(valutazioni_csv))
        .route("/operatori/{comune}/", get(agenda))
        .route("/operatori/{comune}/accesso", get(accesso).post(accedi))
        .route("/operatori/{comune}/azione", post(azione))
        .route("/operatori/{comune}/uscita", post(uscita))
        .route("/operatori/{comune}/export.csv", get(esporta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_the_file_is_checked() {
        let h = hash_password("segreta lunga").unwrap();
        assert!(h.starts_with("$argon2id$"));
        let ph = PasswordHash::new(&h).unwrap();
        assert!(Argon2::default()
            .verify_password(b"segreta lunga", &ph)
            .is_ok());
        assert!(Argon2::default().verify_password(b"altra", &ph).is_err());
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("operatori.yaml");
        std::fs::write(
            &f,
            "operatori:\n  - comune: valfiorita\n    utente: mario\n    password: chiaro\n",
        )
        .unwrap();
        assert!(carica(&f).unwrap_err().contains("non è un hash argon2"));
        let manca = dir.path().join("manca.yaml");
        assert_eq!(
            carica(&manca).unwrap_err(),
            format!(
                "non riesco a leggere {}: il file o la cartella non esiste",
                manca.display()
            )
        );
        std::fs::write(
            &f,
            format!(
                "operatori:\n  - comune: valfiorita\n    utente: mario\n    password: \"{h}\"\n"
            ),
        )
        .unwrap();
        assert_eq!(carica(&f).unwrap().hash.len(), 1);
    }

    #[test]
    fn exported_cells_never_start_a_formula() {
        for (scritto, esportato) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+39 333", "'+39 333"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("Via Roma", "Via Roma"),
            ("", ""),
        ] {
            assert_eq!(cella(scritto), esportato);
        }
        let mut w = csv::Writer::from_writer(Vec::new());
        scrivi(&mut w, ["=1+1", "ok"]);
        assert_eq!(
            String::from_utf8(w.into_inner().unwrap()).unwrap(),
            "'=1+1,ok\n"
        );
    }

    #[test]
    fn same_origin_checks() {
        let mut h = HeaderMap::new();
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!stessa_origine(&h));
        let mut h = HeaderMap::new();
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        h.insert(
            header::HOST,
            HeaderValue::from_static("sportello.example.it"),
        );
        assert!(!stessa_origine(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://sportello.example.it"),
        );
        assert!(stessa_origine(&h));
    }
}
