//! Opening a shift (float counted by denomination) and closing the day (Z): blind or open count,
//! expected versus counted per tender, over/short, and a manager's approval beyond the tolerance.

use crate::key;
use iced::widget::{button, column, row, text, text_input};
use iced::{Alignment, Element, Length, Task};
use pos_terminal::shift::check_count;
use pos_terminal::{Approval, CloseCount, Ledger, LedgerHandle, ShiftError, ShiftReport, Staff};
use sync_protocol::{Document, DocumentBody, Money, StaffRole, Tender, TenderAmount};

use super::count::{Edit, Grid};
use super::manager;
use super::pay::tender_name;
use crate::format;
use crate::i18n::I18n;
use crate::ledger_task::{self, ScreenReply};

pub const CARD_ID: &str = "close-card";
pub const NEXT_FLOAT_ID: &str = "close-next-float";
pub const APPROVER_PIN_ID: &str = "close-approver-pin";
pub const NOTE_ID: &str = "close-note";

/// What a page tells the manager menu.
pub enum Outcome {
    None,
    Back,
    Done(String),
    /// The day is closed: say so and print the Z from the report and the stored close.
    Closed {
        notice: String,
        report: Box<ShiftReport>,
        close: Box<sync_protocol::CashClose>,
    },
    /// Work for the ledger's thread; its answer comes back to the page as a message.
    Run(Task<manager::Message>),
}

// ----- opening a shift -----------------------------------------------------------------------

#[derive(Debug, Clone)]
pub enum OpenMessage {
    Count(Edit),
    Confirm,
    Back,
    /// The ledger's answer to opening the shift.
    Answer(ScreenReply<OpenState, Outcome>),
}

#[derive(Debug)]
pub struct OpenState {
    grid: Grid,
    /// The float the last Z left in the drawer, to check the count against.
    left_by_last_close: Option<(u64, Money)>,
    error: Option<String>,
    /// The shift is being opened.
    busy: bool,
}

impl OpenState {
    pub fn new(ledger: &Ledger) -> Self {
        let left_by_last_close = ledger
            .last_close()
            .ok()
            .flatten()
            .and_then(|c| c.next_float.map(|f| (c.z_number, f)));
        Self {
            grid: Grid::new(),
            left_by_last_close,
            error: None,
            busy: false,
        }
    }

    pub fn update(
        &mut self,
        message: OpenMessage,
        ledger: &LedgerHandle,
        staff: &Staff,
        tr: &I18n,
    ) -> Outcome {
        if let OpenMessage::Answer(reply) = &message {
            return ledger_task::apply(reply.clone(), self, tr).unwrap_or(Outcome::None);
        }
        if self.busy {
            return Outcome::None;
        }
        match message {
            OpenMessage::Answer(_) => {}
            OpenMessage::Count(e) => self.grid.edit(e),
            OpenMessage::Back => return Outcome::Back,
            OpenMessage::Confirm => {
                let (staff, counts) = (staff.clone(), self.grid.counts());
                self.busy = true;
                return Outcome::Run(ledger_task::then(
                    ledger,
                    move |l| l.start_shift(&staff, counts),
                    |s: &mut OpenState, result, tr| {
                        s.busy = false;
                        match result {
                            Ok(_) => Outcome::Done(tr.args(
                                "close-shift-opened",
                                &[("float", tr.money(s.grid.total()).into())],
                            )),
                            Err(e) => {
                                s.error = Some(e);
                                Outcome::None
                            }
                        }
                    },
                    |r| manager::Message::Open(OpenMessage::Answer(r)),
                ));
            }
        }
        Outcome::None
    }

    pub fn view<'a>(&'a self, tr: &I18n) -> Element<'a, OpenMessage> {
        let mut col = column![text(tr.t(key!("close-open-title"))).size(26)].spacing(12);
        if let Some((z, f)) = self.left_by_last_close {
            col = col.push(text(tr.args(
                "close-float-left",
                &[("z", z.into()), ("float", tr.money(f).into())],
            )));
        }
        col = col.push(
            self.grid
                .view_with(tr, OpenMessage::Count, Some(OpenMessage::Confirm)),
        );
        if let Some(e) = &self.error {
            col = col.push(text(e.clone()).size(18));
        }
        col.push(
            row![
                button(text(tr.t("back"))).on_press(OpenMessage::Back),
                button(text(tr.t(key!("close-open-confirm"))).size(20))
                    .padding(10)
                    .on_press(OpenMessage::Confirm),
            ]
            .spacing(20),
        )
        .into()
    }
}

// ----- closing the day -----------------------------------------------------------------------

#[derive(Debug, Clone)]
pub enum CloseMessage {
    Count(Edit),
    ToggleBlind,
    Card(String),
    NextFloat(String),
    ApproverPin(String),
    Note(String),
    Confirm,
    Back,
    /// The ledger's answer to the close.
    Answer(ScreenReply<CloseState, Outcome>),
}

/// What became of a Z close on the ledger's thread.
enum Closing {
    NotAManager,
    Closed(Box<Document>),
    Refused(ShiftError),
}

#[derive(Debug)]
pub struct CloseState {
    report: ShiftReport,
    tolerance: Money,
    /// HQ set the store up with one manager: they may approve their own over/short. Otherwise a
    /// second manager's PIN is asked for.
    single_manager: bool,
    grid: Grid,
    blind: bool,
    /// The expected figures have been shown (after a blind count was submitted).
    revealed: bool,
    card: String,
    next_float: String,
    approver_pin: String,
    note: String,
    error: Option<String>,
    /// The close is being recorded.
    busy: bool,
}

impl CloseState {
    pub fn new(report: ShiftReport, tolerance: Money, single_manager: bool) -> Self {
        Self {
            report,
            tolerance,
            single_manager,
            grid: Grid::new(),
            blind: true,
            revealed: false,
            card: String::new(),
            next_float: String::new(),
            approver_pin: String::new(),
            note: String::new(),
            error: None,
            busy: false,
        }
    }

    fn count(
        &self,
        staff: &Staff,
        approval: Option<Approval>,
        tr: &I18n,
    ) -> Result<CloseCount, String> {
        let other = if self.card.trim().is_empty() {
            Vec::new()
        } else {
            let amount =
                format::parse_money(&self.card).ok_or_else(|| tr.t(key!("close-card-invalid")))?;
            vec![TenderAmount {
                tender: Tender::Card,
                amount,
            }]
        };
        let next_float = if self.next_float.trim().is_empty() {
            Money::ZERO
        } else {
            format::parse_money(&self.next_float)
                .ok_or_else(|| tr.t(key!("close-next-float-invalid")))?
        };
        Ok(CloseCount {
            staff: staff.clone(),
            cash: self.grid.counts(),
            other,
            blind: self.blind,
            next_float,
            approval,
        })
    }

    /// The second manager's approval for the PIN typed, if any (on the ledger's thread);
    /// `Ok(Err(()))` when the PIN is not a manager's.
    fn approval(
        ledger: &Ledger,
        pin: &str,
        note: &str,
    ) -> Result<Result<Option<Approval>, ()>, String> {
        if pin.is_empty() {
            return Ok(Ok(None));
        }
        match ledger.find_staff_by_pin(pin) {
            Ok(Some(s)) if s.role == StaffRole::Manager => Ok(Ok(Some(Approval {
                manager: s,
                note: note.to_string(),
            }))),
            Ok(_) => Ok(Err(())),
            Err(e) => Err(e.to_string()),
        }
    }

    pub fn update(
        &mut self,
        message: CloseMessage,
        ledger: &LedgerHandle,
        staff: &Staff,
        tr: &I18n,
    ) -> Outcome {
        if let CloseMessage::Answer(reply) = &message {
            return ledger_task::apply(reply.clone(), self, tr).unwrap_or(Outcome::None);
        }
        if self.busy {
            return Outcome::None;
        }
        match message {
            CloseMessage::Answer(_) => {}
            CloseMessage::Count(e) => self.grid.edit(e),
            CloseMessage::ToggleBlind => {
                if !self.revealed {
                    self.blind = !self.blind;
                }
            }
            CloseMessage::Card(s) => self.card = s,
            CloseMessage::NextFloat(s) => self.next_float = s,
            CloseMessage::ApproverPin(p) => {
                self.approver_pin = p.chars().filter(char::is_ascii_digit).take(12).collect()
            }
            CloseMessage::Note(s) => self.note = s,
            CloseMessage::Back => return Outcome::Back,
            CloseMessage::Confirm => {
                // Whatever happens next, the counter has committed to their count.
                self.revealed = true;
                let count = match self.count(staff, None, tr) {
                    Ok(c) => c,
                    Err(e) => {
                        self.error = Some(e);
                        return Outcome::None;
                    }
                };
                let (pin, note) = (self.approver_pin.clone(), self.note.clone());
                self.busy = true;
                return Outcome::Run(ledger_task::then(
                    ledger,
                    move |l| -> Result<Closing, String> {
                        let approval = match Self::approval(l, &pin, &note)? {
                            Ok(a) => a,
                            Err(()) => return Ok(Closing::NotAManager),
                        };
                        Ok(match l.close_day(CloseCount { approval, ..count }) {
                            Ok(doc) => Closing::Closed(Box::new(doc)),
                            Err(e) => Closing::Refused(e),
                        })
                    },
                    |s: &mut CloseState, closing, tr| {
                        s.busy = false;
                        s.closed(closing, tr)
                    },
                    |r| manager::Message::Close(CloseMessage::Answer(r)),
                ));
            }
        }
        Outcome::None
    }

    fn closed(&mut self, closing: Result<Closing, String>, tr: &I18n) -> Outcome {
        match closing {
            Ok(Closing::Closed(doc)) => {
                let DocumentBody::CashClose(c) = &doc.body else {
                    return Outcome::Done(tr.t(key!("close-recorded")));
                };
                return Outcome::Closed {
                    notice: tr.args(
                        "close-z-recorded",
                        &[
                            ("z", c.z_number.into()),
                            ("over_short", tr.money(c.over_short(Tender::Cash)).into()),
                        ],
                    ),
                    report: Box::new(self.report.clone()),
                    close: Box::new(c.clone()),
                };
            }
            Ok(Closing::NotAManager) => self.error = Some(tr.t(key!("manager-pin-not-manager"))),
            Ok(Closing::Refused(ShiftError::OwnApproval(name))) => {
                self.approver_pin.clear();
                self.error = Some(tr.args("close-own-approval", &[("name", name.into())]));
            }
            Ok(Closing::Refused(ShiftError::NeedsApproval {
                over_short,
                tolerance,
            })) => {
                self.error = Some(tr.args(
                    if self.single_manager {
                        "close-needs-approval"
                    } else {
                        "close-needs-second-manager"
                    },
                    &[
                        ("over_short", tr.money(over_short).into()),
                        ("tolerance", tr.money(tolerance).into()),
                    ],
                ))
            }
            Ok(Closing::Refused(e)) => {
                self.error = Some(tr.args("close-refused", &[("error", e.to_string().into())]))
            }
            Err(e) => self.error = Some(e),
        }
        Outcome::None
    }

    pub fn view<'a>(&'a self, staff: &'a Staff, tr: &I18n) -> Element<'a, CloseMessage> {
        let mut col = column![
            row![
                text(tr.t(key!("close-title"))).size(26).width(Length::Fill),
                button(text(if self.blind {
                    tr.t(key!("close-blind-yes"))
                } else {
                    tr.t(key!("close-blind-no"))
                }))
                .on_press_maybe((!self.revealed).then_some(CloseMessage::ToggleBlind)),
            ]
            .align_y(Alignment::Center),
            // Enter in any field submits the count, as Enter opens the shift.
            self.grid
                .view_with(tr, CloseMessage::Count, Some(CloseMessage::Confirm)),
            row![
                text(tr.t(key!("close-card"))).width(Length::Fixed(240.0)),
                text_input(&tr.t(key!("close-card-placeholder")), &self.card)
                    .id(CARD_ID)
                    .on_input(CloseMessage::Card)
                    .on_submit(CloseMessage::Confirm)
                    .padding(4)
                    .width(Length::Fixed(200.0)),
                text(tr.t(key!("close-next-float"))).width(Length::Fixed(240.0)),
                text_input(&tr.amount(Money::ZERO), &self.next_float)
                    .id(NEXT_FLOAT_ID)
                    .on_input(CloseMessage::NextFloat)
                    .on_submit(CloseMessage::Confirm)
                    .padding(4)
                    .width(Length::Fixed(120.0)),
            ]
            .spacing(10)
            .align_y(Alignment::Center),
        ]
        .spacing(10);

        let needs_approval = if !self.blind || self.revealed {
            let check = self
                .count(staff, None, tr)
                .ok()
                .map(|c| check_count(&self.report, &c, self.tolerance));
            if let Some(check) = &check {
                let mut table = column![
                    row![
                        text("").width(Length::Fixed(120.0)),
                        text(tr.t(key!("close-expected"))).width(Length::Fixed(140.0)),
                        text(tr.t(key!("close-counted"))).width(Length::Fixed(140.0)),
                        text(tr.t(key!("close-over-short"))).width(Length::Fixed(140.0)),
                    ]
                    .spacing(8)
                ]
                .spacing(2);
                for ((e, c), d) in check
                    .expected
                    .iter()
                    .zip(&check.counted)
                    .zip(&check.over_short)
                {
                    table = table.push(
                        row![
                            text(tender_name(tr, e.tender)).width(Length::Fixed(120.0)),
                            text(tr.money(e.amount)).width(Length::Fixed(140.0)),
                            text(tr.money(c.amount)).width(Length::Fixed(140.0)),
                            text(tr.money(d.amount)).width(Length::Fixed(140.0)),
                        ]
                        .spacing(8),
                    );
                }
                col = col.push(table).push(text(tr.args(
                    "close-tolerance",
                    &[("amount", tr.money(self.tolerance).into())],
                )));
            }
            self.revealed && check.is_some_and(|c| c.needs_approval)
        } else {
            false
        };
        if needs_approval {
            col = col.push(
                row![
                    text(tr.t(if self.single_manager {
                        "close-approval"
                    } else {
                        "close-approval-second"
                    }))
                    .width(Length::Fixed(220.0)),
                    text_input(&tr.t("pin"), &self.approver_pin)
                        .id(APPROVER_PIN_ID)
                        .secure(true)
                        .on_input(CloseMessage::ApproverPin)
                        .on_submit(CloseMessage::Confirm)
                        .padding(4)
                        .width(Length::Fixed(100.0)),
                    text_input(&tr.t(key!("close-note")), &self.note)
                        .id(NOTE_ID)
                        .on_input(CloseMessage::Note)
                        .on_submit(CloseMessage::Confirm)
                        .padding(4),
                ]
                .spacing(10)
                .align_y(Alignment::Center),
            );
        }
        if let Some(e) = &self.error {
            col = col.push(text(e.clone()).size(16));
        }
        col.push(
            row![
                button(text(tr.t("back"))).on_press(CloseMessage::Back),
                button(text(tr.t(key!("close-confirm"))).size(20))
                    .padding(10)
                    .on_press(CloseMessage::Confirm),
            ]
            .spacing(20),
        )
        .into()
    }
}
