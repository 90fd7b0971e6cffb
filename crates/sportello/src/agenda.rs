//! The slots an office offers: its weekly opening hours cut into slots of its duration, in the
//! comune's time zone, from the minimum notice to the horizon, without national holidays and
//! the office's closed days. Times are stored and compared in UTC; a local time that does not
//! exist (the spring DST gap) is skipped, an ambiguous one (autumn) takes its first instant.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};

use civico_core::sportello::{Giorno, Sportello, Ufficio};

/// One appointment slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slot {
    pub inizio: DateTime<Utc>,
    pub fine: DateTime<Utc>,
}

/// Easter Sunday of `year` (anonymous Gregorian computus).
fn pasqua(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or_default()
}

/// Italian national holidays (and Easter Monday).
pub fn festivo(d: NaiveDate) -> bool {
    const FISSI: [(u32, u32); 10] = [
        (1, 1),
        (1, 6),
        (4, 25),
        (5, 1),
        (6, 2),
        (8, 15),
        (11, 1),
        (12, 8),
        (12, 25),
        (12, 26),
    ];
    FISSI.contains(&(d.month(), d.day())) || d == pasqua(d.year()) + Duration::days(1)
}

/// The slots `u` offers when booking at `now`.
pub fn slots(s: &Sportello, u: &Ufficio, tz: chrono_tz::Tz, now: DateTime<Utc>) -> Vec<Slot> {
    let earliest = now + Duration::hours(s.anticipo_minimo_ore);
    let latest = now + Duration::days(s.orizzonte_giorni);
    let step = Duration::minutes(i64::from(u.durata.max(5)));
    let first_day = now.with_timezone(&tz).date_naive();
    let mut out = Vec::new();
    for n in 0..=s.orizzonte_giorni {
        let day = first_day + Duration::days(n);
        if festivo(day) || u.chiusure.contains(&day) {
            continue;
        }
        let Some(intervalli) = u.orari.get(&Giorno::of(day.weekday())) else {
            continue;
        };
        for iv in intervalli {
            let mut t = day.and_time(iv.dalle);
            let end = day.and_time(iv.alle);
            while t + step <= end {
                let (Some(a), Some(b)) = (
                    tz.from_local_datetime(&t).earliest(),
                    tz.from_local_datetime(&(t + step)).earliest(),
                ) else {
                    t += step;
                    continue;
                };
                let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
                if a >= earliest && a <= latest {
                    out.push(Slot { inizio: a, fine: b });
                }
                t += step;
            }
        }
    }
    out
}

/// Whether `inizio` is a slot `u` offers at `now` (the server's check of what is posted).
pub fn offerto(
    s: &Sportello,
    u: &Ufficio,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
    inizio: DateTime<Utc>,
) -> Option<Slot> {
    slots(s, u, tz, now)
        .into_iter()
        .find(|x| x.inizio == inizio)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Rome;

    const YAML: &str = "informativa: https://www.comune.example.it/privacy/\nanticipo_minimo_ore: 24\norizzonte_giorni: 20\nsportelli:\n  - id: anagrafe\n    nome: Anagrafe\n    capienza: 2\n    durata: 30\n    orari:\n      lunedi: [\"09:00-10:00\"]\n      sabato: [\"01:30-03:30\"]\n      domenica: [\"01:30-03:30\"]\n    chiusure: [2026-11-30]\n";

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn easter_and_holidays() {
        assert_eq!(pasqua(2026), "2026-04-05".parse::<NaiveDate>().unwrap());
        assert_eq!(pasqua(2027), "2027-03-28".parse::<NaiveDate>().unwrap());
        assert!(festivo("2026-04-06".parse().unwrap()), "Pasquetta");
        assert!(festivo("2026-06-02".parse().unwrap()));
        assert!(!festivo("2026-06-03".parse().unwrap()));
    }

    #[test]
    fn slots_respect_notice_horizon_closures_and_local_time() {
        let s = civico_core::sportello::parse(YAML).unwrap();
        let u = &s.sportelli[0];
        // Monday 23 November 2026, 08:00 in Rome (07:00 UTC).
        let now = utc("2026-11-23T07:00:00Z");
        let v = slots(&s, u, Rome, now);
        let mondays: Vec<_> = v
            .iter()
            .filter(|x| x.inizio.with_timezone(&Rome).weekday() == chrono::Weekday::Mon)
            .collect();
        // Today is inside the 24-hour notice, the 30th is closed: only 7 December.
        assert_eq!(mondays.len(), 2, "{mondays:?}");
        assert_eq!(
            mondays[0].inizio,
            utc("2026-12-07T08:00:00Z"),
            "09:00 in Rome, winter"
        );
        assert_eq!(mondays[1].fine, utc("2026-12-07T09:00:00Z"));
        assert!(v.iter().all(|x| x.inizio >= now + Duration::hours(24)));
        assert!(v.iter().all(|x| x.inizio <= now + Duration::days(20)));
        assert!(offerto(&s, u, Rome, now, utc("2026-12-07T08:30:00Z")).is_some());
        // Not a slot boundary, in the past, or inside the notice: refused.
        assert!(offerto(&s, u, Rome, now, utc("2026-12-07T08:10:00Z")).is_none());
        assert!(offerto(&s, u, Rome, now, utc("2026-11-23T08:00:00Z")).is_none());
    }

    #[test]
    fn daylight_saving_changes() {
        let s = civico_core::sportello::parse(YAML).unwrap();
        let u = &s.sportelli[0];
        // Sunday 29 March 2026: 02:00-03:00 does not exist in Rome.
        let spring: Vec<_> = slots(&s, u, Rome, utc("2026-03-27T00:00:00Z"))
            .into_iter()
            .filter(|x| x.inizio.with_timezone(&Rome).date_naive().day() == 29)
            .collect();
        // 01:30 ends at 02:00 which does not exist; 03:00 starts fine: no slot is invented.
        for x in &spring {
            assert!(x.fine > x.inizio);
            let local = x.inizio.with_timezone(&Rome).time();
            assert!(
                local < chrono::NaiveTime::from_hms_opt(2, 0, 0).unwrap()
                    || local >= chrono::NaiveTime::from_hms_opt(3, 0, 0).unwrap()
            );
        }
        // Sunday 25 October 2026: 02:00-03:00 happens twice; slots stay ordered and distinct.
        let autumn: Vec<_> = slots(&s, u, Rome, utc("2026-10-23T00:00:00Z"))
            .into_iter()
            .filter(|x| x.inizio.with_timezone(&Rome).date_naive().day() == 25)
            .collect();
        assert!(!autumn.is_empty());
        for w in autumn.windows(2) {
            assert!(w[0].inizio < w[1].inizio);
        }
    }
}
