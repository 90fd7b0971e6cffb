//! The web editor written at `/admin/` when civico.yaml has `redazione`: its Decap CMS
//! `config.yml` is valid YAML whose collections and fields match the JSON Schemas of
//! `civico schema` (one test per kind), and Decap starts in Chromium with every collection.

use crate::common;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::{build, copy_dir, repo};
use civico_site::content::kinds::Kind;
use serde_json::Value;

/// content-example with `redazione: {backend: test-repo}`, built once.
fn site() -> &'static Path {
    static SITE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &SITE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().join("sito");
            copy_dir(&repo().join("content-example"), &root);
            let yaml = root.join("civico.yaml");
            let mut text = std::fs::read_to_string(&yaml).unwrap();
            text.push_str("\nredazione:\n  backend: test-repo\n");
            std::fs::write(&yaml, text).unwrap();
            let out = dir.path().join("public");
            let (ok, log) = build(&root, &out, &["--no-compress"]);
            assert!(ok, "{log}");
            (dir, out)
        })
        .1
}

fn config() -> Value {
    let text = std::fs::read_to_string(site().join("castelmarino/admin/config.yml")).unwrap();
    serde_saphyr::from_str(&text).expect("config.yml is valid YAML")
}

fn collection<'a>(config: &'a Value, name: &str) -> &'a Value {
    config["collections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no collection {name}"))
}

/// Resolves `$ref` and optional (`anyOf` with null) properties.
fn resolved(schema: &Value, p: &Value) -> Value {
    if let Some(any) = p["anyOf"].as_array() {
        if let Some(x) = any.iter().find(|x| x["type"] != "null") {
            return resolved(schema, x);
        }
    }
    if let Some(r) = p["$ref"].as_str() {
        let name = r.trim_start_matches("#/$defs/");
        return schema["$defs"][name].clone();
    }
    p.clone()
}

/// The fields of a collection against the schema of its kind: the same names, the same
/// required ones, Italian labels, and vocabularies as select options.
fn matches_schema(coll: &Value, schema: &Value) {
    let props = schema["properties"].as_object().unwrap();
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let fields = coll["fields"].as_array().unwrap();
    let names: Vec<&str> = fields.iter().filter_map(|f| f["name"].as_str()).collect();
    for p in props.keys() {
        assert!(
            names.contains(&p.as_str()),
            "{}: field {p} missing",
            coll["name"]
        );
    }
    for f in fields {
        let name = f["name"].as_str().unwrap();
        if name == "body" {
            assert_eq!(f["widget"], "markdown");
            continue;
        }
        let p = resolved(schema, &props[name]);
        assert!(
            props.contains_key(name),
            "{}: {name} not in the schema",
            coll["name"]
        );
        // Decap fields are required unless they say otherwise.
        let req = f.get("required").is_none_or(|r| r == true);
        assert_eq!(
            req,
            required.contains(&name),
            "{}: {name} required",
            coll["name"]
        );
        assert_eq!(
            f["label"], props[name]["title"],
            "{}: {name} has the schema's Italian label",
            coll["name"]
        );
        let options = if p["type"] == "array" {
            resolved(schema, &p["items"])["enum"].clone()
        } else {
            p["enum"].clone()
        };
        if options.is_array() && f["widget"] != "relation" {
            assert_eq!(f["widget"], "select", "{}: {name}", coll["name"]);
            // Options are the vocabulary's values (a lower-case keyword shown capitalised).
            let values: Vec<&Value> = f["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| if o.is_object() { &o["value"] } else { o })
                .collect();
            let expected: Vec<&Value> = options.as_array().unwrap().iter().collect();
            assert_eq!(values, expected, "{}: {name}", coll["name"]);
        }
        if f["widget"] == "relation" {
            collection(&config(), f["collection"].as_str().unwrap());
        }
        if p["format"] == "date" {
            assert_eq!(f["widget"], "datetime");
            assert_eq!(f["format"], "YYYY-MM-DD");
        }
    }
}

fn kind(k: Kind) {
    let c = config();
    let coll = collection(&c, k.folder());
    assert_eq!(
        coll["folder"],
        format!("comuni/castelmarino/{}", k.folder()),
        "the collection edits the comune's folder"
    );
    assert_eq!(coll["format"], "frontmatter");
    assert_eq!(coll["create"], true);
    matches_schema(coll, &civico_site::schema::kind_schema(k));
}

/// One test per kind of content.
macro_rules! per_kind {
    ($($name:ident => $kind:expr),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                kind($kind);
            }
        )*
    };
}

per_kind! {
    notizie => Kind::Notizia,
    eventi => Kind::Evento,
    servizi => Kind::Servizio,
    luoghi => Kind::Luogo,
    uffici => Kind::Ufficio,
    persone => Kind::Persona,
    documenti => Kind::Documento,
    pagine => Kind::Pagina,
    albo => Kind::Albo,
}

#[test]
fn amministrazione_trasparente_sections_are_collections() {
    let c = config();
    let at: Vec<&Value> = c["collections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["name"].as_str().unwrap().starts_with("at-"))
        .collect();
    // One per section that holds documents: not the first-level ones with sub-sections.
    let tree = civico_site::trasparenza::albero::get();
    let leaves = tree
        .visibili(false)
        .filter(|s| tree.figli(&s.slug, false).next().is_none())
        .count();
    assert_eq!(at.len(), leaves);
    assert!(
        !at.iter().any(|c| c["name"] == "at-organizzazione"),
        "a section with sub-sections"
    );
    let uffici = at
        .iter()
        .find(|c| c["name"] == "at-organizzazione--articolazione-degli-uffici");
    assert_eq!(
        uffici.unwrap()["label"],
        "Trasparenza: Organizzazione › Articolazione degli uffici"
    );
    let schema = civico_site::schema::kind_schema(Kind::Trasparenza);
    for coll in &at {
        let folder = coll["folder"].as_str().unwrap();
        assert!(
            site().parent().unwrap().join("sito").join(folder).is_dir(),
            "{folder} exists in the example"
        );
        matches_schema(coll, &schema);
    }
    // Media go to the comune's media folder; the backend is the one of civico.yaml.
    assert_eq!(c["media_folder"], "comuni/castelmarino/media");
    assert_eq!(c["backend"]["name"], "test-repo");
    assert_eq!(c["locale"], "it");
}

#[test]
fn the_admin_is_not_indexed_nor_checked_as_a_page() {
    let robots = std::fs::read_to_string(site().join("castelmarino/robots.txt")).unwrap();
    assert!(robots.contains("Disallow: /admin/"), "{robots}");
    let index = std::fs::read_to_string(site().join("castelmarino/admin/index.html")).unwrap();
    let doc = scraper::Html::parse_document(&index);
    let scripts: Vec<&str> = common::select(&doc, "script")
        .iter()
        .filter_map(|s| s.value().attr("src"))
        .collect();
    assert_eq!(
        scripts,
        ["decap-cms.js"],
        "only the vendored bundle, no CDN"
    );
    assert!(site().join("castelmarino/admin/decap-cms.js").is_file());
    let sitemap = std::fs::read_to_string(site().join("castelmarino/sitemap.xml")).unwrap();
    assert!(!sitemap.contains("/admin/"));
}

#[test]
#[cfg_attr(
    not(civico_browser),
    ignore = "needs node, Debian's chromium and `npm ci --prefix tests/browser` (README, Quick start)"
)]
fn decap_starts_in_the_browser_with_every_collection() {
    if !common::node_ready() {
        return;
    }
    let out = Command::new("node")
        .arg(common::browser_dir().join("admin.mjs"))
        .arg(site().join("castelmarino"))
        .args([
            "Notizie",
            "Eventi",
            "Servizi",
            "Unità organizzative",
            "Albo pretorio",
            "Trasparenza: Disposizioni generali › Atti generali",
            "Trasparenza: Bandi di concorso",
        ])
        .current_dir(common::browser_dir())
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "Decap CMS in Chromium:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn references_by_file_name_as_the_editor_writes_them() {
    // Decap's relation widget stores the file name (`tecnico`), not the path.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sito");
    copy_dir(&repo().join("content-example"), &root);
    let news =
        root.join("comuni/castelmarino/notizie/al-via-i-lavori-di-rifacimento-di-via-roma.md");
    let text = std::fs::read_to_string(&news).unwrap();
    assert!(text.contains("a_cura_di: [\"uffici/tecnico\"]"));
    std::fs::write(&news, text.replace("\"uffici/tecnico\"", "\"tecnico\"")).unwrap();
    let out = dir.path().join("public");
    let (ok, log) = build(&root, &out, &[]);
    assert!(ok, "{log}");
    let page = common::html(
        &out.join("castelmarino/novita/al-via-i-lavori-di-rifacimento-di-via-roma/index.html"),
    );
    let hrefs: Vec<String> = common::select(&page, "main a[href]")
        .iter()
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    let office = site().join("castelmarino");
    let target = hrefs
        .iter()
        .find(|h| h.contains("tecnico"))
        .unwrap_or_else(|| panic!("no link to the office: {hrefs:?}"));
    assert!(
        office
            .join(target.trim_start_matches('/'))
            .join("index.html")
            .is_file(),
        "{target}"
    );
    // An ambiguous or unknown name is still an error with suggestions.
    std::fs::write(&news, text.replace("\"uffici/tecnico\"", "\"tecnicx\"")).unwrap();
    let (ok, log) = build(&root, &dir.path().join("p2"), &[]);
    assert!(!ok);
    assert!(
        log.contains("E-REF-BROKEN") && log.contains("tecnico"),
        "{log}"
    );
}

/// An editor's day in the web editor, as in a browser: from the preview (`civico serve`, whose
/// local backend saves into the working copy) a notizia, an evento and an atto dell'albo are
/// written with only their required fields (no image, no attachment) and published; the files
/// land in the comune's folder and the site builds with them.
#[test]
#[cfg_attr(
    not(civico_browser),
    ignore = "needs node, Debian's chromium and `npm ci --prefix tests/browser` (README, Quick start)"
)]
fn an_editor_publishes_from_the_preview_with_the_required_fields_only() {
    if !common::node_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sito");
    let st = Command::new(common::bin())
        .args(["new", "comune", "prova", "--date", "2026-11-23"])
        .arg(&root)
        .status()
        .unwrap();
    assert!(st.success());
    let port = common::free_port();
    let yaml = root.join("civico.yaml");
    let mut text = std::fs::read_to_string(&yaml).unwrap();
    text.push_str(&format!(
        "\nredazione:\n  backend: github\n  repository: provincia/siti\n  porta_locale: {port}\n"
    ));
    std::fs::write(&yaml, text).unwrap();
    let mut cmd = Command::new(common::bin());
    cmd.arg("serve")
        .arg(&root)
        .args(["--port", "0", "--date", "2026-11-23"]);
    let (mut child, origin) = common::spawn_server(cmd);
    let f = |label: &str, ty: &str, value: &str| serde_json::json!({ "label": label, "type": ty, "value": value });
    let spec = serde_json::json!([
        { "collection": "notizie", "fields": [
            f("Titolo", "text", "Chiusura straordinaria degli uffici"),
            f("Tipo di notizia", "select", "Avviso"),
            f("Descrizione breve", "text", "Lunedì gli uffici restano chiusi."),
            f("Argomenti", "select", "Comunicazione istituzionale"),
            f("A cura di", "select", "Ufficio Segreteria"),
        ]},
        { "collection": "eventi", "fields": [
            f("Titolo", "text", "Concerto di Capodanno"),
            f("Tipo di evento", "select", "Manifestazione musicale"),
            f("Inizio", "text", "2027-01-01T17:00"),
            f("Descrizione breve", "text", "La banda musicale in piazza."),
            f("A chi è rivolto", "markdown", "A tutta la cittadinanza."),
            f("Argomenti", "select", "Tempo libero"),
        ]},
        { "collection": "albo", "fields": [
            f("Numero", "text", "2"),
            f("Anno", "text", "2026"),
            f("Tipo di atto", "text", "Avviso"),
            f("Oggetto", "text", "Avviso di chiusura degli uffici"),
        ]},
    ]);
    let run = Command::new("node")
        .arg(common::browser_dir().join("redazione.mjs"))
        .arg(format!("{origin}/prova/admin/"))
        .arg(spec.to_string())
        .current_dir(common::browser_dir())
        .output()
        .expect("run node");
    let _ = child.kill();
    let _ = child.wait();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "the web editor in Chromium:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let comune = root.join("comuni/prova");
    let read = |rel: &str| {
        std::fs::read_to_string(comune.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    };
    let notizia = read("notizie/chiusura-straordinaria-degli-uffici.md");
    assert!(notizia.contains("tipo: avviso"), "{notizia}");
    assert!(!notizia.contains("immagine"), "no empty image: {notizia}");
    assert!(
        notizia.contains("- uffici/segreteria"),
        "a path, as by hand: {notizia}"
    );
    let evento = read("eventi/concerto-di-capodanno.md");
    assert!(evento.contains("2027-01-01 17:00"), "{evento}");
    assert!(evento.contains("A tutta la cittadinanza."), "{evento}");
    let atto = read("albo/avviso-di-chiusura-degli-uffici.md");
    assert!(
        atto.contains("dal: 2026-") || atto.contains("dal: 2027-"),
        "{atto}"
    );
    let out = dir.path().join("public");
    let (ok, log) = build(&root, &out, &[]);
    assert!(ok, "{log}");
    for page in [
        "prova/novita/chiusura-straordinaria-degli-uffici/index.html",
        "prova/vivere-il-comune/eventi/concerto-di-capodanno/index.html",
    ] {
        assert!(out.join(page).is_file(), "{page}");
    }
}

/// What an editor reads in the admin: the comune's stemma as logo, dated kinds newest first
/// with their date, hints that fit the widget, optional groups whose fields are optional, and
/// a preview in the site's styles.
#[test]
fn the_admin_speaks_to_the_widget_it_shows() {
    let c = config();
    assert!(
        c["logo_url"].as_str().unwrap().ends_with(".svg"),
        "{}",
        c["logo_url"]
    );
    let notizie = collection(&c, "notizie");
    assert_eq!(notizie["sortable_fields"][0]["field"], "data");
    assert_eq!(notizie["sortable_fields"][0]["default_sort"], "desc");
    assert!(notizie["summary"].as_str().unwrap().starts_with("{{data"));
    fn walk<'a>(fields: &'a Value, out: &mut Vec<&'a Value>) {
        for f in fields.as_array().into_iter().flatten() {
            out.push(f);
            walk(&f["fields"], out);
        }
    }
    let mut all = Vec::new();
    for coll in c["collections"].as_array().unwrap() {
        walk(&coll["fields"], &mut all);
    }
    for f in &all {
        let hint = f["hint"].as_str().unwrap_or("");
        if f["widget"] == "datetime" {
            assert!(!hint.contains("AAAA"), "{f}");
        }
        if f["widget"] == "relation" {
            assert!(!hint.contains("uffici/"), "{f}");
        }
        if f["required"] == false {
            assert!(
                !hint.contains("obbligatorio"),
                "optional yet said required: {f}"
            );
        }
    }
    let immagine = notizie["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "immagine")
        .unwrap();
    assert_eq!(immagine["required"], false);
    for sub in immagine["fields"].as_array().unwrap() {
        assert_eq!(sub["required"], false, "{sub}");
        assert!(sub.get("default").is_none(), "{sub}");
    }
    let index = std::fs::read_to_string(site().join("castelmarino/admin/index.html")).unwrap();
    assert!(
        index.contains("registerPreviewStyle(\"/static/css/civico.css\")"),
        "{index}"
    );
}
