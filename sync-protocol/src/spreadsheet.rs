//! The one guard of every CSV the project writes for a spreadsheet (the dashboard's exports, HQ's
//! accounting journal): a text cell a spreadsheet would run as a formula is written with a leading
//! `'`, so a name typed as `=HYPERLINK(…)` opens as text, never as a link or a command.

use std::borrow::Cow;

/// What a spreadsheet takes for the start of a formula (or, for tab and CR, what it strips before
/// looking for one): `=`, `+`, `-`, `@`, tab, carriage return.
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell as exported: one that a spreadsheet would run as a formula gets a leading `'`
/// (shown as text, the `'` itself hidden), e.g. `=HYPERLINK("x")` becomes `'=HYPERLINK("x")`.
pub fn defuse(s: &str) -> Cow<'_, str> {
    if s.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// The text of an imported cell that [`defuse`] had exported: the `'` goes again, so an export
/// imported back unchanged gives the same text.
pub fn restore(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => s,
    }
}
