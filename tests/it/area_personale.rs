//! The area personale end to end: `civico sportello` as the relying party of a real OpenID
//! provider (npm `oidc-provider`, OpenID Certified, run by tests/browser/oidc.mjs on loopback
//! with SPID-like claims), a citizen driven through the authorization code flow by a small
//! cookie-keeping client, istanze checked against the scheda's form, pratiche seen only by their
//! owner; ID tokens altered by the provider (issuer, audience, expiry, nonce, signature, `none`,
//! HMAC), a level below the minimum, a state from another browser or replayed, a rotated key, a
//! gateway that is down.
#![cfg(feature = "sportello")]

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::{Child, Command};

use serde_json::{json, Value};

use crate::io_mock::{Config, Mock, Profilo};

use crate::common::{
    self, available, browser_dir, csrf, free_port, has_command, spawn_server, Avvio, Operatore,
    Servizio, PASSWORD,
};

const CLIENT: &str = "civico-valfiorita";
const SEGRETO: &str = "un segreto di prova del gateway";
const MARIO: &str = "RSSMRA80A01H501U";
const LUCIA: &str = "BNCLRA85M50L219T";

const SPORTELLO: &str = r#"informativa: "https://www.comune.valfiorita.vd.example/privacy/"
mittente: "Comune di Valfiorita <noreply@comune.valfiorita.vd.example>"
anticipo_minimo_ore: 1
orizzonte_giorni: 30
sportelli:
  - id: anagrafe
    nome: "Ufficio anagrafe"
    capienza: 5
    durata: 30
    orari:
      lunedi: ["09:00-12:30"]
      martedi: ["09:00-12:30"]
      mercoledi: ["09:00-12:30"]
      giovedi: ["09:00-12:30"]
      venerdi: ["09:00-12:30"]
segnalazioni:
  categorie:
    - nome: "Strade e marciapiedi"
area_personale:
  emittente: "http://127.0.0.1:{PORTA}"
  client_id: "civico-valfiorita"
  segreto: OIDC_VALFIORITA
  livello_minimo: 2
"#;

fn gateway_ready() -> bool {
    available(
        has_command("node", "--version")
            && browser_dir().join("node_modules/oidc-provider").is_dir(),
        "node with tests/browser/node_modules/oidc-provider",
    )
}

/// The OpenID provider, stopped when dropped.
struct Gateway {
    child: Child,
    url: String,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Gateway {
    fn start(porta: u16, servizio: &str) -> Gateway {
        let mut cmd = Command::new("node");
        cmd.arg(browser_dir().join("oidc.mjs"))
            .arg(porta.to_string())
            .args([CLIENT, SEGRETO])
            .arg(format!("{servizio}/area-personale/valfiorita/ritorno"))
            .arg(format!("{servizio}/area-personale/valfiorita/?uscito=1"))
            .current_dir(browser_dir());
        let (child, url) = spawn_server(cmd);
        Gateway { child, url }
    }
    fn prossimo(&self, cf: &str, nome: &str, acr: u8) {
        let url = format!(
            "{}/__test/prossimo?cf={cf}&nome={nome}&cognome=Rossi&email={}%40example.it&acr=https%3A%2F%2Fwww.spid.gov.it%2FSpidL{acr}",
            self.url,
            nome.to_lowercase()
        );
        assert_eq!(Browser::default().get(&url, &[]).0, 200);
    }
    fn manometti(&self, tipo: &str) {
        let url = format!("{}/__test/manomissione?tipo={tipo}", self.url);
        assert_eq!(Browser::default().get(&url, &[]).0, 200);
    }
}

/// A service, its gateway and App IO (a mock that knows Mario, who allows the comune's service,
/// and Lucia, who does not).
struct Prova {
    s: Servizio,
    g: Gateway,
    porta_gateway: u16,
    io: Mock,
}

const CHIAVE_IO: &str = "chiave-del-servizio-io-pratiche";

fn app_io() -> Mock {
    let mut c = Config::default();
    c.profili.insert(MARIO.into(), Profilo::Abilitato);
    c.profili.insert(LUCIA.into(), Profilo::NonAbilitato);
    c.chiavi.insert(CHIAVE_IO.into());
    c.oggetto_max = 120;
    Mock::avvia(c)
}

fn avvia(pg: bool, gateway: bool) -> Option<Prova> {
    let (porta, porta_gateway) = (free_port(), free_port());
    let servizio = format!("http://127.0.0.1:{porta}");
    let g = Gateway::start(porta_gateway, &servizio);
    if !gateway {
        drop(g);
        return avvia_senza(porta, porta_gateway, &servizio, pg);
    }
    let io = app_io();
    let s = avvia_servizio(porta, porta_gateway, &servizio, pg, &io.url)?;
    Some(Prova {
        s,
        g,
        porta_gateway,
        io,
    })
}

fn avvia_senza(porta: u16, porta_gateway: u16, servizio: &str, pg: bool) -> Option<Prova> {
    let io = app_io();
    let s = avvia_servizio(porta, porta_gateway, servizio, pg, &io.url)?;
    let g = Gateway {
        child: Command::new("true").spawn().unwrap(),
        url: format!("http://127.0.0.1:{porta_gateway}"),
    };
    Some(Prova {
        s,
        g,
        porta_gateway,
        io,
    })
}

fn avvia_servizio(
    porta: u16,
    porta_gateway: u16,
    servizio: &str,
    pg: bool,
    io: &str,
) -> Option<Servizio> {
    let yaml = SPORTELLO.replace("{PORTA}", &porta_gateway.to_string());
    let servizio = servizio.to_string();
    let prepara = move |root: &Path| {
        let f = root.join("comuni/valfiorita/comune.yaml");
        let t = std::fs::read_to_string(&f).unwrap().replace(
            "sportello: \"https://sportello.provincia-valdoro.vd.example\"",
            &format!("sportello: \"{servizio}\""),
        );
        std::fs::write(f, t).unwrap();
    };
    let avvio = Avvio {
        porta,
        env: vec![
            ("OIDC_VALFIORITA", SEGRETO),
            ("IO_VALFIORITA_PRATICHE", CHIAVE_IO),
        ],
        prepara: Some(&prepara),
        operatori: vec![("valfiorita", "bruno", &["Ufficio Tributi"])],
    };
    common::start_sportello_con(&yaml, pg, &["--io-api", io], &avvio)
}

/// A client that keeps cookies per host (paths ignored) and follows redirects by hand.
#[derive(Default, Clone)]
struct Browser {
    cookie: HashMap<String, BTreeMap<String, String>>,
}

struct Risposta {
    status: u16,
    url: String,
    location: Option<String>,
    body: String,
}

fn host(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| format!("{}:{}", u.host_str().unwrap_or(""), u.port().unwrap_or(80)))
        .unwrap_or_default()
}

impl Browser {
    fn richiesta(
        &mut self,
        metodo: &str,
        url: &str,
        corpo: Option<&Value>,
        extra: &[(&str, &str)],
    ) -> Risposta {
        let a = common::agent();
        let jar = self.cookie.entry(host(url)).or_default();
        let cookie: Vec<String> = jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut r = if metodo == "GET" {
            a.get(url).force_send_body()
        } else {
            a.post(url)
        };
        if !cookie.is_empty() {
            r = r.header("Cookie", cookie.join("; "));
        }
        for (k, v) in extra {
            r = r.header(*k, *v);
        }
        let resp = match corpo {
            Some(j) => r
                .header("Content-Type", "application/json")
                .send(j.to_string()),
            None => r.send_empty(),
        }
        .unwrap();
        for sc in resp.headers().get_all("set-cookie") {
            let sc = sc.to_str().unwrap();
            let (kv, resto) = sc.split_once(';').unwrap_or((sc, ""));
            let (k, v) = kv.split_once('=').unwrap();
            if v.is_empty()
                || resto.contains("Max-Age=0")
                || resto.contains("expires=Thu, 01 Jan 1970")
            {
                jar.remove(k.trim());
            } else {
                jar.insert(k.trim().to_string(), v.to_string());
            }
        }
        let location = resp.headers().get("location").map(|l| {
            let l = l.to_str().unwrap();
            url::Url::parse(url).unwrap().join(l).unwrap().to_string()
        });
        let status = resp.status().as_u16();
        let body = resp.into_body().read_to_string().unwrap_or_default();
        Risposta {
            status,
            url: url.to_string(),
            location,
            body,
        }
    }
    fn get(&mut self, url: &str, extra: &[(&str, &str)]) -> (u16, String) {
        let r = self.richiesta("GET", url, None, extra);
        (r.status, r.body)
    }
    /// GETs `url` and follows redirects until `fermati` says stop or a page is reached.
    fn segui(&mut self, url: &str, fermati: impl Fn(&str) -> bool) -> Risposta {
        let mut r = self.richiesta("GET", url, None, &[]);
        for _ in 0..10 {
            match r.location.clone() {
                Some(l) if !fermati(&l) => r = self.richiesta("GET", &l, None, &[]),
                _ => return r,
            }
        }
        panic!("too many redirects from {url}");
    }
}

fn area(p: &Prova) -> String {
    format!("{}/area-personale/valfiorita/", p.s.url)
}

/// Logs in as the next citizen the gateway was told: the final page.
fn accedi(p: &Prova, b: &mut Browser) -> Risposta {
    b.segui(&format!("{}accedi", area(p)), |_| false)
}

fn testo(html: &str, css: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>())
        .collect::<Vec<_>>()
        .join(" | ")
}

fn api(
    p: &Prova,
    b: &mut Browser,
    metodo: &str,
    path: &str,
    corpo: Option<&Value>,
) -> (u16, Value) {
    let url = format!("{}/api/v1/valfiorita/{path}", p.s.url);
    let origin = p.s.url.clone();
    let r = b.richiesta(metodo, &url, corpo, &[("Origin", &origin)]);
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

fn istanza(nome: &str, dieta: &str) -> Value {
    json!({"servizio": "mensa-scolastica", "valori": {
        "nome": nome, "telefono": "+39 0583 123456",
        "alunno_nome": "Luca Rossi", "alunno_codice_fiscale": "RSSLCU15C41H501E",
        "scuola": "Primaria \"Dante Alighieri\"", "dieta": dieta, "tariffa_ridotta": ["No"]
    }})
}

fn flusso_completo(p: &Prova) {
    let mut mario = Browser::default();
    // Without a session the API says so.
    assert_eq!(api(p, &mut mario, "GET", "pratiche", None).0, 401);
    assert_eq!(
        api(
            p,
            &mut mario,
            "POST",
            "istanze",
            Some(&istanza("Mario", "No"))
        )
        .0,
        401
    );
    let pagina = mario.get(&area(p), &[]).1;
    assert_eq!(
        testo(&pagina, "[data-element=personal-area-login]"),
        "Entra con SPID o CIE"
    );

    p.g.prossimo(MARIO, "Mario", 2);
    let r = accedi(p, &mut mario);
    assert_eq!(
        (r.status, r.url.as_str()),
        (200, area(p).as_str()),
        "{}",
        r.body
    );
    assert_eq!(testo(&r.body, "main h1"), "Area personale");
    assert!(testo(&r.body, "main dd").contains(MARIO), "{}", r.body);
    assert!(testo(&r.body, "main").contains("Non hai ancora pratiche"));

    // The form's rules hold: a condition makes the certificate required.
    let (st, e) = api(
        p,
        &mut mario,
        "POST",
        "istanze",
        Some(&istanza("Mario", "Sì, per motivi di salute")),
    );
    assert_eq!(st, 422, "{e}");
    assert!(
        e["errori"]["certificato_medico"]
            .as_str()
            .unwrap()
            .contains("obbligatorio"),
        "{e}"
    );
    let (st, e) = api(
        p,
        &mut mario,
        "POST",
        "istanze",
        Some(&json!({"servizio": "imu", "valori": {}})),
    );
    assert_eq!(st, 404, "{e}");

    // A sound istanza: the identity's fields are not editable.
    let (st, creata) = api(
        p,
        &mut mario,
        "POST",
        "istanze",
        Some(&istanza("Falso", "No")),
    );
    assert_eq!(st, 201, "{creata}");
    let numero = creata["pratica"]["numero"].as_str().unwrap().to_string();
    assert!(numero.starts_with("PR-") && numero.len() == 12, "{numero}");
    let (st, una) = api(p, &mut mario, "GET", &format!("pratiche/{numero}"), None);
    assert_eq!(st, 200);
    assert_eq!(una["dati"]["nome"], "Mario");
    assert_eq!(una["dati"]["codice_fiscale"], MARIO);
    assert_eq!(una["pratica"]["stato"], "inviata");
    let impronta = civico_sportello::pratiche::impronta(&una["dati"].to_string());
    assert_eq!(una["pratica"]["impronta"], impronta.as_str());
    let (_, elenco) = api(p, &mut mario, "GET", "pratiche", None);
    assert_eq!(elenco["pratiche"].as_array().unwrap().len(), 1);
    let mail = p.s.smtp.wait(1, 20);
    let m = mail
        .iter()
        .find(|m| m.to.iter().any(|t| t.contains("mario@example.it")))
        .expect("the receipt");
    assert!(common::mail_text(&m.data).contains(&numero));
    let pagina = mario.get(&area(p), &[]).1;
    assert!(testo(&pagina, "main table").contains(&numero));

    // Another citizen sees none of it, even by number.
    let mut lucia = Browser::default();
    p.g.prossimo(LUCIA, "Lucia", 3);
    assert_eq!(accedi(p, &mut lucia).status, 200);
    let (_, elenco) = api(p, &mut lucia, "GET", "pratiche", None);
    assert_eq!(elenco["pratiche"], json!([]));
    assert_eq!(
        api(p, &mut lucia, "GET", &format!("pratiche/{numero}"), None).0,
        404
    );
    // Nor does the session open another comune's.
    let altro = format!("{}/api/v1/castelmarino/pratiche", p.s.url);
    assert_ne!(mario.richiesta("GET", &altro, None, &[]).status, 200);

    // Logout ends the session here and sends to the gateway's logout with the token.
    let origin = p.s.url.clone();
    let r = mario.richiesta(
        "POST",
        &format!("{}esci", area(p)),
        None,
        &[("Origin", &origin)],
    );
    assert_eq!(r.status, 303);
    let l = r.location.unwrap();
    assert!(
        l.starts_with(&format!("{}/session/end?id_token_hint=", p.g.url)),
        "{l}"
    );
    assert_eq!(api(p, &mut mario, "GET", "pratiche", None).0, 401);
    assert_eq!(
        api(p, &mut mario, "GET", &format!("pratiche/{numero}"), None).0,
        401
    );
}

#[test]
fn a_citizen_logs_in_sends_an_istanza_and_only_they_see_it() {
    if !gateway_ready() {
        return;
    }
    flusso_completo(&avvia(false, true).unwrap());
}

#[test]
fn a_citizen_logs_in_sends_an_istanza_and_only_they_see_it_on_postgres() {
    if !gateway_ready() {
        return;
    }
    if let Some(p) = avvia(true, true) {
        flusso_completo(&p);
    }
}

/// A login that must fail: the page says why, and no session was opened.
fn rifiutato(p: &Prova, b: &mut Browser, atteso: &str) {
    let r = accedi(p, b);
    assert_eq!(r.status, 200);
    assert!(
        r.url.contains(&format!("?errore={atteso}")),
        "{} {}",
        r.url,
        r.body
    );
    assert!(!testo(&r.body, "[role=alert]").is_empty(), "{}", r.body);
    assert_eq!(api(p, b, "GET", "pratiche", None).0, 401);
}

#[test]
fn altered_tokens_low_levels_and_foreign_states_are_refused() {
    if !gateway_ready() {
        return;
    }
    let p = avvia(false, true).unwrap();
    for tipo in [
        "emittente",
        "cliente",
        "scaduto",
        "nonce",
        "firma",
        "none",
        "hmac",
    ] {
        p.g.prossimo(MARIO, "Mario", 2);
        p.g.manometti(tipo);
        rifiutato(&p, &mut Browser::default(), "token");
    }
    // Level 1 (password only) is below the comune's minimum.
    p.g.prossimo(MARIO, "Mario", 1);
    let mut b = Browser::default();
    rifiutato(&p, &mut b, "livello");
    assert!(testo(
        &b.get(&format!("{}?errore=livello", area(&p)), &[]).1,
        "[role=alert]"
    )
    .contains("livello 2"));

    // The gateway's answer delivered to another browser (no binding cookie), then replayed.
    p.g.prossimo(MARIO, "Mario", 2);
    let mut a = Browser::default();
    let ritorno = a.segui(&format!("{}accedi", area(&p)), |l| l.contains("/ritorno?"));
    let callback = ritorno.location.expect("the gateway sends back");
    let mut altro = Browser::default();
    let r = altro.segui(&callback, |_| false);
    assert!(r.url.ends_with("?errore=sessione"), "{}", r.url);
    let r = a.segui(&callback, |_| false);
    assert!(
        r.url.ends_with("?errore=sessione"),
        "a state is used once: {}",
        r.url
    );
    assert_eq!(api(&p, &mut a, "GET", "pratiche", None).0, 401);

    // The gateway rotates its key (a new process, a new key): the service fetches it again.
    let servizio = p.s.url.clone();
    let Prova {
        s,
        g,
        porta_gateway,
        io,
    } = p;
    drop(g);
    let g = Gateway::start(porta_gateway, &servizio);
    let p = Prova {
        s,
        g,
        porta_gateway,
        io,
    };
    p.g.prossimo(MARIO, "Mario", 2);
    let mut b = Browser::default();
    let r = accedi(&p, &mut b);
    assert_eq!(r.url, area(&p), "{}", r.body);
    assert_eq!(api(&p, &mut b, "GET", "pratiche", None).0, 200);
    assert!(
        !p.s.log.lock().unwrap().contains(MARIO),
        "the log names no citizen"
    );
}

#[test]
fn the_service_starts_without_its_gateway_and_says_so_in_italian() {
    if !gateway_ready() {
        return;
    }
    let p = avvia(false, false).unwrap();
    let mut b = Browser::default();
    let r = accedi(&p, &mut b);
    assert!(r.url.ends_with("?errore=gateway"), "{}", r.url);
    assert!(
        testo(&r.body, "[role=alert]").contains("non risponde"),
        "{}",
        r.body
    );
    // The rest of the service works.
    let (st, _) = b.get(&format!("{}/salute", p.s.url), &[]);
    assert_eq!(st, 200);
}

/// A `multipart/form-data` body of text fields and files (field, name, content).
fn multipart(testi: &[(&str, &str)], file: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let confine = "----civico-prova-7MA4YWxkTrZu0gW";
    let mut b = Vec::new();
    for (k, v) in testi {
        b.extend(
            format!("--{confine}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (k, n, d) in file {
        b.extend(format!("--{confine}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{n}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        b.extend(*d);
        b.extend(b"\r\n");
    }
    b.extend(format!("--{confine}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={confine}"), b)
}

/// Posts a multipart form to `url` of the service with `cookie`, as a page of the service would:
/// (status, body, Location).
fn posta_multipart(
    p: &Prova,
    cookie: &str,
    url: &str,
    testi: &[(&str, &str)],
    file: &[(&str, &str, &[u8])],
) -> (u16, String, Option<String>) {
    let (tipo, corpo) = multipart(testi, file);
    let r = common::agent()
        .post(url)
        .header("Cookie", cookie)
        .header("Origin", &p.s.url)
        .header("Content-Type", tipo)
        .send(&corpo[..])
        .unwrap();
    let status = r.status().as_u16();
    let dove = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    (status, r.into_body().read_to_string().unwrap(), dove)
}

fn invia(
    p: &Prova,
    b: &Browser,
    testi: &[(&str, &str)],
    file: &[(&str, &str, &[u8])],
) -> (u16, String, Option<String>) {
    let url = format!("{}istanze/mensa-scolastica", area(p));
    posta_multipart(p, &cookie_di(p, b), &url, testi, file)
}

/// The cookie header of `b` for the service.
fn cookie_di(p: &Prova, b: &Browser) -> String {
    let jar = b.cookie.get(&host(&p.s.url)).cloned().unwrap_or_default();
    jar.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The value of the hidden input `nome` of a page.
fn nascosto(pagina: &str, nome: &str) -> String {
    let doc = scraper::Html::parse_document(pagina);
    let sel = scraper::Selector::parse(&format!("input[name={nome}]")).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .unwrap_or("")
        .to_string()
}

/// Sends the riepilogo's form: (status, page).
fn conferma(p: &Prova, b: &Browser, riepilogo: &str) -> (u16, String) {
    let url = format!("{}istanze/mensa-scolastica/invia", area(p));
    let r = common::agent()
        .post(&url)
        .header("Cookie", cookie_di(p, b))
        .header("Origin", &p.s.url)
        .send_form([
            ("bozza", nascosto(riepilogo, "bozza")),
            ("chiave", nascosto(riepilogo, "chiave")),
        ])
        .unwrap();
    let status = r.status().as_u16();
    (status, r.into_body().read_to_string().unwrap())
}

#[test]
fn the_form_page_shows_the_fields_and_takes_the_istanza_with_its_attachment() {
    if !gateway_ready() {
        return;
    }
    let p = avvia(false, true).unwrap();
    let url = format!("{}istanze/mensa-scolastica", area(&p));
    let mut b = Browser::default();
    // Without a session the page says how to log in, or how to apply otherwise.
    let (st, pagina) = b.get(&url, &[]);
    assert_eq!(st, 401);
    assert!(
        testo(&pagina, "main").contains("posta elettronica certificata"),
        "{pagina}"
    );
    p.g.prossimo(MARIO, "Mario", 2);
    assert_eq!(accedi(&p, &mut b).status, 200);
    let (st, pagina) = b.get(&url, &[]);
    assert_eq!(st, 200, "{pagina}");
    let doc = scraper::Html::parse_document(&pagina);
    let uno = |css: &str| {
        let sel = scraper::Selector::parse(css).unwrap();
        doc.select(&sel)
            .next()
            .unwrap_or_else(|| panic!("{css} in {pagina}"))
            .value()
            .clone()
    };
    // The identity's fields are filled and read-only; every control has its label.
    assert_eq!(uno("#campo-codice_fiscale").attr("value"), Some(MARIO));
    assert!(uno("#campo-codice_fiscale").attr("readonly").is_some());
    assert_eq!(
        uno("#campo-certificato_medico").attr("accept"),
        Some(".pdf,.jpg")
    );
    let controlli = scraper::Selector::parse(
        "main input:not([type=radio]):not([type=checkbox]):not([type=hidden]), main textarea, main select",
    )
    .unwrap();
    for c in doc.select(&controlli) {
        let id = c.value().attr("id").unwrap();
        let etichetta = scraper::Selector::parse(&format!("label[for=\"{id}\"]")).unwrap();
        assert!(doc.select(&etichetta).next().is_some(), "no label for {id}");
    }
    // Up to five options are radio buttons.
    assert_eq!(
        doc.select(&scraper::Selector::parse("input[name=dieta][type=radio]").unwrap())
            .count(),
        3
    );

    let base: Vec<(&str, &str)> = vec![
        ("nome", "Falso"),
        ("alunno_nome", "Luca Rossi"),
        ("alunno_codice_fiscale", "RSSLCU15C41H501E"),
        ("scuola", "Primaria \"Dante Alighieri\""),
        ("dieta", "Sì, per motivi di salute"),
    ];
    // No consent and a missing certificate: errors beside their fields, what was typed kept.
    let (st, pagina, _) = invia(&p, &b, &base, &[]);
    assert_eq!(st, 422, "{pagina}");
    let errori = testo(&pagina, "#errori li");
    assert!(
        errori.contains("informativa") && errori.contains("Certificato medico"),
        "{errori}"
    );
    assert!(testo(&pagina, "#campo-certificato_medico-errore").contains("obbligatorio"));
    assert!(pagina.contains("value=\"Luca Rossi\""));
    // A file that is not what its name says is refused.
    let mut tutto = base.clone();
    tutto.extend([("privacy", "si"), ("dichiaro", "si")]);
    let (st, pagina, _) = invia(
        &p,
        &b,
        &tutto,
        &[(
            "certificato_medico",
            "certificato.pdf",
            b"MZ\x90\x00 not a pdf",
        )],
    );
    assert_eq!(st, 422);
    assert!(
        !testo(&pagina, "#campo-certificato_medico-errore").is_empty(),
        "{pagina}"
    );
    // With consent and the certificate: the pratica, with the file's hash in what was declared.
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let (st, pagina, dove) = invia(
        &p,
        &b,
        &tutto,
        &[("certificato_medico", "certificato.pdf", pdf)],
    );
    assert_eq!(st, 303, "{pagina}");
    // The riepilogo: what was given (the identity's name, not the one typed), then the sending.
    let dove = dove.unwrap();
    assert!(
        dove.contains("/istanze/mensa-scolastica/riepilogo?bozza="),
        "{dove}"
    );
    let (st, riepilogo) = b.get(&dove, &[]);
    assert_eq!(st, 200, "{riepilogo}");
    let dati = testo(&riepilogo, "dl.riepilogo");
    assert!(
        dati.contains("Luca Rossi")
            && dati.contains("certificato.pdf")
            && dati.contains("Mario")
            && !dati.contains("Falso"),
        "{dati}"
    );
    assert!(testo(&riepilogo, "main").contains("hanno valore di dichiarazione"));
    let (st, pagina) = conferma(&p, &b, &riepilogo);
    assert_eq!(st, 201, "{pagina}");
    // Sent twice (a double click): the same pratica.
    let (st, ancora) = conferma(&p, &b, &riepilogo);
    assert_eq!(
        (st, testo(&ancora, "main strong")),
        (200, testo(&pagina, "main strong"))
    );
    let numero = testo(&pagina, "main strong");
    assert!(numero.starts_with("PR-"), "{pagina}");
    let (_, una) = api(&p, &mut b, "GET", &format!("pratiche/{numero}"), None);
    assert_eq!(una["dati"]["nome"], "Mario");
    let sha = civico_sportello::pratiche::impronta_di(pdf);
    assert_eq!(
        una["dati"]["certificato_medico"]["sha256"],
        sha.as_str(),
        "{una}"
    );
    messaggi_della_pratica(&p, &numero, pdf, &sha);
}

/// The attachments of the message to `a`: (name, content).
fn allegati_a(p: &Prova, a: &str) -> (String, Vec<(String, Vec<u8>)>) {
    let mail = p.s.smtp.wait(2, 20);
    let m = mail
        .iter()
        .find(|m| m.to.iter().any(|t| t.contains(a)))
        .unwrap_or_else(|| panic!("no message to {a}"));
    use mail_parser::MimeHeaders as _;
    let msg = mail_parser::MessageParser::default()
        .parse(m.data.as_bytes())
        .expect("a MIME message");
    let allegati = msg
        .attachments()
        .map(|x| {
            (
                x.attachment_name().unwrap_or("").to_string(),
                x.contents().to_vec(),
            )
        })
        .collect();
    (msg.body_text(0).unwrap_or_default().into_owned(), allegati)
}

/// The text of a PDF, read by a PDF parser.
fn testo_pdf(b: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(b).expect("a PDF");
    let pagine: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pagine).unwrap()
}

/// The citizen gets the PDF ricevuta; the protocol gets it with the file and Segnatura.xml.
fn messaggi_della_pratica(p: &Prova, numero: &str, certificato: &[u8], sha: &str) {
    let (testo, allegati) = allegati_a(p, "mario@example.it");
    assert!(testo.contains(numero), "{testo}");
    let nomi: Vec<&str> = allegati.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(nomi, [format!("ricevuta-{numero}.pdf")]);
    let ricevuta = testo_pdf(&allegati[0].1);
    let piatto = ricevuta.split_whitespace().collect::<Vec<_>>().join(" ");
    for atteso in [
        numero,
        "Comune di Valfiorita",
        "Servizio di mensa scolastica",
        MARIO,
        "Luca Rossi",
        "Certificato medico",
        "DPR 445/2000",
    ] {
        assert!(
            piatto.contains(atteso),
            "{atteso} not in the ricevuta: {piatto}"
        );
    }
    assert!(
        piatto.replace(' ', "").contains(sha),
        "the file's hash is in the ricevuta"
    );

    let (testo, allegati) = allegati_a(p, "protocollo@pec.comune.valfiorita.vd.example");
    assert!(testo.contains(numero) && testo.contains(MARIO), "{testo}");
    let nomi: Vec<&str> = allegati.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(
        nomi,
        [
            format!("ricevuta-{numero}.pdf").as_str(),
            "certificato.pdf",
            "Segnatura.xml"
        ]
    );
    assert_eq!(allegati[1].1, certificato);
    let xml = String::from_utf8(allegati[2].1.clone()).unwrap();
    let mut r = quick_xml::Reader::from_str(&xml);
    let (mut percorso, mut impronte, mut numeri) = (Vec::new(), Vec::new(), Vec::new());
    loop {
        match r.read_event().expect("well-formed Segnatura.xml") {
            quick_xml::events::Event::Start(e) => {
                percorso.push(String::from_utf8(e.name().as_ref().to_vec()).unwrap())
            }
            quick_xml::events::Event::End(_) => {
                percorso.pop();
            }
            quick_xml::events::Event::Text(t) => {
                let t = t.decode().unwrap().into_owned();
                match percorso.last().map(String::as_str) {
                    Some("Impronta") => impronte.push(t),
                    Some("NumeroRegistrazione") => numeri.push(t),
                    _ => {}
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(numeri, [numero]);
    use base64::Engine as _;
    let b64 = |hex: &str| {
        let b: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        base64::engine::general_purpose::STANDARD.encode(b)
    };
    let ricevuta_sha = civico_sportello::pratiche::impronta_di(&allegati[0].1);
    assert_eq!(impronte, [b64(&ricevuta_sha), b64(sha)]);
}

/// An operator of Valfiorita, logged in.
fn operatore(p: &Prova, utente: &str) -> Operatore {
    let mut op = Operatore {
        base: p.s.url.clone(),
        cookie: None,
    };
    let (st, _, _) = op.send(
        "POST",
        "/operatori/valfiorita/accesso",
        &[("utente", utente), ("password", PASSWORD)],
        None,
    );
    assert_eq!(st, 303);
    op
}

/// The operator moves the pratica on with the form of its page: (status, page after).
fn avanza(p: &Prova, op: &mut Operatore, numero: &str, campi: &[(&str, &str)]) -> (u16, String) {
    let url = format!("/operatori/valfiorita/pratiche/{numero}");
    let (_, pagina, _) = op.send("GET", &url, &[], None);
    let token = csrf(&pagina);
    let mut modulo = vec![("csrf", token.as_str())];
    modulo.extend_from_slice(campi);
    let (st, corpo, _) = op.send("POST", &format!("{url}/azione"), &modulo, Some(&p.s.url));
    let (_, dopo, _) = op.send("GET", &url, &[], None);
    (st, if st == 303 { dopo } else { corpo })
}

fn stato_operatore(pagina: &str) -> String {
    let doc = scraper::Html::parse_document(pagina);
    let sel = scraper::Selector::parse("dd[data-stato]").unwrap();
    doc.select(&sel)
        .next()
        .map(|d| d.value().attr("data-stato").unwrap().to_string())
        .unwrap_or_default()
}

/// The file a citizen sends as an integration.
const ISEE: &[u8] = b"%PDF-1.4\n% ISEE 2026\n%%EOF\n";

#[test]
fn an_office_asks_for_an_integration_the_citizen_answers_and_the_office_accepts() {
    if !gateway_ready() {
        return;
    }
    let p = avvia(false, true).unwrap();
    let mut mario = Browser::default();
    p.g.prossimo(MARIO, "Mario", 2);
    assert_eq!(accedi(&p, &mut mario).status, 200);
    let (st, creata) = api(
        &p,
        &mut mario,
        "POST",
        "istanze",
        Some(&istanza("Mario", "No")),
    );
    assert_eq!(st, 201, "{creata}");
    let numero = creata["pratica"]["numero"].as_str().unwrap().to_string();
    p.s.smtp.wait(2, 20);

    let mut anna = visible_to_its_office_only(&p, &numero);
    refused_steps_then_integration(&p, &mut anna, &numero);
    let url = format!("{}pratiche/{numero}", area(&p));
    let mut lucia = citizen_answers(&p, &mut mario, &url);
    office_accepts(&p, &mut anna, &mut mario, &mut lucia, &numero, &url);
    told_by_email_and_listed(&p, &mut anna, &mut mario, &numero, &url);
    told_by_app_io(&p, &mut anna, &numero);
}

/// An operator of another office does not see the pratica; the comune's operator does (and is
/// returned, logged in).
fn visible_to_its_office_only(p: &Prova, numero: &str) -> Operatore {
    // An operator of another office does not see it; the comune's operator does.
    let mut bruno = operatore(p, "bruno");
    let (_, elenco, _) = bruno.send("GET", "/operatori/valfiorita/pratiche", &[], None);
    assert!(!elenco.contains(numero), "{elenco}");
    let (st, _, _) = bruno.send(
        "GET",
        &format!("/operatori/valfiorita/pratiche/{numero}"),
        &[],
        None,
    );
    assert_eq!(st, 404);
    let mut anna = operatore(p, "anna");
    let (_, elenco, _) = anna.send("GET", "/operatori/valfiorita/pratiche", &[], None);
    assert!(elenco.contains(numero), "{elenco}");

    anna
}

/// Steps out of order or without what they need are refused; then up to the integration asked.
fn refused_steps_then_integration(p: &Prova, anna: &mut Operatore, numero: &str) {
    // Steps out of order and without what they need are refused, with the reason.
    let (st, pagina) = avanza(
        p,
        anna,
        numero,
        &[("stato", "accolta"), ("messaggio", "ok")],
    );
    assert_eq!(st, 409, "{pagina}");
    let (st, pagina) = avanza(p, anna, numero, &[("stato", "protocollata")]);
    assert_eq!(st, 409);
    assert!(
        testo(&pagina, "[role=alert]").contains("numero di protocollo"),
        "{pagina}"
    );
    let (st, pagina) = avanza(
        p,
        anna,
        numero,
        &[("stato", "protocollata"), ("protocollo", "2026/0012345")],
    );
    assert_eq!(
        (st, stato_operatore(&pagina).as_str()),
        (303, "protocollata"),
        "{pagina}"
    );
    avanza(p, anna, numero, &[("stato", "in_istruttoria")]);
    let (_, pagina) = avanza(
        p,
        anna,
        numero,
        &[
            ("stato", "integrazione"),
            ("messaggio", "Manca l'attestazione ISEE: inviala in PDF."),
        ],
    );
    assert_eq!(stato_operatore(&pagina), "integrazione");
}

/// The citizen reads the request and answers with a file; nobody else reaches the pratica
/// (the other citizen is returned, logged in).
fn citizen_answers(p: &Prova, mario: &mut Browser, url: &str) -> Browser {
    // The citizen reads the request in the area personale and answers with a file.
    let (st, pagina) = mario.get(url, &[]);
    assert_eq!(st, 200, "{pagina}");
    assert!(
        testo(&pagina, ".storia").contains("Manca l'attestazione ISEE"),
        "{pagina}"
    );
    assert!(
        !testo(&pagina, ".storia").contains("anna"),
        "operators stay anonymous to citizens"
    );
    assert!(testo(&pagina, "main").contains("sospeso"), "{pagina}");
    // Nobody else reaches it.
    let mut lucia = Browser::default();
    p.g.prossimo(LUCIA, "Lucia", 2);
    accedi(p, &mut lucia);
    assert_eq!(lucia.get(url, &[]).0, 404);
    let (st, _, _) = posta_multipart(
        p,
        &cookie_di(p, mario),
        &format!("{url}/integrazione"),
        &[("testo", "Ecco l'attestazione ISEE.")],
        &[("documenti", "isee.pdf", ISEE)],
    );
    assert_eq!(st, 303);
    let (_, pagina) = mario.get(url, &[]);
    assert!(
        testo(&pagina, ".storia").contains("Ecco l'attestazione ISEE"),
        "{pagina}"
    );

    lucia
}

/// The office sees the answer and its file, and accepts with the decision as a document,
/// which the citizen downloads and nobody else can.
fn office_accepts(
    p: &Prova,
    anna: &mut Operatore,
    mario: &mut Browser,
    lucia: &mut Browser,
    numero: &str,
    url: &str,
) {
    // The office sees the answer and its file, and accepts.
    let (_, pagina, _) = anna.send(
        "GET",
        &format!("/operatori/valfiorita/pratiche/{numero}"),
        &[],
        None,
    );
    assert_eq!(stato_operatore(&pagina), "in_istruttoria");
    assert!(
        pagina.contains("isee.pdf")
            && pagina.contains(&civico_sportello::pratiche::impronta_di(ISEE)),
        "{pagina}"
    );
    // Accepted with the decision as a document (the back-office form is multipart).
    let decisione = b"%PDF-1.4\n% determina di accoglimento\n%%EOF\n";
    let scheda = format!("/operatori/valfiorita/pratiche/{numero}");
    let (_, pagina, _) = anna.send("GET", &scheda, &[], None);
    let (st, _, _) = posta_multipart(
        p,
        anna.cookie.as_deref().unwrap(),
        &format!("{}{scheda}/azione", p.s.url),
        &[
            ("csrf", &csrf(&pagina)),
            ("stato", "accolta"),
            ("messaggio", "Iscrizione accolta dal 7 gennaio."),
        ],
        &[("documento", "decisione.pdf", decisione)],
    );
    assert_eq!(st, 303);
    let (_, pagina, _) = anna.send("GET", &scheda, &[], None);
    assert_eq!(stato_operatore(&pagina), "accolta");
    // The citizen finds the document on the pratica's page and downloads it; nobody else can.
    let (_, pagina) = mario.get(url, &[]);
    let documenti = testo(&pagina, ".documenti");
    assert!(
        documenti.contains("decisione.pdf (dall'ufficio)") && documenti.contains("isee.pdf"),
        "{documenti}"
    );
    let doc = scraper::Html::parse_document(&pagina);
    let sel = scraper::Selector::parse(".documenti a").unwrap();
    let link = doc
        .select(&sel)
        .find(|a| a.text().collect::<String>() == "decisione.pdf")
        .and_then(|a| a.value().attr("href"))
        .unwrap()
        .to_string();
    let file_url = url::Url::parse(url)
        .unwrap()
        .join(&link)
        .unwrap()
        .to_string();
    let r = mario.richiesta("GET", &file_url, None, &[]);
    assert_eq!((r.status, r.body.as_bytes()), (200, &decisione[..]));
    assert_eq!(lucia.richiesta("GET", &file_url, None, &[]).status, 404);
}

/// Every step mailed to the citizen, the integration to the protocol; the ricevuta again; the
/// export.
fn told_by_email_and_listed(
    p: &Prova,
    anna: &mut Operatore,
    mario: &mut Browser,
    numero: &str,
    url: &str,
) {
    // The citizen was told of every step by email; the protocol got the integration.
    let mail = p.s.smtp.wait(7, 20);
    let a_mario: Vec<String> = mail
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains("mario@example.it")))
        .map(|m| common::mail_text(&m.data))
        .collect();
    for atteso in [
        "protocollata (Protocollo n. 2026/0012345)",
        "Manca l'attestazione ISEE",
        "Iscrizione accolta dal 7 gennaio",
    ] {
        assert!(
            a_mario.iter().any(|t| t.contains(atteso)),
            "{atteso} not mailed: {a_mario:#?}"
        );
    }
    let accolta = mail
        .iter()
        .find(|m| common::mail_text(&m.data).contains("Iscrizione accolta dal 7 gennaio"))
        .unwrap();
    assert!(
        accolta.data.contains("decisione.pdf"),
        "the decision goes with the email"
    );
    let al_protocollo = mail
        .iter()
        .find(|m| common::mail_text(&m.data).contains("Integrazione inviata online"))
        .expect("the integration reaches the protocol");
    assert!(al_protocollo.data.contains("isee.pdf"));

    // The ricevuta can be downloaded again, and it is a PDF naming the pratica.
    let r = mario.richiesta("GET", &format!("{url}/ricevuta.pdf"), None, &[]);
    assert_eq!(r.status, 200);
    // The CSV lists it with its protocol number.
    let (st, _, csv) = anna.scarica("/operatori/valfiorita/pratiche.csv");
    assert_eq!(st, 200);
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.lines()
            .any(|l| l.contains(numero) && l.contains("2026/0012345") && l.contains("accolta")),
        "{csv}"
    );
}

/// App IO told Mario of every step, once each; a later step sends its own message only.
fn told_by_app_io(p: &Prova, anna: &mut Operatore, numero: &str) {
    // App IO told Mario of every step, once each: sent, protocolled, examined, integration
    // asked, accepted (his own answer is not announced to him).
    let attesi = [
        "Inviata",
        "Protocollata",
        "In istruttoria",
        "Richiesta di integrazione",
        "Accolta",
    ];
    let a_mario = |io: &Mock| -> Vec<String> {
        io.messaggi()
            .iter()
            .filter(|m| m.corpo["fiscal_code"] == MARIO)
            .map(|m| m.corpo["content"]["subject"].as_str().unwrap().to_string())
            .collect()
    };
    let attendi = |n: usize| {
        let inizio = std::time::Instant::now();
        while a_mario(&p.io).len() < n && inizio.elapsed().as_secs() < 20 {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    attendi(attesi.len());
    let oggetti = a_mario(&p.io);
    assert_eq!(
        oggetti,
        attesi.map(|a| format!("Pratica {numero}: {a}")),
        "{oggetti:?}"
    );
    assert!(p.io.messaggi().iter().all(|m| m.chiave == CHIAVE_IO));
    // A later step sends its own message only.
    avanza(p, anna, numero, &[("stato", "conclusa")]);
    attendi(attesi.len() + 1);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(a_mario(&p.io).len(), attesi.len() + 1);
}

/// Sends the istanza with key `k` until the service answers (it may be down meanwhile): the
/// pratica number it answers with.
fn invia_fino_a_risposta(url: &str, cookie: &str, origin: &str, k: &str) -> String {
    let corpo = istanza("Mario", "No").to_string();
    for _ in 0..400 {
        let r = common::agent()
            .post(url)
            .header("Cookie", cookie)
            .header("Origin", origin)
            .header("Idempotency-Key", k)
            .header("Content-Type", "application/json")
            .send(corpo.as_str());
        if let Ok(r) = r {
            if r.status().as_u16() == 201 {
                let v: Value =
                    serde_json::from_str(&r.into_body().read_to_string().unwrap()).unwrap();
                return v["pratica"]["numero"].as_str().unwrap().to_string();
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    panic!("no answer for {k}");
}

#[test]
fn a_sigkill_during_a_burst_of_istanze_loses_none_and_duplicates_none() {
    if !gateway_ready() {
        return;
    }
    let mut p = avvia(false, true).unwrap();
    let mut mario = Browser::default();
    p.g.prossimo(MARIO, "Mario", 2);
    assert_eq!(accedi(&p, &mut mario).status, 200);
    let url = format!("{}/api/v1/valfiorita/istanze", p.s.url);
    let jar = mario.cookie.get(&host(&url)).cloned().unwrap();
    let cookie: String = jar
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let fatte = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (n_fili, per_filo) = (6, 10);
    let fili: Vec<_> = (0..n_fili)
        .map(|f| {
            let (url, cookie, origin, fatte) =
                (url.clone(), cookie.clone(), p.s.url.clone(), fatte.clone());
            std::thread::spawn(move || {
                (0..per_filo)
                    .map(|i| {
                        let k = format!("raffica-{f}-{i}-abcdefgh");
                        let n = invia_fino_a_risposta(&url, &cookie, &origin, &k);
                        fatte.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        (k, n)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    while fatte.load(std::sync::atomic::Ordering::SeqCst) < 15 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    p.s.uccidi();
    std::thread::sleep(std::time::Duration::from_millis(200));
    p.s.riavvia();
    let risposte: Vec<(String, String)> =
        fili.into_iter().flat_map(|t| t.join().unwrap()).collect();
    assert_eq!(risposte.len(), n_fili * per_filo);
    let numeri: std::collections::BTreeSet<&str> =
        risposte.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(numeri.len(), n_fili * per_filo, "one pratica per key");
    // The register holds exactly those, whatever was in flight at the kill.
    let (_, elenco) = api(&p, &mut mario, "GET", "pratiche", None);
    let salvate: std::collections::BTreeSet<&str> = elenco["pratiche"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["numero"].as_str().unwrap())
        .collect();
    assert_eq!(salvate, numeri);
    // A retry after all this still gets the same number.
    let (k, n) = &risposte[0];
    assert_eq!(&invia_fino_a_risposta(&url, &cookie, &p.s.url, k), n);
}

/// The whole istanza in Chromium (tests/browser/istanze.mjs): from the scheda to the form, the
/// login, the form with its condition and file, the office's steps, the citizen's integration.
fn istanza_in_chromium(pg: bool) {
    if !gateway_ready() || !common::node_ready() {
        return;
    }
    let Some(p) = avvia(pg, true) else {
        return;
    };
    let (_out, sito) = common::sito_per(&p.s, "valfiorita");
    let dir = tempfile::tempdir().unwrap();
    let (cert, isee) = (
        dir.path().join("certificato.pdf"),
        dir.path().join("isee.pdf"),
    );
    std::fs::write(&cert, b"%PDF-1.4\n% certificato\n%%EOF\n").unwrap();
    std::fs::write(&isee, b"%PDF-1.4\n% ISEE\n%%EOF\n").unwrap();
    p.g.prossimo(MARIO, "Mario", 2);
    let out = common::node_script(
        "istanze.mjs",
        &sito,
        free_port(),
        &[
            &p.s.url,
            "/servizi/educazione-e-formazione/mensa-scolastica/",
            cert.to_str().unwrap(),
            isee.to_str().unwrap(),
            "anna",
            PASSWORD,
        ],
    );
    let numero = out["numero"].as_str().unwrap();
    assert_eq!(
        out["stati"],
        json!(["protocollata", "in_istruttoria", "integrazione", "accolta"])
    );
    assert_eq!(out["finale"], "accolta");
    // The receipt reached the citizen, the file and the segnatura the protocol.
    let (testo, allegati) = allegati_a(&p, "mario@example.it");
    assert!(testo.contains(numero));
    assert!(testo_pdf(&allegati[0].1).contains(numero));
    let (_, al_protocollo) = allegati_a(&p, "protocollo@pec.comune.valfiorita.vd.example");
    let nomi: Vec<&str> = al_protocollo.iter().map(|a| a.0.as_str()).collect();
    assert!(
        nomi.contains(&"certificato.pdf") && nomi.contains(&"Segnatura.xml"),
        "{nomi:?}"
    );
    // And App IO told Mario of the steps.
    let inizio = std::time::Instant::now();
    let accolta = format!("Pratica {numero}: Accolta");
    while !p
        .io
        .messaggi()
        .iter()
        .any(|m| m.corpo["content"]["subject"] == accolta.as_str())
    {
        assert!(
            inizio.elapsed().as_secs() < 20,
            "no IO message for the acceptance"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
#[cfg_attr(
    not(civico_browser),
    ignore = "needs node, Debian's chromium and `npm ci --prefix tests/browser` (README, Quick start)"
)]
fn an_istanza_goes_from_the_scheda_to_acceptance_in_chromium() {
    istanza_in_chromium(false);
}

#[test]
#[cfg_attr(
    any(not(civico_browser), not(civico_pg)),
    ignore = "needs node, Debian's chromium, `npm ci --prefix tests/browser` and PostgreSQL"
)]
fn an_istanza_goes_from_the_scheda_to_acceptance_in_chromium_on_postgres() {
    istanza_in_chromium(true);
}

#[test]
fn a_draft_is_kept_resumed_from_the_area_personale_and_expires() {
    if !gateway_ready() {
        return;
    }
    let p = avvia(false, true).unwrap();
    let mut b = Browser::default();
    p.g.prossimo(MARIO, "Mario", 2);
    assert_eq!(accedi(&p, &mut b).status, 200);
    let pdf = b"%PDF-1.4\n% certificato\n%%EOF\n";
    // Saved halfway, with the file.
    let (st, _, dove) = invia(
        &p,
        &b,
        &[("alunno_nome", "Luca Rossi"), ("azione", "salva")],
        &[("certificato_medico", "certificato.pdf", pdf)],
    );
    assert_eq!(st, 303);
    let dove = dove.unwrap();
    assert!(
        dove.contains("?bozza=") && dove.contains("salvata=1"),
        "{dove}"
    );
    let (_, pagina) = b.get(&dove, &[]);
    assert!(
        testo(&pagina, "[role=status]").contains("Bozza salvata"),
        "{pagina}"
    );
    assert!(pagina.contains("value=\"Luca Rossi\""));
    assert!(testo(&pagina, "main").contains("Hai già allegato «certificato.pdf»"));
    let id = nascosto(&pagina, "bozza");
    // The area personale lists it, with the way back to it.
    let (_, home) = b.get(&area(&p), &[]);
    assert!(
        testo(&home, ".bozze").contains("Servizio di mensa scolastica"),
        "{home}"
    );
    assert!(home.contains(&format!("istanze/mensa-scolastica?bozza={id}")));
    // Completed later: the file stays from the draft.
    let (st, _, dove) = invia(
        &p,
        &b,
        &[
            ("bozza", id.as_str()),
            ("privacy", "si"),
            ("dichiaro", "si"),
            ("alunno_nome", "Luca Rossi"),
            ("alunno_codice_fiscale", "RSSLCU15C41H501E"),
            ("scuola", "Primaria \"Dante Alighieri\""),
            ("dieta", "Sì, per motivi di salute"),
        ],
        &[],
    );
    assert_eq!(st, 303);
    let (_, riepilogo) = b.get(&dove.unwrap(), &[]);
    assert_eq!(nascosto(&riepilogo, "bozza"), id);
    assert!(testo(&riepilogo, "dl.riepilogo").contains("certificato.pdf"));
    let (st, _) = conferma(&p, &b, &riepilogo);
    assert_eq!(st, 201);
    let (_, home) = b.get(&area(&p), &[]);
    assert!(
        testo(&home, ".bozze").is_empty(),
        "a sent draft is gone: {home}"
    );
    // Another draft, past its days: gone from the area and from the form.
    let (_, _, dove) = invia(&p, &b, &[("alunno_nome", "Anna"), ("azione", "salva")], &[]);
    let altro = nascosto(&b.get(&dove.unwrap(), &[]).1, "bozza");
    common::sql(&p.s.db, "UPDATE bozza SET scade = '2000-01-01T00:00:00Z'");
    let (_, home) = b.get(&area(&p), &[]);
    assert!(testo(&home, ".bozze").is_empty(), "{home}");
    let (_, pagina) = b.get(
        &format!("{}istanze/mensa-scolastica?bozza={altro}", area(&p)),
        &[],
    );
    assert!(!pagina.contains("value=\"Anna\""));
    // Another citizen cannot open Mario's draft.
    let mut lucia = Browser::default();
    p.g.prossimo(LUCIA, "Lucia", 2);
    accedi(&p, &mut lucia);
    let (_, _, dove) = invia(
        &p,
        &b,
        &[("alunno_nome", "Segreto"), ("azione", "salva")],
        &[],
    );
    let suo = nascosto(&b.get(&dove.unwrap(), &[]).1, "bozza");
    let (_, pagina) = lucia.get(
        &format!("{}istanze/mensa-scolastica?bozza={suo}", area(&p)),
        &[],
    );
    assert!(!pagina.contains("Segreto"));
}

/// A booking and a segnalazione made by the JSON API as the pages make them, with `b`'s cookies.
fn prenota_e_segnala(p: &Prova, b: &Browser, email: &str) {
    let api = format!("{}/api/v1/valfiorita", p.s.url);
    let cookie = cookie_di(p, b);
    let chiama = |metodo: &str, url: &str, corpo: Option<Value>| -> (u16, Value) {
        let a = common::agent();
        let r = if metodo == "GET" {
            a.get(url).header("Cookie", &cookie).call()
        } else {
            a.post(url)
                .header("Cookie", &cookie)
                .header("Content-Type", "application/json")
                .send(corpo.unwrap().to_string())
        }
        .unwrap();
        let st = r.status().as_u16();
        (
            st,
            serde_json::from_str(&r.into_body().read_to_string().unwrap()).unwrap_or(Value::Null),
        )
    };
    let (st, v) = chiama(
        "GET",
        &format!("{api}/sportelli/anagrafe/disponibilita"),
        None,
    );
    assert_eq!(st, 200, "{v}");
    let inizio = v["slot"][0]["inizio"].as_str().unwrap().to_string();
    let corpo = json!({"sportello": "anagrafe", "inizio": inizio, "nome": "Mario", "cognome": "Rossi",
        "email": email, "privacy": true, "altcha": common::pow(&api)});
    let (st, v) = chiama("POST", &format!("{api}/prenotazioni"), Some(corpo));
    assert_eq!(st, 201, "{v}");
    let corpo = json!({"categoria": "Strade e marciapiedi", "titolo": "Buca in via Roma",
        "dettagli": "Una buca profonda davanti al civico 12", "indirizzo": "Via Roma 12",
        "nome": "Mario", "cognome": "Rossi", "email": email, "privacy": true, "altcha": common::pow(&api)});
    let (st, v) = chiama("POST", &format!("{api}/segnalazioni"), Some(corpo));
    assert_eq!(st, 201, "{v}");
}

#[test]
fn bookings_and_segnalazioni_made_while_logged_in_show_in_the_area_personale() {
    if !gateway_ready() {
        return;
    }
    let p = avvia(false, true).unwrap();
    let mut mario = Browser::default();
    p.g.prossimo(MARIO, "Mario", 2);
    assert_eq!(accedi(&p, &mut mario).status, 200);
    prenota_e_segnala(&p, &mario, "mario@example.it");
    // Made without a session: not linked to anyone.
    prenota_e_segnala(&p, &Browser::default(), "anonimo@example.it");
    let (_, pagina) = mario.get(&area(&p), &[]);
    let main = testo(&pagina, "main");
    assert!(
        main.contains("Ufficio anagrafe") && main.contains("Buca in via Roma"),
        "{main}"
    );
    let doc = scraper::Html::parse_document(&pagina);
    let li = scraper::Selector::parse("main li").unwrap();
    let voci = doc
        .select(&li)
        .filter(|l| {
            let t = l.text().collect::<String>();
            t.contains("Ufficio anagrafe") || t.contains("Buca in via Roma")
        })
        .count();
    assert_eq!(voci, 2, "only Mario's own, once each: {main}");
    // Lucia sees none of them.
    let mut lucia = Browser::default();
    p.g.prossimo(LUCIA, "Lucia", 2);
    accedi(&p, &mut lucia);
    let (_, pagina) = lucia.get(&area(&p), &[]);
    let main = testo(&pagina, "main");
    assert!(
        main.contains("Nessun appuntamento") && main.contains("Nessuna segnalazione"),
        "{main}"
    );
}
