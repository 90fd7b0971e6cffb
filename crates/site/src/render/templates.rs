//! A theme's templates, compiled once: Tera with civico's filters, the templates as written and
//! the theme's name, so that every template that fails (a page, a shared part, the territory
//! portal) is reported at its file, line and column (`template_errors`).

use civico_core::diagnostics::Diagnostic;
use tera::{Context, Tera};

use super::{filters, rientri, template_errors};

/// The compiled templates of one theme.
pub struct Templates {
    tera: Tera,
    /// The templates as written, to point at their lines in errors.
    written: Vec<(String, String)>,
    /// The theme's name, as in `themes/<name>/`.
    tema: String,
}

impl Templates {
    /// Compiles the templates of theme `tema` (name and text of each), with their indentation
    /// taken out once, here, rather than from every page.
    pub fn new(tema: &str, written: Vec<(String, String)>) -> Result<Templates, Diagnostic> {
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        filters::register(&mut tera);
        let sources: Vec<(&str, std::borrow::Cow<'_, str>)> = written
            .iter()
            .map(|(n, t)| {
                let t = if n.ends_with(".html") {
                    rientri::togli(t).into()
                } else {
                    std::borrow::Cow::from(t.as_str())
                };
                (n.as_str(), t)
            })
            .collect();
        tera.add_raw_templates(sources.iter().map(|(n, t)| (*n, t.as_ref())))
            .map_err(|e| template_errors::invalid(&e, tema, &written))?;
        Ok(Templates {
            tera,
            written,
            tema: tema.to_string(),
        })
    }

    /// Renders `template` with `ctx`; on failure, `what` (called only then) begins the message.
    pub fn render(
        &self,
        template: &str,
        ctx: &Context,
        what: impl FnOnce() -> String,
    ) -> Result<String, Diagnostic> {
        self.tera
            .render(template, ctx)
            .map_err(|e| self.failed(&e, template, what))
    }

    /// [`Templates::render`] appending to `out`.
    pub fn render_to(
        &self,
        template: &str,
        ctx: &Context,
        out: &mut Vec<u8>,
        what: impl FnOnce() -> String,
    ) -> Result<(), Diagnostic> {
        self.tera
            .render_to(template, ctx, out)
            .map_err(|e| self.failed(&e, template, what))
    }

    fn failed(&self, e: &tera::Error, template: &str, what: impl FnOnce() -> String) -> Diagnostic {
        template_errors::failed(e, &self.tema, template, &what(), &self.written)
    }
}
