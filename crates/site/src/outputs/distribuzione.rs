//! What a comune's site publishes to be found and reused besides its pages: RSS 2.0 and Atom
//! feeds (rss and atom_syndication crates), `sitemap.xml` and `robots.txt`.
//!
//! Feeds: Novità (all, and per tipo), eventi, the atti in pubblicazione all'albo, and the bandi
//! of Amministrazione trasparente (gara and concorso). The sitemap lists every published page
//! but the albo and the 404 page, split with an index above 50,000 URLs.

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;

use crate::content::kinds::{Kind, Meta, TipoNotizia};
use crate::model::{PageKind, Site};

/// A feed: where it goes and what it lists.
pub struct Feed {
    /// Site path of the RSS file; the Atom one has `atom.xml` instead of `feed.xml`.
    pub path: String,
    pub titolo: String,
    pub descrizione: String,
    /// Page the feed describes.
    pub pagina: String,
    pub voci: Vec<Voce>,
}

pub struct Voce {
    pub titolo: String,
    pub url: String,
    pub descrizione: String,
    pub data: NaiveDate,
    pub categoria: Option<String>,
}

/// Number of items in a feed.
const MAX_ITEMS: usize = 50;
/// URLs per sitemap file (the protocol's limit).
pub const SITEMAP_MAX: usize = 50_000;

fn voce(site: &Site<'_>, i: usize, categoria: Option<String>) -> Option<Voce> {
    let d = &site.content.docs[i];
    Some(Voce {
        titolo: d.meta.titolo(),
        url: format!("{}{}", site.content.comune.base_url, site.doc_urls[i]),
        descrizione: d
            .meta
            .descrizione_breve()
            .map(|x| x.value.clone())
            .unwrap_or_default(),
        data: d.meta.data()?,
        categoria,
    })
}

/// Every feed of a comune.
pub fn feeds(site: &Site<'_>) -> Vec<Feed> {
    let docs = &site.content.docs;
    let nome = &site.content.comune.config.nome;
    let of = |keep: &dyn Fn(&Meta) -> bool| -> Vec<Voce> {
        let mut v: Vec<Voce> = docs
            .iter()
            .enumerate()
            .filter(|(_, d)| keep(&d.meta))
            .filter_map(|(i, d)| {
                let cat = match &d.meta {
                    Meta::Notizia(n) => Some(n.tipo.singolare().to_string()),
                    Meta::Evento(e) => Some(e.tipo_evento.value.clone()),
                    Meta::Albo(a) => Some(a.tipo.clone()),
                    _ => None,
                };
                voce(site, i, cat)
            })
            .collect();
        v.sort_by(|a, b| b.data.cmp(&a.data).then_with(|| a.titolo.cmp(&b.titolo)));
        v.truncate(MAX_ITEMS);
        v
    };
    let mut out = vec![Feed {
        path: "/novita/feed.xml".into(),
        titolo: format!("Novità dal Comune di {nome}"),
        descrizione: "Notizie, comunicati e avvisi".into(),
        pagina: "/novita/".into(),
        voci: of(&|m| matches!(m, Meta::Notizia(_))),
    }];
    for t in [
        TipoNotizia::Notizia,
        TipoNotizia::Comunicato,
        TipoNotizia::Avviso,
    ] {
        let slug = civico_core::slug::slugify(t.plurale());
        out.push(Feed {
            path: format!("/novita/{slug}/feed.xml"),
            titolo: format!("{} del Comune di {nome}", t.plurale()),
            descrizione: format!("{} pubblicati dal Comune", t.plurale()),
            pagina: format!("/novita/{slug}/"),
            voci: of(&|m| matches!(m, Meta::Notizia(n) if n.tipo == t)),
        });
    }
    out.push(Feed {
        path: "/vivere-il-comune/eventi/feed.xml".into(),
        titolo: format!("Eventi a {nome}"),
        descrizione: "Gli eventi del territorio comunale".into(),
        pagina: "/vivere-il-comune/eventi/".into(),
        voci: of(&|m| matches!(m, Meta::Evento(_))),
    });
    out.push(Feed {
        path: "/albo-pretorio/feed.xml".into(),
        titolo: format!("Albo pretorio del Comune di {nome}"),
        descrizione: "Atti in pubblicazione all'albo pretorio online".into(),
        pagina: "/albo-pretorio/".into(),
        voci: of(&|m| matches!(m, Meta::Albo(a) if !a.in_archivio)),
    });
    let bandi = |d: &crate::content::Document| {
        let k = d.key.as_str();
        d.kind == Kind::Trasparenza
            && !d.is_section
            && (k.starts_with("amministrazione-trasparente/bandi-di-gara-e-contratti/")
                || k.starts_with("amministrazione-trasparente/bandi-di-concorso/"))
    };
    let mut at: Vec<Voce> = docs
        .iter()
        .enumerate()
        .filter(|(_, d)| bandi(d))
        .filter_map(|(i, d)| {
            let Meta::Trasparenza(t) = &d.meta else {
                return None;
            };
            let data = t.aggiornato_al.or(t.pubblicato())?.0;
            Some(Voce {
                titolo: d.meta.titolo(),
                url: format!("{}{}", site.content.comune.base_url, site.doc_urls[i]),
                descrizione: t
                    .descrizione_breve
                    .as_ref()
                    .map(|x| x.value.clone())
                    .unwrap_or_default(),
                data,
                categoria: Some(
                    if d.key.contains("/bandi-di-concorso/") {
                        "Bandi di concorso"
                    } else {
                        "Bandi di gara e contratti"
                    }
                    .into(),
                ),
            })
        })
        .collect();
    at.sort_by_key(|v| std::cmp::Reverse(v.data));
    at.truncate(MAX_ITEMS);
    out.push(Feed {
        path: "/amministrazione-trasparente/feed.xml".into(),
        titolo: format!("Bandi del Comune di {nome}"),
        descrizione: "Aggiornamenti di Amministrazione trasparente: bandi di gara e bandi di concorso".into(),
        pagina: "/amministrazione-trasparente/".into(),
        voci: at,
    });
    out
}

fn noon(d: NaiveDate, tz: Tz) -> chrono::DateTime<chrono::FixedOffset> {
    let local = d.and_hms_opt(12, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.fixed_offset())
        .unwrap_or_else(|| chrono::Utc.from_utc_datetime(&local).fixed_offset())
}

/// Plain text as HTML text: `<`, `>`, `&` and quotes as entities.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The RSS 2.0 document of a feed.
pub fn rss(f: &Feed, base_url: &str, tz: Tz, today: NaiveDate) -> Vec<u8> {
    let items = f
        .voci
        .iter()
        .map(|v| rss::Item {
            title: Some(v.titolo.clone()),
            link: Some(v.url.clone()),
            // Feed readers read an RSS description as HTML: the plain text is escaped for it.
            description: Some(escape_html(&v.descrizione)),
            guid: Some(rss::Guid {
                value: v.url.clone(),
                permalink: true,
            }),
            pub_date: Some(noon(v.data, tz).to_rfc2822()),
            categories: v
                .categoria
                .iter()
                .map(|c| rss::Category {
                    name: c.clone(),
                    domain: None,
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    let ch = rss::Channel {
        title: f.titolo.clone(),
        link: format!("{base_url}{}", f.pagina),
        description: f.descrizione.clone(),
        language: Some("it".into()),
        last_build_date: Some(noon(today, tz).to_rfc2822()),
        generator: Some(format!("civico {}", env!("CARGO_PKG_VERSION"))),
        items,
        ..Default::default()
    };
    ch.write_to(Vec::new()).unwrap_or_default()
}

/// The Atom document of a feed.
pub fn atom(f: &Feed, base_url: &str, tz: Tz, today: NaiveDate) -> Vec<u8> {
    let link = |href: String, rel: &str| atom_syndication::Link {
        href,
        rel: rel.into(),
        ..Default::default()
    };
    let entries = f
        .voci
        .iter()
        .map(|v| atom_syndication::Entry {
            title: v.titolo.as_str().into(),
            id: v.url.clone(),
            updated: noon(v.data, tz),
            published: Some(noon(v.data, tz)),
            links: vec![link(v.url.clone(), "alternate")],
            summary: Some(v.descrizione.as_str().into()),
            categories: v
                .categoria
                .iter()
                .map(|c| atom_syndication::Category {
                    term: c.clone(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    let atom_path = f.path.replace("feed.xml", "atom.xml");
    let feed = atom_syndication::Feed {
        title: f.titolo.as_str().into(),
        id: format!("{base_url}{atom_path}"),
        updated: f
            .voci
            .first()
            .map_or_else(|| noon(today, tz), |v| noon(v.data, tz)),
        links: vec![
            link(format!("{base_url}{}", f.pagina), "alternate"),
            link(format!("{base_url}{atom_path}"), "self"),
        ],
        lang: Some("it".into()),
        entries,
        ..Default::default()
    };
    feed.write_to(Vec::new()).unwrap_or_default()
}

/// Site paths the sitemap lists, with the date of their content when known.
pub fn sitemap_pages(site: &Site<'_>) -> Vec<(String, Option<NaiveDate>)> {
    let mut pages: Vec<(String, Option<NaiveDate>)> = site
        .pages
        .iter()
        .filter(|p| !p.url.starts_with("/albo-pretorio/") && !p.url.ends_with(".html"))
        .filter(|p| !matches!(p.kind, PageKind::NotFound))
        .map(|p| {
            let date = match p.kind {
                PageKind::Doc(i) => site.content.docs[i].meta.data(),
                _ => p.trasparenza.as_ref().and_then(|t| t.aggiornato_al),
            };
            (p.url.clone(), date)
        })
        .collect();
    pages.sort();
    pages
}

fn esc(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// `sitemap.xml` (and `sitemap-N.xml` with an index when there are more than `max` URLs).
pub fn sitemaps(site: &Site<'_>, max: usize) -> Vec<(String, Vec<u8>)> {
    sitemap_files(&site.content.comune.base_url, &sitemap_pages(site), max)
}

/// The sitemap files of `pages` under `base_url`, at most `max` URLs per file.
pub fn sitemap_files(
    base_url: &str,
    pages: &[(String, Option<NaiveDate>)],
    max: usize,
) -> Vec<(String, Vec<u8>)> {
    let urlset = |chunk: &[(String, Option<NaiveDate>)]| {
        let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        for (u, d) in chunk {
            s.push_str("  <url><loc>");
            s.push_str(&esc(&format!(
                "{base_url}{}",
                crate::model::links::url_escape_path(u)
            )));
            s.push_str("</loc>");
            if let Some(d) = d {
                s.push_str(&format!("<lastmod>{}</lastmod>", d.format("%Y-%m-%d")));
            }
            s.push_str("</url>\n");
        }
        s.push_str("</urlset>\n");
        s.into_bytes()
    };
    let max = max.max(1);
    if pages.len() <= max {
        return vec![("/sitemap.xml".into(), urlset(pages))];
    }
    let mut out = Vec::new();
    let mut index = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (n, chunk) in pages.chunks(max).enumerate() {
        let path = format!("/sitemap-{}.xml", n + 1);
        index.push_str(&format!(
            "  <sitemap><loc>{}</loc></sitemap>\n",
            esc(&format!("{base_url}{path}"))
        ));
        out.push((path, urlset(chunk)));
    }
    index.push_str("</sitemapindex>\n");
    out.push(("/sitemap.xml".into(), index.into_bytes()));
    out
}

/// `robots.txt`: everything but the albo (Garante 243/2014: no indexing of legal publicity)
/// and the web editor.
pub fn robots(site: &Site<'_>) -> Vec<u8> {
    let c = &site.content.comune;
    format!(
        "User-agent: *\nDisallow: {0}/albo-pretorio/\nDisallow: {0}/admin/\n\nSitemap: {1}/sitemap.xml\n",
        c.base_path, c.base_url
    )
    .into_bytes()
}

/// Every distribution file of a comune: feeds (RSS and Atom), sitemaps, robots.txt.
pub fn files(site: &Site<'_>, tz: Tz, today: NaiveDate) -> Vec<(String, Vec<u8>)> {
    let base_url = &site.content.comune.base_url;
    let mut out = Vec::new();
    for f in feeds(site) {
        out.push((f.path.clone(), rss(&f, base_url, tz, today)));
        out.push((
            f.path.replace("feed.xml", "atom.xml"),
            atom(&f, base_url, tz, today),
        ));
    }
    out.extend(sitemaps(site, SITEMAP_MAX));
    out.push(("/robots.txt".into(), robots(site)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sitemaps_split_with_an_index_above_the_limit() {
        let pages: Vec<(String, Option<NaiveDate>)> = (0..5)
            .map(|i| (format!("/p{i}/"), NaiveDate::from_ymd_opt(2026, 11, 1)))
            .collect();
        let one = sitemap_files("https://x.it", &pages, 10);
        assert_eq!(one.len(), 1);
        let text = String::from_utf8(one[0].1.clone()).unwrap();
        assert_eq!(text.matches("<url>").count(), 5);
        assert!(text.contains("<loc>https://x.it/p0/</loc><lastmod>2026-11-01</lastmod>"));
        let split = sitemap_files("https://x.it", &pages, 2);
        let names: Vec<&str> = split.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            names,
            [
                "/sitemap-1.xml",
                "/sitemap-2.xml",
                "/sitemap-3.xml",
                "/sitemap.xml"
            ]
        );
        let index = String::from_utf8(split[3].1.clone()).unwrap();
        assert!(index.contains("<sitemapindex") && index.contains("https://x.it/sitemap-3.xml"));
    }

    #[test]
    fn rss_descriptions_are_text_not_markup() {
        let feed = Feed {
            path: "/novita/feed.xml".into(),
            titolo: "Novità".into(),
            descrizione: "Notizie".into(),
            pagina: "/novita/".into(),
            voci: vec![Voce {
                titolo: "Avviso".into(),
                url: "https://x.it/novita/avviso/".into(),
                descrizione: "<img src=x onerror=alert(1)> Tom & Jerry".into(),
                data: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
                categoria: None,
            }],
        };
        let xml = rss(
            &feed,
            "https://x.it",
            chrono_tz::Europe::Rome,
            feed.voci[0].data,
        );
        // What a reader gets once the XML is parsed, and then reads as HTML.
        let ch = ::rss::Channel::read_from(&xml[..]).unwrap();
        let html = ch.items[0].description.clone().unwrap();
        assert_eq!(html, "&lt;img src=x onerror=alert(1)&gt; Tom &amp; Jerry");
        let read = scraper::Html::parse_fragment(&html);
        assert!(read
            .select(&scraper::Selector::parse("img").unwrap())
            .next()
            .is_none());
    }
}
