//! The Trastienda till as a library: the durable SQLite ledger with its outbox, the cart, and the sync client.
//! No UI types live here, so the iced app, the till simulator and the tests all drive the same code.

pub mod card_terminal;
pub mod cart;
pub mod fiscal;
pub mod ledger;
pub mod paper_pdf;
pub mod pin;
pub mod printer;
pub mod receipt;
pub mod refund;
pub mod scanner;
pub mod shift;
pub mod stock;
pub mod sync;

pub use cart::{Cart, CartError, CartLine, card_payment, cash_payment};
pub use ledger::{
    CallError, CatalogItem, FullInvoice, Ledger, LedgerError, LedgerHandle, LocalDeliveryNote,
    OpenNote, QuickKeyItem, Refunded, Scan, ScanError, Staff, TillIdentity,
};
pub use shift::{Approval, CloseCheck, CloseCount, OpenShift, ShiftError, ShiftReport};
pub use stock::{NoteCheck, NoteComparison, StockError, StockSession};
pub use sync::{LedgerAccess, SharedLedger, SyncClient, SyncError, SyncOptions, SyncReport};
