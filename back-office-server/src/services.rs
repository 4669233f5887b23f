//! The rules of HQ's work, one module per domain, between the adapters (the JSON API in `http`, the
//! dashboard in `web`, the command line in `cli`, the scheduled jobs in `jobs`) and `storage`.
//! Adapters parse a request and render an answer; what is valid, what a change writes and what a
//! job does live here, once, so the API, the dashboard and the CLI cannot disagree.
//!
//! Each operation takes the storage and a request as the adapters parsed it, checks it (a refusal is
//! a [`Problem`] with a stable code), and makes the change; storage writes the change-log rows the
//! tills pull in the same transaction. The push algorithm lives in `storage::ingest` (one SQL
//! transaction); scheduled work in `jobs`.

pub mod accounts;
pub mod aeat;
pub mod alerts;
pub mod archive;
pub mod catalog;
pub mod certificates;
pub mod collections;
pub mod customers;
pub mod deliveries;
pub mod fields;
pub mod invoicing;
pub mod mail;
pub mod people;
pub mod promotions;
pub mod purchasing;
pub mod quick_keys;
pub mod replenish;
pub mod reports;
pub mod staff;
pub mod stock;
pub mod stores;
pub mod tills;
pub mod verifactu;

use crate::problem::Problem;
use crate::storage::StorageError;

/// What a service answers: the storage's errors, a refused input as `Invalid(problem)`.
pub type ServiceResult<T> = Result<T, StorageError>;

impl From<Problem> for StorageError {
    fn from(p: Problem) -> Self {
        StorageError::Invalid(p)
    }
}

/// Runs a blocking closure (argon2) off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> ServiceResult<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        tracing::error!(error = %e, "blocking task failed");
        StorageError::Backend(format!("an internal task failed: {e}"))
    })
}
