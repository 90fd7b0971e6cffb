//! One page's facts: the page is streamed once through lol_html, which records what the rules
//! read (lang, h1 count, data-elements with their text and place in the footer, links, ids,
//! images, scripts, stylesheets, the service page index, the breadcrumb, JSON-LD).
//!
//! Only the text some rule reads is decoded: the text handler is scoped to the elements whose
//! text is captured, and covers the whole document only when asked (the home page, whose text
//! must show the PEC). Decoding every text node of every page was half of `civico check`.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use lol_html::html_content::{Element, TextChunk, TextType};
use lol_html::{doc_text, ElementContentHandlers, HtmlRewriter, Selector, Settings};

use super::{decode, squash, DataEl, Facts};

/// Elements whose text a rule reads (a chunk inside several of them is delivered once).
const CAPTURED: &str = "footer, [data-element], a[href], \
    [data-element=page-index] > li > a, [data-element=breadcrumb] li";

/// What has been read of a page so far (shared with `rendered`, which reads civico's own
/// pages with another parser).
#[derive(Default)]
pub(super) struct State {
    pub(super) facts: Facts,
    pub(super) footer: usize,
    /// Open captures: where the text of the elements being read goes.
    pub(super) open: Vec<Capture>,
    pub(super) keep_text: bool,
}

impl State {
    /// An element with a `data-element`; its text is captured.
    pub(super) fn data_element(&mut self, name: String, href: Option<String>) {
        self.facts.elements.push(DataEl {
            name,
            href: href.map(decode_owned),
            in_footer: self.footer > 0,
            text: String::new(),
        });
        self.open.push(Capture::El(self.facts.elements.len() - 1));
    }

    /// A link of the service page index (`[data-element=page-index] > li > a`).
    pub(super) fn page_index(&mut self) {
        self.facts.page_index.push(String::new());
        self.open
            .push(Capture::PageIndex(self.facts.page_index.len() - 1));
    }

    /// An item of the breadcrumb (`[data-element=breadcrumb] li`).
    pub(super) fn breadcrumb(&mut self) {
        self.facts.breadcrumb.push(String::new());
        self.open
            .push(Capture::Breadcrumb(self.facts.breadcrumb.len() - 1));
    }

    /// A link (`a[href]`), also among the footer's when in the footer.
    pub(super) fn anchor(&mut self, href: String) {
        let href = decode_owned(href);
        self.facts.links.push(href.clone());
        if self.footer > 0 {
            self.facts.footer_links.push((href.clone(), String::new()));
            self.open
                .push(Capture::FooterLink(self.facts.footer_links.len() - 1));
        }
        self.facts.anchors.push((href, String::new()));
        self.open
            .push(Capture::Anchor(self.facts.anchors.len() - 1));
    }

    pub(super) fn id(&mut self, id: String) {
        self.facts.ids.insert(decode_owned(id));
    }

    pub(super) fn img(&mut self, src: String, has_alt: bool) {
        if !has_alt {
            self.facts.img_without_alt.push(src.clone());
        }
        self.facts.links.push(decode_owned(src));
    }

    pub(super) fn script(&mut self, src: String) {
        let src = decode_owned(src);
        self.facts.links.push(src.clone());
        self.facts.scripts.push(src);
    }

    pub(super) fn stylesheet(&mut self, href: String) {
        let href = decode_owned(href);
        self.facts.links.push(href.clone());
        self.facts.stylesheets.push(href);
    }

    /// Appends a chunk of text to the page's text (when kept), the footer's and every open
    /// capture.
    pub(super) fn take_text(&mut self, chunk: &str) {
        take_text(self, chunk, true);
    }

    /// The content of a script, style or `noscript`: only for the captures that asked for it
    /// (the JSON-LD metadata), never part of the text people read.
    pub(super) fn take_raw_text(&mut self, chunk: &str) {
        take_text(self, chunk, false);
    }
}

#[derive(Clone, Copy)]
pub(super) enum Capture {
    El(usize),
    PageIndex(usize),
    Breadcrumb(usize),
    FooterLink(usize),
    Anchor(usize),
    Metatag,
}

type Shared = Rc<RefCell<State>>;

/// The selectors the facts come from, parsed once per thread (not once per page).
struct Selectors {
    html: Selector,
    h1: Selector,
    footer: Selector,
    data_element: Selector,
    page_index: Selector,
    breadcrumb: Selector,
    anchor: Selector,
    id: Selector,
    img: Selector,
    script: Selector,
    stylesheet: Selector,
    metatag: Selector,
    captured: Selector,
}

impl Selectors {
    fn new() -> Selectors {
        let p = |s: &str| s.parse::<Selector>().expect("a valid selector");
        Selectors {
            html: p("html"),
            h1: p("h1"),
            footer: p("footer"),
            data_element: p("[data-element]"),
            page_index: p("[data-element=page-index] > li > a"),
            breadcrumb: p("[data-element=breadcrumb] li"),
            anchor: p("a[href]"),
            id: p("[id]"),
            img: p("img"),
            script: p("script[src]"),
            stylesheet: p("link[rel=stylesheet][href]"),
            metatag: p("script[type='application/ld+json'][data-element=metatag]"),
            captured: p(CAPTURED),
        }
    }
}

thread_local! {
    static SELECTORS: Selectors = Selectors::new();
}

type Handler<'s, 'h> = (Cow<'s, Selector>, ElementContentHandlers<'h>);

fn on<'s, 'h>(
    sel: &'s Selector,
    f: impl FnMut(&mut Element<'_, '_>) -> lol_html::HandlerResult + 'h,
) -> Handler<'s, 'h> {
    (
        Cow::Borrowed(sel),
        ElementContentHandlers::default().element(f),
    )
}

/// Streams one page and returns its facts; a malformed page yields the facts seen so far.
pub fn facts(html: &[u8], keep_text: bool) -> Facts {
    let st: Shared = Rc::new(RefCell::new(State {
        keep_text,
        ..State::default()
    }));
    SELECTORS.with(|sel| stream(html, sel, &st));
    let facts = std::mem::take(&mut st.borrow_mut().facts);
    tidy(facts)
}

fn stream(html: &[u8], sel: &Selectors, st: &Shared) {
    let s = Rc::clone(st);
    let on_text = move |t: &mut TextChunk<'_>| {
        match t.text_type() {
            TextType::Data | TextType::RCData => s.borrow_mut().take_text(t.as_str()),
            // What scripts, styles and `noscript` hold is nobody's visible text.
            _ => s.borrow_mut().take_raw_text(t.as_str()),
        }
        Ok(())
    };
    let handlers = [
        on(&sel.html, |el| {
            st.borrow_mut().facts.lang = el
                .get_attribute("lang")
                .is_some_and(|l| !l.trim().is_empty());
            Ok(())
        }),
        on(&sel.h1, |_| {
            st.borrow_mut().facts.h1 += 1;
            Ok(())
        }),
        on(&sel.footer, |el| {
            footer(el, st);
            Ok(())
        }),
        on(&sel.data_element, |el| {
            let name = el.get_attribute("data-element").unwrap_or_default();
            let href = el.get_attribute("href");
            captured(el, st, |s| s.data_element(name, href));
            Ok(())
        }),
        on(&sel.page_index, |el| {
            captured(el, st, State::page_index);
            Ok(())
        }),
        on(&sel.breadcrumb, |el| {
            captured(el, st, State::breadcrumb);
            Ok(())
        }),
        on(&sel.anchor, |el| {
            let href = el.get_attribute("href").unwrap_or_default();
            captured(el, st, |s| s.anchor(href));
            Ok(())
        }),
        on(&sel.id, |el| {
            if let Some(id) = el.get_attribute("id") {
                st.borrow_mut().id(id);
            }
            Ok(())
        }),
        on(&sel.img, |el| {
            let src = el.get_attribute("src").unwrap_or_default();
            st.borrow_mut().img(src, el.has_attribute("alt"));
            Ok(())
        }),
        on(&sel.script, |el| {
            let src = el.get_attribute("src").unwrap_or_default();
            st.borrow_mut().script(src);
            Ok(())
        }),
        on(&sel.stylesheet, |el| {
            let href = el.get_attribute("href").unwrap_or_default();
            st.borrow_mut().stylesheet(href);
            Ok(())
        }),
        on(&sel.metatag, |el| {
            captured(el, st, |s| {
                s.facts.metatag = Some(String::new());
                s.open.push(Capture::Metatag);
            });
            Ok(())
        }),
    ];
    let mut settings = Settings::new();
    for h in handlers {
        settings = settings.append_element_content_handler(h);
    }
    settings = if st.borrow().keep_text {
        settings.append_document_content_handler(doc_text!(on_text))
    } else {
        settings.append_element_content_handler((
            Cow::Borrowed(&sel.captured),
            ElementContentHandlers::default().text(on_text),
        ))
    };
    let mut rw = HtmlRewriter::new(settings, |_: &[u8]| {});
    let _ = rw.write(html);
    let _ = rw.end();
}

/// `decode`, without a copy when there is nothing to decode.
fn decode_owned(s: String) -> String {
    if s.contains('&') {
        decode(&s)
    } else {
        s
    }
}

/// Appends a chunk of text to the page's text (when kept), the footer's and every open capture.
fn take_text(s: &mut State, chunk: &str, visible: bool) {
    if chunk.is_empty() {
        return;
    }
    let State {
        facts,
        footer,
        open,
        keep_text,
    } = s;
    if *keep_text && visible {
        facts.text.push_str(chunk);
        facts.text.push(' ');
    }
    if *footer > 0 && visible {
        facts.footer_text.push_str(chunk);
        facts.footer_text.push(' ');
    }
    for c in open.iter() {
        match *c {
            Capture::El(i) => facts.elements[i].text.push_str(chunk),
            Capture::PageIndex(i) => facts.page_index[i].push_str(chunk),
            Capture::Breadcrumb(i) => facts.breadcrumb[i].push_str(chunk),
            Capture::FooterLink(i) => facts.footer_links[i].1.push_str(chunk),
            Capture::Anchor(i) => facts.anchors[i].1.push_str(chunk),
            Capture::Metatag => {
                if let Some(m) = facts.metatag.as_mut() {
                    m.push_str(chunk);
                }
            }
        }
    }
}

/// Runs `f`, which may open captures; the element's end tag closes them (an element without
/// one captures nothing).
fn captured(el: &mut Element<'_, '_>, st: &Shared, f: impl FnOnce(&mut State)) {
    let before = st.borrow().open.len();
    f(&mut st.borrow_mut());
    match el.end_tag_handlers() {
        Some(h) => {
            let st = Rc::clone(st);
            h.push(Box::new(move |_| {
                st.borrow_mut().open.truncate(before);
                Ok(())
            }));
        }
        None => st.borrow_mut().open.truncate(before),
    }
}

fn footer(el: &mut Element<'_, '_>, st: &Shared) {
    st.borrow_mut().footer += 1;
    if let Some(h) = el.end_tag_handlers() {
        let st = Rc::clone(st);
        h.push(Box::new(move |_| {
            let mut s = st.borrow_mut();
            s.footer = s.footer.saturating_sub(1);
            Ok(())
        }));
    }
}

/// Decodes and collapses the captured texts as the rules compare them.
pub(super) fn tidy(mut f: Facts) -> Facts {
    let fix = |s: &mut String| {
        if s.contains('&') {
            *s = decode(s);
        }
        if !is_squashed(s) {
            *s = squash(s);
        }
    };
    for e in &mut f.elements {
        fix(&mut e.text);
    }
    f.page_index.iter_mut().for_each(fix);
    f.breadcrumb.iter_mut().for_each(fix);
    for (_, t) in &mut f.footer_links {
        fix(t);
    }
    for (_, t) in &mut f.anchors {
        fix(t);
    }
    fix(&mut f.footer_text);
    fix(&mut f.text);
    if let Some(m) = f.metatag.as_mut() {
        *m = decode(m);
    }
    f
}

/// Whether `squash` would leave `s` as it is: words separated by single spaces, nothing
/// around them.
fn is_squashed(s: &str) -> bool {
    let mut prev_space = true;
    for c in s.chars() {
        if c.is_whitespace() {
            if c != ' ' || prev_space {
                return false;
            }
            prev_space = true;
        } else {
            prev_space = false;
        }
    }
    !prev_space || s.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r##"<!DOCTYPE html><html lang="it"><body><h1>T &amp; C</h1>
        <a href="/x/" data-element="management"><span>Amministrazione</span></a>
        <img src="a.png"><img src="b.png" alt="">
        <ul data-element="page-index"><li><a href="#a">A chi &#xE8; rivolto</a></li><li><a href="#b">Come fare</a></li></ul>
        <nav data-element="breadcrumb"><ol><li><a href="/">Home</a></li><li>Novità</li></ol></nav>
        <p>Testo della pagina</p>
        <footer><p>PEC: <a href="mailto:x@pec.it">x@pec.it</a></p><a href="/faq/" data-element="faq">Leggi le FAQ</a></footer>
        <p id="a">x</p></body></html>"##;

    #[test]
    fn facts_from_a_page() {
        let f = facts(PAGE.as_bytes(), true);
        assert!(f.lang);
        assert_eq!(f.h1, 1);
        assert_eq!(f.first("management").unwrap().text, "Amministrazione");
        assert!(!f.first("management").unwrap().in_footer);
        assert!(f.first("faq").unwrap().in_footer);
        assert_eq!(f.img_without_alt, ["a.png"]);
        assert_eq!(f.page_index, ["A chi è rivolto", "Come fare"]);
        assert_eq!(f.breadcrumb, ["Home", "Novità"]);
        assert_eq!(f.footer_text, "PEC: x@pec.it Leggi le FAQ");
        assert_eq!(
            f.footer_links,
            [
                ("mailto:x@pec.it".to_string(), "x@pec.it".to_string()),
                ("/faq/".to_string(), "Leggi le FAQ".to_string())
            ]
        );
        assert!(f.ids.contains("a"));
        assert!(f.text.contains("Testo della pagina") && f.text.contains("T & C"));
    }

    #[test]
    fn texts_already_squashed_are_not_copied_again() {
        for s in [
            "",
            "a",
            "a b",
            "Novità e città",
            "a  b",
            " a",
            "a ",
            "a\nb",
            "a\u{a0}b",
        ] {
            assert_eq!(is_squashed(s), squash(s) == s, "{s:?}");
        }
    }

    #[test]
    fn only_the_captured_text_is_kept_unless_asked() {
        let all = facts(PAGE.as_bytes(), true);
        let some = facts(PAGE.as_bytes(), false);
        assert!(some.text.is_empty());
        // Everything else is the same with or without the page's whole text.
        assert_eq!(some.footer_text, all.footer_text);
        assert_eq!(some.anchors, all.anchors);
        assert_eq!(some.page_index, all.page_index);
        assert_eq!(some.breadcrumb, all.breadcrumb);
        let texts = |f: &Facts| {
            f.elements
                .iter()
                .map(|e| e.text.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(texts(&some), texts(&all));
    }
}
