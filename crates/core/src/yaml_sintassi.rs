//! The usual slips in hand-written YAML, found where they begin: a parser notices an unclosed
//! quote lines later, at the next key, in words no editor knows ("invalid trailing content
//! after double-quoted scalar"). When the parser reports a syntax error, these lines are read
//! again for the slip that caused it, and the error names its line and says how to fix it.

/// A slip: where it starts (1-based, within the YAML text), what it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Svista {
    pub line: usize,
    pub col: usize,
    pub message: String,
    pub hint: String,
}

/// The first slip in `text`, if it has one of the usual ones.
pub fn trova(text: &str) -> Option<Svista> {
    // Lines of a block scalar (`testo: |`) are text, not YAML: skipped while more indented.
    let mut block: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        if let Some(b) = block {
            if line.trim().is_empty() || indent > b {
                continue;
            }
            block = None;
        }
        if let Some(s) = in_riga(line, i + 1, indent) {
            return Some(s);
        }
        let value = line.split_once(':').map(|(_, v)| v.trim());
        if value.is_some_and(|v| matches!(v, "|" | ">" | "|-" | ">-" | "|+" | ">+")) {
            block = Some(indent);
        }
    }
    None
}

fn in_riga(line: &str, n: usize, indent: usize) -> Option<Svista> {
    let lead = &line[..indent];
    if let Some(t) = lead.find('\t') {
        return Some(Svista {
            line: n,
            col: t + 1,
            message: "la riga è rientrata con un tabulatore".into(),
            hint:
                "in YAML i rientri si fanno con gli spazi: sostituisci il tabulatore con due spazi"
                    .into(),
        });
    }
    let body = line[indent..].trim_start_matches("- ");
    let start = line.len() - body.len();
    if body.starts_with('#') {
        return None;
    }
    let (key, rest) = body.split_once(':')?;
    let is_key = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if !is_key {
        return None;
    }
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        // `url:https://...` is a key without its space; `https://...` alone is a value.
        if rest.starts_with("//") {
            return None;
        }
        return Some(Svista {
            line: n,
            col: start + key.len() + 2,
            message: format!("manca lo spazio dopo i due punti di `{key}`"),
            hint: format!("scrivi `{key}: valore`, con uno spazio dopo i due punti"),
        });
    }
    let value = rest.trim_start();
    let col = line.len() - value.len() + 1;
    match value.chars().next() {
        Some(q @ ('"' | '\'')) => quoted(key, value, q, n, col),
        Some('[' | '{' | '|' | '>' | '&' | '*' | '!') | None => None,
        Some(_) => {
            let text = value.split(" #").next().unwrap_or(value);
            text.contains(": ").then(|| Svista {
                line: n,
                col,
                message: format!("il valore di `{key}` contiene `: ` e non è tra virgolette"),
                hint: format!("metti il testo tra virgolette: {key}: \"{}\"", text.trim()),
            })
        }
    }
}

/// A value that opens with a quote: it must close on the same line, with nothing after it.
fn quoted(key: &str, value: &str, q: char, n: usize, col: usize) -> Option<Svista> {
    let mut chars = value.char_indices().skip(1).peekable();
    let mut end = None;
    while let Some((i, c)) = chars.next() {
        match (q, c) {
            ('"', '\\') => {
                chars.next();
            }
            ('\'', '\'') if chars.peek().is_some_and(|(_, c)| *c == '\'') => {
                chars.next();
            }
            (_, c) if c == q => {
                end = Some(i);
                break;
            }
            _ => {}
        }
    }
    let Some(end) = end else {
        return Some(Svista {
            line: n,
            col,
            message: format!("le virgolette aperte nel valore di `{key}` non sono chiuse"),
            hint: format!("chiudi le virgolette alla fine del testo: {key}: {q}...{q}"),
        });
    };
    let after = value[end + q.len_utf8()..].trim();
    if after.is_empty() || after.starts_with('#') {
        return None;
    }
    Some(Svista {
        line: n,
        col,
        message: format!("dopo le virgolette chiuse il valore di `{key}` continua: `{after}`"),
        hint: format!(
            "metti tutto il testo dentro le virgolette; per le virgolette nel testo usa {}",
            if q == '"' {
                "\\\" o le virgolette ' '"
            } else {
                "'' (due apici)"
            }
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> (usize, usize, String) {
        let s = trova(text).expect("a slip");
        (s.line, s.col, s.message)
    }

    #[test]
    fn an_unclosed_quote_is_found_where_it_opens() {
        let (l, c, m) = at("tipo: avviso\ntitolo: \"Chiusura uffici\ndata: 2026-03-01\n");
        assert_eq!((l, c), (2, 9));
        assert!(
            m.contains("non sono chiuse") && m.contains("`titolo`"),
            "{m}"
        );
        let (l, _, _) = at("titolo: 'Festa\ndata: 2026-03-01\n");
        assert_eq!(l, 1);
    }

    #[test]
    fn text_after_the_closing_quote() {
        let (l, _, m) = at("titolo: \"Avviso\" del sindaco\n");
        assert_eq!(l, 1);
        assert!(m.contains("del sindaco"), "{m}");
    }

    #[test]
    fn tabs_missing_spaces_and_colons() {
        assert_eq!(at("contatti:\n\ttelefono: 1\n").0, 2);
        let (l, c, m) = at("titolo:\"Prova\"\n");
        assert_eq!((l, c), (1, 8));
        assert!(m.contains("manca lo spazio"), "{m}");
        let (l, _, m) = at("tipo: avviso\ntitolo: Avviso: chiusura uffici\n");
        assert_eq!(l, 2);
        assert!(m.contains("`: `"), "{m}");
    }

    #[test]
    fn good_yaml_has_no_slip() {
        for ok in [
            "titolo: \"Un \\\"bel\\\" giorno\"\ndescrizione: 'l''ufficio'\n",
            "url: https://www.comune.example.it/\n",
            "allegati:\n  - https://x.example/a.pdf\n",
            "testo: |\n  Orari: lunedì\n\tcon tab nel testo: sì\nfine: 1\n",
            "titolo: Festa # commento: con due punti\n",
            "argomenti: [\"Anagrafe\", \"Tributi\"]\n",
        ] {
            assert_eq!(trova(ok), None, "{ok}");
        }
    }
}
