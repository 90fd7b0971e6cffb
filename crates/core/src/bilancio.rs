//! The budget file of a service centre (`costi.yaml`, read by `civico costi`): the year, the
//! centre's services with their direct costs, the indirect costs and how they are spread, which
//! service is the web service, the comuni's adhesions and the extra activities each asked for.
//! Amounts are euro written as editors write them (`18000`, `1500.50`, `"1.500,50"`) and kept
//! as cents: money is never a float.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::fields::{Data, Spanned};

/// The budget of one year.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bilancio {
    pub anno: Spanned<i32>,
    /// The centre's services, each with its direct costs.
    pub servizi: Vec<ServizioCentro>,
    #[serde(default)]
    pub costi_indiretti: CostiIndiretti,
    /// `codice` of the service whose cost the comuni share here (the web sites).
    pub servizio_web: Spanned<String>,
    /// The comuni that use the web service, with the days they joined or left.
    pub adesioni: Vec<Adesione>,
    /// Activities one comune asked for, charged to it alone.
    #[serde(default)]
    pub extra: Vec<Extra>,
}

/// A service of the centre.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServizioCentro {
    pub codice: Spanned<String>,
    pub nome: String,
    /// Technical support, maintenance fees, licences, staff assigned to the service.
    pub costi_diretti: Vec<VoceCosto>,
}

/// One cost item.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VoceCosto {
    pub voce: String,
    pub importo: Spanned<Euro>,
}

/// General and administrative costs, depreciation, taxes, administrative staff: spread over all
/// the services, in proportion to their direct costs or by fixed shares.
#[derive(Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CostiIndiretti {
    #[serde(default)]
    pub ripartizione: Ripartizione,
    #[serde(default)]
    pub voci: Vec<VoceCosto>,
    /// With `ripartizione: quote`: each service's share in percent (they add up to 100).
    #[serde(default)]
    pub quote: BTreeMap<String, Spanned<f64>>,
}

/// How the indirect costs are spread over the services.
#[derive(
    Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Ripartizione {
    /// In proportion to each service's direct costs.
    #[default]
    Proporzionale,
    /// By the fixed shares of `quote`.
    Quote,
}

/// A comune's use of the web service: from `dal` (or the start of the year) to `al` (or its
/// end). A comune withdrawing gives 12 months' notice: `al` is the last day it pays for.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Adesione {
    /// The comune's folder name (`valfiorita`).
    pub comune: Spanned<String>,
    #[serde(default)]
    pub dal: Option<Spanned<Data>>,
    #[serde(default)]
    pub al: Option<Spanned<Data>>,
}

/// An activity one comune asked for.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extra {
    pub comune: Spanned<String>,
    pub descrizione: String,
    pub importo: Spanned<Euro>,
}

/// An amount of money in euro cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub struct Euro(pub i64);

impl schemars::JsonSchema for Euro {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Euro".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Euro: un numero (1500 o 1500.50) o un testo (\"1.500,50\"), al massimo due decimali",
            "anyOf": [
                { "type": "number", "minimum": 0 },
                { "type": "string", "pattern": "^[0-9]{1,3}(\\.?[0-9]{3})*(,[0-9]{1,2})?$" }
            ]
        })
    }
}

impl Euro {
    /// `"1.500,50"`, `"1500,5"`, `"1500"`: Italian notation (dots for thousands, a comma for
    /// decimals), at most two decimals.
    pub fn parse_it(s: &str) -> Option<Euro> {
        let s = s.trim().trim_start_matches('€').trim();
        let (int, dec) = s.split_once(',').unwrap_or((s, ""));
        let groups: Vec<&str> = int.split('.').collect();
        let grouped_ok = groups.len() == 1
            || (!groups[0].is_empty()
                && groups[0].len() <= 3
                && groups[1..].iter().all(|g| g.len() == 3));
        let digits: String = groups.concat();
        if !grouped_ok
            || digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || dec.len() > 2
            || !dec.bytes().all(|b| b.is_ascii_digit())
            || (s.contains(',') && dec.is_empty())
        {
            return None;
        }
        let euro: i64 = digits.parse().ok()?;
        let cent: i64 = format!("{dec:0<2}").parse().ok()?;
        euro.checked_mul(100)?.checked_add(cent).map(Euro)
    }

    /// A YAML number: whole euro, or with at most two decimals.
    fn from_f64(x: f64) -> Option<Euro> {
        let cents = (x * 100.0).round();
        let exact = (x * 100.0 - cents).abs() < 1e-6;
        (x.is_finite() && x >= 0.0 && exact && cents < 9e15).then_some(Euro(cents as i64))
    }
}

impl fmt::Display for Euro {
    /// `1.500,50`: as the centre's administration writes amounts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let euro = (abs / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in euro.chars().enumerate() {
            if i > 0 && (euro.len() - i).is_multiple_of(3) {
                grouped.push('.');
            }
            grouped.push(c);
        }
        write!(f, "{sign}{grouped},{:02}", abs % 100)
    }
}

impl<'de> Deserialize<'de> for Euro {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        const WHAT: &str =
            "un importo in euro, per esempio 1500 o \"1.500,50\" (al massimo due decimali)";
        impl Visitor<'_> for V {
            type Value = Euro;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(WHAT)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Euro, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(|v| v.checked_mul(100))
                    .map(Euro)
                    .ok_or_else(|| E::custom(format!("importo troppo grande: {v}")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Euro, E> {
                match u64::try_from(v) {
                    Ok(v) => self.visit_u64(v),
                    Err(_) => Err(E::custom(format!("importo negativo: {v}"))),
                }
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Euro, E> {
                Euro::from_f64(v).ok_or_else(|| E::custom(format!("`{v}` non è {WHAT}")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Euro, E> {
                Euro::parse_it(v).ok_or_else(|| E::custom(format!("`{v}` non è {WHAT}")))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_as_editors_write_them() {
        assert_eq!(Euro::parse_it("1.500,50"), Some(Euro(150_050)));
        assert_eq!(Euro::parse_it("1500,5"), Some(Euro(150_050)));
        assert_eq!(Euro::parse_it("€ 18.000"), Some(Euro(1_800_000)));
        assert_eq!(Euro::parse_it("0,07"), Some(Euro(7)));
        for bad in [
            "1,505",
            "1.50",
            "12.3456,00",
            "abc",
            "",
            "1,",
            "-3",
            "1.500.00",
        ] {
            assert_eq!(Euro::parse_it(bad), None, "{bad}");
        }
        assert_eq!(Euro::from_f64(1500.5), Some(Euro(150_050)));
        assert_eq!(Euro::from_f64(0.1 + 0.2), Some(Euro(30)));
        assert_eq!(Euro::from_f64(10.005), None, "three decimals");
        assert_eq!(Euro::from_f64(-1.0), None);
        assert_eq!(Euro(123_456_789).to_string(), "1.234.567,89");
        assert_eq!(Euro(5).to_string(), "0,05");
        let b: VoceCosto = serde_saphyr::from_str("voce: x\nimporto: \"2.000,10\"\n").unwrap();
        assert_eq!(b.importo.value, Euro(200_010));
        let n: VoceCosto = serde_saphyr::from_str("voce: x\nimporto: 2000\n").unwrap();
        assert_eq!(n.importo.value, Euro(200_000));
    }
}
