//! iCalendar (RFC 5545) files of events: the "Aggiungi al calendario" file of each event page.
//!
//! Times written in front matter are local to the comune (Europe/Rome by default) and are written
//! in UTC, so no VTIMEZONE block is needed; events with no time are all-day events whose DTEND is
//! the day after the last day, as RFC 5545 wants. UIDs derive from the page URL, and DTSTAMP is
//! the build date, so a rebuild of the same content gives the same file.

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, CalendarDateTime, Component, DatePerhapsTime, EventLike};

use crate::content::fields::DataOra;
use crate::content::kinds::{Frequenza, Ricorrenza};

/// What an event file says, independent of the front matter types.
#[derive(Clone)]
pub struct EventoIcs<'a> {
    pub titolo: &'a str,
    pub descrizione: &'a str,
    pub inizio: &'a DataOra,
    pub fine: Option<&'a DataOra>,
    pub luogo: Option<String>,
    /// Absolute URL of the event page.
    pub url: &'a str,
    /// Host of the comune's site, for the UID.
    pub host: &'a str,
    /// "Comune di X", the calendar's name.
    pub organizzatore: &'a str,
    pub ricorrenza: Option<&'a Ricorrenza>,
    pub altre_date: &'a [DataOra],
    pub categoria: &'a str,
}

fn utc(date: NaiveDate, time: NaiveTime, tz: Tz) -> chrono::DateTime<Utc> {
    let local = NaiveDateTime::new(date, time);
    // A time skipped by the DST change is taken one hour later; an ambiguous one, the first.
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(local + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

fn vevent(e: &EventoIcs<'_>, tz: Tz, today: NaiveDate) -> icalendar::Event {
    let mut ev = icalendar::Event::new();
    // https://host/vivere-il-comune/eventi/x/ -> vivere-il-comune/eventi/x@host
    let after_scheme = e.url.split_once("://").map_or(e.url, |(_, rest)| rest);
    let path = after_scheme.split_once('/').map_or("", |(_, p)| p);
    ev.uid(&format!("{}@{}", path.trim_end_matches('/'), e.host))
        .summary(e.titolo)
        .description(e.descrizione)
        .url(e.url)
        .timestamp(Utc.from_utc_datetime(&today.and_time(NaiveTime::MIN)));
    if !e.categoria.is_empty() {
        ev.add_property("CATEGORIES", e.categoria);
    }
    let fmt_utc = |d: chrono::DateTime<Utc>| d.format("%Y%m%dT%H%M%SZ").to_string();
    // A repeating event keeps its local time across DST changes only when written in the
    // zone's local time (TZID + VTIMEZONE): 08:00 stays 08:00 in winter and in summer. Other
    // timed events are written in UTC.
    let tzid = (repeats(e) && tz == chrono_tz::Europe::Rome).then(|| tz.name().to_string());
    match e.inizio.ora {
        Some(t) => {
            let at = |d: NaiveDate, h: NaiveTime| match &tzid {
                Some(z) => CalendarDateTime::WithTimezone {
                    date_time: NaiveDateTime::new(d, h),
                    tzid: z.clone(),
                },
                None => CalendarDateTime::Utc(utc(d, h, tz)),
            };
            let end = match (e.fine, &tzid) {
                (Some(f), _) => at(f.data, f.ora.unwrap_or(t)),
                // No end: one hour, as calendar programs assume.
                (None, Some(z)) => CalendarDateTime::WithTimezone {
                    date_time: NaiveDateTime::new(e.inizio.data, t) + chrono::Duration::hours(1),
                    tzid: z.clone(),
                },
                (None, None) => {
                    CalendarDateTime::Utc(utc(e.inizio.data, t, tz) + chrono::Duration::hours(1))
                }
            };
            ev.starts(DatePerhapsTime::DateTime(at(e.inizio.data, t)));
            ev.ends(DatePerhapsTime::DateTime(end));
            if let Some(r) = e.ricorrenza {
                let until = utc(
                    r.fino_al.0,
                    NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN),
                    tz,
                );
                ev.add_property("RRULE", rrule(r, &fmt_utc(until)));
            }
            for d in e.altre_date {
                let h = d.ora.unwrap_or(t);
                let p = match &tzid {
                    Some(z) => {
                        let mut p = icalendar::Property::new(
                            "RDATE",
                            NaiveDateTime::new(d.data, h)
                                .format("%Y%m%dT%H%M%S")
                                .to_string(),
                        );
                        p.add_parameter("TZID", z);
                        p
                    }
                    None => icalendar::Property::new("RDATE", fmt_utc(utc(d.data, h, tz))),
                };
                ev.append_multi_property(p);
            }
        }
        None => {
            let last = e.fine.map_or(e.inizio.data, |f| f.data);
            ev.starts(DatePerhapsTime::Date(e.inizio.data));
            ev.ends(DatePerhapsTime::Date(
                last.checked_add_days(Days::new(1)).unwrap_or(last),
            ));
            if let Some(r) = e.ricorrenza {
                ev.add_property("RRULE", rrule(r, &r.fino_al.0.format("%Y%m%d").to_string()));
            }
            for d in e.altre_date {
                let mut p = icalendar::Property::new("RDATE", d.data.format("%Y%m%d").to_string());
                p.add_parameter("VALUE", "DATE");
                ev.append_multi_property(p);
            }
        }
    }
    if let Some(l) = &e.luogo {
        ev.location(l);
    }
    ev.done()
}

fn repeats(e: &EventoIcs<'_>) -> bool {
    e.ricorrenza.is_some() || !e.altre_date.is_empty()
}

/// Europe/Rome's rules since 1996 (EU summer time: last Sunday of March and of October).
const VTIMEZONE_ROME: &str = "BEGIN:VTIMEZONE\r\nTZID:Europe/Rome\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

fn rrule(r: &Ricorrenza, until: &str) -> String {
    let freq = match r.frequenza {
        Frequenza::Settimanale => "WEEKLY",
        Frequenza::Mensile => "MONTHLY",
    };
    format!("FREQ={freq};INTERVAL={};UNTIL={until}", r.ogni.max(1))
}

/// A calendar of several events, named `nome`.
pub fn calendario(nome: &str, eventi: &[EventoIcs<'_>], tz: Tz, today: NaiveDate) -> String {
    let mut cal = Calendar::new();
    cal.name(nome);
    for e in eventi {
        cal.push(vevent(e, tz, today));
    }
    let text = cal.done().to_string();
    let needs_tz = tz == chrono_tz::Europe::Rome
        && eventi.iter().any(|e| repeats(e) && e.inizio.ora.is_some());
    match text.find("BEGIN:VEVENT") {
        Some(i) if needs_tz => format!("{}{VTIMEZONE_ROME}{}", &text[..i], &text[i..]),
        _ => text,
    }
}

/// The `.ics` text of one event.
pub fn evento(e: &EventoIcs<'_>, tz: Tz, today: NaiveDate) -> String {
    calendario(e.organizzatore, std::slice::from_ref(e), tz, today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn sample<'a>(inizio: &'a DataOra, fine: Option<&'a DataOra>) -> EventoIcs<'a> {
        EventoIcs {
            titolo: "Mercatino di Natale",
            descrizione: "Bancarelle, musica; e cioccolata",
            inizio,
            fine,
            luogo: Some("Piazza Garibaldi, 1".into()),
            url: "https://www.comune.x.it/vivere-il-comune/eventi/mercatino/",
            host: "www.comune.x.it",
            organizzatore: "Comune di X",
            ricorrenza: None,
            altre_date: &[],
            categoria: "Mercatino",
        }
    }

    #[test]
    fn timed_event_is_written_in_utc() {
        let start = DataOra {
            data: d("2026-12-06"),
            ora: Some(NaiveTime::from_hms_opt(10, 0, 0).unwrap()),
        };
        let end = DataOra {
            data: d("2026-12-06"),
            ora: Some(NaiveTime::from_hms_opt(18, 30, 0).unwrap()),
        };
        let ics = evento(
            &sample(&start, Some(&end)),
            chrono_tz::Europe::Rome,
            d("2026-11-23"),
        );
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"), "{ics}");
        // 10:00 in Rome in December is 09:00 UTC.
        assert!(ics.contains("DTSTART:20261206T090000Z"), "{ics}");
        assert!(ics.contains("DTEND:20261206T173000Z"), "{ics}");
        assert!(ics.contains("DTSTAMP:20261123T000000Z"), "{ics}");
        assert!(
            ics.contains("UID:vivere-il-comune/eventi/mercatino@www.comune.x.it"),
            "{ics}"
        );
        // Text values are escaped per RFC 5545.
        assert!(
            ics.contains("Bancarelle\\, musica\\; e cioccolata"),
            "{ics}"
        );
    }

    #[test]
    fn summer_time_and_all_day_events() {
        let start = DataOra {
            data: d("2027-07-01"),
            ora: Some(NaiveTime::from_hms_opt(21, 0, 0).unwrap()),
        };
        let ics = evento(
            &sample(&start, None),
            chrono_tz::Europe::Rome,
            d("2026-11-23"),
        );
        assert!(ics.contains("DTSTART:20270701T190000Z"), "{ics}");
        assert!(
            ics.contains("DTEND:20270701T200000Z"),
            "one hour by default: {ics}"
        );

        let day = DataOra {
            data: d("2027-04-25"),
            ora: None,
        };
        let last = DataOra {
            data: d("2027-04-26"),
            ora: None,
        };
        let ics = evento(
            &sample(&day, Some(&last)),
            chrono_tz::Europe::Rome,
            d("2026-11-23"),
        );
        assert!(ics.contains("DTSTART;VALUE=DATE:20270425"), "{ics}");
        assert!(
            ics.contains("DTEND;VALUE=DATE:20270427"),
            "exclusive end: {ics}"
        );
    }
}
