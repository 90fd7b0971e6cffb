//! The pages of "Amministrazione trasparente": the index with every applicable section in
//! official order, one page per section (L1 and L2) whether or not the comune wrote anything for
//! it, and one page per item.
//!
//! Content lives in `amministrazione-trasparente/<l1>/<l2>/`: `_index.md` introduces a section
//! and may declare `non_applicabile` or `nessun_contenuto`; other Markdown files are items,
//! which may also appear in other sections (`sezioni:`). Some sections also show what the site
//! already publishes elsewhere (art. 9: a link instead of a duplicate): offices, political
//! posts, competition notices, planning documents, schede servizio.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::albero::{self, Applicabilita, Sezione};
use super::anac::{self, Tabella};
use crate::content::kinds::{Kind, Meta, TipoIncarico, TipoNotizia};
use crate::content::ComuneContent;
use crate::model::pages::{
    crumb, link_item, page, page_url, pager, Crumb, Ctx, Group, ListItem, Page, PageKind,
};
use civico_core::diagnostics::{Diagnostic, Diagnostics};

const ROOT: &str = "amministrazione-trasparente";
const TITOLO: &str = "Amministrazione trasparente";
/// Items a section page lists at once; the others follow at `pagina/2/`, ... A section gathers
/// items for years (thousands of provvedimenti): on one page they would weigh megabytes.
pub const VOCI_PER_PAGINA: usize = 50;

/// Where a section stands, as the compliance checker and the page see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatoSezione {
    /// No folder, no content: the comune has not addressed it.
    Mancante,
    /// `_index.md` without items and without a declaration.
    Vuota,
    /// Nothing to publish, and the page says why.
    Dichiarata,
    ConContenuti,
}

/// An attachment as a section page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct FileAt {
    pub titolo: String,
    /// Link; empty until the model has resolved the file (see `link_files`).
    pub url: String,
    /// `file` value written in front matter (None for an external `url`).
    #[serde(skip)]
    pub file: Option<String>,
    pub formato: String,
    /// Human size, e.g. `245 kB`; empty for external links.
    pub dimensione: String,
}

/// An item of a section.
#[derive(Debug, Clone, Serialize)]
pub struct VoceAt {
    pub titolo: String,
    pub url: String,
    pub descrizione: Option<String>,
    pub pubblicato_il: Option<NaiveDate>,
    pub aggiornato_al: Option<NaiveDate>,
    pub allegati: Vec<FileAt>,
    #[serde(skip)]
    pub doc: usize,
}

/// A child section link on a first-level page and on the index.
#[derive(Debug, Clone, Serialize)]
pub struct SottoSezione {
    pub titolo: String,
    pub url: String,
    pub norma: String,
}

/// Everything a section page shows besides its title.
#[derive(Debug, Clone, Serialize)]
pub struct SezioneAt {
    /// `disposizioni-generali/atti-generali`; empty for the index.
    pub slug: String,
    pub livello: u8,
    pub norma: String,
    pub frequenza: &'static str,
    /// Applies only in some cases (e.g. comuni with dirigenti): may be declared n/a.
    pub condizionata: bool,
    pub stato: StatoSezione,
    pub non_applicabile: Option<String>,
    pub nessun_contenuto: Option<String>,
    pub aggiornato_al: Option<NaiveDate>,
    pub sottosezioni: Vec<SottoSezione>,
    pub voci: Vec<VoceAt>,
    /// What the site publishes elsewhere and this section shows (art. 9).
    pub collegati: Vec<ListItem>,
    pub collegati_titolo: Option<&'static str>,
    /// Show the comune's phone, email and PEC (Telefono e posta elettronica).
    pub contatti: bool,
    pub tabella: Option<Tabella>,
}

/// The pages and the data files (CSV, JSON of the ANAC schemas) of a comune's AT.
pub struct Output {
    pub pages: Vec<Page>,
    pub files: Vec<(String, Vec<u8>)>,
}

fn section_url(slug: &str) -> String {
    if slug.is_empty() {
        format!("/{ROOT}/")
    } else {
        format!("/{ROOT}/{slug}/")
    }
}

/// First day on which art. 8 c. 3 no longer requires an item published on `d`: five years from
/// 1 January of the following year.
pub fn fine_obbligo(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year() + 6, 1, 1).unwrap_or(d)
}

fn human_size(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} byte")
    } else if bytes < 1024 * 1024 {
        format!("{} kB", bytes.div_ceil(1024))
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0)).replace('.', ",")
    }
}

fn formato(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_uppercase())
        .unwrap_or_default()
}

/// Builds every AT page of a comune. Unknown section folders, wrong `sezioni:` values, invalid
/// ANAC data and items past their retention period are reported on `diags`.
pub(crate) fn assemble(
    cx: &Ctx<'_>,
    content: &ComuneContent,
    today: NaiveDate,
    diags: &Diagnostics,
) -> Output {
    let tree = albero::get();
    let tutte = content.comune.config.trasparenza_tutte_le_sezioni;
    let known: Vec<&str> = tree.visibili(tutte).map(|s| s.slug.as_str()).collect();
    let (intro, items) = classify(content, &known, today, diags);
    let sections: Vec<&Sezione> = tree.visibili(tutte).collect();
    let input = Sections {
        cx,
        content,
        intro: &intro,
        items: &items,
        today,
        diags,
    };
    let mut pages = Vec::new();
    let mut files = Vec::new();
    let mut updated: HashMap<String, Option<NaiveDate>> = HashMap::new();
    // Second-level sections first, so that a first-level page knows its children's dates.
    let mut order: Vec<&Sezione> = sections.clone();
    order.sort_by_key(|s| std::cmp::Reverse(s.level));
    for s in order {
        pages.extend(paginate(section_page(&input, s, &mut updated, &mut files)));
    }
    // Back to official order (a stable sort: a section's further pages stay after its first).
    pages.sort_by_key(|p| {
        p.trasparenza
            .as_ref()
            .and_then(|t| tree.sezione(&t.slug))
            .map_or(0, |s| s.order)
    });
    pages.insert(0, index_page(&sections, tutte, &intro, &updated));
    item_pages(cx, content, &items, &mut pages);
    Output { pages, files }
}

/// What every section page is made from.
struct Sections<'a> {
    cx: &'a Ctx<'a>,
    content: &'a ComuneContent,
    /// The `_index.md` of each section, by slug ("" = the index).
    intro: &'a BTreeMap<String, usize>,
    /// The items of each section, by slug (ordered: pages come out in the same order).
    items: &'a BTreeMap<String, Vec<usize>>,
    today: NaiveDate,
    diags: &'a Diagnostics,
}

/// Sorts the documents of Amministrazione trasparente into section documents and items, by
/// section slug; unknown sections and expired obligations are reported.
fn classify(
    content: &ComuneContent,
    known: &[&str],
    today: NaiveDate,
    diags: &Diagnostics,
) -> (BTreeMap<String, usize>, BTreeMap<String, Vec<usize>>) {
    let tree = albero::get();
    let docs = &content.docs;
    let mut intro: BTreeMap<String, usize> = BTreeMap::new();
    let mut items: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        let Meta::Trasparenza(t) = &d.meta else {
            continue;
        };
        let rel = d
            .key
            .strip_prefix(ROOT)
            .unwrap_or(&d.key)
            .trim_start_matches('/');
        let slug = if d.is_section {
            rel.to_string()
        } else {
            rel.rsplit_once('/')
                .map(|(p, _)| p.to_string())
                .unwrap_or_default()
        };
        if !slug.is_empty()
            && tree
                .sezione(&slug)
                .is_none_or(|s| !known.contains(&s.slug.as_str()))
        {
            unknown_section(d, &slug, known, diags);
            continue;
        }
        if d.is_section {
            intro.insert(slug, i);
            continue;
        }
        if slug.is_empty() {
            diags.push(
                Diagnostic::error(
                    "E-AT-SEZIONE",
                    &d.shown,
                    "un contenuto di Amministrazione trasparente deve stare nella cartella della sua sezione",
                )
                .hint("spostalo, per esempio, in amministrazione-trasparente/bilanci/bilancio-preventivo-e-consuntivo/"),
            );
            continue;
        }
        items.entry(slug).or_default().push(i);
        for s in &t.sezioni {
            let other = s
                .value
                .trim()
                .trim_start_matches(&format!("{ROOT}/"))
                .trim_matches('/');
            if known.contains(&other) {
                items.entry(other.to_string()).or_default().push(i);
            } else {
                let near = civico_core::diagnostics::closest(other, known.iter().copied(), 3);
                let mut diag = Diagnostic::error(
                    "E-AT-SEZIONE",
                    &d.shown,
                    format!(
                        "`{}` in `sezioni` non è una sezione di Amministrazione trasparente",
                        s.value
                    ),
                )
                .at(s.line, s.col)
                .with_source(&d.snippet_source());
                if !near.is_empty() {
                    diag = diag.hint(format!("forse intendevi: {}", near.join(", ")));
                }
                diags.push(diag);
            }
        }
        retention_warning(d, t, today, diags);
    }
    (intro, items)
}

/// A folder that is not a section of the tree (or one that does not apply to comuni).
fn unknown_section(d: &crate::content::Document, slug: &str, known: &[&str], diags: &Diagnostics) {
    let tree = albero::get();
    if let Some(s) = tree.sezione(slug) {
        diags.push(
            Diagnostic::error(
                "E-AT-SEZIONE",
                &d.shown,
                format!("la sezione \"{}\" non si applica ai comuni", s.title),
            )
            .hint("togli la cartella, oppure scrivi trasparenza_tutte_le_sezioni: true in comune.yaml se l'ente non è un comune"),
        );
        return;
    }
    let near = civico_core::diagnostics::closest(slug, known.iter().copied(), 3);
    let hint = if near.is_empty() {
        "le cartelle di amministrazione-trasparente/ seguono l'albero del D.Lgs. 33/2013: `civico new comune` le crea tutte".to_string()
    } else {
        format!("forse intendevi: {}", near.join(", "))
    };
    diags.push(
        Diagnostic::error(
            "E-AT-SEZIONE",
            &d.shown,
            format!("`{slug}` non è una sezione di Amministrazione trasparente"),
        )
        .hint(hint),
    );
}

/// Art. 8 c. 3: five years from 1 January after publication; tell, never remove.
fn retention_warning(
    d: &crate::content::Document,
    t: &crate::content::kinds::Trasparenza,
    today: NaiveDate,
    diags: &Diagnostics,
) {
    if let Some(p) = &t.pubblicato_il {
        let end = fine_obbligo(p.value.0);
        if today >= end {
            // The field's line (its key's, as the value follows it), kept when it was parsed:
            // reading thousands of old items again held up the build.
            let (line, col) = (p.line, 1);
            diags.push(
                Diagnostic::warning(
                    "W-AT-SCADENZA",
                    &d.shown,
                    format!(
                        "pubblicato il {}: l'obbligo di pubblicazione è terminato il {} (art. 8, c. 3, D.Lgs. 33/2013)",
                        p.value.0.format("%d/%m/%Y"),
                        (end - chrono::Days::new(1)).format("%d/%m/%Y")
                    ),
                )
                .at(line, col)
                .hint("se l'atto non produce più effetti puoi toglierlo (resta accessibile con l'accesso civico); se li produce ancora, lascialo"),
            );
        }
    }
}

/// An item as its section lists it, with its attachments.
fn voce(cx: &Ctx<'_>, docs: &[crate::content::Document], i: usize) -> VoceAt {
    let d = &docs[i];
    let Meta::Trasparenza(t) = &d.meta else {
        unreachable!("only AT items are listed");
    };
    let allegati = t
        .allegati
        .iter()
        .map(|a| match (&a.file, &a.url) {
            (Some(f), _) => {
                let size = std::fs::metadata(d.dir().join(f.value.trim()))
                    .map(|m| human_size(m.len()))
                    .unwrap_or_default();
                FileAt {
                    titolo: a.titolo.clone(),
                    url: String::new(),
                    file: Some(f.value.clone()),
                    formato: formato(&f.value),
                    dimensione: size,
                }
            }
            (None, Some(u)) => FileAt {
                titolo: a.titolo.clone(),
                url: u.value.to_string(),
                file: None,
                formato: "Link".into(),
                dimensione: String::new(),
            },
            (None, None) => FileAt {
                titolo: a.titolo.clone(),
                url: String::new(),
                file: None,
                formato: String::new(),
                dimensione: String::new(),
            },
        })
        .collect();
    VoceAt {
        titolo: d.meta.titolo(),
        url: cx.urls[i].clone(),
        descrizione: t.descrizione_breve.as_ref().map(|x| x.value.clone()),
        pubblicato_il: t.pubblicato().map(|x| x.0),
        aggiornato_al: t.aggiornato_al.or(t.pubblicato()).map(|x| x.0),
        allegati,
        doc: i,
    }
}

/// The page of section `s`; `updated` gets its date (its children come before it).
fn section_page(
    input: &Sections<'_>,
    s: &Sezione,
    updated: &mut HashMap<String, Option<NaiveDate>>,
    files: &mut Vec<(String, Vec<u8>)>,
) -> Page {
    let Sections {
        cx,
        content,
        intro,
        items,
        today,
        diags,
    } = *input;
    let tree = albero::get();
    let tutte = content.comune.config.trasparenza_tutte_le_sezioni;
    let docs = &content.docs;
    let mut voci: Vec<VoceAt> = items
        .get(&s.slug)
        .into_iter()
        .flatten()
        .map(|&i| voce(cx, docs, i))
        .collect();
    voci.sort_by(|a, b| {
        b.aggiornato_al
            .cmp(&a.aggiornato_al)
            .then_with(|| a.titolo.cmp(&b.titolo))
    });
    let doc = intro.get(&s.slug).copied();
    let decl = doc.and_then(|i| match &docs[i].meta {
        Meta::Trasparenza(t) => Some(t),
        _ => None,
    });
    let (collegati_titolo, collegati, contatti) = collegati(cx, content, &s.slug);
    let tabella = anac::schema_of(&s.slug).and_then(|schema| {
        let dir = content.comune.dir.join(ROOT).join(&s.slug);
        let shown = doc
            .map(|i| {
                docs[i]
                    .shown
                    .parent()
                    .unwrap_or(Path::new(""))
                    .to_path_buf()
            })
            .unwrap_or_else(|| dir.clone());
        let date = decl.and_then(|t| t.aggiornato_al).map_or(today, |x| x.0);
        anac::load(schema, &dir, &shown, &content.comune.config, date, diags)
    });
    if let Some(t) = &tabella {
        let url = section_url(&s.slug);
        files.push((format!("{url}{}.csv", t.uscita), t.csv()));
        files.push((format!("{url}{}.json", t.uscita), t.json()));
    }
    let sottosezioni: Vec<SottoSezione> = tree
        .figli(&s.slug, tutte)
        .map(|c| SottoSezione {
            titolo: c.title.clone(),
            url: section_url(&c.slug),
            norma: c.norma.clone(),
        })
        .collect();
    let mut dates: Vec<NaiveDate> = voci.iter().filter_map(|v| v.aggiornato_al).collect();
    dates.extend(collegati.iter().filter_map(|c| c.data));
    dates.extend(decl.and_then(|t| t.aggiornato_al).map(|x| x.0));
    if tabella.is_some() {
        dates.extend(decl.and_then(|t| t.aggiornato_al).map(|x| x.0));
    }
    for c in tree.figli(&s.slug, tutte) {
        dates.extend(updated.get(&c.slug).copied().flatten());
    }
    let aggiornato_al = dates.into_iter().max();
    updated.insert(s.slug.clone(), aggiornato_al);
    let has_content = !voci.is_empty() || !collegati.is_empty() || contatti || tabella.is_some();
    let declared =
        decl.is_some_and(|t| t.non_applicabile.is_some() || t.nessun_contenuto.is_some());
    let stato = if has_content {
        StatoSezione::ConContenuti
    } else if declared {
        StatoSezione::Dichiarata
    } else if doc.is_some() {
        StatoSezione::Vuota
    } else {
        StatoSezione::Mancante
    };
    let mut breadcrumb = vec![crumb(crate::model::pages::HOME, "/")];
    breadcrumb.push(crumb(TITOLO, &section_url("")));
    if let Some(p) = s.parent.as_deref().and_then(|p| tree.sezione(p)) {
        breadcrumb.push(crumb(&p.title, &section_url(&p.slug)));
    }
    let mut p = page(
        &section_url(&s.slug),
        PageKind::Trasparenza(doc),
        &s.title,
        "",
        breadcrumb,
    );
    p.descrizione = decl
        .and_then(|t| t.descrizione_breve.as_ref())
        .map(|x| x.value.clone());
    p.trasparenza = Some(Box::new(SezioneAt {
        slug: s.slug.clone(),
        livello: s.level,
        norma: s.norma.clone(),
        frequenza: s.frequenza(),
        condizionata: s.comuni == Applicabilita::Condizionata,
        stato,
        non_applicabile: decl.and_then(|t| t.non_applicabile.clone()),
        nessun_contenuto: decl.and_then(|t| t.nessun_contenuto.clone()),
        aggiornato_al,
        sottosezioni,
        voci,
        collegati,
        collegati_titolo,
        contatti,
        tabella,
    }));
    p
}

/// Section page `p` split into pages of [`VOCI_PER_PAGINA`] items, each with a pager: the first
/// keeps everything else the section shows, the others list only their items.
fn paginate(mut p: Page) -> Vec<Page> {
    let Some(mut t) = p.trasparenza.take() else {
        return vec![p];
    };
    if t.voci.len() <= VOCI_PER_PAGINA {
        p.trasparenza = Some(t);
        return vec![p];
    }
    let mut rest = t.voci.split_off(VOCI_PER_PAGINA).into_iter();
    let total = 1 + rest.len().div_ceil(VOCI_PER_PAGINA);
    let mut out = Vec::with_capacity(total);
    for n in 2..=total {
        let mut next = p.clone();
        next.url = page_url(&p.url, n);
        next.pager = Some(pager(&p.url, n, total));
        next.trasparenza = Some(Box::new(SezioneAt {
            slug: t.slug.clone(),
            norma: t.norma.clone(),
            voci: rest.by_ref().take(VOCI_PER_PAGINA).collect(),
            non_applicabile: None,
            nessun_contenuto: None,
            sottosezioni: Vec::new(),
            collegati: Vec::new(),
            collegati_titolo: None,
            contatti: false,
            tabella: None,
            ..*t
        }));
        out.push(next);
    }
    p.pager = Some(pager(&p.url, 1, total));
    p.trasparenza = Some(t);
    out.insert(0, p);
    out
}

/// The index: every first-level section with its second-level ones.
fn index_page(
    sections: &[&Sezione],
    tutte: bool,
    intro: &BTreeMap<String, usize>,
    updated: &HashMap<String, Option<NaiveDate>>,
) -> Page {
    let tree = albero::get();
    let base_breadcrumb = vec![crumb(crate::model::pages::HOME, "/")];
    let mut index = page(
        &section_url(""),
        PageKind::Trasparenza(intro.get("").copied()),
        TITOLO,
        "",
        base_breadcrumb.clone(),
    );
    index.descrizione = Some(
        "Dati, informazioni e documenti pubblicati ai sensi del D.Lgs. 33/2013 (Decreto Trasparenza)".into(),
    );
    for s in sections.iter().filter(|s| s.level == 1) {
        let children: Vec<ListItem> = tree
            .figli(&s.slug, tutte)
            .map(|c| {
                let mut item = link_item(&c.title, &section_url(&c.slug));
                item.descrizione = Some(c.norma.as_str().into());
                item
            })
            .collect();
        let total = children.len();
        index.groups.push(Group {
            titolo: s.title.clone(),
            url: Some(section_url(&s.slug)),
            descrizione: Some(s.norma.clone()),
            items: children,
            totale: total,
        });
    }
    index.trasparenza = Some(Box::new(SezioneAt {
        slug: String::new(),
        livello: 0,
        norma: "D.Lgs. 33/2013".into(),
        frequenza: "",
        condizionata: false,
        stato: StatoSezione::ConContenuti,
        non_applicabile: None,
        nessun_contenuto: None,
        aggiornato_al: updated.values().copied().flatten().max(),
        sottosezioni: Vec::new(),
        voci: Vec::new(),
        collegati: Vec::new(),
        collegati_titolo: None,
        contatti: false,
        tabella: None,
    }));
    index
}

/// Item pages, with the official titles in the breadcrumb.
fn item_pages(
    cx: &Ctx<'_>,
    content: &ComuneContent,
    items: &BTreeMap<String, Vec<usize>>,
    pages: &mut Vec<Page>,
) {
    let tree = albero::get();
    let docs = &content.docs;
    let base_breadcrumb = vec![crumb(crate::model::pages::HOME, "/")];
    // The addresses taken, looked up for each item (a search of the list of pages for each
    // was quadratic: a third of the model phase at 50,000 pages).
    let mut taken: HashSet<String> = pages.iter().map(|p| p.url.clone()).collect();
    for (slug, list) in items {
        for &i in list {
            let d = &docs[i];
            let own = d
                .key
                .strip_prefix(ROOT)
                .unwrap_or(&d.key)
                .trim_start_matches('/');
            if !own.starts_with(&format!("{slug}/")) || !taken.insert(cx.urls[i].clone()) {
                continue;
            }
            let mut breadcrumb: Vec<Crumb> = base_breadcrumb.clone();
            breadcrumb.push(crumb(TITOLO, &section_url("")));
            if let Some(s) = tree.sezione(slug) {
                if let Some(p) = s.parent.as_deref().and_then(|p| tree.sezione(p)) {
                    breadcrumb.push(crumb(&p.title, &section_url(&p.slug)));
                }
                breadcrumb.push(crumb(&s.title, &section_url(&s.slug)));
            }
            let mut p = page(
                &cx.urls[i],
                PageKind::Doc(i),
                &d.meta.titolo(),
                "",
                breadcrumb,
            );
            p.descrizione = d.meta.descrizione_breve().map(|x| x.value.clone());
            pages.push(p);
        }
    }
}

/// Content published elsewhere on the site that a section shows (art. 9 D.Lgs. 33/2013).
fn collegati(
    cx: &Ctx<'_>,
    content: &ComuneContent,
    slug: &str,
) -> (Option<&'static str>, Vec<ListItem>, bool) {
    let docs = &content.docs;
    let pick = |kind: Kind, keep: &dyn Fn(&Meta) -> bool| -> Vec<usize> {
        cx.of_kind(kind)
            .into_iter()
            .filter(|&i| keep(&docs[i].meta))
            .collect()
    };
    let has_arg = |m: &Meta, names: &[&str]| {
        m.argomenti()
            .iter()
            .any(|a| names.iter().any(|n| a.value.eq_ignore_ascii_case(n)))
    };
    let (titolo, list, contatti): (&'static str, Vec<usize>, bool) = match slug {
        "organizzazione/telefono-e-posta-elettronica" => (
            "Recapiti degli uffici",
            cx.by_title(pick(Kind::Ufficio, &|_| true)),
            true,
        ),
        "organizzazione/articolazione-degli-uffici" => (
            "Unità organizzative",
            cx.by_title(pick(Kind::Ufficio, &|_| true)),
            false,
        ),
        "organizzazione/titolari-di-incarichi-politici-di-amministrazione-di-direzione-o-di-governo" => (
            "Titolari di incarichi politici",
            cx.by_title(pick(Kind::Persona, &|m| {
                matches!(m, Meta::Persona(p) if p.incarichi.iter().any(|x| x.tipo == TipoIncarico::Politico))
            })),
            false,
        ),
        "bandi-di-concorso" => (
            "Avvisi di concorso",
            cx.by_date_desc(pick(Kind::Notizia, &|m| {
                matches!(m, Meta::Notizia(n) if n.tipo == TipoNotizia::Avviso) && has_arg(m, &["Concorsi"])
            })),
            false,
        ),
        "pianificazione-e-governo-del-territorio" => (
            "Documenti di pianificazione",
            cx.by_date_desc(pick(Kind::Documento, &|m| has_arg(m, &["Urbanizzazione", "Piano di sviluppo"]))),
            false,
        ),
        "bilanci/bilancio-preventivo-e-consuntivo" => (
            "Documenti di bilancio",
            cx.by_date_desc(pick(Kind::Documento, &|m| has_arg(m, &["Bilancio"]))),
            false,
        ),
        "disposizioni-generali/atti-generali" => (
            "Atti normativi e regolamenti",
            cx.by_date_desc(pick(Kind::Documento, &|m| {
                matches!(m, Meta::Documento(d) if d.tipo_documento.value.eq_ignore_ascii_case("Atto normativo"))
            })),
            false,
        ),
        "attivita-e-procedimenti/tipologie-di-procedimento" => (
            "Schede dei servizi e dei procedimenti",
            cx.by_title(pick(Kind::Servizio, &|_| true)),
            false,
        ),
        "servizi-erogati/servizi-in-rete" => (
            "Servizi accessibili online",
            cx.by_title(pick(Kind::Servizio, &|m| matches!(m, Meta::Servizio(s) if s.accedi_online.is_some()))),
            false,
        ),
        _ => return (None, Vec::new(), false),
    };
    (
        Some(titolo),
        list.into_iter().map(|i| cx.item(i)).collect(),
        contatti,
    )
}

/// Fills the links of attached files once the model has resolved them.
pub fn link_files(pages: &mut [Page], rendered: &[std::sync::Arc<crate::model::Rendered>]) {
    for p in pages {
        let Some(t) = p.trasparenza.as_mut() else {
            continue;
        };
        for v in &mut t.voci {
            for a in &mut v.allegati {
                if let Some(f) = &a.file {
                    if let Some(u) = rendered.get(v.doc).and_then(|r| r.files.get(f)) {
                        a.url = u.clone();
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_ends_five_years_after_the_first_of_january_following_publication() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(fine_obbligo(d("2020-03-15")), d("2026-01-01"));
        assert_eq!(fine_obbligo(d("2020-12-31")), d("2026-01-01"));
        assert_eq!(fine_obbligo(d("2021-01-01")), d("2027-01-01"));
    }

    #[test]
    fn sizes_and_formats_for_people() {
        assert_eq!(human_size(900), "900 byte");
        assert_eq!(human_size(2048), "2 kB");
        assert_eq!(human_size(3 * 1024 * 1024 + 200_000), "3,2 MB");
        assert_eq!(formato("bilancio-2026.pdf"), "PDF");
        assert_eq!(formato("dati.ods"), "ODS");
    }
}
