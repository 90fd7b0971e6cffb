//! The area personale of a comune, served by the service under `/area-personale/{comune}/`:
//! login with SPID or CIE through the comune's gateway (`identita`), the citizen's data, *Le
//! mie pratiche*, logout (here and at the gateway). The pages work without JavaScript. The
//! session cookie is HttpOnly, `SameSite=Lax` (the return from the gateway is a cross-site
//! navigation), `Secure` off loopback; it is first-party because the service is reached under
//! the comune's own address (README: the comune's site proxies a path to the service).
//!
//! The JSON API for the site's pages: `GET /api/v1/{comune}/pratiche` (the citizen's
//! pratiche), `GET /api/v1/{comune}/pratiche/{numero}` and `POST /api/v1/{comune}/istanze` (an
//! istanza checked against the service's form); all answer 401 without a session.

use std::sync::Arc;

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::cittadini::{self, Sessione};
use crate::identita::ErroreAccesso;
use crate::istanze;
use crate::pratiche;
use crate::protocollo;
use crate::registro::{casuale, Fallito};
use crate::richiesta::Corpo;
use crate::servizio::{errore, AppState, Ente};
use civico_core::sportello::AreaPersonale;

mod modulo;
mod pratica;

type S = State<Arc<AppState>>;

fn base(e: &Ente, comune: &str) -> Option<String> {
    e.pubblico
        .as_ref()
        .map(|p| format!("{p}/area-personale/{comune}/"))
}

fn cookie_sessione(comune: &str) -> String {
    format!("civico_cittadino_{comune}")
}
fn cookie_accesso(comune: &str) -> String {
    format!("civico_accesso_{comune}")
}

use crate::richiesta::cookie as leggi_cookie;

fn imposta_cookie(r: &mut Response, nome: &str, valore: &str, secondi: i64, sicuro: bool) {
    let v = format!(
        "{nome}={valore}; Path=/; HttpOnly; SameSite=Lax; Max-Age={secondi}{}",
        if sicuro { "; Secure" } else { "" }
    );
    if let Ok(v) = HeaderValue::from_str(&v) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

use crate::esc;

/// A page of the area personale, with the comune's name and a link back to its site.
fn pagina(e: &Ente, titolo: &str, corpo: &str, azioni: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"it\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"robots\" content=\"noindex\"><title>{t} - Comune di {c}</title>\
<style>body{{font-family:\"Titillium Web\",system-ui,sans-serif;margin:0;color:#1a1a1a;line-height:1.5}}header{{background:#0066cc;color:#fff;padding:1rem 1.5rem}}header a{{color:#fff}}main{{max-width:60rem;margin:0 auto;padding:1.5rem}}table{{border-collapse:collapse;width:100%}}th,td{{border-bottom:1px solid #c5c7c9;padding:.5rem;text-align:left;vertical-align:top}}.btn{{display:inline-block;background:#0066cc;color:#fff;border:0;border-radius:4px;padding:.75rem 1.5rem;font-size:1rem;text-decoration:none;cursor:pointer}}.btn:focus,a:focus{{outline:3px solid #f90;outline-offset:2px}}.errore{{background:#fdecea;border-left:4px solid #d9364f;padding:.75rem 1rem}}dt{{font-weight:600}}dd{{margin:0 0 .5rem}}fieldset{{border:1px solid #c5c7c9;border-radius:4px;padding:.5rem 1.25rem 1rem;margin:0 0 1.5rem}}legend{{font-weight:700;padding:0 .5rem}}.campo{{margin:1rem 0}}fieldset.campo{{margin:1rem 0}}.campo>label{{display:block;font-weight:600}}.campo input:not([type=radio]):not([type=checkbox]),.campo textarea,.campo select{{display:block;box-sizing:border-box;width:100%;max-width:32rem;margin-top:.25rem;padding:.5rem;font:inherit;border:1px solid #5d7083;border-radius:4px;background:#fff}}.campo input[readonly]{{background:#eef0f2;color:#1a1a1a}}.campo p{{margin:.25rem 0}}.aiuto{{margin:.25rem 0;color:#455b71;font-size:.9rem}}.errore-campo{{margin:.25rem 0;color:#a3192f;font-weight:600}}[aria-invalid=true]{{border-color:#a3192f!important}}input[type=radio],input[type=checkbox]{{width:1.1rem;height:1.1rem;vertical-align:-.15rem}}.btn-secondario{{background:#fff;color:#0066cc;border:2px solid #0066cc}}.azioni .btn{{margin:0 .5rem .5rem 0}}@media (max-width:40rem){{table.impilata,table.impilata tbody,table.impilata tr,table.impilata td{{display:block}}table.impilata thead{{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}}table.impilata tr{{border-bottom:1px solid #c5c7c9;padding:.5rem 0}}table.impilata td{{border:0;padding:.15rem 0}}table.impilata td::before{{content:attr(data-etichetta) \": \";font-weight:600}}}}.visually-hidden{{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}}</style></head>\
<body><header><a href=\"{sito}/\">Comune di {c}</a></header><main id=\"main-container\"><h1>{t}</h1>{corpo}</main></body></html>",
        t = esc(titolo),
        c = esc(&e.nome),
        sito = esc(&e.sito),
    );
    let mut r = Html(html).into_response();
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' {azioni}; frame-ancestors 'none'"
    )) {
        h.insert("content-security-policy", v);
    }
    r
}

/// The comune's area personale section, or the page (404) that says there is none.
fn configurazione(s: &AppState, comune: &str) -> Result<(Ente, AreaPersonale), Response> {
    let enti = s.enti();
    let e = enti.get(comune);
    match e.and_then(|e| e.sportello.area_personale.clone().map(|a| (e.clone(), a))) {
        Some(x) => Ok(x),
        None => Err(errore(
            StatusCode::NOT_FOUND,
            "questo comune non ha un'area personale",
        )),
    }
}

use crate::servizio::blocca;

/// The codice fiscale of the citizen logged into `comune` on this request, if any (for linking
/// what they book or report).
pub(crate) async fn cittadino(s: &Arc<AppState>, comune: &str, h: &HeaderMap) -> Option<String> {
    let conf = s.enti().get(comune)?.sportello.area_personale.clone()?;
    sessione(s, comune, conf.sessione_minuti, h)
        .await
        .map(|x| x.codice_fiscale)
}

/// The session of this request's cookie, renewed.
async fn sessione(s: &Arc<AppState>, comune: &str, minuti: i64, h: &HeaderMap) -> Option<Sessione> {
    let id = leggi_cookie(h, &cookie_sessione(comune))?;
    let (s2, c2) = (s.clone(), comune.to_string());
    blocca(move || {
        let mut c = s2.pool.prendi().ok()?;
        cittadini::sessione(&mut c, &c2, &id, minuti, Utc::now())
            .ok()
            .flatten()
    })
    .await
    .flatten()
}

#[derive(Deserialize, Default)]
struct Avviso {
    #[serde(default)]
    errore: Option<String>,
    #[serde(default)]
    uscito: Option<String>,
}

/// The message of an error code carried back in the address.
fn messaggio(codice: &str, minimo: u8) -> String {
    let e = match codice {
        "gateway" => ErroreAccesso::Gateway(String::new()),
        "configurazione" => ErroreAccesso::Configurazione(String::new()),
        "annullato" => ErroreAccesso::Annullato,
        "livello" => ErroreAccesso::Livello {
            livello: None,
            minimo,
        },
        "dati" => ErroreAccesso::Dati("i dati necessari"),
        "token" => ErroreAccesso::Token(String::new()),
        _ => ErroreAccesso::Sessione,
    };
    e.messaggio()
}

fn codice(e: &ErroreAccesso) -> &'static str {
    match e {
        ErroreAccesso::Gateway(_) => "gateway",
        ErroreAccesso::Configurazione(_) => "configurazione",
        ErroreAccesso::Annullato => "annullato",
        ErroreAccesso::Sessione => "sessione",
        ErroreAccesso::Token(_) => "token",
        ErroreAccesso::Livello { .. } => "livello",
        ErroreAccesso::Dati(_) => "dati",
    }
}

/// The area personale: the login button, or the citizen's data and pratiche.
async fn area(
    State(s): S,
    UrlPath(comune): UrlPath<String>,
    Query(q): Query<Avviso>,
    h: HeaderMap,
) -> Response {
    let (e, conf) = match configurazione(&s, &comune) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(chi) = sessione(&s, &comune, conf.sessione_minuti, &h).await else {
        let avviso = match (&q.errore, &q.uscito) {
            (Some(c), _) => format!(
                "<p class=\"errore\" role=\"alert\">{}</p>",
                esc(&messaggio(c, conf.livello_minimo))
            ),
            (None, Some(_)) => "<p role=\"status\">Sei uscito dall'area personale.</p>".into(),
            _ => String::new(),
        };
        let corpo = format!(
            "{avviso}<p>Nell'area personale trovi le tue pratiche, i tuoi appuntamenti e le tue segnalazioni, e puoi presentare istanze online al Comune.</p><p>Per entrare serve SPID (livello {} o superiore) o la Carta d'identità elettronica.</p><p><a class=\"btn\" href=\"accedi\" data-element=\"personal-area-login\">Entra con SPID o CIE</a></p>",
            conf.livello_minimo
        );
        return pagina(&e, "Area personale", &corpo, "");
    };
    let (s2, c2, cf) = (s.clone(), comune.clone(), chi.codice_fiscale.clone());
    let elenco = blocca(move || {
        let mut c = s2.pool.prendi().ok()?;
        Some(Elenchi {
            pratiche: pratiche::elenco(&mut c, &c2, &cf).ok()?,
            bozze: crate::bozze::elenco(&mut c, &c2, &cf).ok()?,
            appuntamenti: cittadini::appuntamenti(&mut c, &c2, &cf).ok()?,
            segnalazioni: cittadini::segnalazioni(&mut c, &c2, &cf).ok()?,
        })
    })
    .await
    .flatten();
    let Some(elenchi) = elenco else {
        return errore(
            StatusCode::SERVICE_UNAVAILABLE,
            "servizio momentaneamente non disponibile",
        );
    };
    pagina(
        &e,
        "Area personale",
        &corpo_area(&e, &chi, &elenchi, s.tz),
        &origine_gateway(&conf),
    )
}

fn origine_gateway(conf: &AreaPersonale) -> String {
    url::Url::parse(&conf.emittente)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

/// The drafts, with the service's title and their expiry.
fn elenco_bozze(
    e: &Ente,
    bozze: &[(String, String, String, String)],
    data: impl Fn(&str) -> String,
) -> String {
    if bozze.is_empty() {
        return String::new();
    }
    let voci: String = bozze
        .iter()
        .map(|(id, servizio, _, scade)| {
            let titolo = e
                .servizi_online
                .iter()
                .find(|s| &s.slug == servizio)
                .map_or(servizio.as_str(), |s| s.titolo.as_str());
            format!(
                "<li><a href=\"istanze/{}?bozza={}\">{}</a>: bozza da completare, resta fino al {}</li>",
                esc(servizio),
                esc(id),
                esc(titolo),
                esc(&data(scade))
            )
        })
        .collect();
    format!("<h2>Le mie bozze</h2><ul class=\"bozze\">{voci}</ul>")
}

/// What the area personale lists.
struct Elenchi {
    pratiche: Vec<pratiche::Pratica>,
    bozze: Vec<(String, String, String, String)>,
    appuntamenti: Vec<(String, String, String, String)>,
    segnalazioni: Vec<(String, String, String, String)>,
}

/// "I miei appuntamenti" and "Le mie segnalazioni": those made while logged in.
fn appuntamenti_e_segnalazioni(e: &Ente, l: &Elenchi, tz: chrono_tz::Tz) -> String {
    let quando = |t: &str| crate::registro::quando_lungo(t, tz);
    let appuntamenti: String = l
        .appuntamenti
        .iter()
        .map(|(codice, sportello, inizio, stato)| {
            let ufficio = e
                .ufficio(sportello)
                .map_or(sportello.as_str(), |u| u.nome.as_str());
            format!(
                "<li>{}: {} ({}, codice {})</li>",
                esc(&quando(inizio)),
                esc(ufficio),
                esc(stato),
                esc(codice)
            )
        })
        .collect();
    let segnalazioni: String = l
        .segnalazioni
        .iter()
        .map(|(codice, titolo, stato, creata)| {
            format!(
                "<li>{} ({}, inviata il {}, codice {})</li>",
                esc(titolo),
                esc(crate::segnalazioni::etichetta(stato)),
                esc(&quando(creata)),
                esc(codice)
            )
        })
        .collect();
    let vuoto = |s: String, nessuno: &str| {
        if s.is_empty() {
            format!("<p>{nessuno}</p>")
        } else {
            format!("<ul>{s}</ul>")
        }
    };
    format!(
        "<h2>I miei appuntamenti</h2>{}<h2>Le mie segnalazioni</h2>{}",
        vuoto(
            appuntamenti,
            "Nessun appuntamento prenotato mentre eri nell'area personale."
        ),
        vuoto(
            segnalazioni,
            "Nessuna segnalazione inviata mentre eri nell'area personale."
        )
    )
}

fn corpo_area(e: &Ente, chi: &Sessione, l: &Elenchi, tz: chrono_tz::Tz) -> String {
    let (elenco, bozze) = (&l.pratiche, &l.bozze);
    let data = |t: &str| crate::registro::giorno_lungo(t, tz);
    let righe: String = elenco
        .iter()
        .map(|p| {
            format!(
                "<tr><td data-etichetta=\"Numero\"><a href=\"pratiche/{n}\">{n}</a></td><td data-etichetta=\"Servizio\">{}</td><td data-etichetta=\"Stato\">{}</td><td data-etichetta=\"Inviata il\">{}</td><td data-etichetta=\"Conclusione entro\">{}</td></tr>",
                esc(&p.titolo),
                p.stato_etichetta,
                data(&p.creata),
                data(&p.scadenza),
                n = esc(&p.numero),
            )
        })
        .collect();
    let pratiche = if elenco.is_empty() {
        "<p>Non hai ancora pratiche con il Comune.</p>".to_string()
    } else {
        format!("<table class=\"impilata\"><caption class=\"visually-hidden\">Le mie pratiche</caption><thead><tr><th scope=\"col\">Numero</th><th scope=\"col\">Servizio</th><th scope=\"col\">Stato</th><th scope=\"col\">Inviata il</th><th scope=\"col\">Conclusione entro</th></tr></thead><tbody>{righe}</tbody></table>")
    };
    let servizi: String = e
        .servizi_online
        .iter()
        .map(|x| {
            format!(
                "<li><a href=\"istanze/{}\">{}</a></li>",
                esc(&x.slug),
                esc(&x.titolo)
            )
        })
        .collect();
    format!(
        "<p>Ciao {nome} {cognome}.</p><h2>I miei dati</h2><dl><dt>Codice fiscale</dt><dd>{cf}</dd><dt>Email</dt><dd>{email}</dd></dl>\
<h2>Le mie pratiche</h2>{pratiche}{bozze}{altro}<h2>Servizi online</h2><ul>{servizi}</ul>\
<form method=\"post\" action=\"esci\"><button class=\"btn\" type=\"submit\">Esci</button></form>",
        nome = esc(&chi.nome),
        cognome = esc(&chi.cognome),
        cf = esc(&chi.codice_fiscale),
        email = esc(chi.email.as_deref().unwrap_or("non comunicata")),
        bozze = elenco_bozze(e, bozze, data),
        altro = appuntamenti_e_segnalazioni(e, l, tz),
    )
}

/// Starts a login: to the gateway, with this browser bound to the attempt.
#[derive(Deserialize, Default)]
struct Dopo {
    #[serde(default)]
    dopo: String,
}

async fn accedi(
    State(s): S,
    UrlPath(comune): UrlPath<String>,
    Query(d): Query<Dopo>,
    h: HeaderMap,
) -> Response {
    let (e, conf) = match configurazione(&s, &comune) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(b) = base(&e, &comune) else {
        return errore(
            StatusCode::SERVICE_UNAVAILABLE,
            &ErroreAccesso::Configurazione(String::new()).messaggio(),
        );
    };
    let ritorno = format!("{b}ritorno");
    let (s2, c2) = (s.clone(), comune.clone());
    let legame = casuale(32);
    let l2 = legame.clone();
    let avvio = blocca(move || -> Result<String, ErroreAccesso> {
        let a = s2.gateway.avvia(&conf, &ritorno)?;
        let mut c = s2
            .pool
            .prendi()
            .map_err(|e| ErroreAccesso::Gateway(e.to_string()))?;
        let nuovo = cittadini::Nuovo {
            stato: &a.stato,
            legame: &l2,
            nonce: &a.nonce,
            verificatore: &a.verificatore,
            dopo: &d.dopo,
        };
        cittadini::inizia(&mut c, &c2, &nuovo, Utc::now())
            .map_err(|e| ErroreAccesso::Gateway(e.to_string()))?;
        Ok(a.url)
    })
    .await;
    match avvio {
        Some(Ok(url)) => {
            let mut r = Redirect::to(&url).into_response();
            let secondi = cittadini::ACCESSO_MINUTI * 60;
            imposta_cookie(
                &mut r,
                &cookie_accesso(&comune),
                &legame,
                secondi,
                s.cookie_sicuro(&h),
            );
            r
        }
        Some(Err(err)) => {
            eprintln!(
                "sportello: area personale {comune}: accesso non avviato: {}",
                err.dettaglio()
            );
            let mut r = Redirect::to(&format!("{b}?errore={}", codice(&err))).into_response();
            *r.status_mut() = StatusCode::SEE_OTHER;
            r
        }
        None => errore(
            StatusCode::SERVICE_UNAVAILABLE,
            "servizio momentaneamente non disponibile",
        ),
    }
}

#[derive(Deserialize, Default)]
struct Ritorno {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// The return from the gateway: checks, then opens the session.
async fn ritorno(
    State(s): S,
    UrlPath(comune): UrlPath<String>,
    Query(q): Query<Ritorno>,
    h: HeaderMap,
) -> Response {
    let (e, conf) = match configurazione(&s, &comune) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(b) = base(&e, &comune) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let legame = leggi_cookie(&h, &cookie_accesso(&comune)).unwrap_or_default();
    let (s2, c2, b2) = (s.clone(), comune.clone(), b.clone());
    let esito = blocca(move || -> Result<(String, String), ErroreAccesso> {
        let db = |e: crate::db::DbErrore| ErroreAccesso::Gateway(e.to_string());
        let mut c = s2.pool.prendi().map_err(db)?;
        let stato = q.state.unwrap_or_default();
        let accesso = cittadini::riprendi(&mut c, &c2, &stato, &legame, Utc::now()).map_err(db)?;
        if q.error.is_some() {
            return Err(ErroreAccesso::Annullato);
        }
        let (Some(a), Some(codice)) = (accesso, q.code) else {
            return Err(ErroreAccesso::Sessione);
        };
        drop(c);
        let chi = s2.gateway.concludi(
            &conf,
            &format!("{b2}ritorno"),
            &codice,
            &a.verificatore,
            &a.nonce,
        )?;
        let mut c = s2.pool.prendi().map_err(db)?;
        let id =
            cittadini::apri(&mut c, &c2, &chi, conf.sessione_minuti, Utc::now()).map_err(db)?;
        Ok((id, a.dopo))
    })
    .await;
    let sicuro = s.cookie_sicuro(&h);
    let mut r = match esito {
        Some(Ok((id, dopo))) => {
            let mut r = Redirect::to(&format!("{b}{dopo}")).into_response();
            imposta_cookie(
                &mut r,
                &cookie_sessione(&comune),
                &id,
                cittadini::MASSIMO_ORE * 3600,
                sicuro,
            );
            r
        }
        Some(Err(err)) => {
            eprintln!(
                "sportello: area personale {comune}: accesso rifiutato: {}",
                err.dettaglio()
            );
            Redirect::to(&format!("{b}?errore={}", codice(&err))).into_response()
        }
        None => {
            return errore(
                StatusCode::SERVICE_UNAVAILABLE,
                "servizio momentaneamente non disponibile",
            )
        }
    };
    imposta_cookie(&mut r, &cookie_accesso(&comune), "", 0, sicuro);
    r
}

use crate::richiesta::stessa_origine;

/// Logout: the session ends here, then at the gateway when it offers it.
async fn esci(State(s): S, UrlPath(comune): UrlPath<String>, h: HeaderMap) -> Response {
    let (e, conf) = match configurazione(&s, &comune) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(b) = base(&e, &comune) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !stessa_origine(&h) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let chi = sessione(&s, &comune, conf.sessione_minuti, &h).await;
    let id = leggi_cookie(&h, &cookie_sessione(&comune)).unwrap_or_default();
    let (s2, c2, b2) = (s.clone(), comune.clone(), b.clone());
    let dove = blocca(move || {
        if let Ok(mut c) = s2.pool.prendi() {
            let _ = cittadini::chiudi(&mut c, &c2, &id);
        }
        let dopo = format!("{b2}?uscito=1");
        chi.and_then(|x| s2.gateway.uscita(&conf, &x.id_token, &dopo))
            .unwrap_or(dopo)
    })
    .await
    .unwrap_or_else(|| format!("{b}?uscito=1"));
    let mut r = Redirect::to(&dove).into_response();
    imposta_cookie(
        &mut r,
        &cookie_sessione(&comune),
        "",
        0,
        s.cookie_sicuro(&h),
    );
    r
}

fn non_autenticato() -> Response {
    errore(
        StatusCode::UNAUTHORIZED,
        "accedi all'area personale con SPID o CIE per continuare",
    )
}

/// The citizen's pratiche.
async fn api_pratiche(State(s): S, UrlPath(comune): UrlPath<String>, h: HeaderMap) -> Response {
    let conf = match configurazione(&s, &comune) {
        Ok((_, c)) => c,
        Err(r) => return r,
    };
    let Some(chi) = sessione(&s, &comune, conf.sessione_minuti, &h).await else {
        return non_autenticato();
    };
    let s2 = s.clone();
    let out = blocca(move || -> Result<Response, Fallito> {
        let mut c = s2.pool.prendi()?;
        let elenco = pratiche::elenco(&mut c, &comune, &chi.codice_fiscale)?;
        Ok(Json(json!({"pratiche": elenco})).into_response())
    })
    .await;
    crate::servizio::risposta_di(out)
}

/// One of the citizen's pratiche, with what was declared.
async fn api_pratica(
    State(s): S,
    UrlPath((comune, numero)): UrlPath<(String, String)>,
    h: HeaderMap,
) -> Response {
    let conf = match configurazione(&s, &comune) {
        Ok((_, c)) => c,
        Err(r) => return r,
    };
    let Some(chi) = sessione(&s, &comune, conf.sessione_minuti, &h).await else {
        return non_autenticato();
    };
    let s2 = s.clone();
    let out = blocca(move || -> Result<Response, Fallito> {
        let mut c = s2.pool.prendi()?;
        Ok(
            match pratiche::una(&mut c, &comune, &chi.codice_fiscale, &numero)? {
                Some((p, dati)) => Json(json!({"pratica": p, "dati": dati})).into_response(),
                None => errore(StatusCode::NOT_FOUND, "pratica inesistente"),
            },
        )
    })
    .await;
    crate::servizio::risposta_di(out)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Istanza {
    servizio: String,
    valori: serde_json::Map<String, Value>,
}

/// A new istanza: checked against the service's form, registered as a pratica, confirmed by
/// email.
async fn api_istanza(
    State(s): S,
    UrlPath(comune): UrlPath<String>,
    h: HeaderMap,
    corpo: Result<Corpo<Istanza>, Response>,
) -> Response {
    let (e, conf) = match configurazione(&s, &comune) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !stessa_origine(&h) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let Some(chi) = sessione(&s, &comune, conf.sessione_minuti, &h).await else {
        return non_autenticato();
    };
    let ist = match corpo {
        Ok(Corpo(i)) => i,
        Err(r) => return r,
    };
    let Some(servizio) = e
        .servizi_online
        .iter()
        .find(|x| x.slug == ist.servizio)
        .cloned()
    else {
        return errore(
            StatusCode::NOT_FOUND,
            "questo servizio non accetta istanze online",
        );
    };
    let mut valori = match pratiche::valori_da_json(&ist.valori) {
        Ok(v) => v,
        Err(m) => return errore(StatusCode::UNPROCESSABLE_ENTITY, &m),
    };
    let chiave = match h.get("idempotency-key").and_then(|v| v.to_str().ok()) {
        Some(k) if istanze::chiave_valida(k) => Some(k.to_string()),
        Some(_) => return errore(StatusCode::BAD_REQUEST, "chiave di idempotenza non valida"),
        None => None,
    };
    pratiche::con_identita(&servizio, &chi, &mut valori);
    let errori = civico_core::modulo::valida(&servizio.modulo, &valori);
    if !errori.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"errori": errori})),
        )
            .into_response();
    }
    let (s2, e2) = (s.clone(), e.clone());
    let out = blocca(move || -> Result<Response, Fallito> {
        let mut c = s2.pool.prendi()?;
        let ora = Utc::now();
        let ist = pratiche::Istanza {
            servizio: &servizio,
            chi: &chi,
            valori: &valori,
            file: &[],
            chiave: chiave.as_deref(),
        };
        let p = pratiche::registra(&mut c, &comune, &ist, ora, |p, d| {
            messaggi(&s2, &e2, &comune, &conf, &ist, p, d)
        })?;
        s2.sveglia_postino();
        Ok((StatusCode::CREATED, Json(json!({"pratica": p}))).into_response())
    })
    .await;
    crate::servizio::risposta_di(out)
}

/// The messages of a new pratica (`protocollo::messaggi`) for this comune.
fn messaggi(
    s: &AppState,
    e: &Ente,
    comune: &str,
    conf: &AreaPersonale,
    ist: &pratiche::Istanza<'_>,
    p: &pratiche::Pratica,
    dichiarato: &Value,
) -> pratiche::Avvisi {
    let area = base(e, comune).unwrap_or_default();
    let ente = protocollo::Ente {
        nome: &e.nome,
        codice_ipa: &e.codice_ipa,
        protocollo: conf.protocollo.as_deref().unwrap_or(&e.pec),
        area: &area,
    };
    let ora = p.creata.parse().unwrap_or_else(|_| Utc::now());
    let io = e.io_pratiche.is_some().then(|| {
        let cosa = format!(
            "è stata ricevuta: il procedimento si conclude entro {}.",
            protocollo::entro(p, s.tz)
        );
        crate::avvisi_io::componi(&p.numero, &p.titolo, "inviata", &cosa, &e.nome, &area)
    });
    pratiche::Avvisi {
        email: protocollo::messaggi(&ente, ist, p, dichiarato, ora, s.tz),
        io,
    }
}

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/area-personale/{comune}/pratiche/{numero}",
            get(pratica::scheda),
        )
        .route(
            "/area-personale/{comune}/pratiche/{numero}/ricevuta.pdf",
            get(pratica::ricevuta),
        )
        .route(
            "/area-personale/{comune}/pratiche/{numero}/file/{n}",
            get(pratica::file),
        )
        .route(
            "/area-personale/{comune}/pratiche/{numero}/integrazione",
            post(pratica::integra).layer(axum::extract::DefaultBodyLimit::max(
                crate::richiesta::MAX_ISTANZA,
            )),
        )
        .route(
            "/area-personale/{comune}/istanze/{servizio}",
            get(modulo::modulo)
                .post(modulo::salva)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::richiesta::MAX_ISTANZA,
                )),
        )
        .route(
            "/area-personale/{comune}/istanze/{servizio}/riepilogo",
            get(modulo::riepilogo),
        )
        .route(
            "/area-personale/{comune}/istanze/{servizio}/invia",
            post(modulo::invia),
        )
        .route("/area-personale/{comune}/", get(area))
        .route("/area-personale/{comune}/accedi", get(accedi))
        .route("/area-personale/{comune}/ritorno", get(ritorno))
        .route("/area-personale/{comune}/esci", post(esci))
        .route("/api/v1/{comune}/pratiche", get(api_pratiche))
        .route("/api/v1/{comune}/pratiche/{numero}", get(api_pratica))
        .route("/api/v1/{comune}/istanze", post(api_istanza))
}
