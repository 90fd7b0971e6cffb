//! Source-level checks: the content folders, without writing a site; then, unless asked not
//! to, the HTML checks on a build of them.
//!
//! Every diagnostic of the build pipeline (YAML, vocabularies, links, albo register, ANAC
//! schemas, retention) becomes a finding with its code as rule id. On top: comune.yaml's legal
//! data, the state of every Amministrazione trasparente section (`AT-MISSING`, `AT-EMPTY`,
//! `AT-STALE`), the mandatory ANAC schemas, the minimum number of services and, with `--ipa`,
//! the PEC registered in the Indice dei domicili digitali della PA.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use rayon::prelude::*;

use super::html::SiteFacts;
use super::sink::FactsSink;
use super::{html, CheckOptions, ComuneReport, Finding, Report, RigaAt, Score, Severity};
use civico_core::config::{self, ComuneDir, Rete};
use civico_core::diagnostics::{display_path, Diagnostic, Diagnostics};
use civico_site::content::kinds::Kind;
use civico_site::content::{self, ComuneContent};
use civico_site::model::{self, PageKind};
use civico_site::pipeline::{self, Timings};
use civico_site::render::{Renderer, Theme};
use civico_site::trasparenza::pagine::StatoSezione;

pub use civico_core::codici::{cf_ente_ok, ipa_ok, pec_ok};

/// Line of the top-level `key:` in a YAML text, 0 if absent.
fn line_of(text: &str, key: &str) -> usize {
    civico_core::yaml::line_of(text, key).unwrap_or(0)
}

/// A path as findings show it: relative to the working directory when the site root is inside
/// it (so editors and code review find the file), else relative to the root.
pub(crate) fn show_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let full = root.join(rel);
    let out = if full.is_relative() {
        full
    } else {
        match std::env::current_dir()
            .ok()
            .and_then(|cwd| full.strip_prefix(cwd).ok().map(Path::to_path_buf))
        {
            Some(p) => p,
            None => rel.to_path_buf(),
        }
    };
    out.to_string_lossy().replace('\\', "/")
}

/// The path below the root of a diagnostic's file (diagnostics show `<root name>/...`).
fn below_root(root: &Path, d: &Diagnostic) -> std::path::PathBuf {
    let name = root
        .file_name()
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    match d.file.strip_prefix(&name) {
        Ok(p) => p.to_path_buf(),
        Err(_) => d
            .file
            .strip_prefix(root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| d.file.clone()),
    }
}

fn finding(
    rule: &str,
    sev: Severity,
    comune: &str,
    file: Option<String>,
    line: usize,
    message: String,
) -> Finding {
    Finding {
        rule: rule.into(),
        severity: sev,
        comune: comune.into(),
        file,
        line,
        col: if line > 0 { 1 } else { 0 },
        page: None,
        message,
    }
}

fn from_diag(root: &Path, d: &Diagnostic, comune: &str) -> Finding {
    let mut message = d.message.clone();
    if let Some(h) = &d.hint {
        message.push_str(": ");
        message.push_str(h);
    }
    Finding {
        rule: d.code.to_string(),
        severity: if d.is_error() {
            Severity::Error
        } else {
            Severity::Warning
        },
        comune: comune.to_string(),
        file: Some(show_path(root, &below_root(root, d))),
        line: d.line,
        col: d.col,
        page: None,
        message,
    }
}

/// Files a diagnostic as a finding of its comune, or of the network when it names none.
fn file_under(
    root: &Path,
    cartella: &str,
    d: &Diagnostic,
    by_comune: &mut BTreeMap<String, Vec<Finding>>,
    generali: &mut Vec<Finding>,
) {
    match comune_of(root, d, cartella) {
        Some(slug) => by_comune
            .entry(slug.clone())
            .or_default()
            .push(from_diag(root, d, &slug)),
        None => generali.push(from_diag(root, d, "")),
    }
}

/// The comune a diagnostic's file belongs to (`comuni/<slug>/...`).
fn comune_of(root: &Path, d: &Diagnostic, cartella: &str) -> Option<String> {
    let f = below_root(root, d).to_string_lossy().replace('\\', "/");
    let rest = f.strip_prefix(&format!("{cartella}/"))?;
    rest.split('/').next().map(str::to_string)
}

/// comune.yaml: PEC, codes, base_url, accessibility statement.
fn check_config(root: &Path, c: &ComuneDir, out: &mut Vec<Finding>) {
    let file = c.dir.join("comune.yaml");
    let shown = show_path(root, &file);
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let cfg = &c.config;
    let slug = &c.slug;
    // Not an email address at all: the build's E-PEC says so already.
    if civico_core::codici::email_ok(&cfg.pec.value) && !pec_ok(&cfg.pec.value) {
        out.push(finding("PEC-FORMAT", Severity::Error, slug, Some(shown.clone()), cfg.pec.line,
            format!("`{}` non sembra un indirizzo PEC: scrivi il domicilio digitale del Comune registrato nell'IPA (di solito protocollo@pec.comune.<nome>.<provincia>.it)", cfg.pec.value)));
    }
    if !cf_ente_ok(&cfg.codice_fiscale) {
        out.push(finding("CF-FORMAT", Severity::Error, slug, Some(shown.clone()), line_of(&text, "codice_fiscale"),
            format!("codice fiscale `{}` non valido: per un ente sono 11 cifre con l'ultima di controllo", cfg.codice_fiscale)));
    }
    segnaposti(&text, c, &shown, out);
    if !ipa_ok(&cfg.codice_ipa) {
        out.push(finding("IPA-FORMAT", Severity::Error, slug, Some(shown.clone()), line_of(&text, "codice_ipa"),
            format!("codice IPA `{}` non valido: usa il codice dell'Indice PA, lettere minuscole, cifre e _ (per esempio c_h501)", cfg.codice_ipa)));
    }
    // An unparsable base_url is reported by the build pipeline (E-BASE-URL).
    if let Ok(u) = url::Url::parse(cfg.base_url.value.trim()) {
        if u.scheme() != "https" {
            out.push(finding(
                "BASE-URL-HTTPS",
                Severity::Error,
                slug,
                Some(shown.clone()),
                cfg.base_url.line,
                "base_url deve usare https:// (criterio AGID C.SI.5.1)".into(),
            ));
        }
        let host = u
            .host_str()
            .unwrap_or("")
            .trim_start_matches("www.")
            .to_lowercase();
        let test_domain = [".example", ".test", ".invalid", ".localhost"]
            .iter()
            .any(|t| host.ends_with(t))
            || host == "localhost";
        let institutional = host.ends_with(".gov.it")
            || (host.starts_with("comune.") && host.ends_with(".it"))
            || host.contains(".comune.") && host.ends_with(".it");
        if test_domain {
            out.push(finding("BASE-URL-DOMINIO", Severity::Info, slug, Some(shown.clone()), cfg.base_url.line,
                    format!("{host} è un dominio di prova: in produzione serve comune.<nome>.<provincia>.it o un dominio .gov.it (C.SI.5.2)")));
        } else if !institutional {
            out.push(finding("BASE-URL-DOMINIO", Severity::Warning, slug, Some(shown.clone()), cfg.base_url.line,
                    format!("{host} non è un dominio istituzionale: AGID chiede comune.<nome>.<provincia>.it o un dominio .gov.it (C.SI.5.2)")));
        }
    }
    if !cfg
        .dichiarazione_accessibilita
        .trim()
        .starts_with("https://form.agid.gov.it/")
    {
        out.push(finding("ACCESSIBILITA-URL", Severity::Error, slug, Some(shown.clone()), line_of(&text, "dichiarazione_accessibilita"),
            "la dichiarazione di accessibilità deve essere quella pubblicata su https://form.agid.gov.it/ (criterio AGID C.SI.3.2)".into()));
    }
}

/// The scaffold's placeholders still in comune.yaml: each named, with its line, until replaced.
fn segnaposti(text: &str, c: &ComuneDir, shown: &str, out: &mut Vec<Finding>) {
    use civico_core::codici::segnaposto;
    let cfg = &c.config;
    let mut named = |field: &str, value: &str, line: usize| {
        out.push(finding(
            "SEGNAPOSTO",
            Severity::Warning,
            &c.slug,
            Some(shown.to_string()),
            line,
            format!("`{field}` è ancora il segnaposto `{value}`: scrivi il valore del Comune"),
        ));
    };
    let fields = [
        ("codice_fiscale", cfg.codice_fiscale.as_str()),
        ("partita_iva", cfg.partita_iva.as_deref().unwrap_or("")),
        ("codice_istat", cfg.codice_istat.as_str()),
        ("codice_ipa", cfg.codice_ipa.as_str()),
        (
            "dichiarazione_accessibilita",
            cfg.dichiarazione_accessibilita.as_str(),
        ),
    ];
    for (field, value) in fields.into_iter().filter(|(_, v)| segnaposto(v)) {
        named(field, value, line_of(text, field));
    }
    // The inhabitants the service centre shares its costs by (`civico costi`).
    if let Some(n) = cfg.abitanti.as_ref().filter(|n| n.value == 0) {
        named("abitanti", "0", n.line);
    }
    // Nested fields: found by their text, as the scaffold writes them.
    for (i, l) in text.lines().enumerate() {
        if let Some((key, value)) = l.trim().split_once(':') {
            let value = value.trim().trim_matches('"');
            let nested = matches!(key, "provincia" | "cap" | "nome") && l.starts_with(' ');
            if (nested || key == "zona") && segnaposto(value) {
                named(key, value, i + 1);
            }
        }
    }
}

/// Content still as the scaffold (or `civico new`) wrote it: a short description that starts
/// with "Da completare", named at its line until it is written.
fn da_completare(root: &Path, site: &model::Site<'_>, out: &mut Vec<Finding>) {
    let slug = site.content.comune.slug.as_str();
    for d in &site.content.docs {
        let Some(descr) = d.meta.descrizione_breve() else {
            continue;
        };
        if descr.value.trim_start().starts_with("Da completare") {
            out.push(finding("SEGNAPOSTO", Severity::Warning, slug, Some(show_path(root, &d.path)), descr.line,
                format!("\"{}\" è ancora da completare: scrivi il contenuto (e togli \"Da completare\"), oppure cancella il file se non serve", d.meta.titolo())));
        }
    }
}

/// The lines of an ANAC table the scaffold wrote that still say "Da completare".
fn righe_da_completare(text: &str, slug: &str, shown: &str, out: &mut Vec<Finding>) {
    for (i, l) in text.lines().enumerate() {
        let Some((key, value)) = l.split_once(':') else {
            continue;
        };
        if !l.trim_start().starts_with('#') && value.contains("Da completare") {
            let key = key.trim().trim_start_matches("- ");
            out.push(finding(
                "SEGNAPOSTO",
                Severity::Warning,
                slug,
                Some(shown.to_string()),
                i + 1,
                format!(
                    "`{key}` è ancora da completare: scrivi il valore (e togli \"Da completare\")"
                ),
            ));
        }
    }
}

/// Whether every attachment of the section's items is in an open format.
fn formato_aperto(t: &civico_site::trasparenza::pagine::SezioneAt) -> bool {
    t.voci.iter().flat_map(|v| v.allegati.iter()).all(|a| {
        !matches!(
            a.formato.as_str(),
            "DOC" | "XLS" | "JPG" | "JPEG" | "PNG" | "TIF" | "TIFF"
        )
    })
}

/// States of the transparency sections, ANAC schemas, services.
fn check_site(
    root: &Path,
    rete: &Rete,
    site: &model::Site<'_>,
    today: NaiveDate,
    out: &mut Vec<Finding>,
) -> (Vec<RigaAt>, Score) {
    let c = &site.content.comune;
    let slug = c.slug.as_str();
    let tree = civico_site::trasparenza::albero::get();
    let mut grid: Vec<RigaAt> = Vec::new();
    let (mut ok, mut total) = (0, 0);
    for p in &site.pages {
        let (PageKind::Trasparenza(doc), Some(t)) = (p.kind, p.trasparenza.as_ref()) else {
            continue;
        };
        if t.livello == 0 {
            continue;
        }
        // A long section's further pages: only their items' formats count, in its row.
        if p.pager.as_ref().is_some_and(|g| g.corrente > 1) {
            if let Some(riga) = grid.last_mut() {
                riga.formato_aperto &= formato_aperto(t);
            }
            continue;
        }
        let Some(s) = tree.sezione(&t.slug) else {
            continue;
        };
        let index = c
            .dir
            .join("amministrazione-trasparente")
            .join(&t.slug)
            .join("_index.md");
        let shown = show_path(root, &index);
        let src = || {
            doc.map(|i| site.content.docs[i].snippet_source())
                .unwrap_or_default()
        };
        let has_children = !t.sottosezioni.is_empty();
        let soglia = rete.soglia(&s.aggiornamento);
        let stale = matches!(
            t.stato,
            StatoSezione::ConContenuti | StatoSezione::Dichiarata
        ) && soglia.is_some_and(|days| {
            t.aggiornato_al
                .is_none_or(|d| (today - d).num_days() > days)
        });
        let anac = civico_site::trasparenza::anac::schema_of(&t.slug);
        let declared = t.non_applicabile.is_some() || t.nessun_contenuto.is_some();
        if !has_children {
            total += 1;
            match t.stato {
                StatoSezione::Mancante => out.push(finding("AT-MISSING", Severity::Error, slug, Some(shown.clone()), 0,
                    format!("manca la sezione \"{}\" ({}): crea la cartella con _index.md e pubblica i contenuti, oppure dichiara perché non ce ne sono", s.title, s.norma))),
                StatoSezione::Vuota => {
                    let dati = anac.map_or(String::new(), |a| format!(" e i dati in {}", a.file));
                    out.push(finding("AT-EMPTY", Severity::Warning, slug, Some(shown.clone()), 1,
                        format!("la sezione \"{}\" è vuota: pubblica i contenuti{dati} ({}) oppure scrivi nessun_contenuto: o non_applicabile: con il motivo", s.title, s.norma)));
                }
                _ if stale => {
                    let line = civico_core::yaml::line_of(&src(), "aggiornato_al").unwrap_or(1);
                    out.push(finding("AT-STALE", Severity::Warning, slug, Some(shown.clone()), line,
                        format!("la sezione \"{}\" ({}) non è aggiornata: ultimo aggiornamento {}, frequenza {}", s.title, s.norma,
                            t.aggiornato_al.map_or("mai".into(), |d| d.format("%d/%m/%Y").to_string()), s.aggiornamento)));
                }
                _ => ok += 1,
            }
            if let Some(schema) = anac.filter(|_| t.tabella.is_some()) {
                let file = index.with_file_name(schema.file);
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                righe_da_completare(&text, slug, &show_path(root, &file), out);
            }
            if let Some(schema) = anac {
                // An empty section is one finding (AT-EMPTY, which names the file too).
                let pending = matches!(t.stato, StatoSezione::Mancante | StatoSezione::Vuota);
                if t.tabella.is_none() && !declared && !pending {
                    out.push(finding("ANAC-MISSING", Severity::Error, slug, Some(shown.clone()), 0,
                        format!("mancano i dati dello schema ANAC {} ({}): metti {} nella cartella della sezione", schema.norma, schema.delibera, schema.file)));
                }
            }
        }
        grid.push(RigaAt {
            codice: s.code.clone(),
            titolo: s.title.clone(),
            livello: s.level,
            stato: match (t.stato, stale) {
                (StatoSezione::Mancante, _) => "mancante",
                (StatoSezione::Vuota, _) => "vuota",
                (_, true) => "non_aggiornata",
                (StatoSezione::Dichiarata, _) => "dichiarata",
                (StatoSezione::ConContenuti, _) => "ok",
            },
            pubblicato: matches!(
                t.stato,
                StatoSezione::ConContenuti | StatoSezione::Dichiarata
            ) || has_children,
            completo: t.stato != StatoSezione::Vuota
                && t.stato != StatoSezione::Mancante
                && (anac.is_none() || t.tabella.is_some() || declared),
            aggiornato: !stale,
            formato_aperto: formato_aperto(t),
            aggiornato_al: t.aggiornato_al,
        });
    }
    with_sections_from_their_parts(&mut grid);
    let services = site
        .content
        .docs
        .iter()
        .filter(|d| d.kind == Kind::Servizio)
        .count();
    if services < 10 {
        out.push(finding(
            "SERVIZI-MIN",
            Severity::Error,
            slug,
            Some(show_path(root, &c.dir.join("servizi"))),
            0,
            format!(
                "il Comune pubblica {}: il modello ne chiede almeno 10 (criterio AGID C.SI.1.3)",
                civico_core::plurale::conta(services, "scheda servizio", "schede servizio")
            ),
        ));
    }
    da_completare(root, site, out);
    (
        grid,
        Score {
            area: "Trasparenza",
            ok,
            total,
        },
    )
}

/// A section with sub-sections has no content of its own: its row says what its sub-sections
/// say (published, complete, up to date and open only if they all are; the worst state; the
/// latest update).
fn with_sections_from_their_parts(grid: &mut [RigaAt]) {
    const ORDINE: [&str; 5] = ["mancante", "vuota", "non_aggiornata", "dichiarata", "ok"];
    let rank = |s: &str| ORDINE.iter().position(|o| *o == s).unwrap_or(ORDINE.len());
    for i in 0..grid.len() {
        let prefix = format!("{}.", grid[i].codice);
        let parts: Vec<&RigaAt> = grid
            .iter()
            .filter(|r| r.codice.starts_with(&prefix))
            .collect();
        if parts.is_empty() {
            continue;
        }
        let worst = parts.iter().map(|r| r.stato).min_by_key(|s| rank(s));
        let row = RigaAt {
            stato: match worst {
                Some("dichiarata") | Some("ok") | None => "ok",
                Some(w) => w,
            },
            pubblicato: parts.iter().all(|r| r.pubblicato),
            completo: parts.iter().all(|r| r.completo),
            aggiornato: parts.iter().all(|r| r.aggiornato),
            formato_aperto: parts.iter().all(|r| r.formato_aperto),
            aggiornato_al: parts.iter().filter_map(|r| r.aggiornato_al).max(),
            ..grid[i].clone()
        };
        grid[i] = row;
    }
}

/// Reads the IPA open data (CSV with a header, or a JSON array of objects): code -> emails.
fn read_ipa(path: &Path) -> Result<BTreeMap<String, Vec<String>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |fields: Vec<(String, String)>| {
        let code = fields.iter().find(|(k, _)| {
            let k = k.to_lowercase();
            k == "codice_ipa" || k == "cod_amm" || k == "codice ipa"
        });
        if let Some((_, code)) = code {
            let emails: Vec<String> = fields
                .iter()
                .filter(|(_, v)| v.contains('@'))
                .map(|(_, v)| v.trim().to_lowercase())
                .collect();
            out.entry(code.trim().to_lowercase())
                .or_default()
                .extend(emails);
        }
    };
    if text.trim_start().starts_with('[') {
        let v: Vec<serde_json::Map<String, serde_json::Value>> =
            serde_json::from_str(&text).map_err(|e| format!("JSON IPA non valido: {e}"))?;
        for o in v {
            add(o
                .into_iter()
                .map(|(k, v)| {
                    (
                        k,
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect());
        }
    } else {
        let delim = if text.lines().next().unwrap_or("").contains(';') {
            b';'
        } else {
            b','
        };
        let mut r = csv::ReaderBuilder::new()
            .delimiter(delim)
            .flexible(true)
            .from_reader(text.as_bytes());
        let head: Vec<String> = r
            .headers()
            .map_err(|e| e.to_string())?
            .iter()
            .map(str::to_string)
            .collect();
        for rec in r.records().flatten() {
            add(head
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect());
        }
    }
    Ok(out)
}

/// Per comune: slug, name, findings, AT grid, transparency score, PEC, base path.
type SiteResult = (
    String,
    String,
    Vec<Finding>,
    Vec<RigaAt>,
    Score,
    String,
    String,
);

/// The IPA open data file given with `--ipa` cannot be read.
fn ipa_unreadable(path: &Path, e: &str) -> Finding {
    finding(
        "IPA-FILE",
        Severity::Error,
        "",
        Some(path.display().to_string()),
        0,
        format!("file IPA non leggibile: {e}"),
    )
}

/// Errors first, then by file, line and rule.
fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.file.cmp(&b.file))
            .then_with(|| a.line.cmp(&b.line))
            .then_with(|| a.rule.cmp(&b.rule))
    });
}

/// The comune's PEC against the domicilio digitale the IPA open data register for its code.
fn check_ipa(
    ipa: &BTreeMap<String, Vec<String>>,
    slug: &str,
    code: &str,
    pec: &str,
    cfg_file: String,
) -> Option<Finding> {
    match ipa.get(code) {
        None => Some(finding(
            "IPA-NOT-FOUND",
            Severity::Warning,
            slug,
            Some(cfg_file),
            0,
            format!("il codice IPA `{code}` non compare nei dati dell'Indice PA forniti"),
        )),
        Some(mails) if !mails.contains(&pec.to_lowercase()) => Some(finding(
            "PEC-IPA",
            Severity::Error,
            slug,
            Some(cfg_file),
            0,
            format!(
                "la PEC {pec} non è il domicilio digitale registrato nell'IPA ({})",
                mails.join(", ")
            ),
        )),
        _ => None,
    }
}

/// The theme's templates, as the build loads them (pages uncompressed: nothing is written).
fn theme_renderer(root: &Path, rete: &Rete) -> Result<Renderer, Diagnostic> {
    Theme::load(root, &rete.tema).and_then(|t| Renderer::new(t, false))
}

/// Renders a comune's site into memory, as `civico build` would write it, and returns the facts
/// of its pages; None when the comune has errors (its problems are in `diags`).
fn render_in_memory(
    root: &Path,
    rete: &Rete,
    renderer: &Renderer,
    c: &ComuneContent,
    site: &mut model::Site<'_>,
    today: chrono::NaiveDate,
    diags: &Diagnostics,
) -> Option<SiteFacts> {
    let own = Diagnostics::new();
    let stemma = civico_site::pipeline::stemma(root, c, &mut site.assets, &own);
    let shown = display_path(root, &c.comune.dir);
    let sink = FactsSink::new(&shown);
    let ok = !own.has_errors()
        && renderer
            .render_site_into(site, rete, &stemma, today, &sink)
            .map(|stats| own.extend(stats.diagnostics))
            .map_err(|ds| own.extend(ds))
            .is_ok();
    diags.extend(own.into_sorted());
    let (pages, files) = sink.into_parts();
    ok.then(|| SiteFacts::rendered(pages, files, &c.comune.base_path))
}

/// The pipeline's diagnostics as findings, by comune (those of no comune go to `generali`).
fn by_comune(
    root: &Path,
    rete: &Rete,
    diagnostics: &[Diagnostic],
    generali: &mut Vec<Finding>,
) -> BTreeMap<String, Vec<Finding>> {
    let mut by_comune = BTreeMap::new();
    for d in diagnostics {
        file_under(root, &rete.cartella_comuni, d, &mut by_comune, generali);
    }
    by_comune
}

/// The PEC of a comune against the IPA open data.
fn ipa_findings(
    root: &Path,
    rete: &Rete,
    contents: &[ComuneContent],
    ipa: &BTreeMap<String, Vec<String>>,
    slug: &str,
    pec: &str,
) -> Option<Finding> {
    let codice = contents
        .iter()
        .find(|c| c.comune.slug == slug)
        .map(|c| c.comune.config.codice_ipa.to_lowercase())
        .unwrap_or_default();
    let cfg_file = show_path(
        root,
        &root
            .join(&rete.cartella_comuni)
            .join(slug)
            .join("comune.yaml"),
    );
    check_ipa(ipa, slug, &codice, pec, cfg_file)
}

/// The territory portal is a public administration's site too: its footer needs the
/// accessibility declaration, the privacy notice and the legal notes.
fn portale_legali(root: &Path, rete: &Rete, out: &mut Vec<Finding>) {
    let Some(p) = &rete.portale else {
        return;
    };
    let path = root.join("civico.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let line = civico_core::yaml::line_of(&text, "portale").unwrap_or(1);
    for (field, what) in [
        (&p.dichiarazione_accessibilita, "dichiarazione_accessibilita: la dichiarazione di accessibilità del portale (form.agid.gov.it)"),
        (&p.privacy, "privacy: l'informativa sulla privacy"),
        (&p.note_legali, "note_legali: le note legali"),
    ] {
        if field.is_none() {
            out.push(finding("PORTALE-LEGALE", Severity::Warning, "", Some(show_path(root, &path)), line,
                format!("il portale degli eventi non collega {what}: aggiungi l'indirizzo sotto `portale:` in civico.yaml")));
        }
    }
}

/// Runs the source checks, then the HTML ones unless `source_only`.
pub fn run(opts: &CheckOptions) -> Report {
    run_timed(opts).0
}

/// [`run`], with the duration of each phase (the build's phases, then the rules).
pub fn run_timed(opts: &CheckOptions) -> (Report, Timings) {
    let mut timings = Timings::start();
    let root = opts.root.as_path();
    let diags = Diagnostics::new();
    let mut generali = Vec::new();
    let rete = match config::load_rete(root) {
        Ok(r) => r,
        Err(d) => {
            generali.push(from_diag(root, &d, ""));
            let report = Report {
                versione: env!("CARGO_PKG_VERSION"),
                data: opts.today.unwrap_or_else(civico_core::date::today_in_rome),
                comuni: Vec::new(),
                generali,
            };
            return (report, timings);
        }
    };
    let today = opts
        .today
        .unwrap_or_else(|| civico_core::date::today_in(rete.tz(), chrono::Utc::now()));
    portale_legali(root, &rete, &mut generali);
    let comuni = config::load_comuni(root, &rete, &opts.comuni, &diags);
    let mut config_findings = Vec::new();
    for c in &comuni {
        check_config(root, c, &mut config_findings);
    }
    let mut contents: Vec<ComuneContent> = content::load_all(root, comuni, false, &diags);
    contents
        .par_iter_mut()
        .for_each(|c| civico_site::albo::apply(c, today, &diags));
    // The same phases as a build, into memory: the theme, then per comune the model, the
    // stemma and the pages, whose facts the HTML rules read (unless a built folder is given).
    let render = !opts.source_only && opts.built.is_none();
    let renderer = render
        .then(|| theme_renderer(root, &rete))
        .and_then(|r| r.map_err(|d| diags.push(d)).ok());
    timings.mark(pipeline::LOAD);
    let mut sites: Vec<(model::Site<'_>, Vec<Finding>, Vec<RigaAt>, Score)> = contents
        .par_iter()
        .map(|c| {
            let site = model::build(c, rete.elementi_per_pagina, today, &diags);
            let mut f = Vec::new();
            let (grid, score) = check_site(root, &rete, &site, today, &mut f);
            (site, f, grid, score)
        })
        .collect();
    timings.mark(pipeline::MODEL);
    let results: Vec<(SiteResult, Option<SiteFacts>)> = sites
        .par_iter_mut()
        .map(|(site, f, grid, score)| {
            let c = site.content;
            let rendered = match renderer.as_ref() {
                Some(r) => render_in_memory(root, &rete, r, c, site, today, &diags),
                None => {
                    // No page is rendered: the Markdown's problems are found all the same.
                    diags.extend(site.markdown_diagnostics());
                    None
                }
            };
            let result = (
                c.comune.slug.clone(),
                c.comune.config.nome.clone(),
                std::mem::take(f),
                std::mem::take(grid),
                score.clone(),
                c.comune.config.pec.value.clone(),
                c.comune.base_path.clone(),
            );
            (result, rendered)
        })
        .collect();
    drop(sites);
    timings.mark(pipeline::RENDER);
    let ipa = opts.ipa.as_ref().map(|p| read_ipa(p));

    let diagnostics = diags.into_sorted();
    let pipeline_errors = diagnostics.iter().any(Diagnostic::is_error);
    let mut by_comune = by_comune(root, &rete, &diagnostics, &mut generali);
    for f in config_findings {
        by_comune.entry(f.comune.clone()).or_default().push(f);
    }
    if let (Some(Err(e)), Some(path)) = (&ipa, &opts.ipa) {
        generali.push(ipa_unreadable(path, e));
    }

    // HTML level: the given output folder, or the sites rendered above (none when the sources
    // have errors: their pages would only repeat them).
    let built = if opts.source_only || pipeline_errors {
        None
    } else {
        opts.built.clone()
    };
    let at_titles: Vec<String> = html::at_titles();

    let mut comuni = Vec::new();
    for ((slug, nome, site_findings, griglia, score, pec, base), rendered) in results {
        let mut findings = by_comune.remove(&slug).unwrap_or_default();
        findings.extend(site_findings);
        if let Some(Ok(ipa)) = &ipa {
            findings.extend(ipa_findings(root, &rete, &contents, ipa, &slug, &pec));
        }
        let mut scores = vec![score];
        let site = match (&built, rendered) {
            (Some(dir), _) => Some(html::read_site(&dir.join(&slug), &base)),
            (None, Some(site)) if !pipeline_errors => Some(site),
            _ => None,
        };
        if let Some(site) = site {
            let cx = html::Context {
                comune: &slug,
                pec: Some(&pec),
                at_titles: at_titles.clone(),
            };
            let h = html::check(&site, &cx);
            scores.push(super::agid_score(&h));
            findings.extend(h);
            // Dropped while other comuni are still to check, not all at the end.
            drop(site);
        }
        sort_findings(&mut findings);
        comuni.push(ComuneReport {
            slug,
            nome,
            scores,
            findings,
            griglia,
        });
    }
    // Comuni whose configuration did not load still get their findings.
    comuni.extend(by_comune.into_iter().map(|(slug, findings)| ComuneReport {
        nome: slug.clone(),
        slug,
        scores: Vec::new(),
        findings,
        griglia: Vec::new(),
    }));
    comuni.sort_by(|a, b| a.slug.cmp(&b.slug));
    timings.mark(pipeline::CHECK);
    let report = Report {
        versione: env!("CARGO_PKG_VERSION"),
        data: today,
        comuni,
        generali,
    };
    (report, timings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn riga(codice: &str, stato: &'static str, completo: bool) -> RigaAt {
        RigaAt {
            codice: codice.into(),
            titolo: codice.into(),
            livello: if codice.contains('.') { 2 } else { 1 },
            stato,
            pubblicato: stato != "mancante" && stato != "vuota",
            completo,
            aggiornato: stato != "non_aggiornata",
            formato_aperto: true,
            aggiornato_al: None,
        }
    }

    #[test]
    fn a_section_is_what_its_sub_sections_are() {
        let mut grid = vec![
            riga("01", "vuota", false),
            riga("01.01", "ok", true),
            riga("01.02", "dichiarata", true),
            riga("02", "vuota", false),
            riga("02.01", "ok", true),
            riga("02.02", "non_aggiornata", true),
            riga("03", "vuota", false),
        ];
        with_sections_from_their_parts(&mut grid);
        // Every sub-section published and complete: so is the section.
        assert_eq!(
            (grid[0].stato, grid[0].completo, grid[0].pubblicato),
            ("ok", true, true)
        );
        // The worst state of its sub-sections.
        assert_eq!(
            (grid[3].stato, grid[3].aggiornato),
            ("non_aggiornata", false)
        );
        // A section without sub-sections keeps its own state.
        assert_eq!((grid[6].stato, grid[6].completo), ("vuota", false));
    }
}
