//! The PDF ricevuta of a pratica: what the citizen declared (field by field, in the form's
//! order; files by name and SHA-256), the declarations under DPR 445/2000, the number, the date,
//! the term of the procedure and the SHA-256 of the declared data. Written with `pdf-writer`
//! in A4 pages with the PDF standard fonts (Helvetica, WinAnsi encoding: every Italian letter),
//! wrapped by Helvetica's own glyph widths, paginated as long as the content needs.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use serde_json::Value;

use civico_core::modulo::{self, ServizioOnline};

use crate::pratiche::Pratica;

const LARGHEZZA: f32 = 595.0;
const ALTEZZA: f32 = 842.0;
const MARGINE: f32 = 56.0;
const CORPO: f32 = 10.0;
const INTERLINEA: f32 = 14.0;

/// A line of the receipt before layout.
enum Riga {
    Titolo(String),
    Sezione(String),
    Testo(String),
    Spazio,
}

/// What the receipt says.
pub struct Dati<'a> {
    pub comune: &'a str,
    pub servizio: &'a ServizioOnline,
    pub pratica: &'a Pratica,
    /// The declared data as stored (`pratiche::una`).
    pub dichiarato: &'a Value,
    pub richiedente: &'a str,
    pub codice_fiscale: &'a str,
    /// Date and time of sending, in words (`5 dicembre 2026, 21:30`).
    pub quando: &'a str,
    /// The last day of the term, in words.
    pub entro: &'a str,
}

fn righe(d: &Dati<'_>) -> Vec<Riga> {
    let mut r = vec![
        Riga::Titolo(format!("Comune di {}", d.comune)),
        Riga::Sezione("Ricevuta di presentazione dell'istanza".into()),
        Riga::Testo(format!("Servizio: {}", d.servizio.titolo)),
        Riga::Testo(format!("Numero di pratica: {}", d.pratica.numero)),
        Riga::Testo(format!("Data e ora di invio: {}", d.quando)),
        Riga::Testo(format!(
            "Richiedente: {} (codice fiscale {})",
            d.richiedente, d.codice_fiscale
        )),
        Riga::Testo(
            "Identificazione: SPID o CIE tramite il gateway del Comune (art. 65 CAD).".into(),
        ),
        Riga::Spazio,
        Riga::Sezione("Dati dichiarati".into()),
    ];
    for c in d.servizio.modulo.campi() {
        let Some(v) = d.dichiarato.get(&c.nome.value) else {
            continue;
        };
        let valore = match v {
            Value::String(s) => s.clone(),
            Value::Array(a) => a
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            Value::Object(f) => format!(
                "file {} ({} byte), SHA-256 {}",
                f.get("nome").and_then(Value::as_str).unwrap_or(""),
                f.get("byte").and_then(Value::as_u64).unwrap_or(0),
                f.get("sha256").and_then(Value::as_str).unwrap_or("")
            ),
            _ => continue,
        };
        let sep = if c.etichetta.ends_with(['?', ':']) {
            " "
        } else {
            ": "
        };
        r.push(Riga::Testo(format!("{}{sep}{valore}", c.etichetta)));
    }
    r.push(Riga::Spazio);
    r.push(Riga::Sezione("Dichiarazioni".into()));
    for x in &d.servizio.modulo.dichiarazioni {
        r.push(Riga::Testo(format!(
            "Dichiaro {} (art. {} DPR 445/2000).",
            x.testo, x.articolo.value
        )));
    }
    r.push(Riga::Testo(modulo::AVVERTENZA_445.into()));
    r.push(Riga::Testo(
        "Le informazioni fornite hanno valore di dichiarazione.".into(),
    ));
    r.push(Riga::Spazio);
    r.push(Riga::Sezione("Termine del procedimento".into()));
    r.push(Riga::Testo(format!(
        "Il Comune conclude il procedimento entro {} giorni, cioè entro {} (L. 241/1990); il termine è sospeso durante le richieste di integrazione.",
        d.servizio.modulo.termine_giorni.value, d.entro
    )));
    r.push(Riga::Spazio);
    r.push(Riga::Testo(format!(
        "Impronta SHA-256 dei dati dichiarati: {}",
        d.pratica.impronta
    )));
    r
}

/// The width of a text in Helvetica at `size` points (the font's AFM widths, in 1/1000 em).
fn larghezza(s: &str, size: f32) -> f32 {
    const ASCII: [u16; 95] = [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556,
        556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722,
        722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722,
        667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556,
        556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500,
        500, 334, 260, 334, 584,
    ];
    let millesimi: u32 = s
        .chars()
        .map(|c| {
            let base = lettera_base(c);
            match base as u32 {
                32..=126 => u32::from(ASCII[(base as u32 - 32) as usize]),
                _ => 611,
            }
        })
        .sum();
    millesimi as f32 * size / 1000.0
}

/// The ASCII letter a character is written like (`à` -> `a`, `«` -> `<`): accented letters have
/// their base letter's width in Helvetica.
fn lettera_base(c: char) -> char {
    deunicode::deunicode_char(c)
        .and_then(|t| t.chars().next())
        .unwrap_or(c)
}

/// Text in WinAnsi (the encoding of the standard fonts); what it lacks becomes `?`.
fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '€' => 0x80,
            '’' => 0x92,
            '‘' => 0x91,
            '“' => 0x93,
            '”' => 0x94,
            '–' => 0x96,
            '—' => 0x97,
            c if (c as u32) < 0x80 && !c.is_control() => c as u8,
            c if (0xA0..=0xFF).contains(&(c as u32)) => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}

/// Breaks a text into lines no wider than `max` points (a word longer than a line, such as a
/// hash, is cut).
fn a_capo(s: &str, size: f32, max: f32) -> Vec<String> {
    let mut out = Vec::new();
    let mut riga = String::new();
    for parola in s.split_whitespace() {
        let prova = if riga.is_empty() {
            parola.to_string()
        } else {
            format!("{riga} {parola}")
        };
        if larghezza(&prova, size) <= max {
            riga = prova;
            continue;
        }
        if !riga.is_empty() {
            out.push(std::mem::take(&mut riga));
        }
        let mut pezzo = String::new();
        for c in parola.chars() {
            pezzo.push(c);
            if larghezza(&pezzo, size) > max {
                pezzo.pop();
                out.push(std::mem::take(&mut pezzo));
                pezzo.push(c);
            }
        }
        riga = pezzo;
    }
    if !riga.is_empty() {
        out.push(riga);
    }
    out
}

/// A line placed on a page: font, size, text.
type Posata = (Name<'static>, f32, String);

/// Lays the lines out in pages.
fn pagine(righe: &[Riga]) -> Vec<Vec<(f32, Posata)>> {
    let (mut pagine, mut pagina) = (Vec::new(), Vec::new());
    let mut y = ALTEZZA - MARGINE;
    let max = LARGHEZZA - 2.0 * MARGINE;
    for r in righe {
        let (font, size, testo, prima) = match r {
            Riga::Titolo(t) => (Name(b"F2"), 16.0, t.as_str(), 0.0),
            Riga::Sezione(t) => (Name(b"F2"), 12.0, t.as_str(), 6.0),
            Riga::Testo(t) => (Name(b"F1"), CORPO, t.as_str(), 0.0),
            Riga::Spazio => {
                y -= INTERLINEA / 2.0;
                continue;
            }
        };
        y -= prima;
        for l in a_capo(testo, size, max) {
            if y < MARGINE + INTERLINEA {
                pagine.push(std::mem::take(&mut pagina));
                y = ALTEZZA - MARGINE;
            }
            y -= size.max(CORPO) * 1.4;
            pagina.push((y, (font, size, l)));
        }
    }
    pagine.push(pagina);
    pagine
}

/// The receipt as a PDF file.
pub fn pdf(d: &Dati<'_>) -> Vec<u8> {
    let pagine = pagine(&righe(d));
    let mut pdf = Pdf::new();
    let (catalogo, albero, f1, f2, info) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
    );
    let ids: Vec<(Ref, Ref)> = (0..pagine.len() as i32)
        .map(|i| (Ref::new(10 + 2 * i), Ref::new(11 + 2 * i)))
        .collect();
    pdf.catalog(catalogo).pages(albero);
    pdf.pages(albero)
        .kids(ids.iter().map(|(p, _)| *p))
        .count(ids.len() as i32);
    pdf.type1_font(f1)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(f2)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    let titolo = format!("Ricevuta {} - Comune di {}", d.pratica.numero, d.comune);
    pdf.document_info(info)
        .title(TextStr(&titolo))
        .producer(TextStr("civico sportello"));
    let n = pagine.len();
    for (i, (righe, (pagina, contenuto))) in pagine.iter().zip(&ids).enumerate() {
        let mut p = pdf.page(*pagina);
        p.media_box(Rect::new(0.0, 0.0, LARGHEZZA, ALTEZZA))
            .parent(albero)
            .contents(*contenuto);
        p.resources()
            .fonts()
            .pair(Name(b"F1"), f1)
            .pair(Name(b"F2"), f2);
        p.finish();
        let mut c = Content::new();
        for (y, (font, size, testo)) in righe {
            c.begin_text()
                .set_font(*font, *size)
                .next_line(MARGINE, *y)
                .show(Str(&win_ansi(testo)))
                .end_text();
        }
        let piede = format!("{} - pagina {} di {n}", d.pratica.numero, i + 1);
        c.begin_text()
            .set_font(Name(b"F1"), 8.0)
            .next_line(MARGINE, MARGINE / 2.0)
            .show(Str(&win_ansi(&piede)))
            .end_text();
        pdf.stream(*contenuto, &c.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fit_the_page_and_long_words_are_cut() {
        let max = LARGHEZZA - 2.0 * MARGINE;
        let hash = "a".repeat(200);
        let testo = format!("Impronta SHA-256 dei dati dichiarati: {hash} e poi altre parole qui");
        let righe = a_capo(&testo, CORPO, max);
        assert!(righe.len() >= 3);
        assert!(
            righe.iter().all(|r| larghezza(r, CORPO) <= max),
            "{righe:?}"
        );
        assert_eq!(righe.concat().replace(' ', ""), testo.replace(' ', ""));
    }

    #[test]
    fn italian_letters_are_in_win_ansi() {
        assert_eq!(
            win_ansi("è à ù €"),
            vec![0xE8, b' ', 0xE0, b' ', 0xF9, b' ', 0x80]
        );
        assert_eq!(win_ansi("Ω"), b"?");
    }
}
