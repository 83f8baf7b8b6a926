//! The organisation's opening hours and holidays (R37): read from the file, written back, and
//! its `time_zone` turned into the UTC offsets the engine works with.
//!
//! ```toml
//! holidays = ["2026-12-24", "2026-12-25"]
//! [organisations.acme.opening_hours.Office]
//! monday = ["08:00-16:00"]
//! friday = ["08:00-12:00", "13:00-15:00"]
//! ```
//!
//! A day not named is closed. A queue keeps one schedule (`opening_hours = "Office"`).

use super::read::{Item, Reader, Record};
use sentral_engine::{Calendar, CivilDate, OpenSpan, OpeningHours, UtcOffset, WEEKDAYS};

const SPANS_PER_DAY_MAX: usize = Calendar::SPANS_PER_DAY_MAX;
const HOLIDAYS_MAX: usize = Calendar::HOLIDAYS_MAX;
/// The years whose changes of UTC offset the engine gets: from 2000 up to 2100.
const OFFSETS_FROM_UNIX_S: i64 = 946_684_800;
const OFFSETS_UNTIL_UNIX_S: i64 = 4_102_444_800;

/// Reads `opening_hours` and `holidays` of an organisation and draws the UTC offsets of its
/// `time_zone` (an IANA name already checked, or `UTC`).
pub(super) fn read_calendar(r: &mut Reader<'_>, org: &Record<'_, '_>, time_zone: &str) -> Calendar {
    let mut calendar = Calendar {
        utc_offsets: utc_offsets(time_zone),
        ..Calendar::default()
    };
    if let Some(item) = org.get("opening_hours") {
        let entries = r.map(item).unwrap_or_default();
        if entries.len() > Calendar::OPENING_HOURS_MAX {
            r.report_at(
                item,
                format!("at most {} schedules", Calendar::OPENING_HOURS_MAX),
            );
        }
        for entry in entries.into_iter().take(Calendar::OPENING_HOURS_MAX) {
            if let Some(hours) = read_schedule(r, &entry) {
                calendar.opening_hours.push(hours);
            }
        }
    }
    if let Some(item) = org.get("holidays") {
        let listed = r.strings(item);
        if listed.len() > HOLIDAYS_MAX {
            r.report_at(item, format!("at most {HOLIDAYS_MAX} holidays"));
        }
        for (text, at) in listed.into_iter().take(HOLIDAYS_MAX) {
            match CivilDate::parse(&text) {
                Some(date) => calendar.holidays.push(date),
                None => r.expected(&at, "a date like \"2026-12-24\""),
            }
        }
    }
    calendar
}

fn read_schedule(r: &mut Reader<'_>, entry: &Item<'_, '_>) -> Option<OpeningHours> {
    let record = r.as_record(entry, &WEEKDAYS)?;
    let mut week: [Vec<OpenSpan>; 7] = Default::default();
    for (day, spans) in WEEKDAYS.iter().zip(week.iter_mut()) {
        let Some(item) = record.get(day) else {
            continue;
        };
        let listed = r.strings(item);
        if listed.len() > SPANS_PER_DAY_MAX {
            r.report_at(item, format!("at most {SPANS_PER_DAY_MAX} spans a day"));
        }
        for (text, at) in listed {
            match OpenSpan::parse(&text) {
                Some(span) => spans.push(span),
                None => r.expected(
                    &at,
                    "an open span like \"08:00-16:00\" (HH:MM-HH:MM, opening before closing, 24:00 at the latest)",
                ),
            }
        }
    }
    Some(OpeningHours {
        name: entry.key.to_owned(),
        week,
    })
}

/// Every UTC offset of the time zone from 2000 to 2100: the offset in force on 1 January 2000
/// from the beginning of time, then each change from the time-zone database (DST, law changes,
/// and the zone's rule for the years after its last listed change).
pub fn utc_offsets(time_zone: &str) -> Vec<UtcOffset> {
    let zone = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let start = jiff::Timestamp::from_second(OFFSETS_FROM_UNIX_S).expect("in range");
    let mut offsets = vec![UtcOffset {
        from_unix_ms: i64::MIN,
        offset_s: zone.to_offset(start).seconds(),
    }];
    for transition in zone.following(start) {
        let at = transition.timestamp().as_second();
        if at >= OFFSETS_UNTIL_UNIX_S {
            break;
        }
        let offset_s = transition.offset().seconds();
        if offsets.last().is_some_and(|last| last.offset_s != offset_s) {
            offsets.push(UtcOffset {
                from_unix_ms: at * 1_000,
                offset_s,
            });
        }
    }
    offsets
}

/// Writes `holidays` among the organisation's settings (`sentral export`).
pub(super) fn write_holidays(out: &mut String, calendar: &Calendar) {
    if !calendar.holidays.is_empty() {
        let dates: Vec<String> = calendar
            .holidays
            .iter()
            .map(|d| format!("\"{d}\""))
            .collect();
        out.push_str(&format!("holidays = [{}]\n", dates.join(", ")));
    }
}

/// Writes the `opening_hours` tables (`sentral export`); `prefix` goes before each header.
pub(super) fn write_opening_hours(out: &mut String, prefix: &str, calendar: &Calendar) {
    for hours in &calendar.opening_hours {
        out.push_str(&format!(
            "\n[{prefix}opening_hours.{}]\n",
            super::write::key(&hours.name)
        ));
        for (day, spans) in WEEKDAYS.iter().zip(&hours.week) {
            if spans.is_empty() {
                continue;
            }
            let spans: Vec<String> = spans.iter().map(|s| format!("\"{s}\"")).collect();
            out.push_str(&format!("{day} = [{}]\n", spans.join(", ")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r37_oslo_changes_offset_twice_a_year_and_utc_never() {
        let oslo = utc_offsets("Europe/Oslo");
        assert_eq!(oslo[0].offset_s, 3600, "CET on 1 January 2000");
        // 2026: CEST from 29 March 01:00 UTC, CET again from 25 October 01:00 UTC.
        assert!(oslo.contains(&UtcOffset {
            from_unix_ms: 1_774_746_000_000,
            offset_s: 7200,
        }));
        assert!(oslo.contains(&UtcOffset {
            from_unix_ms: 1_792_890_000_000,
            offset_s: 3600,
        }));
        assert!(oslo.len() > 150, "two changes a year for a century");
        assert_eq!(
            utc_offsets("UTC"),
            vec![UtcOffset {
                from_unix_ms: i64::MIN,
                offset_s: 0
            }]
        );
    }
}
