//! Durations as the configuration writes them: `"250ms"`, `"15s"`, `"2m"`, `"1h"`, and
//! combinations from the largest unit down, such as `"1m30s"` or `"1h30m"`.

/// Parses a duration into milliseconds; `None` if the text is not a duration.
///
/// Each part is a whole number followed by a unit (`h`, `m`, `s`, `ms`); units appear at most
/// once and from the largest down. No spaces, signs or fractions.
pub fn parse_duration_ms(text: &str) -> Option<u64> {
    let mut rest = text;
    let mut total_ms: u64 = 0;
    let mut unit_idx_last = None;
    if text.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n_digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if n_digits == 0 {
            return None;
        }
        let amount: u64 = rest[..n_digits].parse().ok()?;
        rest = &rest[n_digits..];
        // The longest unit that matches, so that "ms" is not read as "m" followed by "s".
        let (unit_idx, (unit, unit_ms)) = UNITS
            .iter()
            .enumerate()
            .filter(|(_, (unit, _))| rest.starts_with(unit))
            .max_by_key(|(_, (unit, _))| unit.len())?;
        if unit_idx_last.is_some_and(|last| unit_idx <= last) {
            return None;
        }
        unit_idx_last = Some(unit_idx);
        rest = &rest[unit.len()..];
        total_ms = total_ms.checked_add(amount.checked_mul(*unit_ms)?)?;
    }
    Some(total_ms)
}

/// Writes milliseconds as the shortest duration [`parse_duration_ms`] reads back, e.g.
/// `90_000` as `"1m30s"` and `0` as `"0s"`.
pub fn format_duration_ms(ms: u64) -> String {
    if ms == 0 {
        return "0s".to_owned();
    }
    let mut rest = ms;
    let mut text = String::new();
    for (unit, unit_ms) in UNITS {
        let amount = rest / unit_ms;
        rest %= unit_ms;
        if amount > 0 {
            text.push_str(&format!("{amount}{unit}"));
        }
    }
    text
}

/// Units from the largest down, the order in which they may appear, with their milliseconds.
const UNITS: [(&str, u64); 4] = [("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)];

#[cfg(test)]
mod tests {
    //! Durations: the forms the configuration documents, and what is refused.
    use super::*;

    #[test]
    fn r43_durations_read_single_and_combined_units() {
        assert_eq!(parse_duration_ms("250ms"), Some(250));
        assert_eq!(parse_duration_ms("15s"), Some(15_000));
        assert_eq!(parse_duration_ms("2m"), Some(120_000));
        assert_eq!(parse_duration_ms("1h"), Some(3_600_000));
        assert_eq!(parse_duration_ms("1m30s"), Some(90_000));
        assert_eq!(parse_duration_ms("1h2m3s4ms"), Some(3_723_004));
        assert_eq!(parse_duration_ms("0s"), Some(0));
    }

    #[test]
    fn r43_durations_refuse_bare_numbers_spaces_and_disorder() {
        for text in [
            "", "15", "fast", "1.5s", "-1s", "1 m", "30s1m", "1m1m", "s", "1d",
        ] {
            assert_eq!(parse_duration_ms(text), None, "{text:?}");
        }
        assert_eq!(parse_duration_ms("99999999999999999999h"), None);
    }

    #[test]
    fn r43_durations_round_trip_through_their_shortest_form() {
        for (ms, text) in [
            (0, "0s"),
            (250, "250ms"),
            (90_000, "1m30s"),
            (3_600_500, "1h500ms"),
        ] {
            assert_eq!(format_duration_ms(ms), text);
            assert_eq!(parse_duration_ms(text), Some(ms));
        }
    }
}
