//! The static search index of one comune: what the search modal and the Ricerca page query in the
//! browser, written as `/ricerca/indice.json`.
//!
//! Each entry carries the title, the short description, the URL, the tipologia and the argomenti
//! of one published page; the browser normalises and matches them (see `static/js/civico.js`).
//! Built from the model, not by re-parsing the HTML, so it costs one pass over the documents.
//! Albo acts are left out: they are temporary and have their own register.

use serde::Serialize;

use crate::content::kinds::Kind;
use crate::model::Site;
use civico_core::vocabolari;

/// The index as serialised: tipologie and argomenti once, entries refer to them by position.
#[derive(Debug, Serialize)]
pub struct SearchIndex {
    pub tipologie: Vec<&'static str>,
    pub argomenti: Vec<String>,
    pub voci: Vec<Entry>,
}

#[derive(Debug, Serialize)]
pub struct Entry {
    /// Title.
    pub t: String,
    /// Short description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub d: String,
    /// Link, with the comune's base path.
    pub u: String,
    /// Index into `tipologie`.
    pub k: usize,
    /// Indexes into `argomenti`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub a: Vec<usize>,
}

/// The kinds that appear in search, in the order the filters show them.
const SEARCHED: [Kind; 8] = [
    Kind::Servizio,
    Kind::Notizia,
    Kind::Evento,
    Kind::Luogo,
    Kind::Ufficio,
    Kind::Persona,
    Kind::Documento,
    Kind::Pagina,
];

/// Label of a tipologia in the search filters.
fn tipologia(k: Kind) -> &'static str {
    match k {
        Kind::Servizio => "Servizi",
        Kind::Notizia => "Novità",
        Kind::Evento => "Eventi",
        Kind::Luogo => "Luoghi",
        Kind::Ufficio => "Uffici",
        Kind::Persona => "Persone",
        Kind::Documento => "Documenti",
        Kind::Pagina => "Pagine",
        Kind::Trasparenza => "Amministrazione trasparente",
        Kind::Albo => "Albo pretorio",
    }
}

/// Builds the index of `site`.
pub fn index(site: &Site<'_>) -> SearchIndex {
    let v = vocabolari::get();
    let tipologie: Vec<&'static str> = SEARCHED
        .iter()
        .copied()
        .chain([Kind::Trasparenza])
        .map(tipologia)
        .collect();
    let argomenti: Vec<String> = site.argomenti.keys().cloned().collect();
    let base = site.base_path();
    let mut voci = Vec::with_capacity(site.content.docs.len());
    for (i, d) in site.content.docs.iter().enumerate() {
        let Some(k) = tipologie.iter().position(|t| *t == tipologia(d.kind)) else {
            continue;
        };
        let a = d
            .meta
            .argomenti()
            .iter()
            .filter_map(|x| v.argomento(&x.value))
            .filter_map(|name| argomenti.iter().position(|n| n == name))
            .collect();
        voci.push(Entry {
            t: d.meta.titolo(),
            d: d.meta
                .descrizione_breve()
                .map(|p| p.value.clone())
                .unwrap_or_default(),
            u: format!("{base}{}", site.doc_urls[i]),
            k,
            a,
        });
    }
    voci.sort_by(|x, y| x.k.cmp(&y.k).then_with(|| x.t.cmp(&y.t)));
    SearchIndex {
        tipologie,
        argomenti,
        voci,
    }
}
