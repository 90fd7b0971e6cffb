//! The pratiche in the operators' back-office: the list (by state, overdue ones marked), one
//! pratica with what was declared, its files, its history and the form that moves it on (with
//! the protocol number, the request of integration or the motivazione, sent to the citizen),
//! and the CSV export. An operator whose entry in the operators file names `uffici` sees and
//! moves only the pratiche of those offices. Every action goes through `istruttoria::agisci`.

use std::sync::Arc;

use axum::extract::{Form, FromRequest, Multipart, Path as UrlPath, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::segnalazioni::{giorno, locale, navigazione};
use super::{
    base, blocca, csv_scaricabile, entra, esc, pagina, per_operatore, scrivi, sessione,
    stessa_origine,
};
use crate::istruttoria::{self as dominio, Azione, Chi, Respinta, Scheda, STATI};
use crate::pratiche::etichetta;
use crate::servizio::AppState;

type St = State<Arc<AppState>>;

/// The offices `utente` of `comune` is restricted to, if any.
fn uffici(s: &AppState, comune: &str, utente: &str) -> Option<Vec<String>> {
    s.operatori
        .read()
        .ok()
        .and_then(|o| o.uffici(comune, utente))
}

fn chi(u: &Option<Vec<String>>) -> Chi<'_> {
    u.as_deref().map_or(Chi::Comune, Chi::Uffici)
}

#[derive(Deserialize, Default)]
pub(super) struct Filtro {
    #[serde(default)]
    stato: Option<String>,
    #[serde(default)]
    scadute: Option<String>,
}

/// The pratiche the operator may see, newest first.
pub(super) async fn elenco(
    State(s): St,
    UrlPath(comune): UrlPath<String>,
    Query(f): Query<Filtro>,
    h: HeaderMap,
) -> Response {
    let Some(nome) = s.enti().get(&comune).map(|e| e.nome.clone()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let stato = f.stato.clone().filter(|x| !x.is_empty());
    let (c2, s2) = (comune.clone(), s.clone());
    let dati = per_operatore(&s, &comune, h, move |c, ses| {
        let u = uffici(&s2, &c2, &ses.utente);
        dominio::elenco(c, &c2, stato.as_deref(), chi(&u)).ok()
    })
    .await;
    let Some((_, mut tutte)) = dati else {
        return entra(&s, &comune);
    };
    let ora = Utc::now();
    let scadute = tutte.iter().filter(|x| x.scaduta(ora)).count();
    if f.scadute.is_some() {
        tutte.retain(|x| x.scaduta(ora));
    }
    let (tz, b) = (s.tz, base(&comune));
    let righe: String = tutte
        .iter()
        .map(|x| {
            let tardi = x.scaduta(ora);
            format!(
                "<tr{}><td><a href=\"{b}pratiche/{n}\">{n}</a></td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td></tr>",
                if tardi { " class=\"scaduta\"" } else { "" },
                esc(&locale(&x.creata, tz)),
                esc(&x.titolo),
                esc(&x.cognome),
                esc(&x.nome),
                esc(&x.ufficio),
                esc(etichetta(&x.stato)),
                esc(&giorno(&x.scadenza, tz)),
                if tardi { " <strong>scaduta</strong>" } else if x.sospesa.is_some() { " (sospeso)" } else { "" },
                esc(x.protocollo.as_deref().unwrap_or("")),
                n = esc(&x.numero),
            )
        })
        .collect();
    let opzioni: String = STATI
        .iter()
        .map(|(st, nome)| {
            let sel = if f.stato.as_deref() == Some(*st) {
                " selected"
            } else {
                ""
            };
            format!("<option value=\"{st}\"{sel}>{nome}</option>")
        })
        .collect();
    let n = tutte.len();
    let corpo = format!(
        "<h1>Pratiche - Comune di {}</h1>{}\
<form method=\"get\" action=\"{b}pratiche\"><label for=\"stato\">Stato</label><select id=\"stato\" name=\"stato\"><option value=\"\">Tutti</option>{opzioni}</select><label><input type=\"checkbox\" name=\"scadute\" value=\"1\"{}> Solo quelle oltre il termine</label> <button type=\"submit\">Mostra</button></form>\
<p>{}, {scadute} oltre il termine. <a href=\"{b}pratiche.csv\">Esporta CSV</a></p>\
<table><thead><tr><th scope=\"col\">Numero</th><th scope=\"col\">Inviata</th><th scope=\"col\">Servizio</th><th scope=\"col\">Richiedente</th><th scope=\"col\">Ufficio</th><th scope=\"col\">Stato</th><th scope=\"col\">Termine</th><th scope=\"col\">Protocollo</th></tr></thead><tbody>{righe}</tbody></table>",
        esc(&nome),
        navigazione(&b),
        if f.scadute.is_some() { " checked" } else { "" },
        if n == 1 { "1 pratica".to_string() } else { format!("{n} pratiche") },
    );
    pagina("Pratiche", &corpo)
}

/// The declared data, in a definition list: in the form's order with its labels while the
/// service is online, else by field name.
fn dichiarato(x: &Scheda, servizio: Option<&civico_core::modulo::ServizioOnline>) -> String {
    let Some(m) = x.dati.as_object() else {
        return String::new();
    };
    let voci: Vec<(String, &serde_json::Value)> = match servizio {
        Some(sv) => sv
            .modulo
            .campi()
            .filter_map(|c| m.get(&c.nome.value).map(|v| (c.etichetta.clone(), v)))
            .collect(),
        None => m.iter().map(|(k, v)| (k.replace('_', " "), v)).collect(),
    };
    voci.into_iter()
        .map(|(k, v)| {
            let testo = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Array(a) => a
                    .iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                serde_json::Value::Object(o) => format!(
                    "file {} (SHA-256 {})",
                    o.get("nome").and_then(|x| x.as_str()).unwrap_or(""),
                    o.get("sha256").and_then(|x| x.as_str()).unwrap_or("")
                ),
                other => other.to_string(),
            };
            format!("<dt>{}</dt><dd>{}</dd>", esc(&k), esc(&testo))
        })
        .collect()
}

/// The form that moves the pratica on.
fn avanza(x: &Scheda, b: &str, csrf: &str) -> String {
    let successivi = dominio::successivi(&x.stato);
    if successivi.is_empty() {
        return "<p>La pratica è conclusa.</p>".into();
    }
    let opzioni: String = successivi
        .iter()
        .map(|s| format!("<option value=\"{s}\">{}</option>", etichetta(s)))
        .collect();
    format!(
        "<form method=\"post\" action=\"{b}pratiche/{}/azione\" enctype=\"multipart/form-data\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<label for=\"nuovo-stato\">Nuovo stato</label><select id=\"nuovo-stato\" name=\"stato\">{opzioni}</select>\
<label for=\"protocollo\">Numero di protocollo (per «Protocollata»)</label><input id=\"protocollo\" name=\"protocollo\" maxlength=\"60\">\
<label for=\"documento\">Documento per il cittadino (facoltativo: il provvedimento, un modulo; PDF o foto)</label><input type=\"file\" id=\"documento\" name=\"documento\" accept=\".pdf,.jpg,.jpeg,.png\">\
<label for=\"messaggio\">Messaggio al cittadino (obbligatorio per richiedere integrazioni, accogliere o respingere; arriva per email e nell'area personale)</label><textarea id=\"messaggio\" name=\"messaggio\" rows=\"4\" cols=\"60\" maxlength=\"2000\"></textarea>\
<p><button type=\"submit\">Aggiorna la pratica</button></p></form>",
        esc(&x.numero),
        esc(csrf)
    )
}

/// One pratica: data, files, history, the next step.
pub(super) async fn scheda(
    State(s): St,
    UrlPath((comune, numero)): UrlPath<(String, String)>,
    h: HeaderMap,
) -> Response {
    let (c2, k2, s2) = (comune.clone(), numero.clone(), s.clone());
    let dati = per_operatore(&s, &comune, h, move |c, ses| {
        let u = uffici(&s2, &c2, &ses.utente);
        let x = dominio::leggi(c, &c2, &k2, chi(&u)).ok()?;
        let passi = dominio::passi(c, &c2, &k2).ok()?;
        let file = dominio::file(c, &c2, &k2).ok()?;
        Some((x, passi, file))
    })
    .await;
    let Some((ses, (x, passi, file))) = dati else {
        return entra(&s, &comune);
    };
    let b = base(&comune);
    let Some(x) = x else {
        let mut r = pagina(
            "Pratica inesistente",
            &format!("<h1>Pratica inesistente</h1><p>La pratica non esiste o non è di un tuo ufficio.</p><p><a href=\"{b}pratiche\">Torna alle pratiche</a></p>"),
        );
        *r.status_mut() = StatusCode::NOT_FOUND;
        return r;
    };
    let tz = s.tz;
    let allegati: String = file
        .iter()
        .map(|f| {
            format!(
                "<li><a href=\"{b}pratiche/{}/file/{}\" download>{}</a> ({}{}) SHA-256 <code>{}</code></li>",
                esc(&x.numero),
                f.n,
                esc(&f.nome),
                esc(&f.campo),
                if f.passo > 1 && f.campo != "integrazione" {
                    ", integrazione"
                } else {
                    ""
                },
                esc(&f.sha256)
            )
        })
        .collect();
    let storia: String = passi
        .iter()
        .map(|p| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&locale(&p.quando, tz)),
                esc(&p.chi),
                esc(etichetta(&p.stato)),
                esc(&p.messaggio)
            )
        })
        .collect();
    let termine = if x.scaduta(Utc::now()) {
        format!(
            "<strong class=\"scaduta\">{} (termine superato)</strong>",
            esc(&giorno(&x.scadenza, tz))
        )
    } else if x.sospesa.is_some() {
        format!(
            "{} (sospeso in attesa dell'integrazione)",
            esc(&giorno(&x.scadenza, tz))
        )
    } else {
        esc(&giorno(&x.scadenza, tz))
    };
    let corpo = format!(
        "<h1>Pratica {n}</h1>{}<p><a href=\"{b}pratiche\">Tutte le pratiche</a></p>\
<dl><dt>Servizio</dt><dd>{}</dd><dt>Stato</dt><dd data-stato=\"{}\">{}</dd><dt>Inviata</dt><dd>{}</dd><dt>Termine</dt><dd>{termine}</dd><dt>Protocollo</dt><dd>{}</dd><dt>Ufficio</dt><dd>{}</dd><dt>Richiedente</dt><dd>{} {}, codice fiscale {}</dd><dt>Impronta SHA-256</dt><dd><code>{}</code></dd></dl>\
<h2>Dati dichiarati</h2><dl>{}</dl><h2>File</h2><ul>{allegati}</ul>\
<h2>Aggiorna la pratica</h2>{}\
<h2>Registro delle operazioni</h2><table><thead><tr><th scope=\"col\">Quando</th><th scope=\"col\">Chi</th><th scope=\"col\">Stato</th><th scope=\"col\">Messaggio</th></tr></thead><tbody>{storia}</tbody></table>",
        navigazione(&b),
        esc(&x.titolo),
        esc(&x.stato),
        esc(etichetta(&x.stato)),
        esc(&locale(&x.creata, tz)),
        esc(x.protocollo.as_deref().unwrap_or("non ancora")),
        esc(&x.ufficio),
        esc(&x.nome),
        esc(&x.cognome),
        esc(&x.codice_fiscale),
        esc(&x.impronta),
        dichiarato(
            &x,
            s.enti()
                .get(&comune)
                .and_then(|e| e.servizi_online.iter().find(|v| v.slug == x.servizio)),
        ),
        avanza(&x, &b, &ses.csrf),
        n = esc(&x.numero),
    );
    pagina(&format!("Pratica {}", x.numero), &corpo)
}

#[derive(Deserialize, Default)]
pub(super) struct Modulo {
    csrf: String,
    #[serde(default)]
    stato: String,
    #[serde(default)]
    messaggio: String,
    #[serde(default)]
    protocollo: String,
}

/// The action's form: urlencoded, or multipart when it carries a document (checked by
/// content like the citizens' files).
async fn leggi_azione(req: Request) -> Result<(Modulo, Option<crate::allegati::Allegato>), String> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data"));
    if !multipart {
        let Form(m) = Form::<Modulo>::from_request(req, &())
            .await
            .map_err(|_| "il modulo non si può leggere".to_string())?;
        return Ok((m, None));
    }
    let mut mp = Multipart::from_request(req, &())
        .await
        .map_err(|_| "il modulo non si può leggere".to_string())?;
    let (mut m, mut documento) = (Modulo::default(), None);
    while let Some(f) = mp
        .next_field()
        .await
        .map_err(|_| "il modulo non si può leggere".to_string())?
    {
        let nome = f.name().unwrap_or("").to_string();
        match (nome.as_str(), f.file_name().map(str::to_string)) {
            ("documento", Some(file)) => {
                let dati = f
                    .bytes()
                    .await
                    .map_err(|_| "il file non si può leggere".to_string())?;
                if !dati.is_empty() {
                    documento = Some(crate::allegati::prepara(&file, &dati, 1)?);
                }
            }
            (campo, None) => {
                let v = f.text().await.unwrap_or_default();
                match campo {
                    "csrf" => m.csrf = v,
                    "stato" => m.stato = v,
                    "messaggio" => m.messaggio = v,
                    "protocollo" => m.protocollo = v,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    Ok((m, documento))
}

/// Moves a pratica on, as the logged-in operator; the citizen hears of it.
pub(super) async fn agisci(
    State(s): St,
    UrlPath((comune, numero)): UrlPath<(String, String)>,
    h: HeaderMap,
    req: Request,
) -> Response {
    if !stessa_origine(&h) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let scheda = format!("{}pratiche/{}", base(&comune), esc(&numero));
    let (m, documento) = match leggi_azione(req).await {
        Ok(x) => x,
        Err(e) => return non_riuscita(&scheda, &e),
    };
    let azione = Azione {
        stato: m.stato,
        messaggio: m.messaggio.chars().take(2000).collect(),
        protocollo: m.protocollo.chars().take(60).collect(),
        documento,
    };
    let doc_per_email = azione.documento.clone();
    let (s2, c2, k2) = (s.clone(), comune.clone(), numero.clone());
    let esito = blocca(move || -> Result<Result<Scheda, Respinta>, StatusCode> {
        let ses = sessione(&s2, &c2, &h).ok_or(StatusCode::UNAUTHORIZED)?;
        if ses.csrf.len() != m.csrf.len() || ses.csrf != m.csrf {
            return Err(StatusCode::FORBIDDEN);
        }
        let enti = s2.enti();
        let e = enti.get(&c2).ok_or(StatusCode::NOT_FOUND)?;
        let u = uffici(&s2, &c2, &ses.utente);
        let mut c = s2
            .pool
            .prendi()
            .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
        let area = e
            .pubblico
            .as_deref()
            .map(|p| format!("{p}/area-personale/{c2}/"))
            .unwrap_or_else(|| e.sito.clone());
        let r = dominio::agisci(
            &mut c,
            &c2,
            &k2,
            &azione,
            &ses.utente,
            chi(&u),
            Utc::now(),
            |x, stato, testo| {
                crate::protocollo::avviso_stato(
                    x,
                    stato,
                    testo,
                    &e.nome,
                    &area,
                    e.io_pratiche.is_some(),
                    doc_per_email.as_ref(),
                )
            },
        )
        .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
        if r.is_ok() {
            s2.sveglia_postino();
        }
        Ok(r)
    })
    .await
    .unwrap_or(Err(StatusCode::SERVICE_UNAVAILABLE));
    let perche = match esito {
        Ok(Ok(_)) => return Redirect::to(&scheda).into_response(),
        Err(StatusCode::UNAUTHORIZED) => return entra(&s, &comune),
        Err(st) => format!(
            "la pagina è scaduta o il servizio non risponde ({})",
            st.as_u16()
        ),
        Ok(Err(r)) => r.perche(),
    };
    non_riuscita(&scheda, &perche)
}

/// The page of an action not taken, with the reason.
fn non_riuscita(scheda: &str, perche: &str) -> Response {
    let mut r = pagina(
        "Operazione non riuscita",
        &format!(
            "<h1>Operazione non riuscita</h1><p class=\"errore\" role=\"alert\">Non è stato fatto nulla: {}.</p><p><a href=\"{scheda}\">Torna alla pratica</a></p>",
            esc(perche)
        ),
    );
    *r.status_mut() = StatusCode::CONFLICT;
    r
}

/// A file of a pratica, always downloaded.
pub(super) async fn file(
    State(s): St,
    UrlPath((comune, numero, n)): UrlPath<(String, String, i64)>,
    h: HeaderMap,
) -> Response {
    let (c2, s2) = (comune.clone(), s.clone());
    let dati = per_operatore(&s, &comune, h, move |c, ses| {
        let u = uffici(&s2, &c2, &ses.utente);
        dominio::leggi(c, &c2, &numero, chi(&u)).ok()??;
        dominio::contenuto(c, &c2, &numero, n).ok()
    })
    .await;
    let Some((_, dati)) = dati else {
        return entra(&s, &comune);
    };
    let Some((nome, tipo, byte)) = dati else {
        return StatusCode::NOT_FOUND.into_response();
    };
    crate::servizio::file_scaricabile(&nome, tipo, byte, false)
}

/// The pratiche the operator may see, as CSV.
pub(super) async fn csv(State(s): St, UrlPath(comune): UrlPath<String>, h: HeaderMap) -> Response {
    let (c2, s2) = (comune.clone(), s.clone());
    let dati = per_operatore(&s, &comune, h, move |c, ses| {
        let u = uffici(&s2, &c2, &ses.utente);
        dominio::elenco(c, &c2, None, chi(&u)).ok()
    })
    .await;
    let Some((_, tutte)) = dati else {
        return entra(&s, &comune);
    };
    let ora = Utc::now();
    let mut w = csv::Writer::from_writer(Vec::new());
    scrivi(
        &mut w,
        [
            "numero",
            "inviata",
            "servizio",
            "ufficio",
            "codice_fiscale",
            "nome",
            "cognome",
            "email",
            "stato",
            "termine",
            "oltre_termine",
            "protocollo",
            "aggiornata",
            "impronta",
        ],
    );
    for x in &tutte {
        scrivi(
            &mut w,
            [
                x.numero.as_str(),
                &x.creata,
                &x.titolo,
                &x.ufficio,
                &x.codice_fiscale,
                &x.nome,
                &x.cognome,
                x.email.as_deref().unwrap_or(""),
                &x.stato,
                &x.scadenza,
                if x.scaduta(ora) { "sì" } else { "no" },
                x.protocollo.as_deref().unwrap_or(""),
                &x.aggiornata,
                &x.impronta,
            ],
        );
    }
    csv_scaricabile(
        format!("attachment; filename=\"pratiche-{comune}.csv\""),
        w.into_inner().unwrap_or_default(),
    )
}
