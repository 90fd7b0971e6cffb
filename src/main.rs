//! The `civico` command line: parses arguments, runs one command, prints its report and maps
//! the outcome to an exit code (0 ok, 1 content errors, 2 the command could not run).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

use civico_check as check;
use civico_core::diagnostics::Diagnostic;
use civico_site::{pipeline as build, scaffold as new};
use cmd::serve;

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
        /// After building, run `civico check` on the sources and the output; fail on errors
        #[arg(long)]
        check: bool,
        /// Build only shard I of N (balanced by size), for parallel CI runners
        #[arg(long, value_name = "I/N")]
        shard: Option<civico_site::shard::Shard>,
        /// Rebuild every comune, even those unchanged since the last build (ignore .civico-cache/)
        #[arg(long)]
        no_cache: bool,
    },
    /// Preview the sites locally, rebuilding and reloading the browser on every change
    Serve {
        /// Site root: the folder holding civico.yaml and comuni/
        #[arg(default_value = ".")]
        root: PathBuf,
        /// Serve only this comune (repeatable)
        #[arg(long = "comune", value_name = "SLUG")]
        comuni: Vec<String>,
        /// Port to listen on (0 = any free port)
        #[arg(long, short, default_value_t = 1111)]
        port: u16,
        /// Address to listen on; other machines can reach the preview only if you change it
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Poll for changes instead of file-system events (Docker mounts, WSL2, network drives)
        #[arg(long)]
        poll: bool,
        /// Open the preview in the default browser
        #[arg(long)]
        open: bool,
        /// Write the preview here instead of a temporary folder
        #[arg(long, short, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Leave out pages marked `bozza: true` (shown by default in the preview)
        #[arg(long)]
        no_drafts: bool,
        /// Build as if today were this date (YYYY-MM-DD, Europe/Rome)
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<chrono::NaiveDate>,
        /// Mostra la durata di ogni fase di ogni ricostruzione (come `civico build --timings`)
        #[arg(long)]
        timings: bool,
    },
    /// Notify citizens of new publications through the IO app
    Io {
        #[command(subcommand)]
        what: IoCommand,
    },
    /// Run the booking service the comuni's sites call (appointments at municipal offices)
    #[cfg(feature = "sportello")]
    Sportello(Box<SportelloArgs>),
    /// Write the JSON Schemas of the front matter of every content kind, comune.yaml and civico.yaml
    Schema {
        /// Folder to write the schemas into
        #[arg(long, short, default_value = "schemas")]
        out: PathBuf,
    },
    /// Check what the law and AGID require of each comune's site (exit 1 on errors)
    Check(CheckArgs),
    /// Create new content
    New {
        #[command(subcommand)]
        what: NewWhat,
    },
}

/// `civico sportello`.
#[cfg(feature = "sportello")]
#[derive(clap::Args)]
struct SportelloArgs {
    /// Site root: each comune with a sportello.yaml in its folder is served
    #[arg(value_name = "ROOT")]
    root_pos: Option<PathBuf>,
    /// Site root (same as the positional argument)
    #[arg(long, conflicts_with = "root_pos")]
    root: Option<PathBuf>,
    /// The bookings database: a SQLite file (created if missing; keep it outside the
    /// repository) or a postgres:// URL
    #[arg(
        long,
        value_name = "FILE|URL",
        env = "CIVICO_SPORTELLO_DB",
        required_unless_present = "hash_password"
    )]
    db: Option<String>,
    /// Port to listen on (0 = any free port)
    #[arg(long, short, default_value_t = 8787)]
    port: u16,
    /// Address to listen on (put a TLS reverse proxy in front of it)
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// SMTP server for the messages to citizens: smtps://user:pass@host:465 (implicit TLS),
    /// smtp://user:pass@host:587?tls=required (STARTTLS); without it messages wait in the queue
    #[arg(
        long,
        env = "CIVICO_SMTP_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    smtp: Option<String>,
    /// Default sender of the messages (a comune's `mittente` in sportello.yaml replaces it)
    #[arg(
        long,
        env = "CIVICO_MITTENTE",
        default_value = "Sportello <noreply@localhost>"
    )]
    from: String,
    /// Secret that signs the anti-robot challenges (random at each start when not given; give
    /// the same one to every process sharing a database)
    #[arg(long, env = "CIVICO_SPORTELLO_SEGRETO", hide_env_values = true)]
    secret: Option<String>,
    /// PBKDF2 iterations per attempt of the anti-robot challenge
    #[arg(long, default_value_t = 5000)]
    pow_cost: u32,
    /// Hex prefix the challenge's key must start with (each digit = 16 times more work)
    #[arg(long, default_value = "00")]
    pow_prefix: String,
    /// Requests per minute from one client (an IPv4 address or an IPv6 /64): challenges,
    /// holds, bookings, reports
    #[arg(long, default_value_t = 30)]
    limit_ip: u32,
    /// Requests per minute for one comune
    #[arg(long, default_value_t = 600)]
    limit_comune: u32,
    /// Trust X-Forwarded-For for the client address (only behind a proxy that sets it): the
    /// client is the right-most entry, the one the proxy appended
    #[arg(long)]
    trust_proxy: bool,
    /// With --trust-proxy: a proxy (address or network, 10.0.0.0/8) in front of the service;
    /// its entries in X-Forwarded-For are skipped (repeatable, for chains of proxies)
    #[arg(long, value_name = "CIDR", requires = "trust_proxy")]
    trusted_proxy: Vec<ipnet::IpNet>,
    /// Login attempts per minute from one client address on the operators' pages
    #[arg(long, default_value_t = 10)]
    limit_login: u32,
    /// Seconds a client may take to send a request's headers
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    header_timeout: u64,
    /// Seconds a client may pause while sending a request's body
    #[arg(long, default_value_t = 20, value_name = "SECONDS")]
    body_timeout: u64,
    /// Connections one client (an IPv4 address or an IPv6 /64) may hold at once
    #[arg(long, default_value_t = 256)]
    limit_connections: usize,
    /// Another origin allowed to call the API (e.g. the preview of `civico serve`)
    #[arg(long, value_name = "ORIGIN")]
    allow_origin: Vec<String>,
    /// Operators of the back-office: a YAML file outside the repository
    #[arg(long, env = "CIVICO_OPERATORI", value_name = "FILE")]
    operators: Option<PathBuf>,
    /// Seconds between two runs of the jobs (expired holds, reminders, retention)
    #[arg(long, default_value_t = 600)]
    jobs_every: u64,
    /// Run the jobs and deliver the mail queue once, then exit (for cron)
    #[arg(long)]
    once: bool,
    /// Read a password on standard input and print its argon2 hash for the operators file
    #[arg(long)]
    hash_password: bool,
}

#[cfg(feature = "sportello")]
fn sportello(a: SportelloArgs) -> ExitCode {
    use civico_sportello::{db::Dove, limiti::Soglie, operatori, servizio};
    if a.hash_password {
        let mut pw = String::new();
        if std::io::stdin().read_line(&mut pw).is_err()
            || pw.trim_end_matches(['\n', '\r']).len() < 12
        {
            eprintln!("error: write a password of at least 12 characters on standard input");
            return ExitCode::from(2);
        }
        return match operatori::hash_password(pw.trim_end_matches(['\n', '\r'])) {
            Ok(h) => {
                println!("{h}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
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
        tempi: civico_sportello::connessioni::Tempi {
            intestazioni: std::time::Duration::from_secs(a.header_timeout.max(1)),
            corpo: std::time::Duration::from_secs(a.body_timeout.max(1)),
            per_cliente: a.limit_connections.max(1),
        },
    };
    match servizio::run(o, a.once) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

#[derive(Subcommand)]
enum IoCommand {
    /// Send IO messages for what each comune newly published (run after `civico build`)
    Send(IoSendArgs),
}

#[derive(clap::Args)]
struct IoSendArgs {
    /// Site root (civico.yaml and comuni/; each comune's `app_io` names its IO services)
    #[arg(default_value = ".")]
    root: PathBuf,
    /// The built sites [default: ROOT/public]
    #[arg(long, value_name = "DIR")]
    site: Option<PathBuf>,
    /// Only this comune (repeatable)
    #[arg(long = "comune", value_name = "SLUG")]
    comuni: Vec<String>,
    /// CSV of recipients (codice_fiscale[,comune][,canali]); keep it outside the repository
    #[arg(long, value_name = "FILE")]
    recipients: PathBuf,
    /// SQLite database of what was sent (created if missing); keep it outside the repository
    #[arg(long, value_name = "FILE")]
    state: PathBuf,
    /// File of NAME=key lines for the services' keys [default: the environment]
    #[arg(long, value_name = "FILE")]
    secrets: Option<PathBuf>,
    /// Show what would be sent, without contacting IO
    #[arg(long)]
    dry_run: bool,
    /// IO services API base URL
    #[arg(long, value_name = "URL", default_value = civico_io::client::API_IO)]
    api_url: String,
    /// Retries of a request answered 429 or 5xx before the run stops
    #[arg(long, default_value_t = 6)]
    max_retries: u32,
    /// Pause before the first retry, doubled at each further one (milliseconds)
    #[arg(long, default_value_t = 1000)]
    backoff_ms: u64,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Site root (civico.yaml and comuni/); ignored with --html
    #[arg(default_value = ".")]
    root: PathBuf,
    /// Check only this comune (repeatable)
    #[arg(long = "comune", value_name = "SLUG")]
    comuni: Vec<String>,
    /// Check the HTML of a built site folder only, built by civico or not
    #[arg(long, value_name = "DIR", conflicts_with = "source_only")]
    html: Option<PathBuf>,
    /// Source level only: do not build and check the pages
    #[arg(long)]
    source_only: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Write the report to this file instead of standard output
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write a per-comune HTML report for the responsabile della trasparenza into DIR
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    /// Verify each PEC against the IPA open data (CSV or JSON of the Indice dei domicili digitali)
    #[arg(long, value_name = "FILE")]
    ipa: Option<PathBuf>,
    /// Fail on warnings too
    #[arg(long)]
    deny_warnings: bool,
    /// Check as if today were this date (YYYY-MM-DD)
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<chrono::NaiveDate>,
    /// Combine the JSON reports of sharded runs into one (JSON output)
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
            eprintln!("error: cannot write {}: {e}", f.display());
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
            eprintln!("error: cannot write the report into {}: {e}", dir.display());
            return ExitCode::from(2);
        }
        eprintln!("report written to {}", dir.join("index.html").display());
    }
    if report.comuni.is_empty() && !report.generali.is_empty() {
        return ExitCode::from(2);
    }
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
            check: and_check,
            shard,
            no_cache,
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
            };
            run_build(opts, timings, and_check)
        }
        Command::Check(args) if !args.merge.is_empty() => run_check_merge(&args),
        Command::Check(args) => {
            let report = match &args.html {
                Some(dir) => {
                    if !dir.join("index.html").is_file() {
                        eprintln!(
                            "error: {} has no index.html: give the folder of one built site",
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
                    eprintln!("error: {e}");
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

/// `civico build`: one build, its diagnostics and summary, then the check when asked.
fn run_build(opts: build::BuildOptions, timings: bool, and_check: bool) -> ExitCode {
    let report = build::run(&opts);
    print_diagnostics(&report.diagnostics);
    if timings {
        for line in report.timings.lines() {
            eprintln!("{line}");
        }
    }
    let (e, w) = (report.errors(), report.warnings());
    if report.written {
        eprintln!(
            "built {} comuni, {} pages ({} files) into {} with {} warnings in {:.2} s{}",
            report.comuni,
            report.pages,
            report.files,
            opts.out_dir().display(),
            w,
            report.elapsed.as_secs_f64(),
            if report.skipped > 0 {
                format!(
                    "; {} unchanged comuni left as they were (--no-cache rebuilds them)",
                    report.skipped
                )
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
            "build failed: {e} errors, {w} warnings in {} comuni ({:.2} s); the previous output was left untouched",
            report.comuni,
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
                eprintln!("error: {}: {e}", f.display());
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
            eprintln!("error: {e}");
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
        println!("would send: {line}");
    }
    println!("comune\tchannel\tpublications\tsent\talready sent\tnot subscribed\trefused\tuncertain\tleft");
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
        eprintln!("stopped: {why}; {left} message(s) left for the next run");
    }
    let uncertain: usize = r.righe.iter().map(|x| x.incerti).sum();
    if uncertain > 0 {
        eprintln!(
            "{uncertain} message(s) were being sent when an earlier run stopped: they are not sent again (check them in IO's back office)"
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
        eprintln!("error: cannot create {}: {e}", out.display());
        return ExitCode::from(2);
    }
    for (name, schema) in civico_site::schema::all() {
        let text = serde_json::to_string_pretty(&schema).unwrap_or_default();
        if let Err(e) = std::fs::write(out.join(&name), text + "\n") {
            eprintln!("error: cannot write {}: {e}", out.join(&name).display());
            return ExitCode::from(2);
        }
    }
    let dir = out.to_string_lossy().replace('\\', "/");
    let settings = civico_site::schema::vscode_settings(dir.trim_end_matches('/'), "comuni");
    eprintln!(
        "wrote {} schemas into {}; for VS Code's YAML extension put this in .vscode/settings.json:",
        civico_site::schema::all().len(),
        out.display()
    );
    println!(
        "{}",
        serde_json::to_string_pretty(&settings).unwrap_or_default()
    );
    ExitCode::SUCCESS
}
