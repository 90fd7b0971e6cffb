//! The files a citizen attaches to a segnalazione, judged by what they contain, never by their
//! name or declared type. A photo (JPEG, PNG or WebP by its first bytes) is decoded under
//! limits (side and memory, so a small file that inflates to gigapixels is refused before it
//! is decoded), turned upright, scaled down to a sensible size and re-encoded as a new JPEG:
//! nothing of the original file survives, so EXIF, GPS and any hidden payload are gone. A
//! document must be a PDF by its signature and is kept as sent (operators download it, never
//! view it inline). A file name is only a label: one with a path, a control character or no
//! name at all is refused.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// The largest file accepted, in bytes, before any processing.
pub const MAX_BYTE: usize = 5 * 1024 * 1024;
/// How many files one segnalazione may carry.
pub const MAX_FILE: usize = 3;
/// The largest side of an image, in pixels (a 48 MP camera is 8,000 × 6,000).
pub const MAX_LATO: u32 = 8_000;
/// The most pixels an image may have (a 48 MP camera, and a little more).
pub const MAX_PIXEL: u64 = 50_000_000;
/// Memory the decoder may take for one image.
const MAX_MEMORIA: u64 = 256 * 1024 * 1024;
/// Photos are stored with at most this side.
pub const LATO_SALVATO: u32 = 2_048;

/// A file ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allegato {
    /// A clean name (`buca-via-roma.jpg`), never the path the browser sent.
    pub nome: String,
    /// `image/jpeg` or `application/pdf`.
    pub tipo: &'static str,
    pub dati: Vec<u8>,
}

/// Checks a file name: a label, not a path.
pub fn nome_valido(nome: &str) -> Result<&str, String> {
    let n = nome.trim();
    if n.is_empty() {
        return Err("il file non ha un nome".into());
    }
    if n.chars().count() > 120 {
        return Err("il nome del file è troppo lungo (al massimo 120 caratteri)".into());
    }
    if n.contains(['/', '\\', ':']) || n.contains("..") || n.starts_with('.') {
        return Err(format!(
            "il nome del file `{}` contiene un percorso: rinomina il file senza barre, due punti o `..`",
            n.chars().filter(|c| !c.is_control()).collect::<String>()
        ));
    }
    if n.chars().any(char::is_control) {
        return Err("il nome del file contiene caratteri non ammessi".into());
    }
    Ok(n)
}

/// The stem of a name as a safe slug, or `riserva` when nothing is left.
fn radice(nome: &str, riserva: &str) -> String {
    let stem = nome.rsplit_once('.').map_or(nome, |(s, _)| s);
    if !stem.chars().any(char::is_alphanumeric) {
        return riserva.into();
    }
    let s = civico_core::slug::slugify(stem);
    let s: String = s.chars().take(60).collect();
    if s.is_empty() {
        riserva.into()
    } else {
        s
    }
}

/// Checks one file and makes what is stored; the Italian message says why a file is refused.
pub fn prepara(nome: &str, dati: &[u8], n: usize) -> Result<Allegato, String> {
    let nome = nome_valido(nome)?;
    if dati.is_empty() {
        return Err(format!("il file `{nome}` è vuoto"));
    }
    if dati.len() > MAX_BYTE {
        return Err(format!(
            "il file `{nome}` è troppo grande: al massimo {} MB",
            MAX_BYTE / 1024 / 1024
        ));
    }
    if dati.starts_with(b"%PDF-") {
        return Ok(Allegato {
            nome: format!("{}.pdf", radice(nome, &format!("documento-{n}"))),
            tipo: "application/pdf",
            dati: dati.to_vec(),
        });
    }
    let foto = ricodifica(dati).map_err(|m| format!("il file `{nome}` {m}"))?;
    Ok(Allegato {
        nome: format!("{}.jpg", radice(nome, &format!("foto-{n}"))),
        tipo: "image/jpeg",
        dati: foto,
    })
}

/// Decodes a photo under limits and encodes a new JPEG of it.
fn ricodifica(dati: &[u8]) -> Result<Vec<u8>, String> {
    const NON_FOTO: &str =
        "non è una foto (JPEG, PNG o WebP) né un documento PDF: il contenuto non corrisponde";
    let mut r = ImageReader::new(Cursor::new(dati))
        .with_guessed_format()
        .map_err(|_| NON_FOTO.to_string())?;
    if !matches!(
        r.format(),
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)
    ) {
        return Err(NON_FOTO.into());
    }
    let mut limiti = Limits::default();
    limiti.max_image_width = Some(MAX_LATO);
    limiti.max_image_height = Some(MAX_LATO);
    limiti.max_alloc = Some(MAX_MEMORIA);
    r.limits(limiti);
    let troppo =
        || format!("ha troppi pixel: al massimo {MAX_LATO} per lato (riduci la foto e riprova)");
    let mut dec = r.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => troppo(),
        _ => "è danneggiato o non è una foto leggibile".into(),
    })?;
    let (l, a) = dec.dimensions();
    if l == 0 || a == 0 || l > MAX_LATO || a > MAX_LATO || u64::from(l) * u64::from(a) > MAX_PIXEL {
        return Err(troppo());
    }
    let verso = dec.orientation().ok();
    let mut img = DynamicImage::from_decoder(dec).map_err(|e| match e {
        image::ImageError::Limits(_) => troppo(),
        _ => "è danneggiato o non è una foto leggibile".to_string(),
    })?;
    if let Some(v) = verso {
        img.apply_orientation(v);
    }
    if img.width() > LATO_SALVATO || img.height() > LATO_SALVATO {
        img = img.thumbnail(LATO_SALVATO, LATO_SALVATO);
    }
    let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
    let mut out = Vec::new();
    rgb.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
        &mut out, 85,
    ))
    .map_err(|_| "non si riesce a convertire: prova con un'altra foto".to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(l: u32, a: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(l, a, |x, y| image::Rgb([x as u8, y as u8, 90]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn names_are_labels_not_paths() {
        for bad in [
            "../../etc/passwd.jpg",
            "C:\\fakepath\\foto.jpg",
            "a/b.jpg",
            ".htaccess",
            "",
            "foto\n.jpg",
        ] {
            assert!(nome_valido(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            nome_valido(" Buca via Roma.JPG ").unwrap(),
            "Buca via Roma.JPG"
        );
        assert_eq!(radice("Buca via Roma.JPG", "foto-1"), "buca-via-roma");
        assert_eq!(radice("???.png", "foto-1"), "foto-1");
    }

    #[test]
    fn a_photo_is_re_encoded_and_shrunk() {
        let a = prepara("Buca.png", &png(3000, 1000), 1).unwrap();
        assert_eq!(a.tipo, "image/jpeg");
        assert_eq!(a.nome, "buca.jpg");
        let img = image::load_from_memory(&a.dati).unwrap();
        assert_eq!((img.width(), img.height()), (2048, 683));
    }

    #[test]
    fn content_not_name_decides() {
        let e = prepara("foto.jpg", b"<html><script>alert(1)</script></html>", 1).unwrap_err();
        assert!(e.contains("non è una foto"), "{e}");
        let pdf = prepara("verbale.png", b"%PDF-1.7\n%%EOF\n", 1).unwrap();
        assert_eq!(
            (pdf.tipo, pdf.nome.as_str()),
            ("application/pdf", "verbale.pdf")
        );
        assert!(prepara("x.jpg", &vec![0u8; MAX_BYTE + 1], 1)
            .unwrap_err()
            .contains("troppo grande"));
        let mut rotta = png(50, 50);
        rotta.truncate(60);
        assert!(prepara("rotta.png", &rotta, 1).is_err());
    }

    #[test]
    fn exif_and_gps_are_dropped_and_the_photo_turned_upright() {
        let originale = include_bytes!("../../../tests/fixtures/foto-gps.jpg");
        assert!(originale.windows(4).any(|w| w == b"Exif"));
        let mut dec = ImageReader::new(Cursor::new(&originale[..]))
            .with_guessed_format()
            .unwrap()
            .into_decoder()
            .unwrap();
        assert_eq!(
            dec.orientation().unwrap(),
            image::metadata::Orientation::Rotate90
        );
        let a = prepara("IMG_0001.JPG", originale, 1).unwrap();
        assert!(
            !a.dati.windows(4).any(|w| w == b"Exif"),
            "no EXIF block left"
        );
        assert!(
            !a.dati.windows(2).any(|w| w == [0xFF, 0xE1]),
            "no APP1 segment"
        );
        let img = image::load_from_memory(&a.dati).unwrap();
        assert_eq!((img.width(), img.height()), (32, 64), "turned upright");
        assert_eq!(a.nome, "img-0001.jpg");
    }

    /// A PNG whose header declares `l` × `a` pixels, with a few bytes of image data behind it
    /// (the start of a decompression bomb: the decoder learns the size before inflating).
    fn png_dichiarata(l: u32, a: u32) -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut pezzo = |tipo: &[u8], dati: &[u8]| {
            out.extend((dati.len() as u32).to_be_bytes());
            let mut crc = flate2::Crc::new();
            crc.update(tipo);
            crc.update(dati);
            out.extend(tipo);
            out.extend(dati);
            out.extend(crc.sum().to_be_bytes());
        };
        let mut ihdr = Vec::new();
        ihdr.extend(l.to_be_bytes());
        ihdr.extend(a.to_be_bytes());
        ihdr.extend([8, 0, 0, 0, 0]);
        pezzo(b"IHDR", &ihdr);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut z, &[0u8; 64]).unwrap();
        pezzo(b"IDAT", &z.finish().unwrap());
        pezzo(b"IEND", &[]);
        out
    }

    #[test]
    fn too_many_pixels_are_refused_before_decoding() {
        let e = prepara("bomba.png", &png_dichiarata(60_000, 60_000), 1).unwrap_err();
        assert!(e.contains("troppi pixel"), "{e}");
        let e = prepara("bomba.png", &png_dichiarata(MAX_LATO + 1, 10), 1).unwrap_err();
        assert!(e.contains("troppi pixel"), "{e}");
        // Each side allowed, the area not.
        let e = prepara("bomba.png", &png_dichiarata(MAX_LATO, MAX_LATO), 1).unwrap_err();
        assert!(e.contains("troppi pixel"), "{e}");
        // Within the limits, the same header without data is a broken file, not a crash.
        let e = prepara("vuota.png", &png_dichiarata(100, 100), 1).unwrap_err();
        assert!(e.contains("danneggiato"), "{e}");
    }
}
