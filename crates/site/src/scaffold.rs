//! `civico new comune SLUG`: scaffolds a comune folder that builds as it is.
//!
//! comune.yaml with every field explained in comments, one example of each content kind, a
//! placeholder coat of arms, and the whole Amministrazione trasparente tree as `_index.md`
//! placeholders that say what each section needs (the compliance checker reports them until
//! they are filled or declared). The files live in `data/nuovo-comune/` and are embedded in the
//! binary; `{{NOME}}` and `{{SLUG}}` are replaced with the comune's name and slug.

use std::path::{Path, PathBuf};

use civico_core::slug::slugify;

const FILES: &[(&str, &str)] = &[
    (
        "albo/{{ANNO}}-0001.md",
        include_str!("../../../data/nuovo-comune/albo/ANNO-0001.md"),
    ),
    (
        "amministrazione-trasparente/organizzazione/articolazione-degli-uffici/uffici.yaml",
        include_str!(
            "../../../data/nuovo-comune/amministrazione-trasparente/organizzazione/articolazione-degli-uffici/uffici.yaml"
        ),
    ),
    (
        "comune.yaml",
        include_str!("../../../data/nuovo-comune/comune.yaml"),
    ),
    (
        "documenti/regolamento-consiglio.md",
        include_str!("../../../data/nuovo-comune/documenti/regolamento-consiglio.md"),
    ),
    (
        "eventi/festa-patronale.md",
        include_str!("../../../data/nuovo-comune/eventi/festa-patronale.md"),
    ),
    (
        "luoghi/piazza-municipio.md",
        include_str!("../../../data/nuovo-comune/luoghi/piazza-municipio.md"),
    ),
    (
        "media/stemma.svg",
        include_str!("../../../data/nuovo-comune/media/stemma.svg"),
    ),
    (
        "notizie/benvenuti-nel-nuovo-sito.md",
        include_str!("../../../data/nuovo-comune/notizie/benvenuti-nel-nuovo-sito.md"),
    ),
    (
        "notizie/orari-degli-uffici.md",
        include_str!("../../../data/nuovo-comune/notizie/orari-degli-uffici.md"),
    ),
    (
        "pagine/faq.md",
        include_str!("../../../data/nuovo-comune/pagine/faq.md"),
    ),
    (
        "pagine/note-legali.md",
        include_str!("../../../data/nuovo-comune/pagine/note-legali.md"),
    ),
    (
        "pagine/privacy.md",
        include_str!("../../../data/nuovo-comune/pagine/privacy.md"),
    ),
    (
        "persone/mario-rossi.md",
        include_str!("../../../data/nuovo-comune/persone/mario-rossi.md"),
    ),
    (
        "servizi/carta-identita-elettronica.md",
        include_str!("../../../data/nuovo-comune/servizi/carta-identita-elettronica.md"),
    ),
    (
        "servizi/condizioni-di-servizio.pdf",
        include_str!("../../../data/nuovo-comune/servizi/condizioni-di-servizio.pdf"),
    ),
    (
        "uffici/segreteria.md",
        include_str!("../../../data/nuovo-comune/uffici/segreteria.md"),
    ),
];

/// The scheda of a service still to be written, for each service of [`SERVIZI`].
const SERVIZIO_DA_COMPLETARE: &str =
    include_str!("../../../data/nuovo-comune/servizio-da-completare.md");

/// The services nearly every comune offers, scaffolded as schede to complete (with the example
/// carta d'identità they make the 10 that AGID's criterion C.SI.1.3 asks for): file, title,
/// category, topic.
const SERVIZI: [(&str, &str, &str, &str); 11] = [
    (
        "certificati-anagrafici",
        "Certificati anagrafici",
        "Anagrafe e stato civile",
        "Anagrafe",
    ),
    (
        "cambio-di-residenza",
        "Cambio di residenza",
        "Anagrafe e stato civile",
        "Residenza",
    ),
    (
        "pagamento-tari",
        "Pagamento della TARI",
        "Tributi, finanze e contravvenzioni",
        "Gestione rifiuti",
    ),
    (
        "imu",
        "IMU - Imposta municipale propria",
        "Tributi, finanze e contravvenzioni",
        "Imposte",
    ),
    (
        "iscrizione-mensa-scolastica",
        "Iscrizione alla mensa scolastica",
        "Educazione e formazione",
        "Istruzione",
    ),
    (
        "contrassegno-disabili",
        "Contrassegno di parcheggio per disabili",
        "Mobilità e trasporti",
        "Assistenza agli invalidi",
    ),
    (
        "occupazione-suolo-pubblico",
        "Occupazione di suolo pubblico",
        "Autorizzazioni",
        "Commercio al minuto",
    ),
    (
        "permesso-di-costruire",
        "Permesso di costruire",
        "Catasto e urbanistica",
        "Urbanizzazione",
    ),
    (
        "assistenza-domiciliare",
        "Assistenza domiciliare",
        "Salute, benessere e assistenza",
        "Assistenza sociale",
    ),
    (
        "accesso-agli-atti",
        "Accesso agli atti",
        "Giustizia e sicurezza pubblica",
        "Accesso all'informazione",
    ),
    (
        "iscrizione-biblioteca",
        "Iscrizione alla biblioteca",
        "Cultura e tempo libero",
        "Tempo libero",
    ),
];

const CIVICO_YAML: &str = "# civico.yaml: la rete dei comuni gestiti da questo repository.\n\
# Chi gestisce i siti (un centro servizi, una provincia, un'unione di comuni).\n\
gestore: \"Centro servizi territoriale\"\n\
# Tema grafico (agid = Bootstrap Italia, Modello Comuni), lingua e fuso orario.\n\
tema: agid\n\
lingua: it\n\
fuso_orario: Europe/Rome\n\
# Cartella con una sottocartella per ogni comune.\n\
cartella_comuni: comuni\n";

/// Why scaffolding failed.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    #[error(
        "nome di cartella non valido `{0}`: usa minuscole, cifre e trattini, per esempio `{1}`"
    )]
    BadSlug(String, String),
    #[error(
        "{0} esiste già: scegli un altro nome (o un altro titolo), oppure togli quello che c'è"
    )]
    Exists(PathBuf),
    #[error("non riesco a scrivere {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("`{0}` non è un tipo di contenuto: scegli tra {1}")]
    UnknownKind(String, String),
    #[error("non c'è il comune {0}: crealo con `civico new comune` o controlla il nome")]
    NoComune(PathBuf),
}

/// The kinds `civico new` writes, with their folder and the scaffold's example of each.
const TIPI: [(&str, &str); 8] = [
    ("notizia", "notizie"),
    ("evento", "eventi"),
    ("servizio", "servizi"),
    ("ufficio", "uffici"),
    ("luogo", "luoghi"),
    ("persona", "persone"),
    ("documento", "documenti"),
    ("pagina", "pagine"),
];

/// `civico new notizia "Titolo" --comune SLUG`: a new file of that kind in the comune's folder,
/// from the scaffold's example of the kind with the title given and today's date, and a body
/// to replace. Never overwrites a file.
pub fn contenuto(
    root: &Path,
    tipo: &str,
    comune: &str,
    titolo: &str,
    oggi: chrono::NaiveDate,
) -> Result<PathBuf, NewError> {
    let Some((_, cartella)) = TIPI.iter().find(|(t, _)| *t == tipo) else {
        let tutti: Vec<&str> = TIPI.iter().map(|(t, _)| *t).collect();
        return Err(NewError::UnknownKind(tipo.to_string(), tutti.join(", ")));
    };
    let comuni = civico_core::config::load_rete(root)
        .map(|r| r.cartella_comuni.clone())
        .unwrap_or_else(|_| "comuni".into());
    let dir = root.join(comuni).join(comune);
    if !dir.join("comune.yaml").is_file() {
        return Err(NewError::NoComune(dir));
    }
    let esempio = FILES
        .iter()
        .find(|(rel, _)| rel.starts_with(&format!("{cartella}/")))
        .map(|(_, text)| *text)
        .unwrap_or("---\ntitolo: \"\"\n---\n");
    let path = dir.join(cartella).join(format!("{}.md", slugify(titolo)));
    if path.exists() {
        return Err(NewError::Exists(path));
    }
    write_new(
        &path,
        &riempi(&compila(esempio, titolo, oggi), comune, oggi),
    )?;
    Ok(path)
}

/// The example with the title and today's date in its front matter, and a body to write.
fn compila(esempio: &str, titolo: &str, oggi: chrono::NaiveDate) -> String {
    let mut out = Vec::new();
    let mut aperture = 0;
    for line in esempio.lines() {
        if line == "---" {
            aperture += 1;
            out.push(line.to_string());
            if aperture == 2 {
                break;
            }
            continue;
        }
        let (key, rest) = line.split_once(':').unwrap_or((line, ""));
        let time = rest.trim().split_once(' ').map(|(_, t)| t.to_string());
        out.push(match key {
            "titolo" => format!(
                "titolo: {}",
                serde_json::to_string(titolo).unwrap_or_default()
            ),
            "data" | "pubblicato_il" => format!("{key}: {oggi}"),
            "descrizione_breve" => {
                "descrizione_breve: \"Da completare: una frase che dica di che cosa si tratta.\""
                    .to_string()
            }
            "inizio" | "fine" => match time {
                Some(t) => format!("{key}: {oggi} {t}"),
                None => format!("{key}: {oggi}"),
            },
            _ => line.to_string(),
        });
    }
    out.push("Scrivi qui il testo.".into());
    out.join("\n") + "\n"
}

/// The display name guessed from a slug: `san-vito-al-lago` gives `San Vito al Lago`.
pub fn name_from_slug(slug: &str) -> String {
    const LOWER: [&str; 9] = [
        "al", "alla", "di", "del", "della", "in", "sul", "sulla", "e",
    ];
    slug.split('-')
        .enumerate()
        .map(|(i, w)| {
            if i > 0 && LOWER.contains(&w) {
                w.to_string()
            } else {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The scaffold's text with the comune's name and slug and dates around `oggi`: `{{OGGI}}`,
/// `{{TRA_UN_MESE}}` (an upcoming event) and `{{ANNO}}`.
fn riempi(text: &str, slug: &str, oggi: chrono::NaiveDate) -> String {
    let tra_un_mese = oggi + chrono::Days::new(30);
    text.replace("{{NOME}}", &name_from_slug(slug))
        .replace("{{SLUG}}", slug)
        .replace("{{OGGI}}", &oggi.to_string())
        .replace("{{TRA_UN_MESE}}", &tra_un_mese.to_string())
        .replace("{{ANNO}}", &chrono::Datelike::year(&oggi).to_string())
}

fn write_new(path: &Path, text: &str) -> Result<(), NewError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| NewError::Io(parent.to_path_buf(), e))?;
    }
    std::fs::write(path, text).map_err(|e| NewError::Io(path.to_path_buf(), e))
}

/// Creates `<root>/comuni/<slug>/` (and `<root>/civico.yaml` if missing), its examples dated
/// around `oggi`. Returns the folder.
pub fn comune(root: &Path, slug: &str, oggi: chrono::NaiveDate) -> Result<PathBuf, NewError> {
    if slugify(slug) != slug {
        return Err(NewError::BadSlug(slug.to_string(), slugify(slug)));
    }
    let cartella = root.join("civico.yaml");
    if !cartella.exists() {
        std::fs::create_dir_all(root).map_err(|e| NewError::Io(root.to_path_buf(), e))?;
        std::fs::write(&cartella, CIVICO_YAML).map_err(|e| NewError::Io(cartella.clone(), e))?;
    }
    let dir = root.join("comuni").join(slug);
    if dir.exists() {
        return Err(NewError::Exists(dir));
    }
    for (rel, text) in FILES {
        write_new(
            &dir.join(riempi(rel, slug, oggi)),
            &riempi(text, slug, oggi),
        )?;
    }
    for (file, titolo, categoria, argomento) in SERVIZI {
        let text = SERVIZIO_DA_COMPLETARE
            .replace("{{TITOLO}}", titolo)
            .replace("{{CATEGORIA}}", categoria)
            .replace("{{ARGOMENTO}}", argomento);
        write_new(&dir.join(format!("servizi/{file}.md")), &text)?;
    }
    for s in crate::trasparenza::albero::get().visibili(false) {
        let path = dir
            .join("amministrazione-trasparente")
            .join(&s.slug)
            .join("_index.md");
        write_new(&path, &placeholder(s, oggi))?;
    }
    Ok(dir)
}

/// The `_index.md` of a transparency section, explaining what to do with it.
fn placeholder(s: &crate::trasparenza::albero::Sezione, oggi: chrono::NaiveDate) -> String {
    let tree = crate::trasparenza::albero::get();
    let path = match s.parent.as_deref().and_then(|p| tree.sezione(p)) {
        Some(p) => format!("{} > {}", p.title, s.title),
        None => s.title.clone(),
    };
    let mut out = format!(
        "---\n# Amministrazione trasparente > {path}\n# Riferimento: {}. {}.\n",
        s.norma,
        s.frequenza()
    );
    if s.level == 1 && tree.figli(&s.slug, false).next().is_some() {
        out.push_str("# Sezione di primo livello: i contenuti vanno nelle sotto-sezioni.\n");
    } else {
        out.push_str(
            "# Metti in questa cartella i contenuti (un file .md per documento, con gli allegati),\n\
             # oppure dichiara qui perché non ce ne sono, togliendo il # davanti a una riga:\n\
             # nessun_contenuto: \"Nel {anno} non ci sono dati da pubblicare in questa sezione.\"\n\
             # non_applicabile: \"L'obbligo non si applica al Comune perché ... (norma).\"\n\
             # aggiornato_al: {oggi}\n",
        );
        let anno = chrono::Datelike::year(&oggi).to_string();
        out = out
            .replace("{anno}", &anno)
            .replace("{oggi}", &oggi.to_string());
        if let Some(schema) = crate::trasparenza::anac::schema_of(&s.slug) {
            out.push_str(&format!(
                "# I dati di questa sezione vanno anche in {} (schema ANAC {}, {}).\n",
                schema.file, schema.norma, schema.delibera
            ));
        }
    }
    out.push_str("---\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_slugs() {
        assert_eq!(name_from_slug("san-vito-al-lago"), "San Vito al Lago");
        assert_eq!(name_from_slug("valfiorita"), "Valfiorita");
    }

    #[test]
    fn scaffold_refuses_bad_slug_and_existing_folder() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(matches!(
            comune(tmp.path(), "San Vito", chrono::NaiveDate::MIN),
            Err(NewError::BadSlug(..))
        ));
        let oggi = chrono::NaiveDate::from_ymd_opt(2027, 3, 4).unwrap();
        let dir = comune(tmp.path(), "prova", oggi).unwrap();
        let albo = std::fs::read_to_string(dir.join("albo/2027-0001.md")).unwrap();
        assert!(
            albo.contains("anno: 2027") && albo.contains("{dal: 2027-03-04}"),
            "{albo}"
        );
        let evento = std::fs::read_to_string(dir.join("eventi/festa-patronale.md")).unwrap();
        assert!(evento.contains("inizio: 2027-04-03 18:00"), "{evento}");
        let servizi = std::fs::read_dir(dir.join("servizi")).unwrap();
        let schede = servizi.filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "md")
        });
        assert_eq!(schede.count(), 12, "at least the 10 of C.SI.1.3");
        let at = dir.join("amministrazione-trasparente");
        assert!(at.join("bandi-di-concorso/_index.md").is_file());
        let idx = std::fs::read_to_string(
            at.join("pagamenti-dell-amministrazione/dati-sui-pagamenti/_index.md"),
        )
        .unwrap();
        assert!(
            idx.contains("Pagamenti dell'amministrazione > Dati sui pagamenti"),
            "{idx}"
        );
        assert!(!at.join("strutture-sanitarie-private-accreditate").exists());
        let count = walkdir::WalkDir::new(&at)
            .into_iter()
            .filter(|e| e.as_ref().unwrap().file_name() == "_index.md")
            .count();
        assert_eq!(count, 79);
        assert!(matches!(
            comune(tmp.path(), "prova", oggi),
            Err(NewError::Exists(_))
        ));
    }
}
