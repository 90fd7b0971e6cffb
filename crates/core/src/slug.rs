//! URL slugs from Italian titles: ASCII, lower case, words joined by hyphens.
//!
//! "Perché l'Ufficio è chiuso il 1° maggio" becomes `perche-l-ufficio-e-chiuso-il-1-maggio`:
//! accents are folded (deunicode), ordinal signs dropped, apostrophes separate words.

/// Turns any text into a URL-safe slug. Never empty: falls back to `pagina`.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_dash = false;
    let mut push = |c: char| {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    };
    for ch in text.chars() {
        // Ordinal indicators and the degree sign mark "1° maggio", "2ª": not words of their own.
        if matches!(ch, '°' | 'º' | 'ª') {
            continue;
        }
        if ch.is_ascii() {
            push(ch);
        } else {
            deunicode::deunicode_char(ch)
                .unwrap_or(" ")
                .chars()
                .for_each(&mut push);
        }
    }
    if out.is_empty() {
        "pagina".to_string()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn italian_title_gives_clean_ascii_slug() {
        assert_eq!(
            slugify("Perché l'Ufficio è chiuso il 1° maggio"),
            "perche-l-ufficio-e-chiuso-il-1-maggio"
        );
    }

    #[test]
    fn punctuation_and_spaces_collapse() {
        assert_eq!(slugify("  Città — Novità!!  "), "citta-novita");
        assert_eq!(slugify("IMU/TASI: scadenze 2026"), "imu-tasi-scadenze-2026");
        assert_eq!(slugify("Sant’Agata de’ Goti"), "sant-agata-de-goti");
    }

    #[test]
    fn empty_or_symbol_only_titles_still_give_a_slug() {
        assert_eq!(slugify(""), "pagina");
        assert_eq!(slugify("°°°"), "pagina");
    }

    #[test]
    fn slug_is_always_url_safe() {
        for t in ["Ünïcödé ß æ", "日本語", "a\u{0}b", "x<script>y"] {
            let s = slugify(t);
            assert!(
                s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{s}"
            );
            assert!(!s.starts_with('-') && !s.ends_with('-'));
        }
    }
}
