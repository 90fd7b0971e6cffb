//! Benchmark of a segnalazione's photo check: from the bytes the citizen sends to the JPEG that
//! is stored (type from content, limits, decode, orientation, scale to 2,048 px, re-encode), for
//! the photos phones take, and the refusal of a decompression bomb.
//!
//! `cargo bench --bench allegati [-- ROUNDS]`; prints the median and slowest time of each case.
//! Results are recorded in bench/results/.

use std::io::Cursor;
use std::time::{Duration, Instant};

use civico_sportello::allegati;
use image::{DynamicImage, ImageFormat, RgbImage};

/// A photo-like image: gradients with fine texture (compresses like a real photo, unlike a
/// flat colour).
fn foto(l: u32, a: u32, formato: ImageFormat) -> Vec<u8> {
    let mut seme = 0x2545_f491_u32;
    let img = RgbImage::from_fn(l, a, |x, y| {
        seme ^= seme << 13;
        seme ^= seme >> 17;
        seme ^= seme << 5;
        let n = (seme & 31) as u8;
        image::Rgb([
            ((x * 255 / l) as u8).wrapping_add(n),
            ((y * 255 / a) as u8).wrapping_add(n / 2),
            (((x + y) % 256) as u8) ^ n,
        ])
    });
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut out), formato)
        .expect("encoded");
    out
}

/// A PNG that declares `lato` × `lato` pixels and inflates to that many bytes.
fn bomba(lato: u32) -> Vec<u8> {
    let img = image::GrayImage::new(lato, lato);
    let mut out = Vec::new();
    DynamicImage::ImageLuma8(img)
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .expect("encoded");
    out
}

fn misura(nome: &str, dati: &[u8], giri: usize) {
    let mut tempi: Vec<Duration> = (0..giri)
        .map(|_| {
            let t = Instant::now();
            let esito = allegati::prepara("foto.jpg", dati, 1);
            let d = t.elapsed();
            std::hint::black_box(esito.map(|a| a.dati.len()).ok());
            d
        })
        .collect();
    tempi.sort();
    let esito = allegati::prepara("foto.jpg", dati, 1);
    println!(
        "{nome:<34} {:>6.2} MB in  median {:>8.2} ms  max {:>8.2} ms  -> {}",
        dati.len() as f64 / 1_048_576.0,
        tempi[giri / 2].as_secs_f64() * 1000.0,
        tempi[giri - 1].as_secs_f64() * 1000.0,
        match esito {
            Ok(a) => format!("stored {:.2} MB JPEG", a.dati.len() as f64 / 1_048_576.0),
            Err(m) => format!("refused: {m}"),
        }
    );
}

fn main() {
    let giri: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(7);
    let casi: [(&str, Vec<u8>); 5] = [
        (
            "JPEG 12 MP (4000x3000)",
            foto(4000, 3000, ImageFormat::Jpeg),
        ),
        ("JPEG 8 MP (3264x2448)", foto(3264, 2448, ImageFormat::Jpeg)),
        (
            "PNG 2 MP screenshot (1920x1080)",
            foto(1920, 1080, ImageFormat::Png),
        ),
        ("JPEG 1.2 MP (1280x960)", foto(1280, 960, ImageFormat::Jpeg)),
        ("PNG bomb 20000x20000 (400 MB)", bomba(20_000)),
    ];
    for (nome, dati) in &casi {
        misura(nome, dati, giri);
    }
}
