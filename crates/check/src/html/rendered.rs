//! The facts of a page civico has just rendered, read with a pull parser (quick-xml) at a
//! fraction of the cost of a rewriting HTML parser.
//!
//! Only for civico's own pages in `civico check`, which are well-formed by construction (the
//! quality tests validate them with the Nu HTML checker): end tags are written, attributes are
//! quoted, scripts (and `noscript`) are read to their end tag as text. A page the parser cannot read, or one
//! with a tag it does not close, is read again by [`super::facts`] (lol_html), which reads any
//! page as browsers do; a test compares the two on every page of the example sites.

use quick_xml::events::{BytesStart, Event};

use super::facts::{tidy, Capture, State};
use super::Facts;

/// Elements that have no end tag.
const VOID: [&[u8]; 14] = [
    b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta", b"param",
    b"source", b"track", b"wbr",
];

/// Elements whose content is text, not markup.
const RAW_TEXT: [&[u8]; 6] = [
    b"script",
    b"style",
    b"noscript",
    b"iframe",
    b"noembed",
    b"xmp",
];

/// An element's name, lowercase, kept inline (names longer than this compare by their start
/// and length).
#[derive(Clone, Copy, PartialEq)]
struct Name([u8; 16], usize);

impl Name {
    fn of(raw: &[u8]) -> Name {
        let mut b = [0u8; 16];
        for (d, s) in b.iter_mut().zip(raw) {
            *d = s.to_ascii_lowercase();
        }
        Name(b, raw.len())
    }

    /// Whether this is `n` (lowercase, at most 16 bytes).
    fn is(&self, n: &str) -> bool {
        self.1 == n.len() && self.0.get(..n.len()) == Some(n.as_bytes())
    }

    fn is_one_of(&self, list: &[&[u8]]) -> bool {
        list.iter()
            .any(|n| self.1 == n.len() && self.0.get(..n.len()) == Some(*n))
    }
}

/// An open element, with what closing it undoes.
struct Open {
    name: Name,
    /// Its `data-element`, for the selectors that look at ancestors.
    page_index: bool,
    breadcrumb: bool,
    captures: usize,
    footer: bool,
}

/// The page's facts, or None when it is not the well-formed HTML civico writes.
pub fn facts(html: &[u8], keep_text: bool) -> Option<Facts> {
    let text = std::str::from_utf8(html).ok()?;
    let mut r = quick_xml::Reader::from_str(text);
    let c = r.config_mut();
    c.check_end_names = false;
    c.check_comments = false;
    let mut st = State {
        keep_text,
        ..State::default()
    };
    let mut stack: Vec<Open> = Vec::new();
    // A text node arrives in pieces (text, character references): joined before it is taken.
    let mut pending = String::new();
    loop {
        let ev = r.read_event().ok()?;
        if !matches!(ev, Event::Text(_) | Event::GeneralRef(_)) && !pending.is_empty() {
            st.take_text(&pending);
            pending.clear();
        }
        match ev {
            Event::Text(t) => pending.push_str(std::str::from_utf8(&t).ok()?),
            Event::GeneralRef(g) => {
                pending.push('&');
                pending.push_str(std::str::from_utf8(&g).ok()?);
                pending.push(';');
            }
            Event::Start(e) => {
                let open = start(&mut st, &stack, &e)?;
                if open.name.is_one_of(&VOID) {
                    // No content, no end tag: nothing stays open.
                    end(&mut st, open);
                } else if open.name.is_one_of(&RAW_TEXT) {
                    // Raw text to the end tag, never markup (as browsers with scripts read
                    // `noscript`, and as the validator does).
                    let body = r.read_text(e.name()).ok()?;
                    st.take_raw_text(std::str::from_utf8(&body).ok()?);
                    end(&mut st, open);
                } else {
                    stack.push(open);
                }
            }
            Event::Empty(e) => {
                let open = start(&mut st, &stack, &e)?;
                end(&mut st, open);
            }
            Event::End(e) => {
                // Only the element opened last may close: anything else is not civico's HTML.
                let open = stack
                    .pop()
                    .filter(|o| o.name == Name::of(e.name().as_ref()))?;
                end(&mut st, open);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    stack.is_empty().then(|| tidy(st.facts))
}

/// The attributes the rules read (the others are skipped without a copy).
#[derive(Default)]
struct Attrs {
    data_element: Option<String>,
    href: Option<String>,
    id: Option<String>,
    src: Option<String>,
    lang: Option<String>,
    alt: bool,
    rel: Option<String>,
    kind: Option<String>,
}

fn attrs(e: &BytesStart<'_>) -> Option<Attrs> {
    let mut out = Attrs::default();
    for a in e.html_attributes() {
        let a = a.ok()?;
        let key = a.key.as_ref();
        let is = |k: &str| key.eq_ignore_ascii_case(k.as_bytes());
        let slot = if is("data-element") {
            &mut out.data_element
        } else if is("href") {
            &mut out.href
        } else if is("id") {
            &mut out.id
        } else if is("src") {
            &mut out.src
        } else if is("lang") {
            &mut out.lang
        } else if is("rel") {
            &mut out.rel
        } else if is("type") {
            &mut out.kind
        } else {
            out.alt |= is("alt");
            continue;
        };
        *slot = Some(std::str::from_utf8(&a.value).ok()?.to_string());
    }
    Some(out)
}

/// Records an element's facts and opens its captures; returns what its end tag undoes.
fn start(st: &mut State, stack: &[Open], e: &BytesStart<'_>) -> Option<Open> {
    let name = Name::of(e.name().as_ref());
    let a = attrs(e)?;
    let before = st.open.len();
    let footer = name.is("footer");
    if name.is("html") {
        st.facts.lang = a.lang.as_deref().is_some_and(|l| !l.trim().is_empty());
    } else if name.is("h1") {
        st.facts.h1 += 1;
    } else if footer {
        st.footer += 1;
    }
    let data = a.data_element.as_deref();
    let (page_index, breadcrumb) = (data == Some("page-index"), data == Some("breadcrumb"));
    let metatag = name.is("script")
        && a.kind.as_deref() == Some("application/ld+json")
        && data == Some("metatag");
    if let Some(d) = a.data_element {
        st.data_element(d, a.href.clone());
    }
    let parent = stack.last();
    let grandparent = stack.len().checked_sub(2).map(|i| &stack[i]);
    if name.is("a")
        && parent.is_some_and(|p| p.name.is("li"))
        && grandparent.is_some_and(|g| g.page_index)
    {
        st.page_index();
    }
    if name.is("li") && stack.iter().any(|o| o.breadcrumb) {
        st.breadcrumb();
    }
    if name.is("a") {
        if let Some(href) = a.href.clone() {
            st.anchor(href);
        }
    }
    if let Some(id) = a.id {
        st.id(id);
    }
    if name.is("img") {
        st.img(a.src.unwrap_or_default(), a.alt);
    } else if let (true, Some(src)) = (name.is("script"), a.src) {
        st.script(src);
    }
    if let (true, Some("stylesheet"), Some(href)) = (name.is("link"), a.rel.as_deref(), a.href) {
        st.stylesheet(href);
    }
    if metatag {
        st.facts.metatag = Some(String::new());
        st.open.push(Capture::Metatag);
    }
    Some(Open {
        name,
        page_index,
        breadcrumb,
        captures: st.open.len() - before,
        footer,
    })
}

/// Closes what an element opened.
fn end(st: &mut State, open: Open) {
    let keep = st.open.len().saturating_sub(open.captures);
    st.open.truncate(keep);
    if open.footer {
        st.footer = st.footer.saturating_sub(1);
    }
}
