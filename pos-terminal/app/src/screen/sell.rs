//! The sell screen: a scan field that keeps focus, search as you type, the ticket lines with
//! quantity, discounts, void and manager price override, and the running total.

use std::sync::Mutex;

use iced::widget::{button, column, container, row, scrollable, text, text_input};
use iced::{Alignment, Element, Length};
use pos_terminal::{Cart, CatalogItem, Ledger, Scan, ScanError};
use sync_protocol::{Money, Quantity};

use crate::{format, manager};

pub const SCAN_ID: &str = "scan";
pub const MANAGER_PIN_ID: &str = "override-pin";
/// How many search results are shown under the scan field.
pub const RESULTS: usize = 8;

#[derive(Debug, Clone)]
pub enum Message {
    Input(String),
    Submit,
    /// Add the n-th search result.
    Pick(usize),
    Select(usize),
    /// Set the selected line's quantity to the number typed in the scan field.
    SetQuantity,
    Plus,
    Minus,
    /// The amount typed becomes the selected line's discount.
    LineDiscount,
    /// The amount typed becomes the ticket discount.
    TicketDiscount,
    /// The amount typed becomes the selected line's unit price, once a manager approves.
    PriceOverride,
    OverridePin(String),
    OverrideConfirm,
    OverrideCancel,
    Void,
    Pay,
    Park,
    Recall,
    Reprint,
    Refund,
    Invoice,
    Settings,
    Logout,
    /// Esc: close the dialog, else clear what was typed.
    Escape,
    Manager,
}

pub enum Action {
    /// Nothing for the parent; the scan field gets focus back.
    None,
    /// Give focus to this widget instead of the scan field.
    Focus(&'static str),
    Pay,
    Park,
    Recall,
    Reprint,
    Refund,
    Invoice,
    Settings,
    Logout,
    Manager,
}

#[derive(Debug)]
struct Override {
    line: usize,
    price: Money,
    pin: String,
    error: Option<String>,
}

#[derive(Debug, Default)]
pub struct State {
    input: String,
    results: Vec<CatalogItem>,
    selected: Option<usize>,
    override_dialog: Option<Override>,
    /// A message for the cashier: unknown code, or the change of the last sale.
    pub notice: Option<String>,
}

/// Whether typed text is a search (has a letter) rather than a code or a number.
fn is_search(s: &str) -> bool {
    s.chars().any(char::is_alphabetic)
}

fn parse_quantity(s: &str) -> Option<Quantity> {
    let t = s.trim().replace(',', ".");
    let q: Quantity = t.parse().ok()?;
    (!q.is_negative() && !q.is_zero()).then_some(q)
}

impl State {
    pub fn with_notice(notice: Option<String>) -> Self {
        Self {
            notice,
            ..Self::default()
        }
    }

    pub fn input(&self) -> &str {
        &self.input
    }

    pub fn results(&self) -> &[CatalogItem] {
        &self.results
    }

    /// Re-runs the search for what is typed (after a catalog change arrives from HQ).
    pub fn refresh(&mut self, ledger: &Mutex<Ledger>) {
        self.search(ledger);
    }

    fn search(&mut self, ledger: &Mutex<Ledger>) {
        self.results = if is_search(&self.input) {
            ledger
                .lock()
                .ok()
                .and_then(|l| l.search_products(&self.input, RESULTS).ok())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
    }

    /// The line edits apply to: the one selected, else the last one.
    fn target(&self, cart: &Cart) -> Option<usize> {
        match self.selected {
            Some(i) if i < cart.lines().len() => Some(i),
            _ => cart.lines().len().checked_sub(1),
        }
    }

    fn add(&mut self, item: &CatalogItem, cart: &mut Cart) {
        self.notice = match cart.add_item(item, Quantity::one()) {
            Ok(i) => {
                self.selected = Some(i);
                None
            }
            Err(e) => Some(format!("No se pudo añadir {}: {e}", item.name)),
        };
        self.input.clear();
        self.results.clear();
    }

    /// Adds what a scan resolved to: an item, or a weighed or priced scale label (its own line).
    fn add_scan(&mut self, scan: &Scan, cart: &mut Cart) {
        self.notice = match cart.add_scan(scan) {
            Ok(i) => {
                self.selected = Some(i);
                None
            }
            Err(e) => Some(format!("No se pudo añadir {}: {e}", scan.item().name)),
        };
        self.input.clear();
        self.results.clear();
    }

    /// A code from the scan field or from the keyboard-wedge detector (whatever had focus).
    pub fn scan(&mut self, code: &str, cart: &mut Cart, ledger: &Mutex<Ledger>) {
        let code = code.trim();
        if code.is_empty() {
            return;
        }
        // Scale labels (GS1 20–29) are decoded with HQ's rules into a weighed or priced line;
        // a wrong check/verifier digit or an unregistered scale article says why (Spanish).
        let found = match ledger.lock() {
            Ok(l) => match l.resolve_scan(code) {
                Ok(s) => Ok(Some(s)),
                Err(ScanError::Unknown(_)) => Ok(None),
                Err(ScanError::Invalid { code, reason }) => {
                    self.notice = Some(format!("Código no válido: {code} ({reason})"));
                    self.input.clear();
                    return;
                }
                Err(e @ ScanError::UnknownScaleItem { .. }) => {
                    self.notice = Some(e.to_string());
                    self.input.clear();
                    return;
                }
                Err(e) => Err(e.to_string()),
            },
            Err(_) => Err("el registro local no está disponible".to_string()),
        };
        match found {
            Ok(Some(scan)) => self.add_scan(&scan, cart),
            Ok(None) => {
                self.notice = Some(match sync_protocol::barcode::validate(code) {
                    Err(e) if code.chars().all(|c| c.is_ascii_digit()) => {
                        format!("Código no válido: {code} ({e})")
                    }
                    _ => format!("Código desconocido: {code}"),
                });
                self.input.clear();
            }
            Err(e) => self.notice = Some(format!("Error: {e}")),
        }
    }

    /// Takes the number typed in the scan field as an amount.
    fn typed_money(&mut self) -> Option<Money> {
        let m = format::parse_money(&self.input);
        if m.is_none() {
            self.notice = Some("Escriba primero el importe en el campo de código.".into());
        }
        m
    }

    pub fn update(&mut self, message: Message, cart: &mut Cart, ledger: &Mutex<Ledger>) -> Action {
        match message {
            Message::Input(s) => {
                self.input = s;
                self.search(ledger);
            }
            Message::Submit => {
                if is_search(&self.input) {
                    match self.results.first().cloned() {
                        Some(item) => self.add(&item, cart),
                        None => self.notice = Some(format!("Sin resultados para «{}»", self.input)),
                    }
                } else {
                    let code = std::mem::take(&mut self.input);
                    self.scan(&code, cart, ledger);
                }
            }
            Message::Pick(i) => {
                if let Some(item) = self.results.get(i).cloned() {
                    self.add(&item, cart);
                }
            }
            Message::Select(i) => self.selected = Some(i),
            Message::SetQuantity => {
                let Some(i) = self.target(cart) else {
                    return Action::None;
                };
                match parse_quantity(&self.input) {
                    Some(q) => self.edit(|c| c.set_quantity(i, q), cart),
                    None => self.notice = Some("Escriba primero la cantidad.".into()),
                }
            }
            Message::Plus | Message::Minus => {
                let Some(i) = self.target(cart) else {
                    return Action::None;
                };
                let q = cart.lines()[i].quantity;
                let q = if matches!(message, Message::Plus) {
                    q + Quantity::one()
                } else {
                    q - Quantity::one()
                };
                if q.is_zero() || q.is_negative() {
                    self.notice = Some("Para quitar la línea use «Anular línea».".into());
                } else {
                    self.selected = Some(i);
                    self.edit(|c| c.set_quantity(i, q), cart);
                }
            }
            Message::LineDiscount => {
                let Some(i) = self.target(cart) else {
                    return Action::None;
                };
                if let Some(m) = self.typed_money() {
                    self.edit(|c| c.set_line_discount(i, m), cart);
                }
            }
            Message::TicketDiscount => {
                if cart.is_empty() {
                    return Action::None;
                }
                if let Some(m) = self.typed_money() {
                    self.edit(|c| c.set_ticket_discount(m), cart);
                }
            }
            Message::PriceOverride => {
                let Some(i) = self.target(cart) else {
                    return Action::None;
                };
                if let Some(price) = self.typed_money() {
                    self.override_dialog = Some(Override {
                        line: i,
                        price,
                        pin: String::new(),
                        error: None,
                    });
                    return Action::Focus(MANAGER_PIN_ID);
                }
            }
            Message::OverridePin(p) => {
                if let Some(o) = &mut self.override_dialog {
                    o.pin = manager::pin_digits(&p);
                }
                return Action::Focus(MANAGER_PIN_ID);
            }
            Message::OverrideConfirm => {
                let Some(o) = &mut self.override_dialog else {
                    return Action::None;
                };
                let pin = std::mem::take(&mut o.pin);
                match manager::authorise(ledger, &pin) {
                    Ok(m) => {
                        let (line, price) = (o.line, o.price);
                        self.override_dialog = None;
                        match cart.set_unit_price(line, price) {
                            Ok(()) => {
                                tracing::info!(manager = %m.name, line, %price, "price override");
                                self.notice = Some(format!(
                                    "Precio cambiado a {} (autoriza {})",
                                    format::money(price),
                                    m.name
                                ));
                            }
                            Err(e) => self.notice = Some(format!("No se puede: {e}")),
                        }
                        self.input.clear();
                    }
                    Err(e) => {
                        o.error = Some(e);
                        return Action::Focus(MANAGER_PIN_ID);
                    }
                }
            }
            Message::OverrideCancel => self.override_dialog = None,
            Message::Void => {
                if let Some(i) = self.target(cart)
                    && let Ok(line) = cart.remove_line(i)
                {
                    self.notice = Some(format!("Línea anulada: {}", line.name));
                    self.selected = None;
                }
            }
            Message::Escape => {
                if self.override_dialog.take().is_none() {
                    self.input.clear();
                    self.results.clear();
                }
            }
            Message::Pay => {
                if cart.is_empty() {
                    self.notice = Some("El ticket está vacío.".into());
                } else {
                    return Action::Pay;
                }
            }
            Message::Park => return Action::Park,
            Message::Recall => return Action::Recall,
            Message::Reprint => return Action::Reprint,
            Message::Refund => return Action::Refund,
            Message::Settings => return Action::Settings,
            Message::Invoice => return Action::Invoice,
            Message::Logout => return Action::Logout,
            Message::Manager => return Action::Manager,
        }
        if self.override_dialog.is_some() {
            Action::Focus(MANAGER_PIN_ID)
        } else {
            Action::None
        }
    }

    /// Applies a cart edit; a refused edit (discount above the price, …) is explained.
    fn edit(
        &mut self,
        f: impl FnOnce(&mut Cart) -> Result<(), pos_terminal::CartError>,
        cart: &mut Cart,
    ) {
        match f(cart) {
            Ok(()) => {
                self.input.clear();
                self.notice = None;
            }
            Err(e) => self.notice = Some(format!("No se puede: {e}")),
        }
    }

    pub fn view<'a>(
        &'a self,
        cart: &'a Cart,
        cashier: &str,
        parked: usize,
    ) -> Element<'a, Message> {
        let scan = text_input(
            "Escanee, busque por nombre o escriba una cantidad",
            &self.input,
        )
        .id(SCAN_ID)
        .on_input(Message::Input)
        .on_submit(Message::Submit)
        .padding(12)
        .size(24);

        let mut results = column![].spacing(4);
        for (i, item) in self.results.iter().enumerate() {
            results = results.push(
                button(
                    row![
                        text(item.name.clone()).size(20).width(Length::Fill),
                        text(item.sku.clone()).size(16).width(Length::Fixed(140.0)),
                        text(format::money(item.price)).size(20),
                    ]
                    .spacing(10),
                )
                .width(Length::Fill)
                .padding(10)
                .on_press(Message::Pick(i)),
            );
        }
        if is_search(&self.input) && self.results.is_empty() {
            results = results.push(text("Sin resultados").size(18));
        }

        let target = self.target(cart);
        let mut lines = column![].spacing(6);
        let totals = cart.totals().ok();
        for (i, line) in cart.lines().iter().enumerate() {
            let amount = totals
                .as_ref()
                .and_then(|t| t.lines.get(i))
                .map(|t| t.gross)
                .unwrap_or_else(|| line.unit_price.times(line.quantity));
            let marker = if target == Some(i) { "▸ " } else { "" };
            let mut detail = format!(
                "{} x {}",
                format::quantity(line.quantity),
                format::money(line.unit_price)
            );
            if !line.discount.is_zero() {
                detail.push_str(&format!(" − {}", format::money(line.discount)));
            }
            lines = lines.push(
                button(
                    row![
                        text(format!("{marker}{}", line.name))
                            .size(20)
                            .width(Length::Fill),
                        text(detail).size(18).width(Length::Fixed(260.0)),
                        text(format::money(amount))
                            .size(20)
                            .width(Length::Fixed(130.0)),
                    ]
                    .spacing(10)
                    .align_y(Alignment::Center),
                )
                .style(if target == Some(i) {
                    button::secondary
                } else {
                    button::text
                })
                .width(Length::Fill)
                .padding(6)
                .on_press(Message::Select(i)),
            );
        }
        if cart.is_empty() {
            lines = lines.push(text("Ticket vacío").size(18));
        }

        let mut summary = column![].spacing(4).align_x(Alignment::End);
        match &totals {
            Some(t) => {
                if !cart.ticket_discount().is_zero() {
                    summary = summary.push(text(format!(
                        "Descuento ticket: {}",
                        format::money(cart.ticket_discount())
                    )));
                }
                for tax in &t.taxes {
                    summary = summary.push(text(format!(
                        "IVA {}: base {} · cuota {}",
                        format::tax_rate(tax.rate),
                        format::money(tax.base),
                        format::money(tax.tax)
                    )));
                }
                summary = summary.push(text(format!("Total: {}", format::money(t.total))).size(36));
            }
            None => {
                summary =
                    summary.push(text(format!("Total: {}", format::money(Money::ZERO))).size(36))
            }
        }

        let big = |label: &'a str, m: Message| button(text(label).size(18)).padding(12).on_press(m);
        let edit_keys = row![
            big("−", Message::Minus),
            big("+", Message::Plus),
            big("Cantidad", Message::SetQuantity),
            big("Dto. línea", Message::LineDiscount),
            big("Dto. ticket", Message::TicketDiscount),
            big("Precio (encargado)", Message::PriceOverride),
            big("Anular línea (F4)", Message::Void),
        ]
        .spacing(8);
        let recall_label = if parked > 0 {
            format!("Recuperar (F6) · {parked}")
        } else {
            "Recuperar (F6)".to_string()
        };
        let function_keys = row![
            big("Aparcar (F5)", Message::Park),
            button(text(recall_label).size(18))
                .padding(12)
                .on_press(Message::Recall),
            big("Reimprimir (F7)", Message::Reprint),
            big("Factura (F3)", Message::Invoice),
            big("Devolución (F8)", Message::Refund),
            big("Ajustes (F9)", Message::Settings),
            container(text("")).width(Length::Fill),
            button(text("Cobrar (F2)").size(26))
                .padding(16)
                .on_press(Message::Pay),
        ]
        .spacing(8)
        .align_y(Alignment::Center);

        let mut col = column![
            row![
                text(format!("Cajero: {cashier}"))
                    .size(18)
                    .width(Length::Fill),
                button(text("Gerencia (F10)")).on_press(Message::Manager),
                button(text("Salir")).on_press(Message::Logout),
            ]
            .spacing(10)
            .align_y(Alignment::Center),
            scan,
            results,
        ]
        .spacing(12);
        if let Some(o) = &self.override_dialog {
            let mut dialog = column![
                text(format!(
                    "Cambiar precio a {}: PIN del encargado",
                    format::money(o.price)
                ))
                .size(22),
                text_input("PIN del encargado", &o.pin)
                    .id(MANAGER_PIN_ID)
                    .secure(true)
                    .on_input(Message::OverridePin)
                    .on_submit(Message::OverrideConfirm)
                    .padding(10)
                    .size(24),
                row![
                    big("Cancelar (Esc)", Message::OverrideCancel),
                    big("Autorizar", Message::OverrideConfirm),
                ]
                .spacing(10),
            ]
            .spacing(10);
            if let Some(e) = &o.error {
                dialog = dialog.push(text(e.clone()).size(20));
            }
            col = col.push(container(dialog).padding(12).style(container::bordered_box));
        }
        if let Some(n) = &self.notice {
            col = col.push(text(n.clone()).size(22));
        }
        col = col
            .push(scrollable(lines).height(Length::Fill))
            .push(summary)
            .push(edit_keys)
            .push(function_keys);
        container(col).padding(20).height(Length::Fill).into()
    }
}
