//! The organisation's calendar (R37): named weekly opening hours, holidays, and the UTC offsets
//! of its time zone, so that the engine can tell local days and hours without reading tz data.
//!
//! The engine is sans-IO and depends on `std` only, so it cannot read the time-zone database.
//! The server translates the organisation's `time_zone` into [`UtcOffset`]s: every change of
//! offset (DST and law changes) over a fixed span of years, from the time-zone database, once
//! per configuration load. With the offsets the engine turns the wall clock it gets with every
//! input (`Now::unix_ms`) into the local date and minute of day with plain arithmetic, so a DST
//! change needs no input, no timer and no reload, and a reloaded configuration carries its own
//! table.

use std::fmt;

/// The organisation's calendar: opening hours schedules queues refer to by name, holidays
/// (closed all day in every schedule) and its time zone as UTC offsets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Calendar {
    /// Weekly schedules, each named; a queue names one in `QueueConfig::opening_hours`.
    pub opening_hours: Vec<OpeningHours>,
    /// Days every schedule is closed, in the organisation's time zone.
    pub holidays: Vec<CivilDate>,
    /// The time zone: from each instant on, the offset from UTC; sorted by instant. Empty:
    /// UTC. Before the first entry the first entry's offset applies.
    pub utc_offsets: Vec<UtcOffset>,
}

/// A named weekly schedule (R37).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct OpeningHours {
    /// Its name, unique in the organisation.
    pub name: String,
    /// Open spans per weekday, Monday first; a day without spans is closed.
    pub week: [Vec<OpenSpan>; 7],
}

/// An open span of one day, in minutes after local midnight: `from` included, `to` excluded.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct OpenSpan {
    /// The first open minute, 0 to 1439.
    pub from_minute: u16,
    /// The first closed minute after it, up to 1440 (midnight at the day's end).
    pub to_minute: u16,
}

/// A calendar day.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct CivilDate {
    /// The year, e.g. 2026.
    pub year: i32,
    /// 1 to 12.
    pub month: u8,
    /// 1 to 31.
    pub day: u8,
}

/// From `from_unix_ms` on, local time is UTC plus `offset_s` seconds.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct UtcOffset {
    /// The instant the offset starts to apply (Unix ms).
    pub from_unix_ms: i64,
    /// Seconds east of UTC, e.g. 3600 for CET.
    pub offset_s: i32,
}

/// The weekday names in schedules, Monday first.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

const DAY_MS: i64 = 86_400_000;

impl Calendar {
    /// The most schedules an organisation has.
    pub const OPENING_HOURS_MAX: usize = 100;
    /// The most open spans in one day of a schedule.
    pub const SPANS_PER_DAY_MAX: usize = 8;
    /// The most holidays an organisation lists.
    pub const HOLIDAYS_MAX: usize = 1_000;
}

impl Calendar {
    /// The local day (days since 1970-01-01 in the organisation's time zone) and the minute
    /// of that day at the instant `unix_ms`.
    pub fn local_day_and_minute(&self, unix_ms: i64) -> (i64, u16) {
        let index = self
            .utc_offsets
            .partition_point(|o| o.from_unix_ms <= unix_ms);
        let offset_s = self
            .utc_offsets
            .get(index.saturating_sub(1))
            .map_or(0, |o| o.offset_s);
        let local_ms = unix_ms.saturating_add(i64::from(offset_s) * 1_000);
        let day = local_ms.div_euclid(DAY_MS);
        let minute = (local_ms.rem_euclid(DAY_MS) / 60_000) as u16;
        (day, minute)
    }

    /// Whether the schedule named `name` is open at `unix_ms`: not a holiday, and inside one
    /// of the weekday's spans. An unknown name is open (validation refuses one).
    pub fn is_open(&self, name: &str, unix_ms: i64) -> bool {
        let Some(hours) = self.opening_hours.iter().find(|h| h.name == name) else {
            return true;
        };
        let (day, minute) = self.local_day_and_minute(unix_ms);
        if self.holidays.iter().any(|h| h.days_since_epoch() == day) {
            return false;
        }
        hours.week[weekday(day)]
            .iter()
            .any(|span| span.from_minute <= minute && minute < span.to_minute)
    }

    /// Problems with the calendar itself, as (field, message).
    pub(crate) fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if self.opening_hours.len() > Self::OPENING_HOURS_MAX {
            problems.push((
                "opening_hours".into(),
                format!("at most {} schedules", Self::OPENING_HOURS_MAX),
            ));
        }
        if self.holidays.len() > Self::HOLIDAYS_MAX {
            problems.push((
                "holidays".into(),
                format!("at most {} holidays", Self::HOLIDAYS_MAX),
            ));
        }
        let mut names = std::collections::HashSet::new();
        for hours in &self.opening_hours {
            let at = |field: &str| format!("opening_hours.{}.{field}", hours.name);
            if hours.name.trim().is_empty() {
                problems.push(("opening_hours".into(), "a schedule needs a name".into()));
            }
            if !names.insert(hours.name.as_str()) {
                problems.push((
                    format!("opening_hours.{}", hours.name),
                    format!("{:?} appears more than once", hours.name),
                ));
            }
            for (weekday, spans) in WEEKDAYS.iter().zip(&hours.week) {
                if spans.len() > Self::SPANS_PER_DAY_MAX {
                    problems.push((
                        at(weekday),
                        format!("at most {} spans a day", Self::SPANS_PER_DAY_MAX),
                    ));
                }
                for span in spans {
                    if span.from_minute >= span.to_minute || span.to_minute > 1440 {
                        problems.push((
                            at(weekday),
                            format!(
                                "{span}: a span opens before it closes, within the day (00:00-24:00)"
                            ),
                        ));
                    }
                }
                for (i, a) in spans.iter().enumerate() {
                    for b in &spans[i + 1..] {
                        if a.from_minute < b.to_minute && b.from_minute < a.to_minute {
                            problems.push((at(weekday), format!("{a} overlaps {b}")));
                        }
                    }
                }
            }
        }
        for date in &self.holidays {
            if !date.is_valid() {
                problems.push(("holidays".into(), format!("{date} is not a date")));
            }
        }
        if self
            .utc_offsets
            .windows(2)
            .any(|w| w[0].from_unix_ms >= w[1].from_unix_ms)
        {
            problems.push((
                "time_zone".into(),
                "the UTC offsets are not in time order".into(),
            ));
        }
        problems
    }
}

/// Monday is 0. 1970-01-01 was a Thursday.
fn weekday(days_since_epoch: i64) -> usize {
    (days_since_epoch + 3).rem_euclid(7) as usize
}

impl CivilDate {
    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub fn days_since_epoch(self) -> i64 {
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(self.month);
        let day_of_year =
            (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// Whether the day exists in the Gregorian calendar.
    pub fn is_valid(self) -> bool {
        let leap = (self.year % 4 == 0 && self.year % 100 != 0) || self.year % 400 == 0;
        let days_in_month = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return false,
        };
        (1..=days_in_month).contains(&self.day)
    }

    /// Reads `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<CivilDate> {
        let mut parts = text.splitn(3, '-');
        let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !(digits(year, 4) && digits(month, 2) && digits(day, 2)) {
            return None;
        }
        let date = CivilDate {
            year: year.parse().ok()?,
            month: month.parse().ok()?,
            day: day.parse().ok()?,
        };
        date.is_valid().then_some(date)
    }
}

impl OpenSpan {
    /// Reads `HH:MM-HH:MM` (`24:00` closes at the day's end).
    pub fn parse(text: &str) -> Option<OpenSpan> {
        let (from, to) = text.split_once('-')?;
        let minute = |s: &str| -> Option<u16> {
            let (h, m) = s.split_once(':')?;
            let two = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
            if !(two(h) && two(m)) {
                return None;
            }
            let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
            (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
        };
        let span = OpenSpan {
            from_minute: minute(from)?,
            to_minute: minute(to)?,
        };
        (span.from_minute < span.to_minute).then_some(span)
    }
}

impl fmt::Display for OpenSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.from_minute / 60,
            self.from_minute % 60,
            self.to_minute / 60,
            self.to_minute % 60
        )
    }
}

impl fmt::Display for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r37_days_and_weekdays_match_the_gregorian_calendar() {
        let date = |year, month, day| CivilDate { year, month, day };
        assert_eq!(date(1970, 1, 1).days_since_epoch(), 0);
        assert_eq!(date(2000, 3, 1).days_since_epoch(), 11_017);
        assert_eq!(date(2026, 12, 8).days_since_epoch(), 20_795);
        // 2026-12-08 is a Tuesday, 1969-12-29 a Monday.
        assert_eq!(weekday(date(2026, 12, 8).days_since_epoch()), 1);
        assert_eq!(weekday(date(1969, 12, 29).days_since_epoch()), 0);
        assert!(!date(2026, 2, 29).is_valid());
        assert!(date(2024, 2, 29).is_valid());
        assert_eq!(CivilDate::parse("2026-12-24"), Some(date(2026, 12, 24)));
        assert_eq!(CivilDate::parse("2026-13-01"), None);
        assert_eq!(CivilDate::parse("26-12-01"), None);
    }

    #[test]
    fn r37_spans_read_and_print_hours_and_minutes() {
        let span = OpenSpan::parse("08:30-24:00").expect("valid");
        assert_eq!((span.from_minute, span.to_minute), (510, 1440));
        assert_eq!(span.to_string(), "08:30-24:00");
        assert_eq!(OpenSpan::parse("16:00-08:00"), None);
        assert_eq!(OpenSpan::parse("8:00-16:00"), None);
        assert_eq!(OpenSpan::parse("08:00-24:30"), None);
    }

    #[test]
    fn r37_local_time_follows_the_offset_in_force_across_a_dst_change() {
        // Europe/Oslo in 2026: CEST from 2026-03-29 01:00 UTC.
        let dst_start = 1_774_746_000_000;
        let calendar = Calendar {
            opening_hours: vec![OpeningHours {
                name: "Office".into(),
                week: std::array::from_fn(|_| {
                    vec![OpenSpan {
                        from_minute: 8 * 60,
                        to_minute: 16 * 60,
                    }]
                }),
            }],
            holidays: vec![CivilDate {
                year: 2026,
                month: 3,
                day: 30,
            }],
            utc_offsets: vec![
                UtcOffset {
                    from_unix_ms: i64::MIN,
                    offset_s: 3600,
                },
                UtcOffset {
                    from_unix_ms: dst_start,
                    offset_s: 7200,
                },
            ],
        };
        let hour = 3_600_000;
        // Saturday 28 March 07:30 UTC is 08:30 CET: open.
        let saturday_0730_utc = dst_start - 17 * hour - hour / 2;
        assert_eq!(
            calendar.local_day_and_minute(saturday_0730_utc).1,
            8 * 60 + 30
        );
        assert!(calendar.is_open("Office", saturday_0730_utc));
        // Sunday 29 March 06:30 UTC is 08:30 CEST: open; a day earlier's 06:30 UTC was 07:30.
        let sunday_0630_utc = dst_start + 5 * hour + hour / 2;
        assert!(calendar.is_open("Office", sunday_0630_utc));
        assert!(!calendar.is_open("Office", sunday_0630_utc - 24 * hour));
        // Monday 30 March is a holiday.
        assert!(!calendar.is_open("Office", sunday_0630_utc + 24 * hour));
    }
}
