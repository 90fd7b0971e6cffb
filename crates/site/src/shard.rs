//! Sharded builds: `civico build --shard I/N` builds a deterministic, balanced subset of the
//! comuni, so that N CI runners build a large network in parallel and their output folders merge
//! without conflicts (each comune is one folder).
//!
//! Balance is by size: comuni are weighed by their number of content files and dealt, largest
//! first, to the least loaded shard (longest-processing-time rule); ties go to the lower shard,
//! and equal weights are ordered by slug, so every runner computes the same split.

use std::path::Path;
use std::str::FromStr;

/// Shard `index` (1-based) of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub total: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}`: scrivi la parte come I/N, per esempio 2/4"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("`{i}` non è un numero"))?;
        let total: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("`{n}` non è un numero"))?;
        if total == 0 || index == 0 || index > total {
            return Err(format!("parte {index}/{total}: I deve essere tra 1 e N"));
        }
        Ok(Shard { index, total })
    }
}

/// Deals `(slug, weight)` into `n` shards; returns the slugs of each shard, sorted.
pub fn assign(weights: &[(String, u64)], n: usize) -> Vec<Vec<String>> {
    let n = n.max(1);
    let mut items: Vec<&(String, u64)> = weights.iter().collect();
    items.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut bins: Vec<(u64, Vec<String>)> = vec![(0, Vec::new()); n];
    for (slug, w) in items {
        let (i, _) = bins
            .iter()
            .enumerate()
            .min_by_key(|(i, b)| (b.0, *i))
            .expect("at least one shard");
        bins[i].0 += w.max(&1);
        bins[i].1.push(slug.clone());
    }
    bins.into_iter()
        .map(|(_, mut s)| {
            s.sort();
            s
        })
        .collect()
}

/// The comuni of `shard` among the folders of `comuni_dir`, weighed by their content files.
pub fn comuni(comuni_dir: &Path, shard: Shard) -> Vec<String> {
    let weights: Vec<(String, u64)> = std::fs::read_dir(comuni_dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.path().join("comune.yaml").is_file())
        .filter_map(|e| {
            let slug = e.file_name().to_str()?.to_string();
            let files = walkdir::WalkDir::new(e.path())
                .into_iter()
                .filter_map(Result::ok)
                .filter(|f| f.path().extension().is_some_and(|x| x == "md"))
                .count() as u64;
            Some((slug, files))
        })
        .collect();
    assign(&weights, shard.total)
        .into_iter()
        .nth(shard.index - 1)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_i_over_n() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, total: 4 }));
        assert!("0/4".parse::<Shard>().is_err());
        assert!("5/4".parse::<Shard>().is_err());
        assert!("2".parse::<Shard>().is_err());
    }

    #[test]
    fn balanced_disjoint_and_deterministic() {
        let w: Vec<(String, u64)> = [
            ("a", 100),
            ("b", 90),
            ("c", 50),
            ("d", 40),
            ("e", 10),
            ("f", 10),
        ]
        .iter()
        .map(|(s, n)| (s.to_string(), *n))
        .collect();
        let bins = assign(&w, 2);
        assert_eq!(bins, [vec!["a", "d", "e"], vec!["b", "c", "f"]]);
        // Loads 150 and 150.
        let all: Vec<String> = bins.concat();
        assert_eq!(all.len(), 6);
        let mut rev = w.clone();
        rev.reverse();
        assert_eq!(assign(&rev, 2), bins, "input order does not matter");
        assert_eq!(assign(&w, 1), [vec!["a", "b", "c", "d", "e", "f"]]);
        assert_eq!(assign(&w, 8).iter().filter(|b| b.is_empty()).count(), 2);
    }
}
