//! Trastienda's HQ server: takes the tills' documents, pushes the catalog down, answers reports.
//! The HTTP layer (`http`) talks only to the [`storage::Storage`] trait; the backend is picked once from the database URL.
#![recursion_limit = "512"]

/// `key!("message-id")`: a Fluent message id checked at compile time against `locales/*/*.ftl`.
pub use trastienda_l10n::key;

pub mod app;
pub mod auth;
pub mod barcode;
pub mod cli;
pub mod demo;
pub mod http;
pub mod i18n;
pub mod jobs;
pub mod net;
/// Shared with the till (full invoices), so both ends accept the same identifiers.
pub use sync_protocol::nif;
pub mod openapi;
pub mod problem;
pub mod services;
pub mod storage;
pub mod tls;
pub mod web;

pub use app::{AppState, router};
