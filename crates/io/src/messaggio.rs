//! The IO message for a publication: subject (10-120 characters), Markdown (80-10,000
//! characters; IO renders headings, bold, italics and lists) and, for deadlines, a due date in
//! UTC meaning 23:59:59 Europe/Rome of that day.

use chrono::{NaiveDate, NaiveTime, TimeZone};
use serde::Serialize;

use civico_core::date::data_lunga;
use civico_core::outbox::Pubblicazione;

pub const OGGETTO_MIN: usize = 10;
pub const OGGETTO_MAX: usize = 120;
pub const TESTO_MIN: usize = 80;
pub const TESTO_MAX: usize = 10_000;

/// `content` of IO's `NewMessage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contenuto {
    pub subject: String,
    pub markdown: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
}

/// Cuts `s` to at most `max` characters, ending with an ellipsis when cut.
fn taglia(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out = out.trim_end().to_string();
    out.push('…');
    out
}

/// Escapes what IO's Markdown would read as formatting.
fn testo(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '*' | '_' | '#' | '[' | ']' | '`' | '<' | '>') {
            out.push('\\');
        }
        out.push(if c == '\n' { ' ' } else { c });
    }
    out
}

/// 23:59:59 of `day` in Europe/Rome, in UTC, as IO wants it (`2026-12-01T22:59:59.000Z`).
pub fn scadenza_utc(day: NaiveDate) -> String {
    let end = day.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default());
    let local = chrono_tz::Europe::Rome
        .from_local_datetime(&end)
        .earliest()
        .unwrap_or_else(|| {
            chrono::Utc
                .from_utc_datetime(&end)
                .with_timezone(&chrono_tz::Europe::Rome)
        });
    local
        .with_timezone(&chrono::Utc)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// The message telling a citizen about `p`, published by `ente` ("Comune di ...").
pub fn componi(p: &Pubblicazione, ente: &str) -> Contenuto {
    let mut subject = taglia(&format!("{}: {}", p.tipo, p.titolo), OGGETTO_MAX);
    if subject.chars().count() < OGGETTO_MIN {
        subject = taglia(&format!("{ente} - {subject}"), OGGETTO_MAX);
    }
    let quando = match p.canale {
        civico_core::outbox::Canale::Eventi => format!("- Quando: {}", data_lunga(p.data)),
        _ => format!("- Pubblicato il {}", data_lunga(p.data)),
    };
    let mut righe = vec![
        format!(
            "Il **{}** ha pubblicato: {}.",
            testo(ente),
            testo(&p.tipo.to_lowercase())
        ),
        String::new(),
        format!("## {}", testo(&p.titolo)),
        String::new(),
    ];
    if !p.descrizione.trim().is_empty() {
        righe.push(testo(p.descrizione.trim()));
        righe.push(String::new());
    }
    righe.push(quando);
    if let Some(s) = p.scadenza {
        righe.push(format!("- **Scadenza: {}**", data_lunga(s)));
    }
    righe.push(String::new());
    righe.push(format!(
        "Il testo completo e gli eventuali allegati sono sul sito del Comune: {}",
        p.url
    ));
    let mut markdown = righe.join("\n");
    if markdown.chars().count() < TESTO_MIN {
        markdown.push_str(
            "\n\nRicevi questo messaggio perché hai attivato il servizio del Comune nell'app IO.",
        );
    }
    Contenuto {
        subject,
        markdown: taglia(&markdown, TESTO_MAX),
        due_date: p.scadenza.map(scadenza_utc),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use civico_core::outbox::Canale;

    fn p(tipo: &str, titolo: &str, scadenza: Option<&str>) -> Pubblicazione {
        Pubblicazione {
            id: "albo:albo/x".into(),
            canale: Canale::Albo,
            tipo: tipo.into(),
            titolo: titolo.into(),
            descrizione: String::new(),
            data: "2026-11-20".parse().unwrap(),
            url: "https://www.comune.example.it/albo-pretorio/2026-7/".into(),
            scadenza: scadenza.map(|s| s.parse().unwrap()),
        }
    }

    #[test]
    fn subject_and_text_stay_within_io_limits() {
        let short = componi(&p("A", "B", None), "Comune di Valfiorita");
        assert!(
            short.subject.chars().count() >= OGGETTO_MIN,
            "{}",
            short.subject
        );
        assert!(short.markdown.chars().count() >= TESTO_MIN);
        let long = componi(
            &p("Delibera", &"parola ".repeat(100), None),
            "Comune di Valfiorita",
        );
        assert!(long.subject.chars().count() <= OGGETTO_MAX);
        assert!(long.subject.ends_with('…'));
        let mut huge = p("Avviso", "Titolo", None);
        huge.descrizione = "x".repeat(20_000);
        let m = componi(&huge, "Comune di Valfiorita");
        assert_eq!(m.markdown.chars().count(), TESTO_MAX);
    }

    #[test]
    fn due_date_is_end_of_day_in_rome_in_utc() {
        // Winter: UTC+1.
        assert_eq!(
            scadenza_utc("2026-12-01".parse().unwrap()),
            "2026-12-01T22:59:59.000Z"
        );
        // Summer: UTC+2.
        assert_eq!(
            scadenza_utc("2026-07-15".parse().unwrap()),
            "2026-07-15T21:59:59.000Z"
        );
        let m = componi(
            &p("Delibera", "Approvazione bilancio", Some("2026-12-05")),
            "Comune di X",
        );
        assert_eq!(m.due_date.as_deref(), Some("2026-12-05T22:59:59.000Z"));
        assert!(
            m.markdown.contains("Scadenza: sabato 5 dicembre 2026"),
            "{}",
            m.markdown
        );
    }

    #[test]
    fn markdown_of_the_content_is_escaped() {
        let m = componi(
            &p("Avviso", "Chiusura *straordinaria* #1", None),
            "Comune di X",
        );
        assert!(m.markdown.contains("Chiusura \\*straordinaria\\* \\#1"));
    }
}
