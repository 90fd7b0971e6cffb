//! Calendars, feeds and sitemaps of the example sites, read back with real parsers: the
//! icalendar crate's parser, the rss and atom_syndication readers.

use std::collections::BTreeSet;

use crate::common::*;

/// A property: name, parameters, value.
type Prop = (String, Vec<(String, String)>, String);

/// The properties of every VEVENT.
fn vevents(text: &str) -> Vec<Vec<Prop>> {
    let unfolded = icalendar::parser::unfold(text);
    let cal = icalendar::parser::read_calendar(&unfolded).expect("valid iCalendar");
    cal.components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .map(|c| {
            c.properties
                .iter()
                .map(|p| {
                    (
                        p.name.as_str().to_string(),
                        p.params
                            .iter()
                            .map(|x| {
                                (
                                    x.key.as_str().to_string(),
                                    x.val
                                        .as_ref()
                                        .map(|v| v.as_str().to_string())
                                        .unwrap_or_default(),
                                )
                            })
                            .collect(),
                        p.val.as_str().to_string(),
                    )
                })
                .collect()
        })
        .collect()
}

fn prop<'a>(ev: &'a [Prop], name: &str) -> Vec<&'a Prop> {
    ev.iter().filter(|p| p.0 == name).collect()
}

#[test]
fn recurring_event_keeps_its_local_time_across_dst() {
    let text = std::fs::read_to_string(
        example_site().join("valfiorita/vivere-il-comune/eventi/mercato-settimanale/evento.ics"),
    )
    .unwrap();
    let unfolded = icalendar::parser::unfold(&text);
    let cal = icalendar::parser::read_calendar(&unfolded).unwrap();
    let tz = cal
        .components
        .iter()
        .find(|c| c.name == "VTIMEZONE")
        .expect("VTIMEZONE");
    assert!(tz
        .properties
        .iter()
        .any(|p| p.name.as_str() == "TZID" && p.val.as_str() == "Europe/Rome"));
    let subs: Vec<&str> = tz.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(subs, ["DAYLIGHT", "STANDARD"]);
    let evs = vevents(&text);
    assert_eq!(evs.len(), 1);
    let ev = &evs[0];
    let start = prop(ev, "DTSTART")[0];
    // 08:00 local, written with TZID: in summer (September) and in winter the same 08:00.
    assert_eq!(start.2, "20260905T080000");
    assert_eq!(start.1, [("TZID".to_string(), "Europe/Rome".to_string())]);
    assert_eq!(prop(ev, "DTEND")[0].2, "20260905T130000");
    assert_eq!(
        prop(ev, "RRULE")[0].2,
        "FREQ=WEEKLY;INTERVAL=1;UNTIL=20270626T215959Z"
    );
    let rdates: Vec<&str> = prop(ev, "RDATE").iter().map(|p| p.2.as_str()).collect();
    assert_eq!(rdates, ["20261223T080000", "20261230T080000"]);
    assert!(prop(ev, "RDATE")
        .iter()
        .all(|p| p.1 == [("TZID".to_string(), "Europe/Rome".to_string())]));
}

#[test]
fn single_events_are_in_utc_and_calendars_list_upcoming_events() {
    // Mercatino di Natale: 6 December 10:00 in Rome (winter, UTC+1) = 09:00Z.
    let text = std::fs::read_to_string(
        example_site().join("valfiorita/vivere-il-comune/eventi/mercatino-di-natale/evento.ics"),
    )
    .unwrap();
    let evs = vevents(&text);
    assert_eq!(prop(&evs[0], "DTSTART")[0].2, "20261206T090000Z");
    assert_eq!(prop(&evs[0], "DTEND")[0].2, "20261208T180000Z");
    // The comune's calendar has the upcoming events only (the September ecological day is over).
    let all = std::fs::read_to_string(
        example_site().join("valfiorita/vivere-il-comune/eventi/eventi.ics"),
    )
    .unwrap();
    let summaries: BTreeSet<String> = vevents(&all)
        .iter()
        .map(|e| prop(e, "SUMMARY")[0].2.clone())
        .collect();
    assert!(
        summaries.contains("Mercato del sabato")
            && summaries.contains("Mercatino di Natale in piazza dei Fiori"),
        "{summaries:?}"
    );
    assert!(
        !summaries.contains("Giornata ecologica lungo la Dorella"),
        "{summaries:?}"
    );
    // One calendar per tipo di evento.
    let mercatini = std::fs::read_to_string(
        example_site().join("valfiorita/vivere-il-comune/eventi/mercatino.ics"),
    )
    .unwrap();
    let cats: BTreeSet<String> = vevents(&mercatini)
        .iter()
        .map(|e| prop(e, "CATEGORIES")[0].2.clone())
        .collect();
    assert_eq!(cats.into_iter().collect::<Vec<_>>(), ["Mercatino"]);
    // Every page links the calendar in its head.
    let home = html(&example_site().join("valfiorita/index.html"));
    assert_eq!(
        select(&home, "link[rel=alternate][type='text/calendar']").len(),
        1
    );
}

#[test]
fn feeds_are_well_formed_with_the_expected_items() {
    for c in ["borgo-san-fedele", "castelmarino", "valfiorita"] {
        let dir = example_site().join(c);
        let rss = rss::Channel::read_from(&std::fs::read(dir.join("novita/feed.xml")).unwrap()[..])
            .expect("RSS");
        let atom = atom_syndication::Feed::read_from(
            &std::fs::read(dir.join("novita/atom.xml")).unwrap()[..],
        )
        .expect("Atom");
        // As many items as notizie + comunicati + avvisi published.
        let n = std::fs::read_dir(
            repo()
                .join("content-example/comuni")
                .join(c)
                .join("notizie"),
        )
        .unwrap()
        .count();
        assert_eq!(rss.items.len(), n, "{c}");
        assert_eq!(atom.entries.len(), n, "{c}");
        for (i, e) in rss.items.iter().zip(&atom.entries) {
            assert_eq!(i.title.as_deref(), Some(e.title.value.as_str()));
            let link = i.link.as_deref().unwrap();
            let path = link.split_once(".example").unwrap().1;
            assert!(
                dir.join(path.trim_start_matches('/'))
                    .join("index.html")
                    .is_file(),
                "{link}"
            );
        }
        // Newest first.
        let dates: Vec<_> = atom.entries.iter().map(|e| e.updated).collect();
        assert!(dates.windows(2).all(|w| w[0] >= w[1]));
        // Per tipo, events, albo, bandi.
        for f in [
            "novita/avvisi/feed.xml",
            "vivere-il-comune/eventi/feed.xml",
            "albo-pretorio/feed.xml",
            "amministrazione-trasparente/feed.xml",
        ] {
            rss::Channel::read_from(&std::fs::read(dir.join(f)).unwrap()[..])
                .unwrap_or_else(|e| panic!("{c}/{f}: {e}"));
        }
        let albo = rss::Channel::read_from(
            &std::fs::read(dir.join("albo-pretorio/feed.xml")).unwrap()[..],
        )
        .unwrap();
        assert_eq!(albo.items.len(), 4, "{c}: the atti in pubblicazione");
        let bandi = rss::Channel::read_from(
            &std::fs::read(dir.join("amministrazione-trasparente/feed.xml")).unwrap()[..],
        )
        .unwrap();
        assert!(bandi
            .items
            .iter()
            .any(|i| i.title.as_deref()
                == Some("Concorso per un posto di istruttore amministrativo")));
        let home = html(&dir.join("index.html"));
        assert_eq!(
            select(&home, "link[rel=alternate][type='application/rss+xml']").len(),
            2
        );
        assert_eq!(
            select(&home, "link[rel=alternate][type='application/atom+xml']").len(),
            1
        );
    }
}

#[test]
fn sitemap_lists_exactly_the_published_pages_but_the_albo() {
    for c in ["borgo-san-fedele", "castelmarino", "valfiorita"] {
        let dir = example_site().join(c);
        let xml = std::fs::read_to_string(dir.join("sitemap.xml")).unwrap();
        let base = format!("https://www.comune.{c}.vd.example");
        let listed: BTreeSet<String> = xml
            .split("<loc>")
            .skip(1)
            .map(|s| {
                s.split("</loc>")
                    .next()
                    .unwrap()
                    .trim_start_matches(&base)
                    .to_string()
            })
            .collect();
        let pages: BTreeSet<String> = walkdir::WalkDir::new(&dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_name() == "index.html")
            .map(|e| {
                let rel = e
                    .path()
                    .parent()
                    .unwrap()
                    .strip_prefix(&dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                if rel.is_empty() {
                    "/".to_string()
                } else {
                    format!("/{rel}/")
                }
            })
            .filter(|p| !p.starts_with("/albo-pretorio/"))
            .collect();
        assert_eq!(listed, pages, "{c}");
        let robots = std::fs::read_to_string(dir.join("robots.txt")).unwrap();
        assert!(robots.contains("Disallow: /albo-pretorio/"));
        assert!(robots.contains(&format!("Sitemap: {base}/sitemap.xml")));
    }
}

#[test]
fn open_data_round_trips_and_the_catalogue_describes_it() {
    for c in ["borgo-san-fedele", "castelmarino", "valfiorita"] {
        let dir = example_site().join(c).join("opendata");
        for (name, folder) in [
            ("notizie", "notizie"),
            ("eventi", "eventi"),
            ("servizi", "servizi"),
            ("luoghi", "luoghi"),
            ("uffici", "uffici"),
        ] {
            let mut rdr = csv::Reader::from_path(dir.join(format!("{name}.csv"))).unwrap();
            let head: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
            let rows: Vec<Vec<String>> = rdr
                .records()
                .map(|r| r.unwrap().iter().map(str::to_string).collect())
                .collect();
            let sources = example_markdown_files(c, folder);
            assert_eq!(
                rows.len(),
                sources,
                "{c}/{name}: one row per published item"
            );
            let json: serde_json::Value =
                serde_json::from_slice(&std::fs::read(dir.join(format!("{name}.json"))).unwrap())
                    .unwrap();
            assert_eq!(
                json["licenza"],
                "https://creativecommons.org/licenses/by/4.0/"
            );
            let data = json["dati"].as_array().unwrap();
            assert_eq!(data.len(), rows.len());
            for (j, r) in data.iter().zip(&rows) {
                for (k, v) in head.iter().zip(r) {
                    assert_eq!(j[k].as_str().unwrap(), v, "{c}/{name}.{k}");
                }
            }
        }
        let cat: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("catalogo.jsonld")).unwrap()).unwrap();
        let ds = cat["dcat:dataset"].as_array().unwrap();
        assert_eq!(ds.len(), 5 + 3, "{c}: 5 datasets and the 3 ANAC tables");
        for d in ds {
            for dist in d["dcat:distribution"].as_array().unwrap() {
                let url = dist["dcat:accessURL"]["@id"].as_str().unwrap();
                let path = url.split_once(".example").unwrap().1;
                assert!(
                    example_site()
                        .join(c)
                        .join(path.trim_start_matches('/'))
                        .is_file(),
                    "{url}"
                );
                assert!(dist["dct:license"]["@id"]
                    .as_str()
                    .unwrap()
                    .contains("CCBY40"));
            }
        }
        let page = html(&dir.join("index.html"));
        assert_eq!(select(&page, "main a[href$='.csv']").len(), 5);
    }
}
