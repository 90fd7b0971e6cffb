//! The controlled vocabularies of the Modello Comuni, embedded from `data/vocabolari.yaml`.
//!
//! argomenti (64 topics), categorie di servizio (15), tipi di notizia, evento, luogo,
//! documento, unità organizzativa, incarico, licenze. Matching is case-insensitive, as in
//! AGID's validator; lookups return the canonical spelling, which is what pages print.

use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Categoria {
    pub nome: String,
    pub descrizione: String,
}

#[derive(Debug, Deserialize)]
pub struct TipoNotizia {
    pub singolare: String,
    pub plurale: String,
    pub chiave: String,
}

#[derive(Debug, Deserialize)]
pub struct TipoDocumento {
    pub singolare: String,
    pub plurale: String,
}

#[derive(Debug, Deserialize)]
pub struct TipiUnita {
    #[serde(rename = "struttura amministrativa")]
    pub amministrativa: Vec<String>,
    #[serde(rename = "struttura politica")]
    pub politica: Vec<String>,
    #[serde(rename = "altra struttura")]
    pub altra: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Vocabolari {
    pub argomenti: Vec<String>,
    pub categorie_servizio: Vec<Categoria>,
    pub tipi_notizia: Vec<TipoNotizia>,
    pub tipi_evento: Vec<String>,
    pub tipi_luogo: Vec<String>,
    pub tipi_documento: Vec<TipoDocumento>,
    pub tipi_unita_organizzativa: TipiUnita,
    pub tipi_incarico: Vec<String>,
    pub licenze: Vec<String>,
}

/// The second-level group of Amministrazione an organisational unit belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GruppoUnita {
    OrganiDiGoverno,
    AreeAmministrative,
    Uffici,
    EntiEFondazioni,
}

impl GruppoUnita {
    pub fn titolo(self) -> &'static str {
        match self {
            GruppoUnita::OrganiDiGoverno => "Organi di governo",
            GruppoUnita::AreeAmministrative => "Aree amministrative",
            GruppoUnita::Uffici => "Uffici",
            GruppoUnita::EntiEFondazioni => "Enti e fondazioni",
        }
    }
}

static DATA: &str = include_str!("../../../data/vocabolari.yaml");

/// The vocabularies, parsed once.
pub fn get() -> &'static Vocabolari {
    static V: OnceLock<Vocabolari> = OnceLock::new();
    V.get_or_init(|| {
        serde_saphyr::from_str(DATA)
            .expect("data/vocabolari.yaml is valid (checked by a unit test)")
    })
}

/// The entry of `list` whose name (`key`) is `value` regardless of case.
fn find_by<'a, T>(list: &'a [T], value: &str, key: impl Fn(&T) -> &String) -> Option<&'a T> {
    let v = value.trim();
    // Most values differ at most in ASCII case; accented capitals need the full lowercase.
    if let Some(t) = list.iter().find(|t| key(t).eq_ignore_ascii_case(v)) {
        return Some(t);
    }
    let lv = v.to_lowercase();
    list.iter().find(|t| key(t).to_lowercase() == lv)
}

fn find<'a>(list: &'a [String], value: &str) -> Option<&'a str> {
    find_by(list, value, |s| s).map(String::as_str)
}

impl Vocabolari {
    pub fn argomento(&self, v: &str) -> Option<&str> {
        find(&self.argomenti, v)
    }

    pub fn categoria(&self, v: &str) -> Option<&Categoria> {
        find_by(&self.categorie_servizio, v, |c| &c.nome)
    }

    pub fn tipo_evento(&self, v: &str) -> Option<&str> {
        find(&self.tipi_evento, v)
    }

    pub fn tipo_luogo(&self, v: &str) -> Option<&str> {
        find(&self.tipi_luogo, v)
    }

    pub fn tipo_documento(&self, v: &str) -> Option<&TipoDocumento> {
        find_by(&self.tipi_documento, v, |t| &t.singolare)
    }

    pub fn licenza(&self, v: &str) -> Option<&str> {
        find(&self.licenze, v)
    }

    pub fn tipi_unita(&self) -> impl Iterator<Item = &str> {
        let t = &self.tipi_unita_organizzativa;
        t.amministrativa
            .iter()
            .chain(&t.politica)
            .chain(&t.altra)
            .map(String::as_str)
    }

    /// Canonical spelling and Amministrazione group of a tipo di unità organizzativa.
    pub fn tipo_unita(&self, v: &str) -> Option<(&str, GruppoUnita)> {
        let t = &self.tipi_unita_organizzativa;
        if let Some(x) = find(&t.politica, v) {
            return Some((x, GruppoUnita::OrganiDiGoverno));
        }
        if let Some(x) = find(&t.amministrativa, v) {
            let g = if x == "area" {
                GruppoUnita::AreeAmministrative
            } else {
                GruppoUnita::Uffici
            };
            return Some((x, g));
        }
        find(&t.altra, v).map(|x| (x, GruppoUnita::EntiEFondazioni))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_have_the_official_counts() {
        let v = get();
        assert_eq!(v.argomenti.len(), 64);
        assert_eq!(v.categorie_servizio.len(), 15);
        assert_eq!(v.tipi_notizia.len(), 3);
        assert_eq!(v.tipi_documento.len(), 10);
    }

    #[test]
    fn lookups_are_case_insensitive_and_canonical() {
        let v = get();
        assert_eq!(v.argomento("gestione RIFIUTI"), Some("Gestione rifiuti"));
        assert_eq!(v.argomento("Rifiuti"), None);
        assert_eq!(
            v.categoria("anagrafe e stato civile")
                .map(|c| c.nome.as_str()),
            Some("Anagrafe e stato civile")
        );
        assert_eq!(
            v.tipo_unita("Giunta comunale"),
            Some(("giunta comunale", GruppoUnita::OrganiDiGoverno))
        );
        assert_eq!(
            v.tipo_unita("area"),
            Some(("area", GruppoUnita::AreeAmministrative))
        );
        assert_eq!(v.tipo_evento("sagra"), Some("Sagra"));
    }
}
