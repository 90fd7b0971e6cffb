//! One `Diagnostic` type for every problem civico reports, from a bad YAML key to a broken link.
//!
//! A diagnostic names the file, the 1-based line and column, a stable code, a message that says
//! what is wrong and a hint that says how to fix it. Stages push diagnostics into a `Diagnostics`
//! collector instead of returning at the first error, so the build reports everything at once.
//! This module also prints them: for people (with the offending source line) and, under GitHub
//! Actions, as `::error file=...` workflow annotations.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// How bad a diagnostic is: errors fail the build, warnings only with `--deny-warnings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// A problem found in the user's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable machine-readable code, e.g. `E-YAML`, `E-FIELD-UNKNOWN`, `W-ALT-MISSING`.
    pub code: &'static str,
    /// The file as the user should see it (relative to the site root when possible).
    pub file: PathBuf,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column; 0 when unknown.
    pub col: usize,
    pub message: String,
    /// How to fix it, when we know.
    pub hint: Option<String>,
    /// The source line the diagnostic points at, for the human output.
    pub source_line: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            file: file.into(),
            line: 0,
            col: 0,
            message: message.into(),
            hint: None,
            source_line: None,
        }
    }

    pub fn warning(
        code: &'static str,
        file: impl Into<PathBuf>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, file, message)
        }
    }

    /// Points the diagnostic at a position (1-based line and column).
    pub fn at(mut self, line: usize, col: usize) -> Self {
        self.line = line;
        self.col = col;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Attaches the text of the line the diagnostic points at, taken from the file's source.
    pub fn with_source(mut self, source: &str) -> Self {
        if self.line > 0 {
            self.source_line = source.lines().nth(self.line - 1).map(|l| l.to_string());
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col: errore[CODE]: message` (or `avviso[CODE]`), the first line of the human
    /// output.
    pub fn headline(&self) -> String {
        let sev = match self.severity {
            Severity::Error => "errore",
            Severity::Warning => "avviso",
        };
        let mut s = self.file.display().to_string();
        if self.line > 0 {
            let _ = write!(s, ":{}", self.line);
            if self.col > 0 {
                let _ = write!(s, ":{}", self.col);
            }
        }
        let _ = write!(s, ": {sev}[{}]: {}", self.code, self.message);
        s
    }

    /// The full human rendering: headline, source snippet with a caret, hint.
    pub fn render(&self) -> String {
        let mut out = self.headline();
        if let Some(src) = &self.source_line {
            let gutter = self.line.to_string();
            let pad = " ".repeat(gutter.len());
            let _ = write!(out, "\n {pad} |\n {gutter} | {src}");
            if self.col > 0 {
                // The caret sits under the character the column counts (columns count chars).
                let lead: String = src
                    .chars()
                    .take(self.col - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let _ = write!(out, "\n {pad} | {lead}^");
            }
        }
        if let Some(h) = &self.hint {
            let _ = write!(out, "\n  = aiuto: {h}");
        }
        out
    }

    /// A GitHub Actions workflow command, so the problem shows on the pull request's diff.
    pub fn github_annotation(&self) -> String {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = format!("file={}", escape_property(&self.file.display().to_string()));
        if self.line > 0 {
            let _ = write!(props, ",line={}", self.line);
            if self.col > 0 {
                let _ = write!(props, ",col={}", self.col);
            }
        }
        let _ = write!(props, ",title={}", escape_property(self.code));
        let mut msg = self.message.clone();
        if let Some(h) = &self.hint {
            msg.push_str(" (");
            msg.push_str(h);
            msg.push(')');
        }
        format!("::{kind} {props}::{}", escape_data(&msg))
    }
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Thread-safe collector: parallel stages push into it, the command prints and counts at the end.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Mutex<Vec<Diagnostic>>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&self, d: Diagnostic) {
        self.items.lock().unwrap_or_else(|e| e.into_inner()).push(d);
    }

    pub fn extend(&self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(ds);
    }

    pub fn has_errors(&self) -> bool {
        self.items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(Diagnostic::is_error)
    }

    pub fn has_warnings(&self) -> bool {
        self.items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|d| !d.is_error())
    }

    /// A copy of what was collected so far.
    pub fn snapshot(&self) -> Vec<Diagnostic> {
        self.items.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// All diagnostics, sorted by file and position so the output is stable across runs.
    pub fn into_sorted(self) -> Vec<Diagnostic> {
        let mut v = self.items.into_inner().unwrap_or_else(|e| e.into_inner());
        v.sort_by(|a, b| {
            (&a.file, a.line, a.col, a.severity, a.code)
                .cmp(&(&b.file, b.line, b.col, b.severity, b.code))
        });
        v.dedup();
        v
    }
}

/// Maps byte offsets of a text to 1-based line and column (columns count characters).
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// 1-based (line, column) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0);
        (line + 1, col + 1)
    }
}

/// An error with the errors that caused it, each after a colon (for messages and logs).
pub fn catena(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// The path to show the user: relative to `root` when it is inside it.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    match path.strip_prefix(root) {
        Ok(rel) if !rel.as_os_str().is_empty() => {
            let root_name = root.file_name().map(PathBuf::from).unwrap_or_default();
            root_name.join(rel)
        }
        _ => path.to_path_buf(),
    }
}

/// The closest candidates to `word` among `options`, best first, for "did you mean" hints.
pub fn closest<'a>(
    word: &str,
    options: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Vec<&'a str> {
    let w = word.to_lowercase();
    let mut scored: Vec<(f64, &str)> = options
        .into_iter()
        .map(|o| {
            let lo = o.to_lowercase();
            let mut score = strsim::jaro_winkler(&w, &lo);
            if !w.is_empty() && (lo.contains(&w) || w.contains(&lo)) {
                score += 0.2;
            }
            (score, o)
        })
        .filter(|(s, _)| *s > 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
    scored.into_iter().take(max).map(|(_, o)| o).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_counts_lines_and_char_columns() {
        let text = "ab\nàèc\n\nx";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(0), (1, 1));
        assert_eq!(idx.position(3), (2, 1));
        // 'c' comes after two two-byte characters: byte 7, column 3.
        assert_eq!(idx.position(7), (2, 3));
        assert_eq!(idx.position(10), (4, 1));
    }

    #[test]
    fn headline_has_file_line_col_code() {
        let d = Diagnostic::error("E-X", "a/b.md", "messaggio").at(3, 7);
        assert_eq!(d.headline(), "a/b.md:3:7: errore[E-X]: messaggio");
    }

    #[test]
    fn render_puts_caret_under_column() {
        let d = Diagnostic::error("E-X", "f.md", "m")
            .at(1, 4)
            .with_source("titlo: x\n");
        let r = d.render();
        assert!(r.contains("1 | titlo: x"), "{r}");
        assert!(r.contains("  |    ^"), "{r}");
    }

    #[test]
    fn github_annotation_escapes() {
        let d = Diagnostic::error("E-X", "a,b.md", "riga 1\nriga 2").at(2, 1);
        assert_eq!(
            d.github_annotation(),
            "::error file=a%2Cb.md,line=2,col=1,title=E-X::riga 1%0Ariga 2"
        );
    }

    #[test]
    fn closest_suggests_typos() {
        let opts = ["titolo", "descrizione_breve", "argomenti"];
        assert_eq!(closest("titlo", opts, 1), vec!["titolo"]);
        assert!(closest("zzzzzz", opts, 3).is_empty());
    }
}
