//! The content kinds of the Modello Comuni and the typed front matter of each.
//!
//! One folder per kind under `comuni/<slug>/`; the keys are the Italian field names of the
//! Modello Comuni (see `content-model.yaml` in the project's reference material). Required
//! fields are required, unknown keys are rejected (with a "did you mean"), vocabulary values
//! are checked later against `vocabolari` where their positions are known.

use serde::{Deserialize, Serialize};

use super::fields::{Allegato, Contatti, Data, DataOra, Geo, Immagine, Rif, Spanned, Testo, Voce};

/// Every kind of content a comune's folder holds, named by its folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Notizia,
    Evento,
    Servizio,
    Luogo,
    Ufficio,
    Persona,
    Documento,
    Pagina,
    Trasparenza,
    Albo,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::Notizia,
        Kind::Evento,
        Kind::Servizio,
        Kind::Luogo,
        Kind::Ufficio,
        Kind::Persona,
        Kind::Documento,
        Kind::Pagina,
        Kind::Trasparenza,
        Kind::Albo,
    ];

    /// The folder under `comuni/<slug>/` that holds this kind.
    pub fn folder(self) -> &'static str {
        match self {
            Kind::Notizia => "notizie",
            Kind::Evento => "eventi",
            Kind::Servizio => "servizi",
            Kind::Luogo => "luoghi",
            Kind::Ufficio => "uffici",
            Kind::Persona => "persone",
            Kind::Documento => "documenti",
            Kind::Pagina => "pagine",
            Kind::Trasparenza => "amministrazione-trasparente",
            Kind::Albo => "albo",
        }
    }

    pub fn from_folder(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.folder() == name)
    }

    /// What the kind is called in messages and on pages.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Notizia => "Notizia",
            Kind::Evento => "Evento",
            Kind::Servizio => "Servizio",
            Kind::Luogo => "Luogo",
            Kind::Ufficio => "Unità organizzativa",
            Kind::Persona => "Persona pubblica",
            Kind::Documento => "Documento pubblico",
            Kind::Pagina => "Pagina",
            Kind::Trasparenza => "Amministrazione trasparente",
            Kind::Albo => "Atto dell'albo pretorio",
        }
    }
}

/// The three tipi di notizia of the Modello.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TipoNotizia {
    Notizia,
    Comunicato,
    Avviso,
}

impl TipoNotizia {
    pub fn singolare(self) -> &'static str {
        match self {
            TipoNotizia::Notizia => "Notizia",
            TipoNotizia::Comunicato => "Comunicato",
            TipoNotizia::Avviso => "Avviso",
        }
    }

    pub fn plurale(self) -> &'static str {
        match self {
            TipoNotizia::Notizia => "Notizie",
            TipoNotizia::Comunicato => "Comunicati",
            TipoNotizia::Avviso => "Avvisi",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notizia {
    pub titolo: String,
    pub tipo: TipoNotizia,
    pub data: Data,
    pub descrizione_breve: Spanned<String>,
    pub argomenti: Vec<Voce>,
    pub a_cura_di: Vec<Rif>,
    #[serde(default)]
    pub numero_comunicato: Option<String>,
    #[serde(default)]
    pub data_scadenza: Option<Data>,
    #[serde(default)]
    pub immagine: Option<Immagine>,
    #[serde(default)]
    pub persone: Vec<Rif>,
    #[serde(default)]
    pub luoghi: Vec<Rif>,
    #[serde(default)]
    pub documenti: Vec<Rif>,
    #[serde(default)]
    pub allegati: Vec<Allegato>,
    #[serde(default)]
    pub in_evidenza: bool,
    #[serde(default)]
    pub bozza: bool,
    #[serde(default)]
    pub slug: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Costo {
    pub titolo: String,
    #[serde(default)]
    pub prezzo: Option<String>,
    #[serde(default)]
    pub descrizione: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evento {
    pub titolo: String,
    pub tipo_evento: Voce,
    pub inizio: DataOra,
    #[serde(default)]
    pub fine: Option<DataOra>,
    pub descrizione_breve: Spanned<String>,
    pub a_chi_e_rivolto: Testo,
    pub argomenti: Vec<Voce>,
    #[serde(default)]
    pub sottotitolo: Option<String>,
    #[serde(default)]
    pub luogo: Option<Rif>,
    #[serde(default)]
    pub indirizzo: Option<String>,
    #[serde(default)]
    pub costi: Vec<Costo>,
    #[serde(default)]
    pub organizzatore: Option<String>,
    #[serde(default)]
    pub contatti: Option<Contatti>,
    #[serde(default)]
    pub persone: Vec<Rif>,
    #[serde(default)]
    pub immagine: Option<Immagine>,
    #[serde(default)]
    pub allegati: Vec<Allegato>,
    #[serde(default)]
    pub in_evidenza: bool,
    #[serde(default)]
    pub bozza: bool,
    #[serde(default)]
    pub slug: Option<String>,
    /// Repeats weekly or monthly from `inizio` until `fino_al`.
    #[serde(default)]
    pub ricorrenza: Option<Ricorrenza>,
    /// Further dates (each with the same times as `inizio`/`fine` unless it has its own).
    #[serde(default)]
    pub altre_date: Vec<DataOra>,
    /// Accessibility of the event and the place (ramps, seats, interpreters ...).
    #[serde(default)]
    pub accessibilita: Option<String>,
}

/// How an event repeats.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ricorrenza {
    pub frequenza: Frequenza,
    /// Last day on which it may occur.
    pub fino_al: Data,
    /// Every N weeks or months (default 1).
    #[serde(default = "uno")]
    pub ogni: u32,
}

fn uno() -> u32 {
    1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Frequenza {
    Settimanale,
    Mensile,
}

impl Evento {
    /// Every day on which the event starts, in order (recurrence expanded, capped at 500).
    pub fn occorrenze(&self) -> Vec<chrono::NaiveDate> {
        use chrono::{Datelike, Days, Months};
        let start = self.inizio.data;
        let mut out = vec![start];
        if let Some(r) = &self.ricorrenza {
            let step = r.ogni.max(1);
            for n in 1..500u32 {
                let next = match r.frequenza {
                    Frequenza::Settimanale => {
                        start.checked_add_days(Days::new(7 * u64::from(step * n)))
                    }
                    Frequenza::Mensile => start
                        .checked_add_months(Months::new(step * n))
                        .filter(|d| d.day() == start.day()),
                };
                match next {
                    Some(d) if d <= r.fino_al.0 => out.push(d),
                    Some(_) => break,
                    None => continue,
                }
            }
        }
        out.extend(self.altre_date.iter().map(|d| d.data));
        out.sort();
        out.dedup();
        out
    }

    /// Length of one occurrence in days beyond the first (multi-day events).
    fn durata(&self) -> chrono::Duration {
        self.fine
            .map(|f| f.data - self.inizio.data)
            .unwrap_or_default()
            .max(chrono::Duration::zero())
    }

    /// Start of the first occurrence still on at `today` (it may have started before).
    pub fn prossima(&self, today: chrono::NaiveDate) -> Option<chrono::NaiveDate> {
        let d = self.durata();
        self.occorrenze().into_iter().find(|s| *s + d >= today)
    }
}

/// A scheda servizio: the sections the Modello prescribes, in its order.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Servizio {
    pub titolo: String,
    pub categorie: Vec<Voce>,
    pub descrizione_breve: Spanned<String>,
    pub a_chi_e_rivolto: Testo,
    pub come_fare: Testo,
    pub cosa_serve: Testo,
    pub cosa_si_ottiene: Testo,
    pub tempi_e_scadenze: Testo,
    pub condizioni_di_servizio: Allegato,
    pub ufficio_responsabile: Rif,
    pub argomenti: Vec<Voce>,
    #[serde(default = "yes")]
    pub attivo: bool,
    #[serde(default)]
    pub motivo_stato: Option<String>,
    #[serde(default)]
    pub sottotitolo: Option<String>,
    #[serde(default)]
    pub costi: Option<Testo>,
    #[serde(default)]
    pub accedi_online: Option<Spanned<civico_core::href::Href>>,
    #[serde(default)]
    pub canale_fisico: Option<Testo>,
    #[serde(default)]
    pub sedi: Vec<Rif>,
    #[serde(default)]
    pub vincoli: Option<Testo>,
    #[serde(default)]
    pub casi_particolari: Option<Testo>,
    #[serde(default)]
    pub ulteriori_informazioni: Option<Testo>,
    #[serde(default)]
    pub documenti: Vec<Rif>,
    #[serde(default)]
    pub servizi_collegati: Vec<Rif>,
    #[serde(default)]
    pub eventi_vita: Vec<String>,
    /// The online form of the service, for istanze (see `civico_core::modulo`).
    #[serde(default)]
    pub modulo: Option<civico_core::modulo::Modulo>,
    #[serde(default)]
    pub immagine: Option<Immagine>,
    #[serde(default)]
    pub in_evidenza: bool,
    #[serde(default)]
    pub bozza: bool,
    #[serde(default)]
    pub slug: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Luogo {
    pub titolo: String,
    pub descrizione_breve: Spanned<String>,
    pub indirizzo: String,
    pub cap: String,
    pub geo: Geo,
    pub modalita_accesso: Testo,
    #[serde(default)]
    pub tipo_luogo: Option<Voce>,
    #[serde(default)]
    pub nome_alternativo: Option<String>,
    #[serde(default)]
    pub orari: Option<Testo>,
    #[serde(default)]
    pub contatti: Option<Contatti>,
    #[serde(default)]
    pub struttura_responsabile: Option<Rif>,
    #[serde(default)]
    pub argomenti: Vec<Voce>,
    #[serde(default)]
    pub immagine: Option<Immagine>,
    #[serde(default)]
    pub in_evidenza: bool,
    #[serde(default)]
    pub bozza: bool,
    #[serde(default)]
    pub slug: Option<String>,
}

/// An unità organizzativa: organo di governo, area, ufficio or ente.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ufficio {
    pub titolo: String,
    pub tipo: Voce,
    pub descrizione_breve: Spanned<String>,
    pub competenze: Testo,
    pub sede: Rif,
    pub contatti: Contatti,
    #[serde(default)]
    pub responsabile: Option<Rif>,
    #[serde(default)]
    pub assessore_riferimento: Option<Rif>,
    #[serde(default)]
    pub persone: Vec<Rif>,
    #[serde(default)]
    pub genitore: Option<Rif>,
    #[serde(default)]
    pub orari: Option<Testo>,
    #[serde(default)]
    pub argomenti: Vec<Voce>,
    #[serde(default)]
    pub immagine: Option<Immagine>,
    #[serde(default)]
    pub bozza: bool,
    #[serde(default)]
    pub slug: Option<String>,
}

/// The role a persona pubblica holds (the Modello's Incarico), written inside the persona.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Incarico {
    pub titolo: String,
    pub tipo: TipoIncarico,
    #[serde(default)]
    pub ufficio: Option<Rif>,
    #[serde(default)]
    pub data_inizio: Option<Data>,
    #[serde(default)]
    pub data_fine: Option<Data>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TipoIncarico {
    Politico,
    Amministrativo,
    Altro,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Persona {
    pub nome: String,
    pub cognome: String,
    pub incarichi: Vec<Incarico>,
    #[serde(default)]
    pub descrizione_breve: Option<Spanned<String>>,
    #[serde(default)]
    pub competenze: Option<Testo>,
    #[serde(default)]
    pub deleghe: Option<Testo>,
    #[serde(default)]
    pub contatti: Option<Contatti>,
    #[serde(default)]
    pub curriculum_vitae: Option<Allegato>,
    #[serde(default)]
    pub immagine: Option<Immagine>,
    #[serde(default)]
    pub bozza: bool,
    #[serde(default)]
    pub slug: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Documento {
    pub titolo: String,
    pub tipo_documento: Voce,
    pub descrizione_breve: Spanned<String>,
    pub ufficio_responsabile: Rif,
    pub argomenti: Vec<Voce>,
    #[serde(default)]
    pub file: Option<Spanned<String>>,
    #[serde(default)]
    pub url: Option<Spanned<civico_core::href::Href>>,
    #[serde(default)]
    pub data: Option<Data>,
    #[serde(default)]
    pub numero_protocollo: Option<String>,
    #[serde(default)]
    pub data_protocollo: Option<Data>,
    #[serde(default)]
    pub formati: Option<String>,
    #[serde(default)]
    pub licenza: Option<Voce>,
    #[serde(default)]
    pub allegati: Vec<Allegato>,
    #[serde(default)]
    pub servizi: Vec<Rif>,
    #[serde(default)]
    pub bozza: bool,
    #[serde(default)]
    pub slug: Option<String>,
}

/// A question and its answer on the FAQ page.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Domanda {
    pub domanda: String,
    pub risposta: Testo,
}

/// A free page: privacy, note legali, FAQ, ...
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pagina {
    pub titolo: String,
    #[serde(default)]
    pub descrizione_breve: Option<Spanned<String>>,
    #[serde(default)]
    pub domande: Vec<Domanda>,
    #[serde(default)]
    pub aggiornato_il: Option<Data>,
    #[serde(default)]
    pub bozza: bool,
    #[serde(default)]
    pub slug: Option<String>,
}

/// An item or a section (`_index.md`) of Amministrazione trasparente. Its full treatment
/// (official tree, ANAC schemas, retention) belongs to the transparency stage.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Trasparenza {
    #[serde(default)]
    pub titolo: Option<String>,
    #[serde(default)]
    pub descrizione_breve: Option<Spanned<String>>,
    /// With its place, for the retention warning (the file is not read again to find it).
    #[serde(default)]
    pub pubblicato_il: Option<Spanned<Data>>,
    #[serde(default)]
    pub aggiornato_al: Option<Data>,
    /// For bandi: the closing date for offers or applications.
    #[serde(default)]
    pub scadenza: Option<Data>,
    #[serde(default)]
    pub sezioni: Vec<Voce>,
    #[serde(default)]
    pub non_applicabile: Option<String>,
    #[serde(default)]
    pub nessun_contenuto: Option<String>,
    #[serde(default)]
    pub allegati: Vec<Allegato>,
    #[serde(default)]
    pub bozza: bool,
    #[serde(default)]
    pub slug: Option<String>,
}

impl Trasparenza {
    /// The publication date, without its place.
    pub fn pubblicato(&self) -> Option<Data> {
        self.pubblicato_il.as_ref().map(|s| s.value)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Periodo {
    pub dal: Data,
    #[serde(default)]
    pub al: Option<Data>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Annullamento {
    pub data: Data,
    pub motivo: String,
}

/// An atto of the albo pretorio online.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttoAlbo {
    pub numero: u32,
    pub anno: u32,
    pub tipo: String,
    pub oggetto: String,
    pub pubblicazione: Periodo,
    #[serde(default)]
    pub ente_mittente: Option<String>,
    #[serde(default)]
    pub allegati: Vec<Allegato>,
    #[serde(default)]
    pub annullato: Option<Annullamento>,
    #[serde(default)]
    pub archivio: bool,
    #[serde(default)]
    pub bozza: bool,
    #[serde(default)]
    pub slug: Option<String>,
    /// SHA-256 of each attached file, by its `file` value (set by the albo stage).
    #[serde(skip_deserializing)]
    pub impronte: std::collections::BTreeMap<String, String>,
    /// Published only in the archive, without attachments (set by the albo stage).
    #[serde(skip_deserializing)]
    pub in_archivio: bool,
    /// Last day of publication, computed when `al` is omitted (set by the albo stage).
    #[serde(skip_deserializing)]
    pub fine_pubblicazione: Option<Data>,
}

/// The typed front matter of one file. Variants differ in size (a scheda servizio has many
/// sections); one value per file, so boxing would only add an allocation per document.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Meta {
    Notizia(Notizia),
    Evento(Evento),
    Servizio(Servizio),
    Luogo(Luogo),
    Ufficio(Ufficio),
    Persona(Persona),
    Documento(Documento),
    Pagina(Pagina),
    Trasparenza(Trasparenza),
    Albo(AttoAlbo),
}

impl Meta {
    pub fn titolo(&self) -> String {
        match self {
            Meta::Notizia(m) => m.titolo.clone(),
            Meta::Evento(m) => m.titolo.clone(),
            Meta::Servizio(m) => m.titolo.clone(),
            Meta::Luogo(m) => m.titolo.clone(),
            Meta::Ufficio(m) => m.titolo.clone(),
            Meta::Persona(m) => format!("{} {}", m.nome, m.cognome),
            Meta::Documento(m) => m.titolo.clone(),
            Meta::Pagina(m) => m.titolo.clone(),
            Meta::Trasparenza(m) => m.titolo.clone().unwrap_or_default(),
            Meta::Albo(m) => m.oggetto.clone(),
        }
    }

    pub fn descrizione_breve(&self) -> Option<&Spanned<String>> {
        match self {
            Meta::Notizia(m) => Some(&m.descrizione_breve),
            Meta::Evento(m) => Some(&m.descrizione_breve),
            Meta::Servizio(m) => Some(&m.descrizione_breve),
            Meta::Luogo(m) => Some(&m.descrizione_breve),
            Meta::Ufficio(m) => Some(&m.descrizione_breve),
            Meta::Persona(m) => m.descrizione_breve.as_ref(),
            Meta::Documento(m) => Some(&m.descrizione_breve),
            Meta::Pagina(m) => m.descrizione_breve.as_ref(),
            Meta::Trasparenza(m) => m.descrizione_breve.as_ref(),
            Meta::Albo(_) => None,
        }
    }

    pub fn bozza(&self) -> bool {
        match self {
            Meta::Notizia(m) => m.bozza,
            Meta::Evento(m) => m.bozza,
            Meta::Servizio(m) => m.bozza,
            Meta::Luogo(m) => m.bozza,
            Meta::Ufficio(m) => m.bozza,
            Meta::Persona(m) => m.bozza,
            Meta::Documento(m) => m.bozza,
            Meta::Pagina(m) => m.bozza,
            Meta::Trasparenza(m) => m.bozza,
            Meta::Albo(m) => m.bozza,
        }
    }

    pub fn slug(&self) -> Option<&str> {
        match self {
            Meta::Notizia(m) => m.slug.as_deref(),
            Meta::Evento(m) => m.slug.as_deref(),
            Meta::Servizio(m) => m.slug.as_deref(),
            Meta::Luogo(m) => m.slug.as_deref(),
            Meta::Ufficio(m) => m.slug.as_deref(),
            Meta::Persona(m) => m.slug.as_deref(),
            Meta::Documento(m) => m.slug.as_deref(),
            Meta::Pagina(m) => m.slug.as_deref(),
            Meta::Trasparenza(m) => m.slug.as_deref(),
            Meta::Albo(m) => m.slug.as_deref(),
        }
    }

    /// The argomenti the item is tagged with.
    pub fn argomenti(&self) -> &[Voce] {
        match self {
            Meta::Notizia(m) => &m.argomenti,
            Meta::Evento(m) => &m.argomenti,
            Meta::Servizio(m) => &m.argomenti,
            Meta::Luogo(m) => &m.argomenti,
            Meta::Ufficio(m) => &m.argomenti,
            Meta::Documento(m) => &m.argomenti,
            _ => &[],
        }
    }

    /// The date that orders the item in lists (publication, start).
    pub fn data(&self) -> Option<chrono::NaiveDate> {
        match self {
            Meta::Notizia(m) => Some(m.data.0),
            Meta::Evento(m) => Some(m.inizio.data),
            Meta::Documento(m) => m.data.map(|d| d.0),
            Meta::Pagina(m) => m.aggiornato_il.map(|d| d.0),
            Meta::Trasparenza(m) => m.pubblicato().or(m.aggiornato_al).map(|d| d.0),
            Meta::Albo(m) => Some(m.pubblicazione.dal.0),
            _ => None,
        }
    }

    /// Every reference to another file, for resolution and checking.
    pub fn refs(&self) -> Vec<&Rif> {
        let mut v: Vec<&Rif> = Vec::new();
        match self {
            Meta::Notizia(m) => {
                v.extend(&m.a_cura_di);
                v.extend(&m.persone);
                v.extend(&m.luoghi);
                v.extend(&m.documenti);
            }
            Meta::Evento(m) => {
                v.extend(&m.luogo);
                v.extend(&m.persone);
            }
            Meta::Servizio(m) => {
                v.push(&m.ufficio_responsabile);
                v.extend(&m.sedi);
                v.extend(&m.documenti);
                v.extend(&m.servizi_collegati);
            }
            Meta::Luogo(m) => v.extend(&m.struttura_responsabile),
            Meta::Ufficio(m) => {
                v.push(&m.sede);
                v.extend(&m.responsabile);
                v.extend(&m.assessore_riferimento);
                v.extend(&m.persone);
                v.extend(&m.genitore);
            }
            Meta::Persona(m) => v.extend(m.incarichi.iter().filter_map(|i| i.ufficio.as_ref())),
            Meta::Documento(m) => {
                v.push(&m.ufficio_responsabile);
                v.extend(&m.servizi);
            }
            Meta::Pagina(_) | Meta::Trasparenza(_) | Meta::Albo(_) => {}
        }
        v
    }

    /// Markdown text fields written in the front matter, with their names, in page order.
    pub fn testi(&self) -> Vec<(String, &Testo)> {
        let mut v: Vec<(String, &Testo)> = Vec::new();
        match self {
            Meta::Evento(m) => v.push(("a_chi_e_rivolto".into(), &m.a_chi_e_rivolto)),
            Meta::Servizio(m) => {
                v.push(("a_chi_e_rivolto".into(), &m.a_chi_e_rivolto));
                v.push(("come_fare".into(), &m.come_fare));
                v.push(("cosa_serve".into(), &m.cosa_serve));
                v.push(("cosa_si_ottiene".into(), &m.cosa_si_ottiene));
                v.push(("tempi_e_scadenze".into(), &m.tempi_e_scadenze));
                for (k, t) in [
                    ("costi", &m.costi),
                    ("canale_fisico", &m.canale_fisico),
                    ("vincoli", &m.vincoli),
                    ("casi_particolari", &m.casi_particolari),
                    ("ulteriori_informazioni", &m.ulteriori_informazioni),
                ] {
                    if let Some(t) = t {
                        v.push((k.into(), t));
                    }
                }
            }
            Meta::Luogo(m) => {
                v.push(("modalita_accesso".into(), &m.modalita_accesso));
                if let Some(t) = &m.orari {
                    v.push(("orari".into(), t));
                }
            }
            Meta::Ufficio(m) => {
                v.push(("competenze".into(), &m.competenze));
                if let Some(t) = &m.orari {
                    v.push(("orari".into(), t));
                }
            }
            Meta::Persona(m) => {
                if let Some(t) = &m.competenze {
                    v.push(("competenze".into(), t));
                }
                if let Some(t) = &m.deleghe {
                    v.push(("deleghe".into(), t));
                }
            }
            Meta::Pagina(m) => {
                for (i, d) in m.domande.iter().enumerate() {
                    v.push((format!("risposta_{}", i + 1), &d.risposta));
                }
            }
            _ => {}
        }
        v
    }

    /// Files and images the item points at, with their positions.
    pub fn files(&self) -> Vec<&Spanned<String>> {
        let mut v: Vec<&Spanned<String>> = Vec::new();
        match self {
            Meta::Notizia(m) => {
                v.extend(m.immagine.iter().map(|i| &i.file));
                v.extend(m.allegati.iter().filter_map(|a| a.file.as_ref()));
            }
            Meta::Evento(m) => {
                v.extend(m.immagine.iter().map(|i| &i.file));
                v.extend(m.allegati.iter().filter_map(|a| a.file.as_ref()));
            }
            Meta::Servizio(m) => {
                v.extend(m.immagine.iter().map(|i| &i.file));
                v.extend(m.condizioni_di_servizio.file.as_ref());
            }
            Meta::Luogo(m) => v.extend(m.immagine.iter().map(|i| &i.file)),
            Meta::Ufficio(m) => v.extend(m.immagine.iter().map(|i| &i.file)),
            Meta::Persona(m) => {
                v.extend(m.immagine.iter().map(|i| &i.file));
                v.extend(m.curriculum_vitae.iter().filter_map(|a| a.file.as_ref()));
            }
            Meta::Documento(m) => {
                v.extend(m.file.as_ref());
                v.extend(m.allegati.iter().filter_map(|a| a.file.as_ref()));
            }
            Meta::Pagina(_) => {}
            Meta::Trasparenza(m) => v.extend(m.allegati.iter().filter_map(|a| a.file.as_ref())),
            Meta::Albo(m) => v.extend(m.allegati.iter().filter_map(|a| a.file.as_ref())),
        }
        v
    }

    /// The image of the item, if any (for the alt-text warning and cards).
    pub fn immagine(&self) -> Option<&Immagine> {
        match self {
            Meta::Notizia(m) => m.immagine.as_ref(),
            Meta::Evento(m) => m.immagine.as_ref(),
            Meta::Servizio(m) => m.immagine.as_ref(),
            Meta::Luogo(m) => m.immagine.as_ref(),
            Meta::Ufficio(m) => m.immagine.as_ref(),
            Meta::Persona(m) => m.immagine.as_ref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recurrence_expands_weekly_monthly_and_extra_dates() {
        let y = "titolo: x\ntipo_evento: Mercato\ninizio: 2026-01-31\ndescrizione_breve: x\na_chi_e_rivolto: x\nargomenti: [Mercato]\nricorrenza: {frequenza: mensile, fino_al: 2026-06-30}\naltre_date: [2026-02-14]\n";
        let e: Evento = serde_saphyr::from_str(y).unwrap();
        let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        // The 31st of each month: months without one are skipped.
        assert_eq!(
            e.occorrenze(),
            [
                d("2026-01-31"),
                d("2026-02-14"),
                d("2026-03-31"),
                d("2026-05-31")
            ]
        );
        assert_eq!(e.prossima(d("2026-04-01")), Some(d("2026-05-31")));
        assert_eq!(e.prossima(d("2026-06-01")), None);
        let w: Evento = serde_saphyr::from_str(
            &y.replace("mensile", "settimanale")
                .replace("2026-06-30", "2026-02-14"),
        )
        .unwrap();
        assert_eq!(w.occorrenze().len(), 3, "31 Jan, 7 and 14 Feb");
    }
}
