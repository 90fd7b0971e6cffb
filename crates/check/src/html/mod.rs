//! HTML-level checks: on any built site folder, civico's or not, what AGID's validator and the
//! law look at in the pages themselves.
//!
//! Each page is streamed once (`facts`) into what the rules need. Rules then run per page and
//! across pages (internal links and anchors, the pages the validator reaches from the home page).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

mod facts;
pub mod rendered;

pub use facts::facts;

use super::{Finding, Severity};

/// An element with a `data-element`, as the validator sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataEl {
    pub name: String,
    pub href: Option<String>,
    pub in_footer: bool,
    pub text: String,
}

/// What one page contains, for the rules.
#[derive(Debug, Default, PartialEq)]
pub struct Facts {
    pub lang: bool,
    pub h1: usize,
    pub elements: Vec<DataEl>,
    pub footer_text: String,
    pub text: String,
    /// `href` of every `<a>`, `<link>` and `src` of scripts and images: internal ones are checked.
    pub links: Vec<String>,
    pub ids: HashSet<String>,
    pub img_without_alt: Vec<String>,
    pub scripts: Vec<String>,
    pub stylesheets: Vec<String>,
    /// Texts of `[data-element=page-index] > li > a`, in order.
    pub page_index: Vec<String>,
    pub breadcrumb: Vec<String>,
    /// Footer links: (href, text).
    pub footer_links: Vec<(String, String)>,
    /// All links: (href, text), for the AT index.
    pub anchors: Vec<(String, String)>,
    pub metatag: Option<String>,
}

impl Facts {
    pub fn all(&self, name: &str) -> impl Iterator<Item = &DataEl> {
        let name = name.to_string();
        self.elements.iter().filter(move |e| e.name == name)
    }

    pub fn first(&self, name: &str) -> Option<&DataEl> {
        self.elements.iter().find(|e| e.name == name)
    }
}

/// Decodes the character references found in HTML text (lol_html gives raw text).
pub fn decode(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let ent = &rest[1..e];
            let c = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => ent
                    .strip_prefix("#x")
                    .or_else(|| ent.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Collapses whitespace as `textContent.trim()` comparisons need.
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A site folder and the pages in it, by site path (`/`, `/novita/`, `/404.html`).
pub struct SiteFacts {
    /// The other files of the site, for links to them.
    pub files: Files,
    pub pages: BTreeMap<String, Facts>,
    /// Path prefix of links (`""` or `/prefix`), from base_url when known.
    pub base: String,
}

/// Where the files that are not pages are looked up.
pub enum Files {
    /// A built site on disk.
    Dir(PathBuf),
    /// The site paths of a site rendered in memory (`sink::FactsSink`).
    Set(HashSet<String>),
}

impl SiteFacts {
    /// A site rendered into a `sink::FactsSink`.
    pub fn rendered(
        pages: BTreeMap<String, Facts>,
        files: HashSet<String>,
        base: &str,
    ) -> SiteFacts {
        SiteFacts {
            files: Files::Set(files),
            pages,
            base: base.to_string(),
        }
    }
}

/// Reads every HTML page under `dir` in parallel.
pub fn read_site(dir: &Path, base: &str) -> SiteFacts {
    let files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "html"))
        .filter(|e| {
            // Hidden files and the web editor (`admin/`, not a page of the site) are skipped.
            let rel = e.path().strip_prefix(dir).unwrap_or(e.path());
            !rel.components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
                && !rel.starts_with("admin")
        })
        .map(|e| e.into_path())
        .collect();
    let pages = files
        .par_iter()
        .filter_map(|f| {
            let html = std::fs::read(f).ok()?;
            let rel = f
                .strip_prefix(dir)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            let path = crate::sink::page_path(&rel)?;
            // Only the home page's whole text is needed (PEC-HOME).
            let home = path == "/";
            Some((path, facts(&html, home)))
        })
        .collect();
    SiteFacts {
        files: Files::Dir(dir.to_path_buf()),
        pages,
        base: base.to_string(),
    }
}

/// Known third-party trackers that set cookies or profile visitors without consent.
const TRACKERS: [&str; 10] = [
    "google-analytics.com",
    "googletagmanager.com",
    "doubleclick.net",
    "connect.facebook.net",
    "facebook.net",
    "hotjar.com",
    "clarity.ms",
    "scorecardresearch.com",
    "addthis.com",
    "sharethis.com",
];

const FEEDBACK_TITLE: &str = "Quanto sono chiare le informazioni su questa pagina?";
pub const LEGAL_NOTES_BODY: &str = "In applicazione del principio open by default ai sensi dell’articolo 52 del decreto legislativo 7 marzo 2005, n. 82 (CAD) e salvo dove diversamente specificato (compresi i contenuti incorporati di terzi), i dati, i documenti e le informazioni pubblicati sul sito sono rilasciati con licenza CC-BY 4.0. Gli utenti sono quindi liberi di condividere (riprodurre, distribuire, comunicare al pubblico, esporre in pubblico), rappresentare, eseguire e recitare questo materiale con qualsiasi mezzo e formato e modificare (trasformare il materiale e utilizzarlo per opere derivate) per qualsiasi fine, anche commerciale con il solo onere di attribuzione, senza apporre restrizioni aggiuntive.";
const SERVICE_INDEX: [&str; 8] = [
    "A chi è rivolto",
    "Come fare",
    "Cosa serve",
    "Cosa si ottiene",
    "Tempi e scadenze",
    "Accedi al servizio",
    "Condizioni di servizio",
    "Contatti",
];

/// Titles of the first-level Amministrazione trasparente sections, which the AT index links.
pub fn at_titles() -> Vec<String> {
    civico_site::trasparenza::albero::get()
        .visibili(false)
        .filter(|s| s.level == 1)
        .map(|s| s.title.clone())
        .collect()
}

/// What the HTML rules need to know about the site besides its pages.
pub struct Context<'a> {
    pub comune: &'a str,
    /// The PEC the pages must show (from comune.yaml); None for a foreign site: any PEC-like
    /// address is accepted.
    pub pec: Option<&'a str>,
    /// Titles of the first-level AT sections that must be linked from the AT index.
    pub at_titles: Vec<String>,
}

/// Collects findings of one rule over many pages into one finding per rule and message.
struct Collector {
    comune: String,
    found: BTreeMap<(String, String), (Severity, Vec<String>)>,
}

impl Collector {
    fn add(&mut self, rule: &str, sev: Severity, page: &str, message: String) {
        self.found
            .entry((rule.to_string(), message))
            .or_insert_with(|| (sev, Vec::new()))
            .1
            .push(page.to_string());
    }

    /// Adds the findings of pages that come after those already collected.
    fn merge(&mut self, later: Collector) {
        for (key, (sev, pages)) in later.found {
            self.found
                .entry(key)
                .or_insert_with(|| (sev, Vec::new()))
                .1
                .extend(pages);
        }
    }

    fn into_findings(self) -> Vec<Finding> {
        self.found
            .into_iter()
            .map(|((rule, message), (severity, pages))| {
                let n = pages.len();
                let message = if n > 1 {
                    format!("{message} (in {n} pagine, per esempio {})", pages[0])
                } else {
                    message
                };
                Finding {
                    rule,
                    severity,
                    comune: self.comune.clone(),
                    file: None,
                    line: 0,
                    col: 0,
                    page: Some(pages[0].clone()),
                    message,
                }
            })
            .collect()
    }
}

fn is_pec_like(s: &str) -> bool {
    s.split_whitespace().any(|w| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '@' && c != '.');
        w.split_once('@')
            .is_some_and(|(_, d)| civico_core::codici::pec_domain(d))
    })
}

/// Resolves an internal link of the page at `from` to a site path; None for external links.
fn internal(base: &str, from: &str, href: &str) -> Option<(String, Option<String>)> {
    let href = href.trim();
    if href.is_empty()
        || href.starts_with("//")
        || href.contains("://")
        || ["mailto:", "tel:", "javascript:", "data:", "sms:"]
            .iter()
            .any(|p| href.starts_with(p))
    {
        return None;
    }
    let (path, frag) = match href.split_once('#') {
        Some((p, f)) => (p, Some(f.to_string())),
        None => (href, None),
    };
    let path = path.split('?').next().unwrap_or("");
    let joined = if path.is_empty() {
        from.to_string()
    } else if path.starts_with('/') {
        path.strip_prefix(base)
            .filter(|_| !base.is_empty())
            .unwrap_or(path)
            .to_string()
    } else {
        let dir = if from.ends_with('/') {
            from.to_string()
        } else {
            from.rsplit_once('/')
                .map_or("/".into(), |(d, _)| format!("{d}/"))
        };
        format!("{dir}{path}")
    };
    // Normalise . and .. segments.
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut out = format!("/{}", parts.join("/"));
    if joined.ends_with('/') && out != "/" {
        out.push('/');
    }
    let decoded = percent_decode(&out);
    Some((decoded, frag.map(|f| percent_decode(&f))))
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Runs every HTML rule on a site.
pub fn check(site: &SiteFacts, cx: &Context<'_>) -> Vec<Finding> {
    let mut c = Collector {
        comune: cx.comune.to_string(),
        found: BTreeMap::new(),
    };
    let err = Severity::Error;
    let home = site.pages.get("/");
    if home.is_none() {
        c.add(
            "HOME-MISSING",
            err,
            "/",
            "manca la home page (index.html nella cartella del sito)".into(),
        );
    }

    // Pages are checked in parallel, in chunks whose findings are merged in page order.
    let pages: Vec<(&String, &Facts)> = site.pages.iter().collect();
    let parts: Vec<Collector> = pages
        .par_chunks(256)
        .map(|chunk| {
            let mut part = Collector {
                comune: c.comune.clone(),
                found: BTreeMap::new(),
            };
            let mut resolved: HashMap<String, bool> = HashMap::new();
            for (path, f) in chunk {
                check_page(&mut part, site, cx, path, f, &mut resolved);
            }
            part
        })
        .collect();
    for part in parts {
        c.merge(part);
    }

    if let Some(h) = home {
        let pec_home = match cx.pec {
            Some(p) => h.text.to_lowercase().contains(&p.to_lowercase()),
            None => is_pec_like(&h.text),
        };
        if !pec_home {
            c.add(
                "PEC-HOME",
                err,
                "/",
                "la home page non mostra l'indirizzo PEC del Comune".into(),
            );
        }
        feedback(&mut c, "C.SI.2.5", "/", h);
        // First- and second-level pages reached as the validator does.
        let mut first_level = Vec::new();
        for de in ["management", "news", "all-services", "live"] {
            if let Some(href) = h.first(de).and_then(|e| e.href.clone()) {
                if let Some((p, _)) = internal(&site.base, "/", &href) {
                    first_level.push(p);
                }
            }
        }
        for p in &first_level {
            let Some(f) = site.pages.get(p) else { continue };
            feedback(&mut c, "C.SI.2.5", p, f);
            for e in f.elements.iter().filter(|e| {
                e.name.ends_with("-category-link")
                    || e.name == "live-button-locations"
                    || e.name == "live-button-events"
            }) {
                if let Some((q, _)) = e.href.as_deref().and_then(|h| internal(&site.base, p, h)) {
                    if let Some(g) = site.pages.get(&q) {
                        feedback(&mut c, "C.SI.2.5", &q, g);
                    }
                }
            }
        }
        // Servizi: enough services and the booking link.
        if let Some(servizi) = h
            .first("all-services")
            .and_then(|e| e.href.as_deref())
            .and_then(|x| internal(&site.base, "/", x))
            .and_then(|(p, _)| site.pages.get(&p).map(|f| (p, f)))
        {
            let n: HashSet<&str> = servizi
                .1
                .all("service-link")
                .filter_map(|e| e.href.as_deref())
                .collect();
            if n.len() < 10 {
                c.add("C.SI.1.3", err, &servizi.0, format!("la pagina Servizi elenca {} (data-element=\"service-link\"): ne servono almeno 10", civico_core::plurale::conta(n.len(), "scheda servizio", "schede servizio")));
            }
            if servizi.1.first("appointment-booking").is_none() {
                c.add("C.SI.2.1", err, &servizi.0, "la pagina Servizi non ha il link per prenotare un appuntamento (data-element=\"appointment-booking\")".into());
            }
        }
        // Legal notes: section title and the CC-BY text.
        if let Some((p, f)) = h
            .first("legal-notes")
            .and_then(|e| e.href.as_deref())
            .and_then(|x| internal(&site.base, "/", x))
            .and_then(|(p, _)| site.pages.get(&p).map(|f| (p, f)))
        {
            let section = f
                .first("legal-notes-section")
                .map(|e| e.text.to_lowercase());
            let body = squash(
                &f.all("legal-notes-body")
                    .map(|e| e.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            )
            .to_lowercase()
            .replace('\'', "’");
            if section.as_deref() != Some("licenza dei contenuti")
                || body != LEGAL_NOTES_BODY.to_lowercase()
            {
                c.add("C.SI.3.4", err, &p, "le note legali devono avere la sezione \"Licenza dei contenuti\" (data-element=\"legal-notes-section\") con il testo della licenza CC-BY 4.0 previsto dal modello (data-element=\"legal-notes-body\")".into());
            }
        }
        // Amministrazione trasparente: linked from the home page, every first-level section by title.
        let at = h
            .footer_links
            .iter()
            .chain(h.anchors.iter())
            .find(|(_, t)| t.eq_ignore_ascii_case("Amministrazione trasparente"));
        match at.and_then(|(href, _)| internal(&site.base, "/", href)) {
            None => c.add("AT-LINK", err, "/", "la home page non ha un link \"Amministrazione trasparente\" (art. 9 D.Lgs. 33/2013)".into()),
            Some((p, _)) => {
                if let Some(f) = site.pages.get(&p) {
                    let titles: HashSet<String> = f.anchors.iter().map(|(_, t)| t.to_lowercase()).collect();
                    for t in &cx.at_titles {
                        if !titles.contains(&t.to_lowercase()) {
                            c.add("AT-INDEX", err, &p, format!("l'indice di Amministrazione trasparente non ha il link alla sezione \"{t}\""));
                        }
                    }
                }
            }
        }
    }
    c.into_findings()
}

/// The rules every page must pass.
fn check_page(
    c: &mut Collector,
    site: &SiteFacts,
    cx: &Context<'_>,
    path: &str,
    f: &Facts,
    resolved: &mut HashMap<String, bool>,
) {
    page_basics(c, cx, path, f);
    footer_links(c, path, f);
    menu_and_assets(c, path, f);
    internal_links(c, site, path, f, resolved);
    // Service pages.
    if f.first("service-title").is_some() {
        check_service(c, path, f);
        feedback(c, "C.SI.2.6", path, f);
    }
}

/// Language, one h1, images' alt text, the PEC in the footer.
fn page_basics(c: &mut Collector, cx: &Context<'_>, path: &str, f: &Facts) {
    let err = Severity::Error;
    if !f.lang {
        c.add(
            "HTML-LANG",
            err,
            path,
            "la pagina non dichiara la lingua: aggiungi lang=\"it\" all'elemento html".into(),
        );
    }
    if f.h1 != 1 {
        c.add(
            "HTML-H1",
            err,
            path,
            format!("la pagina ha {} titoli h1 invece di uno", f.h1),
        );
    }
    if !f.img_without_alt.is_empty() {
        c.add(
            "IMG-ALT",
            Severity::Warning,
            path,
            "immagine senza attributo alt: descrivila, o scrivi alt=\"\" se è decorativa".into(),
        );
    }
    // PEC in the footer of every page.
    let pec_ok = match cx.pec {
        Some(p) => f.footer_text.to_lowercase().contains(&p.to_lowercase()),
        None => is_pec_like(&f.footer_text),
    };
    if !pec_ok {
        c.add(
            "PEC-FOOTER",
            err,
            path,
            "il footer non mostra l'indirizzo PEC del Comune (L. 190/2012, art. 1, c. 29)".into(),
        );
    }
}

/// The footer links AGID's validator reads.
fn footer_links(c: &mut Collector, path: &str, f: &Facts) {
    let err = Severity::Error;
    // Footer links read by AGID's validator.
    for (rule, de, what) in [
        (
            "C.SI.2.3",
            "faq",
            "il link alle domande frequenti (data-element=\"faq\")",
        ),
        (
            "C.SI.2.4",
            "report-inefficiency",
            "il link per segnalare un disservizio (data-element=\"report-inefficiency\")",
        ),
        (
            "C.SI.3.3",
            "privacy-policy-link",
            "il link all'informativa privacy (data-element=\"privacy-policy-link\")",
        ),
        (
            "C.SI.3.4",
            "legal-notes",
            "il link alle note legali (data-element=\"legal-notes\")",
        ),
        (
            "C.SI.3.2",
            "accessibility-link",
            "il link alla dichiarazione di accessibilità (data-element=\"accessibility-link\")",
        ),
    ] {
        if !f.all(de).any(|e| e.in_footer && e.href.is_some()) {
            c.add(rule, err, path, format!("nel footer manca {what}"));
        }
    }
    if let Some(a) = f.all("accessibility-link").find(|e| e.in_footer) {
        if !a
            .href
            .as_deref()
            .unwrap_or("")
            .starts_with("https://form.agid.gov.it/")
        {
            c.add("C.SI.3.2", err, path, "la dichiarazione di accessibilità deve essere quella pubblicata su https://form.agid.gov.it/".into());
        }
    }
}

/// The four menu voices, Bootstrap Italia, no trackers.
fn menu_and_assets(c: &mut Collector, path: &str, f: &Facts) {
    let err = Severity::Error;
    // Menu: the four voices, once each, in order.
    let voices: Vec<(&str, &str)> = f
        .elements
        .iter()
        .filter(|e| ["management", "news", "all-services", "live"].contains(&e.name.as_str()))
        .map(|e| (e.name.as_str(), e.text.as_str()))
        .collect();
    let want = ["management", "news", "all-services", "live"];
    let names: Vec<&str> = voices.iter().map(|v| v.0).collect();
    let texts_ok = voices.iter().all(|(n, t)| match *n {
        "management" => t.eq_ignore_ascii_case("Amministrazione"),
        "news" => t.to_lowercase() == "novità",
        "all-services" => t.eq_ignore_ascii_case("Servizi"),
        _ => t.to_lowercase().starts_with("vivere "),
    });
    if names != want || !texts_ok {
        c.add("C.SI.1.6", err, path, "il menu principale deve avere, una volta ciascuna e in quest'ordine, le voci Amministrazione, Novità, Servizi, Vivere il Comune con i loro data-element".into());
    }
    // Bootstrap Italia.
    let css = f
        .stylesheets
        .iter()
        .any(|s| s.contains("bootstrap-italia") && s.ends_with(".css"));
    let js = f
        .scripts
        .iter()
        .any(|s| s.contains("bootstrap-italia") && s.ends_with(".js"));
    if !css || !js {
        c.add("C.SI.1.2", err, path, format!("{} di Bootstrap Italia: caricalo in ogni pagina (il validatore AGID legge la versione dal JavaScript)", match (css, js) { (false, false) => "mancano il CSS e il JavaScript", (false, true) => "manca il CSS", _ => "manca il JavaScript" }));
    }
    // Trackers.
    for s in &f.scripts {
        if TRACKERS.iter().any(|t| s.contains(t)) {
            c.add(
                "TRACKER",
                err,
                path,
                format!("script di tracciamento di terze parti senza consenso: {s}"),
            );
        }
    }
}

/// Internal links and anchors lead somewhere.
fn internal_links(
    c: &mut Collector,
    site: &SiteFacts,
    path: &str,
    f: &Facts,
    resolved: &mut HashMap<String, bool>,
) {
    let err = Severity::Error;
    // Internal links and anchors.
    for href in &f.links {
        let Some((target, frag)) = internal(&site.base, path, href) else {
            continue;
        };
        let page = site
            .pages
            .get(&target)
            .or_else(|| site.pages.get(&format!("{target}/")));
        let exists = page.is_some()
            || *resolved
                .entry(target.clone())
                .or_insert_with(|| resolve(site, &target).0);
        if !exists {
            c.add(
                "LINK-BROKEN",
                err,
                path,
                format!("il link {href} porta a una pagina o un file che non esiste"),
            );
        } else if let (Some(frag), Some(p)) = (frag, page) {
            if !frag.is_empty() && !p.ids.contains(&frag) {
                c.add(
                    "ANCHOR-BROKEN",
                    err,
                    path,
                    format!("il link {href} punta a un'ancora che non esiste nella pagina"),
                );
            }
        }
    }
}

/// Whether a site path exists as a file (or folder with index.html); the page if HTML.
fn resolve<'a>(site: &'a SiteFacts, target: &str) -> (bool, Option<&'a Facts>) {
    if let Some(p) = site.pages.get(target) {
        return (true, Some(p));
    }
    let with_slash = format!("{target}/");
    if let Some(p) = site.pages.get(&with_slash) {
        return (true, Some(p));
    }
    let exists = match &site.files {
        Files::Dir(dir) => {
            let file = dir.join(target.trim_start_matches('/'));
            file.is_file() || file.join("index.html").is_file()
        }
        Files::Set(set) => {
            set.contains(target)
                || set.contains(&format!("{}/index.html", target.trim_end_matches('/')))
        }
    };
    (exists, None)
}

fn check_service(c: &mut Collector, path: &str, f: &Facts) {
    let mut problems = Vec::new();
    let content_of: HashMap<&str, &str> = [
        ("A chi è rivolto", "service-addressed"),
        ("Come fare", "service-how-to"),
        ("Cosa serve", "service-needed"),
        ("Cosa si ottiene", "service-achieved"),
        ("Tempi e scadenze", "service-calendar-text"),
    ]
    .into_iter()
    .collect();
    let labels: Vec<&str> = f
        .page_index
        .iter()
        .map(String::as_str)
        .filter(|l| SERVICE_INDEX.contains(l))
        .collect();
    let missing: Vec<&str> = SERVICE_INDEX
        .iter()
        .copied()
        .filter(|l| !labels.contains(l))
        .collect();
    if !missing.is_empty() {
        problems.push(format!("mancano nell'indice: {}", missing.join(", ")));
    }
    let order: Vec<usize> = labels
        .iter()
        .filter_map(|l| SERVICE_INDEX.iter().position(|x| x == l))
        .collect();
    if order.windows(2).any(|w| w[0] > w[1]) {
        problems.push(format!(
            "l'indice non segue l'ordine del modello ({})",
            SERVICE_INDEX.join(", ")
        ));
    }
    for (label, de) in &content_of {
        if labels.contains(label) && f.first(de).is_none_or(|e| e.text.chars().count() < 3) {
            problems.push(format!("la sezione \"{label}\" è vuota"));
        }
    }
    if labels.contains(&"Accedi al servizio")
        && ![
            "service-generic-access",
            "service-booking-access",
            "service-online-access",
        ]
        .iter()
        .any(|d| f.first(d).is_some())
    {
        problems.push("la sezione \"Accedi al servizio\" non ha un canale di accesso".into());
    }
    if labels.contains(&"Condizioni di servizio") && f.first("service-file").is_none() {
        problems.push("mancano le condizioni di servizio (data-element=\"service-file\")".into());
    }
    for (de, what) in [
        ("service-title", "titolo"),
        ("service-description", "descrizione"),
    ] {
        if f.first(de).is_none_or(|e| e.text.chars().count() < 3) {
            problems.push(format!("manca il {what} del servizio"));
        }
    }
    if f.first("service-status").is_none() {
        problems.push("manca lo stato del servizio (data-element=\"service-status\")".into());
    }
    if !f.all("service-topic").any(|e| !e.text.is_empty()) {
        problems.push("mancano gli argomenti (data-element=\"service-topic\")".into());
    }
    let crumbs: Vec<String> = f
        .breadcrumb
        .iter()
        .map(|b| {
            b.to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == ' ')
                .collect::<String>()
                .trim()
                .to_string()
        })
        .collect();
    let cat_ok = crumbs
        .iter()
        .position(|b| b == "servizi")
        .and_then(|i| crumbs.get(i + 1))
        .is_some_and(|x| x.chars().count() >= 3);
    if !cat_ok {
        problems
            .push("il percorso di navigazione non contiene Servizi seguito dalla categoria".into());
    }
    if problems.is_empty() {
        // Metatag JSON-LD (R.SI.1.1): informative, reported as warning.
        let ok = f
            .metatag
            .as_deref()
            .and_then(|m| serde_json::from_str::<serde_json::Value>(m).ok())
            .is_some_and(|v| {
                [
                    "/name",
                    "/serviceType",
                    "/serviceOperator/name",
                    "/areaServed/name",
                    "/audience/audienceType",
                    "/availableChannel/serviceUrl",
                ]
                .iter()
                .all(|p| {
                    v.pointer(p)
                        .and_then(|x| x.as_str())
                        .is_some_and(|s| !s.is_empty())
                })
            });
        if !ok {
            c.add(
                "R.SI.1.1",
                Severity::Warning,
                path,
                "manca o è incompleto il JSON-LD GovernmentService (data-element=\"metatag\")"
                    .into(),
            );
        }
    } else {
        c.add(
            "C.SI.1.3",
            Severity::Error,
            path,
            format!(
                "la scheda servizio non segue il modello: {}",
                problems.join("; ")
            ),
        );
    }
    if !f.page_index.iter().any(|l| l == "Contatti")
        || f.first("service-area")
            .is_none_or(|e| e.text.chars().count() < 3)
    {
        c.add("C.SI.2.2", Severity::Error, path, "la scheda servizio deve avere la voce Contatti nell'indice e l'ufficio responsabile (data-element=\"service-area\")".into());
    }
    if f.first("appointment-booking").is_none() {
        c.add("C.SI.2.1", Severity::Error, path, "la scheda servizio non ha il link per prenotare un appuntamento (data-element=\"appointment-booking\")".into());
    }
}

fn feedback(c: &mut Collector, rule: &str, path: &str, f: &Facts) {
    let title = f.first("feedback-title").map(|e| e.text.as_str());
    let rates = (1..=5).all(|n| f.first(&format!("feedback-rate-{n}")).is_some());
    let questions: Vec<&str> = f
        .all("feedback-rating-question")
        .map(|e| e.text.as_str())
        .collect();
    let ok = f.first("feedback").is_some()
        && title == Some(FEEDBACK_TITLE)
        && rates
        && questions.contains(&"Quali sono stati gli aspetti che hai preferito?")
        && questions.contains(&"Dove hai incontrato le maggiori difficoltà?")
        && f.first("feedback-input-text").is_some();
    if !ok {
        c.add(rule, Severity::Error, path, format!("manca o è diverso dal modello il modulo di valutazione (titolo \"{FEEDBACK_TITLE}\", 5 stelle, domande e campo di testo)"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_and_link_resolution() {
        assert_eq!(decode("a &amp; b &#39;c&#x27; &lt;"), "a & b 'c' <");
        assert_eq!(decode("AT&T"), "AT&T");
        assert_eq!(
            internal("", "/novita/x/", "../y/"),
            Some(("/novita/y/".into(), None))
        );
        assert_eq!(
            internal("", "/a/", "/b/#c"),
            Some(("/b/".into(), Some("c".into())))
        );
        assert_eq!(
            internal("/pre", "/a/", "/pre/b/"),
            Some(("/b/".into(), None))
        );
        assert_eq!(internal("", "/a/", "https://x.it/"), None);
        assert_eq!(internal("", "/a/", "mailto:x@y.it"), None);
        assert_eq!(
            internal("", "/a/", "file%20uno.pdf"),
            Some(("/a/file uno.pdf".into(), None))
        );
    }
}
