//! `civico costi`: the command line of the cost sharing (`civico_costi`): its arguments, the
//! problems found, and the prospetto in the format asked, on standard output or in a file.

use std::path::PathBuf;
use std::process::ExitCode;

/// The formats of the prospetto.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Formato {
    Testo,
    Csv,
    Json,
    Html,
}

/// `civico costi [ROOT] --budget FILE ...`.
#[derive(clap::Args)]
pub struct CostiArgs {
    /// Cartella del sito (civico.yaml e i comuni) [predefinita: la cartella corrente]
    #[arg(default_value = ".", hide_default_value = true)]
    root: PathBuf,
    /// Il bilancio del centro servizi (costi.yaml)
    #[arg(long, value_name = "FILE")]
    budget: PathBuf,
    /// L'anno da calcolare: deve essere quello del bilancio
    #[arg(long, value_name = "AAAA")]
    anno: Option<i32>,
    /// Il bilancio demografico ISTAT (CSV) al posto degli abitanti scritti in ogni comune.yaml
    #[arg(long, value_name = "FILE")]
    popolazione: Option<PathBuf>,
    /// Formato del prospetto
    #[arg(long, value_enum, default_value = "testo")]
    format: Formato,
    /// Scrivi il prospetto in questo file invece che sullo schermo
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(a: CostiArgs) -> ExitCode {
    let (prospetto, diags) = civico_costi::run(&civico_costi::Options {
        root: a.root,
        budget: a.budget,
        anno: a.anno,
        popolazione: a.popolazione,
    });
    for d in &diags {
        eprintln!("{}\n", d.render());
    }
    let Some(p) = prospetto else {
        let n = diags.iter().filter(|d| d.is_error()).count();
        eprintln!(
            "ripartizione non calcolata: {} da correggere",
            civico_core::plurale::errori(n)
        );
        return ExitCode::from(1);
    };
    let bytes = match a.format {
        Formato::Testo => civico_costi::report::testo(&p).into_bytes(),
        Formato::Csv => civico_costi::report::csv(&p),
        Formato::Json => civico_costi::report::json(&p).into_bytes(),
        Formato::Html => civico_costi::report::html(&p).into_bytes(),
    };
    match a.output {
        Some(f) => {
            if let Err(e) = std::fs::write(&f, bytes) {
                eprintln!(
                    "errore: non riesco a scrivere {}: {}",
                    f.display(),
                    civico_core::errore_io::descrivi(&e)
                );
                return ExitCode::from(2);
            }
            eprintln!(
                "prospetto {} scritto in {}: {} per {} €",
                p.anno,
                f.display(),
                civico_core::plurale::comuni(p.comuni.len()),
                civico_core::bilancio::Euro(p.fatturato_cent)
            );
        }
        None => {
            use std::io::Write as _;
            let _ = std::io::stdout().write_all(&bytes);
        }
    }
    ExitCode::SUCCESS
}
