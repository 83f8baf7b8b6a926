//! A walker over a parsed TOML document that keeps spans, so that every problem names its line.
//!
//! The document is parsed with `toml::de::DeTable`, which keeps the span of every key and
//! value. The [`Reader`] hands out [`Item`]s (a value with its dotted path and span), turns them
//! into typed values, and collects a [`ConfigProblem`] for everything that does not fit instead
//! of stopping at the first.

use super::ConfigProblem;
use super::duration::parse_duration_ms;
use std::collections::HashMap;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Reads one document and collects its problems.
pub(super) struct Reader<'t> {
    /// The file name problems carry.
    file: &'t str,
    /// The document's text, for lines and for quoting what was written.
    text: &'t str,
    /// Byte offset of the start of every line, to turn spans into line numbers.
    line_starts: Vec<usize>,
    /// Everything found so far, in the order found.
    problems: Vec<ConfigProblem>,
    /// The line of every key seen, by dotted path, to place problems found later.
    lines: HashMap<String, usize>,
}

/// A value of the document, with where it is.
#[derive(Clone, Debug)]
pub(super) struct Item<'a, 'i> {
    /// The dotted path problems with this value name.
    pub(super) path: String,
    /// The key the value is stored under (for elements of an array, the array's key).
    pub(super) key: &'a str,
    /// The value.
    pub(super) value: &'a DeValue<'i>,
    /// Where the value is in the text.
    pub(super) span: Range<usize>,
    /// Where the key is in the text (for elements of an array, the element itself).
    pub(super) key_span: Range<usize>,
}

/// A table read as a record with known fields.
pub(super) struct Record<'a, 'i> {
    /// The table's dotted path.
    pub(super) path: String,
    /// The line of the table's key or header, where missing fields are reported.
    pub(super) line: usize,
    /// Its entries in document order.
    entries: Vec<Item<'a, 'i>>,
}

impl<'t> Reader<'t> {
    /// A reader of `text`, whose problems name `file`.
    pub(super) fn new(text: &'t str, file: &'t str) -> Reader<'t> {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        Reader {
            file,
            text,
            line_starts,
            problems: Vec::new(),
            lines: HashMap::new(),
        }
    }

    /// Parses the text; on syntax errors records every one of them and returns `None`.
    pub(super) fn document(&mut self) -> Option<Spanned<DeTable<'t>>> {
        let (document, mut errors) = DeTable::parse_recoverable(self.text);
        if errors.is_empty() {
            return Some(document);
        }
        errors.sort_by_key(|error| error.span().map(|span| span.start));
        for error in errors {
            let span = error.span();
            let mut message = error.message().trim_end().to_owned();
            if message == "duplicate key"
                && let Some(span) = &span
            {
                message = format!("duplicate key {:?}", &self.text[span.clone()]);
            }
            let line = span.map(|span| self.line_of(span.start));
            let message = format!("TOML syntax error: {message}");
            // Recovery can find the same error twice (an unclosed array inside another).
            let last = self.problems.last();
            if last.is_none_or(|last| last.line != line || last.message != message) {
                self.report("", line, message);
            }
        }
        None
    }

    /// Every problem found, in the order of their lines (problems without a line last).
    pub(super) fn into_problems(mut self) -> Vec<ConfigProblem> {
        self.problems
            .sort_by_key(|problem| problem.line.unwrap_or(usize::MAX));
        self.problems
    }

    /// The problems found so far.
    pub(super) fn problems(&self) -> &[ConfigProblem] {
        &self.problems
    }

    /// Keeps a problem found elsewhere.
    pub(super) fn push(&mut self, problem: ConfigProblem) {
        self.problems.push(problem);
    }

    /// Records a problem with a field.
    pub(super) fn report(&mut self, path: &str, line: Option<usize>, message: impl Into<String>) {
        self.problems.push(ConfigProblem {
            file: self.file.to_owned(),
            line,
            field: path.to_owned(),
            message: message.into(),
        });
    }

    /// Records a problem with a value, on the value's line.
    pub(super) fn report_at(&mut self, item: &Item<'_, '_>, message: impl Into<String>) {
        let line = self.line_of(item.span.start);
        self.report(&item.path, Some(line), message);
    }

    /// Records a problem with a key (a name), on the key's line.
    pub(super) fn report_key(&mut self, item: &Item<'_, '_>, message: impl Into<String>) {
        let line = self.line_of(item.key_span.start);
        self.report(&item.path, Some(line), message);
    }

    /// The line of a field seen earlier, or of its closest enclosing field.
    pub(super) fn line_for(&self, path: &str) -> Option<usize> {
        let mut path = path;
        loop {
            if let Some(line) = self.lines.get(path) {
                return Some(*line);
            }
            path = &path[..path.rfind(['.', '['])?];
        }
    }

    /// The 1-based line of a byte offset.
    pub(super) fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|start| *start <= offset)
    }

    /// Reads a table as a record whose fields are `allowed`; any other key is a problem.
    pub(super) fn record<'a, 'i>(
        &mut self,
        table: &'a DeTable<'i>,
        path: &str,
        line: usize,
        allowed: &[&str],
    ) -> Record<'a, 'i> {
        let entries = self.entries(table, path);
        for entry in &entries {
            if !allowed.contains(&entry.key) {
                let message = unknown_field_message(entry.key, allowed);
                self.report_key(entry, message);
            }
        }
        Record {
            path: path.to_owned(),
            line,
            entries,
        }
    }

    /// Reads a value that must be a table as a record whose fields are `allowed`.
    pub(super) fn as_record<'a, 'i>(
        &mut self,
        item: &Item<'a, 'i>,
        allowed: &[&str],
    ) -> Option<Record<'a, 'i>> {
        let DeValue::Table(table) = item.value else {
            self.expected(item, "a table");
            return None;
        };
        let line = self.line_of(item.key_span.start);
        Some(self.record(table, &item.path, line, allowed))
    }

    /// Reads a value that must be a table whose keys are names (teams, queues, ...).
    pub(super) fn map<'a, 'i>(&mut self, item: &Item<'a, 'i>) -> Option<Vec<Item<'a, 'i>>> {
        let DeValue::Table(table) = item.value else {
            self.expected(item, "a table");
            return None;
        };
        Some(self.entries(table, &item.path))
    }

    /// Reads a value that must be an array; elements of an array of tables get `[index]` in
    /// their path, elements of other arrays keep the array's path.
    pub(super) fn list<'a, 'i>(&mut self, item: &Item<'a, 'i>) -> Option<Vec<Item<'a, 'i>>> {
        let DeValue::Array(array) = item.value else {
            self.expected(item, "an array");
            return None;
        };
        let elements = array.iter().enumerate().map(|(index, element)| {
            let path = match element.get_ref() {
                DeValue::Table(_) => format!("{}[{index}]", item.path),
                _ => item.path.clone(),
            };
            self.lines
                .insert(path.clone(), self.line_of(element.span().start));
            Item {
                path,
                key: item.key,
                value: element.get_ref(),
                span: element.span(),
                key_span: element.span(),
            }
        });
        Some(elements.collect())
    }

    /// Reads a string.
    pub(super) fn string(&mut self, item: &Item<'_, '_>) -> Option<String> {
        match item.value {
            DeValue::String(text) => Some(text.to_string()),
            _ => {
                self.expected(item, "a string");
                None
            }
        }
    }

    /// Reads a secret string; what was written is never repeated in a problem.
    pub(super) fn secret(&mut self, item: &Item<'_, '_>) -> Option<String> {
        match item.value {
            DeValue::String(text) if text.is_empty() => {
                self.report_at(item, "must not be empty");
                None
            }
            DeValue::String(text) => Some(text.to_string()),
            other => {
                self.report_at(item, format!("expected a string, got {}", type_name(other)));
                None
            }
        }
    }

    /// Reads a non-empty string.
    pub(super) fn name(&mut self, item: &Item<'_, '_>) -> Option<String> {
        let text = self.string(item)?;
        if text.trim().is_empty() {
            self.report_at(item, "must not be empty");
            return None;
        }
        Some(text)
    }

    /// Reads a boolean.
    pub(super) fn bool(&mut self, item: &Item<'_, '_>) -> Option<bool> {
        match item.value {
            DeValue::Boolean(value) => Some(*value),
            _ => {
                self.expected(item, "true or false");
                None
            }
        }
    }

    /// Reads a whole number from `min` to `max`.
    pub(super) fn number(&mut self, item: &Item<'_, '_>, min: u64, max: u64) -> Option<u64> {
        let value = match item.value {
            DeValue::Integer(integer) => u64::from_str_radix(integer.as_str(), integer.radix())
                .ok()
                .filter(|value| (min..=max).contains(value)),
            _ => None,
        };
        if value.is_none() {
            self.expected(item, &format!("a whole number from {min} to {max}"));
        }
        value
    }

    /// Reads a duration such as `"15s"` or `"1m30s"` into milliseconds.
    pub(super) fn duration_ms(&mut self, item: &Item<'_, '_>) -> Option<u64> {
        let value = match item.value {
            DeValue::String(text) => parse_duration_ms(text),
            _ => None,
        };
        if value.is_none() {
            self.expected(item, DURATION_EXPECTED);
        }
        value
    }

    /// Reads one of `choices`, returning its index.
    pub(super) fn choice(&mut self, item: &Item<'_, '_>, choices: &[&str]) -> Option<usize> {
        let index = match item.value {
            DeValue::String(text) => choices.iter().position(|choice| choice == text),
            _ => None,
        };
        if index.is_none() {
            self.expected(item, &format!("one of {}", quoted_list(choices)));
        }
        index
    }

    /// Reads an array of strings, keeping each string's item for later problems.
    pub(super) fn strings<'a, 'i>(&mut self, item: &Item<'a, 'i>) -> Vec<(String, Item<'a, 'i>)> {
        let elements = self.list(item).unwrap_or_default();
        elements
            .into_iter()
            .filter_map(|element| Some((self.string(&element)?, element)))
            .collect()
    }

    /// Records "expected WHAT, got WHAT WAS WRITTEN".
    pub(super) fn expected(&mut self, item: &Item<'_, '_>, what: &str) {
        let written = &self.text[item.span.clone()];
        let got = if written.len() <= WRITTEN_QUOTED_MAX && !written.contains('\n') {
            written.to_owned()
        } else {
            type_name(item.value).to_owned()
        };
        self.report_at(item, format!("expected {what}, got {got}"));
    }

    /// The entries of a table in document order, each with its path; remembers their lines.
    fn entries<'a, 'i>(&mut self, table: &'a DeTable<'i>, path: &str) -> Vec<Item<'a, 'i>> {
        let mut entries: Vec<Item<'a, 'i>> = table
            .iter()
            .map(|(key, value)| Item {
                path: join(path, key.get_ref()),
                key: key.get_ref(),
                value: value.get_ref(),
                span: value.span(),
                key_span: key.span(),
            })
            .collect();
        // Tables are kept sorted by key; the span puts them back in the order of the file.
        entries.sort_by_key(|entry| entry.key_span.start);
        for entry in &entries {
            let line = self.line_of(entry.key_span.start);
            self.lines.insert(entry.path.clone(), line);
        }
        entries
    }
}

impl<'a, 'i> Record<'a, 'i> {
    /// The field `key`, if present.
    pub(super) fn get(&self, key: &str) -> Option<&Item<'a, 'i>> {
        self.entries.iter().find(|entry| entry.key == key)
    }

    /// The field `key`; if it is missing, records that `what` is expected there.
    pub(super) fn require(
        &self,
        reader: &mut Reader<'_>,
        key: &str,
        what: &str,
    ) -> Option<&Item<'a, 'i>> {
        let item = self.get(key);
        if item.is_none() {
            reader.report(
                &join(&self.path, key),
                Some(self.line),
                format!("missing; expected {what}"),
            );
        }
        item
    }
}

/// `path.key`, or `key` at the top.
pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// `"a", "b", "c"`.
pub(super) fn quoted_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("{item:?}")).collect();
    quoted.join(", ")
}

/// What an unknown field's problem says: the known fields, and the likely one if it is close.
fn unknown_field_message(key: &str, allowed: &[&str]) -> String {
    if allowed.is_empty() {
        return format!("unknown field {key:?}; this table has no fields");
    }
    let squashed = |text: &str| text.replace(['_', '-'], "").to_lowercase();
    let close = allowed
        .iter()
        .find(|known| squashed(known) == squashed(key) || edit_distance(known, key) <= 2);
    let hint = close.map_or(String::new(), |known| format!(" (did you mean {known:?}?)"));
    format!(
        "unknown field {key:?}{hint}; expected one of {}",
        allowed.join(", ")
    )
}

/// The Levenshtein distance between two short strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, a_char) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, b_char) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(a_char != *b_char))
                .min(above + 1)
                .min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// What a duration looks like, for problems.
pub(super) const DURATION_EXPECTED: &str = "a duration like \"15s\"";

/// Longer values are described by their type rather than quoted in problems.
const WRITTEN_QUOTED_MAX: usize = 60;
