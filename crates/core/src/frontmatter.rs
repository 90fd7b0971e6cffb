//! Splits a Markdown file into its YAML front matter and its body, keeping line numbers.
//!
//! A content file starts with a line `---`, then YAML, then a closing `---` (or `...`) line,
//! then Markdown. A UTF-8 byte-order mark is skipped; CRLF line ends are accepted (callers pass
//! text already normalised to LF, see `normalise`). The split reports on which line the YAML and
//! the body start, so every later error can point at the real line of the `.md` file.

/// The two halves of a content file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split<'a> {
    pub yaml: &'a str,
    /// Number of lines before the YAML text in the file (so YAML line 1 is file line `yaml_offset + 1`).
    pub yaml_offset: usize,
    pub body: &'a str,
    /// Number of lines before the body in the file.
    pub body_offset: usize,
}

/// Why a file could not be split, with the 1-based line to point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// The file does not start with `---`.
    Missing,
    /// `---` opens the front matter but no closing line follows.
    Unclosed { opened_at: usize },
}

pub use crate::yaml::{normalise, normalise_owned};

fn is_fence(line: &str, closing: bool) -> bool {
    let l = line.trim_end();
    l == "---" || (closing && l == "...")
}

/// Splits normalised text (see `normalise`).
pub fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().ok_or(SplitError::Missing)?;
    if !is_fence(first, false) {
        return Err(SplitError::Missing);
    }
    let yaml_start = first.len();
    let mut pos = yaml_start;
    for (line_no, line) in (2..).zip(lines) {
        if is_fence(line, true) {
            let yaml = &text[yaml_start..pos];
            let body = &text[pos + line.len()..];
            return Ok(Split {
                yaml,
                yaml_offset: 1,
                body,
                body_offset: line_no,
            });
        }
        pos += line.len();
    }
    Err(SplitError::Unclosed { opened_at: 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_yaml_and_body_with_offsets() {
        let s = split("---\ntitolo: A\n---\n# Corpo\n").unwrap();
        assert_eq!(s.yaml, "titolo: A\n");
        assert_eq!(s.yaml_offset, 1);
        assert_eq!(s.body, "# Corpo\n");
        assert_eq!(s.body_offset, 3);
    }

    #[test]
    fn empty_front_matter_and_empty_body() {
        let s = split("---\n---\n").unwrap();
        assert_eq!(s.yaml, "");
        assert_eq!(s.body, "");
        assert_eq!(s.body_offset, 2);
    }

    #[test]
    fn closing_with_dots_and_trailing_spaces() {
        let s = split("---  \na: 1\n...\ntesto").unwrap();
        assert_eq!(s.yaml, "a: 1\n");
        assert_eq!(s.body, "testo");
    }

    #[test]
    fn bom_and_crlf_are_tolerated() {
        let n = normalise("\u{feff}---\r\ntitolo: A\r\n---\r\nriga 1\r\nriga 2\r\n");
        let s = split(&n).unwrap();
        assert_eq!(s.yaml, "titolo: A\n");
        assert_eq!(s.body, "riga 1\nriga 2\n");
    }

    #[test]
    fn missing_and_unclosed_are_reported() {
        assert_eq!(split(""), Err(SplitError::Missing));
        assert_eq!(split("# Titolo\n---\n"), Err(SplitError::Missing));
        assert_eq!(split("---"), Err(SplitError::Unclosed { opened_at: 1 }));
        assert_eq!(
            split("---\ntitolo: A\n"),
            Err(SplitError::Unclosed { opened_at: 1 })
        );
    }

    #[test]
    fn a_dash_line_inside_yaml_text_must_be_exact() {
        // "----" is not a fence; the real fence comes later.
        let s = split("---\na: |\n  ----\n---\nb").unwrap();
        assert_eq!(s.yaml, "a: |\n  ----\n");
        assert_eq!(s.body, "b");
    }
}
