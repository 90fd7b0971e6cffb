//! gzip of pages that end alike. The pages of a comune end with the same several kilobytes (the
//! contacts box, the feedback widget AGID requires, the search dialog, the footer, the scripts:
//! about 14 of a page's 27 KB), so compressing every page whole compresses those bytes again and
//! again. The theme marks where that ending starts (the renderer takes the mark out, see
//! [`crate::render::SHARED_ENDING`]); here each distinct ending (a *tail*) is compressed once, at
//! libdeflate's best level, and each page's own beginning at level 1, joined to it in one gzip
//! member: same format, same decompressed bytes, about half the compression work. A page's gzip
//! depends only on its bytes and its mark, never on which pages came first (builds are
//! reproducible); the tails kept are only a memo. (Caching the header and menu as well, from
//! `<body` to `<main`, was tried: a second libdeflate call per page made it slower and the output
//! 4% larger.)
//!
//! Joining two deflate streams needs the first to end with a non-final block on a byte boundary;
//! libdeflate writes a final block and pads its last byte, so the block's final bit is cleared
//! and an empty stored block is appended, whose length depends on the padding libdeflate does
//! not report: it is read from the block's header (`padding`), or, when that cannot tell, one
//! decoding of the beginning followed by a probe tells (and proves it). Anything unexpected
//! (several blocks, a wrong decoding) falls back to a whole gzip.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use libdeflater::{CompressionLvl, Compressor, Decompressor};

/// Shortest ending worth compressing apart.
const MIN_TAIL: usize = 2048;
/// Most tails kept at once (a few per comune); when full the memo starts again.
const MAX_TAILS: usize = 64;
/// gzip header as libdeflate writes it at level 1: no name, no time, "fastest", unknown OS.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 0xff];

/// The compressed tails of a build, by their length (those of one length are compared byte
/// for byte; hashing them would read every tail once more per page).
#[derive(Default)]
pub struct PageGzip {
    tails: RwLock<HashMap<usize, Vec<Arc<Tail>>>>,
}

/// The bytes pages end with and their raw deflate stream (final), compressed once.
struct Tail {
    text: Box<[u8]>,
    deflate: Box<[u8]>,
}

thread_local! {
    /// The level-1 compressor and its output buffer.
    static FAST: RefCell<(Compressor, Vec<u8>)> =
        RefCell::new((Compressor::new(level(1)), Vec::new()));
    static CHECK: RefCell<(Decompressor, Vec<u8>, Vec<u8>)> =
        RefCell::new((Decompressor::new(), Vec::new(), Vec::new()));
}

fn level(n: i32) -> CompressionLvl {
    CompressionLvl::new(n).unwrap_or_default()
}

impl PageGzip {
    /// The gzip of `bytes`, whose shared ending starts at `ending` when the page has one: the
    /// beginning compressed now, joined to the ending's stream; or the whole file compressed.
    pub fn gzip(&self, bytes: &[u8], ending: Option<usize>) -> Vec<u8> {
        ending
            .filter(|&e| e > 0 && e < bytes.len() && bytes.len() - e >= MIN_TAIL)
            .and_then(|e| joined(bytes, &*self.tail(&bytes[e..])?))
            .unwrap_or_else(|| super::gzip(bytes))
    }

    /// The compressed tail of these bytes, from the memo or made now.
    fn tail(&self, text: &[u8]) -> Option<Arc<Tail>> {
        let key = text.len();
        let same = |t: &&Arc<Tail>| *t.text == *text;
        if let Some(t) = self
            .tails
            .read()
            .ok()?
            .get(&key)
            .and_then(|v| v.iter().find(same))
        {
            return Some(t.clone());
        }
        let mut best = Compressor::new(level(12));
        let mut deflate = vec![0; best.deflate_compress_bound(text.len())];
        let n = best.deflate_compress(text, &mut deflate).ok()?;
        deflate.truncate(n);
        let tail = Arc::new(Tail {
            text: text.into(),
            deflate: deflate.into(),
        });
        let mut tails = self.tails.write().ok()?;
        if tails.len() >= MAX_TAILS {
            tails.clear();
        }
        tails.entry(key).or_default().push(tail.clone());
        Some(tail)
    }
}

/// One gzip member: the beginning of `bytes` (all but the tail) compressed now, then the tail's
/// stream. None when libdeflate's output is not the single block this relies on.
fn joined(bytes: &[u8], tail: &Tail) -> Option<Vec<u8>> {
    let own = &bytes[..bytes.len() - tail.text.len()];
    FAST.with(|f| {
        let (c, scratch) = &mut *f.borrow_mut();
        // A buffer kept per thread: no zeroing nor reallocation for each page.
        let bound = c.deflate_compress_bound(own.len());
        if scratch.len() < bound {
            scratch.resize(bound, 0);
        }
        let n = c.deflate_compress(own, scratch).ok()?;
        let stream = &mut scratch[..n];
        // The first (and, for one block, only) block header's BFINAL bit.
        stream[0] &= !1;
        let closing = closing_for(stream, own)?;
        let mut out = Vec::with_capacity(HEADER.len() + n + closing.len() + tail.deflate.len() + 8);
        out.extend_from_slice(&HEADER);
        out.extend_from_slice(stream);
        out.extend_from_slice(closing);
        out.extend_from_slice(&tail.deflate);
        out.extend_from_slice(&libdeflater::crc32(bytes).to_le_bytes());
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        Some(out)
    })
}

const IN_PADDING: &[u8] = &[0, 0, 0xff, 0xff];
const ONE_MORE_BYTE: &[u8] = &[0, 0, 0, 0xff, 0xff];
/// Longest beginning libdeflate's level 1 surely writes as one block: it ends a block only
/// after 65,535 bytes or 8,192 matches (of at least three bytes).
const ONE_BLOCK: usize = 24_000;

/// The empty stored block that ends `stream` (a single non-final block) on a byte boundary.
/// Its three header bits fit in the padding of the stream's last byte when that has three or
/// more bits, else they need one more byte. The padding is read from the block's header
/// ([`padding::padding_bits`]) when the beginning is short enough to be one block; else (or
/// when the header leaves it open) by decoding: see [`closing_by_decoding`]. Debug builds (the
/// tests) do both and compare.
fn closing_for(stream: &[u8], head: &[u8]) -> Option<&'static [u8]> {
    let read = (head.len() <= ONE_BLOCK)
        .then(|| super::padding::padding_bits(stream))
        .flatten()
        .map(|k| if k >= 3 { IN_PADDING } else { ONE_MORE_BYTE });
    if cfg!(debug_assertions) && read.is_some() {
        assert_eq!(
            read,
            closing_by_decoding(stream, head),
            "padding read from the header"
        );
    }
    read.or_else(|| closing_by_decoding(stream, head))
}

/// [`closing_for`] by one decoding of `stream` followed by [`PROBE`]: the probe is read as a
/// stored block of 248 bytes when the closing's header fits in the padding and of 1,792 when it
/// needs one more byte. The decoding also proves that the stream gives back `head` and that it
/// was a single block (an earlier final block would stop it short).
fn closing_by_decoding(stream: &[u8], head: &[u8]) -> Option<&'static [u8]> {
    CHECK.with(|c| {
        let (d, input, output) = &mut *c.borrow_mut();
        input.clear();
        input.extend_from_slice(stream);
        input.extend_from_slice(&PROBE);
        output.resize(head.len() + 1792 + 1, 0);
        let n = d.deflate_decompress(input, output).ok()?;
        if n < head.len() || output[..head.len()] != *head {
            return None;
        }
        match n - head.len() {
            248 => Some(IN_PADDING),
            1792 => Some(ONE_MORE_BYTE),
            _ => None,
        }
    })
}

/// Bytes that decode after a block's end whatever the padding of its last byte (see
/// [`closing_for`]): with the stored block's header in the padding, LEN = 0x00F8 and NLEN =
/// 0xFF07 are its first four bytes, and a final empty stored block follows its 248 bytes; with
/// the header in the first byte (0xF8: its low three bits are zero), LEN = 0x0700 and NLEN =
/// 0xF8FF are the next four, and a final empty stored block follows its 1,792 bytes.
static PROBE: [u8; 1802] = {
    let mut p = [0u8; 1802];
    (p[0], p[1], p[2], p[3], p[4]) = (0xf8, 0x00, 0x07, 0xff, 0xf8);
    (p[252], p[255], p[256]) = (1, 0xff, 0xff);
    (p[1797], p[1800], p[1801]) = (1, 0xff, 0xff);
    p
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    fn gunzip(gz: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    const ENDING: &str = "<footer class=\"it-footer\"><p>Comune di Valfiorita</p></footer>\n";

    /// A page: its own beginning of `n` varied bytes, then the ending every page shares, and
    /// where that starts.
    fn page(n: usize, seed: u64) -> (Vec<u8>, usize) {
        let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        let mut own = String::from("<!doctype html><title>Pagina</title>\n");
        while own.len() < n {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            own.push_str(&format!("<p>Atto n. {} del comune</p>\n", x >> 40));
        }
        own.truncate(n);
        let at = own.len();
        (
            format!("{own}{}</body></html>\n", ENDING.repeat(120)).into_bytes(),
            at,
        )
    }

    #[test]
    fn pages_sharing_an_ending_round_trip_with_every_padding() {
        let gz = PageGzip::default();
        // Many lengths of the beginning, so libdeflate's last byte has every amount of padding.
        for n in 200..260 {
            let (p, at) = page(n * 37, n as u64);
            let out = gz.gzip(&p, Some(at));
            assert_eq!(gunzip(&out), p, "beginning of {} bytes", n * 37);
            assert_ne!(out, super::super::gzip(&p), "joined, not whole");
        }
        assert_eq!(
            gz.tails.read().unwrap().len(),
            1,
            "one shared ending, one tail"
        );
    }

    #[test]
    fn a_page_gzip_depends_on_its_bytes_only_and_is_no_larger_than_whole() {
        let (a, at) = page(9000, 1);
        let first = PageGzip::default().gzip(&a, Some(at));
        let warm = PageGzip::default();
        warm.gzip(&page(7000, 2).0, Some(page(7000, 2).1));
        assert_eq!(
            warm.gzip(&a, Some(at)),
            first,
            "the memo does not change the output"
        );
        assert!(first.len() <= super::super::gzip(&a).len() + 16);
    }

    #[test]
    fn without_a_usable_ending_files_are_compressed_whole() {
        let gz = PageGzip::default();
        let (p, at) = page(9000, 3);
        // (bytes, where the ending starts, whether the result must be a whole gzip)
        for (bytes, ending, whole) in [
            (&b"short"[..], Some(2), true),
            (&p[..], None, true),
            (&p[..], Some(0), true),
            (&p[..], Some(p.len() - 100), true),
            (&p[..], Some(p.len() + 5), true),
            (&[7u8; 20000][..], Some(10000), false),
        ] {
            let out = gz.gzip(bytes, ending);
            assert_eq!(gunzip(&out), bytes);
            assert_eq!(out == super::super::gzip(bytes), whole, "{ending:?}");
        }
        assert_eq!(gunzip(&gz.gzip(&p, Some(at))), p);
    }
}
