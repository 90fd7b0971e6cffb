//! JSON Schemas (draft 2020-12) of the front matter of every content kind and of comune.yaml
//! and civico.yaml, generated from the Rust types the build parses them with (schemars), then
//! given the Italian labels and help of `data/etichette.yaml` and the controlled vocabularies
//! of `data/vocabolari.yaml` as enums. Editors (VS Code's YAML extension, the Decap CMS admin)
//! check what is written against them with the same rules the build applies.

use std::collections::BTreeMap;

use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::content::kinds::{self, Kind};

const ETICHETTE: &str = include_str!("../../../data/etichette.yaml");

/// Italian label and help of a field.
#[derive(Debug, Clone, Deserialize)]
pub struct Etichetta {
    pub etichetta: String,
    #[serde(default)]
    pub aiuto: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Etichette {
    /// By field name, for every kind.
    campi: BTreeMap<String, Etichetta>,
    /// `kind.field` where a kind needs its own wording.
    #[serde(default)]
    specifiche: BTreeMap<String, Etichetta>,
}

fn etichette() -> &'static Etichette {
    static E: std::sync::OnceLock<Etichette> = std::sync::OnceLock::new();
    E.get_or_init(|| {
        serde_saphyr::from_str(ETICHETTE).expect("data/etichette.yaml is valid (unit-tested)")
    })
}

/// The Italian label and help of `field` in `kind` (`comune`, `civico` for the config files).
pub fn etichetta(kind: &str, field: &str) -> Option<&'static Etichetta> {
    let e = etichette();
    e.specifiche
        .get(&format!("{kind}.{field}"))
        .or_else(|| e.campi.get(field))
}

/// The schema files: (file name, schema).
pub fn all() -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = Kind::ALL
        .iter()
        .map(|k| (format!("{}.schema.json", k.folder()), kind_schema(*k)))
        .collect();
    out.push((
        "comune.schema.json".into(),
        finish::<civico_core::config::Comune>("comune", "Configurazione del comune (comune.yaml)"),
    ));
    out.push((
        "civico.schema.json".into(),
        finish::<civico_core::config::Rete>("civico", "Configurazione della rete (civico.yaml)"),
    ));
    out.push((
        "sportello.schema.json".into(),
        finish::<civico_core::sportello::Sportello>(
            "sportello",
            "Prenotazione degli appuntamenti del comune (sportello.yaml)",
        ),
    ));
    out.push((
        "costi.schema.json".into(),
        finish::<civico_core::bilancio::Bilancio>(
            "costi",
            "Bilancio del centro servizi per la ripartizione dei costi (civico costi --budget)",
        ),
    ));
    out
}

/// The schema of the front matter of one kind of content.
pub fn kind_schema(k: Kind) -> Value {
    let title = format!("{} (intestazione dei file in {}/)", k.label(), k.folder());
    match k {
        Kind::Notizia => finish::<kinds::Notizia>(k.folder(), &title),
        Kind::Evento => finish::<kinds::Evento>(k.folder(), &title),
        Kind::Servizio => finish::<kinds::Servizio>(k.folder(), &title),
        Kind::Luogo => finish::<kinds::Luogo>(k.folder(), &title),
        Kind::Ufficio => finish::<kinds::Ufficio>(k.folder(), &title),
        Kind::Persona => finish::<kinds::Persona>(k.folder(), &title),
        Kind::Documento => finish::<kinds::Documento>(k.folder(), &title),
        Kind::Pagina => finish::<kinds::Pagina>(k.folder(), &title),
        Kind::Trasparenza => finish::<kinds::Trasparenza>(k.folder(), &title),
        Kind::Albo => finish::<kinds::AttoAlbo>(k.folder(), &title),
    }
}

fn finish<T: JsonSchema>(kind: &str, title: &str) -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let schema = generator.into_root_schema_for::<T>();
    let mut v = schema.to_value();
    if let Some(o) = v.as_object_mut() {
        o.insert("title".into(), json!(title));
        o.insert(
            "$id".into(),
            json!(format!("https://civico.invalid/schema/{kind}.schema.json")),
        );
    }
    let mut defs = v.get("$defs").cloned().unwrap_or(Value::Null);
    annotate(&mut v, kind, None);
    if let Some(d) = defs.as_object_mut() {
        for (nome, s) in d.iter_mut() {
            annotate(s, kind, Some(nome));
        }
        v["$defs"] = Value::Object(d.clone());
    }
    v
}

/// Gives every property its Italian label and help, and vocabulary fields their values. In a
/// definition (`def`, a nested type such as `CategoriaSegnalazione`), a label written for
/// `kind.def.field` comes before the one for `kind.field`: the same word may mean another
/// thing there.
fn annotate(schema: &mut Value, kind: &str, def: Option<&str>) {
    let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (name, p) in props.iter_mut() {
        let propria = def.and_then(|d| etichette().specifiche.get(&format!("{kind}.{d}.{name}")));
        if let Some(e) = propria.or_else(|| etichetta(kind, name)) {
            if let Some(o) = p.as_object_mut() {
                o.insert("title".into(), json!(e.etichetta));
                if let Some(a) = &e.aiuto {
                    o.insert("description".into(), json!(a));
                }
            }
        }
        if let Some(values) = vocabulary(kind, name) {
            restrict(p, values);
        }
        annotate(p, kind, def);
    }
}

/// The values a field takes from a controlled vocabulary.
pub fn vocabulary(kind: &str, field: &str) -> Option<Vec<String>> {
    let v = civico_core::vocabolari::get();
    Some(match (kind, field) {
        (_, "argomenti" | "argomenti_in_evidenza") => v.argomenti.clone(),
        ("eventi", "tipo_evento") => v.tipi_evento.clone(),
        ("servizi", "categorie") => v
            .categorie_servizio
            .iter()
            .map(|c| c.nome.clone())
            .collect(),
        ("luoghi", "tipo_luogo") => v.tipi_luogo.clone(),
        ("documenti", "tipo_documento") => v
            .tipi_documento
            .iter()
            .map(|t| t.singolare.clone())
            .collect(),
        ("documenti", "licenza") => v.licenze.clone(),
        ("uffici", "tipo") => v.tipi_unita().map(str::to_string).collect(),
        _ => return None,
    })
}

/// Puts `values` as the enum of a string (or of the items of a list of strings).
fn restrict(p: &mut Value, values: Vec<String>) {
    let target = if p.get("type") == Some(&json!("array")) || p.get("items").is_some() {
        p.get_mut("items")
    } else {
        Some(p)
    };
    if let Some(Value::Object(o)) = target {
        o.insert("enum".into(), json!(values));
    }
}

/// `.vscode/settings.json` for the YAML extension (redhat.vscode-yaml), mapping the schemas of
/// the YAML files to them; schemas are looked for in `dir` (relative to the site root). The
/// extension does not read front matter inside `.md` files, so the content kinds' schemas are
/// not mapped: those files are checked by the build, the preview's overlay and the web editor.
pub fn vscode_settings(dir: &str, cartella_comuni: &str) -> Value {
    let mut map = Map::new();
    map.insert(
        format!("{dir}/comune.schema.json"),
        json!([format!("{cartella_comuni}/*/comune.yaml")]),
    );
    map.insert(format!("{dir}/civico.schema.json"), json!(["civico.yaml"]));
    map.insert(
        format!("{dir}/sportello.schema.json"),
        json!([format!("{cartella_comuni}/*/sportello.yaml")]),
    );
    json!({ "yaml.schemas": map })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_property_has_an_italian_label() {
        for (name, schema) in all() {
            let kind = name.trim_end_matches(".schema.json").to_string();
            let mut missing = Vec::new();
            let mut check = |props: &Map<String, Value>| {
                for (field, p) in props {
                    if p.get("title").is_none() {
                        missing.push(format!("{kind}.{field}"));
                    }
                }
            };
            if let Some(p) = schema["properties"].as_object() {
                check(p);
            }
            if let Some(defs) = schema["$defs"].as_object() {
                for d in defs.values() {
                    if let Some(p) = d["properties"].as_object() {
                        check(p);
                    }
                }
            }
            assert!(
                missing.is_empty(),
                "labels missing in data/etichette.yaml: {missing:?}"
            );
            assert_eq!(
                schema["$schema"],
                json!("https://json-schema.org/draft/2020-12/schema")
            );
        }
    }

    #[test]
    fn vocabulary_fields_are_enums() {
        let s = kind_schema(Kind::Evento);
        let argomenti = &s["properties"]["argomenti"]["items"]["enum"];
        assert!(
            argomenti.as_array().is_some_and(|a| a.len() > 20),
            "{argomenti}"
        );
        assert!(s["properties"]["tipo_evento"]["enum"].is_array());
        assert_eq!(s["additionalProperties"], json!(false));
    }
}
