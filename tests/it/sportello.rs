//! `civico sportello` end to end: the binary on an ephemeral loopback port over a copy of
//! content-example (whose three comuni have a sportello.yaml), SQLite by default and
//! PostgreSQL where installed, messages captured by a loopback SMTP sink. Bookings through the
//! JSON API as the booking pages make them (challenge, hold, booking), cancel and move by
//! token, the emails, the operators' back-office, the jobs, tenant isolation, limits.
#![cfg(feature = "sportello")]

use crate::common;
use std::process::Command;

use crate::common::{
    bin, call, call_with, copy_dir, csrf, mail_text, pow, repo, Operatore, Servizio, PASSWORD,
};
use serde_json::{json, Value};

/// A test configuration for Valfiorita: one office of capacity 1, a one-hour notice,
/// reminders for everything in the next 400 hours.
const SPORTELLO: &str = r#"informativa: "https://www.comune.valfiorita.vd.example/privacy/"
mittente: "Comune di Valfiorita <noreply@comune.valfiorita.vd.example>"
anticipo_minimo_ore: 1
orizzonte_giorni: 30
limite_per_persona: 2
promemoria_ore: 400
preavviso_annullamento_ore: 1
email_assistenza: "urp@comune.valfiorita.vd.example"
sportelli:
  - id: anagrafe
    nome: "Ufficio anagrafe"
    ufficio: uffici/anagrafe
    indirizzo: "Piazza Garibaldi 1, 00902 Valfiorita"
    capienza: 1
    durata: 30
    orari:
      lunedi: ["09:00-12:30"]
      martedi: ["09:00-12:30"]
      mercoledi: ["09:00-12:30"]
      giovedi: ["09:00-12:30"]
      venerdi: ["09:00-12:30"]
    motivi:
      - nome: "Rilascio carta d'identità elettronica"
        cosa_serve: "Una fototessera e il documento scaduto"
"#;

fn start() -> Servizio {
    start_with(false, &[]).unwrap()
}

fn start_with(pg: bool, extra: &[&str]) -> Option<Servizio> {
    common::start_sportello(SPORTELLO, pg, extra)
}

/// The slots that start after the reminder window of `SPORTELLO` (400 hours), with a day to
/// spare.
fn beyond_reminders(slots: Vec<String>) -> Vec<String> {
    let from = chrono::Utc::now() + chrono::Duration::hours(400 + 24);
    slots
        .into_iter()
        .filter(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok_and(|t| t > from))
        .collect()
}

fn slots(api: &str) -> Vec<String> {
    let (status, v, _) = call(
        "GET",
        &format!("{api}/sportelli/anagrafe/disponibilita"),
        None,
        None,
    );
    assert_eq!(status, 200, "{v}");
    v["slot"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["inizio"].as_str().unwrap().to_string())
        .collect()
}

fn richiesta(inizio: &str, email: &str, altcha: &str) -> Value {
    json!({
        "sportello": "anagrafe", "inizio": inizio, "nome": "Maria", "cognome": "Bianchi",
        "email": email, "motivo": "Rilascio carta d'identità elettronica", "dettagli": "Rinnovo",
        "privacy": true, "altcha": altcha
    })
}

/// Holds then books, as the pages do; the 201 body.
fn book(api: &str, inizio: &str, email: &str) -> Value {
    let (status, h, _) = call(
        "POST",
        &format!("{api}/trattenute"),
        None,
        Some(json!({"sportello": "anagrafe", "inizio": inizio, "altcha": pow(api)})),
    );
    assert_eq!(status, 201, "{h}");
    let mut r = richiesta(inizio, email, "");
    r["trattenuta"] = h["trattenuta"].clone();
    let (status, ok, _) = call("POST", &format!("{api}/prenotazioni"), None, Some(r));
    assert_eq!(status, 201, "{ok}");
    ok
}

fn token_from_mail(text: &str) -> String {
    let i = text.find("#t=").expect("a manage link in the mail");
    text[i + 3..i + 35].to_string()
}

fn booking_flow(s: &Servizio) {
    let api = format!("{}/api/v1/valfiorita", s.url);
    let (status, list, acao) = call("GET", &format!("{api}/sportelli"), Some(&s.origin), None);
    assert_eq!(status, 200);
    assert_eq!(
        acao.as_deref(),
        Some(s.origin.as_str()),
        "the comune's own site may call"
    );
    assert_eq!(list["sportelli"][0]["id"], "anagrafe");
    assert_eq!(
        list["informativa"],
        "https://www.comune.valfiorita.vd.example/privacy/"
    );
    // Beyond the reminder window (`promemoria_ore: 400` above): the jobs would otherwise send
    // a reminder in the middle of the mails this test reads in order.
    let free = beyond_reminders(slots(&api));
    assert!(free.len() > 20, "{}", free.len());
    // Not the very first: it could cross the minimum notice between two requests.
    let first = free[2].clone();

    let ok = book(&api, &first, "Maria@Example.it");
    let codice = ok["codice"].as_str().unwrap().to_string();
    assert!(codice.starts_with("AN-"), "{ok}");
    assert!(ok["quando"].as_str().unwrap().contains(" dalle "), "{ok}");
    assert_eq!(ok["cosa_serve"], "Una fototessera e il documento scaduto");
    let token = ok["token"].as_str().unwrap().to_string();
    // Capacity 1: the slot is no longer offered, a direct attempt is refused cleanly.
    assert!(!slots(&api).contains(&first));
    let (status, full, _) = call(
        "POST",
        &format!("{api}/prenotazioni"),
        None,
        Some(richiesta(&first, "luca@example.it", &pow(&api))),
    );
    assert_eq!(status, 409, "{full}");
    assert!(full["errore"].as_str().unwrap().contains("altro"));

    // The confirmation email: summary, .ics, the manage link with the token.
    let mails = s.smtp.wait(1, 20);
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].to, vec!["maria@example.it".to_string()]);
    assert!(
        mails[0]
            .from
            .contains("noreply@comune.valfiorita.vd.example"),
        "{}",
        mails[0].from
    );
    let text = mail_text(&mails[0].data);
    assert!(text.contains(&codice), "{text}");
    assert!(text.contains("text/calendar"), "an .ics attachment");
    assert!(text.contains(
        "https://www.comune.valfiorita.vd.example/prenotazione-appuntamento/gestisci/#t="
    ));
    assert_eq!(token_from_mail(&text), token);

    // Consult, move, cancel by token; each change mailed.
    let (status, v, _) = call(
        "POST",
        &format!("{api}/prenotazioni/consulta"),
        None,
        Some(json!({"token": token})),
    );
    assert_eq!(
        (status, v["codice"].as_str()),
        (200, Some(codice.as_str())),
        "{v}"
    );
    assert_eq!(v["annullabile"], true);
    let other = beyond_reminders(slots(&api))[5].clone();
    let (status, v, _) = call(
        "POST",
        &format!("{api}/prenotazioni/sposta"),
        None,
        Some(json!({"token": token, "inizio": other})),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["inizio"].as_str(), Some(other.as_str()));
    assert!(slots(&api).contains(&first), "the old slot is free again");
    assert!(!slots(&api).contains(&other));
    let (status, v, _) = call(
        "POST",
        &format!("{api}/prenotazioni/annulla"),
        None,
        Some(json!({"token": token})),
    );
    assert_eq!(
        (status, v["stato"].as_str()),
        (200, Some("annullata")),
        "{v}"
    );
    let (status, _, _) = call(
        "POST",
        &format!("{api}/prenotazioni/annulla"),
        None,
        Some(json!({"token": token})),
    );
    assert_eq!(status, 404);
    assert!(slots(&api).contains(&other));
    let mails = s.smtp.wait(3, 20);
    let subjects: Vec<String> = mails.iter().map(|m| mail_text(&m.data)).collect();
    assert!(subjects[1].contains("spostato"), "{}", subjects[1]);
    assert!(subjects[2].contains("annullato"), "{}", subjects[2]);
}

#[test]
fn book_move_cancel_with_emails_on_sqlite() {
    booking_flow(&start());
}

#[test]
#[cfg_attr(
    not(civico_pg),
    ignore = "needs PostgreSQL (Debian's postgresql package)"
)]
fn book_move_cancel_with_emails_on_postgres() {
    if let Some(s) = start_with(true, &[]) {
        assert!(s.db.starts_with("postgres://"));
        booking_flow(&s);
    }
}

#[test]
fn invalid_requests_past_slots_replays_and_foreign_sites_are_refused() {
    let s = start();
    let api = format!("{}/api/v1/valfiorita", s.url);
    // A time in the past, a bad email, too long details, no privacy acknowledgement: 422 per field.
    let mut bad = richiesta("2020-01-06T08:00:00Z", "non-una-email", &pow(&api));
    bad["dettagli"] = json!("x".repeat(201));
    bad["privacy"] = json!(false);
    let (status, v, _) = call("POST", &format!("{api}/prenotazioni"), None, Some(bad));
    assert_eq!(status, 422, "{v}");
    for campo in ["inizio", "email", "dettagli", "privacy"] {
        assert!(v["errori"][campo].is_string(), "{campo}: {v}");
    }
    // Not a slot boundary, beyond the horizon: refused even when posted directly.
    for t in ["2031-01-06T08:07:00Z", "2031-01-06T08:00:00Z"] {
        let (status, v, _) = call(
            "POST",
            &format!("{api}/trattenute"),
            None,
            Some(json!({"sportello": "anagrafe", "inizio": t, "altcha": pow(&api)})),
        );
        assert_eq!(status, 422, "{v}");
    }
    let free = slots(&api);
    // Without a solved challenge, with a replayed one, with the honeypot filled: refused.
    let (status, v, _) = call(
        "POST",
        &format!("{api}/trattenute"),
        None,
        Some(json!({"sportello": "anagrafe", "inizio": free[3]})),
    );
    assert_eq!(status, 422, "{v}");
    let p = pow(&api);
    let (status, _, _) = call(
        "POST",
        &format!("{api}/trattenute"),
        None,
        Some(json!({"sportello": "anagrafe", "inizio": free[3], "altcha": p})),
    );
    assert_eq!(status, 201);
    let (status, v, _) = call(
        "POST",
        &format!("{api}/trattenute"),
        None,
        Some(json!({"sportello": "anagrafe", "inizio": free[4], "altcha": p})),
    );
    assert_eq!(status, 422, "{v}");
    assert!(v["errore"].as_str().unwrap().contains("già stata usata"));
    let (status, _, _) = call(
        "POST",
        &format!("{api}/trattenute"),
        None,
        Some(
            json!({"sportello": "anagrafe", "inizio": free[4], "altcha": pow(&api), "sito_web": "http://spam.example"}),
        ),
    );
    assert_eq!(status, 400);
    // The held slot is not offered to others meanwhile.
    assert!(!slots(&api).contains(&free[3]));
    // A comune of the network the service does not know: 404.
    let (status, _, _) = call(
        "GET",
        &format!("{}/api/v1/nessuno/sportelli", s.url),
        None,
        None,
    );
    assert_eq!(status, 404);
    // A page of another site, or of another comune, gets no CORS permission.
    for o in [
        "https://evil.example",
        "https://www.comune.castelmarino.vd.example",
    ] {
        let (_, _, acao) = call("GET", &format!("{api}/sportelli"), Some(o), None);
        assert_eq!(acao, None, "{o}");
    }
    // Bodies are limited.
    let mut huge = richiesta(&free[6], "a@example.it", "");
    huge["dettagli"] = json!("x".repeat(100_000));
    let (status, _, _) = call("POST", &format!("{api}/prenotazioni"), None, Some(huge));
    assert_eq!(status, 413);
    // Nothing personal in what the service printed: no test email address in its output.
    // (Its output goes to a sink; the mails carry addresses, logs never do: checked in the
    // load test, which reads the log.)
}

#[test]
fn tenants_are_isolated_over_http() {
    let s = start();
    let api = format!("{}/api/v1/valfiorita", s.url);
    let other = format!("{}/api/v1/castelmarino", s.url);
    let ok = book(&api, &slots(&api)[2], "a@example.it");
    let token = ok["token"].as_str().unwrap();
    // Castelmarino's API cannot read, move or cancel Valfiorita's booking.
    for azione in ["consulta", "annulla"] {
        let (status, _, _) = call(
            "POST",
            &format!("{other}/prenotazioni/{azione}"),
            None,
            Some(json!({"token": token})),
        );
        assert_eq!(status, 404, "{azione}");
    }
    let (status, _, _) = call(
        "POST",
        &format!("{other}/prenotazioni/sposta"),
        None,
        Some(json!({"token": token, "inizio": slots(&api)[4]})),
    );
    assert_eq!(status, 404);
    // A hold of one comune cannot be used in another.
    let (_, h, _) = call(
        "POST",
        &format!("{api}/trattenute"),
        None,
        Some(json!({"sportello": "anagrafe", "inizio": slots(&api)[5], "altcha": pow(&api)})),
    );
    let mut r = richiesta("", "b@example.it", "");
    r["trattenuta"] = h["trattenuta"].clone();
    let (status, _, _) = call(
        "POST",
        &format!("{other}/prenotazioni"),
        None,
        Some(r.clone()),
    );
    assert_eq!(status, 410);
    let (status, _, _) = call("POST", &format!("{api}/prenotazioni"), None, Some(r));
    assert_eq!(status, 201);
    // Still there for Valfiorita.
    let (status, _, _) = call(
        "POST",
        &format!("{api}/prenotazioni/consulta"),
        None,
        Some(json!({"token": token})),
    );
    assert_eq!(status, 200);
}

#[test]
fn a_retried_request_books_once() {
    let s = start();
    let api = format!("{}/api/v1/valfiorita", s.url);
    let free = beyond_reminders(slots(&api)); // the mails are counted
    let body = richiesta(&free[2], "r@example.it", &pow(&api));
    let (s1, a, _) = call_with(
        "POST",
        &format!("{api}/prenotazioni"),
        None,
        Some(body.clone()),
        Some("k-0001-retry"),
    );
    assert_eq!(s1, 201, "{a}");
    // The same request again (the challenge already spent, the key the same): same answer.
    let (s2, b, _) = call_with(
        "POST",
        &format!("{api}/prenotazioni"),
        None,
        Some(body),
        Some("k-0001-retry"),
    );
    assert_eq!(s2, 201, "{b}");
    assert_eq!(a["codice"], b["codice"]);
    assert_eq!(s.smtp.wait(1, 20).len(), 1);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(
        s.smtp.mails.lock().unwrap().len(),
        1,
        "one booking, one email"
    );
}

#[test]
fn rate_limits_per_address() {
    let s = start_with(false, &["--limit-ip", "5"]).unwrap();
    let api = format!("{}/api/v1/valfiorita", s.url);
    let codes: Vec<u16> = (0..8)
        .map(|_| call("GET", &format!("{api}/sfida"), None, None).0)
        .collect();
    assert_eq!(&codes[..5], &[200; 5]);
    assert!(codes[5..].iter().all(|c| *c == 429), "{codes:?}");
}

#[test]
fn operators_see_their_comune_mark_cancel_and_export() {
    let s = start();
    let api = format!("{}/api/v1/valfiorita", s.url);
    let free = beyond_reminders(slots(&api)); // the mails are counted
    let a = book(&api, &free[2], "a@example.it");
    let b = book(&api, &free[3], "b@example.it");
    let day = a["inizio"].as_str().unwrap()[..10].to_string();
    let mut op = Operatore {
        base: s.url.clone(),
        cookie: None,
    };
    // Not logged in: sent to the login form.
    let (status, _, loc) = op.send("GET", "/operatori/valfiorita/", &[], None);
    assert_eq!(
        (status, loc.as_deref()),
        (303, Some("/operatori/valfiorita/accesso"))
    );
    // A name no comune can have is not found (it made a Location header fail: 500).
    for path in [
        "/operatori/%00/pratiche.csv",
        "/operatori/x%0Ay/",
        "/operatori/A%20B/export.csv",
    ] {
        let (status, _, loc) = op.send("GET", path, &[], None);
        assert_eq!((status, loc), (404, None), "{path}");
    }
    let (_, body, _) = op.send(
        "POST",
        "/operatori/valfiorita/accesso",
        &[("utente", "anna"), ("password", "sbagliata")],
        None,
    );
    assert!(body.contains("non corretti"));
    // Castelmarino's operator cannot log into Valfiorita.
    let (_, body, _) = op.send(
        "POST",
        "/operatori/valfiorita/accesso",
        &[("utente", "carlo"), ("password", PASSWORD)],
        None,
    );
    assert!(body.contains("non corretti"));
    let (status, _, set) = op.send(
        "POST",
        "/operatori/valfiorita/accesso",
        &[("utente", "anna"), ("password", PASSWORD)],
        None,
    );
    assert_eq!(status, 303);
    let set = set.unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/operatori/valfiorita/"] {
        assert!(set.contains(attr), "{set}");
    }
    let (status, html, _) = op.send(
        "GET",
        &format!("/operatori/valfiorita/?giorno={day}&vista=settimana"),
        &[],
        None,
    );
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&html);
    let rows = common::select(&doc, "tbody tr");
    assert!(rows.len() >= 2, "{html}");
    let codice_a = a["codice"].as_str().unwrap();
    assert!(html.contains(codice_a) && html.contains(b["codice"].as_str().unwrap()));
    let token = csrf(&html);
    // Without the CSRF token, or from another site: refused, nothing changes.
    let (status, _, _) = op.send(
        "POST",
        "/operatori/valfiorita/azione",
        &[("csrf", "x"), ("codice", codice_a), ("azione", "svolta")],
        None,
    );
    assert_eq!(status, 200); // an error page
    let (status, _, _) = op.send(
        "POST",
        "/operatori/valfiorita/azione",
        &[("csrf", &token), ("codice", codice_a), ("azione", "svolta")],
        Some("https://evil.example"),
    );
    assert_eq!(status, 403);
    // Marked done; the other cancelled with a message that reaches the citizen.
    let (status, _, _) = op.send(
        "POST",
        "/operatori/valfiorita/azione",
        &[("csrf", &token), ("codice", codice_a), ("azione", "svolta")],
        None,
    );
    assert_eq!(status, 303);
    let (status, _, _) = op.send(
        "POST",
        "/operatori/valfiorita/azione",
        &[
            ("csrf", &token),
            ("codice", b["codice"].as_str().unwrap()),
            ("azione", "annulla"),
            ("messaggio", "L'ufficio è chiuso per sciopero"),
        ],
        None,
    );
    assert_eq!(status, 303);
    let (_, csv, _) = op.send(
        "GET",
        &format!("/operatori/valfiorita/export.csv?giorno={day}&vista=settimana"),
        &[],
        None,
    );
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let stati: std::collections::HashMap<String, String> = r
        .records()
        .map(|x| x.unwrap())
        .map(|x| (x[0].to_string(), x[10].to_string()))
        .collect();
    assert_eq!(stati[codice_a], "svolta");
    assert_eq!(stati[b["codice"].as_str().unwrap()], "annullata");
    let mails = s.smtp.wait(3, 20);
    let ultimo = mail_text(&mails.last().unwrap().data);
    assert!(
        ultimo.contains("sciopero") && ultimo.contains("annullato"),
        "{ultimo}"
    );
    // The session cookie is no key to Castelmarino's back-office.
    let cookie = op.cookie.clone();
    let mut other = Operatore {
        base: s.url.clone(),
        cookie,
    };
    let (status, _, loc) = other.send("GET", "/operatori/castelmarino/", &[], None);
    assert_eq!(
        (status, loc.as_deref()),
        (303, Some("/operatori/castelmarino/accesso"))
    );
    // Log out: the cookie stops working.
    let (status, _, _) = op.send(
        "POST",
        "/operatori/valfiorita/uscita",
        &[("csrf", &token)],
        None,
    );
    assert_eq!(status, 303);
    let (status, _, _) = op.send("GET", "/operatori/valfiorita/", &[], None);
    assert_eq!(status, 303);
    let _ = &s.operatori;
}

#[test]
fn reminders_go_out_once_even_if_the_job_runs_twice() {
    let s = start();
    let api = format!("{}/api/v1/valfiorita", s.url);
    let free = slots(&api);
    book(&api, &free[2], "a@example.it");
    book(&api, &free[3], "b@example.it");
    s.smtp.wait(2, 20);
    let once = |smtp: &str| {
        let o = Command::new(bin())
            .arg("sportello")
            .arg("--root")
            .arg(&s.root)
            .args(["--db", &s.db, "--once", "--smtp", smtp])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    // The running service may run its own jobs too: at most once in total is the point.
    let first = once(&s.smtp.url());
    let second = once(&s.smtp.url());
    assert!(
        second.contains("0 promemoria in coda"),
        "{first} / {second}"
    );
    let mails = s.smtp.wait(4, 20);
    let promemoria: Vec<_> = mails
        .iter()
        .filter(|m| mail_text(&m.data).contains("Promemoria"))
        .collect();
    assert_eq!(promemoria.len(), 2, "{first}");
}

#[test]
fn the_configuration_is_reloaded_when_it_changes() {
    let s = start();
    let api = format!("{}/api/v1/valfiorita", s.url);
    let f = s.root.join("comuni/valfiorita/sportello.yaml");
    let text = std::fs::read_to_string(&f)
        .unwrap()
        .replace("Ufficio anagrafe", "Anagrafe centrale");
    std::fs::write(&f, text).unwrap();
    let t = std::time::Instant::now();
    loop {
        let (_, v, _) = call("GET", &format!("{api}/sportelli"), None, None);
        if v["sportelli"][0]["nome"] == "Anagrafe centrale" {
            break;
        }
        assert!(t.elapsed().as_secs() < 20, "not reloaded: {v}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    // A broken file keeps the previous configuration.
    std::fs::write(&f, "informativa: [").unwrap();
    std::thread::sleep(std::time::Duration::from_secs(4));
    let (status, v, _) = call("GET", &format!("{api}/sportelli"), None, None);
    assert_eq!(
        (status, v["sportelli"][0]["nome"].as_str()),
        (200, Some("Anagrafe centrale"))
    );
}

#[test]
fn a_comune_without_informativa_cannot_take_bookings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sito");
    copy_dir(&repo().join("content-example"), &root);
    std::fs::write(
        root.join("comuni/valfiorita/sportello.yaml"),
        SPORTELLO.replace(
            "informativa: \"https://www.comune.valfiorita.vd.example/privacy/\"",
            "informativa: \"\"",
        ),
    )
    .unwrap();
    let o = Command::new(bin())
        .arg("sportello")
        .arg(&root)
        .args(["--db"])
        .arg(dir.path().join("x.sqlite"))
        .args(["--port", "0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("valfiorita/sportello.yaml") && err.contains("informativa"),
        "{err}"
    );
    // The site build reports it too, with the file and line.
    let (ok, err) = common::build(&root, &dir.path().join("out"), &[]);
    assert!(!ok);
    assert!(
        err.contains("sportello.yaml") && err.contains("E-SPORTELLO"),
        "{err}"
    );
}

/// Runs tests/browser/prenota.mjs; its JSON output.
fn node_prenota(site: &std::path::Path, port: u16, phase: &str, arg: &str) -> Value {
    common::node_script("prenota.mjs", site, port, &[phase, arg])
}

#[test]
#[cfg_attr(
    not(civico_browser),
    ignore = "needs node, Debian's chromium and `npm ci --prefix tests/browser` (README, Quick start)"
)]
fn booking_pages_work_in_chromium_end_to_end() {
    if common::node_ready() {
        booking_in_chromium(false);
    }
}

#[test]
#[cfg_attr(
    any(not(civico_browser), not(civico_pg)),
    ignore = "needs node, Debian's chromium, `npm ci --prefix tests/browser` and PostgreSQL"
)]
fn booking_pages_work_in_chromium_on_postgres() {
    if common::node_ready() {
        booking_in_chromium(true);
    }
}

/// The booking pages in Chromium against the service on SQLite or PostgreSQL: a citizen books
/// (the day, then the time, by keyboard), cancels from the email's link, and asks for help.
fn booking_in_chromium(postgres: bool) {
    // The origin the site will be served from (the script listens there).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let site_origin = format!("http://127.0.0.1:{port}");
    // The service with content-example's own sportello.yaml, and the site built to call it.
    let yaml =
        std::fs::read_to_string(repo().join("content-example/comuni/valfiorita/sportello.yaml"))
            .unwrap();
    let Some(s) = common::start_sportello(&yaml, postgres, &["--allow-origin", &site_origin])
    else {
        return;
    };
    assert_eq!(s.db.starts_with("postgres://"), postgres);
    let (_out, site) = common::sito_per(&s, "valfiorita");
    let (smtp, url) = (&s.smtp, s.url.clone());
    let doc = common::html(&site.join("prenotazione-appuntamento/index.html"));
    let api = common::select(&doc, "[data-civico-prenota]")[0]
        .value()
        .attr("data-api")
        .unwrap()
        .to_string();
    assert_eq!(api, format!("{url}/api/v1/valfiorita"));

    let v = node_prenota(
        &site,
        port,
        "prenota",
        "/servizi/anagrafe-e-stato-civile/carta-identita-elettronica/",
    );
    let codice = v["codice"].as_str().unwrap().to_string();
    // The confirmation email, with the manage link.
    let mails = smtp.wait(1, 30);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["maria.bianchi@example.it".to_string()]);
    let text = mail_text(&mails[0].data);
    assert!(
        text.contains(&codice) && text.contains("Rinnovo per scadenza"),
        "{text}"
    );
    assert!(
        text.contains("Una fototessera recente"),
        "what to bring: {text}"
    );
    let token = token_from_mail(&text);
    // Cancel through the link's page.
    let v = node_prenota(&site, port, "annulla", &token);
    assert_eq!(v["codice"].as_str(), Some(codice.as_str()));
    let mails = smtp.wait(2, 30);
    assert!(mail_text(&mails[1].data).contains("annullato"));
    let (status, v, _) = call(
        "POST",
        &format!("{api}/prenotazioni/consulta"),
        None,
        Some(json!({"token": token})),
    );
    assert_eq!((status, v["stato"].as_str()), (200, Some("annullata")));
    // The richiesta di assistenza form of the same site.
    let v = node_prenota(&site, port, "assistenza", "-");
    let codice = v["codice"].as_str().unwrap().to_string();
    let mails = smtp.wait(3, 30);
    let text = mail_text(&mails[2].data);
    assert!(
        text.contains(&codice) && text.contains("all'estero"),
        "{text}"
    );
    assert_eq!(mails[2].to, vec!["luca.verdi@example.it".to_string()]);
}

#[test]
fn feedback_answers_are_collected_without_identity_and_shown_to_operators() {
    let s = start();
    let api = format!("{}/api/v1/valfiorita", s.url);
    let answer = json!({"pagina": "/servizi/", "valutazione": 2, "risposta": "Ho avuto problemi tecnici", "dettaglio": "Il <b>modulo</b> non si apre"});
    let (status, _, acao) = call(
        "POST",
        &format!("{api}/valutazioni"),
        Some(&s.origin),
        Some(answer),
    );
    assert_eq!((status, acao.as_deref()), (204, Some(s.origin.as_str())));
    let (status, _, _) = call(
        "POST",
        &format!("{api}/valutazioni"),
        None,
        Some(json!({"pagina": "/", "valutazione": 5})),
    );
    assert_eq!(status, 204);
    // Invented answers, seven stars, foreign pages: refused.
    for bad in [
        json!({"pagina": "/", "valutazione": 7}),
        json!({"pagina": "/", "valutazione": 5, "risposta": "Ho avuto problemi tecnici"}),
        json!({"pagina": "https://evil.example/", "valutazione": 3}),
        json!({"pagina": "/", "valutazione": 3, "dettaglio": "x".repeat(201)}),
    ] {
        let (status, _, _) = call(
            "POST",
            &format!("{api}/valutazioni"),
            None,
            Some(bad.clone()),
        );
        assert_eq!(status, 422, "{bad}");
    }
    // Stored without address or time of day.
    let pool = civico_sportello::db::Pool::apri(
        civico_sportello::db::Dove::da(&s.db),
        civico_sportello::registro::MIGRAZIONI,
    )
    .unwrap();
    let cols = pool
        .prendi()
        .unwrap()
        .righe("SELECT * FROM valutazione", &[])
        .unwrap();
    assert_eq!(cols.len(), 2);
    assert!(
        cols.iter()
            .all(|r| r.len() == 7 && r[6].testo().len() == 10),
        "id, comune, pagina, voto, risposta, testo, giorno only"
    );
    // The operator sees the page with its figures and the comment, escaped.
    let mut op = Operatore {
        base: s.url.clone(),
        cookie: None,
    };
    op.send(
        "POST",
        "/operatori/valfiorita/accesso",
        &[("utente", "anna"), ("password", PASSWORD)],
        None,
    );
    let (status, html, _) = op.send("GET", "/operatori/valfiorita/valutazioni", &[], None);
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&html);
    let rows = common::select(&doc, "tbody tr");
    assert_eq!(rows.len(), 2);
    let first = common::text(&rows[0]);
    assert!(
        first.contains("/servizi/")
            && first.contains("2.0")
            && first.contains("Ho avuto problemi tecnici (1)"),
        "{first}"
    );
    assert!(
        html.contains("Il &lt;b&gt;modulo&lt;/b&gt; non si apre"),
        "escaped"
    );
    let (_, csv, _) = op.send("GET", "/operatori/valfiorita/valutazioni.csv", &[], None);
    assert_eq!(csv.lines().count(), 3, "{csv}");
    // Castelmarino's operator page has none of them (and needs its own login).
    let (status, _, _) = op.send("GET", "/operatori/castelmarino/valutazioni", &[], None);
    assert_eq!(status, 303);
}

#[test]
fn the_example_sites_carry_the_booking_pages_and_the_feedback_endpoint() {
    let site = common::example_site();
    for slug in common::COMUNI {
        let api = format!("https://sportello.provincia-valdoro.vd.example/api/v1/{slug}");
        let doc = common::html(&site.join(slug).join("prenotazione-appuntamento/index.html"));
        let root = common::select(&doc, "[data-civico-prenota]");
        assert_eq!(root[0].value().attr("data-api"), Some(api.as_str()));
        // Without the service the offices' contacts show; the form waits hidden.
        let fallback = common::select(&doc, "[data-civico-fallback]");
        assert!(fallback[0].value().attr("hidden").is_none());
        assert!(common::select(&doc, "[data-civico-fallback] a[href^='tel:']").len() >= 2);
        assert!(
            common::select(&doc, "[data-civico-fallback] h3 a[href$='/']").len() >= 2,
            "links to the ufficio pages"
        );
        assert!(common::select(&doc, "form[data-civico-passi]")[0]
            .value()
            .attr("hidden")
            .is_some());
        for (n, id) in [
            ("1", "office"),
            ("2", "appointment-available"),
            ("3", "reason"),
            ("4", "applicant"),
        ] {
            let sel = format!("section[data-passo='{n}']#{id}");
            assert_eq!(common::select(&doc, &sel).len(), 1, "{slug}: step {n}");
        }
        assert_eq!(
            common::select(&doc, "#form-details")[0]
                .value()
                .attr("maxlength"),
            Some("200")
        );
        let widget = common::select(&doc, "altcha-widget");
        assert_eq!(
            widget[0].value().attr("challenge"),
            Some(format!("{api}/sfida").as_str())
        );
        let honeypot = common::select(&doc, "input[name=sito_web]");
        assert_eq!(honeypot[0].value().attr("tabindex"), Some("-1"));
        let g = common::html(
            &site
                .join(slug)
                .join("prenotazione-appuntamento/gestisci/index.html"),
        );
        assert_eq!(common::select(&g, "[data-civico-gestione]").len(), 1);
        // The richiesta di assistenza form: 16 categories with their services, 600 characters.
        let a = common::html(&site.join(slug).join("richiesta-assistenza/index.html"));
        assert_eq!(
            common::select(&a, "[data-civico-assistenza]")[0]
                .value()
                .attr("data-api"),
            Some(api.as_str())
        );
        assert!(common::select(&a, "form#justValidateForm")[0]
            .value()
            .attr("hidden")
            .is_some());
        assert_eq!(
            common::select(&a, "#category option[data-servizi]").len(),
            16
        );
        assert_eq!(
            common::select(&a, "#description")[0]
                .value()
                .attr("maxlength"),
            Some("600")
        );
        assert!(!common::select(&a, "[data-civico-fallback] a[href^='mailto:']").is_empty());
        // Every page's feedback widget posts to the service.
        let home = common::html(&site.join(slug).join("index.html"));
        let form = common::select(&home, "form[data-element=feedback]");
        assert_eq!(
            form[0].value().attr("data-endpoint"),
            Some(format!("{api}/valutazioni").as_str())
        );
    }
}

#[test]
fn help_requests_are_stored_mailed_and_handled_by_operators() {
    let s = start();
    let api = format!("{}/api/v1/valfiorita", s.url);
    let req = |altcha: &str| {
        json!({
            "nome": "Luca", "cognome": "Verdi", "email": "Luca@Example.it",
            "categoria": "Anagrafe e stato civile", "servizio": "Carta d'identità elettronica",
            "descrizione": "Come rinnovo la carta se sono all'estero?", "privacy": true, "altcha": altcha
        })
    };
    // Field checks, each with its message.
    let mut bad = req(&pow(&api));
    bad["categoria"] = json!("Tasse");
    bad["descrizione"] = json!("x".repeat(601));
    bad["privacy"] = json!(false);
    let (status, v, _) = call("POST", &format!("{api}/assistenza"), None, Some(bad));
    assert_eq!(status, 422);
    for k in ["categoria", "descrizione", "privacy"] {
        assert!(v["errori"][k].is_string(), "{k}: {v}");
    }
    // Without a solved challenge: refused.
    let (status, _, _) = call("POST", &format!("{api}/assistenza"), None, Some(req("")));
    assert_eq!(status, 422);
    // Sent, and sent again by a client that did not see the answer: one request, one code.
    let body = req(&pow(&api));
    let (status, a, acao) = call_with(
        "POST",
        &format!("{api}/assistenza"),
        Some(&s.origin),
        Some(body.clone()),
        Some("assist-0001"),
    );
    assert_eq!(
        (status, acao.as_deref()),
        (201, Some(s.origin.as_str())),
        "{a}"
    );
    let codice = a["codice"].as_str().unwrap().to_string();
    assert!(codice.starts_with("AS-"), "{codice}");
    let (status, b, _) = call_with(
        "POST",
        &format!("{api}/assistenza"),
        None,
        Some(body),
        Some("assist-0001"),
    );
    assert_eq!((status, b["codice"].as_str()), (201, Some(codice.as_str())));
    // The citizen gets the summary, the URP a copy.
    let mails = s.smtp.wait(2, 20);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(s.smtp.mails.lock().unwrap().len(), 2);
    let to: Vec<&str> = mails.iter().map(|m| m.to[0].as_str()).collect();
    assert!(
        to.contains(&"luca@example.it") && to.contains(&"urp@comune.valfiorita.vd.example"),
        "{to:?}"
    );
    assert!(mails.iter().all(|m| mail_text(&m.data).contains(&codice)));
    // The operator sees it, closes it, exports it; Castelmarino's operator does not see it.
    let mut op = Operatore {
        base: s.url.clone(),
        cookie: None,
    };
    op.send(
        "POST",
        "/operatori/valfiorita/accesso",
        &[("utente", "anna"), ("password", PASSWORD)],
        None,
    );
    let (status, html, _) = op.send("GET", "/operatori/valfiorita/assistenza", &[], None);
    assert_eq!(status, 200);
    assert!(
        html.contains(&codice) && html.contains("Come rinnovo la carta se sono all&apos;estero?"),
        "{html}"
    );
    let token = csrf(&html);
    let (status, _, _) = op.send(
        "POST",
        "/operatori/valfiorita/assistenza/azione",
        &[("csrf", &token), ("codice", &codice), ("azione", "chiusa")],
        None,
    );
    assert_eq!(status, 303);
    let (_, csv, _) = op.send("GET", "/operatori/valfiorita/assistenza.csv", &[], None);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<_> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!((&rows[0][1], &rows[0][8]), (codice.as_str(), "chiusa"));
    let mut carlo = Operatore {
        base: s.url.clone(),
        cookie: None,
    };
    carlo.send(
        "POST",
        "/operatori/castelmarino/accesso",
        &[("utente", "carlo"), ("password", PASSWORD)],
        None,
    );
    let (status, html, _) = carlo.send("GET", "/operatori/castelmarino/assistenza", &[], None);
    assert_eq!(status, 200);
    assert!(!html.contains(&codice) && html.contains("0 richieste"));
    let (_, agenda, _) = carlo.send("GET", "/operatori/castelmarino/", &[], None);
    let (status, _, _) = carlo.send(
        "POST",
        "/operatori/castelmarino/assistenza/azione",
        &[
            ("csrf", &csrf(&agenda)),
            ("codice", &codice),
            ("azione", "nuova"),
        ],
        None,
    );
    assert_eq!(status, 409, "another comune's request cannot be touched");
}

// --- Hardening: a hostile client ------------------------------------------------------------

/// POSTs JSON with extra headers: (status, JSON body, Set-Cookie).
fn post_with(url: &str, body: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut r = common::agent()
        .post(url)
        .header("Content-Type", "application/json");
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let resp = r.send(body).unwrap();
    let status = resp.status().as_u16();
    let text = resp.into_body().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn login(base: &str, password: &str, xff: &str) -> (u16, String, Option<String>) {
    let mut r = common::agent().post(format!("{base}/operatori/valfiorita/accesso"));
    if !xff.is_empty() {
        r = r.header("X-Forwarded-For", xff);
    }
    let resp = r
        .send_form([("utente", "anna"), ("password", password)])
        .unwrap();
    let status = resp.status().as_u16();
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (
        status,
        resp.into_body().read_to_string().unwrap_or_default(),
        cookie,
    )
}

#[test]
fn a_client_cannot_rotate_forwarded_for_to_escape_limits() {
    let s = start_with(false, &["--trust-proxy", "--limit-ip", "3"]).unwrap();
    let api = format!("{}/api/v1/valfiorita", s.url);
    let sfida = |xff: &str| {
        common::agent()
            .get(format!("{api}/sfida"))
            .header("X-Forwarded-For", xff)
            .call()
            .unwrap()
            .status()
            .as_u16()
    };
    // The proxy appends the real address; the client writes whatever it likes to its left.
    let codes: Vec<u16> = (0..5)
        .map(|i| sfida(&format!("10.9.8.{i}, 203.0.113.7")))
        .collect();
    assert_eq!(codes, [200, 200, 200, 429, 429]);
    // One IPv6 /64 is one client.
    let codes: Vec<u16> = (0..4)
        .map(|i| sfida(&format!("2001:db8:7:7::{i:x}")))
        .collect();
    assert_eq!(codes, [200, 200, 200, 429]);
    assert_eq!(sfida("198.51.100.20"), 200, "another client is free");
    // Wrong operator passwords from "rotating" addresses: the account locks after five.
    let mut last = (0, String::new(), None);
    for i in 0..6 {
        last = login(&s.url, "sbagliata", &format!("10.0.0.{i}, 192.0.2.{i}"));
    }
    assert_eq!(last.0, 429, "{}", last.1);
    assert!(
        last.1
            .contains("Troppi tentativi non riusciti per questo utente"),
        "{}",
        last.1
    );
    // Locked means locked: the right password waits too.
    let (status, body, cookie) = login(&s.url, PASSWORD, "192.0.2.99");
    assert_eq!(status, 429, "{body}");
    assert!(cookie.is_none());
}

#[test]
fn citizens_traffic_does_not_lock_operators_out() {
    let s = start_with(false, &["--limit-comune", "3"]).unwrap();
    let api = format!("{}/api/v1/valfiorita", s.url);
    let codes: Vec<u16> = (0..6)
        .map(|_| call("GET", &format!("{api}/sfida"), None, None).0)
        .collect();
    assert!(
        codes.ends_with(&[429, 429]),
        "the comune's budget is spent: {codes:?}"
    );
    let (status, body, cookie) = login(&s.url, PASSWORD, "");
    assert_eq!(status, 303, "{body}");
    let cookie = cookie.unwrap();
    assert!(cookie.contains("HttpOnly"));
    assert!(
        !cookie.contains("Secure"),
        "a loopback-only trial has no TLS: {cookie}"
    );
}

#[test]
fn the_operator_cookie_is_secure_off_loopback() {
    let s = start_with(false, &["--bind", "0.0.0.0"]).unwrap();
    let base = s.url.replace("0.0.0.0", "127.0.0.1");
    let (status, body, cookie) = login(&base, PASSWORD, "");
    assert_eq!(status, 303, "{body}");
    assert!(cookie.unwrap().contains("; Secure"));
}

#[test]
fn slow_huge_and_malformed_requests_are_refused_in_italian() {
    use std::io::{Read, Write};
    let s = start_with(
        false,
        &[
            "--header-timeout",
            "1",
            "--body-timeout",
            "1",
            "--limit-connections",
            "8",
        ],
    )
    .unwrap();
    let api = format!("{}/api/v1/valfiorita", s.url);
    // A declared body over the limit: 413 before any of it is sent.
    let (status, v) = common::post_raw(&format!("{api}/prenotazioni"), 50_000_000, b"");
    assert_eq!(status, 413, "{v}");
    assert!(
        v["errore"]
            .as_str()
            .unwrap()
            .contains("richiesta troppo grande"),
        "{v}"
    );
    // Malformed JSON, the wrong type, a missing field: Italian JSON errors.
    let (status, v) = post_with(&format!("{api}/prenotazioni/consulta"), "{\"token\": ", &[]);
    assert_eq!(
        (status, v["errore"].as_str()),
        (400, Some("la richiesta non è un JSON valido"))
    );
    let (status, v) = post_with(&format!("{api}/prenotazioni/consulta"), "{}", &[]);
    assert_eq!(status, 422, "{v}");
    assert_eq!(
        v["errore"],
        "dati della richiesta non validi: manca il campo `token`"
    );
    let resp = common::agent()
        .post(format!("{api}/prenotazioni/consulta"))
        .header("Content-Type", "text/plain")
        .send("{}")
        .unwrap();
    assert_eq!(resp.status().as_u16(), 415);
    // Headers that never end, and a body that stops: the service hangs up, it does not wait.
    let addr = s.url.trim_start_matches("http://").to_string();
    let t = std::time::Instant::now();
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    slow.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    slow.write_all(b"GET /salute HTTP/1.1\r\nHost: x\r\nX-A: ")
        .unwrap();
    let mut buf = Vec::new();
    let _ = slow.read_to_end(&mut buf);
    assert!(
        t.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        t.elapsed()
    );
    let t = std::time::Instant::now();
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    slow.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    slow.write_all(
        b"POST /api/v1/valfiorita/prenotazioni/consulta HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"token\"",
    )
    .unwrap();
    let mut buf = Vec::new();
    let _ = slow.read_to_end(&mut buf);
    assert!(
        t.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        t.elapsed()
    );
    // Many connections from one client: beyond the cap, new ones are closed at once.
    let held: Vec<std::net::TcpStream> = (0..8)
        .map(|_| std::net::TcpStream::connect(&addr).unwrap())
        .collect();
    let mut extra = std::net::TcpStream::connect(&addr).unwrap();
    extra
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let _ = extra.write_all(b"GET /salute HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut buf = Vec::new();
    let _ = extra.read_to_end(&mut buf);
    assert!(buf.is_empty(), "{}", String::from_utf8_lossy(&buf));
    drop(held);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(call("GET", &format!("{}/salute", s.url), None, None).0, 200);
}

/// Idempotency without readable tokens, and a challenge that a failed booking does not spend.
fn replies_and_challenges(s: &Servizio) {
    let api = format!("{}/api/v1/valfiorita", s.url);
    let free = slots(&api);
    let body = richiesta(&free[1], "idem@example.it", &pow(&api));
    let key = "k-idem-0001-abcdef";
    let (st, a, _) = call_with(
        "POST",
        &format!("{api}/prenotazioni"),
        None,
        Some(body.clone()),
        Some(key),
    );
    assert_eq!(st, 201, "{a}");
    let token = a["token"].as_str().unwrap().to_string();
    // What a copy of the database holds: no token, no link, no address, no key.
    let dump = dump_idempotenza(&s.db);
    assert!(!dump.is_empty());
    for secret in [token.as_str(), "idem@example.it", key] {
        assert!(!dump.contains(secret), "{secret} readable in {dump}");
    }
    // The client that kept its key gets the same answer back.
    let (st, b, _) = call_with(
        "POST",
        &format!("{api}/prenotazioni"),
        None,
        Some(body),
        Some(key),
    );
    assert_eq!(
        (st, b["token"].as_str()),
        (201, Some(token.as_str())),
        "{b}"
    );
    // A booking refused (the slot is full) leaves its challenge for the retry elsewhere.
    let altcha = pow(&api);
    let prenota = |slot: &str, email: &str, key: &str| {
        call_with(
            "POST",
            &format!("{api}/prenotazioni"),
            None,
            Some(richiesta(slot, email, &altcha)),
            Some(key),
        )
    };
    let (st, v, _) = prenota(&free[1], "altra@example.it", "k-idem-0002-abcdef");
    assert_eq!(st, 409, "{v}");
    let (st, v, _) = prenota(&free[2], "altra@example.it", "k-idem-0003-abcdef");
    assert_eq!(st, 201, "{v}");
    // Spent now: a third use is refused.
    let (st, v, _) = prenota(&free[3], "terza@example.it", "k-idem-0004-abcdef");
    assert_eq!(st, 422, "{v}");
    assert!(
        v["errore"].as_str().unwrap().contains("già stata usata"),
        "{v}"
    );
}

/// Every row of the idempotency table as text.
fn dump_idempotenza(db: &str) -> String {
    use civico_sportello::db::{Conn, Dove};
    let mut c = Conn::apri(&Dove::da(db)).unwrap();
    c.righe("SELECT comune, chiave, risposta FROM idempotenza", &[])
        .unwrap()
        .iter()
        .map(|r| format!("{} {} {}", r[0].testo(), r[1].testo(), r[2].testo()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn replies_are_unreadable_and_challenges_survive_refusals_on_sqlite() {
    replies_and_challenges(&start());
}

#[test]
#[cfg_attr(
    not(civico_pg),
    ignore = "needs PostgreSQL (Debian's postgresql package)"
)]
fn replies_are_unreadable_and_challenges_survive_refusals_on_postgres() {
    if let Some(s) = start_with(true, &[]) {
        replies_and_challenges(&s);
    }
}
