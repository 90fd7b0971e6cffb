//! The outbox of a comune: what it published recently and may notify through IO.
//!
//! Built from the model on every build and written as `/io/outbox.json`: notizie, comunicati and
//! avvisi of the last [`FINESTRA_GIORNI`] days, upcoming events, bandi di gara and di concorso
//! published in the same window and not expired, and the atti in pubblicazione all'albo. Each
//! publication has a stable id (its channel and content key), so the sender recognises what it
//! already notified; the file depends only on the content and the build date.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::content::kinds::{Kind, Meta};
use crate::model::Site;

/// How far back a publication counts as new.
pub const FINESTRA_GIORNI: i64 = 30;

/// The IO services a comune may have: one per kind of publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Canale {
    Notizie,
    Eventi,
    Bandi,
    Albo,
}

impl Canale {
    pub const ALL: [Canale; 4] = [Canale::Notizie, Canale::Eventi, Canale::Bandi, Canale::Albo];

    pub fn nome(self) -> &'static str {
        match self {
            Canale::Notizie => "notizie",
            Canale::Eventi => "eventi",
            Canale::Bandi => "bandi",
            Canale::Albo => "albo",
        }
    }

    pub fn parse(s: &str) -> Option<Canale> {
        Canale::ALL.into_iter().find(|c| c.nome() == s.trim())
    }
}

/// One publication that may be notified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pubblicazione {
    /// `<canale>:<content key>`: the same across rebuilds.
    pub id: String,
    pub canale: Canale,
    /// What it is, in Italian ("Avviso", "Evento", "Bando di concorso", "Delibera", ...).
    pub tipo: String,
    pub titolo: String,
    pub descrizione: String,
    /// Publication date (for events: the next date it takes place).
    pub data: NaiveDate,
    /// Absolute URL of its page.
    pub url: String,
    /// Deadline: last day of publication at the albo, closing date of a bando.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scadenza: Option<NaiveDate>,
}

/// The outbox file of one comune.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outbox {
    pub comune: String,
    /// "Comune di ..." as shown to citizens.
    pub ente: String,
    /// The build date the outbox was made for.
    pub data: NaiveDate,
    pub pubblicazioni: Vec<Pubblicazione>,
}

/// The outbox of a comune's site on `today`.
pub fn outbox(site: &Site<'_>, today: NaiveDate) -> Outbox {
    let comune = &site.content.comune;
    let since = today - chrono::Duration::days(FINESTRA_GIORNI);
    let recent = |d: NaiveDate| d >= since && d <= today;
    let mut out = Vec::new();
    for (i, d) in site.content.docs.iter().enumerate() {
        let url = format!("{}{}", comune.base_url, site.doc_urls[i]);
        let (canale, tipo, data, scadenza, descrizione) = match &d.meta {
            Meta::Notizia(n) if recent(n.data.0) => (
                Canale::Notizie,
                n.tipo.singolare().to_string(),
                n.data.0,
                None,
                n.descrizione_breve.value.clone(),
            ),
            Meta::Evento(e) => match e.prossima(today) {
                Some(next) => (
                    Canale::Eventi,
                    "Evento".to_string(),
                    next,
                    None,
                    e.descrizione_breve.value.clone(),
                ),
                None => continue,
            },
            Meta::Trasparenza(t) if d.kind == Kind::Trasparenza && !d.is_section => {
                let tipo = if d
                    .key
                    .starts_with("amministrazione-trasparente/bandi-di-concorso/")
                {
                    "Bando di concorso"
                } else if d
                    .key
                    .starts_with("amministrazione-trasparente/bandi-di-gara-e-contratti/")
                {
                    "Bando di gara"
                } else {
                    continue;
                };
                let Some(data) = t.pubblicato_il.or(t.aggiornato_al).map(|x| x.0) else {
                    continue;
                };
                let scadenza = t.scadenza.map(|x| x.0);
                if !recent(data) || scadenza.is_some_and(|s| s < today) {
                    continue;
                }
                (
                    Canale::Bandi,
                    tipo.to_string(),
                    data,
                    scadenza,
                    t.descrizione_breve
                        .as_ref()
                        .map(|x| x.value.clone())
                        .unwrap_or_default(),
                )
            }
            // The model only holds the atti in their window; archived ones are not news.
            Meta::Albo(a) if !a.in_archivio && a.annullato.is_none() => (
                Canale::Albo,
                a.tipo.clone(),
                a.pubblicazione.dal.0,
                a.fine_pubblicazione.map(|x| x.0),
                a.ente_mittente
                    .as_ref()
                    .map(|e| format!("Atto n. {}/{} di {e}", a.numero, a.anno))
                    .unwrap_or_else(|| format!("Atto n. {}/{}", a.numero, a.anno)),
            ),
            _ => continue,
        };
        out.push(Pubblicazione {
            id: format!("{}:{}", canale.nome(), d.key),
            canale,
            tipo,
            titolo: d.meta.titolo(),
            descrizione,
            data,
            url,
            scadenza,
        });
    }
    out.sort_by(|a, b| b.data.cmp(&a.data).then_with(|| a.id.cmp(&b.id)));
    Outbox {
        comune: comune.slug.clone(),
        ente: format!("Comune di {}", comune.config.nome),
        data: today,
        pubblicazioni: out,
    }
}
