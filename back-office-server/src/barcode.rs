//! Retail barcodes: the shared implementation lives in `sync_protocol::barcode` so HQ and the till agree.
pub use sync_protocol::barcode::*;
