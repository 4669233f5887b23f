//! The sell screen: a scan field that keeps focus, search as you type, the ticket lines with
//! quantity, discounts, void and manager price override, and the running total.

use crate::key;
use std::collections::VecDeque;

use iced::widget::{button, column, container, opaque, row, scrollable, stack, text, text_input};
use iced::{Alignment, Element, Length, Task};
use pos_terminal::ledger::Offers;
use pos_terminal::{
    CallError, Cart, CartLine, CatalogItem, Ledger, LedgerHandle, QuickKeyItem, Scan, ScanError,
};
use sync_protocol::{AuditAction, AuditEvent, Money, Quantity, StaffId};

use crate::i18n::I18n;
use crate::{format, keypad, ledger_task, manager, theme};

pub const SCAN_ID: &str = "scan";
pub const MANAGER_PIN_ID: &str = "override-pin";
/// The search results overlay.
pub const RESULTS_ID: &str = "search-results";
/// How many search results are shown under the scan field.
pub const RESULTS: usize = 8;
/// The quick-key grid beside the ticket.
pub const QUICK_KEYS_ID: &str = "quick-keys";
/// Quick keys per row of the grid (three fit beside the ticket at 1024×768).
pub const QUICK_KEY_COLUMNS: usize = 3;
/// A quick key's size: well above the 44 px a finger needs.
pub const QUICK_KEY_WIDTH: f32 = 118.0;
pub const QUICK_KEY_HEIGHT: f32 = 72.0;
/// Two lines of a key's 15 px name (iced's line height is 1.3 × the size): with the price's line
/// and the padding, [`QUICK_KEY_HEIGHT`].
const KEY_NAME_HEIGHT: f32 = 2.0 * 15.0 * 1.3;

/// The widget id of the quick key at `index` of the layout (for tests and the keyboard).
pub fn quick_key_id(index: usize) -> String {
    format!("quick-key-{index}")
}

#[derive(Debug, Clone)]
pub enum Message {
    Input(String),
    Submit,
    /// Add the n-th search result.
    Pick(usize),
    /// ↑ / ↓: move through the search results, or through the ticket lines when there are none.
    Up,
    Down,
    /// A key of the on-screen keypad: types into the scan field; its Enter submits.
    Keypad(keypad::Key),
    /// A quick key (its index in the layout): one of its product, or the `3×` typed first.
    QuickKey(usize),
    /// Show the quick keys of this page (`None`: the keypad).
    QuickPage(Option<usize>),
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
    /// Whether a shift is open, and HQ's quick keys: read from the ledger when the screen opens.
    Loaded {
        shift_open: bool,
        quick_keys: Vec<QuickKeyItem>,
    },
    /// The quick keys read again (a catalog change arrived from HQ).
    QuickKeys(Vec<QuickKeyItem>),
    /// The answer to search number `.0` (older answers are dropped).
    Searched(u64, Vec<CatalogItem>),
    /// What the first waiting scan resolved to.
    Scanned(Result<Looked, CallError>),
    /// The promotions and scheduled prices in force now, read on the ledger's thread.
    Offers(Offers),
    /// The ledger's answer to the price override's manager PIN.
    OverrideChecked(manager::Lookup),
}

/// What a scanned (or typed) code is, as the ledger's thread found it.
#[derive(Debug, Clone)]
pub enum Looked {
    Found(Scan),
    Unknown,
    Invalid { code: String, reason: String },
    UnknownScaleItem(String),
    Failed(String),
}

/// Resolves a scanned code on the ledger's thread: a barcode or scale label, else an SKU typed
/// by hand.
fn resolve(l: &Ledger, code: &str) -> Looked {
    // Scale labels (GS1 20–29) are decoded with HQ's rules into a weighed or priced line;
    // a wrong check/verifier digit or an unregistered scale article says why.
    match l.resolve_scan(code) {
        Ok(s) => Looked::Found(s),
        // Not a barcode: maybe an SKU typed by hand.
        Err(ScanError::Unknown(_) | ScanError::Invalid { .. })
            if matches!(l.lookup_sku(code), Ok(Some(_))) =>
        {
            match l.lookup_sku(code).ok().flatten() {
                Some(item) => Looked::Found(Scan::Item(item)),
                None => Looked::Unknown,
            }
        }
        Err(ScanError::Unknown(_)) => Looked::Unknown,
        Err(ScanError::Invalid { code, reason }) => Looked::Invalid {
            code,
            reason: reason.to_string(),
        },
        Err(e @ ScanError::UnknownScaleItem { .. }) => Looked::UnknownScaleItem(e.to_string()),
        Err(e) => Looked::Failed(e.to_string()),
    }
}

/// Reads whether a shift is open and the quick keys, for a sell screen just opened.
pub fn load(ledger: &LedgerHandle) -> Task<Message> {
    let loaded = ledger_task::ask(
        ledger,
        |l| (shift_is_open(l), read_quick_keys(l)),
        |r| match r {
            Ok((shift_open, quick_keys)) => Message::Loaded {
                shift_open,
                quick_keys,
            },
            Err(error) => {
                tracing::error!(%error, "sell screen could not read the ledger");
                Message::Loaded {
                    shift_open: false,
                    quick_keys: Vec::new(),
                }
            }
        },
    );
    Task::batch([loaded, offers_task(ledger)])
}

fn read_quick_keys(l: &Ledger) -> Vec<QuickKeyItem> {
    l.quick_keys().unwrap_or_else(|error| {
        tracing::error!(%error, "quick keys could not be read");
        Vec::new()
    })
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
    /// The PIN is being checked on the ledger's thread.
    checking: bool,
}

#[derive(Debug, Default)]
pub struct State {
    input: String,
    results: Vec<CatalogItem>,
    /// The search result Enter takes (moved with the arrows).
    highlight: usize,
    selected: Option<usize>,
    /// A weighed label of a product already weighed on the ticket adds to its line (till
    /// setting; off by default, each label then keeps its own line).
    pub merge_weighed: bool,
    override_dialog: Option<Override>,
    /// A message for the cashier: unknown code, or the change of the last sale.
    pub notice: Option<String>,
    /// Whether a shift is open. Without one the ledger refuses sales and refunds, so the screen
    /// says so up front and rings nothing up (see [`State::for_ledger`]).
    pub shift_open: bool,
    /// HQ's quick keys for this store, in the layout's order, with their products.
    quick_keys: Vec<QuickKeyItem>,
    /// The quick-key page shown (an index into [`State::quick_pages`]); `None`: the keypad.
    quick_page: Option<usize>,
    /// Whether the ledger has said if a shift is open (see [`load`]); scans wait until then.
    loaded: bool,
    /// Codes scanned or typed and not yet looked up, in the order they came, each with the
    /// quantity typed before it. Looked up one at a time, so they land on the ticket in order.
    waiting_scans: VecDeque<(String, Option<Quantity>)>,
    /// The first waiting scan is being looked up on the ledger's thread.
    looking_up: bool,
    /// The number of the last search asked; answers to older ones are dropped.
    search_seq: u64,
    /// A search is on the ledger's thread.
    searching: bool,
    /// Enter was pressed while the search for what is typed had not answered yet.
    submit_waiting: bool,
}

/// What an audit entry says a line was: its scanned code, else its product id.
fn line_reference(l: &CartLine) -> String {
    l.barcode
        .clone()
        .unwrap_or_else(|| format!("producto {}", l.product_id.0))
}

/// Records a sensitive action in the ledger's audit trail (synced to HQ). A failure is logged
/// and never blocks the cashier: the action itself already happened on the ticket.
pub fn audit(ledger: &LedgerHandle, event: AuditEvent) {
    // Sent to the ledger's thread now (after everything already sent), not waited for.
    ledger.post(move |l| {
        if let Err(error) = l.record_audit(event) {
            tracing::error!(%error, "audit entry not recorded");
        }
    });
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

/// `3*` or `3×` typed before a code, an SKU or a search: that quantity, and what follows it.
/// Anything else is returned whole with no quantity.
pub fn split_multiplier(s: &str) -> (Option<Quantity>, &str) {
    let s = s.trim_start();
    if let Some(pos) = s.find(['*', '×']) {
        let (q, rest) = s.split_at(pos);
        if let Some(q) = parse_quantity(q) {
            let sign = rest.chars().next().map_or(0, char::len_utf8);
            return (Some(q), rest[sign..].trim());
        }
    }
    (None, s.trim())
}

impl State {
    /// A sell screen that assumes a shift is open (benches and tools); the till uses
    /// [`State::for_ledger`].
    pub fn with_notice(notice: Option<String>) -> Self {
        Self {
            notice,
            shift_open: true,
            loaded: true,
            ..Self::default()
        }
    }

    /// The sell screen as it opens over the ledger: whether a shift is open and HQ's quick keys
    /// (their first page) arrive with [`Message::Loaded`] from [`load`].
    pub fn loading(notice: Option<String>) -> Self {
        Self {
            notice,
            ..Self::default()
        }
    }

    /// Whether the ledger has answered [`load`] yet.
    pub fn loaded(&self) -> bool {
        self.loaded
    }

    /// Codes scanned and not yet on the ticket (waiting for their lookup).
    pub fn scans_waiting(&self) -> usize {
        self.waiting_scans.len()
    }

    /// Takes in the quick keys (on opening, and after a catalog change from HQ): the page
    /// shown stays if it still exists.
    fn set_quick_keys(&mut self, keys: Vec<QuickKeyItem>) {
        let shown = self
            .quick_page
            .and_then(|i| self.quick_pages().get(i).map(|p| p.to_string()));
        self.quick_keys = keys;
        let pages = self.quick_pages();
        self.quick_page = if pages.is_empty() {
            None
        } else {
            Some(
                shown
                    .and_then(|p| pages.iter().position(|q| *q == p))
                    .unwrap_or(0),
            )
        };
    }

    /// The quick-key pages, in the order of their first key.
    pub fn quick_pages(&self) -> Vec<&str> {
        let mut pages: Vec<&str> = Vec::new();
        for k in &self.quick_keys {
            if !pages.contains(&k.page.as_str()) {
                pages.push(&k.page);
            }
        }
        pages
    }

    /// The quick keys (all pages), in the layout's order.
    pub fn quick_keys(&self) -> &[QuickKeyItem] {
        &self.quick_keys
    }

    /// The quick-key page shown, if the grid is showing (not the keypad).
    pub fn quick_page(&self) -> Option<&str> {
        let pages = self.quick_pages();
        self.quick_page.and_then(|i| pages.get(i).copied())
    }

    /// Without a shift nothing is rung up: says so and returns false.
    fn needs_shift(&mut self, tr: &I18n) -> bool {
        if self.shift_open {
            return true;
        }
        self.notice = Some(tr.t(key!("sell-no-shift")));
        self.input.clear();
        self.results.clear();
        false
    }

    pub fn input(&self) -> &str {
        &self.input
    }

    pub fn results(&self) -> &[CatalogItem] {
        &self.results
    }

    /// The search result Enter would take.
    pub fn highlighted(&self) -> Option<&CatalogItem> {
        self.results.get(self.highlight)
    }

    /// The ticket line edits apply to.
    pub fn selected_line(&self) -> Option<usize> {
        self.selected
    }

    /// Re-runs the search for what is typed and reads the quick keys again (after a catalog
    /// change arrives from HQ).
    pub fn refresh(&mut self, ledger: &LedgerHandle) -> Task<Message> {
        let keys = ledger_task::ask(
            ledger,
            |l| read_quick_keys(l),
            |r| Message::QuickKeys(r.unwrap_or_default()),
        );
        Task::batch([self.search(ledger), keys])
    }

    /// Asks the ledger's thread for what is typed; the answer comes as [`Message::Searched`].
    fn search(&mut self, ledger: &LedgerHandle) -> Task<Message> {
        self.highlight = 0;
        self.search_seq += 1;
        let (_, query) = split_multiplier(&self.input);
        if !is_search(query) {
            self.results = Vec::new();
            self.searching = false;
            return Task::none();
        }
        self.searching = true;
        let (query, seq) = (query.to_string(), self.search_seq);
        ledger_task::ask(
            ledger,
            move |l| {
                // An SKU typed exactly comes first, so Enter takes it.
                let mut found: Vec<CatalogItem> =
                    l.lookup_sku(&query).ok().flatten().into_iter().collect();
                for item in l.search_products(&query, RESULTS).unwrap_or_default() {
                    if found.len() < RESULTS
                        && !found.iter().any(|f| f.product_id == item.product_id)
                    {
                        found.push(item);
                    }
                }
                found
            },
            move |r| Message::Searched(seq, r.unwrap_or_default()),
        )
    }

    /// A quantity typed as `3*` with nothing after it yet: the next scan takes it.
    fn pending_multiplier(&self) -> Option<Quantity> {
        match split_multiplier(&self.input) {
            (Some(q), "") => Some(q),
            _ => None,
        }
    }

    /// The line edits apply to: the one selected, else the last one.
    fn target(&self, cart: &Cart) -> Option<usize> {
        match self.selected {
            Some(i) if i < cart.lines().len() => Some(i),
            _ => cart.lines().len().checked_sub(1),
        }
    }

    fn add(&mut self, item: &CatalogItem, quantity: Quantity, cart: &mut Cart, tr: &I18n) {
        if !self.needs_shift(tr) {
            return;
        }
        self.notice = match cart.add_item(item, quantity) {
            Ok(i) => {
                self.selected = Some(i);
                None
            }
            Err(e) => Some(tr.args(
                "sell-add-failed",
                &[
                    ("name", item.name.clone().into()),
                    ("error", e.to_string().into()),
                ],
            )),
        };
        self.input.clear();
        self.results.clear();
    }

    /// Adds what a scan resolved to: `quantity` of an item, or a weighed or priced scale label
    /// (its own line unless the till merges weighed lines; a label ignores the quantity).
    fn add_scan(&mut self, scan: &Scan, quantity: Option<Quantity>, cart: &mut Cart, tr: &I18n) {
        let label = !matches!(scan, Scan::Item(_));
        let q = quantity.unwrap_or_else(Quantity::one);
        self.notice = match cart.add_scan_merging(scan, q, self.merge_weighed) {
            Ok(i) => {
                self.selected = Some(i);
                (label && quantity.is_some()).then(|| tr.t(key!("sell-multiplier-not-for-labels")))
            }
            Err(e) => Some(tr.args(
                "sell-add-failed",
                &[
                    ("name", scan.item().name.clone().into()),
                    ("error", e.to_string().into()),
                ],
            )),
        };
        self.input.clear();
        self.results.clear();
    }

    /// A code from the scan field or from the keyboard-wedge detector (whatever had focus). It
    /// waits its turn behind the codes scanned before it: lookups run one at a time on the
    /// ledger's thread, so two quick scans land on the ticket in the order they were made.
    pub fn scan(
        &mut self,
        code: &str,
        _cart: &mut Cart,
        ledger: &LedgerHandle,
        tr: &I18n,
    ) -> Task<Message> {
        // `3*8410…` typed in the field, or `3*` typed first and the code scanned after.
        let (typed, code) = split_multiplier(code);
        let pending = self.pending_multiplier();
        let quantity = typed.or(pending);
        if code.is_empty() || (self.loaded && !self.needs_shift(tr)) {
            return Task::none();
        }
        if typed.is_none() && pending.is_some() {
            // This scan took the `3*`: the next one does not.
            self.input.clear();
        }
        self.waiting_scans.push_back((code.to_string(), quantity));
        // The lookup goes to the ledger's thread first; the offers' answer re-applies the cart.
        let lookup = self.next_lookup(ledger);
        Task::batch([lookup, offers_task(ledger)])
    }

    /// Sends the first waiting scan to the ledger's thread, unless one is there already (or the
    /// screen has not heard whether a shift is open).
    fn next_lookup(&mut self, ledger: &LedgerHandle) -> Task<Message> {
        if self.looking_up || !self.loaded {
            return Task::none();
        }
        let Some((code, _)) = self.waiting_scans.front() else {
            return Task::none();
        };
        self.looking_up = true;
        let code = code.clone();
        ledger_task::ask(ledger, move |l| resolve(l, &code), Message::Scanned)
    }

    /// The first waiting scan's lookup is back: onto the ticket (or why not), then the next.
    fn scanned(
        &mut self,
        looked: Result<Looked, CallError>,
        cart: &mut Cart,
        ledger: &LedgerHandle,
        tr: &I18n,
    ) -> Task<Message> {
        self.looking_up = false;
        let Some((code, quantity)) = self.waiting_scans.pop_front() else {
            return Task::none();
        };
        let code = code.as_str();
        match looked {
            Ok(Looked::Found(scan)) => {
                if self.needs_shift(tr) {
                    self.add_scan(&scan, quantity, cart, tr);
                }
            }
            Ok(Looked::Unknown) => {
                self.notice = Some(match sync_protocol::barcode::validate(code) {
                    Err(e) if code.chars().all(|c| c.is_ascii_digit()) => tr.args(
                        "sell-code-invalid",
                        &[("code", code.into()), ("error", e.to_string().into())],
                    ),
                    _ => tr.args("sell-code-unknown", &[("code", code.into())]),
                });
                self.input.clear();
            }
            Ok(Looked::Invalid { code, reason }) => {
                self.notice = Some(tr.args(
                    "sell-code-invalid",
                    &[("code", code.into()), ("error", reason.into())],
                ));
                self.input.clear();
            }
            Ok(Looked::UnknownScaleItem(e)) => {
                self.notice = Some(e);
                self.input.clear();
            }
            Ok(Looked::Failed(e)) => self.notice = Some(tr.args("error", &[("error", e.into())])),
            Err(e) => self.notice = Some(ledger_task::call_error(&e, tr)),
        }
        self.next_lookup(ledger)
    }

    /// A keyboard-wedge scan that reached a focused field other than the scan field: the manager
    /// PIN of the price-override dialog is cleared (to be typed again), and the code goes to the
    /// ticket.
    /// A scan the scan field itself captured was already handled by its Enter (returns false).
    /// Answers the lookup's task when the scan is rung up here.
    pub fn captured_scan(
        &mut self,
        code: &str,
        cart: &mut Cart,
        ledger: &LedgerHandle,
        tr: &I18n,
    ) -> Option<Task<Message>> {
        let o = self.override_dialog.as_mut()?;
        // The PIN field keeps only a few digits, so which were the manager's cannot be told
        // apart: clear it and ask again.
        o.pin.clear();
        o.error = Some(tr.t(key!("sell-override-pin-cleared")));
        Some(self.scan(code, cart, ledger, tr))
    }

    /// Characters typed with no field focused: they belong in the scan field.
    pub fn typed_elsewhere(&mut self, text: &str, ledger: &LedgerHandle) -> Task<Message> {
        self.input.push_str(text);
        self.search(ledger)
    }

    /// Takes the number typed in the scan field as an amount.
    fn typed_money(&mut self, tr: &I18n) -> Option<Money> {
        let m = format::parse_money(&self.input);
        if m.is_none() {
            self.notice = Some(tr.t(key!("sell-type-amount-first")));
        }
        m
    }

    /// Returns what the app should do, and the ledger work (lookups, searches, PIN checks) whose
    /// answers come back as messages.
    pub fn update(
        &mut self,
        message: Message,
        cart: &mut Cart,
        ledger: &LedgerHandle,
        cashier: Option<StaffId>,
        tr: &I18n,
    ) -> (Action, Task<Message>) {
        let mut tasks = Vec::new();
        let action = self.update_with(message, cart, ledger, cashier, tr, &mut tasks);
        (action, Task::batch(tasks))
    }

    fn update_with(
        &mut self,
        message: Message,
        cart: &mut Cart,
        ledger: &LedgerHandle,
        cashier: Option<StaffId>,
        tr: &I18n,
        tasks: &mut Vec<Task<Message>>,
    ) -> Action {
        // Promotions and scheduled prices in force by the till's clock, read again (on the
        // ledger's thread) as items go in; the cart applies them to every line when they arrive.
        // (A scan reads them in `scan`.)
        if matches!(message, Message::Pick(_) | Message::QuickKey(_)) {
            tasks.push(offers_task(ledger));
        }
        match message {
            Message::Offers(offers) => cart.set_offers(offers),
            Message::Loaded {
                shift_open,
                quick_keys,
            } => {
                self.loaded = true;
                self.shift_open = shift_open;
                self.set_quick_keys(quick_keys);
                if !shift_open && !self.waiting_scans.is_empty() {
                    self.waiting_scans.clear();
                    self.needs_shift(tr);
                }
                tasks.push(self.next_lookup(ledger));
            }
            Message::QuickKeys(keys) => self.set_quick_keys(keys),
            Message::Searched(seq, results) => {
                if seq == self.search_seq {
                    self.searching = false;
                    self.results = results;
                    self.highlight = 0;
                    if std::mem::take(&mut self.submit_waiting) {
                        return self.update_with(Message::Submit, cart, ledger, cashier, tr, tasks);
                    }
                }
            }
            Message::Scanned(looked) => tasks.push(self.scanned(looked, cart, ledger, tr)),
            Message::Input(s) => {
                self.input = s;
                tasks.push(self.search(ledger));
            }
            Message::Submit => {
                if self.searching {
                    // Enter right after typing: it takes the results once they are here.
                    self.submit_waiting = true;
                    return Action::None;
                }
                let (quantity, rest) = split_multiplier(&self.input);
                if let (Some(q), "") = (quantity, rest) {
                    self.notice = Some(tr.args(
                        "sell-multiplier-waiting",
                        &[("quantity", tr.quantity(q).into())],
                    ));
                } else if is_search(rest) {
                    let rest = rest.to_string();
                    match self.results.get(self.highlight).cloned() {
                        Some(item) => {
                            self.add(&item, quantity.unwrap_or_else(Quantity::one), cart, tr)
                        }
                        None => {
                            self.notice =
                                Some(tr.args("sell-no-results-for", &[("query", rest.into())]))
                        }
                    }
                } else {
                    let code = std::mem::take(&mut self.input);
                    tasks.push(self.scan(&code, cart, ledger, tr));
                }
            }
            Message::Pick(i) => {
                if let Some(item) = self.results.get(i).cloned() {
                    let quantity = split_multiplier(&self.input).0;
                    self.add(&item, quantity.unwrap_or_else(Quantity::one), cart, tr);
                }
            }
            Message::Keypad(k) => {
                if keypad::apply(k, &mut self.input) {
                    return self.update_with(Message::Submit, cart, ledger, cashier, tr, tasks);
                }
                tasks.push(self.search(ledger));
            }
            Message::QuickKey(i) => {
                // `3×` typed (keypad or keyboard) before the key: three of it. Like a scan, the
                // same product again adds to its line.
                if let Some(k) = self.quick_keys.get(i).cloned()
                    && self.needs_shift(tr)
                {
                    let quantity = split_multiplier(&self.input).0;
                    self.add_scan(&Scan::Item(k.item), quantity, cart, tr);
                }
            }
            Message::QuickPage(p) => {
                self.quick_page = p.filter(|&i| i < self.quick_pages().len());
            }
            Message::Up | Message::Down => {
                let down = matches!(message, Message::Down);
                if !self.results.is_empty() {
                    let last = self.results.len() - 1;
                    self.highlight = if down {
                        (self.highlight + 1).min(last)
                    } else {
                        self.highlight.saturating_sub(1)
                    };
                } else if let Some(i) = self.target(cart) {
                    let last = cart.lines().len() - 1;
                    self.selected = Some(if down {
                        (i + 1).min(last)
                    } else {
                        i.saturating_sub(1)
                    });
                }
            }
            Message::Select(i) => self.selected = Some(i),
            Message::SetQuantity => {
                let Some(i) = self.target(cart) else {
                    return Action::None;
                };
                match parse_quantity(&self.input) {
                    Some(q) => self.edit(|c| c.set_quantity(i, q), cart, tr),
                    None => self.notice = Some(tr.t(key!("sell-type-quantity-first"))),
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
                    self.notice = Some(tr.t(key!("sell-use-void")));
                } else {
                    self.selected = Some(i);
                    self.edit(|c| c.set_quantity(i, q), cart, tr);
                }
            }
            Message::LineDiscount => {
                let Some(i) = self.target(cart) else {
                    return Action::None;
                };
                if let Some(m) = self.typed_money(tr) {
                    self.edit(|c| c.set_line_discount(i, m), cart, tr);
                }
            }
            Message::TicketDiscount => {
                if cart.is_empty() {
                    return Action::None;
                }
                if let Some(m) = self.typed_money(tr) {
                    self.edit(|c| c.set_ticket_discount(m), cart, tr);
                }
            }
            Message::PriceOverride => {
                let Some(i) = self.target(cart) else {
                    return Action::None;
                };
                if let Some(price) = self.typed_money(tr) {
                    self.override_dialog = Some(Override {
                        line: i,
                        price,
                        pin: String::new(),
                        error: None,
                        checking: false,
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
                if o.checking {
                    return Action::Focus(MANAGER_PIN_ID);
                }
                let pin = std::mem::take(&mut o.pin);
                match manager::lookup(ledger, &pin, tr, Message::OverrideChecked) {
                    Ok(t) => {
                        o.checking = true;
                        o.error = None;
                        tasks.push(t);
                    }
                    Err(e) => {
                        o.error = Some(e);
                        return Action::Focus(MANAGER_PIN_ID);
                    }
                }
            }
            Message::OverrideChecked(found) => {
                // Cancelled while the PIN was checked: nothing to approve.
                let Some(o) = &mut self.override_dialog else {
                    return Action::None;
                };
                o.checking = false;
                match manager::verdict(found, tr) {
                    Ok(m) => {
                        let (line, price) = (o.line, o.price);
                        self.override_dialog = None;
                        let before = cart.lines().get(line).cloned();
                        match cart.set_unit_price(line, price) {
                            Ok(()) => {
                                tracing::info!(manager = %m.name, line, %price, "price override");
                                if let Some(l) = before {
                                    audit(
                                        ledger,
                                        AuditEvent {
                                            action: AuditAction::PriceOverride,
                                            staff_id: cashier,
                                            approved_by: Some(m.id),
                                            reference: Some(line_reference(&l)),
                                            amount: Some(price),
                                            note: Some(format!(
                                                "{}: {} -> {}",
                                                l.name, l.unit_price, price
                                            )),
                                        },
                                    );
                                }
                                self.notice = Some(tr.args(
                                    "sell-price-changed",
                                    &[
                                        ("price", tr.money(price).into()),
                                        ("manager", m.name.clone().into()),
                                    ],
                                ));
                            }
                            Err(e) => {
                                self.notice =
                                    Some(tr.args("cannot", &[("error", e.to_string().into())]))
                            }
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
                    audit(
                        ledger,
                        AuditEvent {
                            action: AuditAction::Void,
                            staff_id: cashier,
                            approved_by: None,
                            reference: Some(line_reference(&line)),
                            amount: Some(line.unit_price.times(line.quantity) - line.discount),
                            note: Some(format!("{} x {}", line.quantity, line.name)),
                        },
                    );
                    self.notice = Some(tr.args("sell-line-voided", &[("name", line.name.into())]));
                    self.selected = None;
                }
            }
            Message::Escape => {
                if self.override_dialog.take().is_none() {
                    self.input.clear();
                    self.results.clear();
                }
            }
            Message::Pay | Message::Refund if !self.needs_shift(tr) => {}
            Message::Pay if !self.waiting_scans.is_empty() => {
                // A code scanned a moment ago is still being looked up: it belongs on this ticket.
                self.notice = Some(tr.t(key!("sell-scans-waiting")));
            }
            Message::Pay => {
                if cart.is_empty() {
                    self.notice = Some(tr.t(key!("sell-ticket-empty-notice")));
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
        tr: &I18n,
    ) {
        match f(cart) {
            Ok(()) => {
                self.input.clear();
                self.notice = None;
            }
            Err(e) => self.notice = Some(tr.args("cannot", &[("error", e.to_string().into())])),
        }
    }

    pub fn view<'a>(
        &'a self,
        cart: &'a Cart,
        cashier: &str,
        parked: usize,
        tr: &I18n,
    ) -> Element<'a, Message> {
        if !self.shift_open {
            return self.no_shift_view(cashier, tr);
        }
        let scan = text_input(&tr.t(key!("sell-scan-placeholder")), &self.input)
            .id(SCAN_ID)
            .on_input(Message::Input)
            .on_submit(Message::Submit)
            .padding(12)
            .size(24);

        // Search results float over the ticket, under the scan field: the ticket's total and
        // the key rows stay where they are. ↑/↓ move the highlight, Enter takes it, Esc closes.
        let searching = is_search(split_multiplier(&self.input).1);
        let mut results = column![].spacing(4);
        for (i, item) in self.results.iter().enumerate() {
            let on = i == self.highlight;
            results = results.push(
                button(
                    row![
                        text(if on { "▸" } else { "" })
                            .size(20)
                            .width(Length::Fixed(18.0)),
                        text(item.name.clone()).size(20).width(Length::Fill),
                        text(item.sku.clone()).size(16).width(Length::Fixed(140.0)),
                        // The price it will sell at: a scheduled price in force shows here,
                        // not the catalog's.
                        text(tr.money(cart.offers().price_of(item))).size(20),
                    ]
                    .spacing(10)
                    .align_y(Alignment::Center),
                )
                .style(if on {
                    button::primary
                } else {
                    button::secondary
                })
                .width(Length::Fill)
                .padding(10)
                .on_press(Message::Pick(i)),
            );
        }
        if searching && self.results.is_empty() {
            results = results.push(text(tr.t(key!("sell-no-results"))).size(18));
        }
        if searching {
            results = results.push(text(tr.t(key!("sell-results-help"))).size(14));
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
                tr.quantity(line.quantity),
                tr.money(line.unit_price)
            );
            if !line.discount.is_zero() {
                detail.push_str(&format!(" − {}", tr.money(line.discount)));
            }
            let mut entry = column![
                row![
                    text(format!("{marker}{}", line.name))
                        .size(20)
                        .width(Length::Fill),
                    text(detail).size(18).width(Length::Fixed(260.0)),
                    text(tr.money(amount)).size(20).width(Length::Fixed(130.0)),
                ]
                .spacing(10)
                .align_y(Alignment::Center)
            ];
            // The promotion under its line: its name and what it takes off.
            if let Some(p) = &line.promotion {
                entry = entry.push(
                    row![
                        text(p.name.clone()).size(16).width(Length::Fill),
                        text(tr.args(
                            "sell-promotion-discount",
                            &[("amount", tr.money(line.promotion_discount).into())],
                        ))
                        .size(16)
                        .width(Length::Fixed(130.0)),
                    ]
                    .spacing(10)
                    .padding(iced::padding::left(24)),
                );
            }
            lines = lines.push(
                button(entry)
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
            lines = lines.push(text(tr.t(key!("sell-ticket-empty"))).size(18));
        }

        let mut summary = column![].spacing(4).align_x(Alignment::End);
        match &totals {
            Some(t) => {
                let saved = cart.promotion_savings();
                if !saved.is_zero() {
                    summary = summary.push(text(tr.args(
                        "sell-promotion-savings",
                        &[("amount", tr.money(saved).into())],
                    )));
                }
                if !cart.ticket_discount().is_zero() {
                    summary = summary.push(text(tr.args(
                        "sell-ticket-discount",
                        &[("amount", tr.money(cart.ticket_discount()).into())],
                    )));
                }
                for tax in &t.taxes {
                    summary = summary.push(text(tax_line(tr, tax.rate, tax.base, tax.tax)));
                }
                summary = summary.push(
                    text(tr.args("sell-total", &[("amount", tr.money(t.total).into())])).size(36),
                );
            }
            None => {
                summary = summary.push(
                    text(tr.args("sell-total", &[("amount", tr.money(Money::ZERO).into())]))
                        .size(36),
                )
            }
        }

        let big = |label: String, m: Message| {
            button(text(label).size(18))
                .padding(12)
                .style(theme::action)
                .on_press(m)
        };
        let edit_keys = row![
            big("−".into(), Message::Minus),
            big("+".into(), Message::Plus),
            big(tr.t(key!("sell-quantity")), Message::SetQuantity),
            big(tr.t(key!("sell-line-discount")), Message::LineDiscount),
            big(
                tr.t(key!("sell-ticket-discount-key")),
                Message::TicketDiscount
            ),
            big(tr.t(key!("sell-price-override")), Message::PriceOverride),
            big(tr.t(key!("sell-void")), Message::Void),
        ]
        .spacing(8);
        let recall_label = if parked > 0 {
            tr.args("sell-recall-waiting", &[("count", parked.into())])
        } else {
            tr.t(key!("sell-recall"))
        };
        let function_keys = row![
            big(tr.t(key!("sell-park")), Message::Park),
            button(text(recall_label).size(18))
                .padding(12)
                .style(theme::action)
                .on_press(Message::Recall),
            big(tr.t(key!("sell-reprint")), Message::Reprint),
            big(tr.t(key!("sell-invoice")), Message::Invoice),
            big(tr.t(key!("sell-refund")), Message::Refund),
            big(tr.t(key!("sell-settings")), Message::Settings),
        ]
        .spacing(8)
        .align_y(Alignment::Center);
        // Pay sits beside the total, the largest target on screen, never pushed off the edge.
        let summary = row![
            summary,
            container(text("")).width(Length::Fill),
            button(text(tr.t(key!("sell-pay"))).size(30))
                .padding([22, 40])
                .style(theme::pay)
                .on_press(Message::Pay),
        ]
        .spacing(20)
        .align_y(Alignment::Center);

        let mut col = column![
            row![
                text(tr.args("sell-cashier", &[("name", cashier.into())]))
                    .size(18)
                    .width(Length::Fill),
                button(text(tr.t(key!("sell-manager"))).size(18))
                    .padding(12)
                    .on_press(Message::Manager),
                button(text(tr.t(key!("sell-logout"))).size(18))
                    .padding(12)
                    .on_press(Message::Logout),
            ]
            .spacing(10)
            .align_y(Alignment::Center),
            scan,
        ]
        .spacing(12);
        if let Some(o) = &self.override_dialog {
            let mut dialog = column![
                text(tr.args(
                    "sell-override-title",
                    &[("price", tr.money(o.price).into())]
                ))
                .size(22),
                text_input(&tr.t(key!("manager-pin")), &o.pin)
                    .id(MANAGER_PIN_ID)
                    .secure(true)
                    .on_input(Message::OverridePin)
                    .on_submit(Message::OverrideConfirm)
                    .padding(10)
                    .size(24),
                row![
                    big(tr.t(key!("cancel-esc")), Message::OverrideCancel),
                    big(tr.t(key!("sell-authorise")), Message::OverrideConfirm),
                ]
                .spacing(10),
            ]
            .spacing(10);
            if o.checking {
                dialog = dialog.push(text(tr.t(key!("pin-checking"))).size(20));
            }
            if let Some(e) = &o.error {
                dialog = dialog.push(text(e.clone()).size(20));
            }
            col = col.push(container(dialog).padding(12).style(container::bordered_box));
        }
        if let Some(n) = &self.notice {
            col = col.push(text(n.clone()).size(22));
        }
        // The keypad beside the ticket: quantities (`3×`), amounts and codes by touch. Not
        // beside the price-override dialog: its height would push the keys off a 1024×768
        // screen, and the PIN is typed on the manager's own keyboard.
        let ticket = row![
            container(scrollable(lines).height(Length::Fill).width(Length::Fill))
                .padding(8)
                .width(Length::Fill)
                .height(Length::Fill)
                .style(theme::panel),
        ]
        .push(
            self.override_dialog
                .is_none()
                .then(|| self.touch_panel(cart, tr)),
        )
        .spacing(12);
        // Search results float on the right, over the keypad (not needed while choosing) and
        // the amounts: the names of the lines rung up, the total and the key rows stay in view.
        // Only the panel catches clicks; the rest of the layer lets them through.
        let ticket: Element<'a, Message> = if searching {
            let overlay = container(scrollable(results))
                .id(RESULTS_ID)
                .padding(10)
                .max_width(560)
                .style(theme::panel);
            let layer = container(opaque(overlay))
                .width(Length::Fill)
                .align_x(Alignment::End);
            stack![ticket, layer]
                .width(Length::Fill)
                .height(Length::Fill)
                .into()
        } else {
            ticket.into()
        };
        col = col
            .push(ticket)
            .push(summary)
            .push(edit_keys)
            .push(function_keys);
        container(col).padding(20).height(Length::Fill).into()
    }
}

impl State {
    /// Beside the ticket: HQ's quick keys, one page at a time, with a tab per page and one for the
    /// keypad; the keypad alone when the store has no quick keys.
    fn touch_panel<'a>(&'a self, cart: &'a Cart, tr: &I18n) -> Element<'a, Message> {
        let pages = self.quick_pages();
        if pages.is_empty() {
            return keypad::view(keypad::Kind::Quantity, Message::Keypad, tr);
        }
        let tab = |label: String, target: Option<usize>| {
            let on = self.quick_page == target;
            button(text(label).size(16).center())
                .padding([12, 10])
                .height(Length::Fixed(48.0))
                .style(if on { theme::action } else { theme::key })
                .on_press(Message::QuickPage(target))
        };
        let mut tabs = row![].spacing(6);
        for (i, p) in pages.iter().enumerate() {
            tabs = tabs.push(tab((*p).to_string(), Some(i)));
        }
        tabs = tabs.push(tab(tr.t(key!("sell-keypad-tab")), None));
        let body: Element<'a, Message> = match self.quick_page() {
            None => keypad::view(keypad::Kind::Quantity, Message::Keypad, tr),
            Some(page) => {
                let mut grid = column![].spacing(6);
                let on_page: Vec<(usize, &QuickKeyItem)> = self
                    .quick_keys
                    .iter()
                    .enumerate()
                    .filter(|(_, k)| k.page == page)
                    .collect();
                for chunk in on_page.chunks(QUICK_KEY_COLUMNS) {
                    let mut r = row![].spacing(6);
                    for &(i, k) in chunk {
                        let bg = k.colour.rgb();
                        let key = button(
                            column![
                                // Two lines of name at most, so the price always shows:
                                // the price it sells at now (a scheduled price in force).
                                container(text(key_label(&k.label)).size(15).center())
                                    .height(Length::Fixed(KEY_NAME_HEIGHT))
                                    .center_x(Length::Fill)
                                    .clip(true),
                                text(tr.money(cart.offers().price_of(&k.item)))
                                    .size(14)
                                    .center(),
                            ]
                            .spacing(2)
                            .width(Length::Fill)
                            .align_x(Alignment::Center),
                        )
                        .width(Length::Fixed(QUICK_KEY_WIDTH))
                        .height(Length::Fixed(QUICK_KEY_HEIGHT))
                        .padding(6)
                        .style(move |t, st| theme::quick_key(t, st, bg))
                        .on_press(Message::QuickKey(i));
                        r = r.push(container(key).id(quick_key_id(i)));
                    }
                    grid = grid.push(r);
                }
                scrollable(grid).height(Length::Fill).into()
            }
        };
        container(
            column![
                // Every page's tab in view, on as many rows as they need.
                tabs.wrap().vertical_spacing(6),
                body
            ]
            .spacing(8),
        )
        .id(QUICK_KEYS_ID)
        .width(Length::Fixed(
            QUICK_KEY_COLUMNS as f32 * (QUICK_KEY_WIDTH + 6.0),
        ))
        .height(Length::Fill)
        .into()
    }

    /// No shift open: instead of a ticket that would fail at payment, the cashier is told a
    /// manager must open the shift, with the way to the manager menu.
    fn no_shift_view<'a>(&'a self, cashier: &str, tr: &I18n) -> Element<'a, Message> {
        let mut col = column![
            row![
                text(tr.args("sell-cashier", &[("name", cashier.into())]))
                    .size(18)
                    .width(Length::Fill),
                button(text(tr.t(key!("sell-manager"))).size(18))
                    .padding(12)
                    .on_press(Message::Manager),
                button(text(tr.t(key!("sell-logout"))).size(18))
                    .padding(12)
                    .on_press(Message::Logout),
            ]
            .spacing(10)
            .align_y(Alignment::Center),
            container(
                column![
                    text(tr.t(key!("sell-no-shift"))).size(32),
                    text(tr.t(key!("sell-no-shift-help"))).size(20),
                    button(text(tr.t(key!("sell-open-shift"))).size(22))
                        .padding([16, 30])
                        .on_press(Message::Manager),
                ]
                .spacing(16)
            )
            .padding(24)
            .width(Length::Fill)
            .style(container::bordered_box),
        ]
        .spacing(20);
        // A scan or a refused key says why nothing happened, unless it repeats the panel.
        if let Some(n) = self
            .notice
            .as_ref()
            .filter(|n| **n != tr.t(key!("sell-no-shift")))
        {
            col = col.push(text(n.clone()).size(22));
        }
        container(col).padding(20).height(Length::Fill).into()
    }
}

/// The promotions and scheduled prices in force now, by the till's clock; none when the ledger
/// cannot be read (the ticket then sells at catalog prices, never blocked).
pub fn load_offers(ledger: &Ledger) -> Offers {
    ledger.offers().unwrap_or_else(|error| {
        tracing::error!(%error, "promotions could not be read");
        Offers::default()
    })
}

/// Reads what is in force now on the ledger's thread; the answer comes as [`Message::Offers`]
/// (the one place the sell screen reads promotions).
fn offers_task(ledger: &LedgerHandle) -> Task<Message> {
    ledger_task::ask(
        ledger,
        |l| load_offers(l),
        |r| {
            Message::Offers(r.unwrap_or_else(|error| {
                tracing::error!(%error, "promotions could not be read");
                Offers::default()
            }))
        },
    )
}

/// Whether the ledger has an open shift; an unreadable ledger counts as none (nothing can be
/// sold on it anyway).
pub fn shift_is_open(l: &Ledger) -> bool {
    l.open_shift().ok().flatten().is_some()
}

/// `IVA 21 %: base 11,12 € · cuota 2,33 €`, on the sell screen and in the X report.
pub fn tax_line(tr: &I18n, rate: sync_protocol::TaxRate, base: Money, tax: Money) -> String {
    tr.args(
        "tax-line",
        &[
            ("rate", tr.tax_rate(rate).into()),
            ("base", tr.money(base).into()),
            ("tax", tr.money(tax).into()),
        ],
    )
}

/// Characters of a quick key's name per line: what fits its width at 15 px in the till's font.
const KEY_LINE_CHARS: usize = 14;

/// A quick key's name as drawn: at most two lines of [`KEY_LINE_CHARS`], broken between words (a
/// word longer than a line is cut), and "…" at the end when the name goes on. Left to the text
/// widget, a long name wrapped to three lines and pushed the price off the key.
pub fn key_label(label: &str) -> String {
    let mut lines: Vec<String> = vec![String::new()];
    let mut words: Vec<String> = label.split_whitespace().rev().map(str::to_string).collect();
    let mut cut = false;
    while let Some(word) = words.pop() {
        let line = lines.last_mut().expect("a line");
        let (used, len) = (line.chars().count(), word.chars().count());
        if used > 0 && used + 1 + len <= KEY_LINE_CHARS {
            line.push(' ');
            line.push_str(&word);
        } else if used == 0 && len <= KEY_LINE_CHARS {
            line.push_str(&word);
        } else if used == 0 {
            // A word longer than a line: what fits here, the rest on the next line.
            line.extend(word.chars().take(KEY_LINE_CHARS));
            words.push(word.chars().skip(KEY_LINE_CHARS).collect());
        } else if lines.len() < 2 {
            lines.push(String::new());
            words.push(word);
        } else {
            cut = true;
            break;
        }
        if lines.len() == 2 && lines[1].chars().count() == KEY_LINE_CHARS && !words.is_empty() {
            cut = true;
            break;
        }
    }
    if cut {
        // Room for "…": the last word goes if there are others, else its last letter.
        let last = lines.last_mut().expect("a line");
        if last.chars().count() + 1 > KEY_LINE_CHARS {
            match last.rfind(' ') {
                Some(space) => last.truncate(space),
                None => {
                    last.pop();
                }
            }
        }
        *last = format!("{}…", last.trim_end());
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::key_label;

    #[test]
    fn a_long_key_label_is_cut_to_two_lines_with_an_ellipsis() {
        assert_eq!(key_label("Café solo"), "Café solo");
        assert_eq!(key_label("  Café   solo "), "Café solo");
        assert_eq!(key_label("Aceitunas rellenas"), "Aceitunas\nrellenas");
        assert_eq!(
            key_label("Agua mineral 100 % fruta El Molino 500 ml"),
            "Agua mineral\n100 % fruta…"
        );
        // Exactly two full lines: nothing cut.
        assert_eq!(
            key_label("Magdalenas de chocolate"),
            "Magdalenas de\nchocolate"
        );
        // A word longer than a line is cut across both, then ends in "…".
        assert_eq!(
            key_label(&"ñ".repeat(20)),
            format!("{}\n{}", "ñ".repeat(14), "ñ".repeat(6))
        );
        assert_eq!(
            key_label(&"x".repeat(40)),
            format!("{}\n{}…", "x".repeat(14), "x".repeat(13))
        );
        for label in [
            "",
            "Aceite de oliva virgen extra Hojiblanca 1 L",
            "a b c d e f g h i j k l m",
        ] {
            let shown = key_label(label);
            assert!(shown.lines().count() <= 2, "{shown:?}");
            assert!(shown.lines().all(|l| l.chars().count() <= 14), "{shown:?}");
        }
    }
}
