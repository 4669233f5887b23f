//! Test harness shared by the end-to-end tests, the ingest benchmark and `till-sim`:
//! a real HQ server on 127.0.0.1, a fresh database per test, a proxy that can lose answers, an HQ API client.

pub mod browser;
pub mod history;
pub mod hq;
pub mod proxy;
pub mod server;
pub mod sim;

pub use hq::HqClient;
pub use proxy::{LossyProxy, ProxyMode};
pub use server::{Backend, TestServer};
