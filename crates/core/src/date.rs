//! Dates as Italian citizens read them ("lunedì 3 marzo 2026", "3 mar 2026") and today's date
//! in the comune's time zone: shared by the site's templates, the service's messages and the IO
//! messages.

use chrono::{Datelike, NaiveDate, Weekday};

pub const MESI: [&str; 12] = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
];
pub const MESI_BREVI: [&str; 12] = [
    "gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic",
];

fn giorno_settimana(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "lunedì",
        Weekday::Tue => "martedì",
        Weekday::Wed => "mercoledì",
        Weekday::Thu => "giovedì",
        Weekday::Fri => "venerdì",
        Weekday::Sat => "sabato",
        Weekday::Sun => "domenica",
    }
}

/// "lunedì 3 marzo 2026"
pub fn data_lunga(d: NaiveDate) -> String {
    format!(
        "{} {} {} {}",
        giorno_settimana(d.weekday()),
        d.day(),
        MESI[d.month0() as usize],
        d.year()
    )
}

/// "3 mar 2026"
pub fn data_breve(d: NaiveDate) -> String {
    format!(
        "{} {} {}",
        d.day(),
        MESI_BREVI[d.month0() as usize],
        d.year()
    )
}

/// Today's date in Europe/Rome.
pub fn today_in_rome() -> NaiveDate {
    today_in(chrono_tz::Europe::Rome, chrono::Utc::now())
}

/// The calendar date at `now` in `tz` (albo windows and upcoming events are per local day).
pub fn today_in(tz: chrono_tz::Tz, now: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn today_is_the_local_calendar_day_across_dst_changes() {
        let rome = chrono_tz::Europe::Rome;
        let at = |y, m, d, h, min| chrono::Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap();
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        // Winter (UTC+1): 23:30 UTC is already the next day in Rome.
        assert_eq!(today_in(rome, at(2026, 3, 28, 23, 30)), day("2026-03-29"));
        assert_eq!(today_in(rome, at(2026, 3, 28, 22, 59)), day("2026-03-28"));
        // Summer (UTC+2) until 25 October: 22:30 UTC is the next day.
        assert_eq!(today_in(rome, at(2026, 10, 24, 22, 30)), day("2026-10-25"));
        assert_eq!(today_in(rome, at(2026, 10, 24, 21, 59)), day("2026-10-24"));
        // Back to UTC+1 after the change.
        assert_eq!(today_in(rome, at(2026, 10, 25, 22, 30)), day("2026-10-25"));
    }
}
