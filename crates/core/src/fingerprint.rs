//! Fingerprints of what a page or file was made from, so a rebuild can tell what changed
//! without rendering it: a 64-bit hash fed through `io::Write` (serde writes straight into it).

/// A hasher that serialisers can write into (XXH3: fast on the many small writes of JSON).
#[derive(Default)]
pub struct Hasher(xxhash_rust::xxh3::Xxh3Default);

impl Hasher {
    pub fn finish(&self) -> u64 {
        self.0.digest()
    }

    pub fn add(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update(bytes);
        self
    }

    pub fn add_u64(&mut self, n: u64) -> &mut Self {
        self.0.update(&n.to_le_bytes());
        self
    }

    /// Adds a value through its JSON form (a value that fails to serialise adds nothing).
    pub fn add_json<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> &mut Self {
        let _ = serde_json::to_writer(&mut *self, value);
        self
    }
}

impl std::io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The fingerprint of some bytes.
pub fn of(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_input_equal_print_and_json_matters() {
        assert_eq!(of(b"abc"), of(b"abc"));
        assert_ne!(of(b"abc"), of(b"abd"));
        let mut a = Hasher::default();
        a.add_json(&("x", 1));
        let mut b = Hasher::default();
        b.add_json(&("x", 2));
        assert_ne!(a.finish(), b.finish());
    }
}
