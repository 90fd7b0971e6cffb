//! `Href`: the one type of every address an editor writes, wherever it ends up as an `href` or a
//! `src` (front matter, comune.yaml, civico.yaml, sportello.yaml, the ANAC tables, Markdown links).
//!
//! The rule is an allow-list, decided by the `url` crate, which parses as browsers do (it drops
//! tabs and newlines inside a scheme, ignores case and leading spaces): `https:`, `http:` (with a
//! host), `mailto:`, `tel:` and site-relative paths (`/servizi/`). Everything else is refused,
//! `javascript:`, `data:`, `vbscript:` and their disguises included; an address with a control
//! character (a tab or a newline) is refused before parsing, and HTML entities never decode into a
//! scheme because a value with them does not start with an allowed one. The value is kept as
//! written (trimmed): templates escape it like any other text.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

/// The diagnostic code of a refused address.
pub const CODE: &str = "E-URL-UNSAFE";

/// What an address may be, in the words of the hints.
const ALLOWED: &str = "scrivi un indirizzo completo che inizi con https:// (o http://), mailto: o tel:, oppure un percorso del sito che inizi con /";

/// A safe address for a link or a resource, with its kind (decided once, when it is parsed).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Href {
    text: String,
    kind: Kind,
}

/// Why an address was refused: an Italian message and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    pub hint: String,
}

impl Refusal {
    fn new(written: &str, why: impl fmt::Display) -> Refusal {
        Refusal {
            message: format!(
                "indirizzo non consentito `{}`: {why}",
                written.trim().escape_debug()
            ),
            hint: ALLOWED.to_string(),
        }
    }

    /// The message as a serde error: the YAML layer turns it back into code, message and hint
    /// (see `yaml::to_diagnostic`).
    pub fn to_serde_message(&self) -> String {
        crate::yaml::coded_message(CODE, &self.message, &self.hint)
    }
}

/// What kind of address a valid `Href` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `https:` or `http:` with a host.
    Web,
    Mailto,
    Tel,
    /// `/path` on the same site.
    SitePath,
}

impl Href {
    /// Checks `written` against the allow-list.
    pub fn parse(written: &str) -> Result<Href, Refusal> {
        let s = written.trim();
        let kind = Self::kind_of(s, written)?;
        Ok(Href {
            text: s.to_string(),
            kind,
        })
    }

    fn kind_of(s: &str, written: &str) -> Result<Kind, Refusal> {
        if s.is_empty() {
            return Err(Refusal::new(written, "è vuoto"));
        }
        if s.chars().any(char::is_control) {
            return Err(Refusal::new(
                written,
                "contiene un carattere di controllo (a capo o tabulazione)",
            ));
        }
        if s.starts_with('/') {
            // `//host` and `/\host` are other sites to a browser; a backslash is never a path.
            if s.starts_with("//") || s.contains('\\') {
                return Err(Refusal::new(
                    written,
                    "un percorso del sito non può iniziare con // né contenere \\",
                ));
            }
            return Ok(Kind::SitePath);
        }
        let u = url::Url::parse(s).map_err(|_| {
            Refusal::new(
                written,
                "non è un indirizzo completo né un percorso del sito",
            )
        })?;
        match u.scheme() {
            "https" | "http" if u.host_str().is_some_and(|h| !h.is_empty()) => Ok(Kind::Web),
            "https" | "http" => Err(Refusal::new(written, "manca il dominio")),
            "mailto" => Ok(Kind::Mailto),
            "tel" => Ok(Kind::Tel),
            other => Err(Refusal::new(
                written,
                format!("il protocollo `{other}:` non è ammesso"),
            )),
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// `https:` or `http:` with a host.
    pub fn is_web(&self) -> bool {
        self.kind() == Kind::Web
    }

    /// `https:` with a host.
    pub fn is_https(&self) -> bool {
        self.is_web()
            && self
                .text
                .get(..8)
                .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The same address without trailing slashes (a service's base address).
    pub fn without_trailing_slash(&self) -> Href {
        Href {
            text: self.text.trim_end_matches('/').to_string(),
            kind: self.kind,
        }
    }
}

impl std::ops::Deref for Href {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Href {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq<str> for Href {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for Href {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl<'de> Deserialize<'de> for Href {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Href::parse(&s).map_err(|r| de::Error::custom(r.to_serde_message()))
    }
}

impl Serialize for Href {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl schemars::JsonSchema for Href {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Indirizzo".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^\\s*(([hH][tT][tT][pP][sS]?://[^\\s/?#\\\\]+[^\\s]*)|([mM][aA][iI][lL][tT][oO]:\\S+)|([tT][eE][lL]:.+)|(/([^/\\\\\\s][^\\\\\\s]*)?))\\s*$",
            "description": "Indirizzo web (https://...), mailto:, tel: oppure percorso del sito che inizia con /"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_addresses_are_kept_as_written() {
        for ok in [
            "https://www.comune.esempio.it/",
            "  http://example.it/a?b=1#c ",
            "HTTPS://Example.it",
            "mailto:urp@comune.esempio.it",
            "tel:+39 0123 456789",
            "/servizi/anagrafe/",
            "/",
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        ] {
            let h = Href::parse(ok).unwrap_or_else(|r| panic!("{ok}: {r:?}"));
            assert_eq!(h.as_str(), ok.trim());
        }
    }

    #[test]
    fn script_schemes_and_disguises_are_refused() {
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "  javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "\u{1}javascript:alert(1)",
            "javascript&#58;alert(1)",
            "&#106;avascript:alert(1)",
            "javascript&colon;alert(1)",
            "vbscript:msgbox(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "data:image/svg+xml,<svg onload=alert(1)>",
            "file:///etc/passwd",
            "//evil.example/x",
            "/\\evil.example/x",
            "www.comune.it",
            "https://",
            "",
            "   ",
        ] {
            let r = Href::parse(bad).expect_err(bad);
            assert!(r.message.starts_with("indirizzo non consentito"), "{r:?}");
            assert!(r.hint.contains("https://"));
        }
    }

    #[test]
    fn kinds_are_told_apart() {
        assert!(Href::parse("https://a.it").unwrap().is_https());
        assert!(!Href::parse("http://a.it").unwrap().is_https());
        assert!(Href::parse("http://a.it").unwrap().is_web());
        assert_eq!(Href::parse("tel:112").unwrap().kind(), Kind::Tel);
        assert_eq!(Href::parse("/x").unwrap().kind(), Kind::SitePath);
        assert_eq!(
            Href::parse("https://a.it/s//")
                .unwrap()
                .without_trailing_slash(),
            "https://a.it/s"
        );
    }

    #[test]
    fn yaml_error_names_the_field_line_and_column() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)] // only the error is under test
        struct T {
            titolo: String,
            url: Href,
        }
        let src = "titolo: x\nurl: \"java\\tscript:alert(1)\"\n";
        let d = crate::yaml::parse::<T>(src, std::path::Path::new("x.md"), 0, src).unwrap_err();
        assert_eq!(d.code, CODE, "{d:?}");
        assert_eq!((d.line, d.col), (2, 6), "{d:?}");
        assert!(d.message.contains("indirizzo non consentito"), "{d:?}");
        assert!(
            d.hint.as_deref().unwrap_or("").contains("https://"),
            "{d:?}"
        );
    }
}
