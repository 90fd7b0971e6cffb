//! The online form of a scheda servizio (`modulo:` in its front matter), for istanze: its steps
//! and fields, the conditions that show a field, the declarations under DPR 445/2000, the term of
//! the procedure and how to pay. One definition, two uses: the build checks it ([`controlla`],
//! every mistake at its line) and the service checks every submission against it ([`valida`],
//! an Italian message per field), with this same code.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::bilancio::Euro;
use crate::codici::email_ok;
use crate::diagnostics::Diagnostic;
use crate::fields::Spanned;
use crate::href::Href;

/// An online form.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Modulo {
    /// The steps of the form, in order, each with its fields.
    pub passi: Vec<Passo>,
    /// Declarations the applicant makes (DPR 445/2000, art. 46 or 47).
    #[serde(default)]
    pub dichiarazioni: Vec<Dichiarazione>,
    /// Days within which the office concludes the procedure (L. 241/1990).
    pub termine_giorni: Spanned<u32>,
    /// When a payment is due: how much and how (the payment is made on pagoPA, not here).
    #[serde(default)]
    pub pagamento: Option<Pagamento>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Passo {
    pub titolo: String,
    pub campi: Vec<Campo>,
}

/// A field of the form.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Campo {
    /// Its name in the submitted data: lower-case letters, digits and `_` (`classe_frequentata`).
    pub nome: Spanned<String>,
    pub etichetta: String,
    pub tipo: Spanned<TipoCampo>,
    #[serde(default)]
    pub obbligatorio: bool,
    #[serde(default)]
    pub aiuto: Option<String>,
    /// Long text: the most characters.
    #[serde(default)]
    pub max_caratteri: Option<u32>,
    /// Number: the smallest and largest value.
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    /// Choice and checkboxes: the options.
    #[serde(default)]
    pub opzioni: Vec<String>,
    /// Filled from the applicant's identity (SPID, CIE) and not editable.
    #[serde(default)]
    pub da_identita: Option<Identita>,
    /// Shown (and asked) only when another, earlier field has this value.
    #[serde(default)]
    pub se: Option<Condizione>,
    /// Attachment: the file types allowed (`pdf`, `jpg`, ...) and the largest size in MB.
    #[serde(default)]
    pub tipi_file: Vec<String>,
    #[serde(default)]
    pub max_mb: Option<u32>,
}

// The kind of a field: `scelta` is one of `opzioni`, `caselle` any of them (a plain comment:
// the schema's description would become the web editor's hint, in English).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TipoCampo {
    Testo,
    TestoLungo,
    Numero,
    Data,
    Email,
    Telefono,
    CodiceFiscale,
    Iban,
    Scelta,
    Caselle,
    Allegato,
}

/// What the identity gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Identita {
    Nome,
    Cognome,
    CodiceFiscale,
    Email,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condizione {
    pub campo: Spanned<String>,
    pub valore: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dichiarazione {
    /// `46` (dichiarazione sostitutiva di certificazione) or `47` (di atto di notorietà).
    pub articolo: Spanned<u32>,
    pub testo: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pagamento {
    #[serde(default)]
    pub importo: Option<Spanned<Euro>>,
    pub istruzioni: String,
    /// The comune's pagoPA portal.
    #[serde(default)]
    pub url: Option<Href>,
}

/// How a choice is shown, by the Designers Italia rule: up to 5 options radio buttons, 6 to 10
/// a select, more an autocomplete.
pub fn widget_scelta(opzioni: usize) -> &'static str {
    match opzioni {
        0..=5 => "radio",
        6..=10 => "select",
        _ => "autocomplete",
    }
}

/// The text every form shows before sending (DPR 445/2000, art. 76).
pub const AVVERTENZA_445: &str = "Sono consapevole delle sanzioni penali previste dall'art. 76 del DPR 445/2000 per le dichiarazioni false o mendaci e della decadenza dai benefici ottenuti (art. 75).";

impl Modulo {
    pub fn campi(&self) -> impl Iterator<Item = &Campo> {
        self.passi.iter().flat_map(|p| p.campi.iter())
    }
}

/// A scheda servizio that takes istanze online, as the service reads it.
#[derive(Debug, Clone)]
pub struct ServizioOnline {
    /// The scheda's slug (`mensa-scolastica`).
    pub slug: String,
    pub titolo: String,
    pub modulo: Modulo,
    /// The office that handles the pratiche: the title of the scheda's `ufficio_responsabile`.
    pub ufficio: String,
}

#[derive(Deserialize)]
struct Testa {
    titolo: String,
    #[serde(default)]
    bozza: bool,
    #[serde(default)]
    modulo: Option<Modulo>,
    #[serde(default)]
    ufficio_responsabile: Option<String>,
}

#[derive(Deserialize)]
struct SoloTitolo {
    titolo: String,
}

/// The title of the office page `uffici/x` of a comune's folder, when it can be read.
fn titolo_ufficio(comune: &Path, chiave: &str) -> Option<String> {
    let testo = std::fs::read_to_string(comune.join(format!("{chiave}.md"))).ok()?;
    let testo = crate::frontmatter::normalise(&testo);
    let split = crate::frontmatter::split(&testo).ok()?;
    serde_saphyr::from_str::<SoloTitolo>(split.yaml)
        .ok()
        .map(|t| t.titolo)
}

/// The services of a comune's folder that declare a form (`servizi/*.md` with `modulo:`), by
/// slug; drafts are left out. A file that cannot be read is skipped with its reason in the
/// second list: the build reports it at its line, the service must keep running.
pub fn servizi_online(comune: &Path) -> (Vec<ServizioOnline>, Vec<String>) {
    let (mut ok, mut errori) = (Vec::new(), Vec::new());
    let Ok(voci) = std::fs::read_dir(comune.join("servizi")) else {
        return (ok, errori);
    };
    let mut file: Vec<_> = voci
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    file.sort();
    for f in file {
        let Ok(testo) = std::fs::read_to_string(&f) else {
            errori.push(format!("{}: non leggibile", f.display()));
            continue;
        };
        let testo = crate::frontmatter::normalise(&testo);
        let Ok(split) = crate::frontmatter::split(&testo) else {
            continue;
        };
        if !split.yaml.contains("modulo:") {
            continue;
        }
        match serde_saphyr::from_str::<Testa>(split.yaml) {
            Ok(Testa {
                titolo,
                bozza: false,
                modulo: Some(modulo),
                ufficio_responsabile,
            }) if controlla(&modulo, &f, split.yaml).is_empty() => {
                let slug = f
                    .file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                let ufficio = ufficio_responsabile
                    .filter(|u| !u.contains(".."))
                    .and_then(|u| titolo_ufficio(comune, u.trim_end_matches(".md")))
                    .unwrap_or_else(|| "Ufficio relazioni con il pubblico".into());
                ok.push(ServizioOnline {
                    slug,
                    titolo,
                    modulo,
                    ufficio,
                });
            }
            Ok(t) if t.modulo.is_some() && !t.bozza => {
                errori.push(format!(
                    "{}: il modulo ha errori (civico check li mostra)",
                    f.display()
                ));
            }
            Ok(_) => {}
            Err(e) => errori.push(format!("{}: {e}", f.display())),
        }
    }
    (ok, errori)
}

/// Checks a form's definition: every mistake as an error at its line in `file`.
pub fn controlla(m: &Modulo, file: &Path, source: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut err = |line: usize, col: usize, msg: String, hint: &str| {
        out.push(
            Diagnostic::error("E-MODULO", file, msg)
                .at(line, col)
                .hint(hint)
                .with_source(source),
        );
    };
    if m.passi.is_empty() || m.passi.iter().any(|p| p.campi.is_empty()) {
        let line = crate::yaml::line_of(source, "modulo").unwrap_or(1);
        err(
            line,
            1,
            "il modulo non ha passi, o ha un passo senza campi".into(),
            "ogni passo (`passi:`) elenca i suoi `campi:`",
        );
    }
    if m.termine_giorni.value == 0 {
        err(
            m.termine_giorni.line,
            m.termine_giorni.col,
            "il termine del procedimento è 0 giorni".into(),
            "scrivi in quanti giorni l'ufficio conclude la pratica (di norma 30, L. 241/1990)",
        );
    }
    for d in &m.dichiarazioni {
        if !matches!(d.articolo.value, 46 | 47) {
            err(
                d.articolo.line,
                d.articolo.col,
                format!(
                    "l'articolo {} non è del DPR 445/2000 per le dichiarazioni",
                    d.articolo.value
                ),
                "scrivi 46 (certificazione) o 47 (atto di notorietà)",
            );
        }
    }
    let mut visti: Vec<&Campo> = Vec::new();
    let mut nomi = HashSet::new();
    for c in m.campi() {
        let (n, l, col) = (&c.nome.value, c.nome.line, c.nome.col);
        if n.is_empty()
            || !n
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            err(
                l,
                col,
                format!("il nome del campo `{n}` può avere solo lettere minuscole, cifre e _"),
                "per esempio classe_frequentata",
            );
        }
        if !nomi.insert(n.clone()) {
            err(
                l,
                col,
                format!("il campo `{n}` compare due volte"),
                "dai a ogni campo un nome diverso",
            );
        }
        let tipo = c.tipo.value;
        let scelta = matches!(tipo, TipoCampo::Scelta | TipoCampo::Caselle);
        if scelta && c.opzioni.len() < 2 {
            err(
                c.tipo.line,
                c.tipo.col,
                format!("il campo `{n}` è una scelta ma ha meno di due opzioni"),
                "elenca le opzioni in `opzioni:`",
            );
        }
        if !scelta && !c.opzioni.is_empty() {
            err(
                c.tipo.line,
                c.tipo.col,
                format!("il campo `{n}` ha opzioni ma non è una scelta"),
                "usa `tipo: scelta` o `tipo: caselle`, o togli le opzioni",
            );
        }
        if tipo == TipoCampo::Allegato && c.tipi_file.is_empty() {
            err(
                c.tipo.line,
                c.tipo.col,
                format!("l'allegato `{n}` non dice quali tipi di file accetta"),
                "aggiungi per esempio `tipi_file: [pdf, jpg]` e `max_mb: 5`",
            );
        }
        if let Some(id) = c.da_identita {
            let ok = match id {
                Identita::Nome | Identita::Cognome => tipo == TipoCampo::Testo,
                Identita::CodiceFiscale => tipo == TipoCampo::CodiceFiscale,
                Identita::Email => tipo == TipoCampo::Email,
            };
            if !ok {
                err(c.tipo.line, c.tipo.col, format!("il campo `{n}` viene dall'identità ma il suo tipo non corrisponde"), "nome e cognome sono `testo`, il codice fiscale `codice_fiscale`, l'email `email`");
            }
        }
        if let Some(se) = &c.se {
            match visti.iter().find(|v| v.nome.value == se.campo.value) {
                None => err(
                    se.campo.line,
                    se.campo.col,
                    format!(
                        "la condizione di `{n}` dipende da `{}`, che non è un campo precedente",
                        se.campo.value
                    ),
                    "una condizione guarda un campo che viene prima",
                ),
                Some(v) if !v.opzioni.is_empty() && !v.opzioni.contains(&se.valore) => {
                    err(
                        se.campo.line,
                        se.campo.col,
                        format!("`{}` non è un'opzione di `{}`", se.valore, se.campo.value),
                        &format!("le opzioni sono: {}", v.opzioni.join(", ")),
                    );
                }
                Some(_) => {}
            }
        }
        visti.push(c);
    }
    out
}

/// A submitted value: a text, the options ticked, or a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Valore {
    Testo(String),
    Lista(Vec<String>),
    File { nome: String, byte: u64 },
}

/// Checks a submission against the form: for each field in error, the message to show beside it.
/// A field hidden by its condition is not asked; a value for a field the form lacks is refused.
pub fn valida(m: &Modulo, valori: &BTreeMap<String, Valore>) -> BTreeMap<String, String> {
    let mut errori = BTreeMap::new();
    let visibile = |c: &Campo| {
        c.se.as_ref()
            .is_none_or(|se| match valori.get(&se.campo.value) {
                Some(Valore::Testo(t)) => *t == se.valore,
                Some(Valore::Lista(l)) => l.contains(&se.valore),
                _ => false,
            })
    };
    for c in m.campi() {
        if !visibile(c) {
            continue;
        }
        let nome = &c.nome.value;
        match valori.get(nome) {
            None => {
                if c.obbligatorio {
                    errori.insert(nome.clone(), format!("{}: campo obbligatorio", c.etichetta));
                }
            }
            Some(Valore::Testo(t)) if t.trim().is_empty() => {
                if c.obbligatorio {
                    errori.insert(nome.clone(), format!("{}: campo obbligatorio", c.etichetta));
                }
            }
            Some(v) => {
                if let Err(e) = valore_ok(c, v) {
                    errori.insert(nome.clone(), format!("{}: {e}", c.etichetta));
                }
            }
        }
    }
    let noti: HashSet<&str> = m.campi().map(|c| c.nome.value.as_str()).collect();
    for k in valori.keys().filter(|k| !noti.contains(k.as_str())) {
        errori.insert(k.clone(), format!("`{k}` non è un campo del modulo"));
    }
    errori
}

/// Whether one value fits its field; else why not, in Italian.
fn valore_ok(c: &Campo, v: &Valore) -> Result<(), String> {
    use TipoCampo as T;
    match (c.tipo.value, v) {
        (T::Caselle, Valore::Lista(l)) => match l.iter().find(|x| !c.opzioni.contains(x)) {
            Some(x) => Err(format!("`{x}` non è tra le opzioni")),
            None if c.obbligatorio && l.is_empty() => Err("scegli almeno un'opzione".into()),
            None => Ok(()),
        },
        (T::Allegato, Valore::File { nome, byte }) => {
            let ext = nome.rsplit('.').next().unwrap_or("").to_lowercase();
            if !c.tipi_file.iter().any(|t| t.eq_ignore_ascii_case(&ext)) {
                Err(format!("il file deve essere {}", c.tipi_file.join(", ")))
            } else if c
                .max_mb
                .is_some_and(|mb| *byte > u64::from(mb) * 1024 * 1024)
            {
                Err(format!("il file supera {} MB", c.max_mb.unwrap_or(0)))
            } else {
                Ok(())
            }
        }
        (T::Caselle | T::Allegato, _) => Err("valore non valido".into()),
        (_, Valore::Testo(t)) => testo_ok(c, t.trim()),
        _ => Err("valore non valido".into()),
    }
}

fn testo_ok(c: &Campo, t: &str) -> Result<(), String> {
    use TipoCampo as T;
    let limite = c.max_caratteri.unwrap_or(if c.tipo.value == T::TestoLungo {
        4000
    } else {
        200
    });
    if t.chars().count() > limite as usize {
        return Err(format!("al massimo {limite} caratteri"));
    }
    match c.tipo.value {
        T::Numero => {
            let n: f64 = t
                .replace(',', ".")
                .parse()
                .map_err(|_| "scrivi un numero".to_string())?;
            if c.min.is_some_and(|m| n < m) || c.max.is_some_and(|m| n > m) {
                return Err(format!(
                    "il valore va da {} a {}",
                    c.min.map_or("-".into(), |m| m.to_string()),
                    c.max.map_or("-".into(), |m| m.to_string())
                ));
            }
            Ok(())
        }
        T::Data => chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(|_| ())
            .map_err(|_| "scrivi una data valida".into()),
        T::Email if !email_ok(t) => Err("scrivi un indirizzo email valido".into()),
        T::Telefono if !telefono_ok(t) => Err("scrivi un numero di telefono valido".into()),
        T::CodiceFiscale if !codice_fiscale_persona_ok(t) => {
            Err("il codice fiscale non è valido".into())
        }
        T::Iban if !iban_ok(t) => Err("l'IBAN non è valido".into()),
        T::Scelta if !c.opzioni.iter().any(|o| o == t) => {
            Err(format!("`{t}` non è tra le opzioni"))
        }
        _ => Ok(()),
    }
}

/// A phone number: digits, with an optional leading `+` and spaces, 6 to 15 digits.
pub fn telefono_ok(s: &str) -> bool {
    let s = s.trim();
    let body = s.strip_prefix('+').unwrap_or(s);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    body.chars().all(|c| c.is_ascii_digit() || c == ' ') && (6..=15).contains(&digits)
}

/// A person's codice fiscale (16 characters, omocodia included) with its check character.
pub fn codice_fiscale_persona_ok(s: &str) -> bool {
    const DISPARI: [u32; 36] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3,
        6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
    ];
    let s = s.trim().to_ascii_uppercase();
    let b = s.as_bytes();
    if b.len() != 16 || !b.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    // Letters where the code has letters; digits (or their omocodia letters) elsewhere.
    let lettere = [0, 1, 2, 3, 4, 5, 8, 11, 15];
    if lettere.iter().any(|&i| !b[i].is_ascii_uppercase()) {
        return false;
    }
    let omocodia = b"LMNPQRSTUV";
    if [6, 7, 9, 10, 12, 13, 14]
        .iter()
        .any(|&i| !(b[i].is_ascii_digit() || omocodia.contains(&b[i])))
    {
        return false;
    }
    let indice = |c: u8| -> usize {
        if c.is_ascii_digit() {
            (c - b'0') as usize
        } else {
            (c - b'A') as usize + 10
        }
    };
    let mut somma = 0;
    for (i, &c) in b[..15].iter().enumerate() {
        let k = indice(c);
        somma += if i % 2 == 0 {
            DISPARI[k]
        } else if c.is_ascii_digit() {
            k as u32
        } else {
            (k - 10) as u32
        };
    }
    b[15] == b'A' + (somma % 26) as u8
}

/// An IBAN: country letters, check digits, 11 to 30 letters or digits, remainder 1 modulo 97
/// (an Italian one has 27 characters).
pub fn iban_ok(s: &str) -> bool {
    let s: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let b = s.as_bytes();
    if !(15..=34).contains(&b.len())
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..4].iter().all(u8::is_ascii_digit)
        || !b.iter().all(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    if &s[..2] == "IT" && b.len() != 27 {
        return false;
    }
    let mut resto: u32 = 0;
    for &c in b[4..].iter().chain(&b[..4]) {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        resto = if v >= 10 {
            (resto * 100 + v) % 97
        } else {
            (resto * 10 + v) % 97
        };
    }
    resto == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODULO: &str = r#"
passi:
  - titolo: "Richiedente"
    campi:
      - {nome: nome, etichetta: "Nome", tipo: testo, obbligatorio: true, da_identita: nome}
      - {nome: codice_fiscale, etichetta: "Codice fiscale", tipo: codice_fiscale, obbligatorio: true, da_identita: codice_fiscale}
  - titolo: "Dati della domanda"
    campi:
      - {nome: scuola, etichetta: "Scuola", tipo: scelta, obbligatorio: true, opzioni: ["Primaria", "Secondaria di primo grado"]}
      - {nome: classe, etichetta: "Classe", tipo: numero, min: 1, max: 5, obbligatorio: true, se: {campo: scuola, valore: "Primaria"}}
      - {nome: iban, etichetta: "IBAN", tipo: iban, obbligatorio: true}
      - {nome: isee, etichetta: "Attestazione ISEE", tipo: allegato, obbligatorio: true, tipi_file: [pdf], max_mb: 5}
termine_giorni: 30
dichiarazioni:
  - {articolo: 46, testo: "di essere residente nel Comune"}
"#;

    fn modulo(text: &str) -> Modulo {
        serde_saphyr::from_str(text).unwrap()
    }

    fn t(s: &str) -> Valore {
        Valore::Testo(s.into())
    }

    #[test]
    fn a_sound_definition_has_no_error_and_mistakes_are_named() {
        let m = modulo(MODULO);
        assert!(controlla(&m, Path::new("s.md"), MODULO).is_empty());
        let bad = MODULO
            .replace("valore: \"Primaria\"", "valore: \"Primarie\"")
            .replace("nome: iban,", "nome: Iban,")
            .replace("tipi_file: [pdf], ", "")
            .replace("articolo: 46", "articolo: 48");
        let d = controlla(&modulo(&bad), Path::new("s.md"), &bad);
        let msgs: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(d.len(), 4, "{msgs:#?}");
        assert!(d.iter().all(|d| d.code == "E-MODULO" && d.line > 0));
        assert!(msgs
            .iter()
            .any(|m| m.contains("`Primarie` non è un'opzione di `scuola`")));
    }

    #[test]
    fn submissions_are_checked_field_by_field() {
        let m = modulo(MODULO);
        let mut v: BTreeMap<String, Valore> = BTreeMap::new();
        v.insert("nome".into(), t("Maria"));
        v.insert("codice_fiscale".into(), t("RSSMRA85T10A562S"));
        v.insert("scuola".into(), t("Secondaria di primo grado"));
        v.insert("iban".into(), t("IT60 X054 2811 1010 0000 0123 456"));
        v.insert(
            "isee".into(),
            Valore::File {
                nome: "isee.PDF".into(),
                byte: 300_000,
            },
        );
        assert_eq!(
            valida(&m, &v),
            BTreeMap::new(),
            "the class is not asked for the secondary school"
        );
        v.insert("scuola".into(), t("Primaria"));
        let e = valida(&m, &v);
        assert_eq!(e["classe"], "Classe: campo obbligatorio");
        v.insert("classe".into(), t("7"));
        v.insert("iban".into(), t("IT60X0542811101000000123457"));
        v.insert(
            "isee".into(),
            Valore::File {
                nome: "isee.docx".into(),
                byte: 1,
            },
        );
        v.insert("extra".into(), t("x"));
        let e = valida(&m, &v);
        assert_eq!(e["classe"], "Classe: il valore va da 1 a 5");
        assert_eq!(e["iban"], "IBAN: l'IBAN non è valido");
        assert_eq!(e["isee"], "Attestazione ISEE: il file deve essere pdf");
        assert!(e.contains_key("extra"));
    }

    #[test]
    fn codes_of_people_and_bank_accounts() {
        assert!(codice_fiscale_persona_ok("RSSMRA85T10A562S"));
        assert!(codice_fiscale_persona_ok("rssmra85t10a562s"));
        assert!(
            !codice_fiscale_persona_ok("RSSMRA85T10A562T"),
            "wrong check character"
        );
        assert!(!codice_fiscale_persona_ok("RSSMRA85T10A56"));
        assert!(codice_fiscale_persona_ok("RSSMRA85T10A56NH"), "omocodia");
        assert!(iban_ok("IT60X0542811101000000123456"));
        assert!(iban_ok("GB82 WEST 1234 5698 7654 32"));
        assert!(!iban_ok("IT60X0542811101000000123457"));
        assert!(
            !iban_ok("IT60X054281110100000012345"),
            "an Italian IBAN has 27 characters"
        );
        assert!(telefono_ok("+39 0999 102201") && !telefono_ok("12ab"));
        assert_eq!(
            (widget_scelta(5), widget_scelta(6), widget_scelta(11)),
            ("radio", "select", "autocomplete")
        );
    }
}
