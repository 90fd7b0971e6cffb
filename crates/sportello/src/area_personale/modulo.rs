//! The istanza's pages in the area personale, following the Designers Italia flow: the form
//! (informativa and consent, the data, the attachments), saved as a draft at every sending so
//! nothing is lost; the riepilogo ("Le informazioni che hai fornito hanno valore di
//! dichiarazione"); the sending, which makes the pratica from the draft and shows the
//! confirmation. "Salva la bozza" keeps the draft for later; the area personale lists the drafts.

use std::sync::Arc;

use axum::extract::{Form, Multipart, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use civico_core::modulo::{ServizioOnline, Valore};
use civico_core::sportello::AreaPersonale;

use super::{base, blocca, configurazione, esc, messaggi, pagina, sessione, stessa_origine, S};
use crate::bozze::{self, Bozza};
use crate::cittadini::Sessione;
use crate::istanze::{self, Inseriti};
use crate::pratiche;
use crate::registro::Fallito;
use crate::servizio::{errore, AppState, Ente};

/// The comune, its area personale and one of its services taking istanze.
fn servizio_di(
    s: &AppState,
    comune: &str,
    servizio: &str,
) -> Result<(Arc<Ente>, AreaPersonale, ServizioOnline), Response> {
    let (e, conf) = configurazione(s, comune)?;
    let sv = e
        .servizi_online
        .iter()
        .find(|x| x.slug == servizio)
        .cloned()
        .ok_or_else(|| {
            errore(
                StatusCode::NOT_FOUND,
                "questo servizio non accetta istanze online",
            )
        })?;
    Ok((Arc::new(e), conf, sv))
}

fn senza_sessione(e: &Ente, comune: &str, sv: &ServizioOnline) -> Response {
    let corpo = format!(
        "<p>Per presentare questa istanza online accedi all'area personale con SPID o CIE.</p><p><a class=\"btn\" href=\"{area}accedi?dopo=istanze/{slug}\">Entra con SPID o CIE</a></p><h2>Se non hai SPID o CIE</h2><p>Puoi presentare l'istanza scrivendo alla posta elettronica certificata del Comune, <a href=\"mailto:{pec}\">{pec}</a>, o presso gli uffici comunali (<a href=\"{sito}/servizi/{slug}/\">scheda del servizio</a>).</p>",
        area = esc(&base(e, comune).unwrap_or_default()),
        pec = esc(&e.pec),
        sito = esc(&e.sito),
        slug = esc(&sv.slug)
    );
    let mut r = pagina(e, &sv.titolo, &corpo, "");
    *r.status_mut() = StatusCode::UNAUTHORIZED;
    r
}

/// The comune, the service and the logged-in citizen; or the page to show instead.
async fn con_sessione(
    s: &Arc<AppState>,
    comune: &str,
    servizio: &str,
    h: &HeaderMap,
) -> Result<(Arc<Ente>, AreaPersonale, ServizioOnline, Sessione), Response> {
    let (e, conf, sv) = servizio_di(s, comune, servizio)?;
    match sessione(s, comune, conf.sessione_minuti, h).await {
        Some(chi) => Ok((e, conf, sv, chi)),
        None => Err(senza_sessione(&e, comune, &sv)),
    }
}

/// A draft of the citizen for this service.
async fn bozza_di(
    s: &Arc<AppState>,
    comune: &str,
    chi: &Sessione,
    sv: &ServizioOnline,
    id: &str,
) -> Option<Bozza> {
    if !bozze::id_valido(id) {
        return None;
    }
    let (s2, c2, cf, id) = (
        s.clone(),
        comune.to_string(),
        chi.codice_fiscale.clone(),
        id.to_string(),
    );
    let b = blocca(move || {
        let mut c = s2.pool.prendi().ok()?;
        bozze::leggi(&mut c, &c2, &cf, &id).ok().flatten()
    })
    .await
    .flatten()?;
    (b.servizio == sv.slug).then_some(b)
}

#[derive(Deserialize, Default)]
pub(super) struct ConBozza {
    #[serde(default)]
    bozza: String,
    #[serde(default)]
    salvata: Option<String>,
}

/// The form: empty, or filled from a draft.
pub(super) async fn modulo(
    State(s): S,
    UrlPath((comune, servizio)): UrlPath<(String, String)>,
    Query(q): Query<ConBozza>,
    h: HeaderMap,
) -> Response {
    let (e, _, sv, chi) = match con_sessione(&s, &comune, &servizio, &h).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let bozza = bozza_di(&s, &comune, &chi, &sv, &q.bozza).await;
    let mut corpo = String::new();
    if let (Some(b), Some(_)) = (&bozza, &q.salvata) {
        corpo.push_str(&format!(
            "<p class=\"errore\" role=\"status\">Bozza salvata. La trovi nell'area personale fino al {}.</p>",
            esc(&giorno(&b.scade, s.tz))
        ));
    }
    let valori = bozza.as_ref().map(|b| b.valori.clone()).unwrap_or_default();
    corpo.push_str(&istanze::pagina(
        &sv,
        &chi,
        &e.sportello.informativa,
        &valori,
        &Default::default(),
        bozza.as_ref().map(|b| b.id.as_str()),
    ));
    pagina(&e, &sv.titolo, &corpo, "")
}

use crate::registro::giorno_lungo as giorno;

/// Reads a multipart form: its text fields and its files (field, file name, content).
pub(super) async fn leggi_modulo(
    mut m: Multipart,
) -> Result<(Vec<(String, String)>, Vec<(String, String, Vec<u8>)>), Response> {
    let (mut testi, mut file) = (Vec::new(), Vec::new());
    let illeggibile = || {
        errore(
            StatusCode::BAD_REQUEST,
            "il modulo inviato non si può leggere: riprova",
        )
    };
    while let Some(f) = m.next_field().await.map_err(|_| illeggibile())? {
        let nome = f.name().unwrap_or("").to_string();
        if testi.len() + file.len() > 300 || file.len() > 3 {
            return Err(errore(
                StatusCode::PAYLOAD_TOO_LARGE,
                "il modulo ha troppi campi o file",
            ));
        }
        match f.file_name().map(str::to_string) {
            Some(n) => {
                let b = f.bytes().await.map_err(|_| illeggibile())?;
                file.push((nome, n, b.to_vec()));
            }
            None => testi.push((nome, f.text().await.map_err(|_| illeggibile())?)),
        }
    }
    Ok((testi, file))
}

/// The form's values of a draft (without the consents), with the identity's in its fields.
fn campi(sv: &ServizioOnline, chi: &Sessione, valori: &Inseriti) -> Inseriti {
    let mut campi: Inseriti = valori
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "privacy" | "dichiaro" | "chiave"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    pratiche::con_identita(sv, chi, &mut campi);
    campi
}

/// What is missing before sending: the consents, and every field error of the form.
fn errori_di(
    sv: &ServizioOnline,
    chi: &Sessione,
    valori: &Inseriti,
) -> std::collections::BTreeMap<String, String> {
    let mut errori = std::collections::BTreeMap::new();
    for (k, msg) in [
        (
            "privacy",
            "Conferma di aver letto l'informativa sulla privacy",
        ),
        ("dichiaro", "Conferma le dichiarazioni prima di inviare"),
    ] {
        if !valori.contains_key(k) {
            errori.insert(k.to_string(), msg.to_string());
        }
    }
    errori.extend(civico_core::modulo::valida(
        &sv.modulo,
        &campi(sv, chi, valori),
    ));
    errori
}

/// The form sent: saved as a draft; then the riepilogo, or the form again with its errors.
pub(super) async fn salva(
    State(s): S,
    UrlPath((comune, servizio)): UrlPath<(String, String)>,
    h: HeaderMap,
    corpo: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    if !stessa_origine(&h) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let (e, conf, sv, chi) = match con_sessione(&s, &comune, &servizio, &h).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Ok(m) = corpo else {
        return errore(
            StatusCode::BAD_REQUEST,
            "il modulo va inviato come multipart/form-data",
        );
    };
    let (testi, file) = match leggi_modulo(m).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let campo = |k: &str| {
        testi
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (id, azione) = (campo("bozza"), campo("azione"));
    let (valori, inviati, errori_file) = istanze::valori(&sv, &testi, file);
    let (s2, c2, cf, slug) = (
        s.clone(),
        comune.clone(),
        chi.codice_fiscale.clone(),
        sv.slug.clone(),
    );
    let giorni = conf.bozze_giorni;
    let salvata = blocca(move || {
        let mut c = s2.pool.prendi().ok()?;
        let f: Vec<(&str, &crate::allegati::Allegato)> = inviati
            .iter()
            .map(|f| (f.campo.as_str(), &f.file))
            .collect();
        let id = bozze::salva(
            &mut c,
            &c2,
            &cf,
            &slug,
            Some(&id),
            &valori,
            &f,
            bozze::scadenza(giorni),
        )
        .ok()?;
        bozze::leggi(&mut c, &c2, &cf, &id).ok().flatten()
    })
    .await
    .flatten();
    let Some(b) = salvata else {
        return errore(
            StatusCode::SERVICE_UNAVAILABLE,
            "servizio momentaneamente non disponibile",
        );
    };
    let qui = format!(
        "{}istanze/{}",
        base(&e, &comune).unwrap_or_default(),
        sv.slug
    );
    if azione == "salva" {
        return Redirect::to(&format!("{qui}?bozza={}&salvata=1", b.id)).into_response();
    }
    let mut errori = errori_di(&sv, &chi, &b.valori);
    errori.extend(errori_file);
    if errori.is_empty() {
        return Redirect::to(&format!("{qui}/riepilogo?bozza={}", b.id)).into_response();
    }
    let corpo = istanze::pagina(
        &sv,
        &chi,
        &e.sportello.informativa,
        &b.valori,
        &errori,
        Some(&b.id),
    );
    let mut r = pagina(&e, &sv.titolo, &corpo, "");
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

/// The riepilogo of a complete draft (an incomplete one goes back to the form).
pub(super) async fn riepilogo(
    State(s): S,
    UrlPath((comune, servizio)): UrlPath<(String, String)>,
    Query(q): Query<ConBozza>,
    h: HeaderMap,
) -> Response {
    let (e, _, sv, chi) = match con_sessione(&s, &comune, &servizio, &h).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let qui = format!(
        "{}istanze/{}",
        base(&e, &comune).unwrap_or_default(),
        sv.slug
    );
    let Some(b) = bozza_di(&s, &comune, &chi, &sv, &q.bozza).await else {
        return Redirect::to(&qui).into_response();
    };
    if !errori_di(&sv, &chi, &b.valori).is_empty() {
        return Redirect::to(&format!("{qui}?bozza={}", b.id)).into_response();
    }
    let mut valori = b.valori.clone();
    pratiche::con_identita(&sv, &chi, &mut valori);
    let corpo = istanze::riepilogo(&sv, &valori, &b.id, &crate::registro::casuale(24));
    pagina(&e, &sv.titolo, &corpo, "")
}

#[derive(Deserialize)]
pub(super) struct Invio {
    #[serde(default)]
    bozza: String,
    #[serde(default)]
    chiave: String,
}

/// Sends a draft: the pratica, its messages, the confirmation; the draft goes.
pub(super) async fn invia(
    State(s): S,
    UrlPath((comune, servizio)): UrlPath<(String, String)>,
    h: HeaderMap,
    Form(f): Form<Invio>,
) -> Response {
    if !stessa_origine(&h) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let (e, conf, sv, chi) = match con_sessione(&s, &comune, &servizio, &h).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let chiave = istanze::chiave_valida(&f.chiave).then_some(f.chiave);
    let bozza = bozza_di(&s, &comune, &chi, &sv, &f.bozza).await;
    let (s2, e2) = (s.clone(), e.clone());
    let out = blocca(move || -> Result<Response, Fallito> {
        let mut c = s2.pool.prendi()?;
        let quando = civico_core::date::data_lunga(Utc::now().with_timezone(&s2.tz).date_naive());
        // A repeated sending (a double click, a retry): the pratica the first one made.
        if let Some(k) = &chiave {
            if let Some(p) = pratiche::gia_inviata(&mut c, &comune, &chi.codice_fiscale, k)? {
                let corpo = istanze::conferma(
                    &p,
                    chi.email.as_deref(),
                    &quando,
                    &base(&e2, &comune).unwrap_or_default(),
                );
                return Ok(pagina(&e2, &p.titolo, &corpo, ""));
            }
        }
        let qui = format!(
            "{}istanze/{}",
            base(&e2, &comune).unwrap_or_default(),
            sv.slug
        );
        let Some(b) = bozza else {
            return Ok(Redirect::to(&qui).into_response());
        };
        if !errori_di(&sv, &chi, &b.valori).is_empty() {
            return Ok(Redirect::to(&format!("{qui}?bozza={}", b.id)).into_response());
        }
        let mut valori = campi(&sv, &chi, &b.valori);
        valori.retain(|k, v| {
            sv.modulo.campi().any(|c| &c.nome.value == k)
                && !matches!(v, Valore::Testo(t) if t.is_empty())
        });
        let file: Vec<pratiche::File<'_>> = b
            .file
            .iter()
            .map(|(campo, f)| pratiche::File { campo, file: f })
            .collect();
        let ist = pratiche::Istanza {
            servizio: &sv,
            chi: &chi,
            valori: &valori,
            file: &file,
            chiave: chiave.as_deref(),
        };
        let p = pratiche::registra(&mut c, &comune, &ist, Utc::now(), |p, d| {
            messaggi(&s2, &e2, &comune, &conf, &ist, p, d)
        })?;
        bozze::elimina(&mut c, &comune, &chi.codice_fiscale, &b.id)?;
        s2.sveglia_postino();
        let corpo = istanze::conferma(
            &p,
            chi.email.as_deref(),
            &quando,
            &base(&e2, &comune).unwrap_or_default(),
        );
        let mut r = pagina(&e2, &p.titolo, &corpo, "");
        *r.status_mut() = StatusCode::CREATED;
        Ok(r)
    })
    .await;
    crate::servizio::risposta_di(out)
}
