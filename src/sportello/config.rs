//! `comuni/<slug>/sportello.yaml`: how a comune takes appointments.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Deserializer};

/// A comune's booking setup.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sportello {
    /// The comune's privacy notice: booking stays disabled without it.
    pub informativa: String,
    pub sportelli: Vec<Ufficio>,
    /// No booking closer than this to the appointment.
    #[serde(default = "default_anticipo")]
    pub anticipo_minimo_ore: i64,
    /// How far ahead one may book.
    #[serde(default = "default_orizzonte")]
    pub orizzonte_giorni: i64,
    /// Active bookings one email address may hold per office.
    #[serde(default = "default_limite")]
    pub limite_per_persona: u32,
}

fn default_anticipo() -> i64 {
    24
}
fn default_orizzonte() -> i64 {
    60
}
fn default_limite() -> u32 {
    2
}

/// One office (sportello) taking appointments.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ufficio {
    pub id: String,
    pub nome: String,
    /// The ufficio page it belongs to (`uffici/anagrafe`).
    #[serde(default)]
    pub ufficio: Option<String>,
    /// People per slot.
    #[serde(default = "default_capienza")]
    pub capienza: u32,
    /// Minutes per slot.
    #[serde(default = "default_durata")]
    pub durata: u32,
    /// Opening intervals by weekday (`lunedi` ... `domenica`), `"09:00-12:30"`.
    pub orari: BTreeMap<Giorno, Vec<Intervallo>>,
    /// Closed days besides the national holidays.
    #[serde(default)]
    pub chiusure: Vec<NaiveDate>,
    #[serde(default)]
    pub motivi: Vec<Motivo>,
}

fn default_capienza() -> u32 {
    1
}
fn default_durata() -> u32 {
    30
}

/// A reason for an appointment, with what to bring.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Motivo {
    pub nome: String,
    #[serde(default)]
    pub cosa_serve: Option<String>,
}

/// A weekday as written in Italian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Giorno {
    Lunedi,
    Martedi,
    Mercoledi,
    Giovedi,
    Venerdi,
    Sabato,
    Domenica,
}

impl Giorno {
    pub fn of(w: chrono::Weekday) -> Giorno {
        use chrono::Weekday::*;
        match w {
            Mon => Giorno::Lunedi,
            Tue => Giorno::Martedi,
            Wed => Giorno::Mercoledi,
            Thu => Giorno::Giovedi,
            Fri => Giorno::Venerdi,
            Sat => Giorno::Sabato,
            Sun => Giorno::Domenica,
        }
    }
}

/// An opening interval of a day, `09:00-12:30`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intervallo {
    pub dalle: NaiveTime,
    pub alle: NaiveTime,
}

impl<'de> Deserialize<'de> for Intervallo {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let bad = || {
            serde::de::Error::custom(format!(
                "orario non valido `{s}`: scrivi l'intervallo come 09:00-12:30"
            ))
        };
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let t = |x: &str| NaiveTime::parse_from_str(x.trim(), "%H:%M").map_err(|_| bad());
        let (dalle, alle) = (t(a)?, t(b)?);
        if alle <= dalle {
            return Err(bad());
        }
        Ok(Intervallo { dalle, alle })
    }
}

/// Parses a `sportello.yaml`.
pub fn parse(text: &str) -> Result<Sportello, String> {
    serde_saphyr::from_str(text).map_err(|e| e.to_string())
}
