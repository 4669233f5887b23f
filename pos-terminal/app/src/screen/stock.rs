//! Stock work by scanning: receiving a delivery, counting (full or partial) and writing off waste.
//! The scan field keeps focus; finishing records one `StockMovement` for HQ.

use std::sync::Mutex;

use iced::widget::{button, column, row, scrollable, text, text_input};
use iced::{Alignment, Element, Length};
use pos_terminal::stock::WASTE_REASONS;
use pos_terminal::{Ledger, Staff, StockSession};
use sync_protocol::{Quantity, StockMovementKind};

use super::close::Outcome;
use crate::i18n::I18n;

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
    Confirm,
    Back,
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
        ledger: &Mutex<Ledger>,
        staff: &Staff,
        tr: &I18n,
    ) -> Outcome {
        match message {
            Message::Scan(s) => self.input = s,
            Message::Submit => {
                let code = std::mem::take(&mut self.input);
                if code.trim().is_empty() {
                    return Outcome::None;
                }
                let result = match ledger.lock() {
                    Ok(l) => self.session.scan(&l, &code).map_err(|e| e.to_string()),
                    Err(_) => Err(tr.t("registry-unavailable")),
                };
                self.notice = result.err();
                self.sync_quantities(tr);
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
            Message::Back => return Outcome::Back,
            Message::Confirm => {
                // The reason travels to HQ in the document, so it stays in HQ's language.
                let reason = match self.session.kind {
                    StockMovementKind::Count if self.full => Some("Recuento completo"),
                    StockMovementKind::Count => Some("Recuento parcial"),
                    _ => Some(self.reason.as_str()),
                };
                let result = match ledger.lock() {
                    Ok(mut l) => self
                        .session
                        .record(&mut l, Some(staff.id), reason, Some(&self.reference))
                        .map_err(|e| e.to_string()),
                    Err(_) => Err(tr.t("registry-unavailable")),
                };
                match result {
                    Ok(doc) => {
                        return Outcome::Done(tr.args(
                            "stock-recorded",
                            &[
                                ("title", self.title(tr).into()),
                                ("count", self.session.lines().len().into()),
                                ("seq", doc.seq.into()),
                            ],
                        ));
                    }
                    Err(e) => self.notice = Some(e),
                }
            }
        }
        Outcome::None
    }

    pub fn view<'a>(&'a self, tr: &I18n) -> Element<'a, Message> {
        let mut col = column![
            text(self.title(tr)).size(26),
            text_input(&tr.t("stock-scan-placeholder"), &self.input)
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
        for (i, l) in self.session.lines().iter().enumerate() {
            let typed = self.quantities.get(i).map(String::as_str).unwrap_or("");
            lines = lines.push(
                row![
                    text(l.name.clone()).width(Length::Fill),
                    text_input("0", typed)
                        .id(quantity_id(i))
                        .on_input(move |s| Message::Quantity(i, s))
                        .padding(4)
                        .width(Length::Fixed(90.0)),
                    button(text(tr.t("stock-remove"))).on_press(Message::Remove(i)),
                ]
                .spacing(10)
                .align_y(Alignment::Center),
            );
        }
        if self.session.is_empty() {
            lines = lines.push(text(tr.t("stock-nothing-yet")));
        }
        col = col.push(scrollable(lines).height(Length::Fixed(260.0)));
        match self.session.kind {
            StockMovementKind::Count => {
                col = col.push(
                    button(text(if self.full {
                        tr.t("stock-count-full")
                    } else {
                        tr.t("stock-count-partial")
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
            StockMovementKind::Receipt => {
                col = col.push(
                    text_input(&tr.t("stock-delivery-note"), &self.reference)
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
