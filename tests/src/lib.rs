//! Test harness shared by the end-to-end tests, the ingest benchmark and `till-sim`:
//! a real HQ server on 127.0.0.1, a fresh database per test, a proxy that can lose answers, an HQ API client,
//! and the reliability suites (network faults, crashes) that the tests and their long-run binaries share.

pub mod browser;
pub mod crash;
pub mod faults;
pub mod history;
pub mod hq;
pub mod proxy;
pub mod server;
pub mod sim;

pub use hq::HqClient;
pub use proxy::{Fault, FaultMix, FaultProxy, LossyProxy, ProxyMode};
pub use server::{Backend, TestServer};
