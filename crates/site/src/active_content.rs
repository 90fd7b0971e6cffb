//! Files that would run code on the comune's origin if published as they are: web pages,
//! scripts, and SVG or XML documents with scripts, event handlers or external references.
//!
//! Images and attachments are copied byte for byte next to the page that uses them, on the same
//! origin as the site (and its web editor, which holds the editor's git token). A page or a script
//! among them would run there, so they are refused with the place that names them; an SVG or
//! XML file is read and refused only when it carries active content.

use std::path::Path;

/// The diagnostic code of a refused file.
pub const CODE: &str = "E-FILE-ACTIVE";

/// Extensions of files a browser runs or renders as a page of the site.
const PAGES_AND_SCRIPTS: [&str; 14] = [
    "html", "htm", "xhtml", "xht", "shtml", "mht", "mhtml", "xsl", "xslt", "js", "mjs", "swf",
    "svgz", "hta",
];

/// Why the file at `path` cannot be published, if it cannot.
pub fn refusal(path: &Path) -> Option<String> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if PAGES_AND_SCRIPTS.contains(&ext.as_str()) {
        return Some(format!(
            "i file .{ext} non si pubblicano come allegati: sarebbero pagine o programmi eseguiti sul sito del comune"
        ));
    }
    if ext != "svg" && ext != "xml" {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let what = active_markup(&String::from_utf8_lossy(&bytes))?;
    Some(format!(
        "il file .{ext} contiene {what}, che verrebbe eseguito sul sito del comune"
    ))
}

/// The hint under every refusal.
pub const HINT: &str = "pubblica il testo come pagina Markdown o il documento come PDF; per un'immagine SVG, esportala di nuovo senza script né collegamenti esterni (o usa PNG)";

/// What in an SVG or XML text would run code or load something from elsewhere.
fn active_markup(text: &str) -> Option<&'static str> {
    let l = text.to_ascii_lowercase();
    if crate::markdown::has_event_handler(&l) {
        return Some("un gestore di eventi (on...=)");
    }
    let compact: String = l.chars().filter(|c| !c.is_whitespace()).collect();
    [
        ("<script", "uno script"),
        ("javascript:", "un collegamento javascript:"),
        ("vbscript:", "un collegamento vbscript:"),
        ("data:text/html", "una pagina incorporata (data:text/html)"),
        ("<iframe", "un <iframe>"),
        ("<embed", "un <embed>"),
        ("<object", "un <object>"),
        ("<foreignobject", "un <foreignObject>"),
        ("<!entity", "una dichiarazione <!ENTITY>"),
        ("<?xml-stylesheet", "un foglio di stile XSLT"),
        ("http://www.w3.org/1999/xhtml", "codice XHTML"),
        ("href=\"http", "un collegamento esterno"),
        ("href='http", "un collegamento esterno"),
        ("href=\"//", "un collegamento esterno"),
        ("href='//", "un collegamento esterno"),
        ("url(http", "una risorsa esterna"),
        ("url(\"http", "una risorsa esterna"),
        ("url('http", "una risorsa esterna"),
        ("url(//", "una risorsa esterna"),
        ("@import", "una risorsa esterna"),
        ("<set", "un'animazione che cambia attributi (<set>)"),
        (
            "attributename=\"href",
            "un'animazione che cambia un collegamento",
        ),
    ]
    .into_iter()
    .find(|(needle, _)| compact.contains(needle))
    .map(|(_, what)| what)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svg(body: &str) -> Option<&'static str> {
        active_markup(&format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\">{body}</svg>"
        ))
    }

    #[test]
    fn plain_svg_passes() {
        assert_eq!(
            svg("<path d=\"M0 0h10v10z\" fill=\"#06c\"/><title>Stemma</title>"),
            None
        );
    }

    #[test]
    fn scripts_handlers_and_external_references_are_found() {
        for body in [
            "<script>alert(1)</script>",
            "<rect onload=\"alert(1)\"/>",
            "<rect\nONLOAD = 'alert(1)'/>",
            "<a href=\"javascript:alert(1)\"><text>x</text></a>",
            "<foreignObject><div/></foreignObject>",
            "<image href=\"https://tracker.example/p.png\"/>",
            "<image xlink:href = 'http://x.example/p.png'/>",
            "<style>@import url(https://x.example/a.css)</style>",
            "<a><set attributeName=\"href\" to=\"javascript:alert(1)\"/></a>",
        ] {
            assert!(svg(body).is_some(), "{body}");
        }
    }

    #[test]
    fn pages_and_scripts_are_refused_by_extension() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.html", "b.HTM", "c.js", "d.xhtml"] {
            let p = dir.path().join(name);
            std::fs::write(&p, "ciao").unwrap();
            assert!(refusal(&p).is_some(), "{name}");
        }
        let ok = dir.path().join("e.pdf");
        std::fs::write(&ok, "%PDF-1.7").unwrap();
        assert_eq!(refusal(&ok), None);
        let bad = dir.path().join("f.svg");
        std::fs::write(&bad, "<svg><script>alert(1)</script></svg>").unwrap();
        assert!(refusal(&bad).unwrap().contains("script"));
        let styled = dir.path().join("g.svg");
        std::fs::write(
            &styled,
            "<svg><style>.a{fill:#fff}</style><path class=\"a\"/></svg>",
        )
        .unwrap();
        assert_eq!(refusal(&styled), None, "inline CSS is not active content");
    }
}
