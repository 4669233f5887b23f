//! The manager menu behind a manager's PIN: shift, cash in/out, no-sale, X report, Z close,
//! stock by scanning and the staff time clock. Each page returns to the menu with a notice.

use std::sync::Mutex;

use iced::widget::{button, column, container, operation, row, text, text_input};
use iced::{Alignment, Element, Length, Task};
use pos_terminal::{Ledger, ShiftReport, Staff};
use sync_protocol::{CashMovementDirection, ClockDirection, StaffRole, StockMovementKind};

use super::close::{self, Outcome};
use super::count;
use super::stock;
use crate::format;

pub const PIN_ID: &str = "manager-pin";
pub const AMOUNT_ID: &str = "cash-amount";
pub const REASON_ID: &str = "cash-reason";
pub const NO_SALE_NOTE_ID: &str = "nosale-note";
pub const CLOCK_PIN_ID: &str = "clock-pin";

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
    /// Back to the menu, or out to selling from the menu or the PIN prompt.
    Back,
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
}

pub enum Action {
    None,
    /// Put the keyboard in this field.
    Focus(&'static str),
    Exit,
}

impl Action {
    pub fn task<M: Send + 'static>(self) -> Task<M> {
        match self {
            Action::Focus(id) => operation::focus(id),
            Action::None | Action::Exit => Task::none(),
        }
    }
}

enum Page {
    Gate { pin: String },
    Menu,
    Open(close::OpenState),
    Cash(CashMovementDirection),
    NoSale,
    XReport(Box<ShiftReport>),
    Close(Box<close::CloseState>),
    Stock(stock::State),
    Clock { pin: String },
}

pub struct State {
    page: Page,
    /// The manager who opened the menu with their PIN.
    manager: Option<Staff>,
    amount: String,
    reason: String,
    notice: Option<String>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            page: Page::Gate { pin: String::new() },
            manager: None,
            amount: String::new(),
            reason: String::new(),
            notice: None,
        }
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).take(12).collect()
}

fn locked(ledger: &Mutex<Ledger>) -> Result<std::sync::MutexGuard<'_, Ledger>, String> {
    ledger
        .lock()
        .map_err(|_| "el registro local no está disponible".to_string())
}

impl State {
    fn menu(&mut self, notice: Option<String>) -> Action {
        self.page = Page::Menu;
        self.notice = notice;
        self.amount.clear();
        self.reason.clear();
        Action::None
    }

    fn outcome(&mut self, o: Outcome) -> Action {
        match o {
            Outcome::None => Action::None,
            Outcome::Back => self.menu(None),
            Outcome::Done(n) => self.menu(Some(n)),
        }
    }

    /// `cashier` is who is logged in at the till (the no-sale is theirs, approved by the manager).
    pub fn update(
        &mut self,
        message: Message,
        ledger: &Mutex<Ledger>,
        cashier: Option<&Staff>,
    ) -> Action {
        let manager = self.manager.clone();
        match (message, &mut self.page) {
            (Message::Pin(p), Page::Gate { pin }) => *pin = digits(&p),
            (Message::PinSubmit, Page::Gate { pin }) => {
                let pin = std::mem::take(pin);
                let found = locked(ledger)
                    .and_then(|l| l.find_staff_by_pin(&pin).map_err(|e| e.to_string()));
                match found {
                    Ok(Some(s)) if s.role == StaffRole::Manager => {
                        self.manager = Some(s);
                        return self.menu(None);
                    }
                    Ok(Some(s)) => {
                        self.notice = Some(format!("{} no es encargado.", s.name));
                    }
                    Ok(None) => self.notice = Some("PIN incorrecto".into()),
                    Err(e) => self.notice = Some(e),
                }
                return Action::Focus(PIN_ID);
            }
            (Message::Back, Page::Gate { .. } | Page::Menu) => return Action::Exit,
            (Message::Back, _) => return self.menu(None),
            (Message::Go(go), Page::Menu) => {
                if manager.is_none() {
                    return Action::Exit;
                }
                self.notice = None;
                let l = match locked(ledger) {
                    Ok(l) => l,
                    Err(e) => {
                        self.notice = Some(e);
                        return Action::None;
                    }
                };
                let (page, focus) = match go {
                    Go::OpenShift => (Page::Open(close::OpenState::new(&l)), None),
                    Go::Cash(d) => (Page::Cash(d), Some(AMOUNT_ID)),
                    Go::NoSale => (Page::NoSale, Some(NO_SALE_NOTE_ID)),
                    Go::XReport => match l.x_report() {
                        Ok(r) => (Page::XReport(Box::new(r)), None),
                        Err(e) => {
                            self.notice = Some(e.to_string());
                            return Action::None;
                        }
                    },
                    Go::Close => match (l.open_shift(), l.x_report(), l.cash_tolerance()) {
                        (Ok(None), _, _) => {
                            self.notice = Some("No hay ningún turno abierto.".into());
                            return Action::None;
                        }
                        (Ok(Some(_)), Ok(r), Ok(t)) => {
                            (Page::Close(Box::new(close::CloseState::new(r, t))), None)
                        }
                        (Err(e), _, _) | (_, Err(e), _) => {
                            self.notice = Some(e.to_string());
                            return Action::None;
                        }
                        (_, _, Err(e)) => {
                            self.notice = Some(e.to_string());
                            return Action::None;
                        }
                    },
                    Go::Stock(kind) => (Page::Stock(stock::State::new(kind)), Some(stock::SCAN_ID)),
                    Go::Clock => (Page::Clock { pin: String::new() }, Some(CLOCK_PIN_ID)),
                };
                drop(l);
                self.page = page;
                return focus.map(Action::Focus).unwrap_or(Action::None);
            }
            (Message::Amount(s), Page::Cash(_)) => self.amount = s,
            (Message::Reason(s), Page::Cash(_)) => self.reason = s,
            (Message::Note(s), Page::NoSale) => self.reason = s,
            (Message::CashConfirm, Page::Cash(direction)) => {
                let direction = *direction;
                let Some(manager) = manager else {
                    return Action::Exit;
                };
                let Some(amount) = format::parse_money(&self.amount) else {
                    self.notice = Some("Importe no válido.".into());
                    return Action::Focus(AMOUNT_ID);
                };
                let result = locked(ledger).and_then(|mut l| {
                    l.cash_movement(&manager, direction, amount, &self.reason)
                        .map_err(|e| e.to_string())
                });
                match result {
                    Ok(_) => {
                        let what = match direction {
                            CashMovementDirection::In => "Entrada",
                            CashMovementDirection::Out => "Salida",
                        };
                        return self.menu(Some(format!(
                            "{what} de efectivo de {} registrada",
                            format::money(amount)
                        )));
                    }
                    Err(e) => self.notice = Some(e),
                }
            }
            (Message::NoSaleConfirm, Page::NoSale) => {
                let Some(manager) = manager else {
                    return Action::Exit;
                };
                let result = locked(ledger).and_then(|mut l| {
                    l.no_sale(cashier.map(|c| c.id), &manager, &self.reason)
                        .map_err(|e| e.to_string())
                });
                match result {
                    Ok(_) => {
                        return self
                            .menu(Some("Apertura sin venta registrada: abra el cajón".into()));
                    }
                    Err(e) => self.notice = Some(e),
                }
            }
            (Message::ClockPin(p), Page::Clock { pin }) => *pin = digits(&p),
            (Message::ClockSubmit, Page::Clock { pin }) => {
                let pin = std::mem::take(pin);
                let result = locked(ledger).and_then(|mut l| {
                    match l.find_staff_by_pin(&pin).map_err(|e| e.to_string())? {
                        None => Err("PIN incorrecto".to_string()),
                        Some(s) => l
                            .clock(&s)
                            .map(|(_, d)| (s.name, d))
                            .map_err(|e| e.to_string()),
                    }
                });
                match result {
                    Ok((name, ClockDirection::In)) => {
                        return self.menu(Some(format!("{name}: entrada registrada")));
                    }
                    Ok((name, ClockDirection::Out)) => {
                        return self.menu(Some(format!("{name}: salida registrada")));
                    }
                    Err(e) => {
                        self.notice = Some(e);
                        return Action::Focus(CLOCK_PIN_ID);
                    }
                }
            }
            (Message::Open(m), Page::Open(s)) => {
                let Some(manager) = manager else {
                    return Action::Exit;
                };
                let o = s.update(m, ledger, &manager);
                return self.outcome(o);
            }
            (Message::Close(m), Page::Close(s)) => {
                let Some(manager) = manager else {
                    return Action::Exit;
                };
                let o = s.update(m, ledger, &manager);
                return self.outcome(o);
            }
            (Message::Stock(m), Page::Stock(s)) => {
                let Some(manager) = manager else {
                    return Action::Exit;
                };
                let keep_focus = matches!(m, stock::Message::Submit);
                let o = s.update(m, ledger, &manager);
                let a = self.outcome(o);
                if keep_focus && matches!(a, Action::None) {
                    return Action::Focus(stock::SCAN_ID);
                }
                return a;
            }
            // A late message for a page no longer shown.
            _ => {}
        }
        Action::None
    }

    pub fn view(&self) -> Element<'_, Message> {
        let body: Element<'_, Message> = match &self.page {
            Page::Gate { pin } => column![
                text("Gerencia: PIN de encargado").size(28),
                text_input("PIN", pin)
                    .id(PIN_ID)
                    .secure(true)
                    .on_input(Message::Pin)
                    .on_submit(Message::PinSubmit)
                    .padding(12)
                    .size(24),
                row![
                    button(text("Volver")).on_press(Message::Back),
                    button(text("Continuar")).on_press(Message::PinSubmit),
                ]
                .spacing(20),
            ]
            .spacing(14)
            .max_width(480)
            .into(),
            Page::Menu => self.menu_view(),
            Page::Open(s) => s.view().map(Message::Open),
            Page::Close(s) => match &self.manager {
                Some(m) => s.view(m).map(Message::Close),
                None => text("").into(),
            },
            Page::Stock(s) => s.view().map(Message::Stock),
            Page::Cash(d) => {
                let title = match d {
                    CashMovementDirection::In => "Entrada de efectivo",
                    CashMovementDirection::Out => "Salida de efectivo",
                };
                column![
                    text(title).size(28),
                    text_input("Importe", &self.amount)
                        .id(AMOUNT_ID)
                        .on_input(Message::Amount)
                        .padding(10)
                        .size(22),
                    text_input(
                        "Motivo (p. ej. pago a proveedor, cambio del banco)",
                        &self.reason
                    )
                    .id(REASON_ID)
                    .on_input(Message::Reason)
                    .on_submit(Message::CashConfirm)
                    .padding(10),
                    row![
                        button(text("Volver")).on_press(Message::Back),
                        button(text("Registrar movimiento")).on_press(Message::CashConfirm),
                    ]
                    .spacing(20),
                ]
                .spacing(14)
                .max_width(640)
                .into()
            }
            Page::NoSale => column![
                text("Apertura del cajón sin venta").size(28),
                text_input("Motivo (opcional)", &self.reason)
                    .id(NO_SALE_NOTE_ID)
                    .on_input(Message::Note)
                    .padding(10),
                row![
                    button(text("Volver")).on_press(Message::Back),
                    button(text("Abrir cajón")).on_press(Message::NoSaleConfirm),
                ]
                .spacing(20),
            ]
            .spacing(14)
            .max_width(640)
            .into(),
            Page::XReport(r) => column![
                report_view(r),
                button(text("Volver")).on_press(Message::Back)
            ]
            .spacing(14)
            .into(),
            Page::Clock { pin } => column![
                text("Fichar entrada o salida").size(28),
                text_input("PIN de quien ficha", pin)
                    .id(CLOCK_PIN_ID)
                    .secure(true)
                    .on_input(Message::ClockPin)
                    .on_submit(Message::ClockSubmit)
                    .padding(12)
                    .size(24),
                row![
                    button(text("Volver")).on_press(Message::Back),
                    button(text("Fichar")).on_press(Message::ClockSubmit),
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
        container(col).padding(20).height(Length::Fill).into()
    }

    fn menu_view(&self) -> Element<'_, Message> {
        let name = self.manager.as_ref().map(|m| m.name.as_str()).unwrap_or("");
        let item = |label: &'static str, go: Go| {
            button(text(label).size(20))
                .padding(12)
                .width(Length::Fixed(300.0))
                .on_press(Message::Go(go))
        };
        column![
            row![
                text(format!("Gerencia · {name}"))
                    .size(28)
                    .width(Length::Fill),
                button(text("Volver a vender")).on_press(Message::Back),
            ]
            .align_y(Alignment::Center),
            row![
                column![
                    text("Caja").size(20),
                    item("Abrir caja", Go::OpenShift),
                    item("Entrada de efectivo", Go::Cash(CashMovementDirection::In)),
                    item("Salida de efectivo", Go::Cash(CashMovementDirection::Out)),
                    item("Apertura sin venta", Go::NoSale),
                    item("Informe X", Go::XReport),
                    item("Cierre Z", Go::Close),
                ]
                .spacing(8),
                column![
                    text("Almacén y personal").size(20),
                    item(
                        "Recepción de mercancía",
                        Go::Stock(StockMovementKind::Receipt)
                    ),
                    item("Recuento de stock", Go::Stock(StockMovementKind::Count)),
                    item("Mermas y roturas", Go::Stock(StockMovementKind::Waste)),
                    item("Fichar entrada/salida", Go::Clock),
                ]
                .spacing(8),
            ]
            .spacing(40),
        ]
        .spacing(16)
        .into()
    }
}

/// The X report as the manager reads it.
fn report_view(r: &ShiftReport) -> Element<'_, Message> {
    let mut col = column![text("Informe X").size(28)].spacing(6);
    col = col.push(text(match &r.shift {
        Some(s) => format!(
            "Turno abierto (documento {}) · fondo {}",
            s.seq,
            format::money(s.float)
        ),
        None => "Sin turno abierto".to_string(),
    }));
    col = col
        .push(text(format!(
            "Tickets: {} · Ventas: {}",
            r.ticket_count,
            format::money(r.gross)
        )))
        .push(text(format!(
            "Devoluciones: {} · {}",
            r.refund_count,
            format::money(r.refunds)
        )));
    for t in &r.tenders {
        col = col.push(text(format!(
            "{}: ventas {} · devoluciones {}",
            close::tender_name(t.tender),
            format::money(t.sales),
            format::money(t.refunds)
        )));
    }
    for t in &r.taxes {
        col = col.push(text(format!(
            "IVA {}: base {} · cuota {}",
            format::tax_rate(t.rate),
            format::money(t.base),
            format::money(t.tax)
        )));
    }
    col.push(text(format!(
        "Entradas de efectivo: {} · Salidas: {} · Aperturas sin venta: {}",
        format::money(r.cash_in),
        format::money(r.cash_out),
        r.no_sales
    )))
    .push(
        text(format!(
            "Efectivo esperado: {}",
            format::money(r.expected_cash())
        ))
        .size(26),
    )
    .into()
}

// The grid ids are part of this screen's contract for tests.
pub use count::input_id as denomination_id;
