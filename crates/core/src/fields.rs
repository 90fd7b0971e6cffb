//! Field types shared by the front matter of every content kind, with Italian error messages.
//!
//! `Data` (a calendar date, `AAAA-MM-GG`), `DataOra` (date with optional time, Europe/Rome),
//! `Rif` (a reference to another content file, with its position for diagnostics), `Voce`
//! (a vocabulary value with its position), `Immagine` and `Allegato`.

use std::fmt;

use chrono::{NaiveDate, NaiveTime};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_saphyr::Spanned as SaphyrSpanned;

/// A calendar date written `AAAA-MM-GG`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Data(pub NaiveDate);

impl<'de> Deserialize<'de> for Data {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Data;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("una data nel formato AAAA-MM-GG")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Data, E> {
                parse_date(s).map(Data).ok_or_else(|| {
                    E::custom(format!(
                        "data non valida `{s}`: scrivi la data come AAAA-MM-GG, per esempio 2026-03-15"
                    ))
                })
            }
        }
        d.deserialize_str(V)
    }
}

impl Serialize for Data {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0.format("%Y-%m-%d"))
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A date with an optional time of day, in the comune's time zone (Europe/Rome).
/// Written `2026-05-03`, `2026-05-03 21:00` or `2026-05-03T21:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DataOra {
    pub data: NaiveDate,
    pub ora: Option<NaiveTime>,
}

impl<'de> Deserialize<'de> for DataOra {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DataOra;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("una data (AAAA-MM-GG) con un orario facoltativo (HH:MM)")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<DataOra, E> {
                let t = s.trim();
                let bad = || {
                    E::custom(format!(
                        "data e ora non valide `{s}`: scrivi AAAA-MM-GG oppure AAAA-MM-GG HH:MM, per esempio 2026-05-03 21:00"
                    ))
                };
                if t.len() == 10 {
                    return parse_date(t)
                        .map(|data| DataOra { data, ora: None })
                        .ok_or_else(bad);
                }
                if t.len() < 16 {
                    return Err(bad());
                }
                let (d, rest) = t.split_at(10);
                let data = parse_date(d).ok_or_else(bad)?;
                let rest = rest
                    .strip_prefix('T')
                    .or_else(|| rest.strip_prefix(' '))
                    .ok_or_else(bad)?;
                let ora = NaiveTime::parse_from_str(rest, "%H:%M")
                    .or_else(|_| NaiveTime::parse_from_str(rest, "%H:%M:%S"))
                    .map_err(|_| bad())?;
                Ok(DataOra {
                    data,
                    ora: Some(ora),
                })
            }
        }
        d.deserialize_str(V)
    }
}

impl Serialize for DataOra {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.ora {
            Some(o) => s.collect_str(&format_args!(
                "{}T{}",
                self.data.format("%Y-%m-%d"),
                o.format("%H:%M")
            )),
            None => s.collect_str(&self.data.format("%Y-%m-%d")),
        }
    }
}

/// A value with the place it was written, for diagnostics after parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub line: usize,
    pub col: usize,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = SaphyrSpanned::<T>::deserialize(d)?;
        Ok(Spanned {
            value: s.value,
            line: s.referenced.line() as usize,
            col: s.referenced.column() as usize,
        })
    }
}

impl<T: Serialize> Serialize for Spanned<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

/// A vocabulary value (argomento, categoria, tipo ...) with its position.
pub type Voce = Spanned<String>;

/// Rich text written in Markdown inside the front matter (e.g. `come_fare: |`), with its position.
pub type Testo = Spanned<String>;

/// A reference to another content file of the same comune: `uffici/anagrafe` (the path of the
/// file under the comune's folder, `.md` optional). Serialises as its normalised key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rif {
    /// Normalised key: `uffici/anagrafe`.
    pub key: String,
    /// What the editor wrote.
    pub written: String,
    pub line: usize,
    pub col: usize,
}

impl<'de> Deserialize<'de> for Rif {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let p = Spanned::<String>::deserialize(d)?;
        Ok(Rif {
            key: normalise_key(&p.value),
            written: p.value,
            line: p.line,
            col: p.col,
        })
    }
}

impl Serialize for Rif {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.key)
    }
}

/// `@/uffici/anagrafe.md`, `/uffici/anagrafe/`, `uffici/anagrafe` all give `uffici/anagrafe`;
/// a bundle `notizie/festa/index.md` gives `notizie/festa`.
pub fn normalise_key(s: &str) -> String {
    let s = s.trim();
    let s = s.strip_prefix("@/").unwrap_or(s);
    let s = s.trim_matches('/');
    let s = s.strip_suffix(".md").unwrap_or(s);
    let s = s.strip_suffix("/index").unwrap_or(s);
    let s = s.strip_suffix("/_index").unwrap_or(s);
    s.to_string()
}

/// An image with its alternative text (required by accessibility rules; missing alt warns).
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Immagine {
    /// Path of the file, relative to the Markdown file or to the comune folder (`media/...`).
    pub file: Spanned<String>,
    #[serde(default)]
    pub alt: Option<String>,
    #[serde(default)]
    pub didascalia: Option<String>,
}

/// A downloadable attachment (PDF, ODS, CSV ...), or a link to one elsewhere.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Allegato {
    pub titolo: String,
    #[serde(default)]
    pub file: Option<Spanned<String>>,
    #[serde(default)]
    pub url: Option<Spanned<crate::href::Href>>,
}

/// Contacts of an office, a place, a person or an event.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contatti {
    #[serde(default)]
    pub telefono: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub pec: Option<String>,
    #[serde(default)]
    pub url: Option<crate::href::Href>,
    #[serde(default)]
    pub indirizzo: Option<String>,
}

/// Latitude and longitude in decimal degrees.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Geo {
    pub lat: f64,
    pub lon: f64,
}

// JSON Schema of the field types written by hand (their YAML form is a plain scalar), for
// `civico schema`.

impl schemars::JsonSchema for Data {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Data".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "description": "Data nel formato AAAA-MM-GG, per esempio 2026-03-15"
        })
    }
}

impl schemars::JsonSchema for DataOra {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DataOra".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$",
            "description": "Data (AAAA-MM-GG) con l'ora facoltativa: 2026-05-03 21:00"
        })
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

impl schemars::JsonSchema for Rif {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Riferimento".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "minLength": 1,
            "description": "Percorso di un altro contenuto del comune, senza .md: uffici/anagrafe"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, schemars::JsonSchema)]
    struct T {
        d: Data,
        o: DataOra,
    }

    #[test]
    fn dates_and_times_parse() {
        let t: T = serde_saphyr::from_str("d: 2026-03-01\no: 2026-03-29 02:30\n").unwrap();
        assert_eq!(t.d.0, NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        assert_eq!(t.o.ora, NaiveTime::from_hms_opt(2, 30, 0));
        let t: T = serde_saphyr::from_str("d: \"2026-03-01\"\no: 2026-03-29T21:00\n").unwrap();
        assert_eq!(t.o.data.to_string(), "2026-03-29");
    }

    #[test]
    fn impossible_date_has_italian_message() {
        let e = serde_saphyr::from_str::<T>("d: 2026-02-30\no: 2026-01-01\n").unwrap_err();
        assert!(
            e.to_string().contains("data non valida `2026-02-30`"),
            "{e}"
        );
    }

    #[test]
    fn keys_normalise() {
        assert_eq!(normalise_key("@/uffici/anagrafe.md"), "uffici/anagrafe");
        assert_eq!(normalise_key("/uffici/anagrafe/"), "uffici/anagrafe");
        assert_eq!(normalise_key("notizie/festa/index.md"), "notizie/festa");
    }
}
