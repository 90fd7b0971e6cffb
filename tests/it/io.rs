//! `civico io send` end to end against a loopback mock of IO's services API
//! (tests/io_mock): the example network built for 2026-11-23, castelmarino's four IO services,
//! recipients with every kind of profile.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::common::{bin, build, copy_dir, repo};
use crate::io_mock::{Config, Mock, Profilo};

const ABILITATO: &str = "RSSMRA85T10A562S";
const NON_ABILITATO: &str = "BNCLRA90A41H501X";
const SENZA_PROFILO: &str = "VRDGPP80A01F205X";
const VIETATO: &str = "NRELSN75C12L219K";
/// Asked only for the albo of castelmarino.
const SOLO_ALBO: &str = "GLLMRC70M05D969P";

const CHIAVI: [(&str, &str); 4] = [
    ("IO_CASTELMARINO_NOTIZIE", "chiave-notizie-0001"),
    ("IO_CASTELMARINO_EVENTI", "chiave-eventi-0002"),
    ("IO_CASTELMARINO_BANDI", "chiave-bandi-0003"),
    ("IO_CASTELMARINO_ALBO", "chiave-albo-0004"),
];

/// The example network built for 2026-11-23, with recipients, secrets and state outside it.
struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    site: PathBuf,
    recipients: PathBuf,
    secrets: PathBuf,
    state: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sito");
        copy_dir(&repo().join("content-example"), &root);
        let site = dir.path().join("public");
        let (ok, log) = build(&root, &site, &["--no-compress"]);
        assert!(ok, "{log}");
        let private = dir.path().join("privato");
        std::fs::create_dir_all(&private).unwrap();
        let recipients = private.join("destinatari.csv");
        std::fs::write(
            &recipients,
            format!(
                "codice_fiscale,comune,canali\n{ABILITATO},,\n{NON_ABILITATO},,\n{SENZA_PROFILO},,\n{VIETATO},,\n{SOLO_ALBO},castelmarino,albo\n"
            ),
        )
        .unwrap();
        let secrets = private.join("segreti.env");
        let lines: Vec<String> = CHIAVI.iter().map(|(k, v)| format!("{k}={v}")).collect();
        std::fs::write(&secrets, lines.join("\n")).unwrap();
        Fixture {
            root,
            site,
            recipients,
            secrets,
            state: private.join("io.sqlite"),
            _dir: dir,
        }
    }

    fn command(&self, mock: &Mock, extra: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.arg("io")
            .arg("send")
            .arg(&self.root)
            .arg("--site")
            .arg(&self.site)
            .args(["--comune", "castelmarino"])
            .arg("--recipients")
            .arg(&self.recipients)
            .arg("--state")
            .arg(&self.state)
            .arg("--secrets")
            .arg(&self.secrets)
            .args(["--api-url", &mock.url, "--backoff-ms", "20"])
            .args(extra);
        c
    }

    fn send(&self, mock: &Mock, extra: &[&str]) -> Output {
        self.command(mock, extra)
            .output()
            .expect("civico io send runs")
    }

    /// The publications of castelmarino's outbox, by channel.
    fn outbox(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.site.join("castelmarino/io/outbox.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["pubblicazioni"].as_array().unwrap().clone()
    }
}

fn mock() -> Mock {
    let mut profili = HashMap::new();
    profili.insert(ABILITATO.to_string(), Profilo::Abilitato);
    profili.insert(SOLO_ALBO.to_string(), Profilo::Abilitato);
    profili.insert(NON_ABILITATO.to_string(), Profilo::NonAbilitato);
    profili.insert(VIETATO.to_string(), Profilo::Vietato);
    profili.insert(SENZA_PROFILO.to_string(), Profilo::NonTrovato);
    Mock::avvia(Config {
        profili,
        chiavi: CHIAVI.iter().map(|(_, v)| v.to_string()).collect(),
        ..Config::default()
    })
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// (fiscal code, subject) of each accepted message.
fn pairs(m: &Mock) -> Vec<(String, String)> {
    m.messaggi()
        .iter()
        .map(|c| {
            (
                c.corpo["fiscal_code"].as_str().unwrap().to_string(),
                c.corpo["content"]["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn no_fiscal_code_in(s: &str) {
    for cf in [ABILITATO, NON_ABILITATO, SENZA_PROFILO, VIETATO, SOLO_ALBO] {
        assert!(!s.contains(cf), "a fiscal code in the output:\n{s}");
    }
}

#[test]
fn the_build_writes_a_stable_outbox() {
    let f = Fixture::new();
    let pubs = f.outbox();
    let by: HashMap<&str, usize> = pubs.iter().fold(HashMap::new(), |mut m, p| {
        *m.entry(p["canale"].as_str().unwrap()).or_default() += 1;
        m
    });
    assert_eq!(by.get("albo"), Some(&3), "{pubs:#?}");
    assert_eq!(by.get("bandi"), Some(&1));
    assert!(by.get("notizie").is_some_and(|n| *n >= 3));
    assert!(by.get("eventi").is_some_and(|n| *n >= 3));
    // Atti all'albo and bandi carry their deadline.
    for p in &pubs {
        let c = p["canale"].as_str().unwrap();
        assert_eq!(
            p.get("scadenza").is_some(),
            c == "albo" || c == "bandi",
            "{p}"
        );
        assert!(p["url"].as_str().unwrap().starts_with("https://"));
        assert!(p["id"].as_str().unwrap().starts_with(&format!("{c}:")));
    }
    // A second build with the same date gives the same file.
    let again = f.site.with_file_name("public2");
    let (ok, log) = build(&f.root, &again, &["--no-compress"]);
    assert!(ok, "{log}");
    assert_eq!(
        std::fs::read(f.site.join("castelmarino/io/outbox.json")).unwrap(),
        std::fs::read(again.join("castelmarino/io/outbox.json")).unwrap()
    );
}

#[test]
fn sends_once_to_each_allowed_recipient_and_never_again() {
    let f = Fixture::new();
    let m = mock();
    let pubs = f.outbox();
    let out = f.send(&m, &[]);
    assert!(out.status.success(), "{}", text(&out));
    no_fiscal_code_in(&text(&out));

    let sent = m.messaggi();
    let albo = pubs.iter().filter(|p| p["canale"] == "albo").count();
    assert_eq!(
        sent.len(),
        pubs.len() + albo,
        "everything to the first, the albo to the other"
    );
    let mut per_cf: HashMap<String, usize> = HashMap::new();
    for c in &sent {
        *per_cf
            .entry(c.corpo["fiscal_code"].as_str().unwrap().into())
            .or_default() += 1;
    }
    assert_eq!(per_cf.get(ABILITATO), Some(&pubs.len()));
    assert_eq!(per_cf.get(SOLO_ALBO), Some(&albo));
    for cf in [NON_ABILITATO, SENZA_PROFILO, VIETATO] {
        assert!(!per_cf.contains_key(cf), "{cf} must get nothing");
    }
    // Every call carries the fiscal code in the body only, and the key of its channel.
    let keys: HashMap<&str, &str> = CHIAVI.iter().map(|(k, v)| (*v, *k)).collect();
    for c in m.chiamate() {
        assert!(["/profiles", "/messages"].contains(&c.percorso.as_str()));
        assert!(
            keys.contains_key(c.chiave.as_str()),
            "unknown key {}",
            c.chiave
        );
    }
    for c in &sent {
        let subject = c.corpo["content"]["subject"].as_str().unwrap();
        let markdown = c.corpo["content"]["markdown"].as_str().unwrap();
        assert!((10..=120).contains(&subject.chars().count()));
        assert!((80..=10_000).contains(&markdown.chars().count()));
        let pubb = pubs
            .iter()
            .find(|p| markdown.contains(p["url"].as_str().unwrap()))
            .expect("the message links its publication");
        let channel = pubb["canale"].as_str().unwrap().to_uppercase();
        assert_eq!(
            keys[c.chiave.as_str()],
            format!("IO_CASTELMARINO_{channel}")
        );
        // Deadlines are due dates at 23:59:59 in Rome, in UTC (December: UTC+1).
        match pubb.get("scadenza").and_then(|s| s.as_str()) {
            Some(day) => assert_eq!(
                c.corpo["content"]["due_date"].as_str(),
                Some(format!("{day}T22:59:59.000Z").as_str())
            ),
            None => assert!(c.corpo["content"].get("due_date").is_none()),
        }
    }
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(stdout.contains("castelmarino\talbo\t3\t6\t0\t"), "{stdout}");

    // A second run finds everything already sent.
    let before = m.chiamate().len();
    let out = f.send(&m, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(m.messaggi().len(), sent.len(), "nothing is sent twice");
    let profile_checks = m.chiamate()[before..]
        .iter()
        .filter(|c| c.percorso == "/profiles")
        .count();
    // Only the recipients who got nothing are checked again (they may enable the service).
    assert!(profile_checks <= 3 * 4, "{profile_checks}");
}

#[test]
fn backs_off_on_429_and_stops_when_io_stays_overloaded() {
    let f = Fixture::new();
    let m = mock();
    m.config(|c| c.ogni_429 = 3);
    let out = f.send(&m, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let calls = m.chiamate();
    let throttled = calls.iter().filter(|c| c.stato == 429).count();
    assert!(throttled >= 5, "{throttled}");
    // Each 429 is followed by the same request after at least the back-off pause.
    for w in calls.windows(2) {
        if w[0].stato == 429 {
            assert_eq!(w[0].corpo, w[1].corpo, "the same request is retried");
            assert!(w[1].quando - w[0].quando >= Duration::from_millis(20));
        }
    }
    let unique: HashSet<(String, String)> = pairs(&m).into_iter().collect();
    assert_eq!(unique.len(), pairs(&m).len(), "no duplicates");

    // IO answers 429 to everything: the pauses grow (20, 40, 80 ms), then the run stops.
    let g = Fixture::new();
    let busy = mock();
    busy.config(|c| c.sempre_429 = true);
    let out = g.send(&busy, &["--max-retries", "3"]);
    assert!(!out.status.success());
    let t = text(&out);
    assert!(
        t.contains("interrotto:") && t.contains("da inviare alla prossima esecuzione"),
        "{t}"
    );
    let calls = busy.chiamate();
    assert_eq!(calls.len(), 4, "one attempt and three retries, then stop");
    let gaps: Vec<Duration> = calls
        .windows(2)
        .map(|w| w[1].quando - w[0].quando)
        .collect();
    for (gap, min) in gaps.iter().zip([20, 40, 80]) {
        assert!(*gap >= Duration::from_millis(min), "{gaps:?}");
    }
    assert!(gaps[2] > gaps[0], "{gaps:?}");
    // Once IO recovers, a new run sends everything.
    busy.config(|c| c.sempre_429 = false);
    let out = g.send(&busy, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(busy.messaggi().len(), g.outbox().len() + 3);
}

#[test]
fn a_run_killed_mid_way_is_completed_without_duplicates() {
    let f = Fixture::new();
    let m = mock();
    m.config(|c| c.ritardo_messaggi = Duration::from_millis(300));
    let mut child = f
        .command(&m, &[])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while m.messaggi().len() < 3 {
        assert!(start.elapsed() < Duration::from_secs(60), "no messages");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let first_run = m.messaggi().len();
    m.config(|c| c.ritardo_messaggi = Duration::ZERO);
    let out = f.send(&m, &[]);
    let t = text(&out);
    let all = pairs(&m);
    let unique: HashSet<&(String, String)> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "a message was sent twice");
    let expected = f.outbox().len() + 3;
    // The message in flight when the run was killed is reported, not sent again.
    assert!(
        all.len() == expected,
        "{} of {expected} after {first_run}:\n{t}",
        all.len()
    );
    assert!(
        t.contains("in invio quando un'esecuzione precedente si è interrotta"),
        "the message in flight is reported:\n{t}"
    );
}

#[test]
fn refusals_wrong_keys_and_dry_runs() {
    // IO refuses long subjects (a stricter limit set on the mock): refused, reported, and
    // not retried by later runs.
    let f = Fixture::new();
    let m = mock();
    m.config(|c| c.oggetto_max = 40);
    let out = f.send(&m, &[]);
    let t = text(&out);
    assert!(t.contains("W-IO-RIFIUTATO"), "{t}");
    no_fiscal_code_in(&t);
    let refused = m.chiamate().iter().filter(|c| c.stato == 400).count();
    assert!(refused > 0);
    let out = f.send(&m, &[]);
    let again = m.chiamate().iter().filter(|c| c.stato == 400).count();
    assert_eq!(
        again,
        refused,
        "refused messages are not sent again: {}",
        text(&out)
    );

    // A key IO does not accept stops its channel with an error naming comune.yaml.
    let g = Fixture::new();
    std::fs::write(
        &g.secrets,
        "IO_CASTELMARINO_NOTIZIE=sbagliata\nIO_CASTELMARINO_EVENTI=chiave-eventi-0002\n",
    )
    .unwrap();
    let m = mock();
    let out = g.send(&m, &[]);
    assert!(!out.status.success());
    let t = text(&out);
    assert!(
        t.contains("E-IO-CHIAVE") && t.contains("comune.yaml"),
        "{t}"
    );
    assert!(
        t.contains("IO_CASTELMARINO_BANDI"),
        "missing secrets are named: {t}"
    );
    assert!(!t.contains("sbagliata"), "keys are never printed");
    assert!(m
        .messaggi()
        .iter()
        .all(|c| c.chiave == "chiave-eventi-0002"));

    // --dry-run contacts nobody and lists what would go.
    let h = Fixture::new();
    let m = mock();
    let out = h.send(&m, &["--dry-run"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(m.chiamate().is_empty());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.matches("da inviare (prova):").count() >= h.outbox().len(),
        "{stdout}"
    );
}

#[test]
fn keys_and_personal_data_stay_out_of_the_repository() {
    let f = Fixture::new();
    // A key written in comune.yaml instead of the name of its secret: the build refuses it
    // without repeating it.
    let yaml = f.root.join("comuni/castelmarino/comune.yaml");
    let text_yaml = std::fs::read_to_string(&yaml).unwrap();
    let key = "0123456789abcdef0123456789abcdef";
    std::fs::write(&yaml, text_yaml.replace("IO_CASTELMARINO_ALBO", key)).unwrap();
    let (ok, log) = build(&f.root, &f.site.with_file_name("x"), &[]);
    assert!(!ok);
    assert!(log.contains("E-IO-SEGRETO"), "{log}");
    assert!(!log.contains(key), "the key is not repeated: {log}");
    std::fs::write(&yaml, text_yaml).unwrap();

    // Recipients or state inside the site's repository are refused.
    let m = mock();
    let inside = f.root.join("destinatari.csv");
    std::fs::copy(&f.recipients, &inside).unwrap();
    let out = Command::new(bin())
        .args(["io", "send"])
        .arg(&f.root)
        .arg("--site")
        .arg(&f.site)
        .arg("--recipients")
        .arg(&inside)
        .arg("--state")
        .arg(&f.state)
        .args(["--api-url", &m.url])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("E-IO-POSIZIONE"), "{}", text(&out));
    assert!(m.chiamate().is_empty());
    assert!(!Path::new(&f.state).exists() || m.chiamate().is_empty());
}
