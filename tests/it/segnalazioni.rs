//! Segnalazioni di disservizio over HTTP: the binary on an ephemeral loopback port, messages
//! in a loopback SMTP sink, SQLite and (where installed; CI requires it) PostgreSQL. A citizen
//! files one with a photo carrying EXIF and GPS data and a PDF, follows it by the token of the
//! email, an operator moves it through the states (each change mailed), assigns and publishes
//! it; the public list shows nothing personal. Hostile uploads are refused with a message;
//! other comuni see nothing; the jobs delete concluded ones after the retention.
#![cfg(feature = "sportello")]

use crate::common;
use crate::common::{call, call_with, csrf, mail_text, pow, Operatore, Servizio, PASSWORD};
use base64::Engine as _;
use serde_json::{json, Value};

/// Valfiorita's sportello.yaml: one office for bookings and the segnalazioni section.
const SPORTELLO: &str = r#"informativa: "https://www.comune.valfiorita.vd.example/privacy/"
mittente: "Comune di Valfiorita <noreply@comune.valfiorita.vd.example>"
conservazione_giorni: 30
sportelli:
  - id: anagrafe
    nome: "Ufficio anagrafe"
    orari:
      lunedi: ["09:00-12:30"]
segnalazioni:
  ufficio: "Ufficio relazioni con il pubblico"
  email: "urp@comune.valfiorita.vd.example"
  giorni: 15
  mappa:
    centro: [45.10, 9.20]
  categorie:
    - nome: "Strade e marciapiedi"
      ufficio: "Ufficio lavori pubblici"
      email: "lavori.pubblici@comune.valfiorita.vd.example"
      giorni: 10
    - nome: "Verde pubblico"
    - nome: "Illuminazione pubblica"
      ufficio: "Ufficio lavori pubblici"
"#;

const REPORTER: &str = "maria.bianchi@example.it";

fn start(pg: bool) -> Option<Servizio> {
    common::start_sportello(SPORTELLO, pg, &[])
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// What the form posts, with `allegati` as (name, bytes).
fn segnalazione(altcha: &str, allegati: &[(&str, &[u8])]) -> Value {
    json!({
        "categoria": "Strade e marciapiedi", "titolo": "=1+1 Buca in via Roma",
        "dettagli": "Una buca profonda davanti al civico 12, pericolosa per le bici",
        "indirizzo": "Via Roma 12, 00902 Valfiorita", "lat": 45.101234, "lon": 9.201234,
        "nome": "Maria", "cognome": "Bianchi", "email": "Maria.Bianchi@Example.it",
        "telefono": "+39 333 1234567", "privacy": true, "altcha": altcha,
        "allegati": allegati.iter().map(|(n, b)| json!({"nome": n, "dati": format!("data:application/octet-stream;base64,{}", b64(b))})).collect::<Vec<_>>(),
    })
}

const FOTO: &[u8] = include_bytes!("../fixtures/foto-gps.jpg");
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn token_from_mail(text: &str) -> String {
    let i = text
        .find("/segnalazione-disservizio/segui/#t=")
        .expect("a follow-up link in the mail");
    let start = i + "/segnalazione-disservizio/segui/#t=".len();
    text[start..start + 32].to_string()
}

/// The messages to `to` so far, decoded.
fn mails_to(s: &Servizio, to: &str) -> Vec<String> {
    s.smtp
        .mails
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.to.iter().any(|t| t == to))
        .map(|m| mail_text(&m.data))
        .collect()
}

/// Waits until `to` has `n` messages.
fn wait_mails(s: &Servizio, to: &str, n: usize) -> Vec<String> {
    for _ in 0..200 {
        let v = mails_to(s, to);
        if v.len() >= n {
            return v;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{to}: expected {n} messages, got {:?}", mails_to(s, to));
}

fn login(s: &Servizio, comune: &str, utente: &str) -> Operatore {
    let mut op = Operatore {
        base: s.url.clone(),
        cookie: None,
    };
    let (status, _, _) = op.send(
        "POST",
        &format!("/operatori/{comune}/accesso"),
        &[("utente", utente), ("password", PASSWORD)],
        None,
    );
    assert_eq!(status, 303);
    op
}

/// Posts one action of the segnalazione page; the status.
fn act(op: &mut Operatore, codice: &str, form: &[(&str, &str)]) -> (u16, String) {
    let path = format!("/operatori/valfiorita/segnalazioni/{codice}");
    let (_, page, _) = op.send("GET", &path, &[], None);
    let token = csrf(&page);
    let mut f = vec![("csrf", token.as_str())];
    f.extend_from_slice(form);
    let (status, body, _) = op.send("POST", &format!("{path}/azione"), &f, None);
    (status, body)
}

/// A segnalazione from its filing to its closing, phase by phase.
fn file_filed_followed_and_handled(s: &Servizio) {
    let api = format!("{}/api/v1/valfiorita", s.url);
    refusals(s, &api);
    let (codice, token) = file_one(s, &api);
    follow(s, &codice, &token);
    let mut op = operator_reads(s, &codice);
    through_the_states(s, &mut op, &codice, &token);
    public_list_and_export(&mut op, &api, &codice);
    other_comune_and_logs(s, &codice, &token);
}

/// Followed by its link: the answer of the consultation API (status, JSON).
fn segui(s: &Servizio, token: &str, comune: &str) -> (u16, Value, Option<String>) {
    call(
        "POST",
        &format!("{}/api/v1/{comune}/segnalazioni/consulta", s.url),
        Some(&s.origin),
        Some(json!({ "token": token })),
    )
}

/// Refused before filing: a comune without the section, missing fields, no challenge.
fn refusals(s: &Servizio, api: &str) {
    // The public list answers the comune's own site, empty at first.
    let (status, v, acao) = call(
        "GET",
        &format!("{api}/segnalazioni/pubbliche"),
        Some(&s.origin),
        None,
    );
    assert_eq!((status, acao.as_deref()), (200, Some(s.origin.as_str())));
    assert_eq!(v["risolte_12_mesi"], 0);
    assert_eq!(v["categorie"][0], "Strade e marciapiedi");
    // A comune without the section takes none.
    let (status, v, _) = call(
        "POST",
        &format!("{}/api/v1/castelmarino/segnalazioni", s.url),
        None,
        Some(segnalazione(&pow(api), &[])),
    );
    assert_eq!(status, 404, "{v}");

    // Missing fields are named, before any proof of work is spent.
    let mut bad = segnalazione("", &[]);
    for k in ["titolo", "dettagli", "indirizzo", "email", "categoria"] {
        bad[k] = json!("");
    }
    bad["lat"] = Value::Null;
    bad["lon"] = Value::Null;
    bad["privacy"] = json!(false);
    let (status, v, _) = call("POST", &format!("{api}/segnalazioni"), None, Some(bad));
    assert_eq!(status, 422);
    for k in [
        "titolo",
        "dettagli",
        "luogo",
        "email",
        "categoria",
        "privacy",
    ] {
        assert!(v["errori"][k].is_string(), "{k}: {v}");
    }
    // No solved challenge: refused.
    let (status, v, _) = call(
        "POST",
        &format!("{api}/segnalazioni"),
        None,
        Some(segnalazione("", &[])),
    );
    assert_eq!(status, 422);
    assert!(v["errore"].as_str().unwrap().contains("anti-robot"), "{v}");
}

/// Filed with a photo and a PDF, retried with the same key, mailed; its code and token.
fn file_one(s: &Servizio, api: &str) -> (String, String) {
    // Filed with a photo (EXIF, GPS) and a PDF; a retry with the same key gets the same code.
    let body = segnalazione(&pow(api), &[("IMG_0001.JPG", FOTO), ("verbale.pdf", PDF)]);
    let (status, ok, acao) = call_with(
        "POST",
        &format!("{api}/segnalazioni"),
        Some(&s.origin),
        Some(body.clone()),
        Some("segnala-0001"),
    );
    assert_eq!(
        (status, acao.as_deref()),
        (201, Some(s.origin.as_str())),
        "{ok}"
    );
    let codice = ok["codice"].as_str().unwrap().to_string();
    assert!(codice.starts_with("SE-") && codice.len() == 12, "{codice}");
    assert_eq!(ok["email"], REPORTER);
    assert!(ok["entro"].as_str().unwrap().len() > 8, "{ok}");
    let (status, again, _) = call_with(
        "POST",
        &format!("{api}/segnalazioni"),
        None,
        Some(body),
        Some("segnala-0001"),
    );
    assert_eq!(
        (status, again["codice"].as_str()),
        (201, Some(codice.as_str()))
    );

    // The reporter gets the receipt with the follow-up link; the category's office a notice.
    let ricevuta = wait_mails(s, REPORTER, 1);
    let office = wait_mails(s, "lavori.pubblici@comune.valfiorita.vd.example", 1);
    assert!(ricevuta[0].contains(&codice) && ricevuta[0].contains("Ufficio lavori pubblici"));
    assert!(office[0].contains(&codice) && !office[0].contains("Bianchi"));
    let token = token_from_mail(&ricevuta[0]);

    (codice, token)
}

/// Followed by its link; a wrong token or comune learns nothing.
fn follow(s: &Servizio, codice: &str, token: &str) {
    // Followed by the link: state, history, files; a wrong token or comune learns nothing.
    let (status, v, _) = segui(s, token, "valfiorita");
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["codice"].as_str(), v["stato_etichetta"].as_str()),
        (Some(codice), Some("Ricevuta"))
    );
    assert_eq!(v["file"], json!(["img-0001.jpg", "verbale.pdf"]));
    assert_eq!(v["storia"].as_array().unwrap().len(), 1);
    assert_eq!(segui(s, token, "castelmarino").0, 404);
    assert_eq!(segui(s, &"A".repeat(32), "valfiorita").0, 404);
}

/// The operator's list and page, the files as served; the operator logged in.
fn operator_reads(s: &Servizio, codice: &str) -> Operatore {
    // The operator: the list, the page with the photo, the photo without EXIF or GPS.
    let mut op = login(s, "valfiorita", "anna");
    let (status, list, _) = op.send("GET", "/operatori/valfiorita/segnalazioni", &[], None);
    assert_eq!(status, 200);
    assert!(
        list.contains(codice) && list.contains("Ufficio lavori pubblici"),
        "{list}"
    );
    let path = format!("/operatori/valfiorita/segnalazioni/{codice}");
    let (_, page, _) = op.send("GET", &path, &[], None);
    let doc = scraper::Html::parse_document(&page);
    let img = common::select(&doc, "figure img");
    assert_eq!(img.len(), 1, "{page}");
    assert_eq!(
        img[0].value().attr("src"),
        Some(format!("{path}/file/1").as_str())
    );
    assert_eq!(common::select(&doc, "a[download]").len(), 1, "the PDF");
    let (status, h, foto) = op.scarica(&format!("{path}/file/1"));
    assert_eq!(status, 200);
    assert_eq!(h["content-type"], "image/jpeg");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let img = image::load_from_memory(&foto).unwrap();
    assert_eq!(
        (img.width(), img.height()),
        (32, 64),
        "turned upright by its EXIF"
    );
    assert!(!foto.windows(4).any(|w| w == b"Exif"), "no EXIF left");
    assert!(
        !foto.windows(2).any(|w| w == [0xFF, 0xE1]),
        "no APP1 segment left"
    );
    let (status, h, pdf) = op.scarica(&format!("{path}/file/2"));
    assert_eq!((status, pdf.as_slice()), (200, PDF));
    assert!(h["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));

    op
}

/// Through the states, each change mailed; the audit log; the reporter's history.
fn through_the_states(s: &Servizio, op: &mut Operatore, codice: &str, token: &str) {
    let path = format!("/operatori/valfiorita/segnalazioni/{codice}");
    // Through the states, each change mailed to the reporter with the office's message.
    assert_eq!(
        act(
            op,
            codice,
            &[
                ("tipo", "stato"),
                ("stato", "presa_in_carico"),
                ("messaggio", "Interveniamo entro la settimana")
            ]
        )
        .0,
        303
    );
    let m = wait_mails(s, REPORTER, 2);
    assert!(
        m[1].contains("presa in carico") && m[1].contains("Interveniamo entro la settimana"),
        "{}",
        m[1]
    );
    assert_eq!(
        act(
            op,
            codice,
            &[
                ("tipo", "ufficio"),
                ("ufficio", "Ufficio relazioni con il pubblico")
            ]
        )
        .0,
        303
    );
    assert_eq!(
        act(op, codice, &[("tipo", "pubblica"), ("pubblica", "1")]).0,
        303
    );
    for stato in ["in_lavorazione", "risolta", "chiusa"] {
        assert_eq!(
            act(op, codice, &[("tipo", "stato"), ("stato", stato)]).0,
            303,
            "{stato}"
        );
    }
    let m = wait_mails(s, REPORTER, 5);
    assert!(m[4].contains("chiusa"), "{}", m[4]);
    // A step that does not exist from here is refused with the reason, and changes nothing.
    let (status, body) = act(op, codice, &[("tipo", "stato"), ("stato", "respinta")]);
    assert_eq!(status, 409);
    assert!(body.contains("non si passa"), "{body}");
    // The audit log names who did what.
    let (_, page, _) = op.send("GET", &path, &[], None);
    let doc = scraper::Html::parse_document(&page);
    let righe: Vec<String> = common::select(&doc, "table tbody tr")
        .iter()
        .map(common::text)
        .collect();
    assert_eq!(righe.len(), 7, "{righe:?}");
    assert!(righe[0].contains("cittadino") && righe[1..].iter().all(|r| r.contains("anna")));
    // The reporter sees the history, without the operators' names or the moderation.
    let (_, v, _) = segui(s, token, "valfiorita");
    let storia = v["storia"].to_string();
    assert_eq!(v["storia"].as_array().unwrap().len(), 6, "{storia}");
    assert!(
        storia.contains("Interveniamo") && !storia.contains("anna"),
        "{storia}"
    );
}

/// The public list (nothing personal) and the operators' export.
fn public_list_and_export(op: &mut Operatore, api: &str, codice: &str) {
    // The public list: category, street, rounded point, state; nothing personal.
    let (_, v, _) = call("GET", &format!("{api}/segnalazioni/pubbliche"), None, None);
    assert_eq!(v["risolte_12_mesi"], 1);
    let lista = v["segnalazioni"].as_array().unwrap();
    assert_eq!(lista.len(), 1);
    assert_eq!(lista[0]["luogo"], "Via Roma, Valfiorita");
    assert_eq!(
        (lista[0]["lat"].as_f64(), lista[0]["lon"].as_f64()),
        (Some(45.101), Some(9.201))
    );
    let testo = v.to_string();
    for privato in [
        "Maria", "Bianchi", "example", "Buca", "333", "Roma 12", "45.1012",
    ] {
        assert!(!testo.contains(privato), "{privato} in {testo}");
    }

    // The export: one row, and a title that looks like a formula stays text.
    let (_, csv, _) = op.send("GET", "/operatori/valfiorita/segnalazioni.csv", &[], None);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<_> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!((&rows[0][0], &rows[0][13]), (codice, "chiusa"));
    assert_eq!(&rows[0][4], "'=1+1 Buca in via Roma");
}

/// Another comune's operator, the service's log, a visitor without a session.
fn other_comune_and_logs(s: &Servizio, codice: &str, token: &str) {
    let path = format!("/operatori/valfiorita/segnalazioni/{codice}");
    // Castelmarino's operator sees none of it and cannot act on it.
    let mut carlo = login(s, "castelmarino", "carlo");
    let (_, list, _) = carlo.send("GET", "/operatori/castelmarino/segnalazioni", &[], None);
    assert!(
        !list.contains(codice) && list.contains("0 segnalazioni"),
        "{list}"
    );
    let (_, page, _) = carlo.send(
        "GET",
        &format!("/operatori/castelmarino/segnalazioni/{codice}"),
        &[],
        None,
    );
    assert!(page.contains("Segnalazione inesistente"));
    let (status, _, _) = carlo.scarica(&format!(
        "/operatori/castelmarino/segnalazioni/{codice}/file/1"
    ));
    assert_eq!(status, 404);
    // Nothing personal was ever logged by the service.
    let log = s.log.lock().unwrap().clone();
    assert!(log.contains("in ascolto su"), "{log}");
    // The service's own address is logged, and its random port may hold "333".
    let log = log.replace(s.url.trim_end_matches('/'), "<indirizzo>");
    for privato in ["maria", "Bianchi", "Roma 12", "333", token, "Buca"] {
        assert!(
            !log.to_lowercase().contains(&privato.to_lowercase()),
            "{privato} logged:\n{log}"
        );
    }
    // Without a session, no file.
    let mut anonimo = Operatore {
        base: s.url.clone(),
        cookie: None,
    };
    let (status, _, _) = anonimo.scarica(&format!("{path}/file/1"));
    assert_eq!(status, 303);
}

#[test]
fn a_segnalazione_is_filed_followed_and_handled_on_sqlite() {
    file_filed_followed_and_handled(&start(false).unwrap());
}

#[test]
fn a_segnalazione_is_filed_followed_and_handled_on_postgres() {
    if let Some(s) = start(true) {
        file_filed_followed_and_handled(&s);
    }
}

/// A PNG of `l` × `a` grey pixels, all black: a few hundred kilobytes that inflate to
/// `l × a` bytes (a decompression bomb).
fn bomba_png(l: u32, a: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::ImageLuma8(image::GrayImage::new(l, a))
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

#[test]
fn hostile_uploads_are_refused_cleanly() {
    let s = start(false).unwrap();
    let api = format!("{}/api/v1/valfiorita", s.url);
    let invia = |allegati: &[(&str, &[u8])]| {
        let (status, v, _) = call(
            "POST",
            &format!("{api}/segnalazioni"),
            None,
            Some(segnalazione(&pow(&api), allegati)),
        );
        (status, v)
    };
    let rifiutato = |allegati: &[(&str, &[u8])], atteso: &str| {
        let (status, v) = invia(allegati);
        assert_eq!(status, 422, "{v}");
        let m = v["errori"]["allegati"].as_str().unwrap_or_default();
        assert!(m.contains(atteso), "expected «{atteso}», got {v}");
    };
    // A web page named like a photo.
    rifiutato(
        &[(
            "foto.jpg",
            b"<!doctype html><script>alert(document.cookie)</script>",
        )],
        "non è una foto",
    );
    // A file over the size limit.
    let mut enorme = FOTO.to_vec();
    enorme.resize(5 * 1024 * 1024 + 1, 0);
    rifiutato(&[("enorme.jpg", &enorme)], "troppo grande");
    // A body over the whole limit: 413, in Italian, before the service reads it (the client
    // has sent only the start).
    let oltre = 3 * 5 * 1024 * 1024 * 4 / 3 + 64 * 1024 + 1;
    let (status, v) = common::post_raw(&format!("{api}/segnalazioni"), oltre, b"{\"allegati\": [");
    assert_eq!(status, 413, "{v}");
    assert!(
        v["errore"].as_str().unwrap().contains("troppo grandi"),
        "{v}"
    );
    // Decompression bombs: too many pixels per side, and in all.
    let bomba = bomba_png(9_000, 9_000);
    assert!(bomba.len() < 1024 * 1024, "{}", bomba.len());
    rifiutato(&[("bomba.png", &bomba)], "troppi pixel");
    rifiutato(&[("bomba.png", &bomba_png(7_500, 7_500))], "troppi pixel");
    // A path in the file name.
    rifiutato(&[("../../etc/passwd.jpg", FOTO)], "percorso");
    rifiutato(&[("C:\\Users\\maria\\foto.jpg", FOTO)], "percorso");
    // Too many files.
    let (status, v) = invia(&[
        ("a.jpg", FOTO),
        ("b.jpg", FOTO),
        ("c.jpg", FOTO),
        ("d.jpg", FOTO),
    ]);
    assert_eq!(status, 422);
    assert!(
        v["errori"]["allegati"]
            .as_str()
            .unwrap()
            .contains("al massimo 3"),
        "{v}"
    );
    // Not one of them was stored or announced.
    let mut op = login(&s, "valfiorita", "anna");
    let (_, csv, _) = op.send("GET", "/operatori/valfiorita/segnalazioni.csv", &[], None);
    assert_eq!(csv.lines().count(), 1, "only the header: {csv}");
    assert!(mails_to(&s, REPORTER).is_empty());

    // A photo carrying a payload after its end is accepted, and the payload is gone.
    let mut poliglotta = FOTO.to_vec();
    poliglotta.extend(b"<script>alert(1)</script>");
    let (status, v) = invia(&[("foto.jpg", &poliglotta)]);
    assert_eq!(status, 201, "{v}");
    let codice = v["codice"].as_str().unwrap();
    let (_, _, foto) = op.scarica(&format!(
        "/operatori/valfiorita/segnalazioni/{codice}/file/1"
    ));
    assert!(image::load_from_memory(&foto).is_ok());
    assert!(!foto.windows(8).any(|w| w == b"<script>"));
}

/// The jobs delete concluded segnalazioni after the comune's retention (30 days here), with
/// their files; pending ones stay.
fn retention(s: &Servizio) {
    let api = format!("{}/api/v1/valfiorita", s.url);
    let (status, a, _) = call(
        "POST",
        &format!("{api}/segnalazioni"),
        None,
        Some(segnalazione(&pow(&api), &[("foto.jpg", FOTO)])),
    );
    assert_eq!(status, 201);
    let (_, b, _) = call(
        "POST",
        &format!("{api}/segnalazioni"),
        None,
        Some(segnalazione(&pow(&api), &[])),
    );
    let (a, b) = (a["codice"].as_str().unwrap(), b["codice"].as_str().unwrap());
    let mut op = login(s, "valfiorita", "anna");
    act(
        &mut op,
        a,
        &[
            ("tipo", "stato"),
            ("stato", "respinta"),
            ("messaggio", "Non è di competenza comunale"),
        ],
    );
    act(&mut op, a, &[("tipo", "stato"), ("stato", "chiusa")]);
    // Forty days pass for both.
    common::sql(
        &s.db,
        "UPDATE segnalazione SET aggiornata = '2000-01-01T00:00:00Z', creata = '2000-01-01T00:00:00Z'",
    );
    let o = std::process::Command::new(common::bin())
        .arg("sportello")
        .arg("--root")
        .arg(&s.root)
        .args(["--db", &s.db, "--once"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (_, csv, _) = op.send("GET", "/operatori/valfiorita/segnalazioni.csv", &[], None);
    assert!(!csv.contains(a) && csv.contains(b), "{csv}");
    let (status, _, _) = op.scarica(&format!("/operatori/valfiorita/segnalazioni/{a}/file/1"));
    assert_eq!(status, 404, "its photo went with it");
}

#[test]
fn concluded_segnalazioni_are_deleted_after_the_retention_on_sqlite() {
    retention(&start(false).unwrap());
}

#[test]
fn concluded_segnalazioni_are_deleted_after_the_retention_on_postgres() {
    if let Some(s) = start(true) {
        retention(&s);
    }
}

/// The pages of the site in Chromium: a citizen files a segnalazione with a photo through the
/// steps, follows it by the link of the email, an operator moves it through the states in the
/// back-office, each change reaches the reporter, and the public list and map show it.
#[test]
#[cfg_attr(
    not(civico_browser),
    ignore = "needs node, Debian's chromium and `npm ci --prefix tests/browser` (README, Quick start)"
)]
fn segnalazione_pages_and_back_office_work_in_chromium_end_to_end() {
    if !common::node_ready() {
        return;
    }
    let port = common::free_port();
    let site_origin = format!("http://127.0.0.1:{port}");
    // Content-example's own sportello.yaml for Valfiorita (categories, offices, the map).
    let yaml = std::fs::read_to_string(
        common::repo().join("content-example/comuni/valfiorita/sportello.yaml"),
    )
    .unwrap();
    let s = common::start_sportello(&yaml, false, &["--allow-origin", &site_origin]).unwrap();
    let (_out, site) = common::sito_per(&s, "valfiorita");
    let foto = common::repo().join("tests/fixtures/foto-gps.jpg");

    let v = common::node_script(
        "segnala.mjs",
        &site,
        port,
        &["segnala", foto.to_str().unwrap()],
    );
    let codice = v["codice"].as_str().unwrap().to_string();
    let ricevuta = wait_mails(&s, REPORTER, 1);
    assert!(ricevuta[0].contains(&codice), "{}", ricevuta[0]);
    wait_mails(&s, "lavori.pubblici@comune.valfiorita.vd.example", 1);
    let token = token_from_mail(&ricevuta[0]);

    let v = common::node_script("segnala.mjs", &site, port, &["segui", &token]);
    assert_eq!(
        (
            v["codice"].as_str(),
            v["stato"].as_str(),
            v["file"].as_str()
        ),
        (
            Some(codice.as_str()),
            Some("Ricevuta"),
            Some("foto-gps.jpg")
        )
    );

    let v = common::node_script(
        "segnala.mjs",
        &site,
        port,
        &["operatore", &s.url, &codice, PASSWORD],
    );
    assert_eq!(v["registro"], 5, "{v}");
    // Each change reached the reporter, with the office's messages.
    let m = wait_mails(&s, REPORTER, 4);
    assert!(m[1].contains("presa in carico") && m[1].contains("Abbiamo mandato una squadra"));
    assert!(m[2].contains("in lavorazione"));
    assert!(m[3].contains("risolta") && m[3].contains("Buca chiusa"));

    let v = common::node_script("segnala.mjs", &site, port, &["segui", &token]);
    assert_eq!(v["stato"], "Risolta");
    let storia = v["storia"].to_string();
    assert!(
        storia.contains("Buca chiusa") && !storia.contains("anna"),
        "{storia}"
    );

    let v = common::node_script("segnala.mjs", &site, port, &["elenco", "-"]);
    assert!(
        v["risolte"]
            .as_str()
            .unwrap()
            .contains("risolta 1 segnalazione"),
        "{v}"
    );
    let voci = v["voci"].as_array().unwrap();
    assert_eq!(voci.len(), 1, "{v}");
    let voce = voci[0].as_str().unwrap();
    assert!(
        voce.contains("Strade e marciapiedi")
            && voce.contains("Via Roma")
            && voce.contains("Risolta"),
        "{voce}"
    );
    assert!(!voce.contains("Roma 12"), "no house number: {voce}");
    assert_eq!(v["cerchi"], 1);
}

/// The example sites: Valfiorita takes segnalazioni with a map, Borgo San Fedele without one,
/// Castelmarino by email only; the pages carry the steps and fields of the Modello Comuni and
/// show how to report without JavaScript.
#[test]
fn the_example_sites_carry_the_segnalazione_pages() {
    let site = common::example_site();
    let pagina = |slug: &str, p: &str| common::html(&site.join(slug).join(p).join("index.html"));
    for (slug, mappa) in [("valfiorita", true), ("borgo-san-fedele", false)] {
        segnalazione_pages(site, slug, mappa);
    }
    // Castelmarino has no segnalazioni section: the page sends to its address, nothing more.
    let doc = pagina("castelmarino", "segnalazione-disservizio");
    assert!(common::select(&doc, "[data-civico-segnala]").is_empty());
    assert_eq!(
        common::select(
            &doc,
            "a[href='mailto:segnalazioni@comune.castelmarino.vd.example']"
        )
        .len(),
        1
    );
    assert!(!site
        .join("castelmarino/segnalazione-disservizio/segui")
        .exists());
    // Every site keeps the footer link the validator looks for (C.SI.2.4).
    for slug in common::COMUNI {
        let doc = common::html(&site.join(slug).join("index.html"));
        let a = common::select(&doc, "footer [data-element='report-inefficiency']");
        assert_eq!(a.len(), 1);
        assert_eq!(common::text(&a[0]), "Segnalazione disservizio");
        assert!(a[0]
            .value()
            .attr("href")
            .unwrap()
            .ends_with("/segnalazione-disservizio/"));
    }
}

/// The segnalazione pages of a comune with the section (`mappa`: with a map): the form, its
/// steps and limits, its categories and informativa, the follow-up and public list pages.
fn segnalazione_pages(site: &std::path::Path, slug: &str, mappa: bool) {
    let pagina = |p: &str| common::html(&site.join(slug).join(p).join("index.html"));
    let doc = pagina("segnalazione-disservizio");
    let root = common::select(&doc, "[data-civico-segnala]");
    assert_eq!(
        root[0].value().attr("data-api"),
        Some(format!("https://sportello.provincia-valdoro.vd.example/api/v1/{slug}").as_str())
    );
    assert_eq!(
        root[0].value().attr("data-mappa").is_some(),
        mappa,
        "{slug}"
    );
    // Without the service: email and phone; the form waits hidden.
    assert!(common::select(&doc, "[data-civico-fallback]")[0]
        .value()
        .attr("hidden")
        .is_none());
    let mail = common::select(
        &doc,
        "[data-civico-fallback] a[href^='mailto:segnalazioni@']",
    );
    assert_eq!(mail.len(), 1, "{slug}: the comune's reporting address");
    assert!(common::select(&doc, "form[data-civico-passi]")[0]
        .value()
        .attr("hidden")
        .is_some());
    let passi: Vec<String> = common::select(&doc, ".civico-passi li")
        .iter()
        .map(common::text)
        .collect();
    assert_eq!(
        passi,
        [
            "1. Autorizzazioni e condizioni",
            "2. Dati di segnalazione",
            "3. Riepilogo"
        ]
    );
    for id in ["report-place", "report-info", "report-author"] {
        assert_eq!(
            common::select(&doc, &format!("section[data-passo='2'] fieldset#{id}")).len(),
            1,
            "{slug}: {id}"
        );
    }
    let attr = |css: &str, a: &str| {
        common::select(&doc, css)[0]
            .value()
            .attr(a)
            .map(str::to_string)
    };
    assert_eq!(attr("#details", "maxlength").as_deref(), Some("200"));
    assert_eq!(attr("#title", "maxlength").as_deref(), Some("100"));
    assert_eq!(
        attr("#allegati", "accept").as_deref(),
        Some("image/jpeg,image/png,image/webp,application/pdf")
    );
    assert!(attr("#allegati", "multiple").is_some());
    assert!(attr("#privacy", "required").is_some());
    assert_eq!(
        common::select(&doc, "altcha-widget[challenge$='/sfida']").len(),
        1
    );
    assert_eq!(
        common::select(&doc, ".civico-trappola input#sito_web").len(),
        1,
        "honeypot"
    );
    // The types of disservizio of its sportello.yaml, in order.
    let text = std::fs::read_to_string(
        common::repo()
            .join("content-example/comuni")
            .join(slug)
            .join("sportello.yaml"),
    )
    .unwrap();
    let cfg: civico_sportello::config::Sportello = serde_saphyr::from_str(&text).unwrap();
    let attese: Vec<String> = cfg
        .segnalazioni
        .unwrap()
        .categorie
        .into_iter()
        .map(|c| c.nome)
        .collect();
    let offerte: Vec<String> = common::select(&doc, "#inefficiency option")
        .iter()
        .filter_map(|o| {
            o.value()
                .attr("value")
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        })
        .collect();
    assert_eq!(offerte, attese, "{slug}");
    // The informativa of its sportello.yaml, and the map's scripts only where there is one.
    assert_eq!(
        common::select(&doc, &format!("a[href='{}']", cfg.informativa)).len(),
        1
    );
    let script = |nome: &str| {
        common::select(&doc, "script[src]")
            .iter()
            .any(|s| s.value().attr("src").unwrap().ends_with(nome))
    };
    assert!(script("/js/civico-segnala.js") && script("/js/civico-sportello.js"));
    assert_eq!(script("/vendor/leaflet/leaflet.js"), mappa, "{slug}");
    assert_eq!(
        common::select(&doc, "[data-civico-apri-mappa]").len(),
        usize::from(mappa)
    );
    // The follow-up page is not for search engines; the public list links to the form.
    let segui = pagina("segnalazione-disservizio/segui");
    assert_eq!(
        common::select(&segui, "meta[name=robots][content=noindex]").len(),
        1
    );
    assert_eq!(common::select(&segui, "[data-civico-segui]").len(), 1);
    let elenco = pagina("segnalazione-disservizio/elenco");
    assert_eq!(
        common::select(&elenco, "[data-civico-elenco-segnalazioni]").len(),
        1
    );
    assert_eq!(
        common::select(
            &elenco,
            "[data-civico-elenco-segnalazioni] a.btn[href$='/segnalazione-disservizio/']"
        )
        .len(),
        1
    );
}

/// The honeypot field filled: refused, nothing stored. Over the per-address limit: 429 with
/// Retry-After, for filing and following alike.
#[test]
fn robots_and_floods_are_refused() {
    let s = common::start_sportello(SPORTELLO, false, &["--limit-ip", "6"]).unwrap();
    let api = format!("{}/api/v1/valfiorita", s.url);
    let mut trappola = segnalazione(&pow(&api), &[]);
    trappola["sito_web"] = json!("https://spam.example");
    let (status, _, _) = call("POST", &format!("{api}/segnalazioni"), None, Some(trappola));
    assert_eq!(status, 400);
    // Two challenges and one report so far; the next follow-ups use up the allowance.
    let codes: Vec<u16> = (0..6)
        .map(|_| {
            call(
                "POST",
                &format!("{api}/segnalazioni/consulta"),
                None,
                Some(json!({"token": "B".repeat(32)})),
            )
            .0
        })
        .collect();
    assert!(
        codes.contains(&404) && codes.ends_with(&[429, 429]),
        "{codes:?}"
    );
    let (status, v, _) = call(
        "POST",
        &format!("{api}/segnalazioni"),
        None,
        Some(segnalazione("", &[])),
    );
    assert_eq!(status, 429, "{v}");
    // (The operators' login shares the address's allowance: the register is read directly.)
    let mut c = civico_sportello::db::Conn::apri(&civico_sportello::db::Dove::da(&s.db)).unwrap();
    let n = c
        .riga("SELECT COUNT(*) FROM segnalazione", &[])
        .unwrap()
        .unwrap()[0]
        .intero();
    assert_eq!(n, 0, "nothing stored");
}
