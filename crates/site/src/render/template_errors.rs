//! Errors of a theme's templates, for people: the template's file, line and column as written
//! (the templates are loaded with their indentation taken out, see `rientri`, so Tera's columns
//! are moved back), the line shown, and one error for a template line that fails on many pages.

use civico_core::diagnostics::{catena, Diagnostic};
use tera::{ErrorKind, ReportError};

use super::rientri;

/// An error at the place Tera reports: the template's file, line and column as written, with
/// the line shown.
fn at_place(
    r: &ReportError,
    tema: &str,
    written: &[(String, String)],
    message: String,
) -> Diagnostic {
    let name = r.filename();
    let source = written
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, t)| t.as_str());
    let line = r.span().start_line;
    let nth = |t: &str| t.lines().nth(line.saturating_sub(1)).map_or(0, str::len);
    // Only spaces and tabs at the start of a line were taken out (and only from .html files).
    let loaded = if name.ends_with(".html") {
        rientri::togli(source)
    } else {
        source.to_string()
    };
    let removed = nth(source).saturating_sub(nth(&loaded));
    Diagnostic::error(
        "E-TEMPLATE",
        format!("themes/{tema}/templates/{name}"),
        message,
    )
    .at(line, r.span().start_col + 1 + removed)
    .with_source(source)
}

/// A template that does not parse.
pub fn invalid(e: &tera::Error, tema: &str, written: &[(String, String)]) -> Diagnostic {
    let ErrorKind::SyntaxError(r) = e.kind() else {
        return Diagnostic::error(
            "E-TEMPLATE",
            format!("themes/{tema}/templates"),
            format!("template non valido: {e}"),
        );
    };
    at_place(r, tema, written, format!("template non valido: {}", r.message()))
        .hint("correggi la sintassi del template (Tera): un tag {% %} o {{ }} aperto, un nome sbagliato, un argomento senza nome")
}

/// A template that failed while rendering `template`; `what` begins the message (which page or
/// part was being rendered).
pub fn failed(
    e: &tera::Error,
    tema: &str,
    template: &str,
    what: &str,
    written: &[(String, String)],
) -> Diagnostic {
    let ErrorKind::RenderingError(r) = e.kind() else {
        return Diagnostic::error(
            "E-TEMPLATE",
            format!("themes/{tema}/templates/{template}"),
            format!("{what}: {}", catena(e)),
        );
    };
    at_place(r, tema, written, format!("{what}: {}", r.message()))
        .hint("il template è scritto bene, ma qui non riesce a produrre la pagina (il motivo, in inglese, viene da Tera): controlla che la variabile esista in questa pagina e che il filtro riceva un valore del tipo giusto")
}

/// The template errors of a build with those at the same place merged into the first, which
/// says on how many other pages it happened (a broken line of a template fails on every page
/// that uses it); other errors are kept as they are.
pub fn merge_repeated(errors: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::with_capacity(errors.len());
    let mut repeats: Vec<usize> = Vec::new();
    let mut first: std::collections::HashMap<(std::path::PathBuf, usize, usize), usize> =
        Default::default();
    for d in errors {
        if d.code != "E-TEMPLATE" || d.line == 0 {
            out.push(d);
            repeats.push(0);
            continue;
        }
        let key = (d.file.clone(), d.line, d.col);
        if let Some(&i) = first.get(&key) {
            repeats[i] += 1;
            continue;
        }
        first.insert(key, out.len());
        out.push(d);
        repeats.push(0);
    }
    for (d, n) in out.iter_mut().zip(repeats) {
        match n {
            0 => {}
            1 => d.message.push_str(" (e in un'altra pagina)"),
            n => d.message.push_str(&format!(" (e in altre {n} pagine)")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_place_is_one_error_that_counts_the_other_pages() {
        let at = |url: &str, line: usize| {
            Diagnostic::error(
                "E-TEMPLATE",
                "themes/t/templates/a.html",
                format!("per {url}"),
            )
            .at(line, 3)
        };
        let other = Diagnostic::error("E-LINK-BROKEN", "comuni/x/a.md", "link").at(2, 1);
        let merged = merge_repeated(vec![
            at("/a/", 6),
            other.clone(),
            at("/b/", 6),
            at("/c/", 9),
            at("/d/", 6),
            at("/e/", 9),
        ]);
        let messages: Vec<&str> = merged.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "per /a/ (e in altre 2 pagine)",
                "link",
                "per /c/ (e in un'altra pagina)"
            ]
        );
    }
}
