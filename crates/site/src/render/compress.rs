//! Precompressed siblings (`.gz`, `.br`) of the text files a site ships, so that a static server
//! (nginx `gzip_static`/`brotli_static`, Caddy `precompressed`, `civico serve`) sends them
//! compressed without compressing on every request. AGID's speed criterion fails on an
//! uncompressed Bootstrap Italia.
//!
//! Pages get gzip only (fast, and every client accepts it); theme assets, written identically for
//! every comune, are compressed once per build with both gzip and brotli. Brotli quality 6: on
//! Bootstrap Italia's CSS and JS it is 2% larger than quality 9 at a third of the time (quality 11
//! would save another 9% but takes seconds on every build).

use std::io::Write as _;

mod padding;
mod tails;
pub use tails::PageGzip;

/// Whether a file with this path is text worth compressing.
pub fn worth_compressing(path: &str) -> bool {
    let ext = path.rsplit('.').next().unwrap_or("");
    matches!(
        ext.to_ascii_lowercase().as_str(),
        "html" | "css" | "js" | "svg" | "json" | "xml" | "txt" | "ics" | "csv" | "geojson"
    )
}

/// gzip by libdeflate at level 1, each thread keeping its compressor: pages are compressed whole,
/// in one call, which is what libdeflate is made for. On the 10,000-page benchmark it takes 26%
/// less time than zlib-rs at level 3 for output 2% larger (88.0 vs 86.2 MB); libdeflate's level
/// 4 is 2% smaller than zlib-rs 3 but only 7% faster (bench/results/2026-12-05-gzip.md).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<libdeflater::Compressor> = std::cell::RefCell::new(
            libdeflater::Compressor::new(libdeflater::CompressionLvl::new(1).unwrap_or_default()),
        );
    }
    COMPRESSOR.with(|c| {
        let mut c = c.borrow_mut();
        let mut out = vec![0; c.gzip_compress_bound(bytes.len())];
        // The buffer has the bound's size, so compression cannot run out of room.
        let n = c.gzip_compress(bytes, &mut out).unwrap_or(0);
        out.truncate(n);
        out
    })
}

/// brotli at `quality` (0-11) with a window just large enough for `bytes`, between 256 KiB and
/// 4 MiB: a larger one compresses no better and only costs memory to allocate and clear (a
/// smaller one made Bootstrap Italia's script 1% larger at quality 6).
pub fn brotli(bytes: &[u8], quality: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 4 + 64);
    let window = (18..22)
        .find(|w| (1usize << w) - 16 >= bytes.len())
        .unwrap_or(22);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, quality, window);
        let _ = w.write_all(bytes);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    #[test]
    fn gzip_round_trips() {
        let text = "<p>Comune di Valfiorita</p>".repeat(100);
        let gz = gzip(text.as_bytes());
        assert!(gz.len() < text.len() / 5);
        let mut back = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);
    }

    #[test]
    fn brotli_round_trips() {
        let text = "body{font-family:'Titillium Web'}".repeat(100);
        let br = brotli(text.as_bytes(), 9);
        assert!(br.len() < text.len() / 5);
        let mut back = String::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);
    }

    #[test]
    fn only_text_is_compressed() {
        assert!(worth_compressing("/static/js/civico.js"));
        assert!(worth_compressing("/novita/index.html"));
        assert!(!worth_compressing("/static/fonts/a.woff2"));
        assert!(!worth_compressing("/media/stemma.png"));
    }
}
