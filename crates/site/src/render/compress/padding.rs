//! How many padding bits end a deflate stream of one dynamic-Huffman block, read from the
//! block's header instead of decoding the whole block (RFC 1951, 3.2.7). The block ends with its
//! end-of-block code; the bits after it, up to the byte boundary, are zero. Knowing the code of
//! symbol 256, the padding is the number of zero bits that leave that code right before them;
//! when more than one count fits (a code ending in zeros can), or the block is not
//! dynamic-Huffman, the answer is None and the caller decodes. Only the header (a few hundred
//! bits) is read.

/// The stream's bits, least significant first in each byte (RFC 1951, 3.1.1).
struct Bits<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Bits<'_> {
    /// The next `n` (at most 32) bits as a number, the first one lowest, without taking them.
    fn peek(&self, n: u32) -> Option<u32> {
        if self.at + n as usize > self.bytes.len() * 8 {
            return None;
        }
        let from = self.at / 8;
        // Eight bytes read as one word where there are eight (a copy into a zeroed word,
        // a call to memcpy each time, took most of this function's time).
        let word = match self.bytes.get(from..from + 8) {
            Some(w) => u64::from_le_bytes(w.try_into().ok()?),
            None => {
                let mut word = [0u8; 8];
                let there = &self.bytes[from..];
                word[..there.len()].copy_from_slice(there);
                u64::from_le_bytes(word)
            }
        };
        let v = word >> (self.at % 8);
        Some((v & ((1u64 << n) - 1)) as u32)
    }

    fn take(&mut self, n: u32) -> Option<u32> {
        let v = self.peek(n)?;
        self.at += n as usize;
        Some(v)
    }

    /// One symbol of the code-length code (codes of at most seven bits), by its table.
    fn symbol(&mut self, table: &CodeLengthTable) -> Option<usize> {
        // Near the stream's end fewer than seven bits may be left: peek what there is.
        let left = (self.bytes.len() * 8).saturating_sub(self.at).min(7) as u32;
        let (symbol, len) = table.0[self.peek(left)? as usize];
        if len == 0 || u32::from(len) > left {
            return None;
        }
        self.at += usize::from(len);
        Some(usize::from(symbol))
    }
}

/// The code-length code (RFC 1951, 3.2.7) as a table: for every seven bits as read, the symbol
/// whose code they begin with and its length (0: no such code).
struct CodeLengthTable([(u8, u8); 128]);

impl CodeLengthTable {
    /// The table of the code with these lengths (three bits each, so at most seven).
    fn new(lengths: &[u8; 19]) -> Option<CodeLengthTable> {
        // Canonical codes: the first code of each length, then symbols in order.
        let mut next = first_codes(lengths);
        let mut table = [(0u8, 0u8); 128];
        for (symbol, &len) in lengths.iter().enumerate() {
            if len == 0 {
                continue;
            }
            let len = u32::from(len);
            let code = next[len as usize];
            next[len as usize] += 1;
            if code >= 1 << len {
                return None;
            }
            // Codes are read from their most significant bit: reversed, then every ending.
            let reversed = code.reverse_bits() >> (32 - len);
            for rest in 0..(1u32 << (7 - len)) {
                *table.get_mut((reversed | rest << len) as usize)? = (symbol as u8, len as u8);
            }
        }
        Some(CodeLengthTable(table))
    }
}

/// The end-of-block code of a dynamic block's header starting at bit 0: (code, length).
fn end_of_block_code(stream: &[u8]) -> Option<(u32, u32)> {
    const ORDER: [usize; 19] = [
        16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
    ];
    let mut bits = Bits {
        bytes: stream,
        at: 1,
    };
    if bits.take(2)? != 2 {
        return None;
    }
    let literals = bits.take(5)? as usize + 257;
    let distances = bits.take(5)? as usize + 1;
    let mut code_lengths = [0u8; 19];
    for &s in ORDER.iter().take(bits.take(4)? as usize + 4) {
        code_lengths[s] = bits.take(3)? as u8;
    }
    let table = CodeLengthTable::new(&code_lengths)?;
    // At most 288 + 32 lengths, and a repeat may run past them by up to 138.
    let mut lengths = [0u8; 288 + 32 + 138];
    let mut filled = 0;
    while filled < literals + distances {
        let (value, times) = match bits.symbol(&table)? {
            s @ 0..=15 => (s as u8, 1),
            16 => (
                *lengths.get(filled.checked_sub(1)?)?,
                3 + bits.take(2)? as usize,
            ),
            17 => (0, 3 + bits.take(3)? as usize),
            _ => (0, 11 + bits.take(7)? as usize),
        };
        lengths.get_mut(filled..filled + times)?.fill(value);
        filled += times;
    }
    let lengths = &lengths[..literals];
    let len = lengths[256];
    if len == 0 {
        return None;
    }
    // Canonical codes: first code of each length, then symbols of one length in order.
    let first = first_codes(lengths)[usize::from(len)];
    let before = lengths[..256].iter().filter(|&&l| l == len).count() as u32;
    Some((first + before, u32::from(len)))
}

/// The first code of each length of the canonical Huffman code with these code lengths (at
/// most 15: RFC 1951, 3.2.2).
fn first_codes(lengths: &[u8]) -> [u32; 16] {
    let mut counts = [0u32; 16];
    for &l in lengths {
        counts[usize::from(l)] += 1;
    }
    counts[0] = 0;
    let mut first = [0u32; 16];
    for len in 1..16 {
        first[len] = (first[len - 1] + counts[len - 1]) << 1;
    }
    first
}

/// The padding bits (0-7) after the end-of-block code of `stream`, a single dynamic block,
/// when only one count fits.
pub fn padding_bits(stream: &[u8]) -> Option<usize> {
    let (code, len) = end_of_block_code(stream)?;
    // The stream's last 32 bits, its last bit highest: room for seven bits of padding and a
    // code of up to fifteen.
    let last: [u8; 4] = stream
        .get(stream.len().checked_sub(4)?..)?
        .try_into()
        .ok()?;
    let last = u32::from_le_bytes(last);
    // Huffman codes are written from their most significant bit: as read, reversed.
    let reversed = code.reverse_bits() >> (32 - len);
    let fits = |k: u32| {
        let zeros = k == 0 || last >> (32 - k) == 0;
        let code_there = (last >> (32 - k - len)) & ((1 << len) - 1) == reversed;
        (zeros && code_there).then_some(k as usize)
    };
    let mut found = (0..8).filter_map(fits);
    match (found.next(), found.next()) {
        (Some(k), None) => Some(k),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use libdeflater::{CompressionLvl, Compressor, Decompressor};

    /// Whether `stream` (one final block) still decodes to `text` when its end is taken as
    /// `8 * len - k` bits: the block is made non-final and a final empty fixed-Huffman block
    /// (bits 1, 1, 0 and seven zeros) is written there. A wrong end breaks the code before it
    /// or leaves zero bits read as another block.
    fn ends_there(stream: &[u8], k: usize, text: &[u8]) -> bool {
        let mut s = stream.to_vec();
        s[0] &= !1;
        let end = s.len() * 8 - k;
        s.extend_from_slice(&[0, 0]);
        for i in [end, end + 1] {
            s[i / 8] |= 1 << (i % 8);
        }
        let mut out = vec![0; text.len() + 16];
        matches!(Decompressor::new().deflate_decompress(&s, &mut out), Ok(n) if out[..n] == *text)
    }

    #[test]
    fn the_padding_read_from_the_header_is_the_one_decoding_finds() {
        let mut c = Compressor::new(CompressionLvl::new(1).unwrap());
        let (mut found, mut ambiguous) = ([0; 8], 0);
        for n in 0..400u64 {
            let mut text = String::new();
            let mut x = n.wrapping_mul(0x9e3779b97f4a7c15) | 1;
            while text.len() < 2000 + (n as usize * 13) % 9000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                text.push_str(&format!(
                    "<li><a href=\"/atti/{}\">Atto {}</a></li>\n",
                    x % 997,
                    x % 89
                ));
            }
            let mut out = vec![0; c.deflate_compress_bound(text.len())];
            let size = c.deflate_compress(text.as_bytes(), &mut out).unwrap();
            out.truncate(size);
            let ends: Vec<usize> = (0..8)
                .filter(|&k| ends_there(&out, k, text.as_bytes()))
                .collect();
            assert_eq!(ends.len(), 1, "text {n}: one end decodes");
            match padding_bits(&out) {
                Some(p) => {
                    assert_eq!(p, ends[0], "text {n}");
                    found[p] += 1;
                }
                None => ambiguous += 1,
            }
        }
        assert!(
            found.iter().all(|&f| f > 10),
            "every padding met: {found:?}"
        );
        assert!(ambiguous < 40, "{ambiguous} of 400 undecided");
    }

    #[test]
    fn blocks_other_than_dynamic_are_left_to_decoding() {
        // A stored block (level 0) and a fixed-Huffman one (a tiny input).
        for (level, text) in [
            (0, "<p>Comune</p>".repeat(50)),
            (1, "<p>Comune</p>".to_string()),
        ] {
            let mut c = Compressor::new(CompressionLvl::new(level).unwrap());
            let mut out = vec![0; c.deflate_compress_bound(text.len())];
            let n = c.deflate_compress(text.as_bytes(), &mut out).unwrap();
            assert_eq!(padding_bits(&out[..n]), None, "level {level}");
        }
        assert_eq!(padding_bits(&[]), None);
        assert_eq!(padding_bits(&[0xff; 3]), None);
    }
}
