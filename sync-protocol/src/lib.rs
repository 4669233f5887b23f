//! Types and arithmetic shared by the till (`pos-terminal`) and HQ (`back-office-server`).
//! Anything both ends must agree on byte for byte — money, totals, documents, the hash chain, the wire — lives here.

pub mod bank;
pub mod barcode;
pub mod cash;
pub mod catalog;
pub mod customers;
pub mod document;
pub mod drawer;
pub mod ids;
pub mod money;
pub mod nif;
pub mod promotions;
pub mod quick_keys;
pub mod report_mail;
pub mod spreadsheet;
pub mod totals;
pub mod verifactu;
pub mod wire;

pub use bank::{BankIdError, Bic, CreditorId, Iban};
pub use cash::{Denomination, DenominationCount, EURO_DENOMINATIONS, count_total};
pub use catalog::{
    BarcodeRuleRecord, CatalogChange, Change, DeliveryNoteLine, DeliveryNoteRecord,
    DeliveryNoteStatus, MAX_KIND_LEN, MAX_SKIPPED_KINDS, ProductRecord, StaffRecord, StaffRole,
    StoreRecord, TaxRateRecord, UNNAMED_KIND, compare_versions, is_reportable_kind,
    kind_introduced_in, till_can_apply,
};
pub use customers::{CustomerRecord, MailRequest};
pub use document::{
    AuditAction, AuditEvent, CashClose, CashMovement, CashMovementDirection, ChainError,
    ClockDirection, ClockEvent, CustomerInvoice, Document, DocumentBody, DocumentKind,
    GENESIS_HASH, Payment, Refund, Sale, SaleLine, ShiftOpen, StockLine, StockMovement,
    StockMovementKind, Tender, TenderAmount, verify_chain,
};
pub use drawer::{CashTally, cash_part};
pub use ids::{DocumentId, FranchiseeId, ProductId, StaffId, StoreId, TillId};
pub use money::{Money, MoneyError, Percent, Quantity, TaxRate};
pub use promotions::{
    LinePromotion, PriceScheduleRecord, PromoLine, PromotionRecord, PromotionRef, PromotionRule,
    apply_promotions, price_in_force,
};
pub use quick_keys::{KeyColour, QuickKey, QuickKeyLayout};
pub use report_mail::{ReportKind, ReportMail, ReportMailError};
pub use totals::{LineInput, LineTotal, TaxBreakdown, TicketTotals, TotalsError, compute_totals};
pub use wire::*;
