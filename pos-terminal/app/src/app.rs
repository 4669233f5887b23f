//! The till application: state, top-level messages, and the `application()` used by `main`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use iced::widget::{column, container, operation, text};
use iced::{Element, Length, Subscription, Task, event, keyboard};
use pos_terminal::{Cart, Ledger, Staff, SyncClient, SyncOptions};

use crate::format;
use crate::screen::{enrol, login, manager, pay, sell};
use crate::status::Status;

/// How often the sync worker pushes the outbox and pulls catalog changes.
pub const SYNC_EVERY: Duration = Duration::from_secs(30);

/// `TRASTIENDA_TILL_DATA` or `./till-data/ledger.db`.
pub fn default_ledger_path() -> PathBuf {
    std::env::var_os("TRASTIENDA_TILL_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("till-data").join("ledger.db"))
}

#[derive(Debug, Clone)]
pub enum Message {
    Enrol(enrol::Message),
    Login(login::Message),
    Sell(sell::Message),
    Pay(pay::Message),
    PayKey,
    Manager(manager::Message),
    ManagerKey,
    SyncTick,
    Synced(Result<u64, String>),
}

pub enum Screen {
    /// The ledger could not be opened; nothing can be sold.
    Failed(String),
    Enrol(enrol::State),
    Login(login::State),
    Sell(sell::State),
    Pay(pay::State),
    Manager(manager::State),
}

pub struct Till {
    ledger: Option<Arc<Mutex<Ledger>>>,
    client: Option<SyncClient>,
    pub screen: Screen,
    pub cart: Cart,
    pub cashier: Option<Staff>,
    pub status: Status,
    syncing: bool,
}

/// The iced application over the ledger at `path`; `main` runs it, tests build it.
pub fn application(
    path: PathBuf,
) -> iced::Application<impl iced::Program<State = Till, Message = Message>> {
    iced::application(move || Till::open(&path), Till::update, Till::view)
        .title("Trastienda · Caja")
        .subscription(Till::subscription)
        .window_size((1024.0, 768.0))
}

impl Till {
    /// Opens (creating if needed) the ledger at `path` and starts on enrolment or login.
    pub fn open(path: &std::path::Path) -> (Self, Task<Message>) {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
            && let Err(e) = std::fs::create_dir_all(dir)
        {
            return Self::failed(format!("No se pudo crear {}: {e}", dir.display()));
        }
        match Ledger::open(path) {
            Ok(ledger) => Self::with_ledger(ledger),
            Err(e) => Self::failed(format!("No se pudo abrir el registro local: {e}")),
        }
    }

    fn failed(message: String) -> (Self, Task<Message>) {
        (
            Self {
                ledger: None,
                client: None,
                screen: Screen::Failed(message),
                cart: Cart::new(),
                cashier: None,
                status: Status::default(),
                syncing: false,
            },
            Task::none(),
        )
    }

    /// Starts over an open ledger: enrolment when it has no identity yet, else login.
    pub fn with_ledger(ledger: Ledger) -> (Self, Task<Message>) {
        let enrolled = matches!(ledger.identity(), Ok(Some(_)));
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
        (
            Self {
                ledger: Some(Arc::new(Mutex::new(ledger))),
                client: SyncClient::new(SyncOptions::default()).ok(),
                screen,
                cart: Cart::new(),
                cashier: None,
                status,
                syncing: false,
            },
            focus,
        )
    }

    /// The shared ledger (for tests and tools).
    pub fn ledger(&self) -> Option<&Arc<Mutex<Ledger>>> {
        self.ledger.as_ref()
    }

    fn enrolled(&self) -> bool {
        self.ledger
            .as_ref()
            .and_then(|l| l.lock().ok().map(|l| matches!(l.identity(), Ok(Some(_)))))
            .unwrap_or(false)
    }

    fn refresh_status(&mut self) {
        if let Some(l) = &self.ledger
            && let Ok(l) = l.lock()
        {
            self.status.refresh(&l);
        }
    }

    fn show_sell(&mut self, notice: Option<String>) -> Task<Message> {
        self.screen = Screen::Sell(sell::State::with_notice(notice));
        operation::focus(sell::SCAN_ID)
    }

    /// The manager menu, behind a manager's PIN.
    fn show_manager(&mut self) -> Task<Message> {
        self.screen = Screen::Manager(manager::State::default());
        operation::focus(manager::PIN_ID)
    }

    fn start_payment(&mut self) -> Task<Message> {
        match self.cart.totals() {
            Ok(t) => {
                self.screen = Screen::Pay(pay::State::new(t.total));
                operation::focus(pay::TENDERED_ID)
            }
            Err(_) => Task::none(),
        }
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        let Some(ledger) = self.ledger.clone() else {
            return Task::none();
        };
        match (message, &mut self.screen) {
            (Message::Enrol(m), Screen::Enrol(s)) => {
                match s.update(m, &ledger, self.client.as_ref()) {
                    enrol::Action::None => Task::none(),
                    enrol::Action::Run(t) => t.map(Message::Enrol),
                    enrol::Action::Enrolled => {
                        self.screen = Screen::Login(login::State::default());
                        Task::batch([
                            operation::focus(login::PIN_ID),
                            Task::done(Message::SyncTick),
                        ])
                    }
                }
            }
            (Message::Login(m), Screen::Login(s)) => match s.update(m, &ledger) {
                login::Action::None => operation::focus(login::PIN_ID),
                login::Action::LoggedIn(staff) => {
                    self.cashier = Some(staff);
                    self.show_sell(None)
                }
            },
            (Message::Sell(m), Screen::Sell(s)) => match s.update(m, &mut self.cart, &ledger) {
                sell::Action::None => operation::focus(sell::SCAN_ID),
                sell::Action::Pay => self.start_payment(),
                sell::Action::Manager => self.show_manager(),
                sell::Action::Logout => {
                    self.cashier = None;
                    self.screen = Screen::Login(login::State::default());
                    operation::focus(login::PIN_ID)
                }
            },
            (Message::PayKey, Screen::Sell(s)) => {
                match s.update(sell::Message::Pay, &mut self.cart, &ledger) {
                    sell::Action::Pay => self.start_payment(),
                    _ => operation::focus(sell::SCAN_ID),
                }
            }
            (Message::ManagerKey, Screen::Sell(_)) => self.show_manager(),
            (Message::Manager(m), Screen::Manager(s)) => {
                match s.update(m, &ledger, self.cashier.as_ref()) {
                    manager::Action::Exit => {
                        self.refresh_status();
                        self.show_sell(None)
                    }
                    a => {
                        self.refresh_status();
                        a.task()
                    }
                }
            }
            (Message::Pay(m), Screen::Pay(s)) => {
                let cashier = self.cashier.as_ref().map(|c| c.id);
                match s.update(m, &mut self.cart, &ledger, cashier) {
                    pay::Action::None => Task::none(),
                    pay::Action::Back => self.show_sell(None),
                    pay::Action::Paid { change, ticket } => {
                        self.refresh_status();
                        let notice = format!("Ticket {ticket} · Cambio: {}", format::money(change));
                        self.show_sell(Some(notice))
                    }
                }
            }
            (Message::SyncTick, _) => {
                if self.syncing || !self.enrolled() {
                    return Task::none();
                }
                let Some(client) = self.client.clone() else {
                    return Task::none();
                };
                self.syncing = true;
                Task::perform(
                    async move {
                        let result = client.sync_once(&ledger).await.map_err(|e| e.to_string());
                        let waiting = ledger
                            .lock()
                            .ok()
                            .and_then(|l| l.outbox_len().ok())
                            .unwrap_or(0);
                        result.map(|_| waiting)
                    },
                    Message::Synced,
                )
            }
            (Message::Synced(r), _) => {
                self.syncing = false;
                match r {
                    Ok(waiting) => {
                        self.status.online = Some(true);
                        self.status.waiting = waiting;
                        self.status.last_sync = Some(chrono::Utc::now());
                        self.status.last_error = None;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "sync failed");
                        self.status.online = Some(false);
                        self.status.last_error = Some(e);
                        self.refresh_status();
                    }
                }
                Task::none()
            }
            // A message for a screen that is no longer shown (e.g. a late click): ignore it.
            _ => Task::none(),
        }
    }

    pub fn view(&self) -> Element<'_, Message> {
        let body: Element<'_, Message> = match &self.screen {
            Screen::Failed(e) => container(text(e.clone()).size(22)).padding(40).into(),
            Screen::Enrol(s) => s.view().map(Message::Enrol),
            Screen::Login(s) => s.view().map(Message::Login),
            Screen::Sell(s) => {
                let name = self.cashier.as_ref().map(|c| c.name.as_str()).unwrap_or("");
                s.view(&self.cart, name).map(Message::Sell)
            }
            Screen::Pay(s) => s.view().map(Message::Pay),
            Screen::Manager(s) => s.view().map(Message::Manager),
        };
        column![
            container(body).height(Length::Fill).width(Length::Fill),
            self.status.view()
        ]
        .into()
    }

    pub fn subscription(&self) -> Subscription<Message> {
        let keys = event::listen_with(|event, _status, _window| match event {
            iced::Event::Keyboard(keyboard::Event::KeyPressed {
                key: keyboard::Key::Named(keyboard::key::Named::F2),
                ..
            }) => Some(Message::PayKey),
            iced::Event::Keyboard(keyboard::Event::KeyPressed {
                key: keyboard::Key::Named(keyboard::key::Named::F9),
                ..
            }) => Some(Message::ManagerKey),
            _ => None,
        });
        Subscription::batch([
            keys,
            iced::time::every(SYNC_EVERY).map(|_| Message::SyncTick),
        ])
    }
}
