//! YAML to typed Rust values, with errors as `Diagnostic`s that point at the real line.
//!
//! Every YAML document civico reads (civico.yaml, comune.yaml, front matter) goes through
//! `parse`. It uses serde-saphyr (pure Rust, budgets against alias bombs and deep nesting, a
//! location on every error) and turns its structured errors into messages for editors: an
//! unknown key gets "did you mean", a missing key names the field, duplicates say where.
//! `line_offset` shifts lines so front-matter errors point into the Markdown file.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_saphyr::Error as YamlError;

use crate::diagnostics::{closest, Diagnostic};

/// 1-based line of the top-level `key:` in a YAML text (a front matter, comune.yaml), for
/// diagnostics about a value that parsed but is wrong.
pub fn line_of(text: &str, key: &str) -> Option<usize> {
    let prefix = format!("{key}:");
    text.lines()
        .position(|l| l.starts_with(&prefix))
        .map(|i| i + 1)
}

/// Removes a byte-order mark and turns CRLF (and lone CR) line ends into LF.
pub fn normalise(text: &str) -> std::borrow::Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // memchr's search is SIMD; `str::contains` with a char was 1.2% of a build.
    if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// [`normalise`] of a text already owned: the same `String` when nothing changes (no copy of a
/// file that needs none), the text without its byte-order mark, or the normalised copy.
pub fn normalise_owned(text: String) -> String {
    match normalise(&text) {
        std::borrow::Cow::Owned(t) => t,
        std::borrow::Cow::Borrowed(b) if b.len() == text.len() => text,
        std::borrow::Cow::Borrowed(b) => b.to_string(),
    }
}

/// Parses `text` as `T`. `line_offset` is the number of lines before `text` in its file.
pub fn parse<T: DeserializeOwned>(
    text: &str,
    file: &Path,
    line_offset: usize,
    whole_source: &str,
) -> Result<T, Diagnostic> {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    serde_saphyr::from_str_with_options::<T>(text, options)
        .map_err(|e| to_diagnostic(&e, text, file, line_offset).with_source(whole_source))
}

/// A YAML syntax error: at the usual slip that caused it when there is one (an unclosed quote,
/// a tab, a missing space, a colon in a text), else where the parser stopped.
fn syntax_error(text: &str, file: &Path, line_offset: usize, at: (usize, usize)) -> Diagnostic {
    match crate::yaml_sintassi::trova(text) {
        Some(s) => Diagnostic::error(SYNTAX, file, s.message)
            .hint(s.hint)
            .at(s.line + line_offset, s.col),
        None => Diagnostic::error(SYNTAX, file, "qui il testo non è YAML valido")
            .hint(SYNTAX_HINT)
            .at(at.0, at.1),
    }
}

/// The code of a YAML syntax error.
pub const SYNTAX: &str = "E-YAML-SINTASSI";

/// What to look at in a YAML text the parser could not read.
const SYNTAX_HINT: &str = "controlla rientri, due punti dopo ogni campo e virgolette: i testi con `:` o `#` vanno tra virgolette";

fn to_diagnostic(err: &YamlError, text: &str, file: &Path, line_offset: usize) -> Diagnostic {
    let err = err.without_snippet();
    let (line, col) = err
        .location()
        .map(|l| (l.line() as usize, l.column() as usize))
        .unwrap_or((0, 0));
    let line = if line > 0 {
        line + line_offset
    } else {
        line_offset.max(1)
    };
    let d = match err {
        YamlError::ExternalMessage { .. } | YamlError::Eof { .. } => {
            return syntax_error(text, file, line_offset, (line, col));
        }
        YamlError::SerdeUnknownField {
            field, expected, ..
        } => {
            let mut d = Diagnostic::error(
                "E-FIELD-UNKNOWN",
                file,
                format!("campo sconosciuto `{field}`"),
            );
            let near = closest(field, expected.iter().copied(), 1);
            d = if let Some(best) = near.first() {
                d.hint(format!("forse intendevi `{best}`?"))
            } else {
                d.hint(format!("i campi ammessi sono: {}", expected.join(", ")))
            };
            d
        }
        YamlError::SerdeMissingField { field, .. } => Diagnostic::error(
            "E-FIELD-MISSING",
            file,
            format!("manca il campo obbligatorio `{field}`"),
        )
        .hint(format!(
            "aggiungi una riga `{field}: ...` nell'intestazione"
        )),
        YamlError::SerdeUnknownVariant {
            variant, expected, ..
        } => {
            let near = closest(variant, expected.iter().copied(), 3);
            let d = Diagnostic::error(
                "E-VALUE-INVALID",
                file,
                format!("valore non ammesso `{variant}`"),
            );
            if near.is_empty() {
                d.hint(format!("valori ammessi: {}", expected.join(", ")))
            } else {
                d.hint(format!("forse intendevi: {}", near.join(", ")))
            }
        }
        YamlError::DuplicateMappingKey { key, .. } => Diagnostic::error(
            "E-FIELD-DUPLICATE",
            file,
            match key {
                Some(k) => format!("il campo `{k}` compare due volte"),
                None => "una chiave compare due volte".to_string(),
            },
        )
        .hint("tieni una sola riga per ogni campo"),
        other => {
            let raw = strip_location(&other.to_string());
            if let Some(d) = coded_diagnostic(&raw, file) {
                return d.at(line, col);
            }
            let (code, hint) = classify(&raw);
            let d = Diagnostic::error(code, file, italian(&raw));
            match hint {
                Some(h) => d.hint(h),
                None => d,
            }
        }
    };
    d.at(line, col)
}

/// Separates code, message and hint in the error of a field type that has its own code
/// (`Href`): serde passes errors on as one string.
const FIELD_SEPARATOR: char = '\u{241f}';

/// A field type's error as one serde message; `to_diagnostic` splits it again.
pub fn coded_message(code: &str, message: &str, hint: &str) -> String {
    format!("{code}{FIELD_SEPARATOR}{message}{FIELD_SEPARATOR}{hint}")
}

fn coded_diagnostic(raw: &str, file: &Path) -> Option<Diagnostic> {
    // serde-saphyr may put its own words before the message: the code starts at `E-`.
    let start = raw.find("E-")?;
    let mut parts = raw[start..].split(FIELD_SEPARATOR);
    let (code, message, hint) = (parts.next()?, parts.next()?, parts.next()?);
    // The code is static in every field type; find the one the message names.
    let code: &'static str = match code {
        crate::href::CODE => crate::href::CODE,
        _ => return None,
    };
    Some(Diagnostic::error(code, file, message).hint(hint.to_string()))
}

/// serde-saphyr appends " at line X column Y" to some messages; we print the position ourselves.
fn strip_location(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or(msg);
    let cut = first.find(" at line ").unwrap_or(first.len());
    first[..cut].trim().trim_end_matches(':').to_string()
}

fn classify(msg: &str) -> (&'static str, Option<&'static str>) {
    let lower = msg.to_lowercase();
    let type_error = [
        "invalid",
        "expected",
        "data non valida",
        "data e ora non valide",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if lower.contains("budget")
        || lower.contains("depth")
        || lower.contains("alias")
        || lower.contains("recursion")
    {
        (
            "E-YAML-LIMIT",
            Some("l'intestazione è troppo grande o annidata: semplificala"),
        )
    } else if type_error {
        (
            "E-FIELD-TYPE",
            Some("controlla il tipo del valore: testo, numero, data (AAAA-MM-GG), elenco ([a, b] o righe `- voce`) o sì/no (true/false)"),
        )
    } else {
        ("E-YAML", Some(SYNTAX_HINT))
    }
}

/// Says serde's type errors in Italian; other messages pass through.
fn italian(msg: &str) -> String {
    let lower = msg.to_lowercase();
    let what = if lower.contains("sequence") {
        Some("un elenco, per esempio [\"a\", \"b\"]")
    } else if lower.contains("u32")
        || lower.contains("u64")
        || lower.contains("i64")
        || lower.contains("usize")
        || lower.contains("integer")
    {
        Some("un numero intero")
    } else if lower.contains("f64") || lower.contains("float") {
        Some("un numero")
    } else if lower.contains("bool") {
        Some("true oppure false")
    } else if lower.contains("map") || lower.contains("struct") {
        Some("un gruppo di campi (chiave: valore) rientrati sotto questo")
    } else if lower.contains("string") {
        Some("un testo")
    } else {
        None
    };
    match what {
        Some(w) if lower.starts_with("invalid") || lower.contains("expected") => {
            format!("valore del tipo sbagliato: qui serve {w} ({msg})")
        }
        _ => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn owned_text_is_normalised_like_borrowed_text_and_kept_when_unchanged() {
        for text in [
            "---\na: 1\n",
            "\u{feff}---\na: 1\n",
            "---\r\na: 1\r\n",
            "\u{feff}a\rb",
        ] {
            assert_eq!(
                normalise_owned(text.to_string()),
                normalise(text),
                "{text:?}"
            );
        }
        let plain = String::from("---\na: 1\n");
        let at = plain.as_ptr();
        let kept = normalise_owned(plain);
        assert_eq!(kept.as_ptr(), at, "no copy when nothing changes");
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // only the errors are under test
    struct T {
        titolo: String,
        #[serde(default)]
        numero: Option<u32>,
    }

    fn err(src: &str, off: usize) -> Diagnostic {
        parse::<T>(src, Path::new("x.md"), off, src).unwrap_err()
    }

    #[test]
    fn unknown_field_suggests_the_right_one() {
        let d = err("titolo: a\ntitlo: b\n", 1);
        assert_eq!(d.code, "E-FIELD-UNKNOWN");
        assert_eq!(d.line, 3);
        assert_eq!(d.col, 1);
        assert!(d.hint.unwrap().contains("`titolo`"));
    }

    #[test]
    fn missing_field_is_named() {
        let d = err("numero: 3\n", 1);
        assert_eq!(d.code, "E-FIELD-MISSING");
        assert!(d.message.contains("`titolo`"), "{}", d.message);
        assert!(d.line >= 2);
    }

    #[test]
    fn wrong_type_points_at_value() {
        let d = err("titolo: a\nnumero: tre\n", 0);
        assert_eq!(d.code, "E-FIELD-TYPE", "{d:?}");
        assert_eq!(d.line, 2);
        assert_eq!(d.col, 9);
    }

    #[test]
    fn syntax_error_has_position() {
        let d = err("titolo: [a\n", 0);
        assert!(d.line >= 1);
        assert!(d.code.starts_with("E-"));
    }

    #[test]
    fn an_unclosed_quote_is_a_syntax_error_at_its_line() {
        // Front matter starting on line 2 of the file (after `---`).
        let src = "numero: 3\ntitolo: \"Chiusura uffici\nnumero: 4\n";
        let d = err(src, 1);
        assert_eq!(d.code, SYNTAX, "{d:?}");
        assert_eq!((d.line, d.col), (3, 9), "{d:?}");
        assert!(d.message.contains("virgolette"), "{}", d.message);
        let d = err("titolo: Avviso: chiusura\n", 0);
        assert_eq!(d.code, SYNTAX, "{d:?}");
        assert!(d.hint.unwrap().contains("\"Avviso: chiusura\""));
    }

    #[test]
    fn duplicate_key_is_an_error() {
        let d = err("titolo: a\ntitolo: b\n", 0);
        assert_eq!(d.code, "E-FIELD-DUPLICATE");
        assert_eq!(d.line, 2);
    }

    #[test]
    fn deep_nesting_is_refused_quickly() {
        let src = format!("titolo: {}{}\n", "[".repeat(5000), "]".repeat(5000));
        let d = err(&src, 0);
        assert!(d.is_error());
    }
}
