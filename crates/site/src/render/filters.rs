//! Italian date filters for templates: `data_lunga` ("lunedì 3 marzo 2026"), `data_breve`
//! ("3 mar 2026"), `giorno` ("3"), `mese_breve` ("mar"), `anno`, `ora` ("21:00"),
//! and `slug` (the URL slug of a text, as civico makes them).
//!
//! They take the ISO strings the model serialises (`2026-03-03`, `2026-03-03T21:00`), so
//! templates never deal with time zones: dates are already the comune's local dates.

use chrono::{Datelike, NaiveDate, NaiveTime};

pub use civico_core::date::{data_breve, data_lunga};
use civico_core::date::{MESI, MESI_BREVI};
use tera::{Kwargs, State, Tera};

/// The date and time of an ISO string as the model writes them (`2026-03-03`,
/// `2026-03-03T21:00`): fixed-width digits read in place. `parse_from_str` parsed its format
/// string again on every call: 0.55% of a build's instructions, for a filter used on most pages.
fn parse(s: &str) -> Option<(NaiveDate, Option<NaiveTime>)> {
    let b = s.as_bytes();
    let d = NaiveDate::from_ymd_opt(
        i32::try_from(digits(b, 0..4)?).ok()?,
        digits(b, 5..7)?,
        digits(b, 8..10)?,
    )
    .filter(|_| b[4] == b'-' && b[7] == b'-')?;
    let t = (b.get(13) == Some(&b':'))
        .then(|| NaiveTime::from_hms_opt(digits(b, 11..13)?, digits(b, 14..16)?, 0))
        .flatten();
    Some((d, t))
}

/// The number written by the ASCII digits of `b[range]`, if they all are digits.
fn digits(b: &[u8], range: std::ops::Range<usize>) -> Option<u32> {
    b.get(range)?.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// `json_str`: a value as a JSON literal, safe to put inside `<script type="application/ld+json">`.
struct JsonStr;

impl tera::Filter<tera::Value, String> for JsonStr {
    fn call(&self, value: tera::Value, _: Kwargs, _: &State) -> String {
        let text = match value.as_str() {
            Some(s) => serde_json::to_string(s),
            None => serde_json::to_string(&value.to_string()),
        }
        .unwrap_or_else(|_| "\"\"".into());
        // Keep `</script>` and `<!--` from closing or confusing the script element.
        if memchr::memchr3(b'<', b'>', b'&', text.as_bytes()).is_none() {
            return text;
        }
        let mut out = String::with_capacity(text.len() + 12);
        for c in text.chars() {
            match c {
                '<' => out.push_str("\\u003c"),
                '>' => out.push_str("\\u003e"),
                '&' => out.push_str("\\u0026"),
                c => out.push(c),
            }
        }
        out
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// `striptags`: the text of an HTML fragment, tags removed and whitespace collapsed.
pub fn striptags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let text = out
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Registers the filters on a Tera instance. Values that are not dates pass through unchanged.
pub fn register(tera: &mut Tera) {
    fn date_filter(
        f: fn(NaiveDate) -> String,
    ) -> impl Fn(&str, Kwargs, &State) -> String + Send + Sync + 'static {
        move |s: &str, _: Kwargs, _: &State| {
            parse(s).map(|(d, _)| f(d)).unwrap_or_else(|| s.to_string())
        }
    }
    tera.register_filter("data_lunga", date_filter(data_lunga));
    tera.register_filter("data_breve", date_filter(data_breve));
    tera.register_filter("giorno", date_filter(|d| d.day().to_string()));
    tera.register_filter(
        "mese_breve",
        date_filter(|d| MESI_BREVI[d.month0() as usize].to_string()),
    );
    tera.register_filter(
        "mese",
        date_filter(|d| MESI[d.month0() as usize].to_string()),
    );
    tera.register_filter("anno", date_filter(|d| d.year().to_string()));
    tera.register_filter("json_str", JsonStr);
    // `{% if v is indirizzo_web %}`: a table cell is a link only if it is a safe web address.
    tera.register_test("indirizzo_web", |s: &str, _: Kwargs, _: &State| {
        civico_core::href::Href::parse(s).is_ok_and(|h| h.is_web())
    });
    tera.register_filter("formato", |s: &str, _: Kwargs, _: &State| {
        s.rsplit_once('.')
            .map(|(_, e)| e.to_ascii_uppercase())
            .unwrap_or_default()
    });
    tera.register_filter("urlencode", |s: &str, _: Kwargs, _: &State| {
        url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
    });
    tera.register_filter("striptags", |s: &str, _: Kwargs, _: &State| striptags(s));
    tera.register_filter("slug", |s: &str, _: Kwargs, _: &State| {
        civico_core::slug::slugify(s)
    });
    tera.register_filter("ora", |s: &str, _: Kwargs, _: &State| {
        parse(s)
            .and_then(|(_, t)| t)
            .map(|t| t.format("%H:%M").to_string())
            .unwrap_or_default()
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_and_short_italian_dates() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(data_lunga(d), "lunedì 2 marzo 2026");
        assert_eq!(data_breve(d), "2 mar 2026");
    }

    #[test]
    fn filters_work_in_templates() {
        let mut t = Tera::default();
        register(&mut t);
        let mut ctx = tera::Context::new();
        ctx.insert("d", "2026-11-01T21:30");
        let out = t
            .render_str(
                "{{ d | data_lunga }}|{{ d | data_breve }}|{{ d | ora }}|{{ 'x' | data_breve }}",
                &ctx,
                false,
            )
            .unwrap();
        assert_eq!(out, "domenica 1 novembre 2026|1 nov 2026|21:30|x");
    }

    #[test]
    fn dates_are_read_only_in_their_iso_form() {
        let d = |y, m, g| NaiveDate::from_ymd_opt(y, m, g).unwrap();
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0);
        assert_eq!(parse("2026-03-03"), Some((d(2026, 3, 3), None)));
        assert_eq!(parse("2026-03-03T21:05"), Some((d(2026, 3, 3), t(21, 5))));
        assert_eq!(parse("2026-03-03 07:30"), Some((d(2026, 3, 3), t(7, 30))));
        assert_eq!(parse("2026-03-03T25:00"), Some((d(2026, 3, 3), None)));
        assert_eq!(parse("2026-03-03T2"), Some((d(2026, 3, 3), None)));
        for bad in [
            "",
            "2026",
            "2026-3-03",
            "2026/03/03",
            "2026-02-30",
            "2026-13-01",
            "+026-03-03",
            "2026-0a-03",
            "domani",
            "2026-03-0è",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn json_str_cannot_close_the_script() {
        let mut t = Tera::default();
        register(&mut t);
        let mut ctx = tera::Context::new();
        ctx.insert("s", "a\"</script><script>x");
        let out = t.render_str("{{ s | json_str }}", &ctx, true).unwrap();
        assert_eq!(out, r#""a\"\u003c/script\u003e\u003cscript\u003ex""#);
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, "a\"</script><script>x");
    }

    #[test]
    fn striptags_keeps_text() {
        assert_eq!(
            striptags("<p>A chi&#39;è <b>rivolto</b></p>\n<ul><li>x</li></ul>"),
            "A chi'è rivolto x"
        );
    }
}
