//! Splitting amounts of cents exactly: in proportion to weights by the largest-remainder method
//! (the parts always add up to the whole, to the cent), and the year in six bimesters.

use chrono::NaiveDate;

/// Splits `total` cents in proportion to `weights`: each part is the floor of its exact share,
/// and the cents left over go one each to the parts with the largest remainders (the earlier
/// part first on a tie). The parts add up to `total`; a zero weight gets nothing. All weights
/// zero (nobody to charge) gives all zeros.
pub fn proporzionale(total: i64, weights: &[u64]) -> Vec<i64> {
    let sum: u128 = weights.iter().map(|w| u128::from(*w)).sum();
    if sum == 0 || total <= 0 {
        return vec![0; weights.len()];
    }
    let total_u = total as u128;
    let mut parts: Vec<i64> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = total_u * u128::from(*w);
        parts.push((exact / sum) as i64);
        remainders.push((exact % sum, i));
    }
    let left = total - parts.iter().sum::<i64>();
    // Largest remainder first; on a tie, the earlier part.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in remainders.iter().take(left as usize) {
        parts[i] += 1;
    }
    parts
}

/// One of the six bimesters of a year (invoiced in advance, on its first day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bimestre {
    /// 1 to 6.
    pub numero: u32,
    pub dal: NaiveDate,
    pub al: NaiveDate,
}

impl Bimestre {
    /// Italian name: "gennaio-febbraio".
    pub fn nome(&self) -> String {
        let primo = (2 * (self.numero - 1)) as usize;
        let mesi = &civico_core::date::MESI;
        format!("{}-{}", mesi[primo], mesi[primo + 1])
    }

    /// Whether the period from `dal` to `al` (either open) covers at least one day of it.
    pub fn toccato(&self, dal: Option<NaiveDate>, al: Option<NaiveDate>) -> bool {
        dal.is_none_or(|d| d <= self.al) && al.is_none_or(|a| a >= self.dal)
    }
}

/// The six bimesters of `anno`.
pub fn bimestri(anno: i32) -> Vec<Bimestre> {
    (0..6)
        .filter_map(|i| {
            let dal = NaiveDate::from_ymd_opt(anno, 2 * i + 1, 1)?;
            let next = if i == 5 {
                NaiveDate::from_ymd_opt(anno + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(anno, 2 * i + 3, 1)?
            };
            Some(Bimestre {
                numero: i + 1,
                dal,
                al: next.pred_opt()?,
            })
        })
        .collect()
}

/// A share in percent with two decimals, from integers: `1234` is 12,34 %.
pub fn centesimi_di_percento(part: i64, total: i64) -> i64 {
    if total <= 0 {
        return 0;
    }
    ((i128::from(part) * 10_000 + i128::from(total) / 2) / i128::from(total)) as i64
}

/// `12,34`.
pub fn percento(cp: i64) -> String {
    format!("{},{:02}", cp / 100, cp % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_add_up_to_the_cent() {
        assert_eq!(proporzionale(100, &[1, 1, 1]), [34, 33, 33]);
        assert_eq!(proporzionale(10, &[1, 2]), [3, 7]);
        assert_eq!(proporzionale(0, &[5, 5]), [0, 0]);
        assert_eq!(proporzionale(7, &[0, 3]), [0, 7]);
        assert_eq!(proporzionale(7, &[0, 0]), [0, 0]);
        // Awkward totals and many parts, with weights of very different sizes.
        let weights: Vec<u64> = (1..=997u64).map(|i| (i * 7919) % 61_870 + 1).collect();
        for total in [1, 99, 100_001, 4_999_999_999, 123_456_789_012] {
            let parts = proporzionale(total, &weights);
            assert_eq!(parts.iter().sum::<i64>(), total, "{total}");
            // Each part is within one cent of its exact share.
            let sum: u128 = weights.iter().map(|w| *w as u128).sum();
            for (p, w) in parts.iter().zip(&weights) {
                let exact = total as f64 * *w as f64 / sum as f64;
                assert!((*p as f64 - exact).abs() < 1.0 + 1e-6, "{p} vs {exact}");
            }
        }
    }

    #[test]
    fn the_largest_remainders_get_the_cents_left() {
        // Exact shares 3.6, 2.4, 4.0 of 10: floors 3, 2, 4 leave 1 cent, to the 0.6 remainder.
        assert_eq!(proporzionale(10, &[36, 24, 40]), [4, 2, 4]);
        // Equal remainders: the earlier part first.
        assert_eq!(proporzionale(2, &[1, 1, 1]), [1, 1, 0]);
    }

    #[test]
    fn six_bimesters_and_who_is_in_them() {
        let b = bimestri(2028);
        assert_eq!(b.len(), 6);
        assert_eq!(
            b[0].al,
            NaiveDate::from_ymd_opt(2028, 2, 29).unwrap(),
            "leap year"
        );
        assert_eq!(b[5].dal, NaiveDate::from_ymd_opt(2028, 11, 1).unwrap());
        assert_eq!(b[5].al, NaiveDate::from_ymd_opt(2028, 12, 31).unwrap());
        assert_eq!(b[1].nome(), "marzo-aprile");
        let d = |m, g| NaiveDate::from_ymd_opt(2028, m, g);
        // Joining on 15 March: from the second bimester.
        let joined: Vec<bool> = b.iter().map(|x| x.toccato(d(3, 15), None)).collect();
        assert_eq!(joined, [false, true, true, true, true, true]);
        // Leaving on 31 August: up to the fourth.
        let left: Vec<bool> = b.iter().map(|x| x.toccato(None, d(8, 31))).collect();
        assert_eq!(left, [true, true, true, true, false, false]);
    }

    #[test]
    fn percentages_from_integers() {
        assert_eq!(percento(centesimi_di_percento(1, 3)), "33,33");
        assert_eq!(percento(centesimi_di_percento(2, 3)), "66,67");
        assert_eq!(percento(centesimi_di_percento(5, 5)), "100,00");
    }
}
