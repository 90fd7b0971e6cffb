//! The parts of the base template a comune's pages share (`parti` in templates), rendered once
//! per comune instead of once per page.
//!
//! `testa_risorse` and `testa_collegamenti` (the head's stylesheets and links), `contatti`,
//! `feedback`, `ricerca` and `footer` depend only on the comune (`site`). `testata`,
//! the header with the main menu, also depends on where the page is: it is rendered once for each
//! pair its template can tell apart, the page's `sezione` and, on a first-level page (`/novita/`),
//! its `url`. The header template sees `site` and a `page` holding only those two fields (`url`
//! is empty below the first level), so a theme's header must not use anything else of the page.

use std::collections::{BTreeMap, HashMap};

use tera::{Context, Value};

use super::templates::Templates;

use crate::model::Page;
use civico_core::diagnostics::Diagnostic;

/// The partials rendered once per comune: (name in `parti`, template).
const PER_COMUNE: [(&str, &str); 6] = [
    ("testa_risorse", "partials/testa-risorse.html"),
    ("testa_collegamenti", "partials/testa-collegamenti.html"),
    ("contatti", "partials/contatti-comune.html"),
    ("feedback", "partials/feedback.html"),
    ("ricerca", "partials/ricerca-modale.html"),
    ("footer", "partials/footer.html"),
];

/// The header partial, rendered once per [`Variant`].
const TESTATA: (&str, &str) = ("testata", "partials/testata.html");

/// What the header of a page depends on: its `sezione`, and its `url` on a first-level page.
type Variant = (&'static str, String);

/// A comune's shared parts: the `parti` value of each header variant its pages use.
pub struct SharedParts {
    by_variant: HashMap<Variant, Value>,
    /// The parts that do not depend on the page, for a variant not rendered beforehand.
    common: BTreeMap<&'static str, String>,
}

/// The variant of `page`'s header.
fn variant(page: &Page) -> Variant {
    let first_level = !page.url.trim_matches('/').contains('/');
    let url = if first_level { page.url.as_str() } else { "" };
    (page.sezione, url.to_string())
}

/// Renders `template` with `ctx`, or says which template failed, where and why.
fn render(templates: &Templates, template: &str, ctx: &Context) -> Result<String, Diagnostic> {
    templates.render(template, ctx, || format!("errore nel template {template}"))
}

impl SharedParts {
    /// Renders the parts of a comune whose shared data is `site`, with a header for each
    /// variant among `pages`.
    pub fn new(templates: &Templates, site: &Value, pages: &[Page]) -> Result<Self, Diagnostic> {
        let mut ctx = Context::new();
        ctx.insert_value("site", site.clone());
        let mut common = BTreeMap::new();
        for (name, template) in PER_COMUNE {
            common.insert(name, render(templates, template, &ctx)?);
        }
        let mut parts = SharedParts {
            by_variant: HashMap::new(),
            common,
        };
        for page in pages {
            let v = variant(page);
            if !parts.by_variant.contains_key(&v) {
                let value = parts.render_variant(templates, &mut ctx, &v)?;
                parts.by_variant.insert(v, value);
            }
        }
        Ok(parts)
    }

    /// The `parti` of one variant: the common parts and its header.
    fn render_variant(
        &self,
        templates: &Templates,
        ctx: &mut Context,
        (sezione, url): &Variant,
    ) -> Result<Value, Diagnostic> {
        let page: BTreeMap<&str, &str> = [("sezione", *sezione), ("url", url.as_str())].into();
        ctx.insert("page", &page);
        let testata = render(templates, TESTATA.1, ctx)?;
        let mut parts = self.common.clone();
        parts.insert(TESTATA.0, testata);
        Ok(Value::from_serializable(&parts))
    }

    /// The `parti` of `page` (rendered now if its variant was not among the pages given to
    /// [`SharedParts::new`]).
    pub fn of(
        &self,
        templates: &Templates,
        site: &Value,
        page: &Page,
    ) -> Result<Value, Diagnostic> {
        let v = variant(page);
        if let Some(value) = self.by_variant.get(&v) {
            return Ok(value.clone());
        }
        let mut ctx = Context::new();
        ctx.insert_value("site", site.clone());
        self.render_variant(templates, &mut ctx, &v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(url: &str, sezione: &'static str) -> Page {
        crate::model::pages::page(
            url,
            crate::model::PageKind::List,
            "Titolo",
            sezione,
            Vec::new(),
        )
    }

    #[test]
    fn variants_tell_apart_first_level_pages_only() {
        assert_eq!(
            variant(&page("/novita/", "novita")),
            ("novita", "/novita/".into())
        );
        assert_eq!(variant(&page("/", "")), ("", "/".into()));
        assert_eq!(
            variant(&page("/novita/notizie/", "novita")),
            ("novita", String::new())
        );
        assert_eq!(
            variant(&page("/novita/notizie/x/", "novita")),
            variant(&page("/novita/avvisi/", "novita"))
        );
    }
}
