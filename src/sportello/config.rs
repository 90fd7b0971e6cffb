//! `comuni/<slug>/sportello.yaml`: how a comune takes appointments.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Deserializer};

/// A comune's booking setup.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
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
    /// Minutes a slot is held while the citizen completes the steps.
    #[serde(default = "default_trattenuta")]
    pub trattenuta_minuti: i64,
    /// Online cancel or move is possible until this many hours before the appointment.
    #[serde(default = "default_preavviso")]
    pub preavviso_annullamento_ore: i64,
    /// The reminder goes out this many hours before the appointment.
    #[serde(default = "default_promemoria")]
    pub promemoria_ore: i64,
    /// Bookings are deleted this many days after the appointment (the comune's piano di
    /// conservazione decides).
    #[serde(default = "default_conservazione")]
    pub conservazione_giorni: i64,
    /// The sender of the messages to citizens (`Comune di Valfiorita <noreply@...>`).
    #[serde(default)]
    pub mittente: Option<String>,
    /// The office that receives a copy of each richiesta di assistenza (the URP).
    #[serde(default)]
    pub email_assistenza: Option<String>,
}

fn default_trattenuta() -> i64 {
    10
}
fn default_preavviso() -> i64 {
    24
}
fn default_promemoria() -> i64 {
    24
}
fn default_conservazione() -> i64 {
    365
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
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
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
    #[schemars(with = "Vec<crate::content::fields::Data>")]
    pub chiusure: Vec<NaiveDate>,
    #[serde(default)]
    pub motivi: Vec<Motivo>,
    /// Where the appointment takes place (shown and sent in the confirmation).
    #[serde(default)]
    pub indirizzo: Option<String>,
    /// The services (`servizi/carta-identita`) this office handles: coming from one of them,
    /// only these offices are offered and the service is the pre-selected reason.
    #[serde(default)]
    pub servizi: Vec<String>,
}

fn default_capienza() -> u32 {
    1
}
fn default_durata() -> u32 {
    30
}

/// A reason for an appointment, with what to bring.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Motivo {
    pub nome: String,
    #[serde(default)]
    pub cosa_serve: Option<String>,
}

/// A weekday as written in Italian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, schemars::JsonSchema)]
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

impl schemars::JsonSchema for Intervallo {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Intervallo".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}$",
            "description": "Orario di apertura, per esempio 09:00-12:30"
        })
    }
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

/// Parses a `sportello.yaml` and checks what serde cannot.
pub fn parse(text: &str) -> Result<Sportello, String> {
    let s: Sportello = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    controlla(&s).map_err(|(m, _)| m)?;
    Ok(s)
}

/// What serde cannot check: the message, and the office it concerns (to point at its line).
pub fn controlla(s: &Sportello) -> Result<(), (String, Option<String>)> {
    if !s.informativa.starts_with("https://") {
        return Err((
            "informativa: scrivi l'indirizzo https:// dell'informativa privacy del comune (senza, le prenotazioni restano chiuse)"
                .into(),
            None,
        ));
    }
    let mut visti = std::collections::HashSet::new();
    for u in &s.sportelli {
        let err = |m: String| Err((m, Some(u.id.clone())));
        if u.id.is_empty()
            || !u
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return err(format!(
                "sportello `{}`: l'id usa solo lettere minuscole, cifre e trattini",
                u.id
            ));
        }
        if !visti.insert(&u.id) {
            return err(format!(
                "sportello `{}` ripetuto: ogni id deve essere unico",
                u.id
            ));
        }
        if u.capienza == 0 || u.durata < 5 {
            return err(format!(
                "sportello `{}`: capienza almeno 1 e durata almeno 5 minuti",
                u.id
            ));
        }
    }
    if s.trattenuta_minuti < 1 || s.orizzonte_giorni < 1 || s.conservazione_giorni < 1 {
        return Err((
            "trattenuta_minuti, orizzonte_giorni e conservazione_giorni devono essere almeno 1"
                .into(),
            None,
        ));
    }
    Ok(())
}
