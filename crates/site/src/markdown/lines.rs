//! syntect's classed HTML for a block of code, with each line's parse remembered. Parsing a line
//! (syntect's regex search) is nearly all the cost of highlighting, and a site repeats lines
//! (`}`, `  - nome: ...`, the same commands in many pages): a line parsed before from the same
//! state gives the same operations and the same next state, so the parse is looked up instead.
//! The HTML is then made from those operations exactly as `ClassedHTMLGenerator` makes it.

use std::cell::RefCell;
use std::collections::HashMap;

use syntect::html::{line_tokens_to_classed_spans, ClassStyle};
use syntect::parsing::{ParseState, ScopeStack, ScopeStackOp, SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

/// Lines remembered by each thread; when full the memo starts again.
const MAX_LINES: usize = 8192;

/// What parsing a line from a state gave.
struct Parsed {
    before: ParseState,
    ops: Vec<(usize, ScopeStackOp)>,
    after: ParseState,
}

/// The parses a thread remembers.
#[derive(Default)]
struct Memo {
    /// Parses kept (entries of every text).
    lines: usize,
    /// Parses by line text; a text parsed from several states has several entries.
    by_text: HashMap<Box<str>, Vec<Parsed>>,
}

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::default();
}

/// The classed spans of `code` in `syntax`, as `ClassedHTMLGenerator` writes them line by line
/// and finalizes them; None when syntect fails on a line.
pub fn classed_html(
    code: &str,
    syntax: &SyntaxReference,
    ss: &SyntaxSet,
    style: ClassStyle,
) -> Option<String> {
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut open: isize = 0;
    let mut html = String::with_capacity(code.len() * 4);
    for line in LinesWithEndings::from(code) {
        let ops = parse(&mut state, line, ss)?;
        let (formatted, delta) =
            line_tokens_to_classed_spans(line, &ops, style, &mut stack).ok()?;
        open += delta;
        html.push_str(&formatted);
    }
    for _ in 0..open {
        html.push_str("</span>");
    }
    Some(html)
}

/// The operations of `line` parsed from `state`, which moves to the state after it.
fn parse(state: &mut ParseState, line: &str, ss: &SyntaxSet) -> Option<Vec<(usize, ScopeStackOp)>> {
    // States compare by value, except the captures some constructs keep (YAML's block scalars,
    // heredocs): onig's regions compare by address, so a state holding them never matches a copy
    // and its line is parsed again; a match is never wrong, at worst missed.
    let known = MEMO.with(|m| {
        let m = m.borrow();
        let p = m.by_text.get(line)?.iter().find(|p| p.before == *state)?;
        Some((p.ops.clone(), p.after.clone()))
    });
    if let Some((ops, after)) = known {
        *state = after;
        return Some(ops);
    }
    let before = state.clone();
    let ops = state.parse_line(line, ss).ok()?;
    MEMO.with(|m| {
        let m = &mut *m.borrow_mut();
        if m.lines >= MAX_LINES {
            m.by_text.clear();
            m.lines = 0;
        }
        m.lines += 1;
        m.by_text.entry(line.into()).or_default().push(Parsed {
            before,
            ops: ops.clone(),
            after: state.clone(),
        });
    });
    Some(ops)
}

#[cfg(test)]
mod tests {
    use super::*;
    use syntect::html::ClassedHTMLGenerator;

    const STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

    fn syntect_html(code: &str, syntax: &SyntaxReference, ss: &SyntaxSet) -> String {
        let mut g = ClassedHTMLGenerator::new_with_class_style(syntax, ss, STYLE);
        for line in LinesWithEndings::from(code) {
            g.parse_html_for_line_which_includes_newline(line).unwrap();
        }
        g.finalize()
    }

    #[test]
    fn remembered_lines_give_what_syntect_gives() {
        let ss = SyntaxSet::load_defaults_newlines();
        // The same line in different states: inside a string, a comment, code; blocks that
        // end inside an open construct; the same blocks again (all from the memo).
        let blocks = [
            ("python", "x = 1\ns = \"\"\"\nx = 1\n\"\"\"\nx = 1\n"),
            ("python", "def f():\n    return 1  # x = 1\n"),
            ("yaml", "a: 1\nb: |\n  a: 1\nc: [1, 2]\n"),
            ("sql", "SELECT 1;\n/* SELECT 1;\n*/ SELECT 1;\n"),
            ("xml", "<a>\n<!-- <a>\n"),
            ("bash", "echo \"$HOME\"\necho '$HOME\n"),
            ("json", "{\"a\": [1, 2]}\n{\"a\": [1, 2]}"),
        ];
        let mut parsed = Vec::new();
        for round in 0..2 {
            for (lang, code) in blocks {
                let syntax = ss.find_syntax_by_token(lang).unwrap();
                assert_eq!(
                    classed_html(code, syntax, &ss, STYLE).unwrap(),
                    syntect_html(code, syntax, &ss),
                    "{lang}, round {round}"
                );
            }
            parsed.push(MEMO.with(|m| m.borrow().lines));
        }
        // The second round parses again only the line after YAML's block scalar, whose state
        // holds captures (never equal to a copy, see `parse`).
        assert_eq!(parsed[1] - parsed[0], 1, "{parsed:?}");
    }
}
