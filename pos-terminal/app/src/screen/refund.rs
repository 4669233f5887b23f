//! Refund against an original ticket, found by scanning its receipt code or typing its number,
//! from the local ledger (works offline): choose lines and quantities, manager PIN, back to tender.

use crate::key;
use iced::widget::{button, column, container, row, scrollable, text, text_input};
use iced::{Alignment, Element, Length, Task};
use pos_terminal::refund::{RefundError, build_refund, refundable};
use pos_terminal::{LedgerHandle, Refunded};
use sync_protocol::{Document, DocumentBody, Money, Quantity, StaffId, StaffRole};

use crate::i18n::I18n;
use crate::ledger_task::{self, ScreenReply};
use crate::manager;

pub const TICKET_ID: &str = "refund-ticket";
pub const PIN_ID: &str = "refund-pin";
pub const REASON_ID: &str = "refund-reason";

#[derive(Debug, Clone)]
pub enum Message {
    Ticket(String),
    Find,
    More(usize),
    Less(usize),
    All(usize),
    Reason(String),
    Pin(String),
    Confirm,
    Back,
    /// A ledger answer (the ticket found, the refund recorded) and what to do with it.
    Answer(ScreenReply<State, Action>),
}

pub enum Action {
    None,
    Focus(&'static str),
    Back,
    /// Work for the ledger's thread; its answer comes back as [`Message::Answer`].
    Run(Task<Message>),
    /// The refund is committed as document `seq`.
    Refunded {
        seq: u64,
        number: String,
        total: Money,
    },
}

struct Found {
    sale: Document,
    refunded: Refunded,
    picks: Vec<Quantity>,
}

#[derive(Default)]
pub struct State {
    ticket: String,
    found: Option<Found>,
    reason: String,
    pin: String,
    error: Option<String>,
    /// The ticket is being looked up or the refund recorded: the screen says so.
    busy: bool,
}

/// What became of a confirmed refund on the ledger's thread.
enum Confirmed {
    WrongPin,
    NotManager,
    Refused(RefundError),
    NoShift,
    Recorded(Box<Document>),
}

impl State {
    /// Starts with the usual reason filled in, in the cashier's language (it is editable).
    pub fn new(tr: &I18n) -> Self {
        Self {
            reason: tr.t(key!("refund-default-reason")),
            ..Self::default()
        }
    }

    /// Looks the ticket up (typed, or scanned from the receipt's code: the AEAT QR's URL gives
    /// the invoice number, an older receipt's QR is the number itself).
    pub fn find(&mut self, number: &str, ledger: &LedgerHandle, _tr: &I18n) -> Action {
        self.ticket = match sync_protocol::verifactu::parse_qr_url(number) {
            Some(qr) => qr.numserie,
            None => number.trim().to_string(),
        };
        let ticket = self.ticket.clone();
        self.busy = true;
        Action::Run(ledger_task::then(
            ledger,
            move |l| -> Result<Option<(Document, Refunded)>, String> {
                let sale = l.sale_by_ticket(&ticket).map_err(|e| e.to_string())?;
                match sale {
                    Some(s) => {
                        let r = l.refunded_for(s.id).map_err(|e| e.to_string())?;
                        Ok(Some((s, r)))
                    }
                    None => Ok(None),
                }
            },
            |s: &mut State, looked, tr| {
                s.busy = false;
                s.found_it(looked, tr)
            },
            Message::Answer,
        ))
    }

    fn found_it(
        &mut self,
        looked: Result<Option<(Document, Refunded)>, String>,
        tr: &I18n,
    ) -> Action {
        match looked {
            Ok(Some((sale, refunded))) => {
                let n = match &sale.body {
                    DocumentBody::Sale(s) => s.lines.len(),
                    _ => 0,
                };
                self.found = Some(Found {
                    sale,
                    refunded,
                    picks: vec![Quantity::ZERO; n],
                });
                self.error = None;
                Action::Focus(PIN_ID)
            }
            Ok(None) => {
                self.found = None;
                self.error = Some(tr.args(
                    "ticket-not-found",
                    &[("ticket", self.ticket.clone().into())],
                ));
                self.ticket.clear();
                Action::Focus(TICKET_ID)
            }
            Err(e) => {
                self.error = Some(tr.args("error", &[("error", e.into())]));
                Action::Focus(TICKET_ID)
            }
        }
    }

    fn lines(&self) -> &[sync_protocol::SaleLine] {
        match self.found.as_ref().map(|f| &f.sale.body) {
            Some(DocumentBody::Sale(s)) => &s.lines,
            _ => &[],
        }
    }

    fn pick(&mut self, i: usize, f: impl FnOnce(Quantity, Quantity) -> Quantity) {
        let Some(line) = self.lines().get(i).cloned() else {
            return;
        };
        if let Some(found) = &mut self.found {
            let left = refundable(&line, &found.refunded);
            let q = f(found.picks[i], left);
            found.picks[i] = if q > left {
                left
            } else if q.is_negative() {
                Quantity::ZERO
            } else {
                q
            };
        }
    }

    pub fn update(
        &mut self,
        message: Message,
        ledger: &LedgerHandle,
        cashier: Option<StaffId>,
        tr: &I18n,
    ) -> Action {
        if let Message::Answer(reply) = &message {
            return ledger_task::apply(reply.clone(), self, tr).unwrap_or(Action::None);
        }
        if self.busy {
            // The ledger is answering the last step; it decides what comes next.
            return Action::None;
        }
        match message {
            Message::Answer(_) => {}
            Message::Ticket(s) => {
                self.ticket = s;
                return Action::Focus(TICKET_ID);
            }
            Message::Find => {
                let t = self.ticket.clone();
                return self.find(&t, ledger, tr);
            }
            Message::More(i) => self.pick(i, |q, _| q + Quantity::one()),
            Message::Less(i) => self.pick(i, |q, _| q - Quantity::one()),
            Message::All(i) => self.pick(i, |_, left| left),
            Message::Reason(s) => {
                self.reason = s;
                return Action::Focus(REASON_ID);
            }
            Message::Pin(p) => {
                self.pin = manager::pin_digits(&p);
                return Action::Focus(PIN_ID);
            }
            Message::Confirm => return self.confirm(ledger, cashier, tr),
            Message::Back => return Action::Back,
        }
        Action::Focus(PIN_ID)
    }

    fn confirm(&mut self, ledger: &LedgerHandle, cashier: Option<StaffId>, tr: &I18n) -> Action {
        let Some(found) = &self.found else {
            self.error = Some(tr.t(key!("refund-find-first")));
            return Action::Focus(TICKET_ID);
        };
        let picks: Vec<_> = self
            .lines()
            .iter()
            .zip(&found.picks)
            .map(|(l, q)| (l.line_id, *q))
            .collect();
        if self.reason.trim().is_empty() {
            self.error = Some(tr.t(key!("refund-reason-missing")));
            return Action::Focus(REASON_ID);
        }
        let pin = std::mem::take(&mut self.pin).trim().to_string();
        if pin.is_empty() {
            self.error = Some(tr.t(key!("manager-pin-missing")));
            return Action::Focus(PIN_ID);
        }
        let (sale, refunded) = (found.sale.clone(), found.refunded.clone());
        let reason = self.reason.trim().to_string();
        self.busy = true;
        self.error = Some(tr.t(key!("pin-checking")));
        // The manager's PIN, the refund and its audit entry in one turn of the ledger's thread.
        Action::Run(ledger_task::then(
            ledger,
            move |l| -> Result<Confirmed, String> {
                let approver = match l.find_staff_by_pin(&pin).map_err(|e| e.to_string())? {
                    Some(s) if s.role == StaffRole::Manager => s,
                    Some(_) => return Ok(Confirmed::NotManager),
                    None => return Ok(Confirmed::WrongPin),
                };
                let body = match build_refund(
                    &sale,
                    &refunded,
                    &picks,
                    cashier,
                    Some(approver.id),
                    &reason,
                ) {
                    Ok(b) => b,
                    Err(e) => return Ok(Confirmed::Refused(e)),
                };
                let doc = match l.record_document(body) {
                    Ok(doc) => doc,
                    Err(pos_terminal::LedgerError::NoOpenShift) => return Ok(Confirmed::NoShift),
                    Err(e) => return Err(e.to_string()),
                };
                if let DocumentBody::Refund(r) = &doc.body
                    && let Err(error) = l.record_audit(sync_protocol::AuditEvent {
                        action: sync_protocol::AuditAction::Refund,
                        staff_id: cashier,
                        approved_by: Some(approver.id),
                        reference: Some(r.refund_number.clone()),
                        amount: Some(r.totals.total),
                        note: Some(reason.clone()),
                    })
                {
                    tracing::error!(%error, "audit entry not recorded");
                }
                Ok(Confirmed::Recorded(Box::new(doc)))
            },
            |s: &mut State, confirmed, tr| {
                s.busy = false;
                s.error = None;
                match confirmed {
                    Ok(Confirmed::Recorded(doc)) => match &doc.body {
                        DocumentBody::Refund(r) => Action::Refunded {
                            seq: doc.seq,
                            number: r.refund_number.clone(),
                            total: r.totals.total,
                        },
                        _ => Action::Back,
                    },
                    Ok(Confirmed::WrongPin) => {
                        s.error = Some(tr.t(key!("manager-pin-wrong")));
                        Action::Focus(PIN_ID)
                    }
                    Ok(Confirmed::NotManager) => {
                        s.error = Some(tr.t(key!("manager-pin-not-manager")));
                        Action::Focus(PIN_ID)
                    }
                    Ok(Confirmed::Refused(e)) => {
                        s.error = Some(refund_message(&e, tr));
                        Action::Focus(PIN_ID)
                    }
                    Ok(Confirmed::NoShift) => {
                        s.error = Some(tr.args(
                            "refund-record-failed",
                            &[("error", tr.t(key!("sell-no-shift")).into())],
                        ));
                        Action::Focus(PIN_ID)
                    }
                    Err(e) => {
                        s.error = Some(tr.args("refund-record-failed", &[("error", e.into())]));
                        Action::Focus(PIN_ID)
                    }
                }
            },
            Message::Answer,
        ))
    }

    pub fn view<'a>(&'a self, tr: &I18n) -> Element<'a, Message> {
        let mut col = column![
            text(tr.t(key!("refund-title"))).size(30),
            row![
                text_input(&tr.t(key!("refund-ticket-placeholder")), &self.ticket)
                    .id(TICKET_ID)
                    .on_input(Message::Ticket)
                    .on_submit(Message::Find)
                    .padding(12)
                    .size(22),
                button(text(tr.t(key!("refund-find"))).size(20))
                    .padding(12)
                    .on_press(Message::Find),
            ]
            .spacing(10),
        ]
        .spacing(12)
        .max_width(900);
        if let Some(found) = &self.found
            && let DocumentBody::Sale(sale) = &found.sale.body
        {
            col = col.push(
                text(tr.args(
                    "refund-ticket-found",
                    &[
                        ("ticket", sale.ticket_number.clone().into()),
                        (
                            "time",
                            pos_terminal::receipt::madrid_time(found.sale.till_time).into(),
                        ),
                        ("total", tr.money(sale.totals.total).into()),
                    ],
                ))
                .size(22),
            );
            let mut lines = column![].spacing(6);
            for (i, l) in sale.lines.iter().enumerate() {
                let done = found.refunded.quantity(l.line_id);
                let mut info = format!("{} x {}", tr.quantity(l.quantity), tr.money(l.unit_price));
                if !done.is_zero() {
                    info.push_str(" · ");
                    info.push_str(
                        &tr.args("refund-already", &[("quantity", tr.quantity(done).into())]),
                    );
                }
                lines = lines.push(
                    row![
                        text(l.name.clone()).size(20).width(Length::Fill),
                        text(info).size(18).width(Length::Fixed(280.0)),
                        button(text("−").size(20))
                            .padding(10)
                            .on_press(Message::Less(i)),
                        text(tr.args(
                            "refund-picked",
                            &[("quantity", tr.quantity(found.picks[i]).into())]
                        ))
                        .size(20)
                        .width(Length::Fixed(140.0)),
                        button(text("+").size(20))
                            .padding(10)
                            .on_press(Message::More(i)),
                        button(text(tr.t(key!("refund-all"))).size(18))
                            .padding(10)
                            .on_press(Message::All(i)),
                    ]
                    .spacing(8)
                    .align_y(Alignment::Center),
                );
            }
            col = col.push(scrollable(lines).height(Length::FillPortion(1)));
            let tenders: Vec<String> = sale
                .payments
                .iter()
                .map(|p| match p.tender {
                    sync_protocol::Tender::Cash => tr.t(key!("refund-to-cash")),
                    sync_protocol::Tender::Card => match &p.reference {
                        Some(r) => {
                            tr.args("refund-to-card-ref", &[("reference", r.clone().into())])
                        }
                        None => tr.t(key!("refund-to-card")),
                    },
                    sync_protocol::Tender::Other => tr.t(key!("refund-to-other")),
                })
                .collect();
            col = col
                .push(
                    text(tr.args("refund-back-to", &[("tenders", tenders.join(", ").into())]))
                        .size(18),
                )
                .push(
                    text_input(&tr.t("reason"), &self.reason)
                        .id(REASON_ID)
                        .on_input(Message::Reason)
                        .padding(10)
                        .size(20),
                )
                .push(
                    text_input(&tr.t(key!("manager-pin")), &self.pin)
                        .id(PIN_ID)
                        .secure(true)
                        .on_input(Message::Pin)
                        .on_submit(Message::Confirm)
                        .padding(10)
                        .size(22),
                );
        }
        if let Some(e) = &self.error {
            col = col.push(text(e.clone()).size(20));
        }
        let mut buttons = row![
            button(text(tr.t(key!("back-esc"))).size(22))
                .padding(14)
                .on_press(Message::Back)
        ]
        .spacing(20);
        if self.found.is_some() {
            buttons = buttons.push(
                button(text(tr.t(key!("refund-confirm"))).size(22))
                    .padding(14)
                    .on_press(Message::Confirm),
            );
        }
        col = col.push(buttons);
        container(col).center_x(Length::Fill).padding(24).into()
    }
}

fn refund_message(e: &pos_terminal::refund::RefundError, tr: &I18n) -> String {
    use pos_terminal::refund::RefundError as E;
    match e {
        E::NothingChosen => tr.t(key!("refund-nothing-chosen")),
        E::TooMuch { line, left } => tr.args(
            "refund-too-much",
            &[
                ("line", line.to_string().into()),
                ("left", tr.quantity(*left).into()),
            ],
        ),
        other => tr.args("cannot", &[("error", other.to_string().into())]),
    }
}
