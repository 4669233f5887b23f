//! Payment: cash with quick amounts and the change shown large, card on the configured card
//! terminal ("Cobrar con datáfono": the terminal is asked and the sale committed with its
//! reference, see `pos_terminal::card_terminal`) or with the reference typed by hand, and splits
//! between tenders. The sale is committed here, before printing.

use crate::key;
use std::sync::Arc;

use iced::widget::{button, column, container, row, text, text_input};
use iced::{Alignment, Element, Length, Task};
use pos_terminal::card_terminal::{self, CardSale, Charge, PaymentTerminal, Recovery};
use pos_terminal::{CallError, Cart, LedgerHandle, card_payment, cash_payment};
use sync_protocol::{Document, DocumentBody, Money, Payment, StaffId, Tender};

use crate::i18n::I18n;
use crate::{format, keypad, ledger_task, theme};

pub const TENDERED_ID: &str = "tendered";
pub const REFERENCE_ID: &str = "card-reference";
/// The "Cobrar con datáfono" button and the waiting screen's Cancel (tests measure them).
pub const TERMINAL_ID: &str = "pay-terminal";
pub const CANCEL_TERMINAL_ID: &str = "pay-terminal-cancel";
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
    /// Charge what is left on the card terminal.
    ChargeTerminal,
    /// Ask the card terminal to cancel the payment it is waiting for.
    CancelTerminal,
    /// How the card terminal's charge ended.
    Charged(Box<Charge>),
    /// The terminal's answer to the cancel (its refusal is shown; the payment's own answer says
    /// what became of it).
    CancelSent(Result<(), String>),
    Back,
    /// The ledger's answer to recording the sale: its seq and ticket number, or why not (`None`:
    /// no shift is open).
    Committed(Result<Result<(u64, String), Option<String>>, CallError>),
}

pub enum Action {
    None,
    Focus(&'static str),
    Back,
    /// Work off the UI thread (the card terminal); its messages come back to this screen.
    Run(Task<Message>),
    /// The sale is committed to the ledger as document `seq`; `cash` if a drawer kick is due.
    Paid {
        change: Money,
        ticket: String,
        seq: u64,
    },
}

pub struct State {
    total: Money,
    payments: Vec<Payment>,
    tendered: String,
    reference: String,
    error: Option<String>,
    /// The card terminal, when one is configured.
    terminal: Option<Arc<dyn PaymentTerminal>>,
    /// A charge is at the terminal: nothing else is sent until it answers.
    waiting: bool,
    /// The sale is being recorded on the ledger's thread: nothing else until it answers.
    committing: bool,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("total", &self.total)
            .field("payments", &self.payments)
            .field("error", &self.error)
            .field("terminal", &self.terminal.is_some())
            .field("waiting", &self.waiting)
            .finish()
    }
}

/// Runs `job` on a blocking thread (the terminal's calls block) and reports its result.
fn blocking<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
    failed: impl FnOnce(String) -> T + Send + 'static,
    to_message: impl Fn(T) -> Message + Send + 'static,
) -> Task<Message> {
    Task::perform(
        async move {
            tokio::task::spawn_blocking(job)
                .await
                .unwrap_or_else(|e| failed(e.to_string()))
        },
        to_message,
    )
}

/// At the till's start: resolves a card payment left unresolved by a crash (see
/// [`card_terminal::recover`]), off the UI thread.
pub fn recover_task(ledger: LedgerHandle, terminal: Arc<dyn PaymentTerminal>) -> Task<Recovery> {
    Task::perform(
        async move {
            tokio::task::spawn_blocking(move || card_terminal::recover(&ledger, &*terminal))
                .await
                .unwrap_or_else(|e| Recovery::StillOpen {
                    request_id: String::new(),
                    reason: e.to_string(),
                })
        },
        |r| r,
    )
}

/// The ticket number of a committed sale.
pub fn ticket_of(doc: &Document) -> String {
    match &doc.body {
        DocumentBody::Sale(s) => s.ticket_number.clone(),
        _ => String::new(),
    }
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
            terminal: None,
            waiting: false,
            committing: false,
        }
    }

    /// With the configured card terminal: the screen offers "Cobrar con datáfono".
    pub fn with_terminal(mut self, terminal: Option<Arc<dyn PaymentTerminal>>) -> Self {
        self.terminal = terminal;
        self
    }

    /// Whether a charge is waiting at the card terminal.
    pub fn waiting(&self) -> bool {
        self.waiting
    }

    /// Whether the sale is being recorded.
    pub fn committing(&self) -> bool {
        self.committing
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
                .ok_or_else(|| tr.t(key!("invalid-amount")))
        }
    }

    pub fn update(
        &mut self,
        message: Message,
        cart: &mut Cart,
        ledger: &LedgerHandle,
        cashier: Option<StaffId>,
        tr: &I18n,
    ) -> Action {
        let message = match message {
            Message::Committed(r) => return self.committed(r, cart, tr),
            m => m,
        };
        if self.committing {
            // The sale is being written: nothing can change it now.
            return Action::None;
        }
        if self.waiting
            && !matches!(
                message,
                Message::Charged(_) | Message::CancelTerminal | Message::CancelSent(_)
            )
        {
            // Nothing else while the terminal holds the customer's card: never a second charge,
            // never a tender noted beside one in flight.
            self.error = Some(tr.t(key!("pay-terminal-busy")));
            return Action::None;
        }
        match message {
            Message::ChargeTerminal => return self.charge_terminal(cart, ledger, cashier, tr),
            Message::CancelTerminal => {
                let Some(terminal) = self.terminal.clone().filter(|_| self.waiting) else {
                    return Action::None;
                };
                self.error = Some(tr.t(key!("pay-terminal-cancelling")));
                return Action::Run(blocking(
                    move || terminal.abort().map_err(|e| e.to_string()),
                    Err,
                    Message::CancelSent,
                ));
            }
            Message::CancelSent(Ok(())) | Message::Committed(_) => return Action::None,
            Message::CancelSent(Err(e)) => {
                self.error = Some(e);
                return Action::None;
            }
            Message::Charged(charge) => return self.charged(*charge, cart, tr),
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
                    self.error = Some(tr.t(key!("pay-payments-noted")));
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
                    self.error = Some(tr.t(key!("pay-reference-missing")));
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

    /// Sends what is left to the card terminal. The attempt is written to the ledger before the
    /// request leaves (in `card_terminal::charge`, on a blocking thread).
    fn charge_terminal(
        &mut self,
        cart: &Cart,
        ledger: &LedgerHandle,
        cashier: Option<StaffId>,
        tr: &I18n,
    ) -> Action {
        let Some(terminal) = self.terminal.clone() else {
            return Action::None;
        };
        let amount = self.left();
        if amount <= Money::ZERO {
            return Action::None;
        }
        let sale = CardSale {
            cashier,
            lines: cart.lines().to_vec(),
            ticket_discount: cart.ticket_discount(),
            other_payments: self.payments.clone(),
        };
        self.waiting = true;
        self.tendered.clear();
        self.error = Some(tr.args(
            "pay-terminal-waiting",
            &[("amount", tr.money(amount).into())],
        ));
        let ledger = ledger.clone();
        Action::Run(blocking(
            move || card_terminal::charge(&ledger, &*terminal, &sale, amount),
            Charge::Failed,
            |c| Message::Charged(Box::new(c)),
        ))
    }

    /// The terminal's charge ended: the sale is committed (approved) or the cashier is told why not.
    fn charged(&mut self, charge: Charge, cart: &mut Cart, tr: &I18n) -> Action {
        self.waiting = false;
        let e = |key: &str, name: &str, value: String| tr.args(key, &[(name, value.into())]);
        self.error = Some(match charge {
            Charge::Paid(doc) => {
                cart.clear();
                let change: Money = self.payments.iter().map(|p| p.change).sum();
                return Action::Paid {
                    change,
                    ticket: ticket_of(&doc),
                    seq: doc.seq,
                };
            }
            Charge::Declined(reason) => e("pay-terminal-declined", "reason", reason),
            Charge::Cancelled => tr.t(key!("pay-terminal-cancelled")),
            Charge::TimedOut => tr.t(key!("pay-terminal-timeout")),
            Charge::Unreachable(error) => e("pay-terminal-unreachable", "error", error),
            Charge::Unknown { reason, .. } => e("pay-terminal-unknown", "error", reason),
            Charge::Outstanding { reason, .. } => e("pay-terminal-outstanding", "error", reason),
            Charge::EarlierSaleRecorded(doc) => {
                e("pay-terminal-earlier-sale", "ticket", ticket_of(&doc))
            }
            Charge::NotRecorded { reference, error } => tr.args(
                "pay-terminal-not-recorded",
                &[("reference", reference.into()), ("error", error.into())],
            ),
            Charge::Failed(error) => e("pay-record-failed", "error", error),
        });
        Action::Focus(TENDERED_ID)
    }

    /// Records the sale on the ledger's thread; the answer comes as [`Message::Committed`], and
    /// only then is the sale paid (and its receipt printed).
    fn commit(
        &mut self,
        cart: &mut Cart,
        ledger: &LedgerHandle,
        cashier: Option<StaffId>,
        tr: &I18n,
    ) -> Action {
        let (lines, discount) = (cart.lines().to_vec(), cart.ticket_discount());
        let payments = self.payments.clone();
        self.committing = true;
        self.error = Some(tr.t(key!("pay-committing")));
        Action::Run(ledger_task::ask(
            ledger,
            move |l| match l.record_sale(cashier, lines, discount, payments) {
                Ok(doc) => {
                    let ticket = match &doc.body {
                        sync_protocol::DocumentBody::Sale(s) => s.ticket_number.clone(),
                        _ => String::new(),
                    };
                    Ok((doc.seq, ticket))
                }
                Err(pos_terminal::LedgerError::NoOpenShift) => Err(None),
                Err(e) => Err(Some(e.to_string())),
            },
            Message::Committed,
        ))
    }

    fn committed(
        &mut self,
        recorded: Result<Result<(u64, String), Option<String>>, CallError>,
        cart: &mut Cart,
        tr: &I18n,
    ) -> Action {
        self.committing = false;
        self.error = None;
        let recorded = match recorded {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(None)) => Err(tr.t(key!("sell-no-shift"))),
            Ok(Err(Some(e))) => Err(e),
            Err(e) => Err(ledger_task::call_error(&e, tr)),
        };
        match recorded {
            Ok((seq, ticket)) => {
                cart.clear();
                let change: Money = self.payments.iter().map(|p| p.change).sum();
                Action::Paid {
                    change,
                    ticket,
                    seq,
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
        if self.waiting {
            return self.waiting_view(tr);
        }
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
            text(tr.t(key!("pay-title"))).size(28),
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
                text_input(&tr.t(key!("pay-tendered")), &self.tendered)
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
        if self.terminal.is_some() && !left.is_zero() {
            // Its own row: the buttons' row has no room left at 1024×768.
            col = col.push(
                container(
                    button(
                        text(tr.args(
                            "pay-terminal-amount",
                            &[
                                ("label", tr.t(key!("pay-terminal")).into()),
                                ("amount", tr.money(left).into()),
                            ],
                        ))
                        .size(24),
                    )
                    .padding(16)
                    .style(theme::pay)
                    .on_press(Message::ChargeTerminal),
                )
                .id(TERMINAL_ID),
            );
        }
        col = col.push(
            text_input(&tr.t(key!("pay-reference")), &self.reference)
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
            button(text(tr.t(key!("back-esc"))).size(22))
                .padding(14)
                .on_press(Message::Back),
        ]
        .spacing(20)
        .align_y(Alignment::Center);
        if !self.payments.is_empty() {
            buttons = buttons.push(
                button(text(tr.t(key!("pay-clear"))).size(22))
                    .padding(14)
                    .on_press(Message::ClearPayments),
            );
        }
        buttons = buttons
            .push(
                button(text(tr.t(key!("pay-card"))).size(22))
                    .padding(14)
                    .on_press(Message::Card),
            )
            .push(
                button(text(tr.t(key!("pay-confirm"))).size(22))
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

    /// While the terminal has the customer's card: what is being charged and one large Cancel.
    fn waiting_view<'a>(&'a self, tr: &I18n) -> Element<'a, Message> {
        let mut col = column![
            text(tr.t(key!("pay-title"))).size(28),
            text(tr.args("sell-total", &[("amount", tr.money(self.total).into())])).size(36),
        ]
        .spacing(20)
        .max_width(760);
        if let Some(e) = &self.error {
            col = col.push(text(e.clone()).size(28));
        }
        col = col.push(
            container(
                button(text(tr.t(key!("pay-terminal-cancel"))).size(26))
                    .padding(18)
                    .style(button::danger)
                    .on_press(Message::CancelTerminal),
            )
            .id(CANCEL_TERMINAL_ID),
        );
        container(col).center_x(Length::Fill).padding(30).into()
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
