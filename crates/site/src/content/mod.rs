//! Reading a comune's content: walk its folder, split front matter, parse it into typed
//! structs in parallel, and check vocabulary values.
//!
//! The result is a list of `Document`s (one per Markdown file) and the media files, with every
//! problem pushed as a `Diagnostic`. Nothing here knows about URLs or templates: resolving
//! references and building pages is the model's job.

pub use civico_core::fields;
pub use civico_core::frontmatter;
pub mod kinds;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use civico_core::config::ComuneDir;
use civico_core::diagnostics::{closest, display_path, Diagnostic, Diagnostics};
use civico_core::vocabolari;
use kinds::{Kind, Meta};

/// Files larger than this are refused: content this big is a mistake (a pasted binary).
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// One Markdown file of a comune, parsed.
#[derive(Debug, Clone)]
pub struct Document {
    pub kind: Kind,
    /// Path under the comune folder without `.md` (`uffici/anagrafe`); for `_index.md` and
    /// `index.md`, the folder (`amministrazione-trasparente/organizzazione`).
    pub key: String,
    /// Absolute path on disk.
    pub path: PathBuf,
    /// Path shown in diagnostics.
    pub shown: PathBuf,
    /// `_index.md`: the page of a section (folder) rather than an item.
    pub is_section: bool,
    pub meta: Meta,
    /// Whole file, normalised (no BOM, LF line ends); empty once released (read it with `text`).
    pub source: String,
    /// Fingerprint of the whole file, to notice it changed on disk once released.
    pub print: u64,
    /// The text was let go to save memory (`release`): `text` reads the file again.
    released: bool,
    /// Bytes in the file when it was loaded (before normalising), to read it again at once.
    bytes_on_disk: usize,
    /// Byte offset of the Markdown body in `source`.
    pub body_start: usize,
    /// Lines before the body.
    pub body_offset: usize,
}

impl Document {
    /// The whole file as loaded: from memory, or read again if it was released. A file changed
    /// on disk since it was loaded is an error (its front matter was read from the old text).
    pub fn text(&self) -> Result<Cow<'_, str>, Diagnostic> {
        if !self.released {
            return Ok(Cow::Borrowed(&self.source));
        }
        let changed = || {
            Diagnostic::error(
                "E-FILE-CHANGED",
                &self.shown,
                "il file è cambiato mentre il sito veniva generato",
            )
            .hint("rilancia civico build quando hai finito di salvare le modifiche")
        };
        let bytes = read_expecting(&self.path, self.bytes_on_disk).map_err(|_| changed())?;
        let text = String::from_utf8(bytes).map_err(|_| changed())?;
        let text = frontmatter::normalise_owned(text);
        if civico_core::fingerprint::of(text.as_bytes()) != self.print {
            return Err(changed());
        }
        Ok(Cow::Owned(text))
    }

    /// The Markdown body of `text` (as `text` returned it).
    pub fn body<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.body_start..).unwrap_or("")
    }

    /// Lets go of the text kept in memory; `text` reads the file again when needed. A build
    /// keeps only what its later phases need, not every file of a large network.
    pub fn release(&mut self) {
        self.source = String::new();
        self.released = true;
    }

    /// The text for a diagnostic's source line (empty if the file cannot be read again).
    pub fn snippet_source(&self) -> Cow<'_, str> {
        self.text().unwrap_or_default()
    }

    /// Folder of the file on disk (where relative links are resolved from).
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }
}

/// The file at `path`, which held `expected` bytes, in a single read of one byte more: a
/// regular file's read returns fewer bytes than asked only at its end, so a file that grew comes
/// back longer (and its fingerprint differs). `std::fs::read` asks the size and reads the end
/// again: two more system calls for each of the thousands of files a build reads again.
fn read_expecting(path: &Path, expected: usize) -> std::io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    let mut bytes = vec![0; expected + 1];
    let n = std::io::Read::read(&mut file, &mut bytes)?;
    bytes.truncate(n);
    Ok(bytes)
}

/// The content of one comune.
#[derive(Debug)]
pub struct ComuneContent {
    pub comune: ComuneDir,
    pub docs: Vec<Document>,
}

/// Loads every comune in parallel. Drafts are kept only with `drafts`.
///
/// Each file's text is let go once its front matter is read and checked: a page reads its
/// document again when it is rendered (`Document::text`), so a large network is never all in
/// memory at once.
pub fn load_all(
    root: &Path,
    comuni: Vec<ComuneDir>,
    drafts: bool,
    diags: &Diagnostics,
) -> Vec<ComuneContent> {
    comuni
        .into_par_iter()
        .map(|c| load_comune(root, c, drafts, diags, true))
        .collect()
}

/// Loads the Markdown files of one comune; `release`: let go of each file's text once read.
pub fn load_comune(
    root: &Path,
    comune: ComuneDir,
    drafts: bool,
    diags: &Diagnostics,
    release: bool,
) -> ComuneContent {
    let files = list_files(root, &comune.dir, diags);
    let mut docs: Vec<Document> = files
        .par_iter()
        .filter_map(|(kind, path)| {
            let (mut doc, ds) = load_one(root, &comune.dir, *kind, path, drafts);
            diags.extend(ds);
            if release {
                doc.iter_mut().for_each(Document::release);
            }
            doc
        })
        .collect();
    docs.sort_by(|a, b| a.key.cmp(&b.key));
    ComuneContent { comune, docs }
}

/// The Markdown files of a comune folder, with the kind of content their folder holds, in the
/// order of their paths' bytes. Unknown folders are reported and skipped. Each content folder
/// is walked on its own thread (a large comune's folders hold tens of thousands of files).
pub fn list_files(root: &Path, comune_dir: &Path, diags: &Diagnostics) -> Vec<(Kind, PathBuf)> {
    let Ok(rd) = std::fs::read_dir(comune_dir) else {
        return Vec::new();
    };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    let mut folders = Vec::new();
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
        if !is_dir || name.starts_with('.') || name == "media" {
            continue;
        }
        match Kind::from_folder(&name) {
            Some(kind) => folders.push((kind, e.path())),
            None => diags.push(
                Diagnostic::warning(
                    "W-FOLDER-UNKNOWN",
                    display_path(root, &e.path()),
                    format!(
                        "cartella `{name}` non riconosciuta: il suo contenuto non viene pubblicato"
                    ),
                )
                .hint(format!(
                    "le cartelle dei contenuti sono: {}",
                    Kind::ALL.map(Kind::folder).join(", ")
                )),
            ),
        }
    }
    let mut files: Vec<(Kind, PathBuf)> = folders
        .par_iter()
        .flat_map_iter(|(kind, dir)| markdown_under(root, *kind, dir, diags))
        .collect();
    // One sort of the whole list by the paths' bytes (`OsStr`'s order): walkdir's sort by file
    // name parses every path it compares (0.8% of a build), and `Path`'s own order compares
    // component by component.
    files.sort_unstable_by(|a, b| a.1.as_os_str().cmp(b.1.as_os_str()));
    files
}

/// The Markdown files under one content folder (hidden files and folders left out).
fn markdown_under(
    root: &Path,
    kind: Kind,
    dir: &Path,
    diags: &Diagnostics,
) -> Vec<(Kind, PathBuf)> {
    let mut files = Vec::new();
    for entry in WalkDir::new(dir)
        .into_iter()
        .filter_entry(|x| !x.file_name().to_string_lossy().starts_with('.'))
    {
        match entry {
            Ok(x) if x.file_type().is_file() && is_markdown(x.path()) => {
                files.push((kind, x.into_path()));
            }
            Ok(_) => {}
            Err(err) => diags.push(Diagnostic::error(
                "E-IO",
                display_path(root, err.path().unwrap_or(dir)),
                format!(
                    "lettura della cartella non riuscita: {}",
                    err.io_error()
                        .map_or_else(|| err.to_string(), civico_core::errore_io::descrivi)
                ),
            )),
        }
    }
    files
}

/// Whether a path is a content file (`.md`, not hidden).
pub fn is_markdown(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "md")
        && !path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

/// The kind of content a file under `comune_dir` holds, from its first folder; `None` for files
/// outside the content folders (media, comune.yaml, unknown folders).
pub fn kind_of(comune_dir: &Path, path: &Path) -> Option<Kind> {
    let rel = path.strip_prefix(comune_dir).ok()?;
    let mut parts = rel.components();
    let first = parts.next()?.as_os_str().to_str()?;
    parts.next()?;
    if rel
        .components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
    {
        return None;
    }
    Kind::from_folder(first)
}

/// Loads one file and checks its vocabularies: the document (`None` if it failed, or is a draft
/// and drafts are not wanted) and what was found wrong.
pub fn load_one(
    root: &Path,
    comune_dir: &Path,
    kind: Kind,
    path: &Path,
    drafts: bool,
) -> (Option<Document>, Vec<Diagnostic>) {
    match load_file(root, comune_dir, kind, path) {
        Ok(doc) => {
            let diags = Diagnostics::new();
            check_vocabularies(&doc, &diags);
            let keep = drafts || !doc.meta.bozza();
            (keep.then_some(doc), diags.into_sorted())
        }
        Err(d) => (None, vec![d]),
    }
}

/// Reads and parses one Markdown file.
pub fn load_file(
    root: &Path,
    comune_dir: &Path,
    kind: Kind,
    path: &Path,
) -> Result<Document, Diagnostic> {
    let shown = display_path(root, path);
    let io = |e: std::io::Error| {
        Diagnostic::error(
            "E-IO",
            &shown,
            format!(
                "lettura non riuscita: {}",
                civico_core::errore_io::descrivi(&e)
            ),
        )
    };
    // One open: the size is checked on the open file, which is then read to the end.
    let mut file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            "E-FILE-TOO-LARGE",
            &shown,
            format!(
                "il file è troppo grande ({} MB, massimo {} MB)",
                meta.len() / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        )
        .hint("i documenti lunghi vanno allegati come PDF, non incollati nel testo"));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    std::io::Read::read_to_end(&mut file, &mut bytes).map_err(io)?;
    drop(file);
    let bytes_on_disk = bytes.len();
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let good = std::str::from_utf8(&e.as_bytes()[..valid]).unwrap_or("");
            let (line, col) = civico_core::diagnostics::LineIndex::new(good).position(valid);
            return Err(Diagnostic::error(
                "E-ENCODING",
                &shown,
                "il file non è in UTF-8 (carattere non valido)",
            )
            .at(line, col)
            .hint("salva il file con codifica UTF-8; capita con testi incollati da Word o salvati come Windows-1252"));
        }
    };
    let source = frontmatter::normalise_owned(text);
    let split = frontmatter::split(&source).map_err(|e| match e {
        frontmatter::SplitError::Missing => Diagnostic::error(
            "E-FRONTMATTER-MISSING",
            &shown,
            "manca l'intestazione (front matter) all'inizio del file",
        )
        .at(1, 1)
        .hint("il file deve iniziare con una riga `---`, poi i campi (titolo: ...), poi un'altra riga `---`")
        .with_source(&source),
        frontmatter::SplitError::Unclosed { opened_at } => Diagnostic::error(
            "E-FRONTMATTER-UNCLOSED",
            &shown,
            "l'intestazione aperta con `---` non è chiusa",
        )
        .at(opened_at, 1)
        .hint("aggiungi una riga `---` dopo l'ultimo campo dell'intestazione")
        .with_source(&source),
    })?;
    let yaml_offset = split.yaml_offset;
    let body_offset = split.body_offset;
    let body_start = source.len() - split.body.len();
    let yaml = split.yaml;

    let file_name = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
    let is_section = file_name == "_index.md";
    let is_bundle = file_name == "index.md";
    if is_section && kind != Kind::Trasparenza {
        return Err(Diagnostic::error(
            "E-SECTION-FILE",
            &shown,
            "i file `_index.md` sono ammessi solo in amministrazione-trasparente/",
        )
        .hint("rinomina il file con il titolo del contenuto, per esempio festa-patronale.md"));
    }

    // The YAML is parsed with its leading lines blanked, so every position serde-saphyr reports
    // (errors and `Spanned` values alike) is already a line of the Markdown file.
    let padded = format!("{}{yaml}", "\n".repeat(yaml_offset));
    let yaml = padded.as_str();
    let parse_meta = |yaml: &str| -> Result<Meta, Diagnostic> {
        let p = |y| (y, &shown, 0, source.as_str());
        Ok(match kind {
            Kind::Notizia => Meta::Notizia(parse(p(yaml))?),
            Kind::Evento => Meta::Evento(parse(p(yaml))?),
            Kind::Servizio => Meta::Servizio(parse(p(yaml))?),
            Kind::Luogo => Meta::Luogo(parse(p(yaml))?),
            Kind::Ufficio => Meta::Ufficio(parse(p(yaml))?),
            Kind::Persona => Meta::Persona(parse(p(yaml))?),
            Kind::Documento => Meta::Documento(parse(p(yaml))?),
            Kind::Pagina => Meta::Pagina(parse(p(yaml))?),
            Kind::Trasparenza => Meta::Trasparenza(parse(p(yaml))?),
            Kind::Albo => Meta::Albo(parse(p(yaml))?),
        })
    };
    // An empty front matter is an empty mapping, so missing fields are named one by one.
    let meta = if yaml.trim().is_empty() {
        parse_meta("{}").map_err(|d| d.at(1, 1).with_source(&source))?
    } else {
        parse_meta(yaml)?
    };

    let rel = path.strip_prefix(comune_dir).unwrap_or(path);
    let rel = rel.to_string_lossy().replace('\\', "/");
    let key = if is_section || is_bundle {
        rel.rsplit_once('/')
            .map(|(d, _)| d.to_string())
            .unwrap_or_default()
    } else {
        rel.strip_suffix(".md").unwrap_or(&rel).to_string()
    };

    Ok(Document {
        kind,
        key,
        path: path.to_path_buf(),
        shown,
        is_section,
        meta,
        print: civico_core::fingerprint::of(source.as_bytes()),
        source,
        released: false,
        bytes_on_disk,
        body_start,
        body_offset,
    })
}

fn parse<T: serde::de::DeserializeOwned>(
    (yaml, file, offset, whole): (&str, &PathBuf, usize, &str),
) -> Result<T, Diagnostic> {
    civico_core::yaml::parse(yaml, file, offset, whole)
}

/// Checks every vocabulary value of a document; each wrong value is one diagnostic.
fn check_vocabularies(doc: &Document, diags: &Diagnostics) {
    let v = vocabolari::get();
    let err = |code: &'static str, what: &str, value: &str, line: usize, col: usize, options| {
        not_in_vocabulary(doc, code, what, value, (line, col), options)
    };
    let argomenti: Vec<&str> = v.argomenti.iter().map(String::as_str).collect();
    for a in doc.meta.argomenti() {
        if v.argomento(&a.value).is_none() {
            diags.push(err(
                "E-ARGOMENTO",
                "l'argomento",
                &a.value,
                a.line,
                a.col,
                argomenti.clone(),
            ));
        }
    }
    let needs_argomenti = matches!(
        doc.kind,
        Kind::Notizia | Kind::Evento | Kind::Servizio | Kind::Documento
    );
    if needs_argomenti && doc.meta.argomenti().is_empty() {
        diags.push(
            Diagnostic::error("E-ARGOMENTO", &doc.shown, "serve almeno un argomento")
                .at(2, 1)
                .hint("aggiungi `argomenti: [\"...\"]` con una voce del vocabolario, per esempio \"Comunicazione istituzionale\""),
        );
    }
    match &doc.meta {
        Meta::Servizio(s) => {
            let cats: Vec<&str> = v
                .categorie_servizio
                .iter()
                .map(|c| c.nome.as_str())
                .collect();
            if s.categorie.is_empty() {
                diags.push(
                    Diagnostic::error(
                        "E-CATEGORIA",
                        &doc.shown,
                        "serve almeno una categoria di servizio",
                    )
                    .at(2, 1)
                    .hint(format!("categorie: {}", cats.join(", "))),
                );
            }
            for c in &s.categorie {
                if v.categoria(&c.value).is_none() {
                    diags.push(err(
                        "E-CATEGORIA",
                        "la categoria",
                        &c.value,
                        c.line,
                        c.col,
                        cats.clone(),
                    ));
                }
            }
        }
        Meta::Evento(e) if v.tipo_evento(&e.tipo_evento.value).is_none() => {
            let opts = v.tipi_evento.iter().map(String::as_str).collect();
            let t = &e.tipo_evento;
            diags.push(err(
                "E-TIPO",
                "il tipo di evento",
                &t.value,
                t.line,
                t.col,
                opts,
            ));
        }
        Meta::Luogo(l) => {
            if let Some(t) = &l.tipo_luogo {
                if v.tipo_luogo(&t.value).is_none() {
                    let opts = v.tipi_luogo.iter().map(String::as_str).collect();
                    diags.push(err(
                        "E-TIPO",
                        "il tipo di luogo",
                        &t.value,
                        t.line,
                        t.col,
                        opts,
                    ));
                }
            }
        }
        Meta::Ufficio(u) if v.tipo_unita(&u.tipo.value).is_none() => {
            let opts = v.tipi_unita().collect();
            diags.push(err(
                "E-TIPO",
                "il tipo di unità organizzativa",
                &u.tipo.value,
                u.tipo.line,
                u.tipo.col,
                opts,
            ));
        }
        Meta::Documento(d) => {
            if v.tipo_documento(&d.tipo_documento.value).is_none() {
                let opts = v
                    .tipi_documento
                    .iter()
                    .map(|t| t.singolare.as_str())
                    .collect();
                let t = &d.tipo_documento;
                diags.push(err(
                    "E-TIPO",
                    "il tipo di documento",
                    &t.value,
                    t.line,
                    t.col,
                    opts,
                ));
            }
            if let Some(l) = &d.licenza {
                if v.licenza(&l.value).is_none() {
                    let opts = v.licenze.iter().map(String::as_str).collect();
                    diags.push(err("E-TIPO", "la licenza", &l.value, l.line, l.col, opts));
                }
            }
            if d.file.is_none() && d.url.is_none() {
                diags.push(
                    Diagnostic::error("E-FIELD-MISSING", &doc.shown, "il documento non ha né `file` né `url`")
                        .at(2, 1)
                        .hint("indica il file allegato (file: delibera.pdf) oppure il suo indirizzo (url: https://...)"),
                );
            }
        }
        _ => {}
    }
    check_presentation(doc, diags);
}

/// A value that is not in its vocabulary, with the closest valid ones.
fn not_in_vocabulary(
    doc: &Document,
    code: &'static str,
    what: &str,
    value: &str,
    (line, col): (usize, usize),
    options: Vec<&str>,
) -> Diagnostic {
    let near = closest(value, options.iter().copied(), 3);
    let hint = if near.is_empty() {
        format!(
            "i valori ammessi sono nel vocabolario del Modello Comuni ({} voci)",
            options.len()
        )
    } else {
        format!(
            "forse intendevi: {}",
            near.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Diagnostic::error(
        code,
        &doc.shown,
        format!("{what} `{value}` non è nel vocabolario"),
    )
    .at(line, col)
    .hint(hint)
    .with_source(&doc.source)
}

/// Warnings on what lists and readers show: a long descrizione breve, an image without alt.
fn check_presentation(doc: &Document, diags: &Diagnostics) {
    if let Some(d) = doc.meta.descrizione_breve() {
        let n = d.value.chars().count();
        if n > 160 {
            diags.push(
                Diagnostic::warning(
                    "W-DESCRIZIONE-LUNGA",
                    &doc.shown,
                    format!("la descrizione breve ha {n} caratteri (massimo consigliato 160)"),
                )
                .at(d.line, d.col)
                .hint("accorciala: appare negli elenchi e nei risultati di ricerca")
                .with_source(&doc.source),
            );
        }
    }
    if let Some(img) = doc.meta.immagine() {
        if img.alt.as_deref().is_none_or(|a| a.trim().is_empty()) {
            diags.push(
                Diagnostic::warning(
                    "W-ALT-MISSING",
                    &doc.shown,
                    "immagine senza testo alternativo (`alt`)",
                )
                .at(img.file.line, img.file.col)
                .hint("aggiungi `alt: ...` che descrive l'immagine a chi non la vede")
                .with_source(&doc.source),
            );
        }
    }
}

#[cfg(test)]
mod release_tests {
    use super::*;

    #[test]
    fn a_released_file_is_read_again_and_a_changed_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        std::fs::write(&path, "---\r\ntitolo: \"A\"\r\n---\r\nTesto.\r\n").unwrap();
        let mut doc = load_file(dir.path(), dir.path(), Kind::Pagina, &path).unwrap();
        let before = doc.text().unwrap().into_owned();
        doc.release();
        assert!(doc.source.is_empty());
        // Read again, normalised as it was loaded (LF line ends).
        assert_eq!(doc.text().unwrap(), before);
        assert_eq!(doc.body(&before), "Testo.\n");
        // With a byte-order mark: loaded and read again without it.
        let bom = dir.path().join("bom.md");
        std::fs::write(&bom, "\u{feff}---\ntitolo: \"A\"\n---\nTesto.\n").unwrap();
        let mut doc_bom = load_file(dir.path(), dir.path(), Kind::Pagina, &bom).unwrap();
        doc_bom.release();
        assert_eq!(doc_bom.text().unwrap(), "---\ntitolo: \"A\"\n---\nTesto.\n");
        // Grown by a line: read in one go of its old size and one byte more, it is longer.
        std::fs::write(&path, "---\r\ntitolo: \"A\"\r\n---\r\nTesto.\r\nAltro.\r\n").unwrap();
        assert_eq!(doc.text().unwrap_err().code, "E-FILE-CHANGED");
        std::fs::write(&path, "---\ntitolo: \"B\"\n---\nAltro.\n").unwrap();
        let e = doc.text().unwrap_err();
        assert_eq!(e.code, "E-FILE-CHANGED");
        assert!(doc.snippet_source().is_empty());
    }

    #[test]
    fn content_folders_are_listed_in_byte_order_and_others_reported() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path();
        for f in [
            "notizie/b.md",
            "notizie/2026/a.md",
            "notizie/.bozza.md",
            "notizie/.nascosta/c.md",
            "notizie/foto.jpg",
            "eventi/festa.md",
            "media/x.md",
            "ricette/torta.md",
        ] {
            let p = c.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "---\n---\n").unwrap();
        }
        let diags = Diagnostics::new();
        let found: Vec<(Kind, String)> = list_files(c, c, &diags)
            .into_iter()
            .map(|(k, p)| (k, p.strip_prefix(c).unwrap().display().to_string()))
            .collect();
        assert_eq!(
            found,
            [
                (Kind::Evento, "eventi/festa.md".to_string()),
                (Kind::Notizia, "notizie/2026/a.md".to_string()),
                (Kind::Notizia, "notizie/b.md".to_string()),
            ]
        );
        let reported = diags.into_sorted();
        assert_eq!(reported.len(), 1);
        assert_eq!(reported[0].code, "W-FOLDER-UNKNOWN");
        assert!(reported[0].message.contains("`ricette`"));
    }
}
