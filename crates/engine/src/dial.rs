//! Dial numbers (R30): what an agent may type or paste as a number to call.
//!
//! A pure function turns what the agent typed into a [`DialNumber`] or says precisely why it
//! cannot be dialled. Pasted text keeps its digits and the supported special characters
//! `+ # * :` and loses everything else, so "+1 (201) 553-2447" dials as "+12015532447".

use std::fmt;

/// A validated, normalised dial number: 3 to 18 digits, `+` only in front, and otherwise only
/// digits and `# * :`.
#[derive(Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct DialNumber(String);

/// Which of the seed's formats a dial number has (R30).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum DialFormat {
    /// `+1`, a 3-digit area code and 7 digits, e.g. `+12015532447`.
    Us,
    /// `+[country][number]`, at most 15 digits, e.g. `+4721000000`.
    E164,
    /// An international direct dialling prefix (`011` or `00`), country and number, e.g.
    /// `01161123456789`.
    Idd,
    /// Anything else that is valid: extensions, national numbers, service codes.
    Local,
}

/// Why text cannot be dialled.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum DialNumberError {
    /// Nothing dialable was left after stripping unsupported characters.
    Empty,
    /// Fewer than 3 or more than 18 digits.
    DigitCount {
        /// How many digits the text holds.
        n_digits: usize,
    },
    /// A `+` somewhere other than the first character.
    MisplacedPlus,
}

impl DialNumber {
    /// The fewest digits a dial number holds.
    pub const DIGITS_MIN: usize = 3;
    /// The most digits a dial number holds.
    pub const DIGITS_MAX: usize = 18;

    /// Normalises and validates what the agent typed or pasted (R30).
    pub fn parse(text: &str) -> Result<DialNumber, DialNumberError> {
        let kept: String = text
            .chars()
            .filter(|c| c.is_ascii_digit() || matches!(c, '+' | '#' | '*' | ':'))
            .collect();
        if kept.is_empty() {
            return Err(DialNumberError::Empty);
        }
        if kept[1..].contains('+') {
            return Err(DialNumberError::MisplacedPlus);
        }
        let n_digits = kept.chars().filter(char::is_ascii_digit).count();
        if !(Self::DIGITS_MIN..=Self::DIGITS_MAX).contains(&n_digits) {
            return Err(DialNumberError::DigitCount { n_digits });
        }
        Ok(DialNumber(kept))
    }

    /// The normalised text, ready to put in a Request-URI.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number's digits only: what a search for a number compares (R20: "(" and "-" are
    /// not part of what is searched).
    pub fn digits(&self) -> String {
        self.0.chars().filter(char::is_ascii_digit).collect()
    }

    /// Which of the seed's formats this number has.
    pub fn format(&self) -> DialFormat {
        let only_digits_after_plus =
            self.0.starts_with('+') && self.0[1..].chars().all(|c| c.is_ascii_digit());
        let n_digits = self.0.len() - 1;
        if only_digits_after_plus && self.0.starts_with("+1") && n_digits == 11 {
            DialFormat::Us
        } else if only_digits_after_plus && (8..=15).contains(&n_digits) {
            DialFormat::E164
        } else if self.0.chars().all(|c| c.is_ascii_digit())
            && (self.0.starts_with("011") || self.0.starts_with("00"))
            && self.0.len() >= 9
        {
            DialFormat::Idd
        } else {
            DialFormat::Local
        }
    }
}

impl fmt::Display for DialNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for DialNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DialNumberError::Empty => {
                f.write_str("no digits: a dial number holds 3 to 18 digits and only + # * :")
            }
            DialNumberError::DigitCount { n_digits } => write!(
                f,
                "{n_digits} digits: a dial number holds {} to {} digits",
                DialNumber::DIGITS_MIN,
                DialNumber::DIGITS_MAX
            ),
            DialNumberError::MisplacedPlus => {
                f.write_str("'+' is only allowed as the first character")
            }
        }
    }
}

impl std::error::Error for DialNumberError {}

#[cfg(test)]
mod tests {
    //! R30: the seed's three formats, stripping of pasted text, and the digit limits.
    use super::*;

    #[test]
    fn r30_accepts_the_seeds_three_example_formats() {
        let us = DialNumber::parse("+12015532447").unwrap();
        assert_eq!(us.format(), DialFormat::Us);
        let e164 = DialNumber::parse("+11234567890").unwrap();
        assert_eq!(e164.as_str(), "+11234567890");
        assert!(matches!(e164.format(), DialFormat::Us | DialFormat::E164));
        let e164_no = DialNumber::parse("+4721000000").unwrap();
        assert_eq!(e164_no.format(), DialFormat::E164);
        let idd = DialNumber::parse("01161123456789").unwrap();
        assert_eq!(idd.format(), DialFormat::Idd);
    }

    #[test]
    fn r30_strips_letters_and_unsupported_characters_from_pasted_text() {
        assert_eq!(
            DialNumber::parse("+1 (201) 553-2447").unwrap().as_str(),
            "+12015532447"
        );
        assert_eq!(
            DialNumber::parse("call 555-1234 now").unwrap().as_str(),
            "5551234"
        );
        assert_eq!(DialNumber::parse("1001#*:9").unwrap().as_str(), "1001#*:9");
        // A URI scheme's ':' is kept (it is a supported character), which puts '+' out of place.
        assert_eq!(
            DialNumber::parse("tel:+4721000000"),
            Err(DialNumberError::MisplacedPlus)
        );
        assert_eq!(
            DialNumber::parse("+47.21.00.00.00").unwrap().as_str(),
            "+4721000000"
        );
    }

    #[test]
    fn r30_rejects_too_few_or_too_many_digits_and_misplaced_plus() {
        assert_eq!(
            DialNumber::parse("12"),
            Err(DialNumberError::DigitCount { n_digits: 2 })
        );
        assert!(DialNumber::parse("123").is_ok());
        assert!(DialNumber::parse("123456789012345678").is_ok());
        assert_eq!(
            DialNumber::parse("1234567890123456789"),
            Err(DialNumberError::DigitCount { n_digits: 19 })
        );
        assert_eq!(DialNumber::parse("abc"), Err(DialNumberError::Empty));
        assert_eq!(
            DialNumber::parse("12+34"),
            Err(DialNumberError::MisplacedPlus)
        );
        // Special characters are not digits and do not count towards the limits.
        assert_eq!(
            DialNumber::parse("1#2*"),
            Err(DialNumberError::DigitCount { n_digits: 2 })
        );
    }

    #[test]
    fn r20_digits_ignore_punctuation_for_search() {
        assert_eq!(
            DialNumber::parse("+47 (21) 00-00-00").unwrap().digits(),
            "4721000000"
        );
    }
}
