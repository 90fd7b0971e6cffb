//! The territory events portal of the example network: every comune's upcoming events, a list
//! that works without JavaScript, its data file, web app manifest and service worker.

use std::collections::BTreeSet;

use crate::common::*;

#[test]
fn portal_lists_the_upcoming_events_of_every_comune() {
    let out = tempfile::tempdir().unwrap();
    let (ok, err) = build(&repo().join("content-example"), out.path(), &[]);
    assert!(ok, "{err}");
    let dir = out.path().join("eventi");
    let doc = html(&dir.join("index.html"));
    let cards = select(&doc, "#eventi > li.evento");
    let comuni: BTreeSet<&str> = cards
        .iter()
        .map(|c| c.value().attr("data-comune").unwrap())
        .collect();
    assert_eq!(
        comuni.into_iter().collect::<Vec<_>>(),
        ["borgo-san-fedele", "castelmarino", "valfiorita"]
    );
    let titles: Vec<String> = select(&doc, "#eventi .card-title a")
        .iter()
        .map(text)
        .collect();
    assert!(titles.contains(&"Mercato settimanale".to_string()));
    assert!(
        !titles.iter().any(|t| t.starts_with("Giornata ecologica")),
        "past events are not listed"
    );
    // Every comune publishes its own events: no title twice.
    let distinct: BTreeSet<&String> = titles.iter().collect();
    assert_eq!(distinct.len(), titles.len(), "{titles:?}");
    // Sorted by next date: Borgo San Fedele's Wednesday market (25 November) first.
    assert_eq!(titles[0], "Mercato contadino");
    let dates: Vec<&str> = select(&doc, "#eventi time.data")
        .iter()
        .map(|t| t.value().attr("datetime").unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    // A public administration's site: its footer links the accessibility declaration, the
    // privacy notice and the legal notes given in civico.yaml.
    let legal: Vec<(String, String)> = select(&doc, "footer a")
        .iter()
        .map(|a| (text(a), a.value().attr("href").unwrap().to_string()))
        .collect();
    for (label, start) in [
        (
            "Dichiarazione di accessibilità",
            "https://form.agid.gov.it/",
        ),
        (
            "Informativa privacy",
            "https://www.provincia.valdoro.vd.example/privacy/",
        ),
        (
            "Note legali",
            "https://www.provincia.valdoro.vd.example/note-legali/",
        ),
    ] {
        assert!(
            legal
                .iter()
                .any(|(t, h)| t == label && h.starts_with(start)),
            "{label}: {legal:?}"
        );
    }
    // The three filters start at the same height (the comune's has a checkbox under it).
    let form = select(&doc, "form#filtri");
    assert!(
        form[0].value().classes().any(|c| c == "align-items-start"),
        "filters aligned at the top"
    );
    // Each card links the comune's own event page.
    for a in select(&doc, "#eventi .card-title a") {
        let href = a.value().attr("href").unwrap();
        let (host, path) = href
            .trim_start_matches("https://www.comune.")
            .split_once(".vd.example")
            .unwrap();
        assert!(
            out.path()
                .join(host)
                .join(path.trim_start_matches('/'))
                .join("index.html")
                .is_file(),
            "{href}"
        );
    }
    // Without JavaScript: the filters stay hidden, the list is complete.
    assert_eq!(select(&doc, "form#filtri[hidden]").len(), 1);
    // Data, manifest and service worker.
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("eventi.json")).unwrap()).unwrap();
    assert_eq!(data["eventi"].as_array().unwrap().len(), cards.len());
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.webmanifest")).unwrap()).unwrap();
    assert_eq!(m["display"], "standalone");
    assert_eq!(m["lang"], "it");
    let icon = m["icons"][0]["src"].as_str().unwrap();
    assert!(dir.join(icon.trim_start_matches('/')).is_file(), "{icon}");
    assert_eq!(select(&doc, "link[rel=manifest]").len(), 1);
    let sw = std::fs::read_to_string(dir.join("sw.js")).unwrap();
    assert!(sw.contains("/eventi.json") && sw.contains("caches.match"));
    for asset in [
        "static/js/portale.js",
        "static/css/portale.css",
        "static/bootstrap-italia/js/bootstrap-italia.bundle.min.js",
    ] {
        assert!(dir.join(asset).is_file(), "{asset}");
    }
}
