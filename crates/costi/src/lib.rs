//! `civico costi`: what each comune pays the service centre for the web service.
//!
//! The service's direct costs are charged to it entirely; the indirect costs of the centre are
//! spread over all its services (in proportion to their direct costs, or by fixed shares); the
//! service's total is split among the comuni that use it in proportion to their inhabitants,
//! bimester by bimester (a comune pays the bimesters it is in, invoiced in advance on their
//! first day); extra activities are charged to the comune that asked for them. Every split is
//! in cents by the largest-remainder method, so the parts add up exactly to the whole.
//!
//! `bilancio` reads and checks the budget file, `popolazione` the inhabitants, `riparto` does
//! the arithmetic and `report` writes the result as text, CSV, JSON or a printable HTML page.

pub mod bilancio;
pub mod popolazione;
pub mod report;
pub mod riparto;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use civico_core::diagnostics::Diagnostic;
use serde::Serialize;

/// What `civico costi` was asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// The site's folder (civico.yaml and the comuni).
    pub root: PathBuf,
    /// The budget file.
    pub budget: PathBuf,
    /// The year to compute: it must be the budget's.
    pub anno: Option<i32>,
    /// ISTAT's demographic balance, instead of `abitanti` in each comune.yaml.
    pub popolazione: Option<PathBuf>,
}

/// The result: the web service's cost and each comune's part of it.
#[derive(Debug, Serialize)]
pub struct Prospetto {
    pub anno: i32,
    /// The web service's name.
    pub servizio: String,
    /// Its direct costs, its part of the indirect costs and their sum, shared by the comuni.
    pub diretti_cent: i64,
    pub indiretti_cent: i64,
    pub totale_cent: i64,
    /// Every service of the centre with its costs (the indirect ones spread).
    pub servizi: Vec<RigaServizio>,
    pub bimestri: Vec<RigaBimestre>,
    pub comuni: Vec<RigaComune>,
    /// The extras of all comuni, and what is invoiced in all (shares and extras).
    pub extra_cent: i64,
    pub fatturato_cent: i64,
}

#[derive(Debug, Serialize)]
pub struct RigaServizio {
    pub codice: String,
    pub nome: String,
    pub diretti_cent: i64,
    pub indiretti_cent: i64,
    pub totale_cent: i64,
}

#[derive(Debug, Serialize)]
pub struct RigaBimestre {
    pub numero: u32,
    pub nome: String,
    /// The invoice's due date: the bimester's first day (invoiced in advance).
    pub scadenza: NaiveDate,
    /// The service's cost in the bimester, shared by the comuni then in it.
    pub importo_cent: i64,
}

#[derive(Debug, Serialize)]
pub struct RigaComune {
    pub slug: String,
    pub nome: String,
    pub abitanti: u64,
    /// The day the figure refers to, when known.
    pub abitanti_al: Option<NaiveDate>,
    /// Where the figure comes from: `comune.yaml` or `ISTAT`.
    pub fonte: &'static str,
    /// Its share of the service's total, in percent with two decimals (`12,34`).
    pub quota: String,
    pub annuo_cent: i64,
    /// The six bimonthly amounts (0 for a bimester it is not in).
    pub bimestri: Vec<i64>,
    pub extra: Vec<VoceExtra>,
    pub extra_cent: i64,
    pub totale_cent: i64,
}

#[derive(Debug, Serialize)]
pub struct VoceExtra {
    pub descrizione: String,
    pub importo_cent: i64,
}

/// Computes the prospetto; every problem found is returned, errors and warnings together (with
/// an error there is no prospetto).
pub fn run(o: &Options) -> (Option<Prospetto>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let Some(input) = bilancio::carica(o, &mut diags) else {
        return (None, diags);
    };
    let abitanti = popolazione_di(o, &input, &mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }
    (Some(calcola(&input, &abitanti)), diags)
}

/// Each adhering comune's inhabitants, from ISTAT's file or its comune.yaml.
fn popolazione_di(
    o: &Options,
    input: &bilancio::Input,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, (u64, Option<NaiveDate>, &'static str)> {
    let istat = match &o.popolazione {
        Some(p) => match popolazione::leggi(p) {
            Ok(i) => Some((p, i)),
            Err(d) => {
                diags.push(d);
                return BTreeMap::new();
            }
        },
        None => None,
    };
    let mut out = BTreeMap::new();
    for a in &input.adesioni {
        let c = &input.comuni[&a.slug];
        let found = match &istat {
            Some((path, i)) => bilancio::da_istat(c, path, i, &o.root, diags),
            None => bilancio::da_comune(c, &o.root, diags),
        };
        if let Some((n, al, fonte)) = found {
            if al.is_none_or(|d| d < NaiveDate::from_ymd_opt(input.anno - 1, 1, 1).unwrap_or(d)) {
                diags.push(bilancio::abitanti_vecchi(c, al, input.anno, &o.root, fonte));
            }
            out.insert(a.slug.clone(), (n, al, fonte));
        }
    }
    out
}

/// The arithmetic, once the input is known to be sound.
fn calcola(
    input: &bilancio::Input,
    abitanti: &BTreeMap<String, (u64, Option<NaiveDate>, &'static str)>,
) -> Prospetto {
    let diretti: Vec<i64> = input.servizi.iter().map(|s| s.diretti).collect();
    let pesi: Vec<u64> = match &input.quote {
        Some(q) => input
            .servizi
            .iter()
            .map(|s| q.get(&s.codice).copied().unwrap_or(0))
            .collect(),
        None => diretti.iter().map(|d| *d as u64).collect(),
    };
    let indiretti = riparto::proporzionale(input.indiretti, &pesi);
    let servizi: Vec<RigaServizio> = input
        .servizi
        .iter()
        .zip(&indiretti)
        .map(|(s, i)| RigaServizio {
            codice: s.codice.clone(),
            nome: s.nome.clone(),
            diretti_cent: s.diretti,
            indiretti_cent: *i,
            totale_cent: s.diretti + i,
        })
        .collect();
    let web = &servizi[input.web];
    let totale = web.totale_cent;
    let bimestri = riparto::bimestri(input.anno);
    let per_bimestre = riparto::proporzionale(totale, &[1; 6]);
    // Bimester by bimester, among the comuni in it, by inhabitants.
    let mut parti = vec![vec![0i64; bimestri.len()]; input.adesioni.len()];
    for (b, bim) in bimestri.iter().enumerate() {
        let pesi: Vec<u64> = input
            .adesioni
            .iter()
            .map(|a| {
                let dentro = bim.toccato(a.dal, a.al);
                if dentro {
                    abitanti.get(&a.slug).map_or(0, |x| x.0)
                } else {
                    0
                }
            })
            .collect();
        for (c, p) in riparto::proporzionale(per_bimestre[b], &pesi)
            .into_iter()
            .enumerate()
        {
            parti[c][b] = p;
        }
    }
    let comuni: Vec<RigaComune> = input
        .adesioni
        .iter()
        .zip(parti)
        .map(|(a, bimestri)| {
            let (n, al, fonte) = abitanti
                .get(&a.slug)
                .copied()
                .unwrap_or((0, None, "comune.yaml"));
            let annuo: i64 = bimestri.iter().sum();
            let extra: Vec<VoceExtra> = input
                .extra
                .iter()
                .filter(|e| e.0 == a.slug)
                .map(|e| VoceExtra {
                    descrizione: e.1.clone(),
                    importo_cent: e.2,
                })
                .collect();
            let extra_cent: i64 = extra.iter().map(|e| e.importo_cent).sum();
            RigaComune {
                slug: a.slug.clone(),
                nome: input.comuni[&a.slug].config.nome.clone(),
                abitanti: n,
                abitanti_al: al,
                fonte,
                quota: riparto::percento(riparto::centesimi_di_percento(annuo, totale)),
                annuo_cent: annuo,
                bimestri,
                extra,
                extra_cent,
                totale_cent: annuo + extra_cent,
            }
        })
        .collect();
    let extra_cent = comuni.iter().map(|c| c.extra_cent).sum::<i64>();
    Prospetto {
        anno: input.anno,
        servizio: web.nome.clone(),
        diretti_cent: web.diretti_cent,
        indiretti_cent: web.indiretti_cent,
        totale_cent: totale,
        bimestri: bimestri
            .iter()
            .zip(&per_bimestre)
            .map(|(b, i)| RigaBimestre {
                numero: b.numero,
                nome: b.nome(),
                scadenza: b.dal,
                importo_cent: *i,
            })
            .collect(),
        servizi,
        extra_cent,
        fatturato_cent: totale + extra_cent,
        comuni,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example network with a budget written for the test.
    fn con_bilancio(yaml: &str) -> (tempfile::TempDir, Options) {
        let dir = tempfile::tempdir().unwrap();
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content-example");
        let root = dir.path().join("sito");
        copia(&src.join("civico.yaml"), &root.join("civico.yaml"));
        for c in ["castelmarino", "valfiorita", "borgo-san-fedele"] {
            let f = format!("comuni/{c}/comune.yaml");
            copia(&src.join(&f), &root.join(&f));
            let stemma = format!("comuni/{c}/media/stemma.svg");
            copia(&src.join(&stemma), &root.join(&stemma));
        }
        let budget = dir.path().join("costi.yaml");
        std::fs::write(&budget, yaml).unwrap();
        let o = Options {
            root,
            budget,
            anno: None,
            popolazione: None,
        };
        (dir, o)
    }

    fn copia(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    }

    const SERVIZI: &str = "anno: 2027\nservizi:\n  - codice: web\n    nome: Siti\n    costi_diretti:\n      - voce: a\n        importo: 1000\n  - codice: prot\n    nome: Protocollo\n    costi_diretti:\n      - voce: b\n        importo: 3000\n";

    fn run_ok(yaml: &str) -> Prospetto {
        let (_d, o) = con_bilancio(yaml);
        let (p, diags) = run(&o);
        assert!(!diags.iter().any(Diagnostic::is_error), "{diags:?}");
        p.unwrap()
    }

    fn comune<'a>(p: &'a Prospetto, slug: &str) -> &'a RigaComune {
        p.comuni.iter().find(|c| c.slug == slug).unwrap()
    }

    #[test]
    fn indirect_costs_spread_by_direct_costs_or_by_fixed_shares() {
        let base = format!("{SERVIZI}servizio_web: web\nadesioni:\n  - comune: valfiorita\n");
        let p = run_ok(&format!(
            "{base}costi_indiretti:\n  voci:\n    - voce: g\n      importo: \"1.000,01\"\n"
        ));
        // 100001 cents in 1000:3000: 25000.25 and 75000.75; the cent left to the larger remainder.
        assert_eq!(
            (p.servizi[0].indiretti_cent, p.servizi[1].indiretti_cent),
            (25000, 75001)
        );
        assert_eq!(p.totale_cent, 100_000 + 25000);
        let quote = "costi_indiretti:\n  ripartizione: quote\n  quote: {web: 12.5, prot: 87.5}\n  voci:\n    - voce: g\n      importo: 1000\n";
        let p = run_ok(&format!("{base}{quote}"));
        assert_eq!(
            (p.servizi[0].indiretti_cent, p.servizi[1].indiretti_cent),
            (12_500, 87_500)
        );
    }

    #[test]
    fn joining_and_leaving_pay_the_bimesters_they_are_in() {
        let p = run_ok(&format!(
            "{SERVIZI}servizio_web: web\nadesioni:\n  - comune: castelmarino\n    al: 2027-04-30\n  - comune: valfiorita\n  - comune: borgo-san-fedele\n    dal: 2027-03-15\n"
        ));
        let c = comune(&p, "castelmarino");
        assert!(
            c.bimestri[..2].iter().all(|b| *b > 0) && c.bimestri[2..].iter().all(|b| *b == 0),
            "{:?}",
            c.bimestri
        );
        let b = comune(&p, "borgo-san-fedele");
        assert_eq!(b.bimestri[0], 0);
        assert!(b.bimestri[1..].iter().all(|x| *x > 0), "{:?}", b.bimestri);
        // Valfiorita pays more once Castelmarino is gone.
        let v = comune(&p, "valfiorita");
        assert!(v.bimestri[5] > v.bimestri[0]);
        // Every bimester is shared out to the cent, and the comuni's years add up to the total.
        for (i, bim) in p.bimestri.iter().enumerate() {
            assert_eq!(
                p.comuni.iter().map(|c| c.bimestri[i]).sum::<i64>(),
                bim.importo_cent
            );
        }
        assert_eq!(
            p.comuni.iter().map(|c| c.annuo_cent).sum::<i64>(),
            p.totale_cent
        );
        for c in &p.comuni {
            assert_eq!(c.bimestri.iter().sum::<i64>(), c.annuo_cent);
        }
    }

    #[test]
    fn extras_are_charged_to_one_comune_only() {
        let p = run_ok(&format!(
            "{SERVIZI}servizio_web: web\nadesioni:\n  - comune: castelmarino\n  - comune: valfiorita\nextra:\n  - comune: valfiorita\n    descrizione: Migrazione\n    importo: 250.75\n"
        ));
        assert_eq!(comune(&p, "valfiorita").extra_cent, 25_075);
        assert_eq!(comune(&p, "castelmarino").extra_cent, 0);
        assert_eq!(
            p.comuni.iter().map(|c| c.annuo_cent).sum::<i64>(),
            p.totale_cent,
            "extras are not shared"
        );
        assert_eq!(p.fatturato_cent, p.totale_cent + 25_075);
    }

    #[test]
    fn every_mistake_of_the_budget_at_its_line() {
        let yaml = format!(
            "{SERVIZI}servizio_web: webb\ncosti_indiretti:\n  ripartizione: quote\n  quote: {{web: 50, prot: 40}}\nadesioni:\n  - comune: valfiorit\n  - comune: castelmarino\n    dal: 2027-05-01\n"
        );
        let (_d, o) = con_bilancio(&yaml);
        let (p, diags) = run(&o);
        assert!(p.is_none());
        let codes: Vec<(&str, usize)> = diags.iter().map(|d| (d.code, d.line)).collect();
        assert!(codes.contains(&("E-COSTI-SERVIZIO", 13)), "{codes:?}");
        assert!(codes.contains(&("E-COSTI-QUOTE", 16)), "{codes:?}");
        assert!(codes.contains(&("E-COSTI-COMUNE", 18)), "{codes:?}");
        assert!(
            codes.iter().any(|c| c.0 == "E-COSTI-BIMESTRE"),
            "no comune in January: {codes:?}"
        );
        let servizio = diags.iter().find(|d| d.code == "E-COSTI-SERVIZIO").unwrap();
        assert_eq!(servizio.hint.as_deref(), Some("forse intendevi `web`?"));
        let comune = diags.iter().find(|d| d.code == "E-COSTI-COMUNE").unwrap();
        assert_eq!(
            comune.hint.as_deref(),
            Some("forse intendevi `valfiorita`?")
        );
    }

    #[test]
    fn istat_file_instead_of_comune_yaml() {
        let (d, mut o) = con_bilancio(&format!("{SERVIZI}servizio_web: web\nadesioni:\n  - comune: valfiorita\n  - comune: castelmarino\n"));
        let istat = d.path().join("istat.csv");
        std::fs::write(&istat, "Popolazione residente al 31 ottobre 2026\nCodice comune;Comune;Totale\n99002;Valfiorita;10.000\n").unwrap();
        o.popolazione = Some(istat);
        let (p, diags) = run(&o);
        assert!(p.is_none());
        let missing = diags
            .iter()
            .find(|d| d.code == "E-ABITANTI")
            .expect("castelmarino is not in the file");
        assert!(
            missing.file.ends_with("castelmarino/comune.yaml") && missing.line > 0,
            "{missing:?}"
        );
    }
}
