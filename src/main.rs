//! The `civico` command line: parses arguments, runs one command, prints its report and maps
//! the outcome to an exit code (0 ok, 1 content errors, 2 the command could not run).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

mod cmd;

/// mimalloc instead of the system allocator: a build allocates and frees small strings and
/// template values by the million from two threads, where glibc's malloc took about 10% of the
/// CPU (bench/results/2026-12-05-profile.md). With its `override` feature it also serves the C
/// libraries' `malloc` (oniguruma allocates match regions for every regex search of the code
/// highlighter: highlighting took a third less time).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use civico_check as check;
use civico_core::diagnostics::Diagnostic;
use civico_core::plurale;
use civico_site::{pipeline as build, scaffold as new};
use cmd::serve;

/// Generatore dei siti istituzionali dei comuni italiani (Modello Comuni di Designers Italia, AGID).
#[derive(Parser)]
#[command(name = "civico", version, long_about = None, subcommand_value_name = "COMANDO")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Genera i siti di tutti i comuni (o di quelli scelti con --comune) in public/
    Build {
        /// Cartella del sito, con civico.yaml e comuni/ [predefinita: la cartella corrente]
        #[arg(default_value = ".", hide_default_value = true)]
        root: PathBuf,
        /// Cartella di uscita [predefinita: ROOT/public]; ogni comune va in OUT/<slug>/
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Genera solo questo comune (ripetibile)
        #[arg(long = "comune", value_name = "SLUG")]
        comuni: Vec<String>,
        /// Includi le pagine con `bozza: true`
        #[arg(long)]
        drafts: bool,
        /// Fallisci anche per gli avvisi (testo alternativo mancante, descrizioni lunghe, ...)
        #[arg(long)]
        deny_warnings: bool,
        /// Genera come se oggi fosse questa data (AAAA-MM-GG, ora di Roma), per generazioni riproducibili
        #[arg(long, value_name = "AAAA-MM-GG", value_parser = cmd::aiuto::data)]
        date: Option<chrono::NaiveDate>,
        /// Mostra la durata di ogni fase e la memoria usata
        #[arg(long)]
        timings: bool,
        /// Non scrivere le copie compresse .gz/.br (più veloce; per le prove)
        #[arg(long)]
        no_compress: bool,
        /// Dopo la generazione esegui `civico check` sui sorgenti e sul risultato; fallisci se ci sono errori
        #[arg(long)]
        check: bool,
        /// Genera solo la parte I di N (bilanciate per dimensione), per le esecuzioni parallele in CI
        #[arg(long, value_name = "I/N")]
        shard: Option<civico_site::shard::Shard>,
        /// Rigenera tutti i comuni, anche quelli senza modifiche dall'ultima volta (ignora .civico-cache/)
        #[arg(long)]
        no_cache: bool,
        /// Mostra tutti gli avvisi (senza, di ogni regola se ne mostrano 3 e si contano gli altri)
        #[arg(long, short)]
        verbose: bool,
    },
    /// Anteprima locale dei siti: rigenera e ricarica il browser a ogni modifica
    Serve {
        /// Cartella del sito, con civico.yaml e comuni/ [predefinita: la cartella corrente]
        #[arg(default_value = ".", hide_default_value = true)]
        root: PathBuf,
        /// Mostra solo questo comune (ripetibile)
        #[arg(long = "comune", value_name = "SLUG")]
        comuni: Vec<String>,
        /// Porta su cui ascoltare (0 = una porta libera qualsiasi)
        #[arg(long, short, default_value_t = 1111)]
        port: u16,
        /// Indirizzo su cui ascoltare; gli altri computer vedono l'anteprima solo se lo cambi
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Controlla i file a intervalli invece di attendere gli eventi del sistema (Docker, WSL2, dischi di rete)
        #[arg(long)]
        poll: bool,
        /// Apri l'anteprima nel browser predefinito
        #[arg(long)]
        open: bool,
        /// Scrivi l'anteprima in questa cartella invece che in una temporanea
        #[arg(long, short, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Escludi le pagine con `bozza: true` (in anteprima sono mostrate)
        #[arg(long)]
        no_drafts: bool,
        /// Genera come se oggi fosse questa data (AAAA-MM-GG, ora di Roma)
        #[arg(long, value_name = "AAAA-MM-GG", value_parser = cmd::aiuto::data)]
        date: Option<chrono::NaiveDate>,
        /// Mostra la durata di ogni fase di ogni ricostruzione (come `civico build --timings`)
        #[arg(long)]
        timings: bool,
    },
    /// Avvisa i cittadini delle nuove pubblicazioni con l'app IO
    Io {
        #[command(subcommand)]
        what: IoCommand,
    },
    /// Avvia il servizio che i siti dei comuni chiamano (prenotazioni, segnalazioni, assistenza)
    #[cfg(feature = "sportello")]
    Sportello(Box<SportelloArgs>),
    /// Scrivi gli schemi JSON dell'intestazione di ogni tipo di contenuto, di comune.yaml e di civico.yaml
    Schema {
        /// Cartella in cui scrivere gli schemi
        #[arg(long, short, default_value = "schemas")]
        out: PathBuf,
    },
    /// Controlla ciò che la legge e AGID chiedono al sito di ogni comune (esce con 1 se ci sono errori)
    Check(CheckArgs),
    /// Ripartisci tra i comuni, in base agli abitanti, il costo del servizio dei siti web
    Costi(cmd::costi::CostiArgs),
    /// Crea nuovi contenuti
    New {
        #[command(subcommand)]
        what: NewWhat,
    },
}

/// `civico sportello`.
#[cfg(feature = "sportello")]
#[derive(clap::Args)]
struct SportelloArgs {
    /// Cartella del sito: sono serviti i comuni con un sportello.yaml nella loro cartella
    #[arg(value_name = "ROOT")]
    root_pos: Option<PathBuf>,
    /// Cartella del sito (come l'argomento posizionale)
    #[arg(long, conflicts_with = "root_pos")]
    root: Option<PathBuf>,
    /// L'archivio delle prenotazioni: un file SQLite (creato se manca; tienilo fuori dal
    /// repository) o un indirizzo postgres://
    #[arg(
        long,
        value_name = "FILE|URL",
        env = "CIVICO_SPORTELLO_DB",
        required_unless_present = "hash_password"
    )]
    db: Option<String>,
    /// Porta su cui ascoltare (0 = una porta libera qualsiasi)
    #[arg(long, short, default_value_t = 8787)]
    port: u16,
    /// Indirizzo su cui ascoltare (mettici davanti un proxy inverso con TLS)
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// Server SMTP per i messaggi ai cittadini: smtps://utente:password@host:465 (TLS implicito),
    /// smtp://utente:password@host:587?tls=required (STARTTLS); senza, i messaggi restano in coda
    #[arg(
        long,
        env = "CIVICO_SMTP_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    smtp: Option<String>,
    /// Mittente predefinito dei messaggi (il `mittente` di un comune in sportello.yaml lo sostituisce)
    #[arg(
        long,
        env = "CIVICO_MITTENTE",
        default_value = "Sportello <noreply@localhost>"
    )]
    from: String,
    /// Segreto che firma le prove anti-robot (casuale a ogni avvio se manca; dai
    /// lo stesso a ogni processo che usa lo stesso archivio)
    #[arg(long, env = "CIVICO_SPORTELLO_SEGRETO", hide_env_values = true)]
    secret: Option<String>,
    /// Iterazioni PBKDF2 per ogni tentativo della prova anti-robot
    #[arg(long, default_value_t = 5000)]
    pow_cost: u32,
    /// Prefisso esadecimale con cui deve iniziare la chiave della prova (ogni cifra = 16 volte il lavoro)
    #[arg(long, default_value = "00")]
    pow_prefix: String,
    /// Richieste al minuto da un client (un indirizzo IPv4 o una rete IPv6 /64): prove,
    /// blocchi, prenotazioni, segnalazioni
    #[arg(long, default_value_t = 30)]
    limit_ip: u32,
    /// Richieste al minuto per un comune
    #[arg(long, default_value_t = 600)]
    limit_comune: u32,
    /// Usa X-Forwarded-For per l'indirizzo del client (solo dietro un proxy che lo imposta): il
    /// client è l'ultima voce a destra, quella aggiunta dal proxy
    #[arg(long)]
    trust_proxy: bool,
    /// Con --trust-proxy: un proxy (indirizzo o rete, 10.0.0.0/8) davanti al servizio;
    /// le sue voci in X-Forwarded-For sono saltate (ripetibile, per catene di proxy)
    #[arg(long, value_name = "CIDR", requires = "trust_proxy")]
    trusted_proxy: Vec<ipnet::IpNet>,
    /// Tentativi di accesso al minuto da un indirizzo sulle pagine degli operatori
    #[arg(long, default_value_t = 10)]
    limit_login: u32,
    /// Secondi concessi a un client per inviare le intestazioni di una richiesta
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    header_timeout: u64,
    /// Secondi di pausa concessi a un client mentre invia il corpo di una richiesta
    #[arg(long, default_value_t = 20, value_name = "SECONDS")]
    body_timeout: u64,
    /// Connessioni contemporanee concesse a un client (un indirizzo IPv4 o una rete IPv6 /64)
    #[arg(long, default_value_t = 256)]
    limit_connections: usize,
    /// Un'altra origine autorizzata a chiamare l'API (per esempio l'anteprima di `civico serve`)
    #[arg(long, value_name = "ORIGIN")]
    allow_origin: Vec<String>,
    /// Operatori del back-office: un file YAML fuori dal repository
    #[arg(long, env = "CIVICO_OPERATORI", value_name = "FILE")]
    operators: Option<PathBuf>,
    /// Secondi tra due esecuzioni dei lavori periodici (blocchi scaduti, promemoria, conservazione)
    #[arg(long, default_value_t = 600)]
    jobs_every: u64,
    /// Esegui i lavori periodici e invia la coda dei messaggi una volta, poi esci (per cron)
    #[arg(long)]
    once: bool,
    /// Leggi una password dallo standard input e stampa il suo hash argon2 per il file degli operatori
    #[arg(long)]
    hash_password: bool,
    /// Indirizzo dell'API dei servizi di App IO, per gli avvisi sulle pratiche
    #[arg(long, value_name = "URL", default_value = civico_io::client::API_IO)]
    io_api: String,
}

#[cfg(feature = "sportello")]
fn sportello(a: SportelloArgs) -> ExitCode {
    use civico_sportello::{db::Dove, limiti::Soglie, operatori, servizio};
    if a.hash_password {
        let mut pw = String::new();
        if std::io::stdin().read_line(&mut pw).is_err()
            || pw.trim_end_matches(['\n', '\r']).len() < 12
        {
            eprintln!("errore: scrivi sullo standard input una password di almeno 12 caratteri");
            return ExitCode::from(2);
        }
        return match operatori::hash_password(pw.trim_end_matches(['\n', '\r'])) {
            Ok(h) => {
                println!("{h}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                stampa_errore(&e);
                ExitCode::from(2)
            }
        };
    }
    let o = servizio::Opzioni {
        root: a.root.or(a.root_pos).unwrap_or_else(|| PathBuf::from(".")),
        db: Dove::da(a.db.as_deref().unwrap_or_default()),
        bind: a.bind,
        port: a.port,
        smtp: a.smtp,
        mittente: a.from,
        segreto: a.secret,
        costo_sfida: a.pow_cost,
        prefisso_sfida: a.pow_prefix,
        soglie: Soglie {
            per_ip: a.limit_ip,
            per_comune: a.limit_comune,
        },
        trust_proxy: a.trust_proxy,
        proxy_fidati: a.trusted_proxy,
        accessi_per_ip: a.limit_login,
        origini_extra: a.allow_origin,
        operatori: a.operators,
        ogni_secondi: a.jobs_every,
        io_api: a.io_api,
        tempi: civico_sportello::connessioni::Tempi {
            intestazioni: std::time::Duration::from_secs(a.header_timeout.max(1)),
            corpo: std::time::Duration::from_secs(a.body_timeout.max(1)),
            per_cliente: a.limit_connections.max(1),
        },
    };
    match servizio::run(o, a.once) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            stampa_errore(&e);
            ExitCode::from(2)
        }
    }
}

#[derive(Subcommand)]
enum IoCommand {
    /// Invia i messaggi IO per ciò che ogni comune ha appena pubblicato (dopo `civico build`)
    Send(IoSendArgs),
}

#[derive(clap::Args)]
struct IoSendArgs {
    /// Cartella del sito (civico.yaml e comuni/; l'`app_io` di ogni comune indica i suoi servizi IO) [predefinita: la cartella corrente]
    #[arg(default_value = ".", hide_default_value = true)]
    root: PathBuf,
    /// I siti generati [predefinita: ROOT/public]
    #[arg(long, value_name = "DIR")]
    site: Option<PathBuf>,
    /// Solo questo comune (ripetibile)
    #[arg(long = "comune", value_name = "SLUG")]
    comuni: Vec<String>,
    /// CSV dei destinatari (codice_fiscale[,comune][,canali]); tienilo fuori dal repository
    #[arg(long, value_name = "FILE")]
    recipients: PathBuf,
    /// Archivio SQLite di ciò che è stato inviato (creato se manca); tienilo fuori dal repository
    #[arg(long, value_name = "FILE")]
    state: PathBuf,
    /// File con righe NOME=chiave per le chiavi dei servizi [predefinito: le variabili d'ambiente]
    #[arg(long, value_name = "FILE")]
    secrets: Option<PathBuf>,
    /// Mostra cosa verrebbe inviato, senza contattare IO
    #[arg(long)]
    dry_run: bool,
    /// Indirizzo di base dell'API dei servizi IO
    #[arg(long, value_name = "URL", default_value = civico_io::client::API_IO)]
    api_url: String,
    /// Nuovi tentativi di una richiesta che riceve 429 o 5xx prima di fermarsi
    #[arg(long, default_value_t = 6)]
    max_retries: u32,
    /// Pausa prima del primo nuovo tentativo, raddoppiata a ogni successivo (millisecondi)
    #[arg(long, default_value_t = 1000)]
    backoff_ms: u64,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Cartella del sito (civico.yaml e comuni/) [predefinita: la cartella corrente]; ignorata con --html
    #[arg(default_value = ".", hide_default_value = true)]
    root: PathBuf,
    /// Controlla solo questo comune (ripetibile)
    #[arg(long = "comune", value_name = "SLUG")]
    comuni: Vec<String>,
    /// Controlla solo l'HTML della cartella di un sito generato, da civico o no
    #[arg(long, value_name = "DIR", conflicts_with = "source_only")]
    html: Option<PathBuf>,
    /// Solo i sorgenti: non generare e controllare le pagine
    #[arg(long)]
    source_only: bool,
    /// Formato del rapporto
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Scrivi il rapporto in questo file invece che sullo standard output
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Scrivi in DIR un rapporto HTML per comune per il responsabile della trasparenza
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    /// Verifica ogni PEC sui dati aperti IPA (CSV o JSON dell'Indice dei domicili digitali)
    #[arg(long, value_name = "FILE")]
    ipa: Option<PathBuf>,
    /// Fallisci anche per gli avvisi
    #[arg(long)]
    deny_warnings: bool,
    /// Controlla come se oggi fosse questa data (AAAA-MM-GG)
    #[arg(long, value_name = "AAAA-MM-GG", value_parser = cmd::aiuto::data)]
    date: Option<chrono::NaiveDate>,
    /// Unisci in uno i rapporti JSON delle esecuzioni in parti (uscita JSON)
    #[arg(long, value_name = "REPORT.json", num_args = 1.., conflicts_with_all = ["html", "source_only", "report", "ipa"])]
    merge: Vec<PathBuf>,
    /// Mostra la durata di ogni fase e la memoria usata (come `civico build --timings`)
    #[arg(long)]
    timings: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Human,
    Json,
    Junit,
    Sarif,
}

/// Prints a check report and returns the exit code.
/// Writes a report to `--output FILE`, or prints it (with a final newline when asked).
fn write_output(
    output: Option<&std::path::Path>,
    text: &str,
    newline: bool,
) -> Result<(), ExitCode> {
    match output {
        Some(f) => std::fs::write(f, text).map_err(|e| {
            eprintln!(
                "errore: non riesco a scrivere {}: {}",
                f.display(),
                civico_core::errore_io::descrivi(&e)
            );
            ExitCode::from(2)
        }),
        None if newline => {
            println!("{text}");
            Ok(())
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

fn finish_check(report: &check::Report, args: &CheckArgs) -> ExitCode {
    use std::io::IsTerminal as _;
    let text = match args.format {
        Format::Human => check::output::human(
            report,
            args.output.is_none() && std::io::stdout().is_terminal(),
        ),
        Format::Json => check::output::json(report),
        Format::Junit => check::output::junit(report),
        Format::Sarif => check::output::sarif(report),
    };
    if let Err(code) = write_output(args.output.as_deref(), &text, false) {
        return code;
    }
    if std::env::var_os("GITHUB_ACTIONS").is_some() {
        print!("{}", check::output::github(report));
    }
    if let Some(dir) = &args.report {
        if let Err(e) = check::report::write(report, dir) {
            eprintln!(
                "errore: non riesco a scrivere il rapporto in {}: {}",
                dir.display(),
                civico_core::errore_io::descrivi(&e)
            );
            return ExitCode::from(2);
        }
        eprintln!("rapporto scritto in {}", dir.join("index.html").display());
    }
    // A civico.yaml that is missing or wrong is a content error, as for `civico build` (exit 1);
    // 2 is for a check that could not run (arguments, a report that cannot be written).
    let errors = report.count(check::Severity::Error);
    let warnings = report.count(check::Severity::Warning);
    if errors > 0 || (args.deny_warnings && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[derive(Subcommand)]
enum NewWhat {
    /// Crea la cartella di un comune: comune.yaml spiegato campo per campo, un esempio per tipo di contenuto
    Comune {
        /// Nome della cartella del comune: minuscole e trattini (per esempio san-vito-al-lago)
        slug: String,
        /// Cartella del sito [predefinita: la cartella corrente]
        #[arg(default_value = ".", hide_default_value = true)]
        root: PathBuf,
        /// La data da cui datare gli esempi invece di oggi (AAAA-MM-GG)
        #[arg(long, value_name = "AAAA-MM-GG", value_parser = cmd::aiuto::data)]
        date: Option<chrono::NaiveDate>,
    },
    /// Scrivi una nuova notizia, con la data di oggi
    Notizia(NuovoContenuto),
    /// Scrivi un nuovo evento, con la data di oggi
    Evento(NuovoContenuto),
    /// Scrivi la scheda di un nuovo servizio
    Servizio(NuovoContenuto),
    /// Scrivi la scheda di un nuovo ufficio
    Ufficio(NuovoContenuto),
    /// Scrivi la scheda di un nuovo luogo
    Luogo(NuovoContenuto),
    /// Scrivi la scheda di una nuova persona
    Persona(NuovoContenuto),
    /// Scrivi un nuovo documento, con la data di oggi
    Documento(NuovoContenuto),
    /// Scrivi una nuova pagina
    Pagina(NuovoContenuto),
}

/// `civico new notizia "Titolo" --comune SLUG`.
#[derive(clap::Args)]
struct NuovoContenuto {
    /// Il titolo (il nome del file viene da qui)
    titolo: String,
    /// Il comune in cui scriverlo (il nome della sua cartella)
    #[arg(long, value_name = "SLUG")]
    comune: String,
    /// Cartella del sito [predefinita: la cartella corrente]
    #[arg(long, default_value = ".", hide_default_value = true)]
    root: PathBuf,
    /// La data da usare invece di oggi (AAAA-MM-GG)
    #[arg(long, value_name = "AAAA-MM-GG", value_parser = cmd::aiuto::data)]
    date: Option<chrono::NaiveDate>,
}

/// Warnings of one rule shown in full before the others are only counted.
const AVVISI_PER_REGOLA: usize = 3;

/// The build's diagnostics: every error; of each warning rule the first
/// `AVVISI_PER_REGOLA`, then how many more there are (all of them with `verbose`). Thousands of
/// the same warning would bury everything else, and printing them costs time.
fn print_avvisi_raggruppati(diags: &[Diagnostic], verbose: bool) {
    let github = std::env::var_os("GITHUB_ACTIONS").is_some();
    let mut visti: std::collections::BTreeMap<&str, usize> = Default::default();
    for d in diags {
        let n = visti.entry(d.code).or_default();
        *n += 1;
        if verbose || d.is_error() || *n <= AVVISI_PER_REGOLA {
            eprintln!("{}\n", d.render());
        }
        // Annotations are a list for the CI's page, not a terminal: all of them.
        if github {
            println!("{}", d.github_annotation());
        }
    }
    if verbose {
        return;
    }
    for (regola, n) in visti {
        let altri = n.saturating_sub(AVVISI_PER_REGOLA);
        if altri == 0 || diags.iter().any(|d| d.code == regola && d.is_error()) {
            continue;
        }
        let quanti = if altri == 1 {
            "1 altro avviso".to_string()
        } else {
            format!("altri {altri} avvisi")
        };
        eprintln!("… e {quanti} {regola} (civico build --verbose li mostra tutti)\n");
    }
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
    let cli = match cmd::aiuto::comando(Cli::command())
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) if e.kind() == ErrorKind::DisplayVersion => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == ErrorKind::DisplayHelp => {
            use std::io::IsTerminal as _;
            print!(
                "{}",
                cmd::aiuto::testo_aiuto(&e, std::io::stdout().is_terminal())
            );
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{}", cmd::aiuto::testo_aiuto(&e, false));
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("{}", cmd::aiuto::errore(&e));
            return ExitCode::from(2);
        }
    };
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
            check: and_check,
            shard,
            no_cache,
            verbose,
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
                shard,
                cache: !no_cache,
                exit_after: true,
            };
            run_build(opts, timings, and_check, verbose)
        }
        Command::Check(args) if !args.merge.is_empty() => run_check_merge(&args),
        Command::Check(args) => {
            let report = match &args.html {
                Some(dir) => {
                    if !dir.join("index.html").is_file() {
                        eprintln!(
                            "errore: {} non contiene index.html: indica la cartella di un sito generato",

                            dir.display()
                        );
                        return ExitCode::from(2);
                    }
                    check::run_html(
                        dir,
                        args.date.unwrap_or_else(civico_core::date::today_in_rome),
                    )
                }
                None => {
                    let (report, timings) = check::run_timed(&check::CheckOptions {
                        root: args.root.clone(),
                        comuni: args.comuni.clone(),
                        today: args.date,
                        built: None,
                        source_only: args.source_only,
                        ipa: args.ipa.clone(),
                    });
                    if args.timings {
                        for line in timings.lines() {
                            eprintln!("{line}");
                        }
                    }
                    report
                }
            };
            finish_check(&report, &args)
        }
        Command::Serve {
            root,
            comuni,
            port,
            bind,
            poll,
            open,
            out,
            no_drafts,
            date,
            timings,
        } => {
            let opts = serve::ServeOptions {
                root,
                comuni,
                bind,
                port,
                poll,
                open,
                out,
                drafts: !no_drafts,
                today: date,
                timings,
            };
            match serve::run(opts) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    stampa_errore(&e);
                    ExitCode::from(2)
                }
            }
        }
        Command::Io {
            what: IoCommand::Send(a),
        } => run_io_send(a),
        #[cfg(feature = "sportello")]
        Command::Sportello(a) => sportello(*a),
        Command::Schema { out } => run_schema(out),
        Command::Costi(a) => cmd::costi::run(a),
        Command::New { what } => run_new(what),
    }
}

/// `civico new`: a comune's folder, or one file of content.
fn run_new(what: NewWhat) -> ExitCode {
    let (tipo, a) = match what {
        NewWhat::Comune { slug, root, date } => {
            let oggi = date.unwrap_or_else(civico_core::date::today_in_rome);
            return run_new_comune(&root, &slug, oggi);
        }
        NewWhat::Notizia(a) => ("notizia", a),
        NewWhat::Evento(a) => ("evento", a),
        NewWhat::Servizio(a) => ("servizio", a),
        NewWhat::Ufficio(a) => ("ufficio", a),
        NewWhat::Luogo(a) => ("luogo", a),
        NewWhat::Persona(a) => ("persona", a),
        NewWhat::Documento(a) => ("documento", a),
        NewWhat::Pagina(a) => ("pagina", a),
    };
    let oggi = a.date.unwrap_or_else(civico_core::date::today_in_rome);
    match new::contenuto(&a.root, tipo, &a.comune, &a.titolo, oggi) {
        Ok(path) => {
            eprintln!(
                "scritto {}: completa l'intestazione e il testo, poi guardalo con `civico serve`",
                path.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            stampa_errore(&e.to_string());
            ExitCode::from(2)
        }
    }
}

fn run_new_comune(root: &std::path::Path, slug: &str, oggi: chrono::NaiveDate) -> ExitCode {
    match new::comune(root, slug, oggi) {
        Ok(dir) => {
            eprintln!(
                "creato {}: completa il suo comune.yaml, poi esegui `civico build {}`",
                dir.display(),
                root.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            stampa_errore(&e.to_string());
            ExitCode::from(2)
        }
    }
}

/// `civico build`: one build, its diagnostics and summary, then the check when asked.
fn run_build(opts: build::BuildOptions, timings: bool, and_check: bool, verbose: bool) -> ExitCode {
    let report = build::run(&opts);
    print_avvisi_raggruppati(&report.diagnostics, verbose);
    if timings {
        for line in report.timings.lines() {
            eprintln!("{line}");
        }
    }
    let (e, w) = (report.errors(), report.warnings());
    if report.written {
        eprintln!(
            "{} {}, {} ({}) in {} con {} in {:.2} s{}",
            if report.comuni == 1 {
                "generato"
            } else {
                "generati"
            },
            plurale::comuni(report.comuni),
            plurale::pagine(report.pages),
            plurale::file(report.files),
            opts.out_dir().display(),
            plurale::avvisi(w),
            report.elapsed.as_secs_f64(),
            if report.skipped > 0 {
                match report.skipped {
                    1 => "; 1 comune senza modifiche lasciato com'era (--no-cache lo rigenera)"
                        .to_string(),
                    n => format!(
                        "; {n} comuni senza modifiche lasciati come erano (--no-cache li rigenera)"
                    ),
                }
            } else {
                String::new()
            }
        );
        if and_check {
            let args = CheckArgs {
                root: opts.root.clone(),
                comuni: opts.comuni.clone(),
                html: None,
                source_only: false,
                format: Format::Human,
                output: None,
                report: None,
                ipa: None,
                deny_warnings: opts.deny_warnings,
                date: opts.today,
                merge: Vec::new(),
                timings: false,
            };
            let r = check::run(&check::CheckOptions {
                root: opts.root.clone(),
                comuni: opts.comuni.clone(),
                today: opts.today,
                built: Some(opts.out_dir()),
                source_only: false,
                ipa: None,
            });
            return finish_check(&r, &args);
        }
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "generazione non riuscita: {}, {} in {} ({:.2} s); il sito già pubblicato non è stato toccato",
            plurale::errori(e),
            plurale::avvisi(w),
            plurale::comuni(report.comuni),
            report.elapsed.as_secs_f64()
        );
        ExitCode::from(1)
    }
}

/// `civico check --merge`: one report from the JSON reports of sharded runs.
fn run_check_merge(args: &CheckArgs) -> ExitCode {
    let mut reports = Vec::new();
    for f in &args.merge {
        match std::fs::read(f).map_err(|e| e.to_string()).and_then(|b| {
            serde_json::from_slice::<serde_json::Value>(&b).map_err(|e| e.to_string())
        }) {
            Ok(v) => reports.push(v),
            Err(e) => {
                eprintln!("errore: {}: {e}", f.display());
                return ExitCode::from(2);
            }
        }
    }
    match check::output::merge(&reports) {
        Ok((merged, errors, warnings)) => {
            let text = serde_json::to_string_pretty(&merged).unwrap_or_default();
            if let Err(code) = write_output(args.output.as_deref(), &text, true) {
                return code;
            }
            if errors > 0 || (args.deny_warnings && warnings > 0) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            stampa_errore(&e);
            ExitCode::from(2)
        }
    }
}

/// `civico io send`: the messages of what each comune newly published, with a table of counts.
fn run_io_send(a: IoSendArgs) -> ExitCode {
    let opts = civico_io::invio::Opzioni {
        root: a.root,
        sito: a.site,
        comuni: a.comuni,
        destinatari: a.recipients,
        stato: a.state,
        segreti: a.secrets,
        prova: a.dry_run,
        api: a.api_url,
        tentativi: a.max_retries,
        attesa: std::time::Duration::from_millis(a.backoff_ms),
    };
    let r = civico_io::invio::run(&opts);
    print_diagnostics(&r.problemi);
    for line in &r.anteprima {
        println!("da inviare (prova): {line}");
    }
    println!("comune\tcanale\tpubblicazioni\tinviati\tgià inviati\tnon iscritti\trifiutati\tincerti\tda inviare");
    for x in &r.righe {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            x.comune,
            x.canale,
            x.pubblicazioni,
            x.inviati,
            x.gia_inviati,
            x.non_iscritti,
            x.rifiutati,
            x.incerti,
            x.da_inviare
        );
    }
    if let Some(why) = &r.interrotto {
        let left: usize = r.righe.iter().map(|x| x.da_inviare).sum();
        eprintln!(
            "interrotto: {why}; {} da inviare alla prossima esecuzione",
            plurale::messaggi(left)
        );
    }
    let uncertain: usize = r.righe.iter().map(|x| x.incerti).sum();
    if uncertain > 0 {
        eprintln!(
            "{} in invio quando un'esecuzione precedente si è interrotta: non vengono inviati di nuovo (verificali nel back office di IO)",
            plurale::messaggi(uncertain)
        );
    }
    if opts.prova || r.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `civico schema`: the JSON Schemas of every file editors write, and VS Code's settings.
fn run_schema(out: PathBuf) -> ExitCode {
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!(
            "errore: non riesco a creare {}: {}",
            out.display(),
            civico_core::errore_io::descrivi(&e)
        );
        return ExitCode::from(2);
    }
    for (name, schema) in civico_site::schema::all() {
        let text = serde_json::to_string_pretty(&schema).unwrap_or_default();
        if let Err(e) = std::fs::write(out.join(&name), text + "\n") {
            eprintln!(
                "errore: non riesco a scrivere {}: {}",
                out.join(&name).display(),
                civico_core::errore_io::descrivi(&e)
            );
            return ExitCode::from(2);
        }
    }
    let dir = out.to_string_lossy().replace('\\', "/");
    let settings = civico_site::schema::vscode_settings(dir.trim_end_matches('/'), "comuni");
    eprintln!(
        "scritti {} schemi in {}; per l'estensione YAML di VS Code metti questo in .vscode/settings.json:",
        civico_site::schema::all().len(),
        out.display()
    );
    println!(
        "{}",
        serde_json::to_string_pretty(&settings).unwrap_or_default()
    );
    ExitCode::SUCCESS
}

/// Prints an error that stopped a command: prefixed with "errore:", unless it is made of
/// diagnostics, which already say `errore[CODE]` after their file and line.
fn stampa_errore(e: &str) {
    let diagnostica = e.lines().next().is_some_and(|l| l.contains(": errore["));
    if diagnostica {
        eprintln!("{e}");
    } else {
        eprintln!("errore: {e}");
    }
}
