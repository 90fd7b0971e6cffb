//! `civico sportello` end to end: the binary on an ephemeral loopback port over a copy of
//! content-example with a sportello.yaml for Valfiorita; bookings through the JSON API.
#![cfg(feature = "sportello")]

mod common;

use std::process::{Child, Command};

use common::{bin, copy_dir, repo};
use serde_json::{json, Value};

const SPORTELLO: &str = r#"informativa: "https://www.comune.valfiorita.example.it/privacy/"
anticipo_minimo_ore: 1
orizzonte_giorni: 30
limite_per_persona: 2
sportelli:
  - id: anagrafe
    nome: "Ufficio anagrafe"
    ufficio: uffici/anagrafe
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

struct Servizio {
    child: Child,
    url: String,
    origin: String,
    _dir: tempfile::TempDir,
}

impl Drop for Servizio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Servizio {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sito");
    copy_dir(&repo().join("content-example"), &root);
    let comune = root.join("comuni/valfiorita");
    std::fs::write(comune.join("sportello.yaml"), SPORTELLO).unwrap();
    let yaml = std::fs::read_to_string(comune.join("comune.yaml")).unwrap();
    let base = yaml
        .lines()
        .find_map(|l| l.strip_prefix("base_url: "))
        .unwrap()
        .trim_matches('"')
        .to_string();
    let origin = url::Url::parse(&base)
        .unwrap()
        .origin()
        .ascii_serialization();
    let mut cmd = Command::new(bin());
    cmd.arg("sportello")
        .arg(&root)
        .arg("--db")
        .arg(dir.path().join("prenotazioni.sqlite"))
        .args(["--port", "0"]);
    let (child, url) = common::spawn_server(cmd);
    Servizio {
        child,
        url,
        origin,
        _dir: dir,
    }
}

fn call(
    method: &str,
    url: &str,
    origin: Option<&str>,
    body: Option<Value>,
) -> (u16, Value, Option<String>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let resp = match (method, body) {
        ("GET", _) => {
            let mut r = agent.get(url);
            if let Some(o) = origin {
                r = r.header("Origin", o);
            }
            r.call()
        }
        (_, b) => {
            let mut r = agent.post(url).header("Content-Type", "application/json");
            if let Some(o) = origin {
                r = r.header("Origin", o);
            }
            r.send(b.unwrap_or(json!({})).to_string())
        }
    }
    .unwrap();
    let status = resp.status().as_u16();
    let acao = resp
        .headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = resp.into_body().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        acao,
    )
}

fn richiesta(inizio: &str, email: &str) -> Value {
    json!({
        "sportello": "anagrafe", "inizio": inizio, "nome": "Maria", "cognome": "Bianchi",
        "email": email, "motivo": "Rilascio carta d'identità elettronica", "dettagli": "Rinnovo"
    })
}

#[test]
fn book_a_slot_once_refuse_the_second_and_cancel_by_token() {
    let s = start();
    let api = format!("{}/api/v1/valfiorita", s.url);
    let (status, list, acao) = call("GET", &format!("{api}/sportelli"), Some(&s.origin), None);
    assert_eq!(status, 200);
    assert_eq!(
        acao.as_deref(),
        Some(s.origin.as_str()),
        "the comune's own site may call"
    );
    assert_eq!(list["sportelli"][0]["id"], "anagrafe");
    let (_, slots, _) = call(
        "GET",
        &format!("{api}/sportelli/anagrafe/disponibilita"),
        None,
        None,
    );
    let slots = slots["slot"].as_array().unwrap().clone();
    assert!(slots.len() > 20, "{}", slots.len());
    // Not the very first: it could cross the minimum notice between the two requests.
    let first = slots[2]["inizio"].as_str().unwrap().to_string();
    assert!(slots[0]["etichetta"].as_str().unwrap().contains(" ore "));

    let (status, ok, _) = call(
        "POST",
        &format!("{api}/prenotazioni"),
        Some(&s.origin),
        Some(richiesta(&first, "maria@example.it")),
    );
    assert_eq!(status, 201, "{ok}");
    assert!(ok["codice"].as_str().unwrap().starts_with("AN-"));
    let token = ok["token"].as_str().unwrap().to_string();
    // Capacity 1: the next person gets a clean refusal.
    let (status, full, _) = call(
        "POST",
        &format!("{api}/prenotazioni"),
        None,
        Some(richiesta(&first, "luca@example.it")),
    );
    assert_eq!(status, 409, "{full}");
    assert!(full["errore"].as_str().unwrap().contains("altro"));
    // Cancel by token frees the slot.
    let (status, _, _) = call(
        "POST",
        &format!("{api}/prenotazioni/annulla"),
        None,
        Some(json!({"token": token})),
    );
    assert_eq!(status, 200);
    let (status, again, _) = call(
        "POST",
        &format!("{api}/prenotazioni/annulla"),
        None,
        Some(json!({"token": token})),
    );
    assert_eq!(status, 404, "{again}");
    let (status, _, _) = call(
        "POST",
        &format!("{api}/prenotazioni"),
        None,
        Some(richiesta(&first, "luca@example.it")),
    );
    assert_eq!(status, 201);
}

#[test]
fn invalid_requests_past_slots_and_foreign_sites_are_refused() {
    let s = start();
    let api = format!("{}/api/v1/valfiorita", s.url);
    // A time in the past, a time that is no slot, a bad email, too long details: 422 per field.
    let mut bad = richiesta("2020-01-06T08:00:00Z", "non-una-email");
    bad["dettagli"] = json!("x".repeat(201));
    let (status, v, _) = call("POST", &format!("{api}/prenotazioni"), None, Some(bad));
    assert_eq!(status, 422, "{v}");
    for campo in ["inizio", "email", "dettagli"] {
        assert!(v["errori"][campo].is_string(), "{campo}: {v}");
    }
    let (status, v, _) = call(
        "POST",
        &format!("{api}/prenotazioni"),
        None,
        Some(richiesta("2031-01-06T08:07:00Z", "a@example.it")),
    );
    assert_eq!(status, 422, "{v}");
    // Another comune of the network without a sportello.yaml, or an unknown one: 404.
    let (status, _, _) = call(
        "GET",
        &format!("{}/api/v1/castelmarino/sportelli", s.url),
        None,
        None,
    );
    assert_eq!(status, 404);
    // A page of another site gets no CORS permission.
    let (_, _, acao) = call(
        "GET",
        &format!("{api}/sportelli"),
        Some("https://evil.example"),
        None,
    );
    assert_eq!(acao, None);
    // Bodies are limited.
    let mut huge = richiesta("2031-01-06T08:00:00Z", "a@example.it");
    huge["dettagli"] = json!("x".repeat(100_000));
    let (status, _, _) = call("POST", &format!("{api}/prenotazioni"), None, Some(huge));
    assert_eq!(status, 413);
}
