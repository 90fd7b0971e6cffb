//! `civico.yaml` (the network of comuni a service centre runs) and `comune.yaml` (one comune).
//!
//! Both are read with the same YAML layer as front matter, so a mistake in them gets the same
//! `file:line:col` diagnostic. This module owns finding the comuni of a network and checking
//! what a site cannot be built without (a valid `base_url`); the legal checks on codes and PEC
//! belong to `civico check`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostics::{display_path, Diagnostic, Diagnostics};
use crate::fields::Spanned;
use crate::href::Href;
use crate::path::inside;

/// The network: `civico.yaml` at the site root.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rete {
    /// Who runs the sites, e.g. "Centro Servizi Territoriali della Provincia di ...".
    pub gestore: String,
    #[serde(default)]
    pub gestore_url: Option<Href>,
    #[serde(default = "default_tema")]
    pub tema: String,
    #[serde(default = "default_lingua")]
    pub lingua: String,
    #[serde(default = "default_fuso")]
    pub fuso_orario: String,
    /// Folder holding one sub-folder per comune.
    #[serde(default = "default_cartella")]
    pub cartella_comuni: String,
    /// Items per page in paginated lists.
    #[serde(default = "default_per_pagina")]
    pub elementi_per_pagina: usize,
    /// Days after which `civico check` calls a transparency section stale, by update frequency
    /// (`trimestrale`, `semestrale`, `annuale`); defaults from at-tree.yaml `staleness_hint`.
    #[serde(default)]
    pub soglie_aggiornamento: std::collections::BTreeMap<String, i64>,
    /// The territory events portal, written beside the comuni's sites.
    #[serde(default)]
    pub portale: Option<Portale>,
    /// Publish the theme's CSS, JS, fonts and images once on a shared static host at this URL
    /// (written to `<out>/_risorse/`) instead of in every comune's site. The host must send
    /// `Access-Control-Allow-Origin` for the fonts. The icon sprite stays in each site (SVG
    /// `<use>` only works on the same origin).
    #[serde(default)]
    pub risorse_condivise: Option<Href>,
    /// The git-based web editor (Decap CMS, also Sveltia CMS) written at `/admin/` of every
    /// comune's site.
    #[serde(default)]
    pub redazione: Option<Redazione>,
}

/// Where the web editor commits: the git host of the repository of the sites.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Redazione {
    /// `github`, `gitlab`, `gitea` (also Forgejo), or `test-repo` to try it without a server.
    pub backend: String,
    /// `owner/name` of the repository (not needed for `test-repo`).
    #[serde(default)]
    pub repository: Option<String>,
    #[serde(default = "default_ramo")]
    pub ramo: String,
    /// API of a self-hosted GitLab or Gitea, e.g. `https://git.provincia.example.it/api/v1`.
    #[serde(default)]
    pub api: Option<String>,
    /// OAuth provider for GitHub (a Netlify-compatible proxy), or the GitLab/Gitea app id.
    #[serde(default)]
    pub autenticazione: Option<String>,
    /// Publish editors' changes through pull/merge requests to review (Decap's editorial workflow).
    #[serde(default)]
    pub revisione: bool,
    /// Port of the local editing backend on this computer (`civico serve` runs it; so does
    /// `npx decap-server`): the web editor opened from the preview saves files there.
    #[serde(default = "default_porta_locale")]
    pub porta_locale: u16,
}

fn default_ramo() -> String {
    "main".into()
}

fn default_porta_locale() -> u16 {
    8081
}

/// The network-level events portal.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Portale {
    /// Folder under the output folder, e.g. `eventi` for `public/eventi/`.
    pub percorso: String,
    pub titolo: String,
    /// Public URL of the portal (for the manifest and the links), e.g. https://eventi.provincia.it/
    pub base_url: Href,
    #[serde(default)]
    pub descrizione: Option<String>,
    /// The portal's own accessibility declaration (form.agid.gov.it), privacy notice and legal
    /// notes, linked from its footer as on every public administration's site.
    #[serde(default)]
    pub dichiarazione_accessibilita: Option<Href>,
    #[serde(default)]
    pub privacy: Option<Href>,
    #[serde(default)]
    pub note_legali: Option<Href>,
}

impl Rete {
    /// Days after which a section updated with `frequenza` is stale; None = never.
    pub fn soglia(&self, frequenza: &str) -> Option<i64> {
        if let Some(d) = self.soglie_aggiornamento.get(frequenza) {
            return Some(*d);
        }
        match frequenza {
            "trimestrale" => Some(92 + 30),
            "semestrale" => Some(183 + 30),
            "annuale" => Some(365 + 60),
            _ => None,
        }
    }
}

fn default_tema() -> String {
    "agid".into()
}
fn default_lingua() -> String {
    "it".into()
}
fn default_fuso() -> String {
    "Europe/Rome".into()
}
fn default_cartella() -> String {
    "comuni".into()
}
fn default_per_pagina() -> usize {
    10
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Indirizzo {
    pub via: String,
    pub cap: String,
    pub localita: String,
    pub provincia: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub nome: String,
    pub url: Href,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Analytics {
    /// Web Analytics Italia site id.
    pub sito_id: u32,
    #[serde(default = "default_wai")]
    pub url: Href,
}

fn default_wai() -> Href {
    Href::parse("https://ingestion.webanalytics.italia.it/").expect("a valid address")
}

/// Where the comune's online services live (booking, reports, help), until civico's own.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiziOnline {
    #[serde(default)]
    pub prenotazione_appuntamento: Option<Href>,
    #[serde(default)]
    pub segnalazione_disservizio: Option<Href>,
    #[serde(default)]
    pub richiesta_assistenza: Option<Href>,
    /// Endpoint that receives the page ratings of the feedback widget (POST, JSON).
    #[serde(default)]
    pub valutazioni: Option<Href>,
    /// Address of the `civico sportello` service (`https://sportello.provincia.example.it`):
    /// with a `sportello.yaml` in the comune's folder, the booking pages use it.
    #[serde(default)]
    pub sportello: Option<Href>,
}

/// The comune's services on the IO app, one per kind of publication. Each value names the
/// secret that holds the service's API key (an environment variable, or an entry of the secrets
/// file given to `civico io send`): the key itself never goes into the repository.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppIo {
    /// Publications dated before this day are never notified (the day the service started).
    #[serde(default)]
    pub notifica_dal: Option<crate::fields::Data>,
    #[serde(default)]
    pub notizie: Option<Spanned<String>>,
    #[serde(default)]
    pub eventi: Option<Spanned<String>>,
    #[serde(default)]
    pub bandi: Option<Spanned<String>>,
    #[serde(default)]
    pub albo: Option<Spanned<String>>,
    /// The service that tells citizens of every change of their pratiche (`civico sportello`).
    #[serde(default)]
    pub pratiche: Option<Spanned<String>>,
}

impl AppIo {
    /// The secret named for a channel (`notizie`, `eventi`, `bandi`, `albo`).
    pub fn segreto(&self, canale: &str) -> Option<&Spanned<String>> {
        match canale {
            "notizie" => self.notizie.as_ref(),
            "eventi" => self.eventi.as_ref(),
            "bandi" => self.bandi.as_ref(),
            "albo" => self.albo.as_ref(),
            "pratiche" => self.pratiche.as_ref(),
            _ => None,
        }
    }
}

/// Whether `s` can name a secret: an environment variable name in capitals (`IO_NOTIZIE`).
pub fn nome_segreto_valido(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && s.len() <= 64
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// One comune: `comuni/<slug>/comune.yaml`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Comune {
    pub nome: String,
    pub codice_istat: String,
    pub codice_ipa: String,
    pub codice_fiscale: String,
    #[serde(default)]
    pub partita_iva: Option<String>,
    pub pec: Spanned<String>,
    pub email: String,
    pub telefono: String,
    pub indirizzo: Indirizzo,
    pub base_url: Spanned<String>,
    /// Coat of arms, relative to the comune's folder.
    pub stemma: Spanned<String>,
    #[serde(default)]
    pub slogan: Option<String>,
    #[serde(default)]
    pub zona: Option<String>,
    pub ente_appartenenza: Link,
    /// Resident inhabitants (ISTAT), and the day the figure refers to: the service centre's
    /// costs are shared by them (`civico costi`). `popolazione` is read as `abitanti`.
    #[serde(default, alias = "popolazione")]
    pub abitanti: Option<Spanned<u64>>,
    #[serde(default)]
    pub abitanti_al: Option<Spanned<crate::fields::Data>>,
    #[serde(default)]
    pub social: Vec<Link>,
    pub dichiarazione_accessibilita: Href,
    pub area_personale: Href,
    #[serde(default)]
    pub analytics: Option<Analytics>,
    /// Office hours of the municipio, one line per item.
    #[serde(default)]
    pub orari: Vec<String>,
    #[serde(default)]
    pub argomenti_in_evidenza: Vec<Spanned<String>>,
    #[serde(default)]
    pub servizi_online: ServiziOnline,
    /// Primary colour of the theme, `#rrggbb`; white text must stay readable on it.
    #[serde(default)]
    pub colore_primario: Option<Spanned<String>>,
    #[serde(default)]
    pub piano_miglioramento: Option<Href>,
    #[serde(default)]
    pub finanziato_pnrr: bool,
    /// Keep the Amministrazione trasparente sections that do not apply to comuni (for other
    /// kinds of ente, e.g. an ASL or a Regione running the same tool).
    #[serde(default)]
    pub trasparenza_tutte_le_sezioni: bool,
    /// Notifications of new publications through the IO app (`civico io send`).
    #[serde(default)]
    pub app_io: Option<AppIo>,
}

/// A comune found in the network, with its folder and parsed configuration.
#[derive(Debug, Clone)]
pub struct ComuneDir {
    pub slug: String,
    pub dir: PathBuf,
    pub config: Comune,
    /// Path prefix of `base_url` without trailing slash (`""` for a domain root, `"/x"` else).
    pub base_path: String,
    /// `base_url` without trailing slash.
    pub base_url: String,
    /// `sportello.yaml`: how the comune takes appointments, when it does.
    pub sportello: Option<std::sync::Arc<crate::sportello::Sportello>>,
}

/// Reads a comune's `sportello.yaml`, if it has one; errors go to `diags` with their line.
fn load_sportello(
    root: &Path,
    dir: &Path,
    diags: &Diagnostics,
) -> Option<std::sync::Arc<crate::sportello::Sportello>> {
    let path = dir.join("sportello.yaml");
    let text = std::fs::read_to_string(&path).ok()?;
    let shown = display_path(root, &path);
    let text = crate::yaml::normalise(&text).into_owned();
    let s: crate::sportello::Sportello = match crate::yaml::parse(&text, &shown, 0, &text) {
        Ok(s) => s,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    if let Err((msg, id)) = crate::sportello::controlla(&s) {
        // The first line that begins with the needle, once list dashes and quotes are gone.
        let line = id
            .and_then(|needle| {
                text.lines().position(|l| {
                    l.trim_start()
                        .trim_start_matches("- ")
                        .replace(['"', '\''], "")
                        .starts_with(&needle)
                })
            })
            .map_or(1, |i| i + 1);
        diags.push(
            Diagnostic::error("E-SPORTELLO", &shown, msg)
                .at(line, 1)
                .hint(
                    "vedi la sezione \"Booking service\" del README per i campi di sportello.yaml",
                )
                .with_source(&text),
        );
        return None;
    }
    Some(std::sync::Arc::new(s))
}

/// Reads `civico.yaml`. A missing file is an error with a hint to run `civico new`.
pub fn load_rete(root: &Path) -> Result<Rete, Diagnostic> {
    let path = root.join("civico.yaml");
    let shown = display_path(root, &path);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        let why = crate::errore_io::descrivi(&e);
        Diagnostic::error(
            "E-CONFIG",
            &shown,
            format!("impossibile leggere civico.yaml: {why}"),
        )
        .hint(
            "la cartella del sito deve contenere civico.yaml; vedi content-example/ per un esempio",
        )
    })?;
    let rete: Rete = crate::yaml::parse(&text, &shown, 0, &text)?;
    if let Some(r) = &rete.risorse_condivise {
        if !r.is_https() {
            return Err(Diagnostic::error(
                "E-VALUE-INVALID",
                &shown,
                format!("risorse_condivise `{r}` non è un indirizzo https"),
            )
            .hint("scrivi l'indirizzo completo, per esempio https://static.provincia.example.it/civico/"));
        }
    }
    if let Some(p) = &rete.portale {
        // The portal is written under the output folder: a plain folder name, nothing else.
        if crate::slug::slugify(&p.percorso) != p.percorso || p.percorso.is_empty() {
            return Err(Diagnostic::error(
                "E-VALUE-INVALID",
                &shown,
                format!(
                    "portale.percorso `{}` non è un nome di cartella valido",
                    p.percorso
                ),
            )
            .hint("usa lettere minuscole, cifre e trattini, per esempio percorso: eventi"));
        }
        if !p.base_url.is_web() {
            return Err(Diagnostic::error(
                "E-VALUE-INVALID",
                &shown,
                format!("portale.base_url `{}` non è un indirizzo web", p.base_url),
            )
            .hint(
                "scrivi l'indirizzo completo, per esempio https://eventi.provincia.example.it/",
            ));
        }
    }
    if let Some(msg) = cartella_fuori(root, &rete.cartella_comuni) {
        let line = crate::yaml::line_of(&text, "cartella_comuni").unwrap_or(1);
        return Err(Diagnostic::error("E-VALUE-INVALID", &shown, msg)
            .at(line, 1)
            .hint("scrivi il nome di una cartella dentro quella del sito, per esempio cartella_comuni: comuni")
            .with_source(&text));
    }
    if rete.fuso_orario.parse::<chrono_tz::Tz>().is_err() {
        return Err(Diagnostic::error(
            "E-VALUE-INVALID",
            &shown,
            format!(
                "fuso_orario `{}` non è un fuso orario IANA",
                rete.fuso_orario
            ),
        )
        .hint("scrivi fuso_orario: Europe/Rome, oppure togli la riga"));
    }
    Ok(rete)
}

/// Why `cartella_comuni` is not a folder inside the root, if it is not: nothing outside the
/// site's folder is ever read.
fn cartella_fuori(root: &Path, cartella: &str) -> Option<String> {
    use std::path::Component;
    let p = Path::new(cartella);
    let plain = !cartella.trim().is_empty()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !plain {
        return Some(format!(
            "cartella_comuni `{cartella}` esce dalla cartella del sito"
        ));
    }
    // A link inside the root may still point outside it (a missing folder is reported when the
    // comuni are read).
    let full = root.join(p);
    (full.exists() && !inside(root, &full)).then(|| {
        format!("cartella_comuni `{cartella}` è un collegamento a una cartella fuori dal sito")
    })
}

impl Rete {
    /// The network's time zone (validated when civico.yaml is read).
    pub fn tz(&self) -> chrono_tz::Tz {
        self.fuso_orario.parse().unwrap_or(chrono_tz::Europe::Rome)
    }
}

/// What is certainly wrong in a comune's codes stops the build: a PEC that is not an email
/// address (it would be a broken link in every footer), a codice fiscale or partita IVA whose
/// check digit does not match, an ISTAT code that is not six digits.
fn codici(c: &Comune, text: &str, shown: &Path, diags: &Diagnostics) {
    use crate::codici::{cf_ente_ok, email_ok, istat_ok, partita_iva_ok};
    let at = |key: &str| {
        let line = crate::yaml::line_of(text, key).unwrap_or(0);
        let col = text
            .lines()
            .nth(line.saturating_sub(1))
            .and_then(|l| {
                l.find(':')
                    .map(|i| i + 2 + l[i + 1..].len() - l[i + 1..].trim_start().len())
            })
            .unwrap_or(1);
        (line, col)
    };
    let wrong = |code: &'static str, (line, col): (usize, usize), msg: String, hint: &str| {
        diags.push(
            Diagnostic::error(code, shown, msg)
                .at(line, col)
                .hint(hint)
                .with_source(text),
        )
    };
    if !email_ok(&c.pec.value) {
        wrong(
            "E-PEC",
            (c.pec.line, c.pec.col),
            format!("`{}` non è un indirizzo di posta elettronica", c.pec.value),
            "scrivi il domicilio digitale del Comune come compare nell'IPA, per esempio protocollo@pec.comune.nome.pr.it",
        );
    }
    if !cf_ente_ok(&c.codice_fiscale) {
        wrong(
            "E-CODICE-FISCALE",
            at("codice_fiscale"),
            format!("il codice fiscale `{}` non è valido (11 cifre, l'ultima di controllo)", c.codice_fiscale),
            "copia il codice fiscale del Comune dall'IPA o da un atto: probabilmente manca o è sbagliata una cifra",
        );
    }
    if let Some(p) = c.partita_iva.as_deref().filter(|p| !partita_iva_ok(p)) {
        wrong(
            "E-PARTITA-IVA",
            at("partita_iva"),
            format!("la partita IVA `{p}` non è valida (11 cifre, l'ultima di controllo)"),
            "copia la partita IVA del Comune da un atto o toglila se il Comune non ne ha una",
        );
    }
    if !istat_ok(&c.codice_istat) {
        wrong(
            "E-CODICE-ISTAT",
            at("codice_istat"),
            format!("il codice ISTAT `{}` non è valido: sono 6 cifre", c.codice_istat),
            "scrivi il codice ISTAT del Comune tra virgolette, con gli zeri iniziali, per esempio \"058091\"",
        );
    }
}

/// Finds and reads every `comune.yaml` of the network, sorted by slug.
/// `only` restricts the set (from `--comune`); an unknown slug is an error.
pub fn load_comuni(
    root: &Path,
    rete: &Rete,
    only: &[String],
    diags: &Diagnostics,
) -> Vec<ComuneDir> {
    let dir = root.join(&rete.cartella_comuni);
    let mut slugs: Vec<String> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .filter(|e| e.path().join("comune.yaml").is_file())
            // A comune's folder linked from elsewhere is not part of the site.
            .filter(|e| inside(root, &e.path()))
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .collect(),
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    "E-CONFIG",
                    display_path(root, &dir),
                    format!(
                        "impossibile leggere la cartella dei comuni: {}",
                        crate::errore_io::descrivi(&e)
                    ),
                )
                .hint("crea un comune con `civico new comune <slug>`"),
            );
            return Vec::new();
        }
    };
    slugs.sort();
    if slugs.is_empty() {
        diags.push(
            Diagnostic::error(
                "E-CONFIG",
                display_path(root, &dir),
                "nessun comune nella cartella: ogni comune è una sottocartella con il suo comune.yaml",
            )
            .hint("controlla cartella_comuni in civico.yaml, oppure crea un comune con `civico new comune <slug>`"),
        );
        return Vec::new();
    }
    for s in only {
        if !slugs.contains(s) {
            diags.push(
                Diagnostic::error(
                    "E-COMUNE-UNKNOWN",
                    display_path(root, &dir),
                    format!("il comune `{s}` non esiste"),
                )
                .hint(format!("comuni disponibili: {}", slugs.join(", "))),
            );
        }
    }
    slugs
        .into_iter()
        .filter(|s| only.is_empty() || only.contains(s))
        .filter_map(|slug| {
            let cdir = dir.join(&slug);
            let path = cdir.join("comune.yaml");
            let shown = display_path(root, &path);
            let text = match std::fs::read(&path) {
                Ok(b) => match String::from_utf8(b) {
                    Ok(t) => t,
                    Err(_) => {
                        diags.push(
                            Diagnostic::error("E-ENCODING", &shown, "il file non è in UTF-8")
                                .hint("salva il file con codifica UTF-8"),
                        );
                        return None;
                    }
                },
                Err(e) => {
                    let why = crate::errore_io::descrivi(&e);
                    diags.push(Diagnostic::error("E-IO", &shown, format!("lettura non riuscita: {why}")));
                    return None;
                }
            };
            let text = crate::yaml::normalise(&text).into_owned();
            let mut config: Comune = match crate::yaml::parse(&text, &shown, 0, &text) {
                Ok(c) => c,
                Err(d) => {
                    diags.push(d);
                    return None;
                }
            };
            codici(&config, &text, &shown, diags);
            if let Some(u) = &mut config.servizi_online.sportello {
                *u = u.without_trailing_slash();
                let ok = url::Url::parse(u).is_ok_and(|x| {
                    x.scheme() == "https"
                        || (x.scheme() == "http"
                            && matches!(x.host_str(), Some("127.0.0.1" | "localhost")))
                });
                if !ok {
                    diags.push(
                        Diagnostic::error(
                            "E-VALUE-INVALID",
                            &shown,
                            format!("servizi_online.sportello `{u}` non è un indirizzo https"),
                        )
                        .hint("scrivi l'indirizzo del servizio di prenotazione, per esempio https://sportello.provincia.example.it"),
                    );
                }
            }
            let (base_url, base_path) = match parse_base_url(&config.base_url.value) {
                Ok(x) => x,
                Err(msg) => {
                    diags.push(
                        Diagnostic::error("E-BASE-URL", &shown, msg)
                            .at(config.base_url.line, config.base_url.col)
                            .hint("scrivi l'indirizzo completo del sito, per esempio https://www.comune.esempio.it/")
                            .with_source(&text),
                    );
                    return None;
                }
            };
            if let Some(c) = &config.colore_primario {
                if let Some(d) = check_colour(&c.value, &shown) {
                    diags.push(d.at(c.line, c.col).with_source(&text));
                }
            }
            for canale in ["notizie", "eventi", "bandi", "albo", "pratiche"] {
                let Some(v) = config.app_io.as_ref().and_then(|a| a.segreto(canale)) else {
                    continue;
                };
                if !nome_segreto_valido(&v.value) {
                    diags.push(
                        Diagnostic::error(
                            "E-IO-SEGRETO",
                            &shown,
                            // The value is not repeated: it may be the key itself.
                            format!("app_io.{canale} deve contenere il nome di un segreto (lettere maiuscole, cifre e _)"),
                        )
                        .at(v.line, v.col)
                        .hint("scrivi il nome della variabile d'ambiente che contiene la chiave del servizio IO (per esempio IO_NOTIZIE), mai la chiave: il repository è pubblico"),
                    );
                }
            }
            let sportello = load_sportello(root, &cdir, diags);
            Some(ComuneDir {
                slug,
                dir: cdir,
                config,
                base_path,
                base_url,
                sportello,
            })
        })
        .collect()
}

/// Parses `#rrggbb` into its channels.
pub fn parse_hex_colour(s: &str) -> Option<[u8; 3]> {
    let h = s.trim().strip_prefix('#')?;
    if h.len() != 6 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let ch = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
    Some([ch(0)?, ch(2)?, ch(4)?])
}

/// WCAG 2.1 contrast ratio of white text on `rgb`.
pub fn contrast_with_white(rgb: [u8; 3]) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2]);
    1.05 / (l + 0.05)
}

/// The theme writes white text on the primary colour (header, buttons): it must be a valid
/// colour with a contrast of at least 4.5:1 (WCAG 2.1 AA, criterion 1.4.3).
fn check_colour(value: &str, file: &Path) -> Option<Diagnostic> {
    let Some(rgb) = parse_hex_colour(value) else {
        return Some(
            Diagnostic::error(
                "E-VALUE-INVALID",
                file,
                format!("colore_primario `{value}` non è un colore nel formato #rrggbb"),
            )
            .hint("scrivi il colore in esadecimale, tra virgolette: colore_primario: \"#0066cc\""),
        );
    };
    let ratio = contrast_with_white(rgb);
    (ratio < 4.5).then(|| {
        Diagnostic::error(
            "E-COLORE-CONTRASTO",
            file,
            format!(
                "il testo bianco su colore_primario `{value}` ha contrasto {ratio:.2}:1, sotto il minimo di 4,5:1 richiesto per l'accessibilità"
            ),
        )
        .hint("scegli una tonalità più scura dello stesso colore")
    })
}

/// Splits a base URL into (url without trailing slash, path prefix without trailing slash).
pub fn parse_base_url(s: &str) -> Result<(String, String), String> {
    let u = url::Url::parse(s.trim()).map_err(|e| format!("base_url non valido `{s}`: {e}"))?;
    if u.scheme() != "https" && u.scheme() != "http" {
        return Err(format!(
            "base_url deve iniziare con https:// (trovato `{}`)",
            u.scheme()
        ));
    }
    if u.host_str().is_none() {
        return Err(format!("base_url senza dominio: `{s}`"));
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err(format!("base_url non può contenere `?` o `#`: `{s}`"));
    }
    let path = u.path().trim_end_matches('/').to_string();
    let mut full = u.to_string();
    while full.ends_with('/') {
        full.pop();
    }
    Ok((full, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_root_and_prefix() {
        assert_eq!(
            parse_base_url("https://www.comune.x.it/").unwrap(),
            ("https://www.comune.x.it".to_string(), String::new())
        );
        assert_eq!(
            parse_base_url("https://sites.example.it/valfiorita/").unwrap(),
            (
                "https://sites.example.it/valfiorita".to_string(),
                "/valfiorita".to_string()
            )
        );
        assert!(parse_base_url("comune.x.it").is_err());
        assert!(parse_base_url("ftp://comune.x.it").is_err());
    }

    #[test]
    fn colours_need_contrast_with_white() {
        assert_eq!(parse_hex_colour("#0066cc"), Some([0, 0x66, 0xcc]));
        assert_eq!(parse_hex_colour("0066cc"), None);
        assert_eq!(parse_hex_colour("#06c"), None);
        // Bootstrap Italia's blue passes, white on white does not.
        assert!(contrast_with_white([0, 0x66, 0xcc]) > 5.0);
        assert!((contrast_with_white([255, 255, 255]) - 1.0).abs() < 1e-9);
        assert!(check_colour("#0066cc", Path::new("c.yaml")).is_none());
        assert_eq!(
            check_colour("#ffcc00", Path::new("c.yaml")).unwrap().code,
            "E-COLORE-CONTRASTO"
        );
        assert_eq!(
            check_colour("blu", Path::new("c.yaml")).unwrap().code,
            "E-VALUE-INVALID"
        );
    }
}
