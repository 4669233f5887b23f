//! The rules of HQ's work, one module per domain, between the adapters (the JSON API in `http`, the
//! dashboard in `web`, the command line in `cli`, the scheduled jobs in `jobs`) and `storage`.
//! Adapters parse a request and render an answer; what is valid, what a change writes and what a
//! job does live here, once, so the API, the dashboard and the CLI cannot disagree.

pub mod replenish;
pub mod stock;
