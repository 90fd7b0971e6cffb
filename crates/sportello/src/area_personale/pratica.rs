//! One pratica in the area personale: its state, term, protocol number and history as the
//! citizen sees it (the office, never which operator), the PDF ricevuta, and, while the office
//! awaits an integration, the form to answer with text and files. Only the citizen who sent it
//! reaches it; anyone else gets the same "not found".

use std::sync::Arc;

use axum::extract::{Multipart, Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;

use super::modulo::leggi_modulo;
use super::{base, blocca, configurazione, esc, pagina, sessione, stessa_origine, S};
use crate::allegati;
use crate::cittadini::Sessione;
use crate::istruttoria::{self, Chi, Passo, Respinta, Scheda};
use crate::pratiche::{etichetta, File};
use crate::registro::Email;
use crate::servizio::{AppState, Ente};

/// The comune, the session and the citizen's pratica `numero`; or the answer to give.
async fn sua(
    s: &Arc<AppState>,
    comune: &str,
    numero: &str,
    h: &HeaderMap,
) -> Result<(Ente, Sessione, Scheda, Vec<Passo>), Response> {
    let (e, conf) = configurazione(s, comune)?;
    let Some(chi) = sessione(s, comune, conf.sessione_minuti, h).await else {
        let b = base(&e, comune).unwrap_or_default();
        return Err(Redirect::to(&b).into_response());
    };
    let (s2, c2, n2, cf) = (
        s.clone(),
        comune.to_string(),
        numero.to_string(),
        chi.codice_fiscale.clone(),
    );
    let letta = blocca(move || {
        let mut c = s2.pool.prendi().ok()?;
        let x = istruttoria::leggi(&mut c, &c2, &n2, Chi::Cittadino(&cf)).ok()?;
        let passi = istruttoria::passi(&mut c, &c2, &n2).ok()?;
        Some((x, passi))
    })
    .await
    .flatten();
    match letta {
        Some((Some(x), passi)) => Ok((e, chi, x, passi)),
        Some((None, _)) => {
            let mut r = pagina(&e, "Pratica non trovata", "<p>Non hai una pratica con questo numero. <a href=\"../\">Torna all'area personale</a></p>", "");
            *r.status_mut() = StatusCode::NOT_FOUND;
            Err(r)
        }
        None => Err(crate::servizio::errore(
            StatusCode::SERVICE_UNAVAILABLE,
            "servizio momentaneamente non disponibile",
        )),
    }
}

use crate::registro::quando_lungo as data;

/// The history as the citizen reads it.
fn storia(passi: &[Passo], tz: chrono_tz::Tz) -> String {
    let righe: String = passi
        .iter()
        .map(|p| {
            let chi = if p.chi == "cittadino" {
                "Tu"
            } else {
                "L'ufficio"
            };
            let cosa = match p.azione.as_str() {
                "inviata" => "Istanza inviata".to_string(),
                "integrazione" => "Integrazione inviata".to_string(),
                _ => etichetta(&p.stato).to_string(),
            };
            format!(
                "<li><strong>{}</strong> - {chi}: {}{}</li>",
                esc(&data(&p.quando, tz)),
                esc(&cosa),
                if p.messaggio.is_empty() {
                    String::new()
                } else {
                    format!("<br>{}", esc(&p.messaggio))
                }
            )
        })
        .collect();
    format!("<ol class=\"storia\">{righe}</ol>")
}

/// The answer form (its address is relative to the pratica's page, `pratiche/PR-…`).
fn modulo_integrazione(numero: &str, richiesta: &str) -> String {
    format!("<h2>Invia l'integrazione</h2><div class=\"errore\"><p>L'ufficio chiede:</p><p>{}</p></div><form method=\"post\" action=\"{}/integrazione\" enctype=\"multipart/form-data\">\
<div class=\"campo\"><label for=\"campo-testo\">La tua risposta *</label><textarea id=\"campo-testo\" name=\"testo\" rows=\"5\" maxlength=\"4000\" required></textarea></div>\
<div class=\"campo\"><label for=\"campo-documenti\">Documenti richiesti</label><p class=\"aiuto\" id=\"campo-documenti-aiuto\">Fino a 3 file PDF o foto, di 5 MB al massimo ciascuno.</p><input type=\"file\" id=\"campo-documenti\" name=\"documenti\" accept=\".pdf,.jpg,.jpeg,.png\" multiple aria-describedby=\"campo-documenti-aiuto\"></div>\
<p><button class=\"btn\" type=\"submit\">Invia l'integrazione</button></p></form>", esc(richiesta), esc(numero))
}

/// The page of one pratica.
pub(super) async fn scheda(
    State(s): S,
    UrlPath((comune, numero)): UrlPath<(String, String)>,
    h: HeaderMap,
) -> Response {
    let (e, _, x, passi) = match sua(&s, &comune, &numero, &h).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let tz = s.tz;
    let (s2, c2, n2) = (s.clone(), comune.clone(), x.numero.clone());
    let file = blocca(move || {
        let mut c = s2.pool.prendi().ok()?;
        istruttoria::file(&mut c, &c2, &n2).ok()
    })
    .await
    .flatten()
    .unwrap_or_default();
    let documenti: String = file
        .iter()
        .map(|f| {
            let da = match f.campo.as_str() {
                "documento" => "dall'ufficio",
                "integrazione" => "con la tua integrazione",
                _ => "con l'istanza",
            };
            format!(
                "<li><a href=\"{}/file/{}\" download>{}</a> ({da})</li>",
                esc(&x.numero),
                f.n,
                esc(&f.nome)
            )
        })
        .collect();
    let documenti = if documenti.is_empty() {
        String::new()
    } else {
        format!("<h2>Documenti</h2><ul class=\"documenti\">{documenti}</ul>")
    };
    let termine = if istruttoria::chiusa(&x.stato) {
        "procedimento concluso".to_string()
    } else if x.sospesa.is_some() {
        "sospeso in attesa della tua integrazione".to_string()
    } else {
        data(&x.scadenza, tz)
    };
    let corpo = format!(
        "<p><a href=\"../\">Area personale</a></p><dl><dt>Servizio</dt><dd>{}</dd><dt>Stato</dt><dd data-stato=\"{}\">{}</dd><dt>Inviata</dt><dd>{}</dd><dt>Conclusione entro</dt><dd>{}</dd><dt>Protocollo</dt><dd>{}</dd><dt>Ufficio</dt><dd>{}</dd></dl>\
<p><a class=\"btn\" href=\"{n}/ricevuta.pdf\" download>Scarica la ricevuta (PDF)</a></p>{}{documenti}<h2>Storia della pratica</h2>{}",
        esc(&x.titolo),
        esc(&x.stato),
        esc(etichetta(&x.stato)),
        esc(&data(&x.creata, tz)),
        esc(&termine),
        esc(x.protocollo.as_deref().unwrap_or("non ancora assegnato")),
        esc(&x.ufficio),
        if x.stato == "integrazione" {
            let richiesta = passi
                .iter()
                .rev()
                .find(|p| p.stato == "integrazione")
                .map_or("", |p| p.messaggio.as_str());
            modulo_integrazione(&x.numero, richiesta)
        } else {
            String::new()
        },
        storia(&passi, tz),
        n = esc(&x.numero),
    );
    pagina(&e, &format!("Pratica {}", x.numero), &corpo, "")
}

/// A file of the citizen's pratica (theirs, or the office's document), downloaded.
pub(super) async fn file(
    State(s): S,
    UrlPath((comune, numero, n)): UrlPath<(String, String, i64)>,
    h: HeaderMap,
) -> Response {
    if let Err(r) = sua(&s, &comune, &numero, &h).await {
        return r;
    }
    let (s2, c2) = (s.clone(), comune.clone());
    let dati = blocca(move || {
        let mut c = s2.pool.prendi().ok()?;
        istruttoria::contenuto(&mut c, &c2, &numero, n)
            .ok()
            .flatten()
    })
    .await
    .flatten();
    let Some((nome, tipo, byte)) = dati else {
        return StatusCode::NOT_FOUND.into_response();
    };
    crate::servizio::file_scaricabile(&nome, tipo, byte, false)
}

/// The PDF ricevuta, made again from what was stored (with the term as it stands now).
pub(super) async fn ricevuta(
    State(s): S,
    UrlPath((comune, numero)): UrlPath<(String, String)>,
    h: HeaderMap,
) -> Response {
    let (e, chi, x, _) = match sua(&s, &comune, &numero, &h).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(sv) = e.servizi_online.iter().find(|v| v.slug == x.servizio) else {
        return crate::servizio::errore(
            StatusCode::NOT_FOUND,
            "il servizio non è più online: chiedi la ricevuta all'ufficio",
        );
    };
    let tz = s.tz;
    let p = x.pratica();
    let richiedente = format!("{} {}", x.nome, x.cognome);
    let pdf = crate::ricevuta::pdf(&crate::ricevuta::Dati {
        comune: &e.nome,
        servizio: sv,
        pratica: &p,
        dichiarato: &x.dati,
        richiedente: &richiedente,
        codice_fiscale: &chi.codice_fiscale,
        quando: &data(&x.creata, tz),
        entro: &crate::protocollo::entro(&p, tz),
    });
    crate::servizio::file_scaricabile(
        &format!("ricevuta-{}.pdf", x.numero),
        "application/pdf".into(),
        pdf,
        false,
    )
}

/// The citizen's answer to a request of integration.
pub(super) async fn integra(
    State(s): S,
    UrlPath((comune, numero)): UrlPath<(String, String)>,
    h: HeaderMap,
    corpo: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    if !stessa_origine(&h) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let (e, chi, x, _) = match sua(&s, &comune, &numero, &h).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let torna = format!(
        "{}pratiche/{}",
        base(&e, &comune).unwrap_or_default(),
        x.numero
    );
    let Ok(m) = corpo else {
        return crate::servizio::errore(
            StatusCode::BAD_REQUEST,
            "il modulo va inviato come multipart/form-data",
        );
    };
    let (testi, file) = match leggi_modulo(m).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let testo: String = testi
        .iter()
        .filter(|(k, _)| k == "testo")
        .map(|(_, v)| v.trim())
        .collect::<Vec<_>>()
        .join("\n");
    let mut preparati = Vec::new();
    for (i, (_, nome, dati)) in file.into_iter().filter(|f| !f.2.is_empty()).enumerate() {
        match allegati::prepara(&nome, &dati, i + 1) {
            Ok(f) => preparati.push(f),
            Err(m) => return errore_integrazione(&e, &m, &torna),
        }
    }
    if testo.is_empty() {
        return errore_integrazione(&e, "scrivi la tua risposta all'ufficio", &torna);
    }
    let (s2, c2) = (s.clone(), comune.clone());
    let conf_protocollo = e
        .sportello
        .area_personale
        .as_ref()
        .and_then(|a| a.protocollo.clone())
        .unwrap_or_else(|| e.pec.clone());
    let esito = blocca(move || -> Option<Result<Scheda, Respinta>> {
        let mut c = s2.pool.prendi().ok()?;
        let file: Vec<File<'_>> = preparati
            .iter()
            .map(|f| File {
                campo: "integrazione",
                file: f,
            })
            .collect();
        let r = istruttoria::integra(
            &mut c,
            &c2,
            &chi.codice_fiscale,
            &x.numero,
            &testo,
            &file,
            Utc::now(),
            |dopo| vec![al_protocollo(dopo, &testo, &preparati, &conf_protocollo)],
        )
        .ok()?;
        s2.sveglia_postino();
        Some(r)
    })
    .await
    .flatten();
    match esito {
        Some(Ok(_)) => Redirect::to(&torna).into_response(),
        Some(Err(r)) => errore_integrazione(&e, &r.perche(), &torna),
        None => crate::servizio::errore(
            StatusCode::SERVICE_UNAVAILABLE,
            "servizio momentaneamente non disponibile",
        ),
    }
}

fn errore_integrazione(e: &Ente, m: &str, torna: &str) -> Response {
    let mut r = pagina(
        e,
        "Integrazione non inviata",
        &format!("<p class=\"errore\" role=\"alert\">L'integrazione non è stata inviata: {}.</p><p><a href=\"{}\">Torna alla pratica</a></p>", esc(m), esc(torna)),
        "",
    );
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

/// The integration, to the protocol address, with its files.
fn al_protocollo(x: &Scheda, testo: &str, file: &[allegati::Allegato], protocollo: &str) -> Email {
    use base64::Engine as _;
    Email {
        destinatario: protocollo.to_string(),
        oggetto: format!("Integrazione della pratica {}: {} - {} {}", x.numero, x.titolo, x.cognome, x.nome),
        testo: format!(
            "Integrazione inviata online dal richiedente (codice fiscale {}) per la pratica {} (protocollo {}).\n\n{testo}\n",
            x.codice_fiscale,
            x.numero,
            x.protocollo.as_deref().unwrap_or("non ancora assegnato")
        ),
        ics: None,
        allegati: file
            .iter()
            .map(|f| crate::registro::AllegatoEmail {
                nome: f.nome.clone(),
                tipo: f.tipo.to_string(),
                base64: base64::engine::general_purpose::STANDARD.encode(&f.dati),
            })
            .collect(),
    }
}
