//! Stock work by scanning: receiving a delivery (against a pending HQ delivery note, or free),
//! counting (full or partial) and writing off waste. The scan field keeps focus; finishing records
//! one `StockMovement` for HQ. Against a note, each line shows expected against scanned, with what
//! is missing, over or not on the note; confirming marks the note received at this till.

use crate::key;
use std::collections::VecDeque;

use iced::widget::{button, column, row, scrollable, text, text_input};
use iced::{Alignment, Color, Element, Length};
use pos_terminal::stock::WASTE_REASONS;
use pos_terminal::{
    LedgerHandle, LocalDeliveryNote, NoteCheck, NoteComparison, Staff, StockError, StockSession,
};
use sync_protocol::{Document, Quantity, StockMovementKind};

use super::close::Outcome;
use super::manager;
use crate::i18n::I18n;
use crate::ledger_task::{self, ScreenReply};

pub const SCAN_ID: &str = "stock-scan";
pub const REFERENCE_ID: &str = "stock-ref";
pub const REASON_ID: &str = "stock-reason";

/// The input id of a line's quantity.
pub fn quantity_id(i: usize) -> String {
    format!("stock-qty-{i}")
}

#[derive(Debug, Clone)]
pub enum Message {
    Scan(String),
    Submit,
    Quantity(usize, String),
    Remove(usize),
    Reference(String),
    Reason(String),
    ToggleFull,
    /// Receive against the pending delivery note at this index of the list.
    PickNote(usize),
    /// Receive without a delivery note.
    FreeReceiving,
    Confirm,
    Back,
    /// The ledger's answer (a scan looked up, the movement recorded).
    Answer(ScreenReply<State, Outcome>),
}

#[derive(Debug)]
pub struct State {
    session: StockSession,
    input: String,
    /// Typed quantities, kept as text while the person types.
    quantities: Vec<String>,
    reference: String,
    reason: String,
    /// A count of the whole store rather than some shelves.
    full: bool,
    notice: Option<String>,
    /// Pending delivery notes offered before a receipt starts (empty: straight to scanning).
    notes: Vec<LocalDeliveryNote>,
    /// Choosing a note (or free receiving) before scanning.
    picking: bool,
    /// Codes scanned and not yet looked up, in order: one at a time on the ledger's thread, so
    /// quick scans all count, in the order they were made.
    waiting_scans: VecDeque<String>,
    /// A scan is on the ledger's thread.
    looking_up: bool,
    /// The movement is being recorded.
    recording: bool,
}

impl State {
    pub fn new(kind: StockMovementKind) -> Self {
        Self {
            session: StockSession::new(kind),
            input: String::new(),
            quantities: Vec::new(),
            reference: String::new(),
            reason: String::new(),
            full: false,
            notice: None,
            notes: Vec::new(),
            picking: false,
            waiting_scans: VecDeque::new(),
            looking_up: false,
            recording: false,
        }
    }

    /// A receipt that first offers the store's pending delivery notes.
    pub fn receipt(notes: Vec<LocalDeliveryNote>) -> Self {
        let mut s = Self::new(StockMovementKind::Receipt);
        s.picking = !notes.is_empty();
        s.notes = notes;
        s
    }

    /// Still choosing a delivery note (the scan field is not shown yet).
    pub fn picking(&self) -> bool {
        self.picking
    }

    fn error_text(e: &StockError, tr: &I18n) -> String {
        match e {
            StockError::UnknownCode(c) => {
                tr.args("stock-unknown-code", &[("code", c.clone().into())])
            }
            other => other.to_string(),
        }
    }

    fn title(&self, tr: &I18n) -> String {
        tr.t(match self.session.kind {
            StockMovementKind::Receipt => "stock-receipt",
            StockMovementKind::Count => "stock-count",
            StockMovementKind::Waste => "stock-waste",
            StockMovementKind::Adjustment => "stock-adjustment",
        })
    }

    fn confirm_label(&self, tr: &I18n) -> String {
        tr.t(match self.session.kind {
            StockMovementKind::Receipt => "stock-confirm-receipt",
            StockMovementKind::Count => "stock-confirm-count",
            StockMovementKind::Waste => "stock-confirm-waste",
            StockMovementKind::Adjustment => "stock-confirm-adjustment",
        })
    }

    /// Sends the first waiting code to the ledger's thread with the session, which comes back
    /// with the code counted (or why not).
    fn next_scan(&mut self, ledger: &LedgerHandle) -> Outcome {
        if self.looking_up || self.recording {
            return Outcome::None;
        }
        let Some(code) = self.waiting_scans.pop_front() else {
            return Outcome::None;
        };
        self.looking_up = true;
        let mut session = self.session.clone();
        let ledger_for_next = ledger.clone();
        Outcome::Run(ledger_task::then(
            ledger,
            move |l| -> Result<(StockSession, Result<usize, StockError>), String> {
                let r = session.scan(l, &code);
                Ok((session, r))
            },
            move |s: &mut State, scanned, tr| {
                s.looking_up = false;
                match scanned {
                    Ok((session, r)) => {
                        s.session = session;
                        s.notice = r.err().map(|e| Self::error_text(&e, tr));
                    }
                    Err(e) => s.notice = Some(e),
                }
                s.sync_quantities(tr);
                s.next_scan(&ledger_for_next)
            },
            |r| manager::Message::Stock(Message::Answer(r)),
        ))
    }

    fn sync_quantities(&mut self, tr: &I18n) {
        self.quantities = self
            .session
            .lines()
            .iter()
            .map(|l| tr.quantity(l.quantity))
            .collect();
    }

    pub fn update(
        &mut self,
        message: Message,
        ledger: &LedgerHandle,
        staff: &Staff,
        tr: &I18n,
    ) -> Outcome {
        if let Message::Answer(reply) = &message {
            return ledger_task::apply(reply.clone(), self, tr).unwrap_or(Outcome::None);
        }
        let busy = self.looking_up || self.recording || !self.waiting_scans.is_empty();
        match message {
            Message::Answer(_) => {}
            Message::Scan(s) => self.input = s,
            Message::Submit => {
                let code = std::mem::take(&mut self.input);
                if code.trim().is_empty() {
                    return Outcome::None;
                }
                self.waiting_scans.push_back(code);
                return self.next_scan(ledger);
            }
            // The session is on the ledger's thread with a scan: edits wait for it to come back.
            Message::Quantity(..)
            | Message::Remove(_)
            | Message::PickNote(_)
            | Message::FreeReceiving
            | Message::Confirm
            | Message::Back
                if busy =>
            {
                self.notice = Some(tr.t(key!("sell-scans-waiting")));
            }
            Message::Quantity(i, s) => {
                if let Some(q) = parse_quantity(&s) {
                    let _ = self.session.set_quantity(i, q);
                }
                if let Some(slot) = self.quantities.get_mut(i) {
                    *slot = s;
                }
            }
            Message::Remove(i) => {
                let _ = self.session.remove(i);
                self.sync_quantities(tr);
            }
            Message::Reference(s) => self.reference = s,
            Message::Reason(s) => self.reason = s,
            Message::ToggleFull => self.full = !self.full,
            Message::PickNote(i) => {
                if let Some(n) = self.notes.get(i) {
                    self.session = StockSession::against_note(n.note.clone());
                    self.picking = false;
                    self.notice = None;
                    self.sync_quantities(tr);
                }
            }
            Message::FreeReceiving => {
                self.session = StockSession::new(StockMovementKind::Receipt);
                self.picking = false;
                self.notice = None;
            }
            Message::Back => return Outcome::Back,
            Message::Confirm => {
                // The reason travels to HQ in the document, so it stays in HQ's language.
                let reason = match self.session.kind {
                    StockMovementKind::Count if self.full => Some("Recuento completo"),
                    StockMovementKind::Count => Some("Recuento parcial"),
                    _ => Some(self.reason.as_str()),
                };
                let reason = reason.map(str::to_string);
                let (session, staff_id, reference) =
                    (self.session.clone(), staff.id, self.reference.clone());
                self.recording = true;
                return Outcome::Run(ledger_task::then(
                    ledger,
                    move |l| -> Result<Result<Document, String>, String> {
                        Ok(session
                            .record(l, Some(staff_id), reason.as_deref(), Some(&reference))
                            .map_err(|e| e.to_string()))
                    },
                    |s: &mut State, recorded, tr| {
                        s.recording = false;
                        s.recorded(recorded.and_then(|r| r), tr)
                    },
                    |r| manager::Message::Stock(Message::Answer(r)),
                ));
            }
        }
        Outcome::None
    }

    fn recorded(&mut self, result: Result<Document, String>, tr: &I18n) -> Outcome {
        match result {
            Ok(doc) if self.session.note().is_some() => {
                let key = if self.session.matches_note() {
                    "stock-note-received"
                } else {
                    "stock-note-received-differences"
                };
                let number = self.session.note().map(|n| n.number.clone());
                Outcome::Done(tr.args(
                    key,
                    &[
                        ("number", number.unwrap_or_default().into()),
                        ("count", self.session.lines().len().into()),
                        ("seq", doc.seq.into()),
                    ],
                ))
            }
            Ok(doc) => Outcome::Done(tr.args(
                "stock-recorded",
                &[
                    ("title", self.title(tr).into()),
                    ("count", self.session.lines().len().into()),
                    ("seq", doc.seq.into()),
                ],
            )),
            Err(e) => {
                self.notice = Some(e);
                Outcome::None
            }
        }
    }

    /// The list of pending delivery notes, and free receiving.
    fn picker<'a>(&'a self, tr: &I18n) -> Element<'a, Message> {
        let mut col = column![
            text(self.title(tr)).size(26),
            text(tr.t(key!("stock-pick-note"))).size(18),
        ]
        .spacing(10);
        for (i, n) in self.notes.iter().enumerate() {
            let label = tr.args(
                "stock-note-choice",
                &[
                    ("number", n.note.number.clone().into()),
                    ("supplier", n.note.supplier.clone().into()),
                    (
                        "date",
                        n.note.expected_date.format("%d/%m/%Y").to_string().into(),
                    ),
                    ("lines", n.note.lines.len().into()),
                ],
            );
            col = col.push(
                button(text(label).size(18))
                    .padding(10)
                    .width(Length::Fill)
                    .on_press(Message::PickNote(i)),
            );
        }
        col.push(
            row![
                button(text(tr.t("back"))).on_press(Message::Back),
                button(text(tr.t(key!("stock-free-receiving"))))
                    .padding(10)
                    .on_press(Message::FreeReceiving),
            ]
            .spacing(20),
        )
        .into()
    }

    /// One row of expected against scanned.
    fn note_row<'a>(&'a self, c: &NoteComparison, tr: &I18n) -> Element<'a, Message> {
        let red = Color::from_rgb(0.75, 0.1, 0.1);
        let amber = Color::from_rgb(0.75, 0.45, 0.0);
        let green = Color::from_rgb(0.1, 0.5, 0.2);
        let (state, color) = match c.check {
            NoteCheck::Missing(q) => (
                tr.args("stock-note-missing", &[("quantity", tr.quantity(q).into())]),
                red,
            ),
            NoteCheck::Complete => (tr.t(key!("stock-note-complete")), green),
            NoteCheck::Over(q) => (
                tr.args("stock-note-over", &[("quantity", tr.quantity(q).into())]),
                amber,
            ),
            NoteCheck::Extra => (tr.t(key!("stock-note-extra")), amber),
        };
        let scanned: Element<'a, Message> = match c.line {
            Some(i) => {
                let typed = self.quantities.get(i).map(String::as_str).unwrap_or("");
                text_input("0", typed)
                    .id(quantity_id(i))
                    .on_input(move |s| Message::Quantity(i, s))
                    .padding(4)
                    .width(Length::Fixed(90.0))
                    .into()
            }
            None => text(tr.quantity(Quantity::ZERO))
                .width(Length::Fixed(90.0))
                .into(),
        };
        let mut r = row![
            text(c.name.clone()).width(Length::Fill),
            text(tr.args(
                "stock-note-expected",
                &[("quantity", tr.quantity(c.expected).into())]
            ))
            .width(Length::Fixed(150.0)),
            scanned,
            text(state).color(color).width(Length::Fixed(200.0)),
        ]
        .spacing(10)
        .align_y(Alignment::Center);
        if let Some(i) = c.line {
            r = r.push(button(text(tr.t(key!("stock-remove")))).on_press(Message::Remove(i)));
        }
        r.into()
    }

    pub fn view<'a>(&'a self, tr: &I18n) -> Element<'a, Message> {
        if self.picking {
            return self.picker(tr);
        }
        let title = match self.session.note() {
            Some(n) => tr.args(
                "stock-note-title",
                &[
                    ("number", n.number.clone().into()),
                    ("supplier", n.supplier.clone().into()),
                ],
            ),
            None => self.title(tr),
        };
        let mut col = column![
            text(title).size(26),
            text_input(&tr.t(key!("stock-scan-placeholder")), &self.input)
                .id(SCAN_ID)
                .on_input(Message::Scan)
                .on_submit(Message::Submit)
                .padding(10)
                .size(20),
        ]
        .spacing(10);
        if let Some(n) = &self.notice {
            col = col.push(text(n.clone()).size(18));
        }
        let mut lines = column![].spacing(4);
        let comparison = self.session.comparison();
        for c in &comparison {
            lines = lines.push(self.note_row(c, tr));
        }
        for (i, l) in self.session.lines().iter().enumerate() {
            if self.session.note().is_some() {
                break; // shown in the comparison above
            }
            let typed = self.quantities.get(i).map(String::as_str).unwrap_or("");
            lines = lines.push(
                row![
                    text(l.name.clone()).width(Length::Fill),
                    text_input("0", typed)
                        .id(quantity_id(i))
                        .on_input(move |s| Message::Quantity(i, s))
                        .padding(4)
                        .width(Length::Fixed(90.0)),
                    button(text(tr.t(key!("stock-remove")))).on_press(Message::Remove(i)),
                ]
                .spacing(10)
                .align_y(Alignment::Center),
            );
        }
        if self.session.is_empty() && comparison.is_empty() {
            lines = lines.push(text(tr.t(key!("stock-nothing-yet"))));
        }
        col = col.push(scrollable(lines).height(Length::Fixed(260.0)));
        match self.session.kind {
            StockMovementKind::Count => {
                col = col.push(
                    button(text(if self.full {
                        tr.t(key!("stock-count-full"))
                    } else {
                        tr.t(key!("stock-count-partial"))
                    }))
                    .on_press(Message::ToggleFull),
                );
            }
            StockMovementKind::Waste | StockMovementKind::Adjustment => {
                let mut quick = row![].spacing(6);
                for r in WASTE_REASONS {
                    quick = quick.push(button(text(*r)).on_press(Message::Reason(r.to_string())));
                }
                col = col.push(quick).push(
                    text_input(&tr.t("reason"), &self.reason)
                        .id(REASON_ID)
                        .on_input(Message::Reason)
                        .padding(6),
                );
            }
            StockMovementKind::Receipt if self.session.note().is_some() => {}
            StockMovementKind::Receipt => {
                col = col.push(
                    text_input(&tr.t(key!("stock-delivery-note")), &self.reference)
                        .id(REFERENCE_ID)
                        .on_input(Message::Reference)
                        .padding(6),
                );
            }
        }
        col.push(
            row![
                button(text(tr.t("back"))).on_press(Message::Back),
                button(text(self.confirm_label(tr)).size(20))
                    .padding(10)
                    .on_press(Message::Confirm),
            ]
            .spacing(20),
        )
        .into()
    }
}

/// `24`, `1,5`, `0.250`: a quantity typed at the till.
fn parse_quantity(s: &str) -> Option<Quantity> {
    let q: Quantity = s.trim().replace(',', ".").parse().ok()?;
    (!q.is_negative()).then_some(q)
}
