//! The segnalazioni in the operators' back-office: the list (by state and office, overdue
//! ones marked), one segnalazione with its photos, documents and history, the forms that move
//! it to another state (with a message to the reporter), assign it to an office or decide
//! whether it appears on the public list, and the CSV export. Every action goes through
//! `segnalazioni::agisci`, which records who did it in the audit log.

use std::sync::Arc;

use axum::extract::{Form, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{
    base, blocca, csv_scaricabile, entra, esc, pagina, per_operatore, scrivi, sessione,
    stessa_origine,
};
use crate::segnalazioni::{self as dominio, Azione, Respinta, Scheda, STATI};
use crate::servizio::{AppState, Ente};

type St = State<Arc<AppState>>;

/// A stored instant as the operators read it, in the comune's zone: `23/11/2026 09:00`.
pub(super) fn locale(ts: &str, tz: chrono_tz::Tz) -> String {
    ts.parse::<DateTime<Utc>>()
        .map(|t| t.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_else(|_| ts.to_string())
}

pub(super) fn giorno(ts: &str, tz: chrono_tz::Tz) -> String {
    locale(ts, tz).chars().take(10).collect()
}

/// The links between the back-office sections.
pub(super) fn navigazione(b: &str) -> String {
    format!(
        "<nav aria-label=\"Sezioni\"><a href=\"{b}\">Appuntamenti</a><a href=\"{b}segnalazioni\">Segnalazioni</a><a href=\"{b}pratiche\">Pratiche</a><a href=\"{b}assistenza\">Richieste di assistenza</a><a href=\"{b}valutazioni\">Valutazioni delle pagine</a></nav>"
    )
}

#[derive(Deserialize, Default)]
pub(super) struct Filtro {
    #[serde(default)]
    stato: Option<String>,
    #[serde(default)]
    ufficio: Option<String>,
    /// Only the overdue ones.
    #[serde(default)]
    scadute: Option<String>,
}

/// The offices a segnalazione of the comune may be assigned to (none once the comune has
/// removed its segnalazioni section: states can still be changed).
fn uffici(e: &Ente) -> Vec<String> {
    e.sportello
        .segnalazioni
        .as_ref()
        .map(|c| c.uffici())
        .unwrap_or_default()
}

/// `<option>`s of (value, label), the one equal to `attuale` selected.
fn scelta(valori: &[(String, String)], attuale: Option<&str>) -> String {
    valori
        .iter()
        .map(|(v, t)| {
            let sel = if attuale == Some(v.as_str()) {
                " selected"
            } else {
                ""
            };
            format!("<option value=\"{}\"{sel}>{}</option>", esc(v), esc(t))
        })
        .collect()
}

/// The segnalazioni of the comune, newest first, filtered.
pub(super) async fn elenco(
    State(s): St,
    UrlPath(comune): UrlPath<String>,
    Query(f): Query<Filtro>,
    h: HeaderMap,
) -> Response {
    let enti = s.enti();
    let Some(e) = enti.get(&comune) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let stato = f.stato.clone().filter(|x| !x.is_empty());
    let ufficio = f.ufficio.clone().filter(|x| !x.is_empty());
    let c2 = comune.clone();
    let dati = per_operatore(&s, &comune, h, move |c, _| {
        dominio::elenco(c, &c2, stato.as_deref(), ufficio.as_deref()).ok()
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
    let tz = s.tz;
    let b = base(&comune);
    let mut righe = String::new();
    for x in &tutte {
        let tardi = x.scaduta(ora);
        righe += &format!(
            "<tr{}><td>{}</td><td><a href=\"{b}segnalazioni/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td></tr>",
            if tardi { " class=\"scaduta\"" } else { "" },
            esc(&locale(&x.creata, tz)),
            esc(&x.codice),
            esc(&x.codice),
            esc(&x.categoria),
            esc(&x.titolo),
            esc(&x.indirizzo),
            esc(&x.ufficio),
            esc(dominio::etichetta(&x.stato)),
            esc(&giorno(&x.scadenza, tz)),
            if tardi { " <strong>scaduta</strong>" } else { "" },
            if x.pubblica { "sì" } else { "no" },
        );
    }
    let stati: Vec<(String, String)> = STATI
        .iter()
        .map(|(s, t)| (s.to_string(), t.to_string()))
        .collect();
    let uffici: Vec<(String, String)> = uffici(e).into_iter().map(|u| (u.clone(), u)).collect();
    let corpo = format!(
        "<h1>Segnalazioni - Comune di {}</h1>{}\
<form method=\"get\" action=\"{b}segnalazioni\"><label for=\"stato\">Stato</label><select id=\"stato\" name=\"stato\"><option value=\"\">Tutti</option>{}</select><label for=\"ufficio\">Ufficio</label><select id=\"ufficio\" name=\"ufficio\"><option value=\"\">Tutti</option>{}</select><label><input type=\"checkbox\" name=\"scadute\" value=\"1\"{}> Solo quelle oltre il termine</label> <button type=\"submit\">Mostra</button></form>\
<p>{} segnalazioni, {scadute} oltre il termine. <a href=\"{b}segnalazioni.csv\">Esporta CSV</a></p>\
<table><thead><tr><th scope=\"col\">Ricevuta</th><th scope=\"col\">Codice</th><th scope=\"col\">Tipo di disservizio</th><th scope=\"col\">Titolo</th><th scope=\"col\">Luogo</th><th scope=\"col\">Ufficio</th><th scope=\"col\">Stato</th><th scope=\"col\">Termine</th><th scope=\"col\">Pubblica</th></tr></thead><tbody>{righe}</tbody></table>",
        esc(&e.nome),
        navigazione(&b),
        scelta(&stati, f.stato.as_deref()),
        scelta(&uffici, f.ufficio.as_deref()),
        if f.scadute.is_some() { " checked" } else { "" },
        tutte.len(),
    );
    pagina("Segnalazioni", &corpo)
}

/// The hidden fields every form of the page carries.
fn nascosti(csrf: &str, tipo: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"tipo\" value=\"{tipo}\">",
        esc(csrf)
    )
}

/// One segnalazione: what was reported, by whom, its files, history and the actions.
pub(super) async fn scheda(
    State(s): St,
    UrlPath((comune, codice)): UrlPath<(String, String)>,
    h: HeaderMap,
) -> Response {
    let enti = s.enti();
    let Some(e) = enti.get(&comune) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (c2, k2) = (comune.clone(), codice.clone());
    let dati = per_operatore(&s, &comune, h, move |c, _| {
        let x = dominio::leggi(c, &c2, &k2).ok()?;
        let passi = dominio::passi(c, &c2, &k2).ok()?;
        let file = dominio::file(c, &c2, &k2).ok()?;
        Some((x, passi, file))
    })
    .await;
    let Some((ses, (x, passi, file))) = dati else {
        return entra(&s, &comune);
    };
    let Some(x) = x else {
        return pagina(
            "Segnalazione inesistente",
            &format!(
                "<h1>Segnalazione inesistente</h1><p><a href=\"{}segnalazioni\">Torna alle segnalazioni</a></p>",
                base(&comune)
            ),
        );
    };
    let tz = s.tz;
    let b = base(&comune);
    let azione = format!("{b}segnalazioni/{}/azione", esc(&x.codice));
    let ora = Utc::now();
    let luogo = match (&x.lat, &x.lon) {
        (Some(la), Some(lo)) => format!(
            "{} <a href=\"https://www.openstreetmap.org/?mlat={la}&amp;mlon={lo}#map=18/{la}/{lo}\" rel=\"noreferrer\">{la}, {lo} (OpenStreetMap)</a>",
            esc(&x.indirizzo),
            la = esc(la),
            lo = esc(lo)
        ),
        _ => esc(&x.indirizzo),
    };
    let mut allegati = String::new();
    for (n, nome, tipo) in &file {
        let url = format!("{b}segnalazioni/{}/file/{n}", esc(&x.codice));
        allegati += &if tipo.starts_with("image/") {
            format!(
                "<figure><a href=\"{url}\"><img src=\"{url}\" alt=\"Foto {n} della segnalazione\" width=\"320\"></a><figcaption>{}</figcaption></figure>",
                esc(nome)
            )
        } else {
            format!("<p><a href=\"{url}\" download>{} (PDF)</a></p>", esc(nome))
        };
    }
    if allegati.is_empty() {
        allegati = "<p>Nessun file allegato.</p>".into();
    }
    let successivi = dominio::successivi(&x.stato);
    let cambia = if successivi.is_empty() {
        "<p>La segnalazione è chiusa: non ci sono altri passaggi.</p>".to_string()
    } else {
        let opzioni: String = successivi
            .iter()
            .map(|s| {
                format!(
                    "<option value=\"{s}\">{}</option>",
                    esc(dominio::etichetta(s))
                )
            })
            .collect();
        format!(
            "<form method=\"post\" action=\"{azione}\">{}<label for=\"nuovo-stato\">Nuovo stato</label><select id=\"nuovo-stato\" name=\"stato\">{opzioni}</select><label for=\"messaggio\">Messaggio a chi ha segnalato (obbligatorio per respingere; arriva per email)</label><textarea id=\"messaggio\" name=\"messaggio\" rows=\"3\" cols=\"60\" maxlength=\"1000\"></textarea><p><button type=\"submit\">Aggiorna lo stato</button></p></form>",
            nascosti(&ses.csrf, "stato")
        )
    };
    let uffici: Vec<(String, String)> = uffici(e).into_iter().map(|u| (u.clone(), u)).collect();
    let assegna = scelta(&uffici, Some(&x.ufficio));
    let pubblica = format!(
        "<form method=\"post\" action=\"{azione}\">{}<input type=\"hidden\" name=\"pubblica\" value=\"{}\"><p>{}</p><p><button type=\"submit\">{}</button></p></form>",
        nascosti(&ses.csrf, "pubblica"),
        if x.pubblica { "0" } else { "1" },
        if x.pubblica {
            "Compare nell'elenco pubblico del sito."
        } else {
            "Non compare nell'elenco pubblico. Se la pubblichi, il sito mostra solo il tipo di disservizio, la via senza numero civico, la posizione approssimata (circa 100 metri), lo stato e il mese: mai chi l'ha inviata, il titolo, i dettagli o i file. Compare dopo la presa in carico."
        },
        if x.pubblica { "Togli dall'elenco pubblico" } else { "Pubblica nell'elenco" },
    );
    let mut storia = String::new();
    for p in &passi {
        storia += &format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&locale(&p.quando, tz)),
            esc(&p.chi),
            esc(&p.azione),
            esc(dominio::etichetta(&p.stato)),
            esc(&p.messaggio)
        );
    }
    let termine = if x.scaduta(ora) {
        format!(
            "<strong class=\"scaduta\">{} (termine superato)</strong>",
            esc(&giorno(&x.scadenza, tz))
        )
    } else {
        esc(&giorno(&x.scadenza, tz))
    };
    let corpo = format!(
        "<h1>Segnalazione {}</h1>{}<p><a href=\"{b}segnalazioni\">Tutte le segnalazioni</a></p>\
<dl><dt>Stato</dt><dd data-stato=\"{}\">{}</dd><dt>Ricevuta</dt><dd>{}</dd><dt>Termine</dt><dd>{termine}</dd><dt>Ufficio</dt><dd>{}</dd><dt>Tipo di disservizio</dt><dd>{}</dd><dt>Luogo</dt><dd>{luogo}</dd><dt>Titolo</dt><dd>{}</dd><dt>Dettagli</dt><dd>{}</dd><dt>Chi ha segnalato</dt><dd>{} {} &lt;{}&gt;{}</dd></dl>\
<h2>File</h2>{allegati}\
<h2>Aggiorna lo stato</h2>{cambia}\
<h2>Assegna a un ufficio</h2><form method=\"post\" action=\"{azione}\">{}<label for=\"ufficio\">Ufficio</label><select id=\"ufficio\" name=\"ufficio\">{assegna}</select> <button type=\"submit\">Assegna</button></form>\
<h2>Elenco pubblico</h2>{pubblica}\
<h2>Registro delle operazioni</h2><table><thead><tr><th scope=\"col\">Quando</th><th scope=\"col\">Chi</th><th scope=\"col\">Operazione</th><th scope=\"col\">Stato</th><th scope=\"col\">Messaggio</th></tr></thead><tbody>{storia}</tbody></table>",
        esc(&x.codice),
        navigazione(&b),
        esc(&x.stato),
        esc(dominio::etichetta(&x.stato)),
        esc(&locale(&x.creata, tz)),
        esc(&x.ufficio),
        esc(&x.categoria),
        esc(&x.titolo),
        esc(&x.dettagli),
        esc(&x.nome),
        esc(&x.cognome),
        esc(&x.email),
        if x.telefono.is_empty() {
            String::new()
        } else {
            format!(", telefono {}", esc(&x.telefono))
        },
        nascosti(&ses.csrf, "ufficio"),
    );
    pagina(&format!("Segnalazione {}", x.codice), &corpo)
}

#[derive(Deserialize)]
pub(super) struct Modulo {
    csrf: String,
    #[serde(default)]
    tipo: String,
    #[serde(default)]
    stato: String,
    #[serde(default)]
    messaggio: String,
    #[serde(default)]
    ufficio: String,
    #[serde(default)]
    pubblica: String,
}

/// Applies one action of the page, as the logged-in operator.
pub(super) async fn agisci(
    State(s): St,
    UrlPath((comune, codice)): UrlPath<(String, String)>,
    h: HeaderMap,
    Form(m): Form<Modulo>,
) -> Response {
    if !stessa_origine(&h) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let azione = match m.tipo.as_str() {
        "stato" => Azione::Stato(m.stato.clone(), m.messaggio.chars().take(1000).collect()),
        "ufficio" => Azione::Ufficio(m.ufficio.clone()),
        "pubblica" => Azione::Pubblica(m.pubblica == "1"),
        _ => return StatusCode::BAD_REQUEST.into_response(),
    };
    let (s2, c2, k2) = (s.clone(), comune.clone(), codice.clone());
    let esito = blocca(move || -> Result<Result<Scheda, Respinta>, StatusCode> {
        let ses = sessione(&s2, &c2, &h).ok_or(StatusCode::UNAUTHORIZED)?;
        if ses.csrf.len() != m.csrf.len() || ses.csrf != m.csrf {
            return Err(StatusCode::FORBIDDEN);
        }
        let enti = s2.enti();
        let e = enti.get(&c2).ok_or(StatusCode::NOT_FOUND)?;
        let uffici = uffici(e);
        let mut c = s2
            .pool
            .prendi()
            .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
        let r = dominio::agisci(
            &mut c,
            &c2,
            &k2,
            &azione,
            &ses.utente,
            &uffici,
            Utc::now(),
            |x, nuovo, messaggio| dominio::messaggio_stato(x, nuovo, messaggio, &e.nome, &e.sito),
        )
        .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
        if r.is_ok() {
            s2.sveglia_postino();
        }
        Ok(r)
    })
    .await
    .unwrap_or(Err(StatusCode::SERVICE_UNAVAILABLE));
    let scheda = format!("{}segnalazioni/{}", base(&comune), esc(&codice));
    let perche = match esito {
        Ok(Ok(_)) => return Redirect::to(&scheda).into_response(),
        Err(StatusCode::UNAUTHORIZED) => return entra(&s, &comune),
        Err(st) => format!(
            "la pagina è scaduta o il servizio non risponde ({})",
            st.as_u16()
        ),
        Ok(Err(Respinta::Inesistente)) => "la segnalazione non esiste più".into(),
        Ok(Err(Respinta::Passaggio(da, a))) => format!(
            "dallo stato «{}» non si passa a «{}»: forse un collega l'ha già aggiornata",
            dominio::etichetta(&da),
            dominio::etichetta(&a)
        ),
        Ok(Err(Respinta::SenzaMotivo)) => {
            "per respingere una segnalazione scrivi il motivo a chi l'ha inviata".into()
        }
        Ok(Err(Respinta::Ufficio)) => "scegli uno degli uffici dell'elenco".into(),
    };
    let mut r = pagina(
        "Operazione non riuscita",
        &format!(
            "<h1>Operazione non riuscita</h1><p class=\"errore\" role=\"alert\">Non è stato fatto nulla: {}.</p><p><a href=\"{scheda}\">Torna alla segnalazione</a></p>",
            esc(&perche)
        ),
    );
    *r.status_mut() = StatusCode::CONFLICT;
    r
}

/// A photo (shown inline: it is a JPEG this service encoded) or a document (downloaded).
pub(super) async fn file(
    State(s): St,
    UrlPath((comune, codice, n)): UrlPath<(String, String, i64)>,
    h: HeaderMap,
) -> Response {
    let c2 = comune.clone();
    let dati = per_operatore(&s, &comune, h, move |c, _| {
        dominio::contenuto(c, &c2, &codice, n).ok()
    })
    .await;
    let Some((_, dati)) = dati else {
        return entra(&s, &comune);
    };
    let Some((nome, tipo, byte)) = dati else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let inline = tipo.starts_with("image/");
    crate::servizio::file_scaricabile(&nome, tipo, byte, inline)
}

/// Every segnalazione of the comune as CSV.
pub(super) async fn csv(State(s): St, UrlPath(comune): UrlPath<String>, h: HeaderMap) -> Response {
    let c2 = comune.clone();
    let dati = per_operatore(&s, &comune, h, move |c, _| {
        dominio::elenco(c, &c2, None, None).ok()
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
            "codice",
            "ricevuta",
            "tipo_disservizio",
            "ufficio",
            "titolo",
            "dettagli",
            "indirizzo",
            "lat",
            "lon",
            "nome",
            "cognome",
            "email",
            "telefono",
            "stato",
            "termine",
            "oltre_termine",
            "pubblica",
            "aggiornata",
        ],
    );
    for x in &tutte {
        scrivi(
            &mut w,
            [
                x.codice.as_str(),
                &x.creata,
                &x.categoria,
                &x.ufficio,
                &x.titolo,
                &x.dettagli,
                &x.indirizzo,
                x.lat.as_deref().unwrap_or(""),
                x.lon.as_deref().unwrap_or(""),
                &x.nome,
                &x.cognome,
                &x.email,
                &x.telefono,
                &x.stato,
                &x.scadenza,
                if x.scaduta(ora) { "sì" } else { "no" },
                if x.pubblica { "sì" } else { "no" },
                &x.aggiornata,
            ],
        );
    }
    csv_scaricabile(
        format!("attachment; filename=\"segnalazioni-{comune}.csv\""),
        w.into_inner().unwrap_or_default(),
    )
}
