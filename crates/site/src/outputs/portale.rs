//! The territory events portal: one network-level site (`portale:` in civico.yaml) with the
//! upcoming events of every comune, for citizens' phones.
//!
//! The page is a plain, server-rendered list that works without JavaScript; `portale.js` adds
//! filters by comune ("Il mio Comune", remembered on the device), zona and category, "I miei
//! eventi" (saved on the device, exportable as .ics), and registers a service worker that keeps
//! the last data for offline use. Installable as a PWA (web app manifest). Nothing leaves the
//! device: no cookies, no accounts.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::content::kinds::Meta;
use crate::model::Site;
use civico_core::config::{Portale, Rete};

/// One upcoming event, as the portal shows and filters it.
#[derive(Debug, Clone, Serialize)]
pub struct EventoPortale {
    pub id: String,
    pub titolo: String,
    pub descrizione: String,
    pub comune: String,
    pub comune_slug: String,
    pub zona: String,
    pub categoria: String,
    /// Next occurrence (ISO date) and its last day.
    pub data: NaiveDate,
    pub fine: NaiveDate,
    /// `HH:MM`, empty for all-day events.
    pub ora: String,
    pub luogo: String,
    pub url: String,
    pub immagine: Option<String>,
    pub immagine_alt: String,
    /// Width and height of the image, when known (the list keeps its place while it loads).
    pub immagine_dimensioni: Option<(u32, u32)>,
    /// For the .ics export: `YYYYMMDDTHHMMSSZ` start and end, or `YYYYMMDD` days.
    pub ics_inizio: String,
    pub ics_fine: String,
}

/// The upcoming events of one comune's site.
pub fn eventi(site: &Site<'_>, tz: Tz, today: NaiveDate) -> Vec<EventoPortale> {
    let c = &site.content.comune;
    let v = civico_core::vocabolari::get();
    let mut out = Vec::new();
    for (i, d) in site.content.docs.iter().enumerate() {
        let Meta::Evento(e) = &d.meta else { continue };
        let Some(start) = e.prossima(today) else {
            continue;
        };
        let days = e.fine.map(|f| f.data - e.inizio.data).unwrap_or_default();
        let end = start + days.max(chrono::Duration::zero());
        let luogo = e
            .luogo
            .as_ref()
            .and_then(|r| site.targets.get(&r.key))
            .map(|t| t.titolo.clone())
            .or_else(|| e.indirizzo.clone())
            .unwrap_or_default();
        let (ics_inizio, ics_fine) = match e.inizio.ora {
            Some(t) => {
                let to_utc = |d: NaiveDate, t: NaiveTime| {
                    tz.from_local_datetime(&NaiveDateTime::new(d, t))
                        .earliest()
                        .map(|x| x.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ").to_string())
                        .unwrap_or_default()
                };
                let end_t = e.fine.and_then(|f| f.ora).unwrap_or(t);
                let mut fine = to_utc(end, end_t);
                if e.fine.is_none() {
                    fine = to_utc(
                        start,
                        (NaiveDateTime::new(start, t) + chrono::Duration::hours(1)).time(),
                    );
                }
                (to_utc(start, t), fine)
            }
            None => (
                start.format("%Y%m%d").to_string(),
                (end + chrono::Days::new(1)).format("%Y%m%d").to_string(),
            ),
        };
        let immagine = e.immagine.as_ref().and_then(|img| {
            site.rendered[i]
                .files
                .get(&img.file.value)
                .map(|u| format!("{}{}", c.base_url, u.trim_start_matches(&c.base_path)))
        });
        out.push(EventoPortale {
            id: format!(
                "{}:{}",
                c.slug,
                site.doc_urls[i]
                    .trim_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
            ),
            titolo: e.titolo.clone(),
            descrizione: e.descrizione_breve.value.clone(),
            comune: c.config.nome.clone(),
            comune_slug: c.slug.clone(),
            zona: c.config.zona.clone().unwrap_or_default(),
            categoria: v
                .tipo_evento(&e.tipo_evento.value)
                .unwrap_or(&e.tipo_evento.value)
                .to_string(),
            data: start,
            fine: end,
            ora: e
                .inizio
                .ora
                .map(|t| t.format("%H:%M").to_string())
                .unwrap_or_default(),
            luogo,
            url: format!("{}{}", c.base_url, site.doc_urls[i]),
            immagine_dimensioni: e
                .immagine
                .as_ref()
                .and_then(|img| site.rendered[i].dimensioni.get(&img.file.value).copied()),
            immagine,
            immagine_alt: e
                .immagine
                .as_ref()
                .and_then(|x| x.alt.clone())
                .unwrap_or_default(),
            ics_inizio,
            ics_fine,
        });
    }
    out
}

/// The portal's data for the template and the JSON file.
#[derive(Serialize)]
pub struct Dati<'a> {
    pub titolo: &'a str,
    pub descrizione: String,
    pub gestore: &'a str,
    pub base: String,
    pub aggiornato: NaiveDate,
    pub eventi: Vec<EventoPortale>,
    /// (slug, name) of the comuni, (zone), (category) for the filters.
    pub comuni: Vec<(String, String)>,
    pub zone: Vec<String>,
    pub categorie: Vec<String>,
    /// The footer's links: (text, address), those civico.yaml gives.
    pub legali: Vec<(&'static str, String)>,
}

pub fn dati<'a>(
    p: &'a Portale,
    rete: &'a Rete,
    mut eventi: Vec<EventoPortale>,
    today: NaiveDate,
) -> Dati<'a> {
    eventi.sort_by(|a, b| (a.data, &a.ora, &a.titolo).cmp(&(b.data, &b.ora, &b.titolo)));
    let mut comuni: Vec<(String, String)> = eventi
        .iter()
        .map(|e| (e.comune_slug.clone(), e.comune.clone()))
        .collect();
    comuni.sort_by(|a, b| a.1.cmp(&b.1));
    comuni.dedup();
    let mut zone: Vec<String> = eventi
        .iter()
        .map(|e| e.zona.clone())
        .filter(|z| !z.is_empty())
        .collect();
    zone.sort();
    zone.dedup();
    let mut categorie: Vec<String> = eventi.iter().map(|e| e.categoria.clone()).collect();
    categorie.sort();
    categorie.dedup();
    let base = url::Url::parse(&p.base_url)
        .map(|u| u.path().trim_end_matches('/').to_string())
        .unwrap_or_default();
    Dati {
        titolo: &p.titolo,
        descrizione: p
            .descrizione
            .clone()
            .unwrap_or_else(|| "Gli eventi di tutti i comuni del territorio".into()),
        gestore: &rete.gestore,
        base,
        aggiornato: today,
        eventi,
        comuni,
        zone,
        categorie,
        legali: [
            (
                "Dichiarazione di accessibilità",
                &p.dichiarazione_accessibilita,
            ),
            ("Informativa privacy", &p.privacy),
            ("Note legali", &p.note_legali),
        ]
        .into_iter()
        .filter_map(|(t, h)| h.as_ref().map(|h| (t, h.to_string())))
        .collect(),
    }
}

/// The web app manifest.
pub fn manifest(d: &Dati<'_>) -> Vec<u8> {
    let m = serde_json::json!({
        "name": d.titolo,
        "short_name": "Eventi",
        "description": d.descrizione,
        "lang": "it",
        "start_url": format!("{}/", d.base),
        "scope": format!("{}/", d.base),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0066cc",
        "icons": [{"src": format!("{}/static/img/icona.svg", d.base), "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
    });
    serde_json::to_vec_pretty(&m).unwrap_or_default()
}

/// The service worker: the page, its assets and the data are cached; the data is fetched from
/// the network first so that the list is fresh online and the last copy serves offline.
pub fn service_worker(d: &Dati<'_>) -> Vec<u8> {
    let b = &d.base;
    format!(
        r#"// civico: service worker of the events portal (cache of the last data for offline use).
const CACHE = "portale-{ver}";
const FILES = ["{b}/", "{b}/eventi.json", "{b}/static/js/portale.js", "{b}/static/css/portale.css", "{b}/static/css/civico.css",
  "{b}/static/bootstrap-italia/css/bootstrap-italia.min.css", "{b}/static/bootstrap-italia/js/bootstrap-italia.bundle.min.js",
  "{b}/static/img/icona.svg"];
self.addEventListener("install", (e) => {{
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
}});
self.addEventListener("activate", (e) => {{
  e.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
}});
self.addEventListener("fetch", (e) => {{
  if (e.request.method !== "GET") return;
  e.respondWith(fetch(e.request).then((r) => {{
    if (r.ok && new URL(e.request.url).origin === self.location.origin) {{
      const copy = r.clone();
      caches.open(CACHE).then((c) => c.put(e.request, copy));
    }}
    return r;
  }}).catch(() => caches.match(e.request).then((r) => r || caches.match("{b}/"))));
}});
"#,
        ver = d.aggiornato.format("%Y%m%d"),
    )
    .into_bytes()
}

/// The portal's icon: a calendar on the primary colour.
pub const ICONA: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><rect width="512" height="512" rx="96" fill="#0066cc"/><rect x="112" y="144" width="288" height="256" rx="24" fill="#fff"/><rect x="112" y="144" width="288" height="64" rx="24" fill="#cfe3f7"/><g fill="#0066cc"><rect x="160" y="248" width="48" height="40"/><rect x="232" y="248" width="48" height="40"/><rect x="304" y="248" width="48" height="40"/><rect x="160" y="312" width="48" height="40"/><rect x="232" y="312" width="48" height="40"/></g></svg>
"##;
