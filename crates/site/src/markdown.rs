//! Markdown to HTML: pulldown-cmark with civico's policies on links, headings, code and raw HTML.
//!
//! - Extensions: tables, footnotes, strikethrough, task lists, heading attributes (only `#id`
//!   and `.class` are kept: custom attributes could carry event handlers), smart punctuation.
//! - Headings get stable ids (slug of their text, `-2`, `-3` for repeats) and are returned, so
//!   themes can build a page index.
//! - Links and images go through a `LinkResolver`: content paths (`../uffici/anagrafe.md`,
//!   `@/servizi/carta-identita.md`) become URLs, attachments are registered for copying, and a
//!   link to nothing is an error at its line and column.
//! - `javascript:`, `vbscript:` and `data:` URLs are refused. Raw HTML is sanitised with ammonia;
//!   HTML that tries to run code (`<script>`, `on...=` handlers) is refused with an error.
//! - Fenced code is highlighted by syntect into classes (`hl-...`), styled by one CSS file.
//!
//! The syntax set is loaded once per process, on first use.

use std::collections::HashMap;
use std::sync::OnceLock;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;
use syntect::html::ClassStyle;
use syntect::parsing::SyntaxSet;

use civico_core::diagnostics::{Diagnostic, LineIndex};

mod lines;

/// Prefix of syntect's CSS classes (kept in sync with the stylesheet written by `syntax_css`).
const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// Turns a link destination written by an editor into a URL, or says why it cannot.
pub trait LinkResolver {
    /// `dest` is neither external (has no scheme) nor a same-page anchor.
    fn resolve(&self, dest: &str) -> Result<String, LinkError>;

    /// The width and height of the image `dest` last resolved, when it is a file of the site.
    fn last_image_size(&self) -> Option<(u32, u32)> {
        None
    }
}

/// Why a link cannot be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkError {
    /// It leads to nothing (or outside the comune's folder).
    Broken(String),
    /// It leads to a file that would run code on the site (see `active_content`).
    Active(String),
    /// It names a content file that does not exist; with the closest one, written as the
    /// editor wrote the link.
    NoContent(String, Option<String>),
}

impl From<String> for LinkError {
    fn from(message: String) -> LinkError {
        LinkError::Broken(message)
    }
}

/// A heading of the rendered text, for page indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// The result of rendering one Markdown text.
#[derive(Debug, Default)]
pub struct Rendered {
    pub html: String,
    pub headings: Vec<Heading>,
    pub diagnostics: Vec<Diagnostic>,
    /// Whether a code block was highlighted (the page then needs the syntax stylesheet).
    pub highlighted: bool,
}

/// Where the Markdown text sits in its file, for diagnostics.
pub struct Source<'a> {
    pub file: &'a std::path::Path,
    /// The whole file (normalised), for the snippet under each diagnostic.
    pub whole: &'a str,
    /// Lines before the text in the file.
    pub line_offset: usize,
    /// Columns before the text on its first line (for text inside YAML).
    pub col_offset: usize,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_SMART_PUNCTUATION
}

fn syntax_set() -> &'static SyntaxSet {
    static SS: OnceLock<SyntaxSet> = OnceLock::new();
    SS.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// The stylesheet for highlighted code (classes `hl-...`), from a light theme with good contrast.
pub fn syntax_css() -> String {
    let themes = syntect::highlighting::ThemeSet::load_defaults();
    themes
        .themes
        .get("InspiredGitHub")
        .and_then(|t| syntect::html::css_for_theme_with_class_style(t, CLASS_STYLE).ok())
        .unwrap_or_default()
}

/// Renders `text` to HTML, resolving links with `resolver`.
pub fn render(text: &str, src: &Source<'_>, resolver: &dyn LinkResolver) -> Rendered {
    let mut r = Rendering {
        text,
        src,
        resolver,
        index: std::cell::OnceCell::new(),
        // About one event per 16 bytes of text: room for them at once (growing the vector one
        // doubling at a time copied every event again, 0.8% of a build's instructions).
        events: Vec::with_capacity(text.len() / 16 + 16),
        heading_ids: HashMap::new(),
        tables: false,
        out: Rendered::default(),
    };
    let mut parser = Parser::new_ext(text, options()).into_offset_iter();
    while let Some((ev, range)) = parser.next() {
        let at = range.start;
        match ev {
            Event::Start(Tag::Heading {
                level, id, classes, ..
            }) => r.heading(&mut parser, level, id, classes),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = r.destination(&dest_url, false, at);
                r.events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url: CowStr::from(dest.unwrap_or_else(|| "#".to_string())),
                    title,
                    id,
                }));
            }
            Event::Start(image @ Tag::Image { .. }) => r.image(&mut parser, image, at),
            Event::Start(Tag::CodeBlock(kind)) => r.code_block(&mut parser, &kind),
            Event::Start(Tag::HtmlBlock) => r.html_block(&mut parser, at),
            Event::InlineHtml(t) | Event::Html(t) => r.inline_html(t, at),
            // Tables scroll sideways on a phone instead of overflowing the page.
            Event::Start(Tag::Table(al)) => {
                r.tables = true;
                r.events.push(Event::Html(CowStr::from(TABLE_WRAPPER)));
                r.events.push(Event::Start(Tag::Table(al)));
            }
            Event::End(TagEnd::Table) => {
                r.events.push(Event::End(TagEnd::Table));
                r.events.push(Event::Html(CowStr::from("</div>")));
            }
            other => r.events.push(other),
        }
    }
    r.finish()
}

/// pulldown-cmark's events of a text, with their byte ranges.
type Events<'t> = pulldown_cmark::OffsetIter<'t, pulldown_cmark::DefaultBrokenLinkCallback>;

/// One document being rendered: the events kept so far and what was found on the way.
struct Rendering<'t, 's> {
    text: &'t str,
    src: &'s Source<'s>,
    resolver: &'s dyn LinkResolver,
    /// Built only for a document with something to report.
    index: std::cell::OnceCell<LineIndex<'t>>,
    events: Vec<Event<'t>>,
    heading_ids: HashMap<String, usize>,
    /// Whether a table was opened (its wrapper is then completed by `finish`).
    tables: bool,
    out: Rendered,
}

impl<'t> Rendering<'t, '_> {
    /// Reports `d` at byte `offset` of the text (its line and column in the file).
    fn report(&mut self, d: Diagnostic, offset: usize) {
        let (l, c) = self
            .index
            .get_or_init(|| LineIndex::new(self.text))
            .position(offset);
        let c = if l == 1 { c + self.src.col_offset } else { c };
        let d = d
            .at(l + self.src.line_offset, c)
            .with_source(self.src.whole);
        self.out.diagnostics.push(d);
    }

    /// A heading, with a unique id (given, or made from its text) and its text remembered.
    fn heading(
        &mut self,
        parser: &mut Events<'t>,
        level: HeadingLevel,
        id: Option<CowStr<'t>>,
        classes: Vec<CowStr<'t>>,
    ) {
        // Collect the heading's inner events to know its text before emitting it.
        let (inner, plain) = inner_until(parser, |e| matches!(e, Event::End(TagEnd::Heading(_))));
        let base = id
            .map(|i| civico_core::slug::slugify(&i))
            .unwrap_or_else(|| civico_core::slug::slugify(&plain));
        let hid = unique_id(&mut self.heading_ids, base);
        self.out.headings.push(Heading {
            level: heading_number(level),
            id: hid.clone(),
            text: plain.trim().to_string(),
        });
        self.events.push(Event::Start(Tag::Heading {
            level,
            id: Some(CowStr::from(hid)),
            classes,
            attrs: Vec::new(),
        }));
        let inner = sanitise_inline(inner, self.src.file, &mut self.out.diagnostics);
        self.events.extend(inner);
        self.events.push(Event::End(TagEnd::Heading(level)));
    }

    /// A link's or an image's destination resolved, or None (reported at `at`).
    fn destination(&mut self, dest: &str, image: bool, at: usize) -> Option<String> {
        match resolve(dest, image, self.resolver) {
            Ok(d) => Some(d),
            Err((code, (msg, hint))) => {
                self.report(Diagnostic::error(code, self.src.file, msg).hint(hint), at);
                None
            }
        }
    }

    /// An image: its destination resolved, a warning without alt text, its size when known.
    fn image(&mut self, parser: &mut Events<'t>, image: Tag<'t>, at: usize) {
        let Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        } = image
        else {
            return;
        };
        let dest = self.destination(&dest_url, true, at).unwrap_or_default();
        // The alt text is the image's inner text: warn when it is empty.
        let (mut inner, alt) = inner_until(parser, |e| matches!(e, Event::End(TagEnd::Image)));
        inner.push(Event::End(TagEnd::Image));
        if alt.trim().is_empty() {
            let d = Diagnostic::warning(
                "W-ALT-MISSING",
                self.src.file,
                "immagine senza testo alternativo",
            )
            .hint("descrivi l'immagine tra le parentesi quadre: ![Descrizione](foto.jpg)");
            self.report(d, at);
        }
        let size = (!dest.is_empty() && !has_scheme(&dest_url))
            .then(|| self.resolver.last_image_size())
            .flatten();
        match size {
            // With its size, so the page keeps its place while the image loads.
            Some((w, h)) => self.events.push(Event::Html(CowStr::from(img_tag(
                &dest, &alt, &title, w, h,
            )))),
            None => {
                self.events.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url: CowStr::from(dest),
                    title,
                    id,
                }));
                self.events.extend(inner);
            }
        }
    }

    /// A code block, highlighted when its language is known.
    fn code_block(&mut self, parser: &mut Events<'t>, kind: &CodeBlockKind<'t>) {
        let lang = match kind {
            CodeBlockKind::Fenced(l) => l.split_whitespace().next().unwrap_or(""),
            CodeBlockKind::Indented => "",
        };
        let (_, code) = inner_until(parser, |e| matches!(e, Event::End(TagEnd::CodeBlock)));
        let html = highlight(&code, lang);
        self.out.highlighted |= html.contains(HIGHLIGHTED);
        self.events.push(Event::Html(CowStr::from(html)));
    }

    /// A block of HTML: refused when it could run or load something, else kept sanitised.
    fn html_block(&mut self, parser: &mut Events<'t>, at: usize) {
        let mut raw = String::new();
        for (e, _) in parser.by_ref() {
            match e {
                Event::End(TagEnd::HtmlBlock) => break,
                Event::Html(t) | Event::Text(t) => raw.push_str(&t),
                _ => {}
            }
        }
        if let Some(what) = dangerous(&raw) {
            self.report(refused(self.src.file, what), at);
        } else {
            self.events
                .push(Event::Html(CowStr::from(sanitise_block(&raw))));
        }
    }

    /// HTML inside a paragraph: allowed tags kept, comments dropped, anything else as text.
    fn inline_html(&mut self, t: CowStr<'t>, at: usize) {
        if let Some(what) = dangerous(&t) {
            self.report(refused(self.src.file, what), at);
        } else if is_allowed_inline_tag(&t) {
            self.events.push(Event::InlineHtml(t));
        } else if !t.trim_start().starts_with("<!--") {
            self.events.push(Event::Text(t));
        }
    }

    /// The HTML of the events kept, with Bootstrap Italia's table style.
    fn finish(mut self) -> Rendered {
        pulldown_cmark::html::push_html(&mut self.out.html, self.events.into_iter());
        if self.tables {
            self.out.html = table_classes(&self.out.html);
        }
        self.out
    }
}

/// Bootstrap Italia's table style (borders, spacing) on the tables pulldown-cmark wrote as
/// `<table>` (memchr's search: `str::replace` takes several times longer on a long page).
fn table_classes(html: &str) -> String {
    let opening = format!("{TABLE_WRAPPER}<table>");
    let mut out = String::with_capacity(html.len() + 64);
    let mut copied = 0;
    for at in memchr::memmem::find_iter(html.as_bytes(), opening.as_bytes()) {
        out.push_str(&html[copied..at]);
        out.push_str("<div class=\"table-responsive\">\n<table class=\"table\">");
        copied = at + opening.len();
    }
    out.push_str(&html[copied..]);
    out
}

/// What a highlighted code block's HTML holds (and plain text, escaped, cannot).
const HIGHLIGHTED: &str = "class=\"hl-";

/// Opens the box a Markdown table scrolls in.
const TABLE_WRAPPER: &str = "<div class=\"table-responsive\">\n";

/// The events up to the one `end` recognises (consumed, not returned), and their text.
fn inner_until<'a>(
    parser: &mut impl Iterator<Item = (Event<'a>, std::ops::Range<usize>)>,
    end: impl Fn(&Event<'a>) -> bool,
) -> (Vec<Event<'a>>, String) {
    let mut inner = Vec::new();
    let mut text = String::new();
    for (e, _) in parser.by_ref() {
        if end(&e) {
            break;
        }
        if let Event::Text(t) | Event::Code(t) = &e {
            text.push_str(t);
        }
        inner.push(e);
    }
    (inner, text)
}

/// `base`, or `base-2`, `base-3`... when the page has it already.
fn unique_id(seen: &mut HashMap<String, usize>, base: String) -> String {
    let n = seen.entry(base.clone()).or_insert(0);
    *n += 1;
    if *n == 1 {
        base
    } else {
        format!("{base}-{n}")
    }
}

fn refused(file: &std::path::Path, what: &str) -> Diagnostic {
    Diagnostic::error(
        "E-HTML-UNSAFE",
        file,
        format!("HTML non consentito nel testo: {what}"),
    )
    .hint("il contenuto non può eseguire codice: togli script, gestori di eventi (onclick=...) e link javascript:")
}

fn heading_number(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Inside headings, raw HTML gets the same treatment as elsewhere.
fn sanitise_inline<'a>(
    events: Vec<Event<'a>>,
    file: &std::path::Path,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Event<'a>> {
    events
        .into_iter()
        .filter_map(|e| match e {
            Event::InlineHtml(t) | Event::Html(t) => {
                if let Some(what) = dangerous(&t) {
                    diags.push(refused(file, what));
                    None
                } else if is_allowed_inline_tag(&t) {
                    Some(Event::InlineHtml(t))
                } else {
                    Some(Event::Text(t))
                }
            }
            other => Some(other),
        })
        .collect()
}

/// An image of the text with its size, loaded when it comes near the screen.
fn img_tag(src: &str, alt: &str, title: &str, w: u32, h: u32) -> String {
    use quick_xml::escape::escape;
    let title = if title.is_empty() {
        String::new()
    } else {
        format!(" title=\"{}\"", escape(title))
    };
    format!(
        "<img src=\"{}\" alt=\"{}\"{title} width=\"{w}\" height=\"{h}\" loading=\"lazy\" decoding=\"async\">",
        escape(src),
        escape(alt.trim())
    )
}

const CONTENT_LINK_HINT: &str = "scrivi il percorso del file di contenuto, per esempio ../uffici/anagrafe.md o @/servizi/carta-identita.md";

type Refusal = (&'static str, (String, String));

/// Classifies a link destination and resolves internal ones.
fn resolve(dest: &str, image: bool, resolver: &dyn LinkResolver) -> Result<String, Refusal> {
    let d = dest.trim();
    match has_scheme(d) {
        // An address with a scheme follows the rule of every address (civico_core::href).
        true => civico_core::href::Href::parse(d)
            .map(|h| h.to_string())
            .map_err(|r| ("E-LINK-UNSAFE", (r.message, r.hint))),
        false if d.starts_with('#') || d.is_empty() => Ok(d.to_string()),
        false => resolver.resolve(d).map_err(|e| match e {
            LinkError::Active(msg) => (
                crate::active_content::CODE,
                (msg, crate::active_content::HINT.to_string()),
            ),
            LinkError::NoContent(msg, near) => (
                "E-LINK-BROKEN",
                (
                    msg,
                    match near {
                        Some(n) => format!("forse intendevi `{n}`?"),
                        None => CONTENT_LINK_HINT.to_string(),
                    },
                ),
            ),
            LinkError::Broken(msg) => (
                "E-LINK-BROKEN",
                (
                    msg,
                    if image {
                        "metti il file accanto al testo o in media/ e controlla il nome".to_string()
                    } else {
                        CONTENT_LINK_HINT.to_string()
                    },
                ),
            ),
        }),
    }
}

/// Whether `s` starts with a URL scheme (`https:`, `mailto:`, `javascript:` ...), as browsers
/// read it: control characters and whitespace inside the scheme do not count.
fn has_scheme(s: &str) -> bool {
    let Some(i) = s.find(':') else {
        return false;
    };
    let candidate = &s[..i];
    !candidate.is_empty()
        && !candidate.contains(['/', '?', '#'])
        && candidate
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// What in a raw HTML fragment would run code, if anything.
fn dangerous(html: &str) -> Option<&'static str> {
    let l = html.to_ascii_lowercase();
    for (needle, what) in [
        ("<script", "<script>"),
        ("<iframe", "<iframe>"),
        ("<object", "<object>"),
        ("<embed", "<embed>"),
        ("<style", "<style>"),
        ("<form", "<form>"),
        ("<meta", "<meta>"),
        ("<base", "<base>"),
        ("javascript:", "javascript:"),
        ("vbscript:", "vbscript:"),
        ("data:text/html", "data:text/html"),
    ] {
        if l.contains(needle) {
            return Some(what);
        }
    }
    has_event_handler(&l).then_some("gestore di eventi (on...=)")
}

/// Whether a lower-case markup text has an event handler attribute inside a tag: whitespace,
/// `/` or a quote, then on<letters>, optional spaces, `=`.
pub(crate) fn has_event_handler(l: &str) -> bool {
    let b = l.as_bytes();
    let mut i = 0;
    while i + 2 < b.len() {
        if (b[i].is_ascii_whitespace() || b[i] == b'/' || b[i] == b'"' || b[i] == b'\'')
            && b[i + 1] == b'o'
            && b[i + 2] == b'n'
        {
            let mut j = i + 3;
            while j < b.len() && b[j].is_ascii_alphabetic() {
                j += 1;
            }
            let letters = j > i + 3;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if letters && j < b.len() && b[j] == b'=' && l[..i].contains('<') {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// Inline tags that need no attributes and cannot hurt: passed through as written.
fn is_allowed_inline_tag(t: &str) -> bool {
    let s = t.trim();
    let Some(inner) = s.strip_prefix('<').and_then(|x| x.strip_suffix('>')) else {
        return false;
    };
    let inner = inner.trim_end_matches('/').trim();
    let name = inner.strip_prefix('/').unwrap_or(inner);
    matches!(
        name.to_ascii_lowercase().as_str(),
        "br" | "sub"
            | "sup"
            | "b"
            | "i"
            | "em"
            | "strong"
            | "u"
            | "s"
            | "small"
            | "mark"
            | "kbd"
            | "abbr"
            | "cite"
            | "q"
            | "del"
            | "ins"
            | "wbr"
    )
}

/// Block HTML passes through ammonia with its default allow-list (no scripts, no handlers).
fn sanitise_block(html: &str) -> String {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER
        .get_or_init(|| {
            let mut b = ammonia::Builder::default();
            b.link_rel(Some("noopener noreferrer"));
            b
        })
        .clean(html)
        .to_string()
}

/// Highlights code into classed spans; unknown languages are escaped as plain text.
fn highlight(code: &str, lang: &str) -> String {
    let lang_attr = if lang.is_empty() {
        String::new()
    } else {
        format!(" class=\"language-{}\"", escape_attr(lang))
    };
    let ss = syntax_set();
    let syntax = if lang.is_empty() {
        None
    } else {
        ss.find_syntax_by_token(lang)
    };
    let body = match syntax {
        Some(syntax) => {
            lines::classed_html(code, syntax, ss, CLASS_STYLE).unwrap_or_else(|| escape_text(code))
        }
        None => escape_text(code),
    };
    format!("<pre class=\"code\"><code{lang_attr}>{body}</code></pre>\n")
}

fn escape_text(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            _ => o.push(c),
        }
    }
    o
}

fn escape_attr(s: &str) -> String {
    escape_text(s).replace('"', "&quot;").replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    struct R;
    impl LinkResolver for R {
        fn resolve(&self, dest: &str) -> Result<String, LinkError> {
            match dest {
                "../uffici/anagrafe.md" => Ok("/amministrazione/uffici/anagrafe/".into()),
                "foto.jpg" => Ok("/novita/x/foto.jpg".into()),
                _ => Err(format!("collegamento a un contenuto inesistente `{dest}`").into()),
            }
        }
    }

    fn md(text: &str) -> Rendered {
        let src = Source {
            file: Path::new("n.md"),
            whole: text,
            line_offset: 0,
            col_offset: 0,
        };
        render(text, &src, &R)
    }

    #[test]
    fn headings_get_stable_unique_ids() {
        let r = md("## Cosa serve\n\n## Cosa serve\n\n### Perché sì {#custom}\n");
        let ids: Vec<_> = r.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["cosa-serve", "cosa-serve-2", "custom"]);
        assert!(r.html.contains("<h2 id=\"cosa-serve\">"));
    }

    #[test]
    fn heading_custom_attributes_are_dropped() {
        let r = md("## Titolo {onclick=alert(1) .nota}\n");
        assert!(!r.html.contains("onclick"), "{}", r.html);
        assert!(r.html.contains("class=\"nota\""));
    }

    #[test]
    fn internal_links_resolve_and_broken_ones_error_at_position() {
        let r =
            md("Vedi [anagrafe](../uffici/anagrafe.md).\n\nE [questo](../uffici/tributi.md).\n");
        assert!(r
            .html
            .contains("href=\"/amministrazione/uffici/anagrafe/\""));
        assert_eq!(r.diagnostics.len(), 1);
        let d = &r.diagnostics[0];
        assert_eq!((d.code, d.line, d.col), ("E-LINK-BROKEN", 3, 3));
    }

    #[test]
    fn javascript_links_are_refused() {
        let r = md("[x](javascript:alert(1)) [y]( JaVaScRiPt:alert(1))\n");
        assert_eq!(
            r.diagnostics
                .iter()
                .filter(|d| d.code == "E-LINK-UNSAFE")
                .count(),
            2
        );
        assert!(!r.html.to_lowercase().contains("javascript:"));
    }

    #[test]
    fn script_and_handlers_are_refused() {
        let r =
            md("Testo\n\n<script>alert(1)</script>\n\nAltro <img src=x onerror=alert(1)> fine\n");
        let codes: Vec<_> = r.diagnostics.iter().map(|d| (d.code, d.line)).collect();
        assert_eq!(codes, [("E-HTML-UNSAFE", 3), ("E-HTML-UNSAFE", 5)]);
        assert!(!r.html.contains("<script"));
        assert!(!r.html.contains("onerror"));
    }

    #[test]
    fn harmless_html_is_kept_or_escaped() {
        let r = md("H<sub>2</sub>O e <span class=\"x\">y</span>\n\n<div>\n<p>blocco</p>\n</div>\n");
        assert!(r.diagnostics.is_empty());
        assert!(r.html.contains("H<sub>2</sub>O"));
        assert!(r.html.contains("&lt;span class=&quot;x&quot;&gt;") || r.html.contains("&lt;span"));
        assert!(
            r.html.contains("<div>\n<p>blocco</p>\n</div>") || r.html.contains("<p>blocco</p>")
        );
    }

    #[test]
    fn code_is_highlighted_with_classes() {
        let r = md("```rust\nfn main() {}\n```\n");
        assert!(r
            .html
            .contains("<pre class=\"code\"><code class=\"language-rust\">"));
        assert!(r.html.contains("class=\"hl-"), "{}", r.html);
        assert!(r.highlighted);
        // A block in no known language is plain text: no stylesheet needed.
        assert!(!md("```\n<p>testo</p>\n```\n\nclass=\"hl-x\"\n").highlighted);
    }

    #[test]
    fn image_without_alt_warns() {
        let r = md("![](foto.jpg)\n\n![Il municipio](foto.jpg)\n");
        assert_eq!(r.diagnostics.len(), 1);
        assert_eq!(r.diagnostics[0].code, "W-ALT-MISSING");
        assert!(r.html.contains("src=\"/novita/x/foto.jpg\""));
    }

    #[test]
    fn extensions_are_on() {
        let r = md("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~no~~ - [x] fatto\n\nNota[^1]\n\n[^1]: testo\n\n\"citazione\"\n");
        // Styled by Bootstrap Italia, and scrolling sideways on a phone.
        assert!(
            r.html
                .contains("<div class=\"table-responsive\">\n<table class=\"table\">"),
            "{}",
            r.html
        );
        assert_eq!(
            r.html.matches("<div").count(),
            r.html.matches("</div>").count()
        );
        assert!(r.html.contains("<del>no</del>"));
        assert!(r.html.contains("footnote"));
        assert!(r.html.contains('“'));
    }
}
