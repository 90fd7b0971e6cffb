//! `comuni/<slug>/sportello.yaml`: how a comune takes appointments.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Deserializer};

/// A comune's booking setup.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sportello {
    /// The comune's privacy notice (an https address, checked by `controlla` as an `Href`):
    /// booking stays disabled without it.
    pub informativa: String,
    /// The offices that take appointments; none when the comune only takes segnalazioni.
    #[serde(default)]
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
    /// Segnalazioni di disservizio: the categories a citizen chooses from, and who handles
    /// each. Without this section the site links to the comune's contacts instead.
    #[serde(default)]
    pub segnalazioni: Option<Segnalazioni>,
    /// The area personale: citizens log in with SPID or CIE through the identity gateway of the
    /// comune or of its network, an OpenID Connect provider. Without it there is no login.
    #[serde(default)]
    pub area_personale: Option<AreaPersonale>,
}

/// How citizens log in: the OpenID Connect gateway in front of SPID and CIE, and how its claims
/// are read.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaPersonale {
    /// The gateway's issuer (`https://login.provincia.example.it/oidc/op`): its discovery
    /// document is at `/.well-known/openid-configuration` under it.
    pub emittente: String,
    /// The client id the gateway gave the comune.
    pub client_id: String,
    /// The *name* of the environment variable holding the client secret (`OIDC_VALFIORITA`):
    /// the secret itself never goes into the repository.
    pub segreto: String,
    /// The scopes asked for; `openid` is always sent.
    #[serde(default = "default_ambiti")]
    pub ambiti: Vec<String>,
    /// The authentication level asked for (`acr_values`).
    #[serde(default = "default_acr")]
    pub acr: String,
    /// The lowest SPID level accepted (2: password and one-time code; CIE is level 3).
    #[serde(default = "default_livello")]
    pub livello_minimo: u8,
    /// The claims that carry each datum.
    #[serde(default)]
    pub attributi: Attributi,
    /// Where new pratiche are sent for registration (the protocol's PEC box); the comune's PEC
    /// of comune.yaml when not given.
    #[serde(default)]
    pub protocollo: Option<String>,
    /// Days a draft of an istanza is kept in the area personale.
    #[serde(default = "default_bozze")]
    pub bozze_giorni: i64,
    /// Minutes of inactivity after which a session ends (it never lasts more than 8 hours).
    #[serde(default = "default_durata_sessione")]
    pub sessione_minuti: i64,
}

/// Claim names: the defaults are those of the SPID/CIE OpenID Connect gateways.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Attributi {
    /// The codice fiscale, with or without the `TINIT-` prefix.
    pub codice_fiscale: String,
    pub nome: String,
    pub cognome: String,
    pub email: String,
}

impl Default for Attributi {
    fn default() -> Self {
        Attributi {
            codice_fiscale: "fiscal_number".into(),
            nome: "given_name".into(),
            cognome: "family_name".into(),
            email: "email".into(),
        }
    }
}

fn default_ambiti() -> Vec<String> {
    vec!["openid".into(), "profile".into(), "email".into()]
}
fn default_acr() -> String {
    "https://www.spid.gov.it/SpidL2".into()
}
fn default_livello() -> u8 {
    2
}
fn default_bozze() -> i64 {
    30
}
fn default_durata_sessione() -> i64 {
    30
}

/// How a comune takes segnalazioni di disservizio.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Segnalazioni {
    /// The types of disservizio offered in the form, each routed to an office.
    pub categorie: Vec<CategoriaSegnalazione>,
    /// Days within which a segnalazione should be handled, when its category does not say.
    #[serde(default = "default_giorni")]
    pub giorni: i64,
    /// The office of categories that name none.
    #[serde(default = "default_ufficio_segnalazioni")]
    pub ufficio: String,
    /// Where new segnalazioni of categories without their own `email` are announced.
    #[serde(default)]
    pub email: Option<String>,
    /// The map of the form (to point at the place) and of the public list. Without it the
    /// citizen writes the address or uses the device's position.
    #[serde(default)]
    pub mappa: Option<Mappa>,
}

/// The map shown on the segnalazione pages. Its tiles are fetched from `tessere` only when the
/// citizen opens the map, never on page load.
#[derive(Debug, Clone, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mappa {
    /// Latitude and longitude of the centre of the comune, `[45.07, 7.68]`.
    pub centro: [f64; 2],
    #[serde(default = "default_zoom")]
    pub zoom: u8,
    /// Tile server, with `{z}`, `{x}` and `{y}`; OpenStreetMap's by default.
    #[serde(default = "default_tessere")]
    pub tessere: String,
    /// Attribution the tile server asks for.
    #[serde(default = "default_attribuzione")]
    pub attribuzione: String,
}

fn default_zoom() -> u8 {
    14
}
fn default_tessere() -> String {
    "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into()
}
fn default_attribuzione() -> String {
    "© OpenStreetMap contributors".into()
}

/// A type of disservizio and where it goes.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoriaSegnalazione {
    pub nome: String,
    /// The office that handles it (shown to operators, who may reassign).
    #[serde(default)]
    pub ufficio: Option<String>,
    /// That office's address for the announcement of a new segnalazione.
    #[serde(default)]
    pub email: Option<String>,
    /// Days to handle it.
    #[serde(default)]
    pub giorni: Option<i64>,
}

impl Segnalazioni {
    pub fn categoria(&self, nome: &str) -> Option<&CategoriaSegnalazione> {
        self.categorie.iter().find(|c| c.nome == nome)
    }
    /// The office a category goes to.
    pub fn ufficio_di(&self, c: &CategoriaSegnalazione) -> String {
        c.ufficio.clone().unwrap_or_else(|| self.ufficio.clone())
    }
    /// Every office a segnalazione may be assigned to, in the order they appear.
    pub fn uffici(&self) -> Vec<String> {
        let mut v = vec![self.ufficio.clone()];
        for c in &self.categorie {
            let u = self.ufficio_di(c);
            if !v.contains(&u) {
                v.push(u);
            }
        }
        v
    }
    /// Where a new segnalazione of a category is announced: its office's email, or the
    /// section's.
    pub fn email_di<'a>(&'a self, c: &'a CategoriaSegnalazione) -> Option<&'a str> {
        c.email.as_deref().or(self.email.as_deref())
    }
    /// The days to handle a category.
    pub fn giorni_di(&self, c: &CategoriaSegnalazione) -> i64 {
        c.giorni.unwrap_or(self.giorni)
    }
}

fn default_giorni() -> i64 {
    15
}
fn default_ufficio_segnalazioni() -> String {
    "Ufficio relazioni con il pubblico".into()
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
    #[schemars(with = "Vec<crate::fields::Data>")]
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

/// What serde cannot check: the message, and the beginning of the line it concerns
/// (`id: anagrafe`, `nome: Strade`, `segnalazioni:`), to point at it.
pub fn controlla(s: &Sportello) -> Result<(), (String, Option<String>)> {
    if !crate::href::Href::parse(&s.informativa).is_ok_and(|h| h.is_https()) {
        return Err((
            "informativa: scrivi l'indirizzo https:// dell'informativa privacy del comune (senza, le prenotazioni restano chiuse)"
                .into(),
            Some("informativa:".into()),
        ));
    }
    let mut visti = std::collections::HashSet::new();
    for u in &s.sportelli {
        let err = |m: String| Err((m, Some(format!("id: {}", u.id))));
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
    if let Some(sg) = &s.segnalazioni {
        controlla_segnalazioni(sg)?;
    }
    if let Some(a) = &s.area_personale {
        controlla_area_personale(a)?;
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

/// The `area_personale:` section: an https issuer (http only on loopback, for trials), a
/// client id, a secret's name, a level SPID has.
fn controlla_area_personale(a: &AreaPersonale) -> Result<(), (String, Option<String>)> {
    let qui = |m: &str, riga: &str| Err((format!("area_personale: {m}"), Some(riga.to_string())));
    let emittente = url::Url::parse(&a.emittente).ok();
    let ok = emittente.as_ref().is_some_and(|u| {
        u.scheme() == "https"
            || (u.scheme() == "http"
                && matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")))
    });
    if !ok {
        return qui(
            "emittente: scrivi l'indirizzo https:// del gateway SPID/CIE (l'`issuer` OpenID Connect)",
            "emittente:",
        );
    }
    if a.client_id.trim().is_empty() {
        return qui(
            "client_id: scrivi l'identificativo che il gateway ha dato al comune",
            "client_id:",
        );
    }
    if !crate::config::nome_segreto_valido(&a.segreto) {
        return qui(
            "segreto: scrivi il nome della variabile d'ambiente con il segreto (lettere maiuscole, cifre e _, per esempio OIDC_VALFIORITA), non il segreto",
            "segreto:",
        );
    }
    if a.protocollo.as_deref().is_some_and(|e| !email_valida(e)) {
        return qui(
            "protocollo: scrivi l'indirizzo email (PEC) del protocollo",
            "protocollo:",
        );
    }
    if !(1..=3).contains(&a.livello_minimo) {
        return qui(
            "livello_minimo: i livelli SPID sono 1, 2 e 3",
            "livello_minimo:",
        );
    }
    if !(1..=365).contains(&a.bozze_giorni) {
        return qui(
            "bozze_giorni: le bozze restano da 1 a 365 giorni",
            "bozze_giorni:",
        );
    }
    if !(5..=480).contains(&a.sessione_minuti) {
        return qui(
            "sessione_minuti: una sessione dura da 5 a 480 minuti di inattività",
            "sessione_minuti:",
        );
    }
    Ok(())
}

/// Whether an email address looks deliverable (one @, a dot in the domain, no spaces): for
/// what citizens type and for the offices' addresses of sportello.yaml alike.
pub fn email_valida(email: &str) -> bool {
    email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.contains('@')
                && b.contains('.')
                && !b.starts_with('.')
                && !b.ends_with('.')
        })
}

/// The `segnalazioni:` section: categories unique and named, offices and deadlines sensible,
/// addresses and the map well formed.
fn controlla_segnalazioni(sg: &Segnalazioni) -> Result<(), (String, Option<String>)> {
    let qui = |m: String, riga: &str| Err((format!("segnalazioni: {m}"), Some(riga.to_string())));
    if sg.categorie.is_empty() {
        return qui(
            "elenca almeno una categoria (per esempio `- nome: Strade e marciapiedi`)".into(),
            "segnalazioni:",
        );
    }
    if sg.giorni < 1 {
        return qui("giorni deve essere almeno 1".into(), "giorni:");
    }
    if sg.ufficio.trim().is_empty() || sg.ufficio.chars().count() > 100 {
        return qui(
            "ufficio: scrivi il nome dell'ufficio che riceve le segnalazioni (al massimo 100 caratteri)".into(),
            "ufficio:",
        );
    }
    if let Some(e) = sg.email.as_deref().filter(|e| !email_valida(e)) {
        return qui(format!("email `{e}` non è un indirizzo email"), "email:");
    }
    let mut visti = std::collections::HashSet::new();
    for c in &sg.categorie {
        let riga = format!("nome: {}", c.nome);
        if c.nome.trim().is_empty() || c.nome.chars().count() > 80 {
            return qui(
                "ogni categoria ha un nome di al massimo 80 caratteri".into(),
                &riga,
            );
        }
        if !visti.insert(&c.nome) {
            return qui(format!("la categoria `{}` è ripetuta", c.nome), &riga);
        }
        if sg.giorni_di(c) < 1 {
            return qui(
                format!("la categoria `{}` deve avere giorni almeno 1", c.nome),
                &riga,
            );
        }
        if let Some(e) = c.email.as_deref().filter(|e| !email_valida(e)) {
            return qui(
                format!("la categoria `{}` ha un'email non valida `{e}`", c.nome),
                &riga,
            );
        }
        if c.ufficio
            .as_deref()
            .is_some_and(|u| u.trim().is_empty() || u.chars().count() > 100)
        {
            return qui(
                format!(
                    "la categoria `{}`: ufficio vuoto o più lungo di 100 caratteri",
                    c.nome
                ),
                &riga,
            );
        }
    }
    if let Some(m) = &sg.mappa {
        let [lat, lon] = m.centro;
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return qui(
                "mappa.centro: scrivi [latitudine, longitudine], per esempio [45.07, 7.68]".into(),
                "centro:",
            );
        }
        if !(1..=19).contains(&m.zoom) {
            return qui("mappa.zoom va da 1 a 19".into(), "zoom:");
        }
        if !m.tessere.starts_with("https://")
            || !["{z}", "{x}", "{y}"].iter().all(|p| m.tessere.contains(p))
            || m.tessere.contains(['"', '<', '>', ' '])
        {
            return qui(
                "mappa.tessere: un indirizzo https con {z}, {x} e {y}, per esempio https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
                "tessere:",
            );
        }
    }
    Ok(())
}
