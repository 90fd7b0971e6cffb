//! `civico schema`: the JSON Schemas accept every file of content-example and reject each
//! broken front matter, which the build rejects too (ajv 2020-12 in Node, from tests/browser).

use crate::common;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{available, bin, browser_dir, build, copy_dir, has_command, repo};
use serde_json::{json, Value};

fn ajv_ready() -> bool {
    available(
        has_command("node", "--version") && browser_dir().join("node_modules/ajv").is_dir(),
        "node with tests/browser/node_modules (ajv, ajv-formats)",
    )
}

fn front_matter(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let text = civico_site::content::frontmatter::normalise(&text).into_owned();
    let split = civico_site::content::frontmatter::split(&text).unwrap();
    if split.yaml.trim().is_empty() {
        return json!({});
    }
    // Only comments: an empty mapping, as the build reads it.
    match serde_saphyr::from_str(split.yaml) {
        Ok(Value::Null) => json!({}),
        Ok(v) => v,
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

fn yaml_file(path: &Path) -> Value {
    serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every content file of content-example with the schema of its folder.
fn example_cases() -> Vec<Value> {
    let root = repo().join("content-example");
    let mut cases = vec![
        json!({
            "schema": "civico.schema.json", "name": "civico.yaml",
            "data": yaml_file(&root.join("civico.yaml")), "valid": true
        }),
        json!({
            "schema": "costi.schema.json", "name": "costi.yaml",
            "data": yaml_file(&root.join("costi.yaml")), "valid": true
        }),
    ];
    for comune in common::COMUNI {
        let dir = root.join("comuni").join(comune);
        cases.push(json!({
            "schema": "comune.schema.json", "name": format!("{comune}/comune.yaml"),
            "data": yaml_file(&dir.join("comune.yaml")), "valid": true
        }));
        cases.push(json!({
            "schema": "sportello.schema.json", "name": format!("{comune}/sportello.yaml"),
            "data": yaml_file(&dir.join("sportello.yaml")), "valid": true
        }));
        for e in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let e = e.unwrap();
            if e.path().extension().is_none_or(|x| x != "md") {
                continue;
            }
            let folder = e
                .path()
                .strip_prefix(&dir)
                .unwrap()
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy()
                .to_string();
            cases.push(json!({
                "schema": format!("{folder}.schema.json"),
                "name": e.path().strip_prefix(&root).unwrap().display().to_string(),
                "data": front_matter(e.path()),
                "valid": true
            }));
        }
    }
    cases
}

/// Broken front matters: (file of castelmarino, what to do to its front matter, a word the
/// build's message must contain).
type Breakage = (&'static str, fn(&mut Value), &'static str);

fn breakages() -> Vec<Breakage> {
    vec![
        (
            "notizie/al-via-i-lavori-di-rifacimento-di-via-roma.md",
            |v| v["campo_inventato"] = json!("x"),
            "campo_inventato",
        ),
        (
            "notizie/al-via-i-lavori-di-rifacimento-di-via-roma.md",
            |v| {
                v.as_object_mut().unwrap().remove("titolo");
            },
            "titolo",
        ),
        (
            "notizie/al-via-i-lavori-di-rifacimento-di-via-roma.md",
            |v| v["data"] = json!("20/11/2026"),
            "data",
        ),
        (
            "notizie/al-via-i-lavori-di-rifacimento-di-via-roma.md",
            |v| v["argomenti"] = json!(["Argomento inventato"]),
            "Argomento inventato",
        ),
        (
            "notizie/al-via-i-lavori-di-rifacimento-di-via-roma.md",
            |v| v["tipo"] = json!("circolare"),
            "circolare",
        ),
        (
            "albo/2026-0007.md",
            |v| v["numero"] = json!("sette"),
            "numero",
        ),
        (
            "uffici/anagrafe.md",
            |v| v["tipo"] = json!("Ufficio inventato"),
            "Ufficio inventato",
        ),
    ]
}

fn validate(schemas: &Path, cases: &[Value]) -> (bool, String) {
    let file = schemas.join("cases.json");
    std::fs::write(&file, serde_json::to_vec(cases).unwrap()).unwrap();
    let o = Command::new("node")
        .arg(browser_dir().join("validate-many.mjs"))
        .arg(schemas)
        .arg(&file)
        .current_dir(browser_dir())
        .output()
        .unwrap();
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

fn schemas() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("schemas");
    let o = Command::new(bin())
        .args(["schema", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The VS Code settings map the schemas of the YAML files, each to a file that exists,
    // and no Markdown (the YAML extension does not read front matter).
    let settings: Value = serde_json::from_slice(&o.stdout).unwrap();
    let map = settings["yaml.schemas"].as_object().unwrap();
    let mapped: Vec<&str> = map
        .values()
        .flat_map(|v| v.as_array().unwrap())
        .map(|g| g.as_str().unwrap())
        .collect();
    assert_eq!(
        mapped,
        [
            "comuni/*/comune.yaml",
            "civico.yaml",
            "comuni/*/sportello.yaml"
        ]
    );
    for schema in map.keys() {
        let name = std::path::Path::new(schema).file_name().unwrap();
        assert!(out.join(name).is_file(), "{schema}");
    }
    (dir, out)
}

#[test]
#[cfg_attr(
    not(civico_ajv),
    ignore = "needs node and `npm ci --prefix tests/browser` (README, Quick start)"
)]
fn the_schemas_accept_every_file_of_content_example() {
    if !ajv_ready() {
        return;
    }
    let (_dir, out) = schemas();
    let cases = example_cases();
    assert!(cases.len() > 100, "{}", cases.len());
    let (ok, report) = validate(&out, &cases);
    assert!(ok, "{report}");
}

#[test]
#[cfg_attr(
    not(civico_ajv),
    ignore = "needs node and `npm ci --prefix tests/browser` (README, Quick start)"
)]
fn broken_front_matter_is_refused_by_the_schema_and_by_the_build() {
    let (_dir, out) = schemas();
    let node = ajv_ready();
    let example = repo().join("content-example/comuni/castelmarino");
    let mut cases = Vec::new();
    for (i, (file, breaks, word)) in breakages().into_iter().enumerate() {
        let mut fm = front_matter(&example.join(file));
        breaks(&mut fm);
        cases.push(json!({
            "schema": format!("{}.schema.json", file.split('/').next().unwrap()),
            "name": format!("{i}: {file} ({word})"),
            "data": fm.clone(),
            "valid": false
        }));
        // The same front matter, written back into a copy of the network, fails the build.
        let net = tempfile::tempdir().unwrap();
        copy_dir(&repo().join("content-example"), net.path());
        let path = net.path().join("comuni/castelmarino").join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let body = civico_site::content::frontmatter::split(&text)
            .unwrap()
            .body
            .to_string();
        let yaml = serde_json::to_string(&fm).unwrap(); // JSON is YAML
        std::fs::write(&path, format!("---\n{yaml}\n---\n{body}")).unwrap();
        let site = tempfile::tempdir().unwrap();
        let (ok, log) = build(net.path(), site.path(), &[]);
        assert!(!ok, "the build accepts case {i} ({word})");
        assert!(log.contains(file) && log.contains(word), "case {i}: {log}");
    }
    if node {
        let (ok, report) = validate(&out, &cases);
        assert!(ok, "the schema accepts a broken front matter:\n{report}");
    }
}
