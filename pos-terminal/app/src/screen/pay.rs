//! Payment: cash with quick amounts and the change shown large, card with the external
//! terminal's reference, and splits between tenders. The sale is committed here, before printing.

use std::sync::Mutex;

use iced::widget::{button, column, container, row, text, text_input};
use iced::{Alignment, Element, Length};
use pos_terminal::{Cart, Ledger, card_payment, cash_payment};
use sync_protocol::{Money, Payment, StaffId, Tender};

use crate::i18n::I18n;
use crate::{format, keypad, theme};

pub const TENDERED_ID: &str = "tendered";
pub const REFERENCE_ID: &str = "card-reference";
/// Cash handed over may exceed what is owed by less than this (the largest euro note).
pub fn max_change() -> Money {
    Money::from_cents(50_000)
}

#[derive(Debug, Clone)]
pub enum Message {
    Tendered(String),
    Quick(Money),
    Reference(String),
    /// Cash for what is typed (empty: exactly what is left).
    Cash,
    /// Card for what is typed (empty: what is left), with the terminal's reference.
    Card,
    /// Drops the tenders taken so far (the cashier voids the card on the terminal).
    ClearPayments,
    /// The on-screen keypad types the amount tendered; its Enter takes it in cash.
    Keypad(keypad::Key),
    Back,
}

pub enum Action {
    None,
    Focus(&'static str),
    Back,
    /// The sale is committed to the ledger as document `seq`; `cash` if a drawer kick is due.
    Paid {
        change: Money,
        ticket: String,
        seq: u64,
    },
}

#[derive(Debug)]
pub struct State {
    total: Money,
    payments: Vec<Payment>,
    tendered: String,
    reference: String,
    error: Option<String>,
}

/// Notes and round amounts offered as one-tap buttons, above what is left.
fn quick_amounts(left: Money) -> Vec<Money> {
    let mut out = vec![left];
    for euros in [5, 10, 20, 50, 100] {
        let m = Money::from_cents(euros * 100);
        if m > left && out.len() < 5 {
            out.push(m);
        }
    }
    out
}

impl State {
    pub fn new(total: Money) -> Self {
        Self {
            total,
            payments: Vec::new(),
            tendered: String::new(),
            reference: String::new(),
            error: None,
        }
    }

    /// A barcode scanned while paying: whatever of it reached the amount fields is dropped,
    /// and the cashier is told to finish the payment first.
    pub fn scanned(&mut self, code: &str, tr: &I18n) {
        if self.tendered.contains(code) {
            self.tendered.clear();
        }
        if self.reference.ends_with(code) {
            self.reference.clear();
        }
        self.error = Some(tr.args("pay-scanned", &[("code", code.to_string().into())]));
    }

    /// What is still to pay.
    pub fn left(&self) -> Money {
        self.total - self.payments.iter().map(|p| p.amount).sum::<Money>()
    }

    fn typed(&self, tr: &I18n) -> Result<Money, String> {
        if self.tendered.trim().is_empty() {
            Ok(self.left())
        } else {
            format::parse_money(&self.tendered)
                .filter(|m| !m.is_zero())
                .ok_or_else(|| tr.t("invalid-amount"))
        }
    }

    pub fn update(
        &mut self,
        message: Message,
        cart: &mut Cart,
        ledger: &Mutex<Ledger>,
        cashier: Option<StaffId>,
        tr: &I18n,
    ) -> Action {
        match message {
            Message::Tendered(s) => {
                self.tendered = s;
                self.error = None;
            }
            Message::Keypad(k) => {
                self.error = None;
                if !keypad::apply(k, &mut self.tendered) {
                    return Action::None;
                }
                return self.update(Message::Cash, cart, ledger, cashier, tr);
            }
            Message::Quick(m) => {
                self.tendered = tr.amount(m);
                self.error = None;
            }
            Message::Reference(s) => {
                self.reference = s;
                self.error = None;
                return Action::Focus(REFERENCE_ID);
            }
            Message::Back => {
                if !self.payments.is_empty() {
                    self.error = Some(tr.t("pay-payments-noted"));
                    return Action::None;
                }
                return Action::Back;
            }
            Message::ClearPayments => {
                self.payments.clear();
                self.error = None;
            }
            Message::Cash => {
                let tendered = match self.typed(tr) {
                    Ok(m) => m,
                    Err(e) => {
                        self.error = Some(e);
                        return Action::None;
                    }
                };
                let left = self.left();
                if tendered - left >= max_change() {
                    // Nobody hands over 500 € more than they owe: a scanned code or a slip.
                    self.error = Some(tr.args(
                        "pay-tendered-too-much",
                        &[
                            ("tendered", tr.money(tendered).into()),
                            ("change", tr.money(tendered - left).into()),
                        ],
                    ));
                    self.tendered.clear();
                    return Action::Focus(TENDERED_ID);
                }
                if tendered >= left {
                    self.payments.push(cash_payment(left, tendered));
                } else {
                    // Part in cash; the rest by another tender (or more cash).
                    self.payments.push(cash_payment(tendered, tendered));
                }
                self.tendered.clear();
            }
            Message::Card => {
                let amount = match self.typed(tr) {
                    Ok(m) => m,
                    Err(e) => {
                        self.error = Some(e);
                        return Action::None;
                    }
                };
                if amount > self.left() {
                    self.error = Some(tr.args(
                        "pay-card-too-much",
                        &[("left", tr.money(self.left()).into())],
                    ));
                    return Action::None;
                }
                let reference = self.reference.trim().to_string();
                if reference.is_empty() {
                    self.error = Some(tr.t("pay-reference-missing"));
                    return Action::Focus(REFERENCE_ID);
                }
                self.payments.push(card_payment(amount, Some(reference)));
                self.tendered.clear();
                self.reference.clear();
            }
        }
        if self.left().is_zero() && !self.payments.is_empty() {
            return self.commit(cart, ledger, cashier, tr);
        }
        if !self.payments.is_empty() {
            self.error = self
                .error
                .take()
                .or_else(|| Some(tr.args("pay-left", &[("amount", tr.money(self.left()).into())])));
        }
        Action::Focus(TENDERED_ID)
    }

    fn commit(
        &mut self,
        cart: &mut Cart,
        ledger: &Mutex<Ledger>,
        cashier: Option<StaffId>,
        tr: &I18n,
    ) -> Action {
        let change: Money = self.payments.iter().map(|p| p.change).sum();
        let (lines, discount) = (cart.lines().to_vec(), cart.ticket_discount());
        let recorded = match ledger.lock() {
            Ok(mut l) => l
                .record_sale(cashier, lines, discount, self.payments.clone())
                .map_err(|e| match e {
                    pos_terminal::LedgerError::NoOpenShift => tr.t("sell-no-shift"),
                    e => e.to_string(),
                }),
            Err(_) => Err(tr.t("registry-unavailable")),
        };
        match recorded {
            Ok(doc) => {
                cart.clear();
                let ticket = match &doc.body {
                    sync_protocol::DocumentBody::Sale(s) => s.ticket_number.clone(),
                    _ => String::new(),
                };
                Action::Paid {
                    change,
                    ticket,
                    seq: doc.seq,
                }
            }
            // The cart and tenders are kept so the sale can be retried; nothing was recorded.
            Err(e) => {
                self.error = Some(tr.args("pay-record-failed", &[("error", e.into())]));
                Action::None
            }
        }
    }

    pub fn view<'a>(&'a self, tr: &I18n) -> Element<'a, Message> {
        let left = self.left();
        let change = format::parse_money(&self.tendered)
            .filter(|t| *t >= left)
            .map(|t| t - left);
        let mut quick = row![].spacing(10);
        for m in quick_amounts(left) {
            quick = quick.push(
                button(text(tr.money(m)).size(22))
                    .padding(14)
                    .on_press(Message::Quick(m)),
            );
        }
        let mut col = column![
            text(tr.t("pay-title")).size(28),
            text(tr.args("sell-total", &[("amount", tr.money(self.total).into())])).size(36),
        ]
        .spacing(14)
        .max_width(760);
        for p in &self.payments {
            let mut s = format!("{}: {}", tender_name(tr, p.tender), tr.money(p.amount));
            if let Some(r) = &p.reference {
                s.push(' ');
                s.push_str(&tr.args("pay-reference-shown", &[("reference", r.clone().into())]));
            }
            col = col.push(text(s).size(20));
        }
        if !self.payments.is_empty() {
            col =
                col.push(text(tr.args("pay-left", &[("amount", tr.money(left).into())])).size(28));
        }
        col = col
            .push(
                text_input(&tr.t("pay-tendered"), &self.tendered)
                    .id(TENDERED_ID)
                    .on_input(Message::Tendered)
                    .on_submit(Message::Cash)
                    .padding(12)
                    .size(28),
            )
            .push(quick);
        col = col.push(match change {
            Some(c) => text(tr.args("pay-change", &[("amount", tr.money(c).into())])).size(56),
            None => text(tr.args("pay-change", &[("amount", "—".into())])).size(56),
        });
        col = col.push(
            text_input(&tr.t("pay-reference"), &self.reference)
                .id(REFERENCE_ID)
                .on_input(Message::Reference)
                .on_submit(Message::Card)
                .padding(10)
                .size(22),
        );
        if let Some(e) = &self.error {
            col = col.push(text(e.clone()).size(20));
        }
        let mut buttons = row![
            button(text(tr.t("back-esc")).size(22))
                .padding(14)
                .on_press(Message::Back),
        ]
        .spacing(20)
        .align_y(Alignment::Center);
        if !self.payments.is_empty() {
            buttons = buttons.push(
                button(text(tr.t("pay-clear")).size(22))
                    .padding(14)
                    .on_press(Message::ClearPayments),
            );
        }
        buttons = buttons
            .push(
                button(text(tr.t("pay-card")).size(22))
                    .padding(14)
                    .on_press(Message::Card),
            )
            .push(
                button(text(tr.t("pay-confirm")).size(22))
                    .padding(14)
                    .style(theme::pay)
                    .on_press(Message::Cash),
            );
        col = col.push(buttons);
        let pad = keypad::view(keypad::Kind::Amount, Message::Keypad, tr);
        container(row![col, pad].spacing(30))
            .center_x(Length::Fill)
            .padding(30)
            .into()
    }
}

/// A tender as the till names it, on the payment screen and in the manager's reports.
pub fn tender_name(tr: &I18n, t: Tender) -> String {
    tr.t(match t {
        Tender::Cash => "tender-cash",
        Tender::Card => "tender-card",
        Tender::Other => "tender-other",
    })
}
