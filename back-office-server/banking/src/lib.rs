//! Bank files and pure collection logic for HQ: statements in (Norma 43, camt.053/054), direct
//! debits out (pain.008), status reports in (pain.002), matching payments to invoices, and aging.
//!
//! No storage and no I/O: every function takes bytes or values and returns values or a typed
//! error, so the server, the tests, the fuzz targets and the benchmark all call the same code.
//! Fuzz entry points (bytes in, value or typed error out, never a panic): [`statement::read`]
//! (either statement format), [`norma43::parse`], [`camt::parse`], [`pain002::parse`].

pub mod aging;
pub mod camt;
mod iso20022;
pub mod matching;
pub mod norma43;
pub mod pain002;
pub mod pain008;
pub mod reason;
pub mod statement;
pub mod text;

pub use iso20022::Iso20022Error;

use serde::Serialize;

/// Which way money moved on the account the statement is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Direction {
    /// Money in (haber, CRDT).
    Credit,
    /// Money out (debe, DBIT).
    Debit,
}
