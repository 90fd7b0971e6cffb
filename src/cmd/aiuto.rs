//! The command line's own words in Italian: the headings of `--help` and the errors clap finds
//! in the arguments (an unknown option, a missing value, a wrong date), which clap writes in
//! English.

use clap::error::{ContextKind, ContextValue, ErrorKind};

/// The layout of every `--help`, with Italian headings (clap's are English).
pub const MODELLO: &str = "\
{about-with-newline}
{usage-heading} {usage}

{all-args}{after-help}";

/// The whole command line in Italian: the root gets `--version`, every command `--help`.
pub fn comando(cmd: clap::Command) -> clap::Command {
    in_italiano(cmd)
        .disable_help_subcommand(true)
        .disable_version_flag(true)
        .arg(
            clap::Arg::new("versione")
                .short('V')
                .long("version")
                .action(clap::ArgAction::Version)
                .help("Mostra la versione")
                .help_heading("Opzioni"),
        )
}

/// Applies the Italian headings and `--help` to a command and all its subcommands.
pub fn in_italiano(cmd: clap::Command) -> clap::Command {
    let cmd = cmd
        .help_template(MODELLO)
        .subcommand_help_heading("Comandi")
        .disable_help_flag(true)
        .arg(
            clap::Arg::new("aiuto")
                .short('h')
                .long("help")
                .action(clap::ArgAction::Help)
                .help("Mostra questo aiuto")
                .help_heading("Opzioni"),
        )
        .override_usage_heading();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    names
        .into_iter()
        .fold(cmd, |c, n| c.mut_subcommand(n, in_italiano))
}

trait UsageHeading {
    fn override_usage_heading(self) -> Self;
}

impl UsageHeading for clap::Command {
    /// "Usage:" becomes "Uso:" through the template's `{usage-heading}`, styled as clap does.
    fn override_usage_heading(self) -> Self {
        self.help_template(MODELLO.replace("{usage-heading}", "Uso:"))
            .mut_args(|a| match (a.get_help_heading(), a.is_positional()) {
                (Some(_), _) => a,
                (None, true) => a.help_heading("Argomenti"),
                (None, false) => a.help_heading("Opzioni"),
            })
    }
}

/// The text of `--help` as clap renders it, with the words clap adds itself in Italian.
pub fn testo_aiuto(e: &clap::Error, colori: bool) -> String {
    let r = e.render();
    let text = if colori {
        r.ansi().to_string()
    } else {
        r.to_string()
    };
    [
        ("[default: ", "[predefinito: "),
        ("[possible values: ", "[valori possibili: "),
        ("[env: ", "[variabile d'ambiente: "),
        ("[OPTIONS]", "[OPZIONI]"),
    ]
    .iter()
    .fold(text, |t, (en, it)| t.replace(en, it))
}

/// A date as `--date` takes it, with an Italian error.
pub fn data(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| "scrivi la data come AAAA-MM-GG, per esempio 2026-06-01".to_string())
}

fn valore(e: &clap::Error, k: ContextKind) -> Option<String> {
    match e.get(k)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::StyledStrs(v) => Some(
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ContextValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An argument error as people read it, in Italian, with what to do next.
pub fn errore(e: &clap::Error) -> String {
    let arg = valore(e, ContextKind::InvalidArg).unwrap_or_default();
    let val = valore(e, ContextKind::InvalidValue).unwrap_or_default();
    let forse = valore(e, ContextKind::SuggestedArg)
        .or_else(|| valore(e, ContextKind::SuggestedSubcommand))
        .or_else(|| valore(e, ContextKind::SuggestedValue))
        .map(|s| format!("\n  forse intendevi: {s}"))
        .unwrap_or_default();
    let validi = valore(e, ContextKind::ValidValue)
        .map(|s| format!("\n  valori possibili: {s}"))
        .unwrap_or_default();
    let messaggio = match e.kind() {
        ErrorKind::UnknownArgument => format!("l'opzione {arg} non esiste{forse}"),
        ErrorKind::InvalidSubcommand => {
            let sub = valore(e, ContextKind::InvalidSubcommand).unwrap_or_default();
            format!("il comando {sub} non esiste{forse}")
        }
        ErrorKind::InvalidValue => format!("{val:?} non è un valore di {arg}{validi}{forse}"),
        ErrorKind::ValueValidation => {
            let perche = std::error::Error::source(e)
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            format!("{val:?} non è un valore valido per {arg}{perche}")
        }
        ErrorKind::MissingRequiredArgument => format!("manca {arg}"),
        ErrorKind::ArgumentConflict => {
            let altro = valore(e, ContextKind::PriorArg).unwrap_or_default();
            format!("{arg} non si può usare insieme a {altro}")
        }
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues => {
            format!("troppi valori per {arg}: {val}")
        }
        ErrorKind::NoEquals => format!("{arg} vuole il valore dopo un segno ="),
        ErrorKind::InvalidUtf8 => "un argomento non è testo UTF-8 valido".to_string(),
        _ => format!("argomenti non validi: {}", e.kind()),
    };
    format!("errore: {messaggio}\n\nPer l'aiuto: civico --help (o civico COMANDO --help)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, Command};

    fn cmd() -> Command {
        in_italiano(
            Command::new("civico").subcommand(
                Command::new("build").arg(Arg::new("root")).arg(
                    Arg::new("date")
                        .long("date")
                        .value_parser(clap::value_parser!(u32)),
                ),
            ),
        )
    }

    #[test]
    fn errors_are_italian() {
        let e = cmd()
            .try_get_matches_from(["civico", "build", "--dat", "x"])
            .unwrap_err();
        let m = errore(&e);
        assert!(m.starts_with("errore: l'opzione --dat non esiste"), "{m}");
        assert!(m.contains("forse intendevi: --date"), "{m}");
        let e = cmd().try_get_matches_from(["civico", "biuld"]).unwrap_err();
        assert!(
            errore(&e).contains("il comando biuld non esiste"),
            "{}",
            errore(&e)
        );
        let e = cmd()
            .try_get_matches_from(["civico", "build", "--date", "ieri"])
            .unwrap_err();
        assert!(
            errore(&e).contains("\"ieri\" non è un valore valido per --date"),
            "{}",
            errore(&e)
        );
    }

    #[test]
    fn help_headings_are_italian() {
        let help = cmd()
            .find_subcommand_mut("build")
            .unwrap()
            .render_help()
            .to_string();
        assert!(help.contains("Uso:"), "{help}");
        assert!(help.contains("Opzioni:"), "{help}");
        assert!(help.contains("Argomenti:"), "{help}");
        assert!(
            !help.contains("Usage:") && !help.contains("Options:"),
            "{help}"
        );
    }
}
