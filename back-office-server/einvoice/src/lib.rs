//! HQ's invoices to franchisees as pure building blocks: the EN 16931-shaped model, royalty and fee
//! maths, and the documents (UBL 2.1, Facturae 3.2.2, PDF, accounting CSV). No storage, no server.
//!
//! A caller turns a contract and a period's sales into lines with [`royalty::period_lines`], builds an
//! [`InvoiceDraft`] around them, validates it with [`Invoice::new`], and renders the result with
//! [`ubl::to_xml`], [`facturae::to_xml`], [`pdf::render`] and [`accounting::journal_csv`].

pub mod accounting;
pub mod facturae;
pub mod i18n;
pub mod model;
pub mod pdf;
pub mod royalty;
pub mod ubl;
mod xml;

pub use xml::XmlError;

pub use model::{
    Address, Correction, CorrectionReason, Discount, DocumentKind, FiscalRow, FiscalSummary,
    Invoice, InvoiceDraft, InvoiceError, Language, Line, LineDraft, LineError, Party, PartyError,
    PartyKind, PaymentMeans, PaymentTerms, Period, Revenue, Totals, Unit, VatBreakdown,
    VatCategory,
};
