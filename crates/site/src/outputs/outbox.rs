//! The outbox of a comune (see `civico_core::outbox` for the format), built from the model on
//! every build: notizie, comunicati and avvisi of the last [`FINESTRA_GIORNI`] days, upcoming
//! events, bandi di gara and di concorso published in the same window and not expired, and the
//! atti in pubblicazione all'albo.

use chrono::NaiveDate;

pub use civico_core::outbox::{Canale, Outbox, Pubblicazione};

use crate::content::kinds::{Kind, Meta};
use crate::model::Site;

/// How far back a publication counts as new.
pub const FINESTRA_GIORNI: i64 = 30;

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
                let Some(data) = t.pubblicato().or(t.aggiornato_al).map(|x| x.0) else {
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
