//! One page's facts: the page is streamed once through lol_html, which records what the rules
//! read (lang, h1 count, data-elements with their text and place in the footer, links, ids,
//! images, scripts, stylesheets, the service page index, the breadcrumb, JSON-LD).
//!
//! Only the text some rule reads is decoded: the text handler is scoped to the elements whose
//! text is captured, and covers the whole document only when asked (the home page, whose text
//! must show the PEC). Decoding every text node of every page was half of `civico check`.

use std::cell::RefCell;
use std::rc::Rc;

use lol_html::html_content::{Element, TextChunk};
use lol_html::{doc_text, element, text, HtmlRewriter, Settings};

use super::{decode, squash, DataEl, Facts};

/// Elements whose text a rule reads (a chunk inside several of them is delivered once).
const CAPTURED: &str = "footer, [data-element], a[href], \
    [data-element=page-index] > li > a, [data-element=breadcrumb] li";

#[derive(Default)]
struct State {
    facts: Facts,
    footer: usize,
    /// Open captures: where the text of the elements being read goes.
    open: Vec<Capture>,
    keep_text: bool,
}

#[derive(Clone, Copy)]
enum Capture {
    El(usize),
    PageIndex(usize),
    Breadcrumb(usize),
    FooterLink(usize),
    Anchor(usize),
    Metatag,
}

type Shared = Rc<RefCell<State>>;

/// Streams one page and returns its facts; a malformed page yields the facts seen so far.
pub fn facts(html: &[u8], keep_text: bool) -> Facts {
    let st: Shared = Rc::new(RefCell::new(State {
        keep_text,
        ..State::default()
    }));
    {
        let s = Rc::clone(&st);
        let on_text = move |t: &mut TextChunk<'_>| {
            take_text(&mut s.borrow_mut(), t.as_str());
            Ok(())
        };
        let mut settings = Settings::new();
        settings = settings
            .append_element_content_handler(element!("html", |el| {
                st.borrow_mut().facts.lang = el
                    .get_attribute("lang")
                    .is_some_and(|l| !l.trim().is_empty());
                Ok(())
            }))
            .append_element_content_handler(element!("h1", |_| {
                st.borrow_mut().facts.h1 += 1;
                Ok(())
            }))
            .append_element_content_handler(element!("footer", |el| {
                footer(el, &st);
                Ok(())
            }))
            .append_element_content_handler(element!("[data-element]", |el| {
                data_element(el, &st);
                Ok(())
            }))
            .append_element_content_handler(element!("[data-element=page-index] > li > a", |el| {
                let i = {
                    let mut s = st.borrow_mut();
                    s.facts.page_index.push(String::new());
                    s.facts.page_index.len() - 1
                };
                capture(el, Capture::PageIndex(i), &st);
                Ok(())
            }))
            .append_element_content_handler(element!("[data-element=breadcrumb] li", |el| {
                let i = {
                    let mut s = st.borrow_mut();
                    s.facts.breadcrumb.push(String::new());
                    s.facts.breadcrumb.len() - 1
                };
                capture(el, Capture::Breadcrumb(i), &st);
                Ok(())
            }))
            .append_element_content_handler(element!("a[href]", |el| {
                anchor(el, &st);
                Ok(())
            }))
            .append_element_content_handler(element!("[id]", |el| {
                if let Some(id) = el.get_attribute("id") {
                    st.borrow_mut().facts.ids.insert(decode(&id));
                }
                Ok(())
            }))
            .append_element_content_handler(element!("img", |el| {
                let src = el.get_attribute("src").unwrap_or_default();
                let mut s = st.borrow_mut();
                if !el.has_attribute("alt") {
                    s.facts.img_without_alt.push(src.clone());
                }
                s.facts.links.push(decode(&src));
                Ok(())
            }))
            .append_element_content_handler(element!("script[src]", |el| {
                let src = decode(&el.get_attribute("src").unwrap_or_default());
                let mut s = st.borrow_mut();
                s.facts.links.push(src.clone());
                s.facts.scripts.push(src);
                Ok(())
            }))
            .append_element_content_handler(element!("link[rel=stylesheet][href]", |el| {
                let href = decode(&el.get_attribute("href").unwrap_or_default());
                let mut s = st.borrow_mut();
                s.facts.links.push(href.clone());
                s.facts.stylesheets.push(href);
                Ok(())
            }))
            .append_element_content_handler(element!(
                "script[type='application/ld+json'][data-element=metatag]",
                |el| {
                    st.borrow_mut().facts.metatag = Some(String::new());
                    capture(el, Capture::Metatag, &st);
                    Ok(())
                }
            ));
        settings = if keep_text {
            settings.append_document_content_handler(doc_text!(on_text))
        } else {
            settings.append_element_content_handler(text!(CAPTURED, on_text))
        };
        let mut rw = HtmlRewriter::new(settings, |_: &[u8]| {});
        let _ = rw.write(html);
        let _ = rw.end();
    }
    let facts = std::mem::take(&mut st.borrow_mut().facts);
    tidy(facts)
}

/// Appends a chunk of text to the page's text (when kept), the footer's and every open capture.
fn take_text(s: &mut State, chunk: &str) {
    if chunk.is_empty() {
        return;
    }
    let State {
        facts,
        footer,
        open,
        keep_text,
    } = s;
    if *keep_text {
        facts.text.push_str(chunk);
        facts.text.push(' ');
    }
    if *footer > 0 {
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

/// Opens a capture that the element's end tag closes.
fn capture(el: &mut Element<'_, '_>, c: Capture, st: &Shared) {
    if let Some(h) = el.end_tag_handlers() {
        st.borrow_mut().open.push(c);
        let st = Rc::clone(st);
        h.push(Box::new(move |_| {
            st.borrow_mut().open.pop();
            Ok(())
        }));
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

fn data_element(el: &mut Element<'_, '_>, st: &Shared) {
    let i = {
        let mut s = st.borrow_mut();
        let in_footer = s.footer > 0;
        s.facts.elements.push(DataEl {
            name: el.get_attribute("data-element").unwrap_or_default(),
            href: el.get_attribute("href").map(|h| decode(&h)),
            in_footer,
            text: String::new(),
        });
        s.facts.elements.len() - 1
    };
    capture(el, Capture::El(i), st);
}

fn anchor(el: &mut Element<'_, '_>, st: &Shared) {
    let href = decode(&el.get_attribute("href").unwrap_or_default());
    let (in_footer, i) = {
        let mut s = st.borrow_mut();
        s.facts.links.push(href.clone());
        let in_footer = s.footer > 0;
        if in_footer {
            s.facts.footer_links.push((href.clone(), String::new()));
        }
        s.facts.anchors.push((href, String::new()));
        (
            in_footer.then(|| s.facts.footer_links.len() - 1),
            s.facts.anchors.len() - 1,
        )
    };
    capture(el, Capture::Anchor(i), st);
    if let Some(f) = in_footer {
        capture(el, Capture::FooterLink(f), st);
    }
}

/// Decodes and collapses the captured texts as the rules compare them.
fn tidy(mut f: Facts) -> Facts {
    let fix = |s: &mut String| *s = squash(&decode(s));
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
