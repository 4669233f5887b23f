//! Stock work at the till by scanning: receiving a delivery, counting shelves, writing off waste.
//! A [`StockSession`] gathers scans; finishing it records one `StockMovement` document for HQ.

use crate::ledger::{Ledger, LedgerError};
use sync_protocol::{
    DeliveryNoteRecord, Document, DocumentBody, ProductId, Quantity, StaffId, StockLine,
    StockMovement, StockMovementKind,
};

/// Reasons offered for writing goods off; any other text is accepted too.
pub const WASTE_REASONS: &[&str] = &[
    "Caducado",
    "Roto",
    "Dañado en el transporte",
    "Robo o pérdida",
    "Consumo interno",
];

/// Why a stock session could not go on or be recorded.
#[derive(Debug, thiserror::Error)]
pub enum StockError {
    #[error("código desconocido: {0}")]
    UnknownCode(String),
    #[error("no hay ninguna línea {0}")]
    NoSuchLine(usize),
    #[error("no hay nada escaneado")]
    Empty,
    #[error("indique el motivo de la merma")]
    ReasonRequired,
    #[error("la cantidad no puede ser negativa")]
    NegativeQuantity,
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// One product in the session, with its name for the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockSessionLine {
    pub product_id: ProductId,
    pub name: String,
    pub barcode: Option<String>,
    /// Always positive here: received, counted or written off.
    pub quantity: Quantity,
}

/// How one product of a delivery note stands against what was scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteCheck {
    /// Nothing or less than expected scanned so far.
    Missing(Quantity),
    Complete,
    /// More than expected.
    Over(Quantity),
    /// Scanned but not on the note.
    Extra,
}

/// One row of the comparison with a delivery note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteComparison {
    pub product_id: ProductId,
    pub name: String,
    /// Zero for a product not on the note.
    pub expected: Quantity,
    pub scanned: Quantity,
    /// The session line holding the scans, if anything was scanned.
    pub line: Option<usize>,
    pub check: NoteCheck,
}

/// Scans being gathered for one stock document. Scanning a product again adds one more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockSession {
    pub kind: StockMovementKind,
    lines: Vec<StockSessionLine>,
    /// The HQ delivery note a receipt is counted against (none: free receiving).
    note: Option<DeliveryNoteRecord>,
}

impl StockSession {
    pub fn new(kind: StockMovementKind) -> Self {
        Self {
            kind,
            lines: Vec::new(),
            note: None,
        }
    }

    /// A receipt counted against an HQ delivery note.
    pub fn against_note(note: DeliveryNoteRecord) -> Self {
        Self {
            kind: StockMovementKind::Receipt,
            lines: Vec::new(),
            note: Some(note),
        }
    }

    pub fn note(&self) -> Option<&DeliveryNoteRecord> {
        self.note.as_ref()
    }

    /// Expected against scanned: the note's lines in its order, then products not on the note.
    /// Empty for a session without a note.
    pub fn comparison(&self) -> Vec<NoteComparison> {
        let Some(note) = &self.note else {
            return Vec::new();
        };
        let scanned = |p: ProductId| {
            self.lines
                .iter()
                .position(|l| l.product_id == p)
                .map(|i| (i, self.lines[i].quantity))
        };
        let mut out: Vec<NoteComparison> = note
            .lines
            .iter()
            .map(|l| {
                let (line, got) = match scanned(l.product_id) {
                    Some((i, q)) => (Some(i), q),
                    None => (None, Quantity::ZERO),
                };
                let check = if got < l.quantity {
                    NoteCheck::Missing(l.quantity - got)
                } else if got > l.quantity {
                    NoteCheck::Over(got - l.quantity)
                } else {
                    NoteCheck::Complete
                };
                NoteComparison {
                    product_id: l.product_id,
                    name: l.name.clone(),
                    expected: l.quantity,
                    scanned: got,
                    line,
                    check,
                }
            })
            .collect();
        for (i, l) in self.lines.iter().enumerate() {
            if !note.lines.iter().any(|n| n.product_id == l.product_id) {
                out.push(NoteComparison {
                    product_id: l.product_id,
                    name: l.name.clone(),
                    expected: Quantity::ZERO,
                    scanned: l.quantity,
                    line: Some(i),
                    check: NoteCheck::Extra,
                });
            }
        }
        out
    }

    /// True when everything scanned matches the note exactly.
    pub fn matches_note(&self) -> bool {
        self.comparison()
            .iter()
            .all(|c| c.check == NoteCheck::Complete)
    }

    pub fn lines(&self) -> &[StockSessionLine] {
        &self.lines
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Looks `code` up in the catalog and adds one unit of it. Returns the line's index.
    pub fn scan(&mut self, ledger: &Ledger, code: &str) -> Result<usize, StockError> {
        let code = code.trim();
        let item = ledger
            .lookup_barcode(code)?
            .ok_or_else(|| StockError::UnknownCode(code.to_string()))?;
        if let Some(i) = self
            .lines
            .iter()
            .position(|l| l.product_id == item.product_id)
        {
            self.lines[i].quantity += Quantity::one();
            return Ok(i);
        }
        self.lines.push(StockSessionLine {
            product_id: item.product_id,
            name: item.name,
            barcode: item.barcode,
            quantity: Quantity::one(),
        });
        Ok(self.lines.len() - 1)
    }

    /// Sets a line's quantity (e.g. a whole case typed instead of scanned unit by unit).
    pub fn set_quantity(&mut self, idx: usize, quantity: Quantity) -> Result<(), StockError> {
        if quantity.is_negative() {
            return Err(StockError::NegativeQuantity);
        }
        let line = self.lines.get_mut(idx).ok_or(StockError::NoSuchLine(idx))?;
        line.quantity = quantity;
        Ok(())
    }

    pub fn remove(&mut self, idx: usize) -> Result<StockSessionLine, StockError> {
        if idx >= self.lines.len() {
            return Err(StockError::NoSuchLine(idx));
        }
        Ok(self.lines.remove(idx))
    }

    /// The document body: receipts add, waste subtracts, a count states what is on the shelf.
    pub fn to_movement(
        &self,
        staff: Option<StaffId>,
        reason: Option<&str>,
        reference: Option<&str>,
    ) -> Result<StockMovement, StockError> {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if self.kind == StockMovementKind::Waste && reason.is_none() {
            return Err(StockError::ReasonRequired);
        }
        let lines: Vec<StockLine> = self
            .lines
            .iter()
            .filter(|l| self.kind == StockMovementKind::Count || !l.quantity.is_zero())
            .map(|l| StockLine {
                product_id: l.product_id,
                quantity: if self.kind == StockMovementKind::Waste {
                    -l.quantity
                } else {
                    l.quantity
                },
            })
            .collect();
        if lines.is_empty() {
            return Err(StockError::Empty);
        }
        let note = self.note.as_ref().map(|n| n.number.clone());
        Ok(StockMovement {
            kind: self.kind,
            reason: reason.map(str::to_string),
            // A receipt against a note carries the note's number as its reference too.
            reference: note.clone().or_else(|| {
                reference
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_string)
            }),
            lines,
            staff_id: staff,
            delivery_note: note,
        })
    }

    /// Records the session as a `StockMovement` in the ledger (and so in the outbox for HQ).
    pub fn record(
        &self,
        ledger: &mut Ledger,
        staff: Option<StaffId>,
        reason: Option<&str>,
        reference: Option<&str>,
    ) -> Result<Document, StockError> {
        let movement = self.to_movement(staff, reason, reference)?;
        if movement.delivery_note.is_some() {
            // Marks the note received in the same transaction as the document.
            return Ok(ledger.record_delivery_receipt(movement)?);
        }
        Ok(ledger.record_document(DocumentBody::StockMovement(movement))?)
    }
}
