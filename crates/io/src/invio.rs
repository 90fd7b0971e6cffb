//! `civico io send`: for every comune with `app_io` in its comune.yaml, every channel with a
//! key, every publication of its outbox not yet notified and every recipient who asked for it:
//! check the citizen's profile for that service, then send one message and record it.
//!
//! Never twice: the state database is written before each message and completed after it; a
//! re-run after a crash or a partial failure sends only what is missing. When IO keeps
//! answering 429 or 5xx, or cannot be reached, the run stops and reports what is left.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::client::{Client, Errore, Profilo};
use super::destinatari::{self, Destinatario};
use super::messaggio;
use super::stato::{Chiave, Esito, RegistroInvii};
use civico_core::config;
use civico_core::diagnostics::{display_path, Diagnostic, Diagnostics};
use civico_core::outbox::{Canale, Outbox};

/// What `civico io send` was asked to do.
#[derive(Debug, Clone)]
pub struct Opzioni {
    /// Site root (civico.yaml and comuni/).
    pub root: PathBuf,
    /// The built sites; default `<root>/public`.
    pub sito: Option<PathBuf>,
    pub comuni: Vec<String>,
    /// CSV of recipients (outside the repository).
    pub destinatari: PathBuf,
    /// SQLite state database (outside the repository).
    pub stato: PathBuf,
    /// `NAME=key` lines (outside the repository); else keys come from the environment.
    pub segreti: Option<PathBuf>,
    /// Show what would be sent; contact nobody.
    pub prova: bool,
    pub api: String,
    pub tentativi: u32,
    pub attesa: Duration,
}

/// Counts for one channel of one comune.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Riga {
    pub comune: String,
    pub canale: &'static str,
    pub pubblicazioni: usize,
    /// Messages sent by this run.
    pub inviati: usize,
    /// Sent by an earlier run.
    pub gia_inviati: usize,
    /// Recipient-publication pairs skipped: no IO profile, service not enabled or not allowed.
    pub non_iscritti: usize,
    /// Refused by IO for good.
    pub rifiutati: usize,
    /// Left by an interrupted run between recording and IO's answer: not sent again.
    pub incerti: usize,
    /// Not sent because the run stopped (or, with --dry-run, what would be checked and sent).
    pub da_inviare: usize,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Resoconto {
    pub righe: Vec<Riga>,
    pub problemi: Vec<Diagnostic>,
    /// Why the run stopped early, if it did.
    pub interrotto: Option<String>,
    /// With --dry-run: the subject of each message that would be sent, with its count.
    pub anteprima: Vec<String>,
}

impl Resoconto {
    pub fn ok(&self) -> bool {
        self.interrotto.is_none()
            && !self.problemi.iter().any(Diagnostic::is_error)
            && self.righe.iter().all(|r| r.da_inviare == 0)
    }

    fn fallito(d: Diagnostic) -> Resoconto {
        Resoconto {
            problemi: vec![d],
            ..Resoconto::default()
        }
    }
}

/// Reads `NAME=value` lines (`#` comments, optional `export `, optional quotes).
fn leggi_segreti(path: &Path) -> Result<HashMap<String, String>, Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error(
            "E-IO-SEGRETI",
            path,
            format!(
                "lettura non riuscita: {}",
                civico_core::errore_io::descrivi(&e)
            ),
        )
    })?;
    let mut out = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((k, v)) = line.split_once('=') else {
            return Err(Diagnostic::error(
                "E-IO-SEGRETI",
                path,
                "riga senza `=`: il formato è NOME=chiave",
            )
            .at(n + 1, 1));
        };
        let v = v.trim().trim_matches('"').trim_matches('\'');
        out.insert(k.trim().to_string(), v.to_string());
    }
    Ok(out)
}

/// Refuses a file that would sit inside the repository (it would risk being committed).
fn fuori_dal_repository(root: &Path, file: &Path, what: &str) -> Result<(), Diagnostic> {
    let abs = |p: &Path| {
        std::path::absolute(p)
            .ok()
            .map(|a| civico_core::path::lexical_normalise(&a).unwrap_or(a))
    };
    match (abs(root), abs(file)) {
        (Some(r), Some(f)) if f.starts_with(&r) => Err(Diagnostic::error(
            "E-IO-POSIZIONE",
            file,
            format!("{what} è dentro il repository del sito"),
        )
        .hint("tienilo fuori dal repository (contiene dati personali o chiavi) e indica il percorso da riga di comando")),
        _ => Ok(()),
    }
}

/// Runs `civico io send`.
pub fn run(opts: &Opzioni) -> Resoconto {
    let root = opts.root.as_path();
    let (comuni, destinatari, segreti, stato, mut report) = match prepara(opts) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let client = Client::new(&opts.api, opts.attesa, opts.tentativi);
    let sito = opts.sito.clone().unwrap_or_else(|| root.join("public"));

    for c in &comuni {
        let Some(io) = &c.config.app_io else { continue };
        let path = sito.join(&c.slug).join("io/outbox.json");
        let Some(outbox) = leggi_outbox(root, &path, &mut report) else {
            continue;
        };
        let dal = io.notifica_dal.map(|d| d.0);
        let shown = display_path(root, &c.dir.join("comune.yaml"));
        for canale in Canale::ALL {
            let Some(nome) = io.segreto(canale.nome()) else {
                continue;
            };
            let pubblicazioni: Vec<_> = outbox
                .pubblicazioni
                .iter()
                .filter(|p| p.canale == canale && dal.is_none_or(|d| p.data >= d))
                .collect();
            let mut riga = Riga {
                comune: c.slug.clone(),
                canale: canale.nome(),
                pubblicazioni: pubblicazioni.len(),
                ..Riga::default()
            };
            let Some(chiave) =
                chiave_del_servizio(&segreti, nome, canale, &shown, opts.prova, &mut report)
            else {
                report.righe.push(riga);
                continue;
            };
            let mut chiave_valida = true;
            for d in destinatari.iter().filter(|d| d.vuole(&c.slug, canale)) {
                let impronta = d.impronta();
                let mut pending = Vec::new();
                for p in &pubblicazioni {
                    let k = Chiave::di(&c.slug, canale, &impronta, &p.id);
                    match stato.esito(&k) {
                        Ok(Some(Esito::Inviato(_))) => riga.gia_inviati += 1,
                        Ok(Some(Esito::Rifiutato(_))) => riga.rifiutati += 1,
                        Ok(Some(Esito::InCorso)) => riga.incerti += 1,
                        Ok(None) => pending.push(*p),
                        Err(e) => {
                            report.interrotto = Some(format!("archivio degli invii: {e}"));
                        }
                    }
                }
                if pending.is_empty() {
                    continue;
                }
                if opts.prova || report.interrotto.is_some() || !chiave_valida {
                    riga.da_inviare += pending.len();
                    continue;
                }
                match client.profilo(&chiave, &d.codice_fiscale) {
                    Ok(Profilo::Abilitato) => {}
                    Ok(_) => {
                        riga.non_iscritti += pending.len();
                        continue;
                    }
                    Err(e) => {
                        riga.da_inviare += pending.len();
                        ferma(&mut report, &mut chiave_valida, e, canale, &shown, nome, d);
                        continue;
                    }
                }
                for (i, p) in pending.iter().enumerate() {
                    if report.interrotto.is_some() || !chiave_valida {
                        riga.da_inviare += pending.len() - i;
                        break;
                    }
                    let k = Chiave::di(&c.slug, canale, &impronta, &p.id);
                    match stato.inizia(&k) {
                        Ok(true) => {}
                        Ok(false) => {
                            riga.incerti += 1;
                            continue;
                        }
                        Err(e) => {
                            report.interrotto = Some(format!("archivio degli invii: {e}"));
                            riga.da_inviare += pending.len() - i;
                            break;
                        }
                    }
                    let contenuto = messaggio::componi(p, &outbox.ente);
                    let esito = client.invia(&chiave, &d.codice_fiscale, &contenuto);
                    let scritto = match &esito {
                        Ok(id) => stato.inviato(&k, id),
                        Err(Errore::Rifiutato(m)) => stato.rifiutato(&k, m),
                        Err(Errore::Incerto(_)) => Ok(()),
                        Err(_) => stato.annulla(&k),
                    };
                    if let Err(e) = scritto {
                        report.interrotto = Some(format!("archivio degli invii: {e}"));
                    }
                    match esito {
                        Ok(_) => riga.inviati += 1,
                        Err(Errore::Rifiutato(m)) => {
                            riga.rifiutati += 1;
                            report.problemi.push(Diagnostic::warning(
                                "W-IO-RIFIUTATO",
                                display_path(root, &opts.destinatari),
                                format!(
                                    "IO ha rifiutato il messaggio per {} alla riga {}: {m}",
                                    p.id, d.riga
                                ),
                            ));
                        }
                        Err(Errore::Incerto(m)) => {
                            riga.incerti += 1;
                            report.interrotto = Some(format!("IO non risponde: {m}"));
                        }
                        Err(e) => {
                            riga.da_inviare += 1;
                            ferma(&mut report, &mut chiave_valida, e, canale, &shown, nome, d);
                        }
                    }
                }
            }
            if opts.prova {
                anteprima(
                    &c.slug,
                    canale,
                    &pubblicazioni,
                    &destinatari,
                    &stato,
                    &outbox,
                    &mut report,
                );
            }
            report.righe.push(riga);
        }
    }
    report
}

/// What a run needs before it sends anything: the comuni, the recipients, the secrets, the
/// state database, and the report with the problems found so far; or the report of why it
/// cannot run.
#[allow(clippy::type_complexity)]
fn prepara(
    opts: &Opzioni,
) -> Result<
    (
        Vec<config::ComuneDir>,
        Vec<destinatari::Destinatario>,
        HashMap<String, String>,
        RegistroInvii,
        Resoconto,
    ),
    Resoconto,
> {
    let root = opts.root.as_path();
    for (f, what) in [
        (Some(&opts.destinatari), "il file dei destinatari"),
        (Some(&opts.stato), "il database dello stato degli invii"),
        (opts.segreti.as_ref(), "il file dei segreti"),
    ] {
        if let Some(f) = f {
            if let Err(d) = fuori_dal_repository(root, f, what) {
                return Err(Resoconto::fallito(d));
            }
        }
    }
    let rete = match config::load_rete(root) {
        Ok(r) => r,
        Err(d) => return Err(Resoconto::fallito(d)),
    };
    let diags = Diagnostics::new();
    let comuni = config::load_comuni(root, &rete, &opts.comuni, &diags);
    let mut report = Resoconto {
        problemi: diags.into_sorted(),
        ..Resoconto::default()
    };
    if report.problemi.iter().any(Diagnostic::is_error) {
        return Err(report);
    }
    let (destinatari, problemi) = match destinatari::leggi(&opts.destinatari) {
        Ok(x) => x,
        Err(d) => return Err(Resoconto::fallito(d)),
    };
    report.problemi.extend(problemi);
    let segreti = match &opts.segreti {
        Some(p) => match leggi_segreti(p) {
            Ok(s) => s,
            Err(d) => return Err(Resoconto::fallito(d)),
        },
        None => HashMap::new(),
    };
    let stato = match RegistroInvii::apri(&opts.stato) {
        Ok(s) => s,
        Err(e) => {
            return Err(Resoconto::fallito(Diagnostic::error(
                "E-IO-STATO",
                &opts.stato,
                format!("database dello stato non apribile: {e}"),
            )))
        }
    };
    Ok((comuni, destinatari, segreti, stato, report))
}

/// The outbox the build wrote for a comune; None (with the reason in the report) if unreadable.
fn leggi_outbox(root: &Path, path: &Path, report: &mut Resoconto) -> Option<Outbox> {
    let outbox: Outbox = match std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(o) => o,
        Err(e) => {
            report.problemi.push(
                Diagnostic::error(
                    "E-IO-OUTBOX",
                    display_path(root, path),
                    format!("elenco delle pubblicazioni non leggibile: {e}"),
                )
                .hint(
                    "esegui prima `civico build` (con --out, indica la stessa cartella con --site)",
                ),
            );
            return None;
        }
    };
    Some(outbox)
}

/// What a dry run would send on one channel of a comune.
fn anteprima(
    slug: &str,
    canale: Canale,
    pubblicazioni: &[&civico_core::outbox::Pubblicazione],
    destinatari: &[destinatari::Destinatario],
    stato: &RegistroInvii,
    outbox: &Outbox,
    report: &mut Resoconto,
) {
    for p in pubblicazioni {
        let quanti = destinatari
            .iter()
            .filter(|d| d.vuole(slug, canale))
            .filter(|d| {
                let imp = d.impronta();
                let k = Chiave::di(slug, canale, &imp, &p.id);
                matches!(stato.esito(&k), Ok(None))
            })
            .count();
        if quanti > 0 {
            let m = messaggio::componi(p, &outbox.ente);
            report.anteprima.push(format!(
                "{} [{}] {} -> up to {quanti} recipient(s){}",
                slug,
                canale.nome(),
                m.subject,
                m.due_date.map(|d| format!(", due {d}")).unwrap_or_default()
            ));
        }
    }
}

/// The key of a comune's IO service for `canale`: from the secrets file or the environment;
/// None (reported, except in a dry run) when the secret is not set.
fn chiave_del_servizio(
    segreti: &HashMap<String, String>,
    nome: &civico_core::fields::Spanned<String>,
    canale: Canale,
    shown: &Path,
    prova: bool,
    report: &mut Resoconto,
) -> Option<String> {
    let chiave = segreti
        .get(&nome.value)
        .cloned()
        .or_else(|| std::env::var(&nome.value).ok())
        .filter(|k| !k.trim().is_empty());
    if chiave.is_none() && !prova {
        report.problemi.push(
            Diagnostic::error(
                "E-IO-CHIAVE",
                shown,
                format!(
                    "manca la chiave del servizio IO per {}: il segreto {} non è impostato",
                    canale.nome(),
                    nome.value
                ),
            )
            .at(nome.line, nome.col)
            .hint("imposta la variabile d'ambiente con quel nome, o aggiungi NOME=chiave al file di --secrets"),
        );
    }
    chiave
}

/// Records why sending stopped: a wrong key stops its channel, an overloaded or unreachable
/// IO stops the run.
fn ferma(
    report: &mut Resoconto,
    chiave_valida: &mut bool,
    e: Errore,
    canale: Canale,
    shown: &Path,
    nome: &civico_core::fields::Spanned<String>,
    d: &Destinatario,
) {
    match e {
        Errore::ChiaveNonValida => {
            *chiave_valida = false;
            report.problemi.push(
                Diagnostic::error(
                    "E-IO-CHIAVE",
                    shown,
                    format!(
                        "IO non accetta la chiave del servizio {} (segreto {}): 401",
                        canale.nome(),
                        nome.value
                    ),
                )
                .at(nome.line, nome.col)
                .hint("controlla la chiave del servizio nell'area riservata di IO"),
            );
        }
        Errore::Rifiutato(m) => {
            report.problemi.push(Diagnostic::warning(
                "W-IO-RIFIUTATO",
                shown,
                format!(
                    "IO ha rifiutato la verifica del destinatario alla riga {}: {m}",
                    d.riga
                ),
            ));
        }
        Errore::Esaurito(m) => {
            report.interrotto = Some(format!("IO risponde ancora {m} dopo ogni nuovo tentativo"));
        }
        Errore::Incerto(m) => {
            report.interrotto = Some(format!("IO non risponde: {m}"));
        }
    }
}
