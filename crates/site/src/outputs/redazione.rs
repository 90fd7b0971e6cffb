//! The web editor of each comune: `/admin/` with Decap CMS (the same configuration works for
//! Sveltia CMS), committing Markdown to the repository of the sites.
//!
//! `config.yml` is generated from the JSON Schemas of `crate::schema` (so the editor asks for
//! what the build requires, with the same Italian labels and vocabularies): one folder
//! collection per content kind and one per section of Amministrazione trasparente that holds
//! documents; widgets by
//! field type (datetime, select for vocabularies, relation for uffici, luoghi, persone, servizi
//! and documenti, list for attachments, markdown for text); the comune's `media/` folder.

use serde_json::{json, Map, Value};

use crate::content::kinds::Kind;
use civico_core::config::{ComuneDir, Redazione, Rete};

/// Reference fields and the collection they point into.
const RELAZIONI: &[(&str, &str)] = &[
    ("a_cura_di", "uffici"),
    ("ufficio_responsabile", "uffici"),
    ("struttura_responsabile", "uffici"),
    ("genitore", "uffici"),
    ("ufficio", "uffici"),
    ("luogo", "luoghi"),
    ("luoghi", "luoghi"),
    ("sede", "luoghi"),
    ("sedi", "luoghi"),
    ("persone", "persone"),
    ("responsabile", "persone"),
    ("assessore_riferimento", "persone"),
    ("servizi_collegati", "servizi"),
    ("servizi", "servizi"),
    ("documenti", "documenti"),
];

/// `/admin/index.html`: loads the vendored Decap CMS, which reads `config.yml` beside it, and
/// gives its preview the site's stylesheets (`risorse`: where the theme's assets are).
pub fn index_html(comune: &ComuneDir, risorse: &str) -> String {
    let nome = quick_xml::escape::escape(&comune.config.nome);
    let css = |file: &str| serde_json::to_string(&format!("{risorse}/{file}")).unwrap_or_default();
    format!(
        "<!doctype html>\n<html lang=\"it\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex, nofollow\">\n\
         <title>Redazione - Comune di {nome}</title>\n</head>\n<body>\n\
         <script src=\"decap-cms.js\"></script>\n\
         <script>CMS.registerPreviewStyle({});CMS.registerPreviewStyle({});</script>\n\
         </body>\n</html>\n",
        css("bootstrap-italia/css/bootstrap-italia.min.css"),
        css("css/civico.css"),
    )
}

/// The Decap CMS field for a schema property.
fn campo(kind: &str, name: &str, prop: &Value, required: bool, defs: &Map<String, Value>) -> Value {
    let prop = resolve(prop, defs);
    let label = prop["title"].as_str().unwrap_or(name);
    let mut f = json!({ "name": name, "label": label });
    if let Some(h) = prop["description"].as_str() {
        f["hint"] = json!(h);
    }
    if !required {
        f["required"] = json!(false);
    }
    let ty = prop["type"].as_str().or_else(|| {
        prop["type"]
            .as_array()
            .and_then(|a| a.iter().filter_map(Value::as_str).find(|t| *t != "null"))
    });
    let items = resolve(&prop["items"], defs);
    if let Some((_, coll)) = RELAZIONI.iter().find(|(n, _)| *n == name) {
        f["widget"] = json!("relation");
        f["collection"] = json!(coll);
        // Stored as the path the build reads (`uffici/anagrafe`), as the files written by
        // hand have it, so that the editor shows and keeps what they hold.
        f["value_field"] = json!(format!("{coll}/{{{{slug}}}}"));
        f["search_fields"] = json!(["titolo"]);
        f["display_fields"] = json!(["titolo"]);
        if ty == Some("array") {
            f["multiple"] = json!(true);
        }
    } else if let Some(values) = prop["enum"].as_array() {
        f["widget"] = json!("select");
        f["options"] = opzioni(values);
    } else if ty == Some("array") && items["enum"].is_array() {
        f["widget"] = json!("select");
        f["multiple"] = json!(true);
        f["options"] = opzioni(items["enum"].as_array().unwrap_or(&Vec::new()));
    } else if prop["format"] == "date" {
        f["widget"] = json!("datetime");
        f["format"] = json!("YYYY-MM-DD");
        f["date_format"] = json!("DD/MM/YYYY");
        f["time_format"] = json!(false);
        if required {
            // A publication date is most often today's: the picker starts there.
            f["default"] = json!("{{now}}");
        }
    } else if prop["pattern"].as_str().is_some_and(|p| p.contains("[T ]")) {
        f["widget"] = json!("datetime");
        f["format"] = json!("YYYY-MM-DD HH:mm");
        f["date_format"] = json!("DD/MM/YYYY");
        f["time_format"] = json!("HH:mm");
    } else if ty == Some("boolean") {
        f["widget"] = json!("boolean");
    } else if ty == Some("integer") || ty == Some("number") {
        f["widget"] = json!("number");
        f["value_type"] = json!(if ty == Some("integer") {
            "int"
        } else {
            "float"
        });
    } else if ty == Some("array") && items["type"] == "object" {
        f["widget"] = json!("list");
        f["fields"] = json!(campi(kind, &items, defs));
    } else if ty == Some("array") {
        f["widget"] = json!("list");
    } else if ty == Some("object") {
        f["widget"] = json!("object");
        let mut fields = campi(kind, &prop, defs);
        // Decap checks the required fields of an object even when the object is left empty,
        // so an optional object could never be left out: its fields are optional in the editor
        // (the build still asks for what an image or attachment needs once it is there).
        if !required {
            for field in &mut fields {
                field["required"] = json!(false);
                field.as_object_mut().map(|o| o.remove("default"));
            }
        }
        f["fields"] = json!(fields);
    } else if prop["description"]
        .as_str()
        .is_some_and(|d| d.contains("Markdown"))
    {
        f["widget"] = json!("markdown");
    } else if matches!(name, "file" | "curriculum_vitae" | "condizioni_di_servizio") {
        f["widget"] = json!("file");
    } else {
        f["widget"] = json!("string");
        if let Some(p) = prop["pattern"].as_str() {
            f["pattern"] = json!([
                p,
                prop["description"].as_str().unwrap_or("valore non valido")
            ]);
        }
    }
    if let Some(h) = f["hint"]
        .as_str()
        .and_then(|h| hint_for(f["widget"].as_str(), h))
    {
        f["hint"] = json!(h);
    } else if f["hint"].is_string() {
        f.as_object_mut().map(|o| o.remove("hint"));
    }
    f
}

/// The options of a select: vocabulary entries as they are, lower-case keywords (`avviso`)
/// shown with a capital letter.
fn opzioni(values: &[Value]) -> Value {
    let lower = values
        .iter()
        .filter_map(Value::as_str)
        .all(|v| v.chars().next().is_some_and(char::is_lowercase));
    if !lower {
        return json!(values);
    }
    let options = values.iter().filter_map(Value::as_str).map(|v| {
        let mut c = v.chars();
        // `testo_lungo` reads "Testo lungo".
        let label = c.next().map(|f| {
            f.to_uppercase()
                .chain(c)
                .collect::<String>()
                .replace('_', " ")
        });
        json!({ "label": label, "value": v })
    });
    Value::Array(options.collect())
}

/// The help of a field as the editor's widget needs it: the schemas describe what to type
/// (dates as AAAA-MM-GG, references as paths), which a date picker or a list to choose from
/// makes needless. `None` when nothing is left to say.
fn hint_for(widget: Option<&str>, hint: &str) -> Option<String> {
    let out = match widget {
        Some("datetime") => {
            let mut h = hint.to_string();
            while let (Some(a), Some(b)) = (h.find("(AAAA"), h.find(')')) {
                if b < a {
                    break;
                }
                h.replace_range(a..=b, "");
            }
            let h = h.replace("AAAA-MM-GG", "");
            let h = h.split(": 20").next().unwrap_or("").to_string();
            h.replace("  ", " ")
        }
        Some("relation") if hint.contains('/') => match hint.split_once(':') {
            Some((what, _)) if !what.starts_with("Percorso") => {
                format!("{what}: scegli dall'elenco")
            }
            _ => "Scegli dall'elenco".to_string(),
        },
        _ => hint.to_string(),
    };
    let out = out
        .trim()
        .trim_end_matches([',', ':', ';'])
        .trim()
        .to_string();
    (!out.is_empty()).then_some(out)
}

/// Follows a `$ref` into `$defs`, and unwraps `anyOf [X, null]` (optional fields).
fn resolve<'a>(prop: &'a Value, defs: &'a Map<String, Value>) -> Value {
    let mut p = prop.clone();
    if let Some(any) = prop["anyOf"].as_array() {
        if let Some(x) = any.iter().find(|x| x["type"] != "null") {
            let mut merged = resolve(x, defs);
            for k in ["title", "description"] {
                if let Some(v) = prop.get(k) {
                    merged[k] = v.clone();
                }
            }
            return merged;
        }
    }
    if let Some(r) = prop["$ref"].as_str() {
        if let Some(d) = r.strip_prefix("#/$defs/").and_then(|n| defs.get(n)) {
            let mut merged = d.clone();
            for k in ["title", "description"] {
                if let Some(v) = prop.get(k) {
                    merged[k] = v.clone();
                }
            }
            p = merged;
        }
    }
    p
}

/// The fields of an object schema, in the schema's order.
fn campi(kind: &str, schema: &Value, defs: &Map<String, Value>) -> Vec<Value> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    schema["properties"]
        .as_object()
        .map(|props| {
            props
                .iter()
                .map(|(n, p)| campo(kind, n, p, required.contains(&n.as_str()), defs))
                .collect()
        })
        .unwrap_or_default()
}

fn backend(r: &Redazione) -> Value {
    let mut b = json!({ "name": r.backend, "branch": r.ramo });
    if let Some(repo) = &r.repository {
        b["repo"] = json!(repo);
    }
    if let Some(api) = &r.api {
        b["api_root"] = json!(api);
    }
    match (r.backend.as_str(), &r.autenticazione) {
        ("github", Some(a)) => b["base_url"] = json!(a),
        ("gitlab" | "gitea", Some(a)) => {
            b["app_id"] = json!(a);
            if r.backend == "gitlab" {
                b["auth_type"] = json!("pkce");
            }
        }
        _ => {}
    }
    b
}

/// `/admin/config.yml` of a comune.
pub fn config(rete: &Rete, redazione: &Redazione, comune: &ComuneDir) -> Value {
    let base = format!("{}/{}", rete.cartella_comuni, comune.slug);
    let mut collections = Vec::new();
    for k in Kind::ALL {
        if k == Kind::Trasparenza {
            continue;
        }
        let schema = crate::schema::kind_schema(k);
        let defs = schema["$defs"].as_object().cloned().unwrap_or_default();
        let mut fields = campi(k.folder(), &schema, &defs);
        fields.push(
            json!({"name": "body", "label": "Testo", "widget": "markdown", "required": false}),
        );
        let mut c = json!({
            "name": k.folder(),
            "label": plurale(k),
            "label_singular": k.label(),
            "folder": format!("{base}/{}", k.folder()),
            "create": true,
            "extension": "md",
            "format": "frontmatter",
            "slug": "{{slug}}",
            "summary": "{{titolo}}",
            "identifier_field": if k == Kind::Albo { "oggetto" } else { "titolo" },
            "fields": fields,
        });
        // Dated kinds list the newest first, with the date.
        let data = match k {
            Kind::Notizia => Some("data"),
            Kind::Evento => Some("inizio"),
            Kind::Albo => Some("pubblicazione.dal"),
            _ => None,
        };
        if let Some(d) = data {
            let titolo = if k == Kind::Albo { "oggetto" } else { "titolo" };
            c["summary"] = json!(format!(
                "{{{{{d} | date('DD/MM/YYYY')}}}} · {{{{{titolo}}}}}"
            ));
            c["sortable_fields"] = json!([{ "field": d, "default_sort": "desc" }, titolo]);
        }
        collections.push(c);
    }
    // Amministrazione trasparente: one collection per section, in the official order.
    let schema = crate::schema::kind_schema(Kind::Trasparenza);
    let defs = schema["$defs"].as_object().cloned().unwrap_or_default();
    let mut fields = campi("amministrazione-trasparente", &schema, &defs);
    fields.push(json!({"name": "body", "label": "Testo", "widget": "markdown", "required": false}));
    // Only the sections that hold documents (a first-level section with sub-sections holds
    // none); a sub-section is named under its section, so the list reads as the tree.
    let albero = crate::trasparenza::albero::get();
    let tutte = comune.config.trasparenza_tutte_le_sezioni;
    for s in albero.visibili(tutte) {
        if albero.figli(&s.slug, tutte).next().is_some() {
            continue;
        }
        let label = match s.parent.as_deref().and_then(|p| albero.sezione(p)) {
            Some(p) => format!("Trasparenza: {} › {}", p.title, s.title),
            None => format!("Trasparenza: {}", s.title),
        };
        collections.push(json!({
            "name": format!("at-{}", s.slug.replace('/', "--")),
            "label": label,
            "label_singular": "Contenuto",
            "folder": format!("{base}/amministrazione-trasparente/{}", s.slug),
            "create": true,
            "extension": "md",
            "format": "frontmatter",
            "slug": "{{slug}}",
            "identifier_field": "titolo",
            "fields": fields,
        }));
    }
    let mut c = json!({
        "backend": backend(redazione),
        "locale": "it",
        "site_url": format!("{}/", comune.base_url),
        "display_url": format!("{}/", comune.base_url),
        "logo_url": format!(
            "{}/{}",
            comune.base_path,
            comune.config.stemma.value.trim().trim_start_matches('/')
        ),
        // Opened from the preview (localhost), the editor saves into the working copy through
        // the local backend that `civico serve` runs (or `npx decap-server`) on this port.
        "local_backend": { "url": format!("http://localhost:{}/api/v1", redazione.porta_locale) },
        "media_folder": format!("{base}/media"),
        "public_folder": "/media",
        "collections": collections,
    });
    if redazione.revisione {
        c["publish_mode"] = json!("editorial_workflow");
    }
    c
}

fn plurale(k: Kind) -> &'static str {
    match k {
        Kind::Notizia => "Notizie",
        Kind::Evento => "Eventi",
        Kind::Servizio => "Servizi",
        Kind::Luogo => "Luoghi",
        Kind::Ufficio => "Unità organizzative",
        Kind::Persona => "Persone",
        Kind::Documento => "Documenti",
        Kind::Pagina => "Pagine",
        Kind::Trasparenza => "Amministrazione trasparente",
        Kind::Albo => "Albo pretorio",
    }
}

/// `config.yml` as YAML text.
pub fn config_yml(rete: &Rete, redazione: &Redazione, comune: &ComuneDir) -> String {
    let v = config(rete, redazione, comune);
    let yaml = serde_saphyr::to_string(&v).unwrap_or_default();
    format!(
        "# Decap CMS (and Sveltia CMS) configuration of the Comune di {}, written by civico build\n# from the content schemas: change civico.yaml or the schemas, not this file.\n{yaml}",
        comune.config.nome
    )
}
