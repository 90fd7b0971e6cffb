//! The official tree of "Amministrazione trasparente" (D.Lgs. 33/2013, Allegato 1 to ANAC
//! delibera 1310/2016 with later changes): 22 first-level and 61 second-level sections in
//! official order, each with its norm, update frequency and whether it applies to comuni.
//!
//! The data is `data/at-tree.yaml` (copied from the project's research, sources inside), embedded
//! in the binary and parsed once.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// Whether a section applies to comuni.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Applicabilita {
    Si,
    No,
    /// Depends on facts or size (e.g. only comuni with dirigenti): kept, may be declared n/a.
    Condizionata,
}

impl<'de> Deserialize<'de> for Applicabilita {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            B(bool),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::B(true) => Ok(Applicabilita::Si),
            Raw::B(false) => Ok(Applicabilita::No),
            Raw::S(s) if s == "conditional" => Ok(Applicabilita::Condizionata),
            Raw::S(s) => Err(serde::de::Error::custom(format!("comuni: `{s}`"))),
        }
    }
}

/// One section of the tree.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Sezione {
    pub order: u32,
    /// Positional code `NN` or `NN.MM`.
    pub code: String,
    /// `disposizioni-generali` or `disposizioni-generali/atti-generali`.
    pub slug: String,
    /// Official title: the link text crawlers look for.
    pub title: String,
    pub level: u8,
    pub parent: Option<String>,
    pub norma: String,
    /// tempestivo, trimestrale, semestrale, annuale, nessuno, variabile, non-previsto.
    pub aggiornamento: String,
    pub comuni: Applicabilita,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

impl Sezione {
    /// How often the section must be updated, as a sentence for the page.
    pub fn frequenza(&self) -> &'static str {
        match self.aggiornamento.as_str() {
            "tempestivo" => "Aggiornamento tempestivo",
            "trimestrale" => "Aggiornamento trimestrale",
            "semestrale" => "Aggiornamento semestrale",
            "annuale" => "Aggiornamento annuale",
            "nessuno" => "Nessun aggiornamento previsto",
            "non-previsto" => "Aggiornamento non previsto",
            _ => "Aggiornamento con frequenze diverse per ciascun obbligo",
        }
    }
}

#[derive(Debug, Deserialize)]
struct File {
    sections: Vec<Sezione>,
}

/// The whole tree, in official order.
#[derive(Debug)]
pub struct Albero {
    pub sezioni: Vec<Sezione>,
}

static TREE: OnceLock<Albero> = OnceLock::new();

/// The embedded tree.
pub fn get() -> &'static Albero {
    TREE.get_or_init(|| {
        let text = include_str!("../../../../data/at-tree.yaml");
        let file: File = serde_saphyr::from_str(text).expect("data/at-tree.yaml is valid");
        let mut sezioni = file.sections;
        sezioni.sort_by_key(|s| s.order);
        Albero { sezioni }
    })
}

impl Albero {
    pub fn sezione(&self, slug: &str) -> Option<&Sezione> {
        self.sezioni.iter().find(|s| s.slug == slug)
    }

    /// The sections a site shows: all, or only those that apply to comuni (`Si` or
    /// `Condizionata`), in official order.
    pub fn visibili(&self, tutte: bool) -> impl Iterator<Item = &Sezione> {
        self.sezioni
            .iter()
            .filter(move |s| tutte || s.comuni != Applicabilita::No)
    }

    /// Second-level sections under `parent`, in order.
    pub fn figli<'a>(&'a self, parent: &'a str, tutte: bool) -> impl Iterator<Item = &'a Sezione> {
        self.visibili(tutte)
            .filter(move |s| s.parent.as_deref() == Some(parent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_order_match_the_official_tree() {
        let t = get();
        let l1: Vec<&Sezione> = t.sezioni.iter().filter(|s| s.level == 1).collect();
        let l2: Vec<&Sezione> = t.sezioni.iter().filter(|s| s.level == 2).collect();
        assert_eq!(l1.len(), 22);
        assert_eq!(l2.len(), 61);
        assert_eq!(l1[0].title, "Disposizioni generali");
        assert_eq!(l1[1].title, "Organizzazione");
        assert_eq!(l1[4].title, "Bandi di concorso");
        assert_eq!(l1[5].title, "Performance");
        assert_eq!(l1[21].title, "Altri contenuti");
        // Depth-first official order: every second-level section follows its parent.
        for (i, s) in t.sezioni.iter().enumerate() {
            assert_eq!(s.order as usize, i + 1, "{}", s.slug);
            if let Some(p) = &s.parent {
                let pi = t.sezioni.iter().position(|x| &x.slug == p).unwrap();
                assert!(pi < i, "{} after its parent", s.slug);
                assert!(s.slug.starts_with(&format!("{p}/")));
            }
        }
    }

    #[test]
    fn sections_not_for_comuni_are_hidden_unless_asked() {
        let t = get();
        let hidden: Vec<&str> = t
            .sezioni
            .iter()
            .filter(|s| s.comuni == Applicabilita::No)
            .map(|s| s.slug.as_str())
            .collect();
        assert_eq!(hidden.len(), 4, "{hidden:?}");
        assert!(hidden.contains(&"strutture-sanitarie-private-accreditate"));
        assert_eq!(t.visibili(false).count(), 83 - 4);
        assert_eq!(t.visibili(true).count(), 83);
        let pagamenti: Vec<&str> = t
            .figli("pagamenti-dell-amministrazione", false)
            .map(|s| s.title.as_str())
            .collect();
        assert_eq!(
            pagamenti,
            [
                "Dati sui pagamenti",
                "Indicatore di tempestività dei pagamenti",
                "IBAN e pagamenti informatici"
            ]
        );
    }
}
