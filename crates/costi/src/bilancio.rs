//! Reading the budget file and the network it speaks of, and checking that they agree: every
//! problem at its file, line and column, in Italian, all of them in one run.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use civico_core::bilancio::{Bilancio, Ripartizione};
use civico_core::config::{self, ComuneDir};
use civico_core::diagnostics::{closest, display_path, Diagnostic, Diagnostics};

use crate::popolazione::{self, Istat};
use crate::riparto;
use crate::Options;

/// The budget, checked and in cents, with the comuni of the network.
pub struct Input {
    pub anno: i32,
    pub servizi: Vec<Servizio>,
    /// The indirect costs, to spread.
    pub indiretti: i64,
    /// Fixed shares in hundredths of a percent by service code, when the budget sets them.
    pub quote: Option<BTreeMap<String, u64>>,
    /// Index of the web service in `servizi`.
    pub web: usize,
    pub adesioni: Vec<Adesione>,
    /// (comune, description, cents).
    pub extra: Vec<(String, String, i64)>,
    pub comuni: BTreeMap<String, ComuneDir>,
}

pub struct Servizio {
    pub codice: String,
    pub nome: String,
    pub diretti: i64,
}

pub struct Adesione {
    pub slug: String,
    pub dal: Option<NaiveDate>,
    pub al: Option<NaiveDate>,
}

/// Reads civico.yaml, the comuni and the budget; `None` when something stops the reading (the
/// reasons are in `diags`).
pub fn carica(o: &Options, diags: &mut Vec<Diagnostic>) -> Option<Input> {
    let rete = match config::load_rete(&o.root) {
        Ok(r) => r,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let loaded = Diagnostics::new();
    let comuni: BTreeMap<String, ComuneDir> = config::load_comuni(&o.root, &rete, &[], &loaded)
        .into_iter()
        .map(|c| (c.slug.clone(), c))
        .collect();
    diags.extend(loaded.into_sorted());
    let path = &o.budget;
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    "E-COSTI-FILE",
                    path,
                    format!("non riesco a leggere il bilancio: {e}"),
                )
                .hint("indica il file con --budget, per esempio --budget costi.yaml"),
            );
            return None;
        }
    };
    let text = civico_core::yaml::normalise(&text).into_owned();
    let b: Bilancio = match civico_core::yaml::parse(&text, path, 0, &text) {
        Ok(b) => b,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let mut check = Check {
        path,
        text: &text,
        diags,
    };
    let input = check.input(&b, comuni, o.anno);
    (!check.diags.iter().any(Diagnostic::is_error)).then_some(input)
}

/// The checks of a parsed budget, reporting at its positions.
struct Check<'a> {
    path: &'a Path,
    text: &'a str,
    diags: &'a mut Vec<Diagnostic>,
}

impl Check<'_> {
    fn error(&mut self, code: &'static str, line: usize, col: usize, msg: String, hint: &str) {
        let d = Diagnostic::error(code, self.path, msg)
            .at(line, col)
            .hint(hint);
        self.diags.push(d.with_source(self.text));
    }

    fn input(
        &mut self,
        b: &Bilancio,
        comuni: BTreeMap<String, ComuneDir>,
        anno: Option<i32>,
    ) -> Input {
        if let Some(a) = anno.filter(|a| *a != b.anno.value) {
            let msg = format!("il bilancio è dell'anno {}, non del {a}", b.anno.value);
            self.error(
                "E-COSTI-ANNO",
                b.anno.line,
                b.anno.col,
                msg,
                "usa il bilancio dell'anno richiesto, o togli --anno",
            );
        }
        let servizi = self.servizi(b);
        let codici: Vec<&str> = servizi.iter().map(|s| s.codice.as_str()).collect();
        let web = codici
            .iter()
            .position(|c| *c == b.servizio_web.value)
            .unwrap_or_else(|| {
                let near = closest(&b.servizio_web.value, codici.iter().copied(), 1);
                let msg = format!(
                    "`servizio_web: {}` non è il codice di un servizio del bilancio",
                    b.servizio_web.value
                );
                let hint = near
                    .first()
                    .map_or(format!("i codici sono: {}", codici.join(", ")), |n| {
                        format!("forse intendevi `{n}`?")
                    });
                self.error(
                    "E-COSTI-SERVIZIO",
                    b.servizio_web.line,
                    b.servizio_web.col,
                    msg,
                    &hint,
                );
                0
            });
        let quote = self.quote(b, &codici);
        let adesioni = self.adesioni(b, &comuni);
        let extra = b
            .extra
            .iter()
            .filter_map(|e| {
                let ok = adesioni.iter().any(|a| a.slug == e.comune.value);
                if !ok {
                    let msg = format!("l'attività extra è per `{}`, che non aderisce al servizio nel {}", e.comune.value, b.anno.value);
                    self.error("E-COSTI-COMUNE", e.comune.line, e.comune.col, msg, "un'attività extra si addebita a un comune che aderisce: controlla il nome o le adesioni");
                }
                ok.then(|| (e.comune.value.clone(), e.descrizione.clone(), e.importo.value.0))
            })
            .collect();
        let indiretti = b
            .costi_indiretti
            .voci
            .iter()
            .map(|v| v.importo.value.0)
            .sum();
        if quote.is_none() && indiretti > 0 && servizi.iter().all(|s| s.diretti == 0) {
            self.error("E-COSTI-RIPARTIZIONE", 1, 1, "i costi indiretti vanno ripartiti in proporzione ai costi diretti, ma nessun servizio ne ha".into(), "aggiungi i costi diretti dei servizi, o usa `ripartizione: quote` con le quote");
        }
        Input {
            anno: b.anno.value,
            servizi,
            indiretti,
            quote,
            web,
            adesioni,
            extra,
            comuni,
        }
    }

    fn servizi(&mut self, b: &Bilancio) -> Vec<Servizio> {
        let mut out: Vec<Servizio> = Vec::new();
        for s in &b.servizi {
            if out.iter().any(|o| o.codice == s.codice.value) {
                let msg = format!(
                    "il codice di servizio `{}` compare due volte",
                    s.codice.value
                );
                self.error(
                    "E-COSTI-CODICE",
                    s.codice.line,
                    s.codice.col,
                    msg,
                    "dai a ogni servizio un codice diverso",
                );
            }
            out.push(Servizio {
                codice: s.codice.value.clone(),
                nome: s.nome.clone(),
                diretti: s.costi_diretti.iter().map(|v| v.importo.value.0).sum(),
            });
        }
        out
    }

    /// The fixed shares, in hundredths of a percent, when the budget spreads by them.
    fn quote(&mut self, b: &Bilancio, codici: &[&str]) -> Option<BTreeMap<String, u64>> {
        let ci = &b.costi_indiretti;
        if ci.ripartizione != Ripartizione::Quote {
            return None;
        }
        let mut out = BTreeMap::new();
        for (codice, q) in &ci.quote {
            if !codici.contains(&codice.as_str()) {
                let msg = format!("la quota è per `{codice}`, che non è un servizio del bilancio");
                self.error(
                    "E-COSTI-QUOTE",
                    q.line,
                    1,
                    msg,
                    &format!("i codici sono: {}", codici.join(", ")),
                );
            }
            let cp = (q.value * 100.0).round();
            if !(0.0..=10_000.0).contains(&cp) || (q.value * 100.0 - cp).abs() > 1e-6 {
                let msg = format!("la quota di `{codice}` non è una percentuale tra 0 e 100 con al massimo due decimali");
                self.error(
                    "E-COSTI-QUOTE",
                    q.line,
                    q.col,
                    msg,
                    "scrivi la percentuale, per esempio 35 o 12.5",
                );
            }
            out.insert(codice.clone(), cp as u64);
        }
        let somma: u64 = out.values().sum();
        if somma != 10_000 {
            let line = ci.quote.values().next().map(|q| q.line).unwrap_or_else(|| {
                civico_core::yaml::line_of(self.text, "costi_indiretti").unwrap_or(1)
            });
            let msg = format!(
                "le quote dei costi indiretti sommano a {} %, non a 100",
                riparto::percento(somma as i64)
            );
            self.error(
                "E-COSTI-QUOTE",
                line,
                1,
                msg,
                "correggi le quote perché la somma sia 100",
            );
        }
        Some(out)
    }

    fn adesioni(&mut self, b: &Bilancio, comuni: &BTreeMap<String, ComuneDir>) -> Vec<Adesione> {
        let anno = b.anno.value;
        let mut out: Vec<Adesione> = Vec::new();
        for a in &b.adesioni {
            let slug = &a.comune.value;
            if !comuni.contains_key(slug) {
                let near = closest(slug, comuni.keys().map(String::as_str), 1);
                let hint = near.first().map_or(
                    "scrivi il nome della cartella del comune in comuni/".to_string(),
                    |n| format!("forse intendevi `{n}`?"),
                );
                self.error(
                    "E-COSTI-COMUNE",
                    a.comune.line,
                    a.comune.col,
                    format!("`{slug}` non è un comune della rete"),
                    &hint,
                );
                continue;
            }
            if out.iter().any(|o| &o.slug == slug) {
                self.error(
                    "E-COSTI-COMUNE",
                    a.comune.line,
                    a.comune.col,
                    format!("`{slug}` ha due adesioni"),
                    "scrivi una sola adesione per comune, con dal e al",
                );
                continue;
            }
            let (dal, al) = (
                a.dal.as_ref().map(|d| d.value.0),
                a.al.as_ref().map(|d| d.value.0),
            );
            if let (Some(d), Some(x)) = (dal, al) {
                if d > x {
                    let l = a.al.as_ref().map_or(0, |s| s.line);
                    self.error(
                        "E-COSTI-DATE",
                        l,
                        1,
                        format!("`{slug}`: `al` ({x}) viene prima di `dal` ({d})"),
                        "controlla le date dell'adesione",
                    );
                }
            }
            out.push(Adesione {
                slug: slug.clone(),
                dal,
                al,
            });
        }
        for bim in riparto::bimestri(anno) {
            if !out.iter().any(|a| bim.toccato(a.dal, a.al)) {
                let line = civico_core::yaml::line_of(self.text, "adesioni").unwrap_or(1);
                let msg = format!("nel bimestre {} {anno} nessun comune aderisce: il costo del servizio non si può ripartire", bim.nome());
                self.error(
                    "E-COSTI-BIMESTRE",
                    line,
                    1,
                    msg,
                    "controlla le date `dal` e `al` delle adesioni",
                );
            }
        }
        out
    }
}

/// A comune's inhabitants from its comune.yaml.
pub fn da_comune(
    c: &ComuneDir,
    root: &Path,
    diags: &mut Vec<Diagnostic>,
) -> Option<(u64, Option<NaiveDate>, &'static str)> {
    let file = display_path(root, &c.dir.join("comune.yaml"));
    match &c.config.abitanti {
        Some(n) if n.value > 0 => Some((
            n.value,
            c.config.abitanti_al.as_ref().map(|d| d.value.0),
            "comune.yaml",
        )),
        Some(n) => {
            diags.push(
                Diagnostic::error("E-ABITANTI", &file, "gli abitanti sono 0")
                    .at(n.line, n.col)
                    .hint("scrivi il numero di residenti secondo ISTAT"),
            );
            None
        }
        None => {
            diags.push(
                Diagnostic::error("E-ABITANTI", &file, format!("mancano gli abitanti del Comune di {}", c.config.nome))
                    .hint("aggiungi `abitanti:` e `abitanti_al:` in comune.yaml, o dai il file ISTAT con --popolazione"),
            );
            None
        }
    }
}

/// A comune's inhabitants from ISTAT's file, by its ISTAT code.
pub fn da_istat(
    c: &ComuneDir,
    path: &Path,
    istat: &Istat,
    root: &Path,
    diags: &mut Vec<Diagnostic>,
) -> Option<(u64, Option<NaiveDate>, &'static str)> {
    match istat
        .residenti
        .get(&popolazione::codice(&c.config.codice_istat))
    {
        Some((n, _)) => Some((*n, istat.al, "ISTAT")),
        None => {
            let file = display_path(root, &c.dir.join("comune.yaml"));
            let text = std::fs::read_to_string(c.dir.join("comune.yaml")).unwrap_or_default();
            let line = civico_core::yaml::line_of(&text, "codice_istat").unwrap_or(0);
            diags.push(
                Diagnostic::error(
                    "E-ABITANTI",
                    &file,
                    format!("il codice ISTAT {} del Comune di {} non è in {}", c.config.codice_istat, c.config.nome, path.display()),
                )
                .at(line, 1)
                .hint("controlla il codice ISTAT in comune.yaml, o usa il file ISTAT della regione del comune")
                .with_source(&text),
            );
            None
        }
    }
}

/// The warning for a figure older than the year before the budget's, or of unknown date.
pub fn abitanti_vecchi(
    c: &ComuneDir,
    al: Option<NaiveDate>,
    anno: i32,
    root: &Path,
    fonte: &str,
) -> Diagnostic {
    let file = display_path(root, &c.dir.join("comune.yaml"));
    let line = c.config.abitanti_al.as_ref().map_or(0, |d| d.line);
    let msg = match al {
        Some(d) => format!("gli abitanti del Comune di {} ({fonte}) sono al {}: per il bilancio {anno} servono quelli dell'anno {} o più recenti", c.config.nome, d.format("%d/%m/%Y"), anno - 1),
        None => format!("non si sa a quando risalgono gli abitanti del Comune di {} ({fonte})", c.config.nome),
    };
    Diagnostic::warning("W-ABITANTI-DATA", &file, msg)
        .at(line, usize::from(line > 0))
        .hint("aggiorna `abitanti` e `abitanti_al` con l'ultimo dato ISTAT (demo.istat.it), o dai il file con --popolazione")
}
