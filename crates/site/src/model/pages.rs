//! The pages of a comune's site and what each one lists, shaped like the Modello Comuni.
//!
//! First level: Amministrazione, Novità, Servizi, Vivere il Comune (in this order, the order
//! AGID's validator checks); second level: their categories; then one page per document, the
//! argomenti, Amministrazione trasparente, the albo pretorio, the site map and the pages that
//! send citizens to booking, reports and help. Lists carry small `ListItem` summaries, never
//! other pages' HTML, so list pages cost the same however long the documents are.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::content::kinds::{Kind, Meta, TipoIncarico, TipoNotizia};
use crate::content::ComuneContent;
use civico_core::slug::slugify;
use civico_core::vocabolari::{self, GruppoUnita};

#[derive(Debug, Clone, Serialize)]
pub struct Crumb {
    pub titolo: String,
    pub url: String,
}

/// A summary of a document for lists and cards.
#[derive(Debug, Clone, Serialize)]
pub struct ListItem {
    pub titolo: Arc<str>,
    pub url: Arc<str>,
    pub descrizione: Option<Arc<str>>,
    pub data: Option<NaiveDate>,
    /// Category, tipo or role shown above the title.
    pub etichetta: Option<Arc<str>>,
    /// Last day (albo: end of publication).
    pub fine: Option<NaiveDate>,
    pub kind: Kind,
    /// Index of the document, for templates that need more of it.
    #[serde(skip)]
    pub doc: Option<usize>,
    /// An event that is over (no occurrence today or later): lists show it apart.
    pub passato: bool,
    /// The document's image, for cards (set once the files are resolved: [`link_images`]).
    pub immagine: Option<Arc<CardImage>>,
}

/// An image on a card: where it is, what it shows, its size.
#[derive(Debug, Clone, Serialize)]
pub struct CardImage {
    pub src: String,
    pub alt: String,
    pub width: u32,
    pub height: u32,
}

/// Gives every list item the image of its document, once the files of the front matter have
/// their URLs and sizes (an image whose size is unknown is left out of cards).
pub fn link_images(
    pages: &mut [Page],
    content: &ComuneContent,
    rendered: &[Arc<crate::model::Rendered>],
) {
    let images: Vec<Option<Arc<CardImage>>> = content
        .docs
        .iter()
        .zip(rendered)
        .map(|(d, r)| {
            let img = d.meta.immagine()?;
            let (width, height) = *r.dimensioni.get(&img.file.value)?;
            Some(Arc::new(CardImage {
                src: r.files.get(&img.file.value)?.clone(),
                alt: img.alt.clone().unwrap_or_default(),
                width,
                height,
            }))
        })
        .collect();
    let fill = |item: &mut ListItem| {
        if let Some(i) = item.doc {
            item.immagine = images.get(i).cloned().flatten();
        }
    };
    for p in pages {
        p.items.iter_mut().for_each(fill);
        p.groups
            .iter_mut()
            .flat_map(|g| g.items.iter_mut())
            .for_each(fill);
    }
}

/// A titled group of items, e.g. a category card on a landing page.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub titolo: String,
    pub url: Option<String>,
    pub descrizione: Option<String>,
    pub items: Vec<ListItem>,
    pub totale: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pager {
    pub corrente: usize,
    pub totale: usize,
    pub precedente: Option<String>,
    pub successiva: Option<String>,
    /// The page links shown: the first, the last and two on each side of the current one;
    /// a gap is a crumb with an empty URL (shown as an ellipsis).
    pub pagine: Vec<Crumb>,
}

/// Page numbers shown by the pager of page `n` of `total`, `None` for a gap.
pub(crate) fn page_window(n: usize, total: usize) -> Vec<Option<usize>> {
    let mut out = Vec::new();
    let mut last = 0;
    for k in 1..=total {
        if k == 1 || k == total || k.abs_diff(n) <= 2 {
            if k > last + 1 {
                out.push(None);
            }
            out.push(Some(k));
            last = k;
        }
    }
    out
}

/// What a page is, which decides its template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PageKind {
    Home,
    /// The page of document `i` of the comune.
    Doc(usize),
    /// A first-level landing page (groups of cards).
    Landing,
    /// A paginated list.
    List,
    Argomenti,
    Mappa,
    Informativa,
    /// The booking pages served by `civico sportello`: the steps, and cancel/move by token.
    Prenotazione,
    PrenotazioneGestione,
    /// The richiesta di assistenza form served by `civico sportello`.
    Assistenza,
    /// Segnalazione disservizio through `civico sportello`: the steps, the follow-up page
    /// opened from the confirmation email, the public list and map.
    Segnalazione,
    SegnalazioneSegui,
    SegnalazioniElenco,
    /// The search page (results come from the comune's search index, in the browser).
    Ricerca,
    /// The albo pretorio and its archive (a register table).
    Albo,
    /// The open-data page: datasets with their CSV and JSON files and the catalogue.
    OpenData,
    /// Amministrazione trasparente: the index (level 0) or a section, with the `_index.md`
    /// document that introduces it, if any.
    Trasparenza(Option<usize>),
    NotFound,
}

/// One page of the output.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// Site path (`/novita/`); the file is `<path>index.html`, or the path itself if it ends in `.html`.
    pub url: String,
    pub kind: PageKind,
    pub titolo: String,
    pub descrizione: Option<String>,
    /// Ancestors, Home first; the current page is not included.
    pub breadcrumb: Vec<Crumb>,
    /// First-level voice this page belongs to: `amministrazione`, `novita`, `servizi`, `vivere`, or empty.
    pub sezione: &'static str,
    pub items: Vec<ListItem>,
    pub groups: Vec<Group>,
    pub pager: Option<Pager>,
    /// Some of `items` are events that are over: the list shows them apart, after the others.
    pub passati: bool,
    /// What an Amministrazione trasparente page shows besides its items.
    pub trasparenza: Option<Box<crate::trasparenza::pagine::SezioneAt>>,
}

pub(crate) const HOME: &str = "Home";

pub(crate) fn crumb(t: &str, u: &str) -> Crumb {
    Crumb {
        titolo: t.to_string(),
        url: u.to_string(),
    }
}

/// Site paths that civico generates itself (a free page may not take them).
pub fn reserved_paths() -> Vec<&'static str> {
    vec![
        "/",
        "/novita/",
        "/novita/notizie/",
        "/novita/comunicati/",
        "/novita/avvisi/",
        "/servizi/",
        "/amministrazione/",
        "/amministrazione/politici/",
        "/amministrazione/personale-amministrativo/",
        "/amministrazione/documenti-e-dati/",
        "/amministrazione/organi-di-governo/",
        "/amministrazione/aree-amministrative/",
        "/amministrazione/uffici/",
        "/amministrazione/enti-e-fondazioni/",
        "/vivere-il-comune/",
        "/vivere-il-comune/eventi/",
        "/vivere-il-comune/luoghi/",
        "/argomenti/",
        "/amministrazione-trasparente/",
        "/albo-pretorio/",
        "/albo-pretorio/archivio/",
        "/mappa-del-sito/",
        "/prenotazione-appuntamento/",
        "/prenotazione-appuntamento/gestisci/",
        "/segnalazione-disservizio/",
        "/segnalazione-disservizio/segui/",
        "/segnalazione-disservizio/elenco/",
        "/richiesta-assistenza/",
        "/ricerca/",
        "/ricerca/indice.json",
        "/opendata/",
        "/404.html",
    ]
}

pub(crate) struct Ctx<'a> {
    pub(crate) content: &'a ComuneContent,
    pub(crate) urls: &'a [String],
    pub(crate) per_page: usize,
    pub(crate) today: NaiveDate,
    /// Each document's list item, made once: the lists it appears in share its texts.
    items: Vec<std::sync::OnceLock<ListItem>>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        content: &'a ComuneContent,
        urls: &'a [String],
        per_page: usize,
        today: NaiveDate,
    ) -> Ctx<'a> {
        Ctx {
            content,
            urls,
            per_page,
            today,
            items: (0..content.docs.len())
                .map(|_| Default::default())
                .collect(),
        }
    }

    /// Document `i` as an item of a list (its texts are shared by every list it is in).
    pub(crate) fn item(&self, i: usize) -> ListItem {
        self.items[i].get_or_init(|| self.make_item(i)).clone()
    }

    fn make_item(&self, i: usize) -> ListItem {
        let d = &self.content.docs[i];
        let v = vocabolari::get();
        let etichetta = match &d.meta {
            Meta::Notizia(n) => Some(n.tipo.singolare().to_string()),
            Meta::Servizio(s) => s
                .categorie
                .first()
                .and_then(|c| v.categoria(&c.value))
                .map(|c| c.nome.clone()),
            Meta::Evento(e) => v.tipo_evento(&e.tipo_evento.value).map(str::to_string),
            Meta::Luogo(l) => l
                .tipo_luogo
                .as_ref()
                .and_then(|t| v.tipo_luogo(&t.value))
                .map(str::to_string),
            Meta::Ufficio(u) => v.tipo_unita(&u.tipo.value).map(|(t, _)| capitalise(t)),
            Meta::Persona(p) => p.incarichi.first().map(|i| i.titolo.clone()),
            Meta::Documento(doc) => v
                .tipo_documento(&doc.tipo_documento.value)
                .map(|t| t.singolare.clone()),
            Meta::Albo(a) => Some(format!("{} n. {}/{}", a.tipo, a.numero, a.anno)),
            _ => None,
        };
        let data = match &d.meta {
            Meta::Evento(e) => e.prossima(self.today).or(Some(e.inizio.data)),
            m => m.data(),
        };
        let (fine, descrizione) = match &d.meta {
            Meta::Albo(a) => (
                Some(crate::albo::finestra(a).1),
                a.annullato
                    .as_ref()
                    .map(|x| format!("Atto annullato il {}", x.data.0.format("%d/%m/%Y"))),
            ),
            m => (None, m.descrizione_breve().map(|p| p.value.clone())),
        };
        ListItem {
            titolo: d.meta.titolo().into(),
            url: self.urls[i].as_str().into(),
            descrizione: descrizione.map(Into::into),
            data,
            fine,
            etichetta: etichetta.map(Into::into),
            kind: d.kind,
            doc: Some(i),
            passato: matches!(&d.meta, Meta::Evento(e) if e.prossima(self.today).is_none()),
            immagine: None,
        }
    }

    pub(crate) fn of_kind(&self, k: Kind) -> Vec<usize> {
        self.content
            .docs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.kind == k)
            .map(|(i, _)| i)
            .collect()
    }

    pub(crate) fn by_date_desc(&self, mut v: Vec<usize>) -> Vec<usize> {
        v.sort_by(|&a, &b| {
            let (da, db) = (&self.content.docs[a], &self.content.docs[b]);
            db.meta
                .data()
                .cmp(&da.meta.data())
                .then_with(|| da.key.cmp(&db.key))
        });
        v
    }

    pub(crate) fn by_title(&self, mut v: Vec<usize>) -> Vec<usize> {
        v.sort_by_cached_key(|&i| {
            let t = self.content.docs[i].meta.titolo();
            (slugify(&t), t)
        });
        v
    }

    /// Splits a list into pages of `per_page` at `url`, `url/pagina/2/`, ...
    fn paginate(&self, base: Page, items: Vec<ListItem>, out: &mut Vec<Page>) {
        self.paginate_by(base, items, out, self.per_page);
    }

    /// [`Ctx::paginate`] with `per` items a page.
    fn paginate_by(&self, base: Page, items: Vec<ListItem>, out: &mut Vec<Page>, per: usize) {
        let per = per.max(1);
        let total = items.len().div_ceil(per).max(1);
        let mut chunks: Vec<Vec<ListItem>> = items.chunks(per).map(<[ListItem]>::to_vec).collect();
        if chunks.is_empty() {
            chunks.push(Vec::new());
        }
        for (idx, chunk) in chunks.into_iter().enumerate() {
            let n = idx + 1;
            let mut p = base.clone();
            p.url = page_url(&base.url, n);
            p.passati = chunk.iter().any(|i| i.passato);
            p.items = chunk;
            p.pager = (total > 1).then(|| pager(&base.url, n, total));
            out.push(p);
        }
    }
}

/// The address of page `n` of the list at `base`: `base` itself, then `base/pagina/n/`.
pub(crate) fn page_url(base: &str, n: usize) -> String {
    if n == 1 {
        base.to_string()
    } else {
        format!("{base}pagina/{n}/")
    }
}

/// The pager of page `n` of `total` of the list at `base`.
pub(crate) fn pager(base: &str, n: usize, total: usize) -> Pager {
    Pager {
        corrente: n,
        totale: total,
        precedente: (n > 1).then(|| page_url(base, n - 1)),
        successiva: (n < total).then(|| page_url(base, n + 1)),
        pagine: page_window(n, total)
            .into_iter()
            .map(|k| match k {
                Some(k) => crumb(&k.to_string(), &page_url(base, k)),
                None => crumb("…", ""),
            })
            .collect(),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

pub(crate) fn page(
    url: &str,
    kind: PageKind,
    titolo: &str,
    sezione: &'static str,
    breadcrumb: Vec<Crumb>,
) -> Page {
    Page {
        url: url.to_string(),
        kind,
        titolo: titolo.to_string(),
        descrizione: None,
        breadcrumb,
        sezione,
        items: Vec::new(),
        groups: Vec::new(),
        pager: None,
        passati: false,
        trasparenza: None,
    }
}

/// A bare link (title and URL) in a list, for pages that are not documents.
pub(crate) fn link_item(titolo: &str, url: &str) -> ListItem {
    ListItem {
        titolo: titolo.into(),
        url: url.into(),
        descrizione: None,
        data: None,
        fine: None,
        etichetta: None,
        kind: Kind::Pagina,
        doc: None,
        passato: false,
        immagine: None,
    }
}

pub(crate) fn group(
    titolo: &str,
    url: Option<&str>,
    descrizione: Option<&str>,
    items: Vec<ListItem>,
    show: usize,
) -> Group {
    let totale = items.len();
    Group {
        titolo: titolo.to_string(),
        url: url.map(str::to_string),
        descrizione: descrizione.map(str::to_string),
        items: items.into_iter().take(show).collect(),
        totale,
    }
}

/// Every page of the site, documents included.
pub fn assemble(
    content: &ComuneContent,
    urls: &[String],
    per_page: usize,
    today: NaiveDate,
) -> Vec<Page> {
    let cx = Ctx::new(content, urls, per_page, today);
    // The documents' own pages are made beside the lists (either alone kept one core busy
    // while the other waited), then put in the same place.
    let ((mut out, notizie, servizi, prossimi, by_arg), own) = rayon::join(
        || {
            let mut out: Vec<Page> = Vec::new();
            let notizie = novita(&cx, &mut out);
            let servizi = servizi(&cx, &mut out);
            amministrazione(&cx, &mut out);
            let prossimi = vivere_il_comune(&cx, &mut out);
            let by_arg = argomenti(&cx, &mut out);
            albo_pretorio(&cx, &mut out);
            (out, notizie, servizi, prossimi, by_arg)
        },
        || {
            let mut own = Vec::new();
            document_pages(&cx, &mut own);
            own
        },
    );
    out.extend(own);
    home_page(&cx, &notizie, &servizi, &prossimi, &by_arg, &mut out);
    online_services(&cx, &mut out);
    open_data_and_search(&mut out);
    site_map(&cx, &mut out);
    out
}

/// The breadcrumb of a first-level page: Home.
fn root_crumbs() -> Vec<Crumb> {
    vec![crumb(HOME, "/")]
}

/// The breadcrumb of a page under `titolo` (at `url`).
fn under(titolo: &str, url: &str) -> Vec<Crumb> {
    let mut b = root_crumbs();
    b.push(crumb(titolo, url));
    b
}

/// Novità: the list of all news and one list per tipo; returns the news, newest first.
fn novita(cx: &Ctx<'_>, out: &mut Vec<Page>) -> Vec<usize> {
    let docs = &cx.content.docs;
    let notizie = cx.by_date_desc(cx.of_kind(Kind::Notizia));
    let mut novita = page(
        "/novita/",
        PageKind::List,
        "Novità",
        "novita",
        root_crumbs(),
    );
    novita.descrizione = Some("Notizie, comunicati e avvisi del Comune".into());
    for t in [
        TipoNotizia::Notizia,
        TipoNotizia::Comunicato,
        TipoNotizia::Avviso,
    ] {
        let items: Vec<ListItem> = notizie
            .iter()
            .filter(|&&i| matches!(&docs[i].meta, Meta::Notizia(n) if n.tipo == t))
            .map(|&i| cx.item(i))
            .collect();
        // The page exists even when empty: menus and the footer link it.
        let url = format!("/novita/{}/", slugify(t.plurale()));
        if !items.is_empty() {
            novita
                .groups
                .push(group(t.plurale(), Some(&url), None, items.clone(), 0));
        }
        let mut p = page(
            &url,
            PageKind::List,
            t.plurale(),
            "novita",
            under("Novità", "/novita/"),
        );
        p.descrizione = Some(format!("{} del Comune, dalla più recente", t.plurale()));
        cx.paginate(p, items, out);
    }
    let all: Vec<ListItem> = notizie.iter().map(|&i| cx.item(i)).collect();
    cx.paginate(novita, all, out);
    notizie
}

/// Servizi: the landing page and one list per category; returns the services by title.
fn servizi(cx: &Ctx<'_>, out: &mut Vec<Page>) -> Vec<usize> {
    let v = vocabolari::get();
    let docs = &cx.content.docs;
    let servizi = cx.by_title(cx.of_kind(Kind::Servizio));
    let mut sp = page(
        "/servizi/",
        PageKind::Landing,
        "Servizi",
        "servizi",
        root_crumbs(),
    );
    sp.descrizione = Some("Tutti i servizi del Comune, per categoria".into());
    for c in &v.categorie_servizio {
        let items: Vec<ListItem> = servizi
            .iter()
            .filter(|&&i| match &docs[i].meta {
                Meta::Servizio(s) => s
                    .categorie
                    .iter()
                    .any(|x| v.categoria(&x.value).is_some_and(|k| k.nome == c.nome)),
                _ => false,
            })
            .map(|&i| cx.item(i))
            .collect();
        if items.is_empty() {
            continue;
        }
        let url = format!("/servizi/{}/", slugify(&c.nome));
        sp.groups.push(group(
            &c.nome,
            Some(&url),
            Some(&c.descrizione),
            items.clone(),
            3,
        ));
        let mut p = page(
            &url,
            PageKind::List,
            &c.nome,
            "servizi",
            under("Servizi", "/servizi/"),
        );
        p.descrizione = Some(c.descrizione.clone());
        cx.paginate(p, items, out);
    }
    sp.items = servizi.iter().map(|&i| cx.item(i)).collect();
    out.push(sp);
    servizi
}

/// Amministrazione: organi, uffici, persone, documenti e dati.
fn amministrazione(cx: &Ctx<'_>, out: &mut Vec<Page>) {
    let v = vocabolari::get();
    let docs = &cx.content.docs;
    let mut amm = page(
        "/amministrazione/",
        PageKind::Landing,
        "Amministrazione",
        "amministrazione",
        root_crumbs(),
    );
    amm.descrizione = Some("Organi di governo, uffici, persone e documenti del Comune".into());
    let uffici = cx.by_title(cx.of_kind(Kind::Ufficio));
    for g in [
        GruppoUnita::OrganiDiGoverno,
        GruppoUnita::AreeAmministrative,
        GruppoUnita::Uffici,
        GruppoUnita::EntiEFondazioni,
    ] {
        let items: Vec<ListItem> = uffici
            .iter()
            .filter(|&&i| match &docs[i].meta {
                Meta::Ufficio(u) => v.tipo_unita(&u.tipo.value).is_some_and(|(_, x)| x == g),
                _ => false,
            })
            .map(|&i| cx.item(i))
            .collect();
        // The page exists even when empty: menus and the footer link it.
        let url = format!("/amministrazione/{}/", slugify(g.titolo()));
        if !items.is_empty() {
            amm.groups
                .push(group(g.titolo(), Some(&url), None, items.clone(), 3));
        }
        cx.paginate(
            page(
                &url,
                PageKind::List,
                g.titolo(),
                "amministrazione",
                under("Amministrazione", "/amministrazione/"),
            ),
            items,
            out,
        );
    }
    let persone = cx.by_title(cx.of_kind(Kind::Persona));
    for (titolo, tipo) in [
        ("Politici", TipoIncarico::Politico),
        ("Personale amministrativo", TipoIncarico::Amministrativo),
    ] {
        let items: Vec<ListItem> = persone
            .iter()
            .filter(|&&i| matches!(&docs[i].meta, Meta::Persona(p) if p.incarichi.iter().any(|x| x.tipo == tipo)))
            .map(|&i| cx.item(i))
            .collect();
        let url = format!("/amministrazione/{}/", slugify(titolo));
        if !items.is_empty() {
            amm.groups
                .push(group(titolo, Some(&url), None, items.clone(), 3));
        }
        cx.paginate(
            page(
                &url,
                PageKind::List,
                titolo,
                "amministrazione",
                under("Amministrazione", "/amministrazione/"),
            ),
            items,
            out,
        );
    }
    let documenti = cx.by_date_desc(cx.of_kind(Kind::Documento));
    // The footer links Documenti e dati: it exists even when there is none yet.
    {
        let mut dd = page(
            "/amministrazione/documenti-e-dati/",
            PageKind::Landing,
            "Documenti e dati",
            "amministrazione",
            under("Amministrazione", "/amministrazione/"),
        );
        for t in &v.tipi_documento {
            let items: Vec<ListItem> = documenti
                .iter()
                .filter(|&&i| matches!(&docs[i].meta, Meta::Documento(d) if v.tipo_documento(&d.tipo_documento.value).is_some_and(|x| x.singolare == t.singolare)))
                .map(|&i| cx.item(i))
                .collect();
            if items.is_empty() {
                continue;
            }
            let url = format!("/amministrazione/documenti-e-dati/{}/", slugify(&t.plurale));
            dd.groups
                .push(group(&t.plurale, Some(&url), None, items.clone(), 3));
            let mut b = under("Amministrazione", "/amministrazione/");
            b.push(crumb(
                "Documenti e dati",
                "/amministrazione/documenti-e-dati/",
            ));
            cx.paginate(
                page(&url, PageKind::List, &t.plurale, "amministrazione", b),
                items,
                out,
            );
        }
        let items: Vec<ListItem> = documenti.iter().map(|&i| cx.item(i)).collect();
        if !items.is_empty() {
            amm.groups.push(group(
                "Documenti e dati",
                Some("/amministrazione/documenti-e-dati/"),
                None,
                items.clone(),
                3,
            ));
        }
        dd.items = items;
        out.push(dd);
    }
    out.push(amm);
}

/// Vivere il Comune: events (upcoming first) and places; returns the upcoming events.
fn vivere_il_comune(cx: &Ctx<'_>, out: &mut Vec<Page>) -> Vec<usize> {
    let docs = &cx.content.docs;
    let eventi = cx.of_kind(Kind::Evento);
    // Next occurrence on or after today (recurring events included); None when over.
    let next_of = |i: usize| match &docs[i].meta {
        Meta::Evento(e) => e.prossima(cx.today),
        _ => None,
    };
    let mut prossimi: Vec<usize> = eventi
        .iter()
        .copied()
        .filter(|&i| next_of(i).is_some())
        .collect();
    prossimi.sort_by_key(|&i| (next_of(i), docs[i].key.clone()));
    let passati = cx.by_date_desc(
        eventi
            .iter()
            .copied()
            .filter(|&i| next_of(i).is_none())
            .collect(),
    );
    let luoghi = cx.by_title(cx.of_kind(Kind::Luogo));
    let mut viv = page(
        "/vivere-il-comune/",
        PageKind::Landing,
        "Vivere il Comune",
        "vivere",
        root_crumbs(),
    );
    viv.descrizione = Some("Eventi e luoghi del territorio".into());
    let ev_items: Vec<ListItem> = prossimi
        .iter()
        .chain(&passati)
        .map(|&i| cx.item(i))
        .collect();
    let prossimi_items: Vec<ListItem> = prossimi.iter().map(|&i| cx.item(i)).collect();
    viv.groups.push(group(
        "Eventi",
        Some("/vivere-il-comune/eventi/"),
        Some("Gli appuntamenti in programma"),
        prossimi_items,
        6,
    ));
    let lu_items: Vec<ListItem> = luoghi.iter().map(|&i| cx.item(i)).collect();
    viv.groups.push(group(
        "Luoghi",
        Some("/vivere-il-comune/luoghi/"),
        Some("I luoghi da conoscere e visitare"),
        lu_items.clone(),
        6,
    ));
    let b = under("Vivere il Comune", "/vivere-il-comune/");
    let mut ep = page(
        "/vivere-il-comune/eventi/",
        PageKind::List,
        "Eventi",
        "vivere",
        b.clone(),
    );
    ep.descrizione = Some("Prima gli eventi in programma, poi quelli passati".into());
    // Ten screens of events a page: the page shows `elementi_per_pagina` of them and "Carica
    // altri eventi" the next ones (AGID's validator clicks it to reach the events).
    cx.paginate_by(ep, ev_items, out, cx.per_page * 10);
    cx.paginate(
        page(
            "/vivere-il-comune/luoghi/",
            PageKind::List,
            "Luoghi",
            "vivere",
            b,
        ),
        lu_items,
        out,
    );
    out.push(viv);
    prossimi
}

/// Argomenti: the index and one list per argomento; returns the documents per argomento.
fn argomenti(cx: &Ctx<'_>, out: &mut Vec<Page>) -> BTreeMap<&'static str, Vec<usize>> {
    let v = vocabolari::get();
    let docs = &cx.content.docs;
    let mut by_arg: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        for a in d.meta.argomenti() {
            if let Some(canon) = v.argomento(&a.value) {
                let e = by_arg.entry(canon).or_default();
                if e.last() != Some(&i) {
                    e.push(i);
                }
            }
        }
    }
    let mut args = page(
        "/argomenti/",
        PageKind::Argomenti,
        "Argomenti",
        "",
        root_crumbs(),
    );
    args.descrizione = Some("Tutti gli argomenti trattati dal sito".into());
    for (a, list) in &by_arg {
        let url = format!("/argomenti/{}/", slugify(a));
        let items: Vec<ListItem> = cx
            .by_date_desc(list.clone())
            .into_iter()
            .map(|i| cx.item(i))
            .collect();
        args.groups.push(group(a, Some(&url), None, Vec::new(), 0));
        if let Some(g) = args.groups.last_mut() {
            g.totale = items.len();
        }
        let mut p = page(
            &url,
            PageKind::List,
            a,
            "",
            under("Argomenti", "/argomenti/"),
        );
        p.descrizione = Some(format!(
            "Servizi, notizie, eventi e documenti sull'argomento {a}"
        ));
        cx.paginate(p, items, out);
    }
    out.push(args);
    by_arg
}

/// Rows of the albo's archive a page shows: it grows by the atti of every year kept.
const ATTI_PER_PAGINA: usize = 50;

/// Albo pretorio: the atti in pubblicazione and the archive (paginated).
fn albo_pretorio(cx: &Ctx<'_>, out: &mut Vec<Page>) {
    let docs = &cx.content.docs;
    let mut albo = cx.of_kind(Kind::Albo);
    albo.sort_by_key(|&i| match &docs[i].meta {
        Meta::Albo(a) => (std::cmp::Reverse(a.anno), std::cmp::Reverse(a.numero)),
        _ => (std::cmp::Reverse(0), std::cmp::Reverse(0)),
    });
    let (archiviati, correnti): (Vec<usize>, Vec<usize>) = albo
        .iter()
        .partition(|&&i| matches!(&docs[i].meta, Meta::Albo(a) if a.in_archivio));
    let mut ap = page(
        "/albo-pretorio/",
        PageKind::Albo,
        "Albo pretorio online",
        "",
        root_crumbs(),
    );
    ap.descrizione = Some(
        "Gli atti in pubblicazione all'albo pretorio, con valore di pubblicità legale (art. 32 L. 69/2009)"
            .into(),
    );
    ap.items = correnti.iter().map(|&i| cx.item(i)).collect();
    out.push(ap);
    let mut arch = page(
        "/albo-pretorio/archivio/",
        PageKind::Albo,
        "Archivio dell'albo pretorio",
        "",
        under("Albo pretorio online", "/albo-pretorio/"),
    );
    arch.descrizione =
        Some("Atti il cui periodo di pubblicazione è concluso, consultabili senza allegati".into());
    let items = archiviati.iter().map(|&i| cx.item(i)).collect();
    cx.paginate_by(arch, items, out, ATTI_PER_PAGINA);
}

/// One page per document (Amministrazione trasparente has its own pages).
fn document_pages(cx: &Ctx<'_>, out: &mut Vec<Page>) {
    let v = vocabolari::get();
    let docs = &cx.content.docs;
    for (i, d) in docs.iter().enumerate() {
        let (sezione, breadcrumb): (&'static str, Vec<Crumb>) = match &d.meta {
            Meta::Notizia(n) => {
                let mut b = under("Novità", "/novita/");
                b.push(crumb(
                    n.tipo.plurale(),
                    &format!("/novita/{}/", slugify(n.tipo.plurale())),
                ));
                ("novita", b)
            }
            Meta::Evento(_) => {
                let mut b = under("Vivere il Comune", "/vivere-il-comune/");
                b.push(crumb("Eventi", "/vivere-il-comune/eventi/"));
                ("vivere", b)
            }
            Meta::Luogo(_) => {
                let mut b = under("Vivere il Comune", "/vivere-il-comune/");
                b.push(crumb("Luoghi", "/vivere-il-comune/luoghi/"));
                ("vivere", b)
            }
            Meta::Servizio(s) => {
                let mut b = under("Servizi", "/servizi/");
                if let Some(c) = s.categorie.first().and_then(|c| v.categoria(&c.value)) {
                    b.push(crumb(&c.nome, &format!("/servizi/{}/", slugify(&c.nome))));
                }
                ("servizi", b)
            }
            Meta::Ufficio(u) => {
                let mut b = under("Amministrazione", "/amministrazione/");
                if let Some((_, g)) = v.tipo_unita(&u.tipo.value) {
                    b.push(crumb(
                        g.titolo(),
                        &format!("/amministrazione/{}/", slugify(g.titolo())),
                    ));
                }
                ("amministrazione", b)
            }
            Meta::Persona(p) => {
                let mut b = under("Amministrazione", "/amministrazione/");
                let t = if p.incarichi.iter().any(|x| x.tipo == TipoIncarico::Politico) {
                    Some("Politici")
                } else if p
                    .incarichi
                    .iter()
                    .any(|x| x.tipo == TipoIncarico::Amministrativo)
                {
                    Some("Personale amministrativo")
                } else {
                    None
                };
                if let Some(t) = t {
                    b.push(crumb(t, &format!("/amministrazione/{}/", slugify(t))));
                }
                ("amministrazione", b)
            }
            Meta::Documento(doc) => {
                let mut b = under("Amministrazione", "/amministrazione/");
                b.push(crumb(
                    "Documenti e dati",
                    "/amministrazione/documenti-e-dati/",
                ));
                if let Some(t) = v.tipo_documento(&doc.tipo_documento.value) {
                    b.push(crumb(
                        &t.plurale,
                        &format!("/amministrazione/documenti-e-dati/{}/", slugify(&t.plurale)),
                    ));
                }
                ("amministrazione", b)
            }
            Meta::Pagina(_) => ("", root_crumbs()),
            // Amministrazione trasparente has its own pages (crate::trasparenza::pagine).
            Meta::Trasparenza(_) => continue,
            Meta::Albo(_) => ("", under("Albo pretorio online", "/albo-pretorio/")),
        };
        let mut p = page(
            &cx.urls[i],
            PageKind::Doc(i),
            &d.meta.titolo(),
            sezione,
            breadcrumb,
        );
        if p.titolo.is_empty() {
            p.titolo = capitalise(&d.key.rsplit('/').next().unwrap_or("").replace('-', " "));
        }
        p.descrizione = d.meta.descrizione_breve().map(|x| x.value.clone());
        out.push(p);
    }
}

/// The home page: in evidenza, news, events, services, argomenti.
fn home_page(
    cx: &Ctx<'_>,
    notizie: &[usize],
    servizi: &[usize],
    prossimi: &[usize],
    by_arg: &BTreeMap<&'static str, Vec<usize>>,
    out: &mut Vec<Page>,
) {
    let v = vocabolari::get();
    let docs = &cx.content.docs;
    let mut h = page(
        "/",
        PageKind::Home,
        &format!("Comune di {}", cx.content.comune.config.nome),
        "",
        Vec::new(),
    );
    h.descrizione = cx.content.comune.config.slogan.clone();
    let in_evidenza = notizie
        .iter()
        .copied()
        .find(|&i| matches!(&docs[i].meta, Meta::Notizia(n) if n.in_evidenza))
        .or_else(|| notizie.first().copied());
    h.groups.push(group(
        "In evidenza",
        None,
        None,
        in_evidenza.map(|i| cx.item(i)).into_iter().collect(),
        1,
    ));
    h.groups.push(group(
        "Ultime notizie",
        Some("/novita/"),
        None,
        notizie
            .iter()
            .filter(|&&i| Some(i) != in_evidenza)
            .map(|&i| cx.item(i))
            .collect(),
        3,
    ));
    h.groups.push(group(
        "Prossimi eventi",
        Some("/vivere-il-comune/eventi/"),
        None,
        prossimi.iter().map(|&i| cx.item(i)).collect(),
        4,
    ));
    let featured_services: Vec<ListItem> = servizi
        .iter()
        .filter(|&&i| matches!(&docs[i].meta, Meta::Servizio(s) if s.in_evidenza))
        .map(|&i| cx.item(i))
        .collect();
    h.groups.push(group(
        "Servizi in evidenza",
        Some("/servizi/"),
        None,
        featured_services,
        6,
    ));
    let mut featured: Vec<String> = cx
        .content
        .comune
        .config
        .argomenti_in_evidenza
        .iter()
        .filter_map(|a| v.argomento(&a.value).map(str::to_string))
        .collect();
    if featured.is_empty() {
        let mut used: Vec<(&&str, &Vec<usize>)> = by_arg.iter().collect();
        used.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
        featured = used
            .into_iter()
            .take(3)
            .map(|(a, _)| a.to_string())
            .collect();
    }
    h.groups.push(Group {
        titolo: "Argomenti in evidenza".into(),
        url: Some("/argomenti/".into()),
        descrizione: None,
        items: featured
            .iter()
            .take(3)
            .map(|a| link_item(a, &format!("/argomenti/{}/", slugify(a))))
            .collect(),
        totale: featured.len(),
    });
    out.push(h);
}

/// The pages of the online services: booking, segnalazione, assistenza.
fn online_services(cx: &Ctx<'_>, out: &mut Vec<Page>) {
    for (url, titolo, desc) in [
        (
            "/prenotazione-appuntamento/",
            "Prenotazione appuntamento",
            "Prenota un appuntamento presso gli uffici del Comune",
        ),
        (
            "/segnalazione-disservizio/",
            "Segnalazione disservizio",
            "Segnala un disservizio o un problema sul territorio",
        ),
        (
            "/richiesta-assistenza/",
            "Richiesta di assistenza",
            "Chiedi aiuto agli uffici del Comune",
        ),
    ] {
        let servizio = cx
            .content
            .comune
            .sportello
            .as_deref()
            .filter(|_| cx.content.comune.config.servizi_online.sportello.is_some());
        let prenota = url == "/prenotazione-appuntamento/"
            && servizio.is_some_and(|s| !s.sportelli.is_empty());
        let segnala = url == "/segnalazione-disservizio/"
            && servizio.is_some_and(|s| s.segnalazioni.is_some());
        let kind = if prenota {
            PageKind::Prenotazione
        } else if segnala {
            PageKind::Segnalazione
        } else if servizio.is_some() && url == "/richiesta-assistenza/" {
            PageKind::Assistenza
        } else {
            PageKind::Informativa
        };
        let mut p = page(url, kind, titolo, "", root_crumbs());
        p.descrizione = Some(desc.into());
        out.push(p);
        if prenota {
            let mut g = page(
                "/prenotazione-appuntamento/gestisci/",
                PageKind::PrenotazioneGestione,
                "Gestisci il tuo appuntamento",
                "",
                under(titolo, url),
            );
            g.descrizione = Some("Consulta, sposta o annulla un appuntamento prenotato".into());
            out.push(g);
        }
        if segnala {
            for (sotto, kind, t, d) in [
                (
                    "/segnalazione-disservizio/segui/",
                    PageKind::SegnalazioneSegui,
                    "Segui la tua segnalazione",
                    "Lo stato della segnalazione che hai inviato, con il link dell'email di conferma",
                ),
                (
                    "/segnalazione-disservizio/elenco/",
                    PageKind::SegnalazioniElenco,
                    "Segnalazioni nel territorio",
                    "Le segnalazioni prese in carico dal Comune, su elenco e mappa",
                ),
            ] {
                let mut g = page(sotto, kind, t, "", under(titolo, url));
                g.descrizione = Some(d.into());
                out.push(g);
            }
        }
    }
}

/// Dati aperti and Ricerca.
fn open_data_and_search(out: &mut Vec<Page>) {
    let mut od = page(
        "/opendata/",
        PageKind::OpenData,
        "Dati aperti",
        "",
        root_crumbs(),
    );
    od.descrizione = Some(
        "I dati pubblicati dal Comune in formato aperto (CSV e JSON), con licenza CC-BY 4.0".into(),
    );
    for (nome, titolo, descrizione) in crate::outputs::opendata::ELENCO {
        od.groups.push(group(
            titolo,
            Some(&format!("/opendata/{nome}")),
            Some(descrizione),
            Vec::new(),
            0,
        ));
    }
    out.push(od);
    let mut ricerca = page("/ricerca/", PageKind::Ricerca, "Ricerca", "", root_crumbs());
    ricerca.descrizione =
        Some("Cerca tra servizi, notizie, eventi, luoghi, uffici e documenti".into());
    out.push(ricerca);
}

/// The site map: the first- and second-level pages generated so far, by section; then the 404 page.
fn site_map(cx: &Ctx<'_>, out: &mut Vec<Page>) {
    let docs = &cx.content.docs;
    // The site map lists the first- and second-level pages generated so far, by section.
    let mut mappa = page(
        "/mappa-del-sito/",
        PageKind::Mappa,
        "Mappa del sito",
        "",
        root_crumbs(),
    );
    for (titolo, prefix) in [
        ("Amministrazione", "/amministrazione/"),
        ("Novità", "/novita/"),
        ("Servizi", "/servizi/"),
        ("Vivere il Comune", "/vivere-il-comune/"),
    ] {
        let items: Vec<ListItem> = out
            .iter()
            .filter(|p| {
                !matches!(p.kind, PageKind::Doc(_))
                    && p.url.starts_with(prefix)
                    && p.url != prefix
                    && !p.url.contains("/pagina/")
            })
            .map(|p| link_item(&p.titolo, &p.url))
            .collect();
        let total = items.len();
        mappa
            .groups
            .push(group(titolo, Some(prefix), None, items, total));
    }
    let others: Vec<ListItem> = out
        .iter()
        .filter(|p| {
            matches!(
                p.kind,
                PageKind::Argomenti
                    | PageKind::Informativa
                    | PageKind::Prenotazione
                    | PageKind::Assistenza
                    | PageKind::Segnalazione
                    | PageKind::Ricerca
                    | PageKind::OpenData
            ) || p.url == "/amministrazione-trasparente/"
                || p.url == "/albo-pretorio/"
                || matches!(p.kind, PageKind::Doc(i) if docs[i].kind == Kind::Pagina)
        })
        .map(|p| link_item(&p.titolo, &p.url))
        .chain([link_item(
            "Amministrazione trasparente",
            "/amministrazione-trasparente/",
        )])
        .collect();
    let total = others.len();
    mappa
        .groups
        .push(group("Altre pagine", None, None, others, total));
    out.push(mappa);
    out.push(page(
        "/404.html",
        PageKind::NotFound,
        "Pagina non trovata",
        "",
        root_crumbs(),
    ));
}

#[cfg(test)]
mod tests {
    use super::page_window;

    #[test]
    fn the_pager_shows_ends_and_neighbours_with_gaps() {
        assert_eq!(page_window(1, 1), vec![Some(1)]);
        assert_eq!(
            page_window(1, 5),
            vec![Some(1), Some(2), Some(3), None, Some(5)]
        );
        assert_eq!(
            page_window(10, 800),
            vec![
                Some(1),
                None,
                Some(8),
                Some(9),
                Some(10),
                Some(11),
                Some(12),
                None,
                Some(800)
            ]
        );
        // Every page is shown when none is more than two away from the current one or an end.
        assert_eq!(
            page_window(4, 7),
            vec![
                Some(1),
                Some(2),
                Some(3),
                Some(4),
                Some(5),
                Some(6),
                Some(7)
            ]
        );
        // At most 7 links and 2 gaps, whatever the number of pages.
        for total in [1, 2, 9, 100, 5000] {
            for n in [1, 2, total / 2 + 1, total]
                .into_iter()
                .filter(|&n| n <= total)
            {
                let w = page_window(n, total);
                assert!(w.len() <= 9, "{n}/{total}: {w:?}");
                assert!(w.contains(&Some(n)) && w.contains(&Some(1)) && w.contains(&Some(total)));
            }
        }
    }
}
