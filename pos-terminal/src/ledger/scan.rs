//! From a scanned code to what goes on the ticket: an ordinary product, or a scale label (GS1
//! variable measure, prefixes 20–29) read with the franchise's rules pulled from HQ.
//!
//! How a label finds its product: by the label's code with the value field zeroed (and the check
//! digit recomputed), looked up in the ordinary barcode table. HQ registers that code on the
//! product, e.g. `2100001000004` on "Naranjas (kg)" for rule `21 IIIII PPPPP C`; the label
//! `2100001015251` then reads as 1,525 kg of it. This is how Spanish scales (and Odoo) work: the
//! scale's article number (PLU) sits in the item digits and the catalog needs no new column.
//!
//! What a label puts on the ticket:
//! - weight: the weight as the quantity (kg with 3 decimals) at the product's price per kg, so the
//!   receipt prints "1,525 x 1,89 €" as Spanish tickets do for weighed goods;
//! - price: quantity 1 at the label's price. The weight is not in the code, and deriving it
//!   (price ÷ price per kg, rounded to the gram) could move the amount by a cent away from the
//!   label the customer sees; the label's price is what is charged, to the cent.

use super::{CatalogItem, Ledger, LedgerError, Result};
use crate::scanner::{Scanned, classify};
use sync_protocol::barcode::{BarcodeError, MeasureKind, VariableMeasureRule, VariableValue};
use sync_protocol::{Money, Quantity};

/// What a scan adds to the ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    /// An ordinary product: one unit at this store's price (a second scan bumps the line).
    Item(CatalogItem),
    /// A weighed item from a scale label: `quantity` (kg) at the product's price per kg.
    Weighed {
        item: CatalogItem,
        quantity: Quantity,
    },
    /// A priced item from a scale label: one unit at the label's `price`.
    Priced { item: CatalogItem, price: Money },
}

impl Scan {
    /// The product, with `barcode` set to the code that was scanned.
    pub fn item(&self) -> &CatalogItem {
        match self {
            Self::Item(i) | Self::Weighed { item: i, .. } | Self::Priced { item: i, .. } => i,
        }
    }
}

/// Why a scan adds nothing. Messages are in Spanish, for the cashier.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// Wrong check digit, wrong price/weight verifier digit, or not a barcode at all.
    #[error("código de barras no válido: {code} ({reason})")]
    Invalid { code: String, reason: String },
    #[error("código desconocido: {0}")]
    Unknown(String),
    /// A scale label whose article has no product at HQ.
    #[error(
        "artículo de balanza desconocido: {code} (artículo {item}); en la central hay que dar de alta el código {lookup_code} en el producto"
    )]
    UnknownScaleItem {
        code: String,
        item: String,
        lookup_code: String,
    },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// The reason a code is not valid, in Spanish.
fn reason(e: &BarcodeError) -> String {
    match e {
        BarcodeError::Length { len, .. } => {
            format!("tiene {len} caracteres; un EAN-13 tiene 13, un UPC-A 12 y un EAN-8 8")
        }
        BarcodeError::NotDigits { .. } => "solo puede tener cifras".into(),
        BarcodeError::CheckDigit { expected, .. } => {
            format!("el dígito de control debería ser {expected}")
        }
        BarcodeError::Verifier { expected, .. } => {
            format!("el dígito verificador del peso o precio debería ser {expected}")
        }
    }
}

pub(super) fn kind_str(k: MeasureKind) -> &'static str {
    match k {
        MeasureKind::Weight => "weight",
        MeasureKind::Price => "price",
    }
}

impl Ledger {
    /// The franchise's variable-measure rules, as last pulled from HQ.
    pub fn barcode_rules(&self) -> Result<Vec<VariableMeasureRule>> {
        let mut st = self.conn.prepare_cached(
            "SELECT prefix, kind, item_digits, value_digits, decimals, verifier
             FROM barcode_rules ORDER BY id",
        )?;
        let rows = st.query_map([], |r| {
            let kind: String = r.get(1)?;
            Ok(VariableMeasureRule {
                prefix: r.get(0)?,
                kind: if kind == "price" {
                    MeasureKind::Price
                } else {
                    MeasureKind::Weight
                },
                item_digits: usize::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                value_digits: usize::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                decimals: r.get(4)?,
                verifier: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Resolves a scanned code: a scale label matching a rule becomes a weighed or priced line of
    /// the product registered under its zero-value code (see the module notes); any other code is
    /// looked up as is. A wrong check or verifier digit is refused ("código de barras no válido"),
    /// never looked up.
    pub fn resolve_scan(&self, code: &str) -> Result<Scan, ScanError> {
        let code = code.trim();
        let rules = self.barcode_rules()?;
        match classify(code, &rules) {
            Err(e) => Err(ScanError::Invalid {
                code: code.to_string(),
                reason: reason(&e),
            }),
            Ok(Scanned::VariableMeasure(v)) => {
                let Some(mut item) = self.lookup_barcode(&v.lookup_code)? else {
                    return Err(ScanError::UnknownScaleItem {
                        code: code.to_string(),
                        item: v.item,
                        lookup_code: v.lookup_code,
                    });
                };
                item.barcode = Some(code.to_string());
                Ok(match v.value {
                    VariableValue::Quantity(quantity) => Scan::Weighed { item, quantity },
                    VariableValue::Price(price) => Scan::Priced { item, price },
                })
            }
            Ok(Scanned::Gtin(c) | Scanned::Other(c)) => match self.lookup_barcode(&c)? {
                Some(item) => Ok(Scan::Item(item)),
                // Digits of a length no barcode has: say so rather than "unknown".
                None => match sync_protocol::barcode::check(&c) {
                    Err(e) if !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()) => {
                        Err(ScanError::Invalid {
                            code: c,
                            reason: reason(&e),
                        })
                    }
                    _ => Err(ScanError::Unknown(c)),
                },
            },
        }
    }
}
