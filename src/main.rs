//! The `civico` command line: parses arguments, runs one command, prints its report and maps
//! the outcome to an exit code (0 ok, 1 content errors, 2 the command could not run).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use civico::commands::{build, new};
use civico::diagnostics::Diagnostic;

/// Static site generator for the websites of Italian comuni (Modello Comuni, AGID).
#[derive(Parser)]
#[command(name = "civico", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the sites of every comune (or those chosen with --comune) into public/
    Build {
        /// Site root: the folder holding civico.yaml and comuni/
        #[arg(default_value = ".")]
        root: PathBuf,
        /// Output folder [default: ROOT/public]; each comune goes into OUT/<slug>/
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Build only this comune (repeatable)
        #[arg(long = "comune", value_name = "SLUG")]
        comuni: Vec<String>,
        /// Include pages marked `bozza: true`
        #[arg(long)]
        drafts: bool,
        /// Fail on warnings too (missing alt text, long descriptions, ...)
        #[arg(long)]
        deny_warnings: bool,
        /// Build as if today were this date (YYYY-MM-DD, Europe/Rome), for reproducible builds
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<chrono::NaiveDate>,
        /// Print the time spent in each phase
        #[arg(long)]
        timings: bool,
        /// Do not write precompressed .gz/.br siblings (faster; for previews)
        #[arg(long)]
        no_compress: bool,
    },
    /// Create new content
    New {
        #[command(subcommand)]
        what: NewWhat,
    },
}

#[derive(Subcommand)]
enum NewWhat {
    /// Scaffold a comune folder: comune.yaml explained field by field, one example per content kind
    Comune {
        /// Folder name of the comune: lower case, hyphens (e.g. san-vito-al-lago)
        slug: String,
        /// Site root [default: current folder]
        #[arg(default_value = ".")]
        root: PathBuf,
    },
}

fn print_diagnostics(diags: &[Diagnostic]) {
    let github = std::env::var_os("GITHUB_ACTIONS").is_some();
    for d in diags {
        eprintln!("{}\n", d.render());
        if github {
            println!("{}", d.github_annotation());
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            root,
            out,
            comuni,
            drafts,
            deny_warnings,
            date,
            timings,
            no_compress,
        } => {
            let opts = build::BuildOptions {
                root,
                out,
                comuni,
                drafts,
                deny_warnings,
                today: date,
                progress: true,
                compress: !no_compress,
            };
            let report = build::run(&opts);
            print_diagnostics(&report.diagnostics);
            if timings {
                for (name, d) in &report.phases {
                    eprintln!("  {name:<8} {:>8.3} s", d.as_secs_f64());
                }
            }
            let (e, w) = (report.errors(), report.warnings());
            if report.written {
                eprintln!(
                    "built {} comuni, {} pages ({} files) into {} with {} warnings in {:.2} s",
                    report.comuni,
                    report.pages,
                    report.files,
                    opts.out_dir().display(),
                    w,
                    report.elapsed.as_secs_f64()
                );
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "build failed: {e} errors, {w} warnings in {} comuni ({:.2} s); the previous output was left untouched",
                    report.comuni,
                    report.elapsed.as_secs_f64()
                );
                ExitCode::from(1)
            }
        }
        Command::New {
            what: NewWhat::Comune { slug, root },
        } => match new::comune(&root, &slug) {
            Ok(dir) => {
                eprintln!(
                    "created {}; edit its comune.yaml, then run `civico build {}`",
                    dir.display(),
                    root.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
    }
}
