//! The till application: state, top-level messages, and the `application()` used by `main`.
//! Screens live in `screen/*`; this file routes their actions, keys, sync and printing.

use crate::key;
use std::path::PathBuf;
use std::sync::Arc;

use iced::widget::{column, container, operation, text};
use iced::{Element, Length, Subscription, Task, event, keyboard};
use pos_terminal::printer::PrintQueue;
use pos_terminal::{CallError, Cart, Ledger, LedgerHandle, Staff, SyncClient, SyncOptions};

use crate::i18n::I18n;
use crate::ledger_task::{self, Reply};
use crate::printing::{self, Outcome};
use crate::screen::recall::Parked;
use crate::screen::settings as settings_screen;
use crate::screen::{about, enrol, invoice, login, manager, pay, recall, refund, sell};
use crate::serial_scanner;
use crate::settings::Settings;
use crate::status::{PrinterProblem, Status};
use crate::wedge::{self, Wedge};
use crate::worker;
use pos_terminal::scanner::{self, WedgeEvent};
use std::time::Instant;
use sync_protocol::StaffRole;

/// Writes `settings` beside the ledger; the error is the cashier's message.
fn persist(ledger: &LedgerHandle, settings: &Settings, tr: &I18n) -> Result<(), String> {
    let path = Settings::path_for(ledger.path());
    settings.save(&path).map_err(|e| {
        tr.args(
            "app-settings-save-failed",
            &[("error", e.to_string().into())],
        )
    })
}

/// `TRASTIENDA_TILL_DATA` or `./till-data/ledger.db`.
pub fn default_ledger_path() -> PathBuf {
    std::env::var_os("TRASTIENDA_TILL_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("till-data").join("ledger.db"))
}

/// The window of a till in kiosk mode (`pos-terminal --kiosk`, as the packaged kiosk session
/// starts it): full screen, no title bar, and closing it is refused (only the manager ends the
/// day; a kiosk session restarts the till anyway).
pub fn kiosk_window() -> iced::window::Settings {
    iced::window::Settings {
        size: iced::Size::new(1024.0, 768.0),
        fullscreen: true,
        decorations: false,
        exit_on_close_request: false,
        ..iced::window::Settings::default()
    }
}

/// Keys that work on every screen (keyboard-first till).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// F2
    Pay,
    /// F3
    Invoice,
    /// F4
    Void,
    /// F5
    Park,
    /// F6
    Recall,
    /// F7
    Reprint,
    /// F8
    Refund,
    /// F9
    Settings,
    Escape,
    /// ↑: the previous search result (or ticket line).
    Up,
    /// ↓: the next search result (or ticket line).
    Down,
}

#[derive(Debug, Clone)]
pub enum Message {
    Enrol(enrol::Message),
    Login(login::Message),
    Sell(sell::Message),
    Pay(pay::Message),
    Refund(refund::Message),
    Recall(recall::Message),
    Invoice(invoice::Message),
    Settings(settings_screen::Message),
    About(about::Message),
    Key(Key),
    Sync(worker::Event),
    Printed(Outcome),
    /// What the drawer kick of a cash sale or refund, or the manager's "open drawer", did.
    Drawer(printing::Drawer),
    Manager(manager::Message),
    /// F10: the store manager's menu.
    ManagerKey,
    /// Tab / Shift+Tab: the next (previous) field, as in any form.
    FocusNext(bool),
    /// A key press for the keyboard-wedge detector: the key, whether a widget captured it, and
    /// when it arrived.
    Wedge(scanner::Key, bool, Instant),
    /// Timer while the detector holds keys back.
    WedgeTick(Instant),
    /// Timer while receipts wait for a failing printer.
    PrintRetry,
    /// From the serial scanner, when one is configured.
    SerialScanner(serial_scanner::Event),
    /// The window's new size: the UI scale follows it (see [`crate::theme::scale_for`]).
    Resized(iced::Size),
    /// What the start-up check of a card payment left unresolved (a crash) found.
    CardRecovered(pos_terminal::card_terminal::Recovery),
    /// The outbox count, read from the ledger after a sale, a refund or a close.
    Waiting(Option<u64>),
    /// A committed document's receipt (or a report, an invoice) is in the print queue, or why not.
    Queued(Queued),
    /// Work for the printer and the drawer. A message of its own, so the Simulator tests (which
    /// have no printer attached) can hold it back and flush the queue themselves.
    Hardware(Hardware),
    /// A ledger answer for the app itself (after a login, F3, F7, a report's PDF), with what to
    /// do with it.
    App(AppReply),
}

/// What the app does with a ledger answer, on the UI thread.
pub type AppReply = Reply<dyn FnOnce(&mut Till) -> Task<Message> + Send>;

/// What went into the print queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Queued {
    /// A sale's or refund's receipt; `drawer` when it took or gave back cash.
    Receipt { drawer: bool },
    /// An X report or a Z close.
    Report,
    /// A full invoice.
    Invoice,
    /// Nothing: the receipt could not be prepared (`invoice`: it was an invoice), and why.
    Failed { invoice: bool, error: String },
}

/// Printer and drawer work (see [`Message::Hardware`]).
#[derive(Debug, Clone)]
pub enum Hardware {
    /// Send what the print queue holds; first the drawer's own command when `drawer`.
    Flush { drawer: bool },
    /// The settings screen's test page on this printer.
    TestPage(PrintQueue),
    /// A manager's "open drawer" from the settings screen.
    OpenDrawer(PrintQueue),
}

// One Screen, held once by the Till: boxing the sell screen (the largest, and the one shown
// most) would only add an indirection.
#[allow(clippy::large_enum_variant)]
pub enum Screen {
    /// The ledger could not be opened; nothing can be sold.
    Failed(String),
    Enrol(enrol::State),
    Login(login::State),
    Sell(sell::State),
    Pay(pay::State),
    Refund(Box<refund::State>),
    Recall,
    Invoice(invoice::State),
    Settings(settings_screen::State),
    About(Box<about::State>),
    Manager(manager::State),
}

pub struct Till {
    /// The ledger's own thread: the only way to the ledger (see [`crate::ledger_task`]).
    ledger: Option<LedgerHandle>,
    /// The till's ticket series (its workstation id at the card terminal), once enrolled.
    workstation: Option<String>,
    client: Option<SyncClient>,
    enrolled: bool,
    pub settings: Settings,
    pub screen: Screen,
    pub cart: Cart,
    pub parked: Vec<Parked>,
    pub cashier: Option<Staff>,
    pub status: Status,
    wedge: Wedge,
    /// The translator for `settings.language`, rebuilt when the language changes.
    pub i18n: I18n,
    /// The UI scale for the window's size: 1 at 1024×768, 1,4 at 1920×1080.
    pub scale: f32,
    /// Tells the sync worker to go now (after a sale, a refund, a Z) rather than at its next round.
    sync_now: Arc<tokio::sync::Notify>,
    /// What the start-up card recovery found, shown when the sell screen next opens.
    card_notice: Option<String>,
}

/// The iced application over the ledger at `path`; `main` runs it, tests build it.
pub fn application(
    path: PathBuf,
) -> iced::Application<impl iced::Program<State = Till, Message = Message>> {
    iced::application(move || Till::open(&path), Till::update, Till::view)
        .title(|till: &Till| till.i18n.t(key!("window-title")))
        .subscription(Till::subscription)
        .theme(|_: &Till| crate::theme::till())
        .scale_factor(|till: &Till| till.scale)
        .window_size((1024.0, 768.0))
}

impl Till {
    /// Opens (creating if needed) the ledger at `path` and starts on enrolment or login.
    pub fn open(path: &std::path::Path) -> (Self, Task<Message>) {
        // The settings file sits beside the ledger, so even a failure is told in the language
        // the till was set to.
        let tr = I18n::new(Settings::load(&Settings::path_for(path)).language);
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
            && let Err(e) = std::fs::create_dir_all(dir)
        {
            let message = tr.args(
                "app-dir-failed",
                &[
                    ("dir", dir.display().to_string().into()),
                    ("error", e.to_string().into()),
                ],
            );
            return Self::failed(message, tr);
        }
        match Ledger::open(path) {
            Ok(ledger) => Self::with_ledger(ledger),
            Err(e) => {
                let message = tr.args("app-ledger-failed", &[("error", e.to_string().into())]);
                Self::failed(message, tr)
            }
        }
    }

    fn failed(message: String, i18n: I18n) -> (Self, Task<Message>) {
        (
            Self {
                ledger: None,
                workstation: None,
                client: None,
                enrolled: false,
                settings: Settings::default(),
                screen: Screen::Failed(message),
                cart: Cart::new(),
                parked: Vec::new(),
                cashier: None,
                status: Status::default(),
                wedge: Wedge::default(),
                i18n,
                scale: 1.0,
                sync_now: Arc::default(),
                card_notice: None,
            },
            Task::none(),
        )
    }

    /// Starts over an open ledger: enrolment when it has no identity yet, else login. Settings
    /// are read from `settings.json` beside the ledger.
    pub fn with_ledger(ledger: Ledger) -> (Self, Task<Message>) {
        Self::with_ledger_and_client(ledger, SyncClient::new(SyncOptions::default()).ok())
    }

    /// As [`Till::with_ledger`], with a given sync client (tests shorten its retries).
    pub fn with_ledger_and_client(
        mut ledger: Ledger,
        client: Option<SyncClient>,
    ) -> (Self, Task<Message>) {
        // Before the ledger moves to its thread, and before the first frame: read what the till
        // starts with, straight from it.
        let identity = ledger.identity().ok().flatten();
        let enrolled = identity.is_some();
        let settings = Settings::load(&Settings::path_for(ledger.path()));
        let mut status = Status::default();
        status.refresh(&ledger);
        let screen = if enrolled {
            Screen::Login(login::State::default())
        } else {
            Screen::Enrol(enrol::State::default())
        };
        let focus = if enrolled {
            operation::focus(login::PIN_ID)
        } else {
            operation::focus("enrol-url")
        };
        let wedge = Wedge::new(settings.wedge());
        let settings_language = settings.language;
        // Receipts of sales the last run committed but died before queueing, and receipts left in
        // the queue (printer down, power cut), go out now.
        printing::enqueue_lost(settings.layout(), &mut ledger);
        let pending_prints = matches!(ledger.pending_prints(1), Ok(jobs) if !jobs.is_empty());
        let till = Self {
            ledger: Some(LedgerHandle::spawn(ledger)),
            workstation: identity.map(|i| i.ticket_series),
            client,
            enrolled,
            settings,
            screen,
            cart: Cart::new(),
            parked: Vec::new(),
            cashier: None,
            status,
            wedge,
            i18n: I18n::new(settings_language),
            scale: 1.0,
            sync_now: Arc::default(),
            card_notice: None,
        };
        let task = match (&till.ledger, pending_prints) {
            (Some(l), true) if till.settings.receipt_printer().is_some() => Task::batch([
                focus,
                printing::flush_task(till.print_queue(), l.clone(), Message::Printed),
            ]),
            _ => focus,
        };
        // A card payment a crash left unresolved is settled with the terminal now, before any
        // other can be sent (see `pos_terminal::card_terminal`).
        let task = match (&till.ledger, till.payment_terminal()) {
            (Some(l), Some(t)) if enrolled => Task::batch([
                task,
                pay::recover_task(l.clone(), t).map(Message::CardRecovered),
            ]),
            _ => task,
        };
        (till, task)
    }

    /// The handle to the ledger's thread (for tests and tools).
    pub fn ledger(&self) -> Option<&LedgerHandle> {
        self.ledger.as_ref()
    }

    /// The sync worker's "go now" (tests check the app gives it after a sale, a refund, a Z).
    pub fn sync_nudge(&self) -> &Arc<tokio::sync::Notify> {
        &self.sync_now
    }

    /// The configured card terminal, if any (the till's ticket series is its OPI workstation id).
    pub fn payment_terminal(
        &self,
    ) -> Option<Arc<dyn pos_terminal::card_terminal::PaymentTerminal>> {
        let workstation = self.workstation.as_deref().unwrap_or("TRASTIENDA");
        self.settings.payment_terminal(workstation)
    }

    /// The print queue for the configured printer, if any.
    pub fn print_queue(&self) -> Option<PrintQueue> {
        self.settings
            .receipt_printer()
            .map(|p| PrintQueue::new(p, self.settings.layout()))
    }

    /// Runs `f` on the ledger's thread, then `k` with its answer on the UI thread.
    fn then<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Ledger) -> T + Send + 'static,
        k: impl FnOnce(&mut Till, Result<T, CallError>) -> Task<Message> + Send + 'static,
    ) -> Task<Message> {
        let Some(ledger) = &self.ledger else {
            return Task::none();
        };
        Task::perform(ledger.call(f), move |r| {
            Message::App(Reply::new(Box::new(move |till: &mut Till| k(till, r))))
        })
    }

    /// Reads the outbox count for the status bar (after a sale, a refund, a close).
    fn refresh_status(&self) -> Task<Message> {
        match &self.ledger {
            Some(l) => ledger_task::ask(
                l,
                |l| l.outbox_len().ok(),
                |r| Message::Waiting(r.ok().flatten()),
            ),
            None => Task::none(),
        }
    }

    fn show_sell(&mut self, notice: Option<String>) -> Task<Message> {
        let notice = notice.or_else(|| self.card_notice.take());
        let mut state = sell::State::loading(notice);
        state.merge_weighed = self.settings.merge_weighed;
        self.screen = Screen::Sell(state);
        // Whether a shift is open and the quick keys come from the ledger; scans made before
        // they arrive wait their turn (see `sell::State::scan`).
        let load = match &self.ledger {
            Some(l) => sell::load(l).map(Message::Sell),
            None => Task::none(),
        };
        Task::batch([operation::focus(sell::SCAN_ID), load])
    }

    /// The manager menu, behind a manager's PIN.
    fn show_manager(&mut self) -> Task<Message> {
        self.screen = Screen::Manager(manager::State::default());
        operation::focus(manager::PIN_ID)
    }

    fn start_payment(&mut self) -> Task<Message> {
        match self.cart.totals() {
            Ok(t) => {
                let terminal = self.payment_terminal();
                self.screen = Screen::Pay(pay::State::new(t.total).with_terminal(terminal));
                operation::focus(pay::TENDERED_ID)
            }
            Err(_) => Task::none(),
        }
    }

    /// Saves an X report or Z close as a PDF beside the ledger, off the UI thread; the line
    /// saying where (or why not) goes under the manager screen's notice.
    fn save_report_pdf(
        &self,
        ledger: &LedgerHandle,
        report: pos_terminal::ShiftReport,
        close: Option<sync_protocol::CashClose>,
    ) -> Task<Message> {
        let save = printing::save_shift_report_pdf(
            self.settings.layout(),
            ledger.clone(),
            report,
            close,
            chrono::Utc::now(),
        );
        Task::perform(save, |saved| {
            Message::App(Reply::new(Box::new(move |till: &mut Till| {
                let line = match saved {
                    Ok(path) => till.i18n.args(
                        "manager-pdf-saved",
                        &[("path", path.display().to_string().into())],
                    ),
                    Err(e) => {
                        tracing::warn!(error = %e, "report not saved as PDF");
                        till.i18n.args("manager-pdf-failed", &[("error", e.into())])
                    }
                };
                if let Screen::Manager(s) = &mut till.screen {
                    s.set_report_note(line);
                }
                Task::none()
            })))
        })
    }

    /// Queues an X report or Z close for HQ to e-mail (the PDF drawn off the UI thread, the
    /// queue written on the ledger's), then pushes it now if HQ is reachable; the line saying so
    /// (or why not) goes under the manager screen's notice.
    fn mail_report(
        &self,
        ledger: &LedgerHandle,
        order: printing::ReportMailOrder,
    ) -> Task<Message> {
        let queue = printing::mail_shift_report(
            self.settings.layout(),
            ledger.clone(),
            order,
            chrono::Utc::now(),
        );
        Task::perform(queue, |queued| {
            Message::App(Reply::new(Box::new(move |till: &mut Till| {
                let line = match queued {
                    Ok(to) => {
                        till.sync_now.notify_one();
                        till.i18n.args("manager-mail-queued", &[("to", to.into())])
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "report not queued for e-mail");
                        till.i18n
                            .args("manager-mail-failed", &[("error", e.into())])
                    }
                };
                if let Screen::Manager(s) = &mut till.screen {
                    s.set_mail_note(line);
                }
                till.refresh_status()
            })))
        })
    }

    fn notice(&mut self, n: String) {
        if let Screen::Sell(s) = &mut self.screen {
            s.notice = Some(n);
        }
    }

    /// Queues the receipt of committed document `seq` (durably, on the ledger's thread) and then
    /// flushes the queue in the background. Only ever called once the message saying `seq` is
    /// committed has arrived: the sale is in the ledger whatever the printer does.
    fn print(&self, seq: u64) -> Task<Message> {
        self.queue_receipt(seq, false)
    }

    /// The receipt of committed document `seq`, and first, when it took or gave back cash, the
    /// drawer: its own command, sent at once whatever becomes of the receipt (paper out
    /// included). The receipt itself never carries a pulse, so its reprint never opens it.
    fn drawer_and_receipt(&self, seq: u64) -> Task<Message> {
        self.queue_receipt(seq, true)
    }

    fn queue_receipt(&self, seq: u64, drawer: bool) -> Task<Message> {
        let Some(ledger) = &self.ledger else {
            return Task::none();
        };
        let layout = self.settings.layout();
        let cashier = self.cashier.as_ref().map(|c| c.name.clone());
        ledger_task::ask(
            ledger,
            move |l| {
                let cash = drawer && printing::moves_cash(l, seq);
                printing::enqueue_document(layout, l, seq, cashier.as_deref())
                    .map(|_| cash)
                    .map_err(|e| e.to_string())
            },
            |r| {
                Message::Queued(match r {
                    Ok(Ok(drawer)) => Queued::Receipt { drawer },
                    Ok(Err(error)) => Queued::Failed {
                        invoice: false,
                        error,
                    },
                    Err(e) => Queued::Failed {
                        invoice: false,
                        error: e.to_string(),
                    },
                })
            },
        )
    }

    /// Printer and drawer work, off the UI thread.
    fn hardware(&mut self, h: Hardware) -> Task<Message> {
        let Some(ledger) = self.ledger.clone() else {
            return Task::none();
        };
        match h {
            Hardware::Flush { drawer } => {
                let flush = printing::flush_task(self.print_queue(), ledger, Message::Printed);
                match self.print_queue() {
                    Some(queue) if drawer => {
                        printing::drawer_task(Some(queue), Message::Drawer).chain(flush)
                    }
                    _ => flush,
                }
            }
            Hardware::TestPage(q) => {
                printing::blocking_task(move || printing::test_page(&q), Message::Printed)
            }
            // The printer's status is asked first; the answer comes back as `Message::Drawer`
            // and is told on the settings screen.
            Hardware::OpenDrawer(q) => printing::drawer_task(Some(q), Message::Drawer),
        }
    }

    fn sell_action(&mut self, action: sell::Action) -> Task<Message> {
        match action {
            sell::Action::None => operation::focus(sell::SCAN_ID),
            sell::Action::Focus(id) => operation::focus(id),
            sell::Action::Pay => self.start_payment(),
            sell::Action::Manager => self.show_manager(),
            sell::Action::Logout => {
                self.cashier = None;
                self.screen = Screen::Login(login::State::default());
                operation::focus(login::PIN_ID)
            }
            sell::Action::Park => {
                if self.cart.is_empty() {
                    self.notice(self.i18n.t(key!("app-park-empty")));
                } else {
                    self.parked.push(Parked {
                        cart: std::mem::take(&mut self.cart),
                        at: chrono::Utc::now(),
                    });
                    let n = self.parked.len();
                    self.notice(self.i18n.args("app-parked", &[("count", n.into())]));
                }
                operation::focus(sell::SCAN_ID)
            }
            sell::Action::Recall => {
                if !self.cart.is_empty() {
                    self.notice(self.i18n.t(key!("app-recall-busy")));
                } else if self.parked.is_empty() {
                    self.notice(self.i18n.t(key!("app-recall-none")));
                } else if self.parked.len() == 1 {
                    return self.recall(0);
                } else {
                    self.screen = Screen::Recall;
                    return Task::none();
                }
                operation::focus(sell::SCAN_ID)
            }
            sell::Action::Reprint => self.then(
                |l| l.last_receipt_seq(),
                |till, last| match last {
                    Ok(Ok(Some(seq))) => {
                        till.notice(till.i18n.t(key!("app-reprinting")));
                        let t = till.print(seq);
                        Task::batch([t, operation::focus(sell::SCAN_ID)])
                    }
                    Ok(Ok(None)) => {
                        till.notice(till.i18n.t(key!("app-no-receipt-yet")));
                        operation::focus(sell::SCAN_ID)
                    }
                    Ok(Err(e)) => {
                        till.notice(till.i18n.args("error", &[("error", e.to_string().into())]));
                        operation::focus(sell::SCAN_ID)
                    }
                    Err(e) => {
                        till.notice(ledger_task::call_error(&e, &till.i18n));
                        operation::focus(sell::SCAN_ID)
                    }
                },
            ),
            sell::Action::Refund => {
                self.screen = Screen::Refund(Box::new(refund::State::new(&self.i18n)));
                operation::focus(refund::TICKET_ID)
            }
            sell::Action::Settings => {
                self.screen = Screen::Settings(settings_screen::State::new(&self.settings));
                Task::none()
            }
            sell::Action::Invoice => self.then(
                |l| {
                    let seq = l.last_receipt_seq().ok().flatten()?;
                    match l.document(seq).ok().flatten()?.body {
                        sync_protocol::DocumentBody::Sale(s) => Some(s.ticket_number),
                        _ => None,
                    }
                },
                |till, last| {
                    // Still on the sell screen (nothing else was pressed meanwhile).
                    if !matches!(till.screen, Screen::Sell(_)) {
                        return Task::none();
                    }
                    till.screen = Screen::Invoice(invoice::State::new(last.ok().flatten()));
                    operation::focus(invoice::SEARCH_ID)
                },
            ),
        }
    }

    fn recall(&mut self, i: usize) -> Task<Message> {
        if i < self.parked.len() && self.cart.is_empty() {
            self.cart = self.parked.remove(i).cart;
        }
        let notice = self.i18n.t(key!("app-recalled"));
        self.show_sell(Some(notice))
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        let Some(ledger) = self.ledger.clone() else {
            return Task::none();
        };
        match (message, &mut self.screen) {
            (Message::Enrol(m), Screen::Enrol(s)) => {
                match s.update(m, &ledger, self.client.as_ref(), &self.i18n) {
                    enrol::Action::None => Task::none(),
                    enrol::Action::Run(t) => t.map(Message::Enrol),
                    enrol::Action::Enrolled(series) => {
                        self.enrolled = true;
                        self.workstation = Some(series);
                        self.screen = Screen::Login(login::State::default());
                        operation::focus(login::PIN_ID)
                    }
                }
            }
            (Message::Login(m), Screen::Login(s)) => match s.update(m, &ledger, &self.i18n) {
                login::Action::None => operation::focus(login::PIN_ID),
                login::Action::Run(t) => t.map(Message::Login),
                login::Action::LoggedIn(staff) => {
                    self.cashier = Some(staff.clone());
                    if staff.role != StaffRole::Manager {
                        return self.show_sell(None);
                    }
                    // No shift yet: a manager goes straight to counting the float; a cashier
                    // gets the sell screen saying a manager must open it.
                    self.then(
                        |l| {
                            let open = l.open_shift().ok().flatten().is_some();
                            (!open).then(|| crate::screen::close::OpenState::new(l))
                        },
                        move |till, opening| match opening {
                            Ok(Some(opening)) => {
                                let state = manager::State::opening(staff, opening, &till.i18n);
                                till.screen = Screen::Manager(state);
                                // The smallest coin first; Tab moves on, Enter opens the shift.
                                sync_protocol::Denomination::all()
                                    .next()
                                    .map(|d| operation::focus(manager::denomination_id(d)))
                                    .unwrap_or_else(Task::none)
                            }
                            _ => till.show_sell(None),
                        },
                    )
                }
            },
            (Message::Sell(m), Screen::Sell(s)) => {
                let cashier = self.cashier.as_ref().map(|c| c.id);
                let (a, work) = s.update(m, &mut self.cart, &ledger, cashier, &self.i18n);
                Task::batch([work.map(Message::Sell), self.sell_action(a)])
            }
            (Message::ManagerKey, Screen::Sell(_)) => self.show_manager(),
            (Message::Manager(m), Screen::Manager(s)) => {
                match s.update(m, &ledger, self.cashier.as_ref(), &self.i18n) {
                    manager::Action::Exit => {
                        Task::batch([self.refresh_status(), self.show_sell(None)])
                    }
                    manager::Action::Opened(notice) => {
                        Task::batch([self.refresh_status(), self.show_sell(Some(notice))])
                    }
                    manager::Action::SavePdf(report) => {
                        self.save_report_pdf(&ledger, *report, None)
                    }
                    manager::Action::MailReport(order) => self.mail_report(&ledger, *order),
                    manager::Action::Print(job) => {
                        let (report, close) = *job;
                        let mut tasks = vec![self.refresh_status()];
                        // A Z close is also kept as a PDF beside the ledger, whatever the printer
                        // does: the day's report is never only on paper (or nowhere).
                        if close.is_some() {
                            // The Z is in the ledger: HQ should have it now, not in 15 s.
                            self.sync_now.notify_one();
                            tasks.push(self.save_report_pdf(
                                &ledger,
                                report.clone(),
                                close.clone(),
                            ));
                        }
                        let layout = self.settings.layout();
                        tasks.push(ledger_task::ask(
                            &ledger,
                            move |l| {
                                printing::enqueue_shift_report(layout, l, &report, close.as_ref())
                                    .map_err(|e| e.to_string())
                            },
                            |r| match r {
                                Ok(Ok(_)) => Message::Queued(Queued::Report),
                                Ok(Err(error)) => {
                                    tracing::warn!(%error, "report not queued for printing");
                                    Message::Waiting(None)
                                }
                                Err(e) => {
                                    tracing::warn!(error = %e, "report not queued for printing");
                                    Message::Waiting(None)
                                }
                            },
                        ));
                        Task::batch(tasks)
                    }
                    manager::Action::Run(t) => t.map(Message::Manager),
                    a => Task::batch([self.refresh_status(), a.task(Message::Manager)]),
                }
            }
            (Message::Pay(m), Screen::Pay(s)) => {
                let cashier = self.cashier.as_ref().map(|c| c.id);
                match s.update(m, &mut self.cart, &ledger, cashier, &self.i18n) {
                    pay::Action::None => Task::none(),
                    pay::Action::Focus(id) => operation::focus(id),
                    pay::Action::Run(t) => t.map(Message::Pay),
                    pay::Action::Back => self.show_sell(None),
                    // Only now, with the message that the sale is committed: durable, then printed.
                    pay::Action::Paid {
                        change,
                        ticket,
                        seq,
                    } => {
                        let status = self.refresh_status();
                        self.sync_now.notify_one();
                        let notice = self.i18n.args(
                            "app-paid",
                            &[
                                ("ticket", ticket.into()),
                                ("change", self.i18n.money(change).into()),
                            ],
                        );
                        let out = self.drawer_and_receipt(seq);
                        Task::batch([status, self.show_sell(Some(notice)), out])
                    }
                }
            }
            (Message::Refund(m), Screen::Refund(s)) => {
                let cashier = self.cashier.as_ref().map(|c| c.id);
                match s.update(m, &ledger, cashier, &self.i18n) {
                    refund::Action::None => Task::none(),
                    refund::Action::Focus(id) => operation::focus(id),
                    refund::Action::Run(t) => t.map(Message::Refund),
                    refund::Action::Back => self.show_sell(None),
                    refund::Action::Refunded { seq, number, total } => {
                        let status = self.refresh_status();
                        self.sync_now.notify_one();
                        let notice = self.i18n.args(
                            "app-refunded",
                            &[
                                ("number", number.into()),
                                ("total", self.i18n.money(total).into()),
                            ],
                        );
                        let out = self.drawer_and_receipt(seq);
                        Task::batch([status, self.show_sell(Some(notice)), out])
                    }
                }
            }
            (Message::Invoice(m), Screen::Invoice(s)) => match s.update(m, &ledger, &self.i18n) {
                invoice::Action::None => Task::none(),
                invoice::Action::Focus(id) => operation::focus(id),
                invoice::Action::Run(t) => t.map(Message::Invoice),
                invoice::Action::Back => self.show_sell(None),
                invoice::Action::Mailed { ticket, to } => {
                    self.sync_now.notify_one();
                    let notice = self.i18n.args(
                        "app-receipt-mailed",
                        &[("ticket", ticket.into()), ("to", to.into())],
                    );
                    Task::batch([self.refresh_status(), self.show_sell(Some(notice))])
                }
                invoice::Action::Issued(inv, mailed) => {
                    self.sync_now.notify_one();
                    let layout = self.settings.layout();
                    let for_print = (*inv).clone();
                    let print = ledger_task::ask(
                        &ledger,
                        move |l| {
                            printing::enqueue_full_invoice(layout, l, &for_print)
                                .map_err(|e| e.to_string())
                        },
                        |r| {
                            Message::Queued(match r {
                                Ok(Ok(_)) => Queued::Invoice,
                                Ok(Err(error)) => Queued::Failed {
                                    invoice: true,
                                    error,
                                },
                                Err(e) => Queued::Failed {
                                    invoice: true,
                                    error: e.to_string(),
                                },
                            })
                        },
                    );
                    let mut notice = self.i18n.args(
                        "app-invoice-issued",
                        &[
                            ("number", inv.number.clone().into()),
                            ("nif", inv.customer_nif.clone().into()),
                        ],
                    );
                    if let Some(to) = mailed {
                        notice.push_str(" · ");
                        notice
                            .push_str(&self.i18n.args("app-invoice-mailed", &[("to", to.into())]));
                    }
                    Task::batch([self.show_sell(Some(notice)), print])
                }
            },
            (Message::Settings(m), Screen::Settings(s)) => match s.update(m, &ledger, &self.i18n) {
                settings_screen::Action::None => Task::none(),
                settings_screen::Action::Focus(id) => operation::focus(id),
                settings_screen::Action::Back => self.show_sell(None),
                settings_screen::Action::Run(t) => t.map(Message::Settings),
                settings_screen::Action::About => {
                    self.screen = Screen::About(Box::new(about::State::loading()));
                    about::load(&ledger).map(Message::About)
                }
                settings_screen::Action::Saved(new) => {
                    if let Err(e) = persist(&ledger, &new, &self.i18n) {
                        s.notice = Some(e);
                    } else {
                        if new.language != self.i18n.language() {
                            self.i18n = I18n::new(new.language);
                        }
                        self.wedge.set_config(new.wedge());
                        self.settings = new;
                    }
                    Task::none()
                }
                settings_screen::Action::Language(language) => {
                    // Applied and kept at once: the cashier sees the new words on this very
                    // screen, and a restart keeps them.
                    let new = Settings {
                        language,
                        ..self.settings.clone()
                    };
                    let tr = I18n::new(language);
                    match persist(&ledger, &new, &tr) {
                        Ok(()) => {
                            s.language_saved(language, &tr);
                            self.i18n = tr;
                            self.settings = new;
                        }
                        Err(e) => s.notice = Some(e),
                    }
                    Task::none()
                }
                settings_screen::Action::TestPage(with) => {
                    match with
                        .receipt_printer()
                        .map(|p| PrintQueue::new(p, with.layout()))
                    {
                        Some(q) => Task::done(Message::Hardware(Hardware::TestPage(q))),
                        None => Task::none(),
                    }
                }
                settings_screen::Action::OpenDrawer(manager) => {
                    tracing::info!(
                        manager_id = manager.id.0,
                        manager = %manager.name,
                        cashier = self.cashier.as_ref().map(|c| c.name.as_str()).unwrap_or(""),
                        "cash drawer opened by a manager"
                    );
                    let queue = self
                        .settings
                        .receipt_printer()
                        .map(|p| PrintQueue::new(p, self.settings.layout()));
                    match queue {
                        Some(q) => Task::done(Message::Hardware(Hardware::OpenDrawer(q))),
                        None => {
                            s.notice = Some(self.i18n.t(key!("app-drawer-no-printer")));
                            Task::none()
                        }
                    }
                }
            },
            (Message::About(m), Screen::About(s)) => match s.update(m) {
                about::Action::None => Task::none(),
                about::Action::Back => {
                    self.screen = Screen::Settings(settings_screen::State::new(&self.settings));
                    Task::none()
                }
            },
            (Message::Recall(m), Screen::Recall) => match m {
                recall::Message::Pick(i) => self.recall(i),
                recall::Message::Back => self.show_sell(None),
            },
            (Message::Key(k), _) => self.key(k),
            (Message::CardRecovered(r), _) => {
                use pos_terminal::card_terminal::Recovery;
                let (notice, task) = match r {
                    Recovery::Committed(doc) => {
                        let n = self.i18n.args(
                            "app-card-recovered",
                            &[("ticket", pay::ticket_of(&doc).into())],
                        );
                        (
                            Some(n),
                            Task::batch([self.refresh_status(), self.print(doc.seq)]),
                        )
                    }
                    Recovery::StillOpen { reason, .. }
                    | Recovery::NotRecorded { error: reason, .. } => (
                        Some(
                            self.i18n
                                .args("app-card-unresolved", &[("error", reason.into())]),
                        ),
                        Task::none(),
                    ),
                    Recovery::Nothing | Recovery::Closed { .. } => (None, Task::none()),
                };
                if let Some(n) = notice {
                    tracing::info!(notice = %n, "card payment recovery");
                    if let Screen::Sell(s) = &mut self.screen {
                        s.notice = Some(n);
                    } else {
                        self.card_notice = Some(n);
                    }
                }
                task
            }
            (Message::Resized(size), _) => {
                self.scale = crate::theme::scale_for(size.width, size.height);
                Task::none()
            }
            (Message::FocusNext(true), _) => operation::focus_next(),
            (Message::FocusNext(false), _) => operation::focus_previous(),
            (Message::Wedge(key, captured, at), _) => {
                let routed = self.wedge.feed(key, captured, at);
                self.route_wedge(routed, &ledger)
            }
            (Message::SerialScanner(serial_scanner::Event::Code(code)), _) => {
                let routed = vec![wedge::Routed {
                    event: WedgeEvent::Scan(code),
                    captured: false,
                }];
                self.route_wedge(routed, &ledger)
            }
            (Message::SerialScanner(serial_scanner::Event::Failed(error)), _) => {
                tracing::warn!(%error, "serial scanner");
                let n = self
                    .i18n
                    .args("app-serial-scanner-failed", &[("error", error.into())]);
                self.notice(n);
                Task::none()
            }
            (Message::WedgeTick(at), _) => {
                let routed = self.wedge.tick(at);
                self.route_wedge(routed, &ledger)
            }
            (Message::Sync(e), _) => {
                let changed = self.status.apply(&e);
                if changed > 0
                    && let Screen::Sell(s) = &mut self.screen
                {
                    return s.refresh(&ledger).map(Message::Sell);
                }
                Task::none()
            }
            (Message::PrintRetry, _) => {
                printing::flush_task(self.print_queue(), ledger, Message::Printed)
            }
            (Message::Waiting(n), _) => {
                if let Some(n) = n {
                    self.status.waiting = n;
                }
                Task::none()
            }
            (Message::Queued(q), _) => match q {
                Queued::Receipt { drawer } => {
                    Task::done(Message::Hardware(Hardware::Flush { drawer }))
                }
                Queued::Report | Queued::Invoice => {
                    Task::done(Message::Hardware(Hardware::Flush { drawer: false }))
                }
                Queued::Failed { invoice, error } => {
                    self.status.printer = Some(if invoice {
                        PrinterProblem::InvoiceNotPrepared(error)
                    } else {
                        PrinterProblem::ReceiptNotPrepared(error)
                    });
                    Task::none()
                }
            },
            (Message::Hardware(h), _) => self.hardware(h),
            (Message::App(reply), _) => match reply.take() {
                Some(k) => k(self),
                None => Task::none(),
            },
            (Message::Printed(o), _) => {
                self.status.printed(&o);
                Task::none()
            }
            (Message::Drawer(d), screen) => {
                if let printing::Drawer::Failed(error) = &d {
                    tracing::warn!(%error, "cash drawer not opened");
                }
                self.status.drawer(&d);
                if let Screen::Settings(s) = screen {
                    s.notice = Some(match &d {
                        printing::Drawer::Opened { printer: None } => {
                            self.i18n.t(key!("app-drawer-opened"))
                        }
                        printing::Drawer::Opened {
                            printer: Some(status),
                        } => self.i18n.args(
                            "app-drawer-opened-printer",
                            &[("status", status.clone().into())],
                        ),
                        printing::Drawer::Failed(error) => self
                            .i18n
                            .args("app-drawer-failed", &[("error", error.clone().into())]),
                        printing::Drawer::NoPrinter => self.i18n.t(key!("app-drawer-no-printer")),
                    });
                }
                Task::none()
            }
            // A message for a screen that is no longer shown (e.g. a late click): ignore it.
            _ => Task::none(),
        }
    }

    /// Acts on what the keyboard-wedge detector decided (see [`crate::wedge`]).
    fn route_wedge(&mut self, routed: Vec<wedge::Routed>, ledger: &LedgerHandle) -> Task<Message> {
        let mut tasks = Vec::new();
        for wedge::Routed { event, captured } in routed {
            match (&mut self.screen, event) {
                (Screen::Sell(s), WedgeEvent::Scan(code)) if !captured => {
                    tasks.push(
                        s.scan(&code, &mut self.cart, ledger, &self.i18n)
                            .map(Message::Sell),
                    );
                    tasks.push(operation::focus(sell::SCAN_ID));
                }
                // Captured by the scan field: its Enter already rang it up. Captured by the
                // manager PIN field: cleared there, rung up here.
                (Screen::Sell(s), WedgeEvent::Scan(code)) => {
                    if let Some(t) = s.captured_scan(&code, &mut self.cart, ledger, &self.i18n) {
                        tasks.push(t.map(Message::Sell));
                        tasks.push(operation::focus(sell::SCAN_ID));
                    }
                }
                (Screen::Sell(s), WedgeEvent::Typing(text)) if !captured => {
                    tasks.push(s.typed_elsewhere(&text, ledger).map(Message::Sell));
                    tasks.push(operation::focus(sell::SCAN_ID));
                }
                (Screen::Sell(_), WedgeEvent::Key(scanner::Key::Enter)) if !captured => {
                    tasks.push(self.update(Message::Sell(sell::Message::Submit)));
                }
                // A receipt's code scanned on the refund screen finds that ticket.
                (Screen::Refund(_), WedgeEvent::Scan(code)) if !captured => {
                    tasks.push(self.update(Message::Refund(refund::Message::Ticket(code))));
                    tasks.push(self.update(Message::Refund(refund::Message::Find)));
                }
                (Screen::Pay(s), WedgeEvent::Scan(code)) => s.scanned(&code, &self.i18n),
                _ => {}
            }
        }
        Task::batch(tasks)
    }

    /// F-keys and Esc, whichever widget has focus.
    fn key(&mut self, k: Key) -> Task<Message> {
        let message = match (&self.screen, k) {
            (Screen::Sell(_), Key::Pay) => Message::Sell(sell::Message::Pay),
            (Screen::Sell(_), Key::Invoice) => Message::Sell(sell::Message::Invoice),
            (Screen::Sell(_), Key::Void) => Message::Sell(sell::Message::Void),
            (Screen::Sell(_), Key::Park) => Message::Sell(sell::Message::Park),
            (Screen::Sell(_), Key::Recall) => Message::Sell(sell::Message::Recall),
            (Screen::Sell(_), Key::Reprint) => Message::Sell(sell::Message::Reprint),
            (Screen::Sell(_), Key::Refund) => Message::Sell(sell::Message::Refund),
            (Screen::Sell(_), Key::Settings) => Message::Sell(sell::Message::Settings),
            (Screen::Sell(_), Key::Escape) => Message::Sell(sell::Message::Escape),
            (Screen::Sell(_), Key::Up) => Message::Sell(sell::Message::Up),
            (Screen::Sell(_), Key::Down) => Message::Sell(sell::Message::Down),
            (Screen::Pay(_), Key::Escape) => Message::Pay(pay::Message::Back),
            (Screen::Refund(_), Key::Escape) => Message::Refund(refund::Message::Back),
            (Screen::Invoice(_), Key::Escape) => Message::Invoice(invoice::Message::Back),
            (Screen::Settings(_), Key::Escape) => Message::Settings(settings_screen::Message::Back),
            (Screen::Recall, Key::Escape) => Message::Recall(recall::Message::Back),
            (Screen::About(_), Key::Escape) => Message::About(about::Message::Back),
            _ => return Task::none(),
        };
        self.update(message)
    }

    pub fn view(&self) -> Element<'_, Message> {
        let tr = &self.i18n;
        let body: Element<'_, Message> = match &self.screen {
            Screen::Failed(e) => container(text(e.clone()).size(22)).padding(40).into(),
            Screen::Enrol(s) => s.view(tr).map(Message::Enrol),
            Screen::Login(s) => s.view(tr).map(Message::Login),
            Screen::Sell(s) => {
                let name = self.cashier.as_ref().map(|c| c.name.as_str()).unwrap_or("");
                s.view(&self.cart, name, self.parked.len(), tr)
                    .map(Message::Sell)
            }
            Screen::Pay(s) => s.view(tr).map(Message::Pay),
            Screen::Refund(s) => s.view(tr).map(Message::Refund),
            Screen::Recall => recall::view(&self.parked, tr).map(Message::Recall),
            Screen::Invoice(s) => s.view(tr).map(Message::Invoice),
            Screen::Settings(s) => s.view(tr).map(Message::Settings),
            Screen::About(s) => s.view(tr).map(Message::About),
            Screen::Manager(s) => s.view(tr).map(Message::Manager),
        };
        column![
            container(body).height(Length::Fill).width(Length::Fill),
            self.status.view(tr)
        ]
        .into()
    }

    /// Whether the print queue is being retried on a timer: a printer is configured and the last
    /// attempt left receipts waiting.
    pub fn retries_prints(&self) -> bool {
        matches!(self.status.printer, Some(PrinterProblem::Failed { .. }))
            && self.settings.receipt_printer().is_some()
    }

    pub fn subscription(&self) -> Subscription<Message> {
        let keys = event::listen_with(|event, _status, _window| match event {
            iced::Event::Keyboard(k) => key_message(&k),
            _ => None,
        });
        let mut subs = vec![
            keys,
            iced::window::resize_events().map(|(_, size)| Message::Resized(size)),
            wedge::keys().map(|(key, captured, at)| Message::Wedge(key, captured, at)),
        ];
        if self.retries_prints() {
            subs.push(iced::time::every(printing::RETRY_EVERY).map(|_| Message::PrintRetry));
        }
        if let Some(port) = &self.settings.scanner.serial {
            subs.push(serial_scanner::subscription(port.clone()).map(Message::SerialScanner));
        }
        if self.wedge.pending() {
            subs.push(iced::time::every(wedge::POLL).map(Message::WedgeTick));
        }
        if self.enrolled
            && let (Some(ledger), Some(client)) = (&self.ledger, &self.client)
        {
            subs.push(
                worker::subscription(worker::Worker {
                    ledger: ledger.clone(),
                    client: client.clone(),
                    path: ledger.path().to_path_buf(),
                    nudge: Arc::clone(&self.sync_now),
                })
                .map(Message::Sync),
            );
        }
        Subscription::batch(subs)
    }
}

/// The keys that work on every screen, whichever widget has focus: F2–F10, Esc, ↑/↓ (search
/// results and ticket lines), and Tab / Shift+Tab to move between fields.
pub fn key_message(event: &keyboard::Event) -> Option<Message> {
    use keyboard::key::Named;
    let keyboard::Event::KeyPressed {
        key: keyboard::Key::Named(named),
        modifiers,
        ..
    } = event
    else {
        return None;
    };
    let k = match named {
        Named::Tab => return Some(Message::FocusNext(!modifiers.shift())),
        Named::F2 => Key::Pay,
        Named::F3 => Key::Invoice,
        Named::F4 => Key::Void,
        Named::F5 => Key::Park,
        Named::F6 => Key::Recall,
        Named::F7 => Key::Reprint,
        Named::F8 => Key::Refund,
        Named::F9 => Key::Settings,
        Named::F10 => return Some(Message::ManagerKey),
        Named::Escape => Key::Escape,
        Named::ArrowUp => Key::Up,
        Named::ArrowDown => Key::Down,
        _ => return None,
    };
    Some(Message::Key(k))
}
