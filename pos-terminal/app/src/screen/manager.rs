//! The manager menu behind a manager's PIN: shift, cash in/out, no-sale, X report, Z close,
//! stock by scanning, the staff time clock and a card payment left pending by a terminal that no
//! longer answers. Each page returns to the menu with a notice.

use crate::key;
use iced::widget::{button, column, container, operation, row, text, text_input};
use iced::{Alignment, Element, Length, Task};
use pos_terminal::ledger::{CardAttempt, CardAttemptState};
use pos_terminal::{Ledger, LedgerHandle, ShiftReport, Staff};
use sync_protocol::{CashMovementDirection, ClockDirection, StaffRole, StockMovementKind};

use super::close::{self, Outcome};
use super::count;
use super::pay::tender_name;
use super::sell::tax_line;
use super::stock;
use crate::format;
use crate::i18n::I18n;
use crate::ledger_task::{self, ScreenReply};

pub const PIN_ID: &str = "manager-pin";
pub const AMOUNT_ID: &str = "cash-amount";
pub const REASON_ID: &str = "cash-reason";
pub const NO_SALE_NOTE_ID: &str = "nosale-note";
pub const CLOCK_PIN_ID: &str = "clock-pin";
pub const CARD_REASON_ID: &str = "card-attempt-reason";
pub const CARD_ABANDON_ID: &str = "card-attempt-abandon";
/// The address an X report or the Z just closed is e-mailed to, and its send button.
pub const REPORT_MAIL_ID: &str = "report-mail-to";
pub const REPORT_MAIL_SEND_ID: &str = "report-mail-send";

#[derive(Debug, Clone)]
pub enum Message {
    Pin(String),
    PinSubmit,
    Go(Go),
    Amount(String),
    Reason(String),
    Note(String),
    CashConfirm,
    NoSaleConfirm,
    ClockPin(String),
    ClockSubmit,
    Open(close::OpenMessage),
    Close(close::CloseMessage),
    Stock(stock::Message),
    /// Print the X report on screen.
    PrintX,
    /// Save the X report on screen as a PDF.
    SaveX,
    /// The address to e-mail the report on screen (an X, or the Z just closed) to.
    MailTo(String),
    /// E-mail the report on screen through HQ.
    SendMail,
    /// Close the pending card payment by hand: the terminal charged nothing.
    AbandonCard,
    /// Back to the menu, or out to selling from the menu or the PIN prompt.
    Back,
    /// A ledger answer for this screen (the PIN checked, a page's figures, a movement recorded)
    /// and what to do with it.
    Answer(ScreenReply<State, Action>),
}

/// Where a menu button leads.
#[derive(Debug, Clone, Copy)]
pub enum Go {
    OpenShift,
    Cash(CashMovementDirection),
    NoSale,
    XReport,
    Close,
    Stock(StockMovementKind),
    Clock,
    /// The card payment the terminal left unresolved, if any.
    CardAttempt,
}

pub enum Action {
    None,
    /// Put the keyboard in this field.
    Focus(&'static str),
    Exit,
    /// Print an X report (no close) or a Z close on the receipt printer.
    Print(Box<(ShiftReport, Option<sync_protocol::CashClose>)>),
    /// Save an X report as a PDF (a Z close is saved with its printing).
    SavePdf(Box<ShiftReport>),
    /// Draw an X report or a Z close as a PDF and queue it in the ledger for HQ to e-mail.
    MailReport(Box<crate::printing::ReportMailOrder>),
    /// The shift a manager opened right after logging in: on to selling, with this notice.
    Opened(String),
    /// Work for the ledger's thread; its answer comes back as a message to this screen.
    Run(Task<Message>),
}

impl Action {
    /// The action's task, its messages made the parent's by `f`.
    pub fn task<M: Send + 'static>(self, f: fn(Message) -> M) -> Task<M> {
        match self {
            Action::Focus(id) => operation::focus(id),
            Action::Run(t) => t.map(f),
            Action::None
            | Action::Exit
            | Action::Print(_)
            | Action::SavePdf(_)
            | Action::MailReport(_)
            | Action::Opened(_) => Task::none(),
        }
    }
}

enum Page {
    Gate {
        pin: String,
    },
    Menu,
    Open(close::OpenState),
    Cash(CashMovementDirection),
    NoSale,
    XReport(Box<ShiftReport>),
    Close(Box<close::CloseState>),
    Stock(Box<stock::State>),
    Clock {
        pin: String,
    },
    /// The unresolved card attempt (none: nothing pending).
    CardAttempt(Option<Box<CardAttempt>>),
}

pub struct State {
    page: Page,
    /// The manager who opened the menu with their PIN.
    manager: Option<Staff>,
    amount: String,
    reason: String,
    notice: Option<String>,
    /// Where the last X or Z report was saved as PDF (or why it could not be).
    report_note: Option<String>,
    /// The Z just closed, offered for e-mail on the menu until the manager moves on.
    last_z: Option<Box<(ShiftReport, sync_protocol::CashClose)>>,
    /// The address to e-mail a report to, kept while the menu is open. It starts with the
    /// store's e-mail from HQ (empty when HQ has none).
    mail_to: String,
    /// What became of the last report e-mail (queued, or why not).
    mail_note: Option<String>,
    /// A report is being drawn and queued for e-mail: a second press waits for it.
    mailing: bool,
    /// Came straight from the PIN login to open the shift: once it is open, selling follows.
    from_login: bool,
    /// Whether a shift is open, read with the PIN check and kept by the pages that open or
    /// close it: "Abrir caja" only without one.
    shift_open: bool,
    /// A step is on the ledger's thread: the screen says so and waits for it.
    busy: bool,
}

impl Default for State {
    fn default() -> Self {
        Self {
            page: Page::Gate { pin: String::new() },
            manager: None,
            amount: String::new(),
            reason: String::new(),
            notice: None,
            report_note: None,
            last_z: None,
            mail_to: String::new(),
            mail_note: None,
            mailing: false,
            from_login: false,
            shift_open: false,
            busy: false,
        }
    }
}

impl State {
    /// Says what became of a report's PDF (saved where, or why not), under the notice until the
    /// manager moves on.
    pub fn set_report_note(&mut self, line: String) {
        self.report_note = Some(line);
    }

    /// Says what became of a report e-mail (queued for whom, or why not).
    pub fn set_mail_note(&mut self, line: String) {
        self.mailing = false;
        self.mail_note = Some(line);
    }

    /// The shift opening, for a manager who just logged in at the till with their PIN and found
    /// no shift open: the float count comes first, then the menu as usual.
    /// `opening` was read from the ledger (see [`close::OpenState::new`]).
    pub fn opening(manager: Staff, opening: close::OpenState, tr: &I18n) -> Self {
        Self {
            page: Page::Open(opening),
            manager: Some(manager),
            notice: Some(tr.t(key!("manager-open-shift-first"))),
            from_login: true,
            ..Self::default()
        }
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).take(12).collect()
}

/// Runs `f` on the ledger's thread; `k` takes its answer on this screen's state.
fn then<T: Send + 'static>(
    ledger: &LedgerHandle,
    f: impl FnOnce(&mut Ledger) -> Result<T, String> + Send + 'static,
    k: impl FnOnce(&mut State, Result<T, String>, &I18n) -> Action + Send + 'static,
) -> Action {
    Action::Run(ledger_task::then(
        ledger,
        f,
        |s: &mut State, r, tr| {
            s.busy = false;
            k(s, r, tr)
        },
        Message::Answer,
    ))
}

impl State {
    fn menu(&mut self, notice: Option<String>) -> Action {
        self.page = Page::Menu;
        self.notice = notice;
        self.report_note = None;
        self.last_z = None;
        self.mail_note = None;
        self.amount.clear();
        self.reason.clear();
        Action::None
    }

    fn outcome(&mut self, o: Outcome) -> Action {
        match o {
            Outcome::None => Action::None,
            Outcome::Run(t) => Action::Run(t),
            Outcome::Back => self.menu(None),
            Outcome::Done(n) => {
                // Opening the shift is the only page whose "done" changes it.
                if matches!(self.page, Page::Open(_)) {
                    self.shift_open = true;
                }
                self.menu(Some(n))
            }
            Outcome::Closed {
                notice,
                report,
                close,
            } => {
                self.shift_open = false;
                let _ = self.menu(Some(notice));
                self.last_z = Some(Box::new(((*report).clone(), (*close).clone())));
                Action::Print(Box::new((*report, Some(*close))))
            }
        }
    }

    /// `cashier` is who is logged in at the till (the no-sale is theirs, approved by the manager).
    pub fn update(
        &mut self,
        message: Message,
        ledger: &LedgerHandle,
        cashier: Option<&Staff>,
        tr: &I18n,
    ) -> Action {
        if let Message::Answer(reply) = &message {
            return ledger_task::apply(reply.clone(), self, tr).unwrap_or(Action::None);
        }
        if self.busy {
            // The ledger is answering the last step; it decides what comes next.
            return Action::None;
        }
        let manager = self.manager.clone();
        match (message, &mut self.page) {
            (Message::Answer(_), _) => {}
            (Message::Pin(p), Page::Gate { pin }) => *pin = digits(&p),
            (Message::PinSubmit, Page::Gate { pin }) => {
                let pin = std::mem::take(pin);
                self.busy = true;
                self.notice = Some(tr.t(key!("pin-checking")));
                return then(
                    ledger,
                    move |l| {
                        let found = l.find_staff_by_pin(&pin).map_err(|e| e.to_string())?;
                        // The store's address from HQ, offered for e-mailing reports.
                        let store_email =
                            l.store_info().ok().flatten().and_then(|s| s.report_email);
                        Ok((found, super::sell::shift_is_open(l), store_email))
                    },
                    |s, found, tr| {
                        match found {
                            Ok((Some(m), open, store_email)) if m.role == StaffRole::Manager => {
                                s.manager = Some(m);
                                s.shift_open = open;
                                if s.mail_to.is_empty() {
                                    s.mail_to = store_email.unwrap_or_default();
                                }
                                return s.menu(None);
                            }
                            Ok((Some(m), _, _)) => {
                                s.notice = Some(
                                    tr.args("manager-not-a-manager", &[("name", m.name.into())]),
                                );
                            }
                            Ok((None, _, _)) => s.notice = Some(tr.t(key!("wrong-pin"))),
                            Err(e) => s.notice = Some(e),
                        }
                        Action::Focus(PIN_ID)
                    },
                );
            }
            (Message::Back, Page::Gate { .. } | Page::Menu) => return Action::Exit,
            (Message::PrintX, Page::XReport(r)) => {
                self.notice = Some(tr.t(key!("manager-x-printing")));
                return Action::Print(Box::new(((**r).clone(), None)));
            }
            (Message::SaveX, Page::XReport(r)) => {
                return Action::SavePdf(r.clone());
            }
            (Message::MailTo(a), Page::XReport(_) | Page::Menu) => self.mail_to = a,
            (Message::SendMail, Page::XReport(r)) => {
                let report = (**r).clone();
                return self.mail(report, None, tr);
            }
            (Message::SendMail, Page::Menu) => {
                if let Some(z) = self.last_z.clone() {
                    let (report, close) = *z;
                    return self.mail(report, Some(close), tr);
                }
            }
            (Message::Back, _) => return self.menu(None),
            (Message::Go(go), Page::Menu) => {
                if manager.is_none() {
                    return Action::Exit;
                }
                self.notice = None;
                self.report_note = None;
                self.last_z = None;
                self.mail_note = None;
                let (page, focus) = match go {
                    Go::Cash(d) => (Page::Cash(d), Some(AMOUNT_ID)),
                    Go::NoSale => (Page::NoSale, Some(NO_SALE_NOTE_ID)),
                    Go::Stock(kind) if kind != StockMovementKind::Receipt => (
                        Page::Stock(Box::new(stock::State::new(kind))),
                        Some(stock::SCAN_ID),
                    ),
                    Go::Clock => (Page::Clock { pin: String::new() }, Some(CLOCK_PIN_ID)),
                    // The pages that start from the ledger's figures.
                    go => {
                        self.busy = true;
                        return then(
                            ledger,
                            move |l| Ok(Self::page_for(go, l)),
                            |s, page, tr| match page {
                                Ok(Ok((page, focus))) => {
                                    s.page = page;
                                    focus.map(Action::Focus).unwrap_or(Action::None)
                                }
                                Ok(Err(e)) | Err(e) => {
                                    s.notice = Some(if e.is_empty() {
                                        tr.t(key!("manager-no-open-shift"))
                                    } else {
                                        e
                                    });
                                    Action::None
                                }
                            },
                        );
                    }
                };
                self.page = page;
                return focus.map(Action::Focus).unwrap_or(Action::None);
            }
            (Message::Amount(s), Page::Cash(_)) => self.amount = s,
            (Message::Reason(s), Page::Cash(_)) => self.reason = s,
            (Message::Note(s), Page::NoSale | Page::CardAttempt(_)) => self.reason = s,
            (Message::AbandonCard, Page::CardAttempt(Some(a)))
                if a.state == CardAttemptState::Open =>
            {
                let Some(manager) = manager else {
                    return Action::Exit;
                };
                let reason = self.reason.trim().to_string();
                if reason.is_empty() {
                    self.notice = Some(tr.t(key!("manager-card-reason-needed")));
                    return Action::Focus(CARD_REASON_ID);
                }
                let request_id = a.request_id.clone();
                let amount = a.amount;
                self.busy = true;
                return then(
                    ledger,
                    move |l| {
                        l.abandon_card_attempt(&request_id, &manager, &reason)
                            .map_err(|e| e.to_string())
                    },
                    move |s, done, tr| match done {
                        Ok(()) => s.menu(Some(tr.args(
                            "manager-card-abandoned",
                            &[("amount", tr.money(amount).into())],
                        ))),
                        Err(e) => {
                            s.notice = Some(tr.args("error", &[("error", e.into())]));
                            Action::None
                        }
                    },
                );
            }
            (Message::CashConfirm, Page::Cash(direction)) => {
                let direction = *direction;
                let Some(manager) = manager else {
                    return Action::Exit;
                };
                let Some(amount) = format::parse_money(&self.amount) else {
                    self.notice = Some(tr.t(key!("invalid-amount")));
                    return Action::Focus(AMOUNT_ID);
                };
                let reason = self.reason.clone();
                self.busy = true;
                return then(
                    ledger,
                    move |l| {
                        l.cash_movement(&manager, direction, amount, &reason)
                            .map_err(|e| e.to_string())
                    },
                    move |s, result, tr| match result {
                        Ok(_) => {
                            let key = match direction {
                                CashMovementDirection::In => "manager-cash-in-done",
                                CashMovementDirection::Out => "manager-cash-out-done",
                            };
                            s.menu(Some(tr.args(key, &[("amount", tr.money(amount).into())])))
                        }
                        Err(e) => {
                            s.notice = Some(e);
                            Action::None
                        }
                    },
                );
            }
            (Message::NoSaleConfirm, Page::NoSale) => {
                let Some(manager) = manager else {
                    return Action::Exit;
                };
                let (cashier, reason) = (cashier.map(|c| c.id), self.reason.clone());
                self.busy = true;
                return then(
                    ledger,
                    move |l| {
                        l.no_sale(cashier, &manager, &reason)
                            .map_err(|e| e.to_string())
                    },
                    |s, result, tr| match result {
                        Ok(_) => s.menu(Some(tr.t(key!("manager-no-sale-done")))),
                        Err(e) => {
                            s.notice = Some(e);
                            Action::None
                        }
                    },
                );
            }
            (Message::ClockPin(p), Page::Clock { pin }) => *pin = digits(&p),
            (Message::ClockSubmit, Page::Clock { pin }) => {
                let pin = std::mem::take(pin);
                self.busy = true;
                return then(
                    ledger,
                    move |l| match l.find_staff_by_pin(&pin).map_err(|e| e.to_string())? {
                        None => Ok(None),
                        Some(s) => l
                            .clock(&s)
                            .map(|(_, d)| Some((s.name, d)))
                            .map_err(|e| e.to_string()),
                    },
                    |s, result, tr| match result {
                        Ok(Some((name, ClockDirection::In))) => s.menu(Some(
                            tr.args("manager-clocked-in", &[("name", name.into())]),
                        )),
                        Ok(Some((name, ClockDirection::Out))) => s.menu(Some(
                            tr.args("manager-clocked-out", &[("name", name.into())]),
                        )),
                        Ok(None) => {
                            s.notice = Some(tr.t(key!("wrong-pin")));
                            Action::Focus(CLOCK_PIN_ID)
                        }
                        Err(e) => {
                            s.notice = Some(e);
                            Action::Focus(CLOCK_PIN_ID)
                        }
                    },
                );
            }
            (Message::Open(m), Page::Open(s)) => {
                let Some(manager) = manager else {
                    return Action::Exit;
                };
                let o = s.update(m, ledger, &manager, tr);
                if let (true, Outcome::Done(notice)) = (self.from_login, &o) {
                    self.from_login = false;
                    return Action::Opened(notice.clone());
                }
                return self.outcome(o);
            }
            (Message::Close(m), Page::Close(s)) => {
                let Some(manager) = manager else {
                    return Action::Exit;
                };
                let o = s.update(m, ledger, &manager, tr);
                return self.outcome(o);
            }
            (Message::Stock(m), Page::Stock(s)) => {
                let Some(manager) = manager else {
                    return Action::Exit;
                };
                let keep_focus = matches!(
                    m,
                    stock::Message::Submit
                        | stock::Message::PickNote(_)
                        | stock::Message::FreeReceiving
                );
                let o = s.update(m, ledger, &manager, tr);
                return match self.outcome(o) {
                    Action::None if keep_focus => Action::Focus(stock::SCAN_ID),
                    Action::Run(t) if keep_focus => {
                        Action::Run(Task::batch([t, operation::focus(stock::SCAN_ID)]))
                    }
                    a => a,
                };
            }
            // A late message for a page no longer shown.
            _ => {}
        }
        Action::None
    }

    /// E-mail `report` (with `close` for a Z) to the address typed: checked here, then drawn and
    /// queued off the UI thread by the app, which says what became of it.
    fn mail(
        &mut self,
        report: ShiftReport,
        close: Option<sync_protocol::CashClose>,
        tr: &I18n,
    ) -> Action {
        if self.mailing {
            return Action::None;
        }
        let to = self.mail_to.trim().to_lowercase();
        if to.is_empty() {
            self.mail_note = Some(tr.t(key!("manager-mail-missing")));
            return Action::Focus(REPORT_MAIL_ID);
        }
        if !sync_protocol::customers::is_email(&to) {
            self.mail_note = Some(tr.args("customer-email-invalid", &[("email", to.into())]));
            return Action::Focus(REPORT_MAIL_ID);
        }
        // `{store}` is the store's name, which the app reads from the ledger.
        let subject = match &close {
            Some(c) => tr.args(
                "manager-mail-subject-z",
                &[
                    ("z", c.z_number.into()),
                    ("store", "{store}".into()),
                    (
                        "when",
                        c.business_date.format("%d/%m/%Y").to_string().into(),
                    ),
                ],
            ),
            None => tr.args(
                "manager-mail-subject-x",
                &[
                    ("store", "{store}".into()),
                    (
                        "when",
                        chrono::Utc::now()
                            .with_timezone(&chrono_tz::Europe::Madrid)
                            .format("%d/%m/%Y %H:%M")
                            .to_string()
                            .into(),
                    ),
                ],
            ),
        };
        self.mailing = true;
        self.mail_note = Some(tr.t(key!("manager-mail-sending")));
        Action::MailReport(Box::new(crate::printing::ReportMailOrder {
            report,
            close,
            to,
            subject,
        }))
    }

    /// The address field and send button under an X report or the Z just closed.
    fn mail_view<'a>(&'a self, title: &str, tr: &I18n) -> Element<'a, Message> {
        column![
            text(tr.t(title)).size(20),
            row![
                text_input(&tr.t(key!("manager-mail-to")), &self.mail_to)
                    .id(REPORT_MAIL_ID)
                    .on_input(Message::MailTo)
                    .on_submit(Message::SendMail)
                    .padding(10)
                    .width(Length::Fixed(380.0)),
                container(
                    button(text(tr.t(key!("manager-mail-send")))).on_press(Message::SendMail)
                )
                .id(REPORT_MAIL_SEND_ID),
            ]
            .spacing(12)
            .align_y(Alignment::Center),
        ]
        .spacing(8)
        .into()
    }

    /// The page `go` leads to, read from the ledger (on its thread), with the field to focus;
    /// `Err("")` when there is no shift to close.
    fn page_for(go: Go, l: &Ledger) -> Result<(Page, Option<&'static str>), String> {
        Ok(match go {
            Go::OpenShift => (Page::Open(close::OpenState::new(l)), None),
            Go::XReport => (
                Page::XReport(Box::new(l.x_report().map_err(|e| e.to_string())?)),
                None,
            ),
            Go::Close => match (l.open_shift(), l.x_report(), l.cash_tolerance()) {
                (Ok(None), _, _) => return Err(String::new()),
                (Ok(Some(_)), Ok(r), Ok(t)) => {
                    let single = l.single_manager().unwrap_or(false);
                    (
                        Page::Close(Box::new(close::CloseState::new(r, t, single))),
                        None,
                    )
                }
                (Err(e), _, _) | (_, Err(e), _) => return Err(e.to_string()),
                (_, _, Err(e)) => return Err(e.to_string()),
            },
            Go::Stock(StockMovementKind::Receipt) => {
                // Pending delivery notes from HQ are offered first; none: free receiving.
                let notes = l.pending_delivery_notes().unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "pending delivery notes unreadable");
                    Vec::new()
                });
                let s = stock::State::receipt(notes);
                let focus = (!s.picking()).then_some(stock::SCAN_ID);
                (Page::Stock(Box::new(s)), focus)
            }
            Go::Stock(kind) => (
                Page::Stock(Box::new(stock::State::new(kind))),
                Some(stock::SCAN_ID),
            ),
            Go::Cash(d) => (Page::Cash(d), Some(AMOUNT_ID)),
            Go::NoSale => (Page::NoSale, Some(NO_SALE_NOTE_ID)),
            Go::Clock => (Page::Clock { pin: String::new() }, Some(CLOCK_PIN_ID)),
            Go::CardAttempt => {
                let a = l.unresolved_card_attempt().map_err(|e| e.to_string())?;
                let focus = a
                    .as_ref()
                    .is_some_and(|a| a.state == CardAttemptState::Open)
                    .then_some(CARD_REASON_ID);
                (Page::CardAttempt(a.map(Box::new)), focus)
            }
        })
    }

    pub fn view<'a>(&'a self, tr: &I18n) -> Element<'a, Message> {
        let body: Element<'a, Message> = match &self.page {
            Page::Gate { pin } => column![
                text(tr.t(key!("manager-gate-title"))).size(28),
                text_input(&tr.t("pin"), pin)
                    .id(PIN_ID)
                    .secure(true)
                    .on_input(Message::Pin)
                    .on_submit(Message::PinSubmit)
                    .padding(12)
                    .size(24),
                row![
                    button(text(tr.t("back"))).on_press(Message::Back),
                    button(text(tr.t(key!("manager-continue")))).on_press(Message::PinSubmit),
                ]
                .spacing(20),
            ]
            .spacing(14)
            .max_width(480)
            .into(),
            Page::Menu => match &self.last_z {
                Some(_) => column![
                    self.menu_view(tr),
                    self.mail_view(key!("manager-mail-title-z"), tr)
                ]
                .spacing(20)
                .into(),
                None => self.menu_view(tr),
            },
            Page::Open(s) => s.view(tr).map(Message::Open),
            Page::Close(s) => match &self.manager {
                Some(m) => s.view(m, tr).map(Message::Close),
                None => text("").into(),
            },
            Page::Stock(s) => s.view(tr).map(Message::Stock),
            Page::Cash(d) => {
                let title = match d {
                    CashMovementDirection::In => tr.t(key!("manager-cash-in")),
                    CashMovementDirection::Out => tr.t(key!("manager-cash-out")),
                };
                column![
                    text(title).size(28),
                    text_input(&tr.t("amount"), &self.amount)
                        .id(AMOUNT_ID)
                        .on_input(Message::Amount)
                        .padding(10)
                        .size(22),
                    text_input(&tr.t(key!("manager-cash-reason")), &self.reason)
                        .id(REASON_ID)
                        .on_input(Message::Reason)
                        .on_submit(Message::CashConfirm)
                        .padding(10),
                    row![
                        button(text(tr.t("back"))).on_press(Message::Back),
                        button(text(tr.t(key!("manager-cash-confirm"))))
                            .on_press(Message::CashConfirm),
                    ]
                    .spacing(20),
                ]
                .spacing(14)
                .max_width(640)
                .into()
            }
            Page::NoSale => column![
                text(tr.t(key!("manager-no-sale-title"))).size(28),
                text_input(&tr.t(key!("reason-optional")), &self.reason)
                    .id(NO_SALE_NOTE_ID)
                    .on_input(Message::Note)
                    .padding(10),
                row![
                    button(text(tr.t("back"))).on_press(Message::Back),
                    button(text(tr.t(key!("settings-open-drawer"))))
                        .on_press(Message::NoSaleConfirm),
                ]
                .spacing(20),
            ]
            .spacing(14)
            .max_width(640)
            .into(),
            Page::XReport(r) => column![
                report_view(r, tr),
                row![
                    button(text(tr.t("back"))).on_press(Message::Back),
                    button(text(tr.t(key!("manager-x-print")))).on_press(Message::PrintX),
                    button(text(tr.t(key!("manager-save-pdf")))).on_press(Message::SaveX),
                ]
                .spacing(20),
                self.mail_view(key!("manager-mail-title-x"), tr),
            ]
            .spacing(14)
            .into(),
            Page::CardAttempt(a) => card_attempt_view(a.as_deref(), &self.reason, tr),
            Page::Clock { pin } => column![
                text(tr.t(key!("manager-clock-title"))).size(28),
                text_input(&tr.t(key!("manager-clock-pin")), pin)
                    .id(CLOCK_PIN_ID)
                    .secure(true)
                    .on_input(Message::ClockPin)
                    .on_submit(Message::ClockSubmit)
                    .padding(12)
                    .size(24),
                row![
                    button(text(tr.t("back"))).on_press(Message::Back),
                    button(text(tr.t(key!("manager-clock")))).on_press(Message::ClockSubmit),
                ]
                .spacing(20),
            ]
            .spacing(14)
            .max_width(480)
            .into(),
        };
        let mut col = column![body].spacing(12);
        if let Some(n) = &self.notice {
            col = col.push(text(n.clone()).size(20));
        }
        if let Some(n) = &self.report_note {
            col = col.push(text(n.clone()).size(16));
        }
        if let Some(n) = &self.mail_note {
            col = col.push(text(n.clone()).size(16));
        }
        container(col).padding(20).height(Length::Fill).into()
    }

    fn menu_view<'a>(&'a self, tr: &I18n) -> Element<'a, Message> {
        let name = self.manager.as_ref().map(|m| m.name.as_str()).unwrap_or("");
        let item = |key: &str, go: Go| {
            let label = tr.t(key);
            button(text(label).size(20))
                .padding(12)
                .width(Length::Fixed(300.0))
                .on_press(Message::Go(go))
        };
        // "Abrir caja" only when there is no shift to open it over; the rest need one open.
        let mut till = column![text(tr.t(key!("manager-till"))).size(20)].spacing(8);
        if !self.shift_open {
            till = till.push(item("manager-open-shift", Go::OpenShift));
        }
        let till = till
            .push(item("manager-cash-in", Go::Cash(CashMovementDirection::In)))
            .push(item(
                "manager-cash-out",
                Go::Cash(CashMovementDirection::Out),
            ))
            .push(item("manager-no-sale", Go::NoSale))
            .push(item("manager-x-report", Go::XReport))
            .push(item("manager-z-close", Go::Close));
        column![
            row![
                text(tr.args("manager-menu-title", &[("name", name.into())]))
                    .size(28)
                    .width(Length::Fill),
                button(text(tr.t(key!("manager-back-to-selling")))).on_press(Message::Back),
            ]
            .align_y(Alignment::Center),
            row![
                till,
                column![
                    text(tr.t(key!("manager-stock-and-staff"))).size(20),
                    item("stock-receipt", Go::Stock(StockMovementKind::Receipt)),
                    item("stock-count", Go::Stock(StockMovementKind::Count)),
                    item("stock-waste", Go::Stock(StockMovementKind::Waste)),
                    item("manager-clock-menu", Go::Clock),
                    item("manager-card-menu", Go::CardAttempt),
                ]
                .spacing(8),
            ]
            .spacing(40),
        ]
        .spacing(16)
        .into()
    }
}

/// The card payment a terminal left pending: what it was, and closing it by hand once the
/// manager has checked nothing was charged.
fn card_attempt_view<'a>(
    a: Option<&CardAttempt>,
    reason: &'a str,
    tr: &I18n,
) -> Element<'a, Message> {
    let back = button(text(tr.t("back")))
        .padding(12)
        .on_press(Message::Back);
    let mut col = column![text(tr.t(key!("manager-card-title"))).size(28)]
        .spacing(14)
        .max_width(760);
    match a {
        None => {
            col = col
                .push(text(tr.t(key!("manager-card-none"))).size(20))
                .push(back);
        }
        Some(a) => {
            col = col.push(
                text(tr.args(
                    "manager-card-pending",
                    &[
                        ("amount", tr.money(a.amount).into()),
                        ("request", a.request_id.clone().into()),
                    ],
                ))
                .size(20),
            );
            if a.state == CardAttemptState::Approved {
                col = col
                    .push(text(tr.t(key!("manager-card-approved"))))
                    .push(back);
            } else {
                col = col
                    .push(text(tr.t(key!("manager-card-check"))))
                    .push(
                        text_input(&tr.t(key!("manager-card-reason")), reason)
                            .id(CARD_REASON_ID)
                            .on_input(Message::Note)
                            .on_submit(Message::AbandonCard)
                            .padding(10)
                            .size(20),
                    )
                    .push(
                        row![
                            back,
                            container(
                                button(text(tr.t(key!("manager-card-abandon"))))
                                    .padding(12)
                                    .on_press(Message::AbandonCard),
                            )
                            .id(CARD_ABANDON_ID),
                        ]
                        .spacing(20),
                    );
            }
        }
    }
    col.into()
}

/// The X report as the manager reads it.
fn report_view<'a>(r: &'a ShiftReport, tr: &I18n) -> Element<'a, Message> {
    let mut col = column![text(tr.t(key!("manager-x-report"))).size(28)].spacing(6);
    col = col.push(text(match &r.shift {
        Some(s) => tr.args(
            "report-shift-open",
            &[("seq", s.seq.into()), ("float", tr.money(s.float).into())],
        ),
        None => tr.t(key!("report-no-shift")),
    }));
    col = col
        .push(text(tr.args(
            "report-sales",
            &[
                ("tickets", r.ticket_count.into()),
                ("gross", tr.money(r.gross).into()),
            ],
        )))
        .push(text(tr.args(
            "report-refunds",
            &[
                ("count", r.refund_count.into()),
                ("amount", tr.money(r.refunds).into()),
            ],
        )));
    for t in &r.tenders {
        col = col.push(text(tr.args(
            "report-tender",
            &[
                ("tender", tender_name(tr, t.tender).into()),
                ("sales", tr.money(t.sales).into()),
                ("refunds", tr.money(t.refunds).into()),
            ],
        )));
    }
    for t in &r.taxes {
        col = col.push(text(tax_line(tr, t.rate, t.base, t.tax)));
    }
    col.push(text(tr.args(
        "report-cash-movements",
        &[
            ("cash_in", tr.money(r.cash_in).into()),
            ("cash_out", tr.money(r.cash_out).into()),
            ("no_sales", r.no_sales.into()),
        ],
    )))
    .push(
        text(tr.args(
            "report-expected-cash",
            &[("amount", tr.money(r.expected_cash()).into())],
        ))
        .size(26),
    )
    .into()
}

// The grid ids are part of this screen's contract for tests.
pub use count::input_id as denomination_id;
