//! Full invoice (factura completa) and e-mailed receipts for a ticket. The customer comes from the
//! franchisee's directory (searched offline by name or NIF as the cashier types) or is typed; a
//! typed customer can be saved to the directory (it reaches HQ in the next push). The name,
//! address and NIF/NIE/CIF are validated with a clear message, the invoice stored in the ledger
//! and printed with its own title. "Enviar ticket por correo" queues an e-mail request for HQ,
//! which renders the ticket as a PDF and sends it; with an e-mail filled in, issuing the invoice
//! e-mails the invoice too. A directory address is only filled in when the customer consented;
//! an address the cashier types is the customer's request for this receipt.
//!
//! Ledger work (the directory search, issuing, queuing the e-mail, saving a customer) runs on the
//! ledger's thread through the free functions at the bottom; the answer comes back as
//! [`Message::Answer`], so `update` never waits for the ledger.

use crate::key;
use iced::widget::{button, checkbox, column, container, row, text, text_input};
use iced::{Element, Length, Task};
use pos_terminal::ledger::TillCustomer;
use pos_terminal::{FullInvoice, Ledger, LedgerError, LedgerHandle};
use sync_protocol::customers::CustomerError;
use sync_protocol::{CustomerRecord, DocumentBody, DocumentId};
use uuid::Uuid;

use crate::i18n::I18n;
use crate::ledger_task::{self, ScreenReply};

pub const TICKET_ID: &str = "invoice-ticket";
pub const SEARCH_ID: &str = "invoice-customer-search";
pub const NAME_ID: &str = "invoice-name";
pub const ADDRESS_ID: &str = "invoice-address";
pub const NIF_ID: &str = "invoice-nif";
pub const EMAIL_ID: &str = "invoice-email";

/// Most directory matches shown under the search field.
pub const MAX_MATCHES: usize = 6;

#[derive(Debug, Clone)]
pub enum Message {
    Ticket(String),
    Search(String),
    Pick(usize),
    Name(String),
    Address(String),
    Nif(String),
    Email(String),
    Consent(bool),
    Issue,
    MailReceipt,
    SaveCustomer,
    Back,
    /// The ledger's answer to a search, an issue, an e-mail or a save, and what to do with it.
    Answer(ScreenReply<State, Action>),
}

pub enum Action {
    None,
    Focus(&'static str),
    Back,
    /// Work for the ledger's thread; its answer comes back as [`Message::Answer`].
    Run(Task<Message>),
    /// The invoice, and the address it is e-mailed to, if any.
    Issued(Box<FullInvoice>, Option<String>),
    /// A ticket queued to be e-mailed: its number and the address.
    Mailed {
        ticket: String,
        to: String,
    },
}

#[derive(Debug, Default)]
pub struct State {
    ticket: String,
    search: String,
    matches: Vec<TillCustomer>,
    picked: Option<Uuid>,
    name: String,
    address: String,
    nif: String,
    email: String,
    consent: bool,
    error: Option<String>,
    notice: Option<String>,
    /// An invoice, an e-mail or a save is on the ledger's thread.
    busy: bool,
}

/// What issuing or e-mailing found on the ledger's thread.
enum Found<T> {
    NoSuchTicket,
    Exists(String),
    Done(T),
}

/// The message for a refused NIF/NIE/CIF, in the cashier's words.
fn nif_message(nif: &str, tr: &I18n) -> Option<String> {
    let n = sync_protocol::nif::normalise(nif);
    if n.is_empty() {
        return Some(tr.t(key!("invoice-nif-missing")));
    }
    sync_protocol::nif::validate(&n).err().map(|detail| {
        tr.args(
            "invoice-nif-invalid",
            &[
                ("nif", n.clone().into()),
                ("detail", detail.to_string().into()),
            ],
        )
    })
}

/// A customer refused, in the cashier's words.
fn customer_message(e: &CustomerError, nif: &str, tr: &I18n) -> String {
    match e {
        CustomerError::NameEmpty | CustomerError::NameTooLong => tr.t(key!("invoice-name-missing")),
        CustomerError::AddressTooLong => tr.t(key!("customer-address-too-long")),
        CustomerError::Nif(_) => nif_message(nif, tr).unwrap_or_default(),
        CustomerError::Email(v) => {
            tr.args("customer-email-invalid", &[("email", v.clone().into())])
        }
        CustomerError::ConsentWithoutEmail => tr.t(key!("customer-consent-needs-email")),
    }
}

impl State {
    /// Starts with the last sale's ticket number filled in (the usual request).
    pub fn new(last_ticket: Option<String>) -> Self {
        Self {
            ticket: last_ticket.unwrap_or_default(),
            ..Self::default()
        }
    }

    /// The directory's matches shown now.
    pub fn matches(&self) -> &[TillCustomer] {
        &self.matches
    }

    pub fn update(&mut self, message: Message, ledger: &LedgerHandle, tr: &I18n) -> Action {
        if let Message::Answer(reply) = &message {
            return ledger_task::apply(reply.clone(), self, tr).unwrap_or(Action::None);
        }
        if self.busy {
            return Action::None;
        }
        let uses_ledger = matches!(
            message,
            Message::Search(_) | Message::Issue | Message::MailReceipt | Message::SaveCustomer
        );
        if !uses_ledger {
            return self.edit(message);
        }
        self.error = None;
        self.notice = None;
        match message {
            Message::Search(s) => {
                self.search = s;
                if self.search.trim().is_empty() {
                    self.matches.clear();
                    return Action::Focus(SEARCH_ID);
                }
                let query = self.search.clone();
                let asked = query.clone();
                Action::Run(Task::batch([
                    iced::widget::operation::focus(SEARCH_ID),
                    ledger_task::then(
                        ledger,
                        move |l| find_customers(l, &query),
                        move |s: &mut State, found, _tr| {
                            // Only the answer for what the field still says.
                            if s.search == asked {
                                s.matches = found.unwrap_or_default();
                            }
                            Action::None
                        },
                        Message::Answer,
                    ),
                ]))
            }
            Message::Issue => self.issue(ledger, tr),
            Message::MailReceipt => self.mail_receipt(ledger, tr),
            Message::SaveCustomer => self.save_customer(ledger, tr),
            _ => Action::None,
        }
    }

    /// Typing and picking: no ledger needed.
    fn edit(&mut self, message: Message) -> Action {
        match message {
            Message::Ticket(s) => {
                self.ticket = s;
                Action::Focus(TICKET_ID)
            }
            Message::Pick(i) => {
                if let Some(c) = self.matches.get(i).cloned() {
                    self.picked = Some(c.id);
                    self.name = c.name;
                    self.address = c.address;
                    self.nif = c.nif;
                    // Only an address the customer agreed to receive e-mail at.
                    self.email = if c.email_consent {
                        c.email
                    } else {
                        String::new()
                    };
                    self.consent = c.email_consent;
                    self.matches.clear();
                    self.search.clear();
                }
                Action::Focus(EMAIL_ID)
            }
            Message::Name(s) => {
                self.picked = None;
                self.name = s;
                Action::Focus(NAME_ID)
            }
            Message::Address(s) => {
                self.address = s;
                Action::Focus(ADDRESS_ID)
            }
            Message::Nif(s) => {
                self.picked = None;
                self.nif = s;
                Action::Focus(NIF_ID)
            }
            Message::Email(s) => {
                self.email = s;
                Action::Focus(EMAIL_ID)
            }
            Message::Consent(b) => {
                self.consent = b;
                Action::None
            }
            Message::Back => Action::Back,
            Message::Search(_)
            | Message::Issue
            | Message::MailReceipt
            | Message::SaveCustomer
            | Message::Answer(_) => Action::None,
        }
    }

    /// The e-mail address typed or picked, checked; `Ok(None)` when there is none.
    fn email(&mut self, tr: &I18n) -> Result<Option<String>, Action> {
        let e = self.email.trim().to_lowercase();
        if e.is_empty() {
            return Ok(None);
        }
        if !sync_protocol::customers::is_email(&e) {
            self.error = Some(tr.args("customer-email-invalid", &[("email", e.into())]));
            return Err(Action::Focus(EMAIL_ID));
        }
        Ok(Some(e))
    }

    fn issue(&mut self, ledger: &LedgerHandle, tr: &I18n) -> Action {
        if self.name.trim().is_empty() {
            self.error = Some(tr.t(key!("invoice-name-missing")));
            return Action::Focus(NAME_ID);
        }
        if self.address.trim().is_empty() {
            self.error = Some(tr.t(key!("invoice-address-missing")));
            return Action::Focus(ADDRESS_ID);
        }
        if let Some(e) = nif_message(&self.nif, tr) {
            self.error = Some(e);
            return Action::Focus(NIF_ID);
        }
        let to = match self.email(tr) {
            Ok(to) => to,
            Err(a) => return a,
        };
        let ticket = self.ticket.clone();
        let (name, address, nif) = (self.name.clone(), self.address.clone(), self.nif.clone());
        let customer = self.picked;
        let mail_to = to.clone();
        self.busy = true;
        Action::Run(ledger_task::then(
            ledger,
            move |l| -> Result<Found<FullInvoice>, LedgerError> {
                let Some(sale) = sale_by_ticket(l, &ticket)? else {
                    return Ok(Found::NoSuchTicket);
                };
                if let Some(existing) = l.full_invoice_for(sale.seq)? {
                    return Ok(Found::Exists(existing.number));
                }
                issue_invoice(
                    l,
                    sale.seq,
                    (&name, &address, &nif),
                    mail_to.as_deref(),
                    customer,
                )
                .map(Found::Done)
            },
            move |s: &mut State, found, tr| {
                s.busy = false;
                match found {
                    Ok(Found::Done(inv)) => Action::Issued(Box::new(inv), to),
                    Ok(Found::NoSuchTicket) => s.no_such_ticket(tr),
                    Ok(Found::Exists(number)) => {
                        s.error = Some(tr.args("invoice-exists", &[("number", number.into())]));
                        Action::None
                    }
                    Err(e) => {
                        s.error = Some(tr.args("invoice-failed", &[("error", e.into())]));
                        Action::None
                    }
                }
            },
            Message::Answer,
        ))
    }

    fn no_such_ticket(&mut self, tr: &I18n) -> Action {
        self.error = Some(tr.args("ticket-not-found", &[("ticket", self.ticket.trim().into())]));
        Action::Focus(TICKET_ID)
    }

    fn mail_receipt(&mut self, ledger: &LedgerHandle, tr: &I18n) -> Action {
        let to = match self.email(tr) {
            Ok(Some(to)) => to,
            Ok(None) => {
                self.error = Some(tr.t(key!("customer-email-missing")));
                return Action::Focus(EMAIL_ID);
            }
            Err(a) => return a,
        };
        let ticket = self.ticket.clone();
        let customer = self.picked;
        let mail_to = to.clone();
        self.busy = true;
        Action::Run(ledger_task::then(
            ledger,
            move |l| -> Result<Found<String>, LedgerError> {
                let Some(sale) = sale_by_ticket(l, &ticket)? else {
                    return Ok(Found::NoSuchTicket);
                };
                let number = match &sale.body {
                    DocumentBody::Sale(s) => s.ticket_number.clone(),
                    _ => String::new(),
                };
                mail_document(l, sale.id, &mail_to, customer)?;
                Ok(Found::Done(number))
            },
            move |s: &mut State, found, tr| {
                s.busy = false;
                match found {
                    Ok(Found::Done(ticket)) => Action::Mailed { ticket, to },
                    Ok(Found::NoSuchTicket) => s.no_such_ticket(tr),
                    Ok(Found::Exists(_)) => Action::None,
                    Err(e) => {
                        s.error = Some(tr.args("error", &[("error", e.into())]));
                        Action::None
                    }
                }
            },
            Message::Answer,
        ))
    }

    fn save_customer(&mut self, ledger: &LedgerHandle, tr: &I18n) -> Action {
        let draft = CustomerRecord {
            id: Uuid::nil(),
            name: self.name.clone(),
            nif: self.nif.clone(),
            address: self.address.clone(),
            email: self.email.clone(),
            email_consent: self.consent,
        }
        .tidy();
        if let Err(e) = draft.check() {
            self.error = Some(customer_message(&e, &self.nif, tr));
            return Action::None;
        }
        self.busy = true;
        Action::Run(ledger_task::then(
            ledger,
            move |l| create_customer(l, &draft),
            |s: &mut State, saved, tr| {
                s.busy = false;
                match saved {
                    Ok(c) => {
                        s.picked = Some(c.id);
                        s.notice = Some(tr.args("customer-saved", &[("name", c.name.into())]));
                    }
                    Err(e) => s.error = Some(tr.args("error", &[("error", e.into())])),
                }
                Action::None
            },
            Message::Answer,
        ))
    }

    pub fn view<'a>(&'a self, tr: &I18n) -> Element<'a, Message> {
        let field =
            |placeholder: &str, value: &'a str, id: &'static str, on: fn(String) -> Message| {
                text_input(placeholder, value)
                    .id(id)
                    .on_input(on)
                    .on_submit(Message::Issue)
                    .padding(10)
                    .size(22)
            };
        let mut col = column![
            text(tr.t(key!("invoice-title"))).size(30),
            text(tr.t(key!("invoice-ticket"))),
            field(
                &tr.t(key!("invoice-ticket-number")),
                &self.ticket,
                TICKET_ID,
                Message::Ticket
            ),
            text(tr.t(key!("invoice-customer"))),
            text_input(&tr.t(key!("customer-search")), &self.search)
                .id(SEARCH_ID)
                .on_input(Message::Search)
                .on_submit(Message::Pick(0))
                .padding(10)
                .size(22),
        ]
        .spacing(10)
        .max_width(760);
        if !self.matches.is_empty() {
            let mut list = column![].spacing(4);
            for (i, c) in self.matches.iter().enumerate() {
                let label = if c.nif.is_empty() {
                    c.name.clone()
                } else {
                    format!("{} · {}", c.name, c.nif)
                };
                list = list.push(
                    button(text(label).size(20))
                        .width(Length::Fill)
                        .padding(12)
                        .on_press(Message::Pick(i)),
                );
            }
            col = col.push(list);
        } else if !self.search.trim().is_empty() {
            col = col.push(text(tr.t(key!("customer-no-match"))));
        }
        col = col
            .push(field(
                &tr.t(key!("invoice-name")),
                &self.name,
                NAME_ID,
                Message::Name,
            ))
            .push(field(
                &tr.t(key!("invoice-address")),
                &self.address,
                ADDRESS_ID,
                Message::Address,
            ))
            .push(field(
                &tr.t(key!("invoice-nif")),
                &self.nif,
                NIF_ID,
                Message::Nif,
            ))
            .push(field(
                &tr.t(key!("customer-email")),
                &self.email,
                EMAIL_ID,
                Message::Email,
            ))
            .push(
                checkbox(self.consent)
                    .label(tr.t(key!("customer-consent")))
                    .on_toggle(Message::Consent),
            );
        if let Some(e) = &self.error {
            col = col.push(text(e.clone()).size(20));
        }
        if let Some(n) = &self.notice {
            col = col.push(text(n.clone()).size(20));
        }
        col = col.push(
            row![
                button(text(tr.t(key!("back-esc"))).size(22))
                    .padding(14)
                    .on_press(Message::Back),
                button(text(tr.t(key!("customer-save"))).size(22))
                    .padding(14)
                    .on_press(Message::SaveCustomer),
                button(text(tr.t(key!("customer-mail-receipt"))).size(22))
                    .padding(14)
                    .on_press(Message::MailReceipt),
                button(text(tr.t(key!("invoice-issue"))).size(22))
                    .padding(14)
                    .on_press(Message::Issue),
            ]
            .spacing(20)
            // Four wide buttons do not fit one row on a 1024×768 screen: the rest go below.
            .wrap()
            .vertical_spacing(12),
        );
        container(col).center_x(Length::Fill).padding(24).into()
    }
}

// --- ledger access (run on the ledger's thread) ------------------------------------------------

/// The sale with ticket number `ticket`, if there is one.
fn sale_by_ticket(
    l: &Ledger,
    ticket: &str,
) -> Result<Option<sync_protocol::Document>, LedgerError> {
    Ok(l.sale_by_ticket(ticket)?
        .filter(|d| matches!(d.body, DocumentBody::Sale(_))))
}

/// The directory's customers matching `text` (name, NIF or e-mail), offline.
fn find_customers(l: &Ledger, text: &str) -> Result<Vec<TillCustomer>, LedgerError> {
    l.find_customers(text, MAX_MATCHES)
}

/// Issues the full invoice of sale `sale_seq` and, with an address, queues it to be e-mailed.
fn issue_invoice(
    l: &mut Ledger,
    sale_seq: u64,
    (name, address, nif): (&str, &str, &str),
    mail_to: Option<&str>,
    customer: Option<Uuid>,
) -> Result<FullInvoice, LedgerError> {
    // One transaction: the invoice and its e-mail request, or neither.
    l.record_full_invoice_mailed(
        sale_seq,
        name,
        address,
        nif,
        mail_to.map(|to| (to, customer)),
    )
}

/// Queues document `id` to be e-mailed to `to` by HQ.
fn mail_document(
    l: &mut Ledger,
    id: DocumentId,
    to: &str,
    customer: Option<Uuid>,
) -> Result<(), LedgerError> {
    l.queue_mail(id, to, customer).map(drop)
}

/// Saves a typed customer to the directory (queued for HQ).
fn create_customer(l: &mut Ledger, c: &CustomerRecord) -> Result<TillCustomer, LedgerError> {
    l.create_customer(&c.name, &c.nif, &c.address, &c.email, c.email_consent)
}
