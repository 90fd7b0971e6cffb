//! `civico check`: what the law and AGID require of each comune's site and is missing or wrong.
//!
//! Two levels. `sorgente` works on the content folders without writing a site: comune.yaml
//! (PEC, codes, base_url, accessibility statement), the Amministrazione trasparente tree and its
//! states, the ANAC schemas, services, and every diagnostic of the build pipeline (vocabularies,
//! links, albo register, retention). `html` works on any built site folder, civico's or not.
//! `output` writes the findings as text, JSON, JUnit, SARIF or GitHub annotations; `report`
//! writes an HTML report per comune for the responsabile della trasparenza.

pub mod html;
pub mod output;
pub mod report;
pub mod sink;
pub mod sorgente;

use std::path::{Path, PathBuf};

use serde::Serialize;

/// How serious a finding is: errors fail the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "errore",
            Severity::Warning => "avviso",
            Severity::Info => "info",
        }
    }
}

/// One thing found, with a stable rule id.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    /// Stable id: `AT-MISSING`, `PEC-FORMAT`, an AGID criterion (`C.SI.1.3`), or the code of a
    /// build diagnostic (`E-LINK-BROKEN`).
    pub rule: String,
    pub severity: Severity,
    pub comune: String,
    /// Source file, relative to the site root, when the problem is in one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based; 0 when unknown.
    pub line: usize,
    pub col: usize,
    /// Site path of the page, for HTML-level findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    pub message: String,
}

/// A score line such as "Trasparenza 58/58".
#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub area: &'static str,
    pub ok: usize,
    pub total: usize,
}

/// One row of the transparency grid (in the spirit of the OIV attestation).
#[derive(Debug, Clone, Serialize)]
pub struct RigaAt {
    pub codice: String,
    pub titolo: String,
    pub livello: u8,
    /// mancante, vuota, dichiarata, ok, non_aggiornata.
    pub stato: &'static str,
    pub pubblicato: bool,
    pub completo: bool,
    pub aggiornato: bool,
    pub formato_aperto: bool,
    pub aggiornato_al: Option<chrono::NaiveDate>,
}

/// The result for one comune.
#[derive(Debug, Clone, Serialize)]
pub struct ComuneReport {
    pub slug: String,
    pub nome: String,
    pub scores: Vec<Score>,
    pub findings: Vec<Finding>,
    #[serde(skip)]
    pub griglia: Vec<RigaAt>,
}

impl ComuneReport {
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }
}

/// The result of a check run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub versione: &'static str,
    pub data: chrono::NaiveDate,
    pub comuni: Vec<ComuneReport>,
    /// Problems that concern no comune (e.g. civico.yaml unreadable).
    pub generali: Vec<Finding>,
}

impl Report {
    pub fn all(&self) -> impl Iterator<Item = &Finding> {
        self.generali
            .iter()
            .chain(self.comuni.iter().flat_map(|c| c.findings.iter()))
    }

    pub fn count(&self, s: Severity) -> usize {
        self.all().filter(|f| f.severity == s).count()
    }
}

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub root: PathBuf,
    pub comuni: Vec<String>,
    pub today: Option<chrono::NaiveDate>,
    /// A built output folder to check instead of building into a temporary one.
    pub built: Option<PathBuf>,
    /// Source level only (no HTML checks).
    pub source_only: bool,
    /// IPA open data (CSV or JSON) to verify each PEC against.
    pub ipa: Option<PathBuf>,
}

/// Source and HTML checks of a civico network.
pub fn run(opts: &CheckOptions) -> Report {
    sorgente::run(opts)
}

/// [`run`], with the duration of each phase (`--timings`).
pub fn run_timed(opts: &CheckOptions) -> (Report, civico_site::timings::Timings) {
    sorgente::run_timed(opts)
}

/// HTML checks of a site folder not built by civico (or of one comune's output).
pub fn run_html(dir: &Path, today: chrono::NaiveDate) -> Report {
    let slug = dir
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sito".into());
    let site = html::read_site(dir, "");
    let at_titles = html::at_titles();
    let cx = html::Context {
        comune: &slug,
        pec: None,
        at_titles,
    };
    let mut findings = html::check(&site, &cx);
    findings.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.rule.cmp(&b.rule))
    });
    Report {
        versione: env!("CARGO_PKG_VERSION"),
        data: today,
        comuni: vec![ComuneReport {
            nome: slug.clone(),
            slug,
            scores: vec![agid_score(&findings)],
            findings,
            griglia: Vec::new(),
        }],
        generali: Vec::new(),
    }
}

/// The AGID criteria this checker mirrors, for scores and reports.
pub const CRITERI: [(&str, &str); 16] = [
    (
        "C.SI.1.2",
        "Librerie di elementi di interfaccia (Bootstrap Italia)",
    ),
    ("C.SI.1.3", "Schede informative dei servizi"),
    ("C.SI.1.6", "Voci di menù di primo livello"),
    ("C.SI.2.1", "Prenotazione appuntamenti"),
    ("C.SI.2.2", "Contatti nelle schede servizio"),
    ("C.SI.2.3", "Domande frequenti (FAQ)"),
    ("C.SI.2.4", "Segnalazione disservizio"),
    (
        "C.SI.2.5",
        "Valutazione dell'esperienza d'uso, chiarezza delle pagine",
    ),
    (
        "C.SI.2.6",
        "Valutazione dell'esperienza d'uso, schede servizio",
    ),
    ("C.SI.3.2", "Dichiarazione di accessibilità"),
    ("C.SI.3.3", "Informativa privacy"),
    ("C.SI.3.4", "Licenza e attribuzione"),
    ("PEC-HOME", "PEC nella home page"),
    ("PEC-FOOTER", "PEC nel footer di ogni pagina"),
    ("AT-INDEX", "Indice di Amministrazione trasparente"),
    ("HTML-LANG", "Lingua della pagina dichiarata"),
];

/// "AGID a/b": criteria without an error finding.
pub fn agid_score(findings: &[Finding]) -> Score {
    let failed = CRITERI
        .iter()
        .filter(|(id, _)| {
            findings
                .iter()
                .any(|f| f.rule == *id && f.severity == Severity::Error)
        })
        .count();
    Score {
        area: "Criteri AGID",
        ok: CRITERI.len() - failed,
        total: CRITERI.len(),
    }
}
