//! The formats of a check report: text for people (grouped by comune, coloured on a terminal,
//! with scores), JSON (schema in `schemas/civico-check.schema.json`), JUnit XML for CI test
//! reports, SARIF 2.1.0 for code review, and GitHub Actions annotations.
//!
//! JUnit and SARIF are small fixed structures written with serde_json or by hand with XML
//! escaping; neither needs a dedicated crate.

use civico_core::plurale;
use std::fmt::Write as _;

use serde_json::json;

use super::{Finding, Report, Severity, CRITERI};

fn location(f: &Finding) -> String {
    match (&f.file, &f.page) {
        (Some(file), _) if f.line > 0 => format!("{file}:{}:{}", f.line, f.col.max(1)),
        (Some(file), _) => file.clone(),
        (None, Some(page)) => page.clone(),
        _ => String::new(),
    }
}

/// Text for a terminal or a log.
pub fn human(r: &Report, colour: bool) -> String {
    let paint = |code: &str, s: &str| {
        if colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let sev = |s: Severity| match s {
        Severity::Error => paint("1;31", "errore"),
        Severity::Warning => paint("1;33", "avviso"),
        Severity::Info => paint("36", "info"),
    };
    let mut out = String::new();
    for f in &r.generali {
        let _ = writeln!(
            out,
            "{}[{}] {}: {}",
            sev(f.severity),
            f.rule,
            location(f),
            f.message
        );
    }
    for c in &r.comuni {
        let scores: Vec<String> = c
            .scores
            .iter()
            .map(|s| format!("{} {}/{}", s.area, s.ok, s.total))
            .collect();
        let _ = writeln!(
            out,
            "\n{} ({})  {}",
            paint("1", &format!("Comune di {}", c.nome)),
            c.slug,
            scores.join(" · ")
        );
        if c.findings.is_empty() {
            let _ = writeln!(out, "  {}", paint("32", "nessun problema trovato"));
        }
        for f in &c.findings {
            let loc = location(f);
            let _ = writeln!(
                out,
                "  {}[{}] {}{}{}",
                sev(f.severity),
                f.rule,
                loc,
                if loc.is_empty() { "" } else { ": " },
                f.message
            );
        }
    }
    let _ = writeln!(
        out,
        "\n{}, {}, {} in {}",
        plurale::errori(r.count(Severity::Error)),
        plurale::avvisi(r.count(Severity::Warning)),
        plurale::conta(r.count(Severity::Info), "informazione", "informazioni"),
        plurale::comuni(r.comuni.len())
    );
    out
}

pub fn json(r: &Report) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default()
}

fn xml(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// JUnit XML: a test suite per comune, a test case per finding (errors fail, warnings are
/// `skipped` with their message, so CI dashboards show them without failing).
pub fn junit(r: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"civico check\" tests=\"{}\" failures=\"{}\">",
        r.all().count().max(1),
        r.count(Severity::Error)
    );
    let mut suites: Vec<(String, Vec<&Finding>)> =
        vec![("generale".into(), r.generali.iter().collect())];
    suites.extend(
        r.comuni
            .iter()
            .map(|c| (c.slug.clone(), c.findings.iter().collect())),
    );
    for (name, findings) in suites {
        let failures = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">",
            xml(&name),
            findings.len().max(1),
            failures,
            findings.len() - failures
        );
        if findings.is_empty() {
            let _ = writeln!(
                out,
                "    <testcase classname=\"{}\" name=\"conformità\"/>",
                xml(&name)
            );
        }
        for f in findings {
            let _ = write!(
                out,
                "    <testcase classname=\"{}.{}\" name=\"{}\"",
                xml(&name),
                xml(&f.rule),
                xml(&location(f))
            );
            if let Some(file) = &f.file {
                let _ = write!(out, " file=\"{}\"", xml(file));
            }
            if f.line > 0 {
                let _ = write!(out, " line=\"{}\"", f.line);
            }
            out.push_str(">\n");
            match f.severity {
                Severity::Error => {
                    let _ = writeln!(
                        out,
                        "      <failure type=\"{}\" message=\"{}\"/>",
                        xml(&f.rule),
                        xml(&f.message)
                    );
                }
                _ => {
                    let _ = writeln!(
                        out,
                        "      <skipped message=\"{}: {}\"/>",
                        f.severity.label(),
                        xml(&f.message)
                    );
                }
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// SARIF 2.1.0: one run, rules from the findings, results pointing at the source file and line
/// (or, for HTML findings, at the page path).
pub fn sarif(r: &Report) -> String {
    let mut ids: Vec<&str> = r.all().map(|f| f.rule.as_str()).collect();
    ids.sort();
    ids.dedup();
    let rules: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| {
            let name = CRITERI
                .iter()
                .find(|(c, _)| c == id)
                .map_or(*id, |(_, n)| *n);
            json!({"id": id, "shortDescription": {"text": name}})
        })
        .collect();
    let results: Vec<serde_json::Value> = r
        .all()
        .map(|f| {
            let level = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "note",
            };
            let uri = f.file.clone().or_else(|| f.page.clone()).unwrap_or_else(|| ".".into());
            let mut phys = json!({"artifactLocation": {"uri": uri.trim_start_matches('/')}});
            if f.line > 0 {
                phys["region"] = json!({"startLine": f.line, "startColumn": f.col.max(1)});
            }
            json!({
                "ruleId": f.rule,
                "ruleIndex": ids.iter().position(|i| *i == f.rule).unwrap_or(0),
                "level": level,
                "message": {"text": if f.comune.is_empty() { f.message.clone() } else { format!("[{}] {}", f.comune, f.message) }},
                "locations": [{"physicalLocation": phys}],
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "civico check",
                "version": r.versione,
                "informationUri": "https://github.com/",
                "rules": rules,
            }},
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// `::error file=...,line=...::message` lines for GitHub Actions.
pub fn github(r: &Report) -> String {
    let esc = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let prop = |s: &str| esc(s).replace(':', "%3A").replace(',', "%2C");
    let mut out = String::new();
    for f in r.all() {
        let kind = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(file) = &f.file {
            props.push(format!("file={}", prop(file)));
            if f.line > 0 {
                props.push(format!("line={}", f.line));
            }
        }
        props.push(format!("title={}", prop(&f.rule)));
        let where_ = f
            .page
            .as_deref()
            .map(|p| format!(" ({p})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "::{kind} {}::{}{}",
            props.join(","),
            esc(&f.message),
            esc(&where_)
        );
    }
    out
}

/// Combines the JSON reports of sharded runs (`civico check --merge`): comuni side by side
/// (sorted by slug; a comune present twice is an error), general findings concatenated.
/// Returns the merged report and its (errors, warnings).
pub fn merge(reports: &[serde_json::Value]) -> Result<(serde_json::Value, usize, usize), String> {
    let mut comuni: Vec<serde_json::Value> = Vec::new();
    let mut generali: Vec<serde_json::Value> = Vec::new();
    let mut data = serde_json::Value::Null;
    let mut versione = serde_json::Value::Null;
    for (n, r) in reports.iter().enumerate() {
        let (Some(c), Some(g)) = (r["comuni"].as_array(), r["generali"].as_array()) else {
            return Err(format!(
                "il rapporto {} non è un rapporto JSON di civico check",
                n + 1
            ));
        };
        for x in c {
            if comuni.iter().any(|y| y["slug"] == x["slug"]) {
                return Err(format!("il comune {} è in due rapporti", x["slug"]));
            }
            comuni.push(x.clone());
        }
        generali.extend(g.iter().cloned());
        if data.is_null() {
            data = r["data"].clone();
            versione = r["versione"].clone();
        }
    }
    comuni.sort_by(|a, b| a["slug"].as_str().cmp(&b["slug"].as_str()));
    let count = |sev: &str| {
        comuni
            .iter()
            .flat_map(|c| c["findings"].as_array().into_iter().flatten())
            .chain(generali.iter())
            .filter(|f| f["severity"] == sev)
            .count()
    };
    let (e, w) = (count("error"), count("warning"));
    Ok((
        json!({"versione": versione, "data": data, "comuni": comuni, "generali": generali}),
        e,
        w,
    ))
}
