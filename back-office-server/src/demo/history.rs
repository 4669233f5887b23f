//! The demo's history: weeks of trade rung through the till's own core (`pos-terminal`'s ledger:
//! shifts, sales with VERI*FACTU records, refunds, cash drops, Z closes, clock-ins, stock counts,
//! receipts against HQ's delivery notes, waste) and stored at HQ through the same `push` the sync
//! API calls, with the checks the API makes. So every report, chart and page of a fresh demo shows
//! a franchise that has been trading, and every figure in it comes from documents a real till makes.
//!
//! Each store trades Monday to Saturday, 09:00–21:00 in its time zone (closed on Sundays and on
//! 25 December, 1 and 6 January), busier on Fridays and Saturdays and at midday and in the evening.
//! The manager works a split day (08:45–14:00, 17:00–21:20), one cashier the morning and one the
//! afternoon. HQ sends each store a weekly delivery note of what it sold (received on Tuesdays);
//! the last store's till lost its connection a day and a half ago, so the overview has a till to
//! worry about.

use crate::auth;
use crate::storage::deliveries::NewDeliveryNote;
use crate::storage::stock::ProductStockIn;
use crate::storage::{Product, Storage, Store, TillAuth};
use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use pos_terminal::ledger::{CatalogItem, Ledger, Staff};
use pos_terminal::refund::build_refund;
use pos_terminal::{Approval, Cart, CloseCount, card_payment, cash_payment};
use rust_decimal::Decimal;
use std::collections::HashMap;
use sync_protocol::cash::{Denomination, DenominationCount, EURO_DENOMINATIONS};
use sync_protocol::{
    CashMovementDirection, Document, DocumentBody, EnrollResponse, Money, ProductId, Quantity,
    StaffId, StaffRole, StockLine, StockMovement, StockMovementKind,
};

/// What the history made, for the demo's printout and its test.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub days: i64,
    pub sales: u64,
    pub refunds: u64,
    pub closes: u64,
    /// Z closes whose over/short needed a manager's approval.
    pub approved_closes: u64,
    pub deliveries: u64,
    pub documents: u64,
    pub gross: Money,
}

/// A tiny deterministic generator (SplitMix64): the same history on every machine for the same day.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True with probability `percent` %.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// Relative trade per opening hour, 09:00 … 20:00: a midday and an evening peak.
const HOUR_WEIGHTS: [u64; 12] = [3, 5, 7, 8, 9, 8, 4, 4, 6, 8, 9, 7];
/// Percent of an average day's trade per weekday (Monday first); Sunday closed.
const WEEKDAY_PERCENT: [u64; 7] = [85, 88, 92, 97, 118, 135, 0];
/// How many different products a store actually sells (its assortment), out of the catalog.
const ASSORTMENT: usize = 1_200;
/// Units of each assortment product on the shelf after the opening count.
const OPENING_UNITS: i64 = 24;
/// The float left in the drawer each night, piece by piece (148,80 €).
const FLOAT: [(i64, u32); 11] = [
    (2000, 2),
    (1000, 4),
    (500, 6),
    (200, 10),
    (100, 10),
    (50, 10),
    (20, 10),
    (10, 10),
    (5, 10),
    (2, 10),
    (1, 10),
];
const REFUND_REASONS: [&str; 4] = [
    "Producto defectuoso",
    "Fecha de caducidad pasada",
    "El cliente cambió de opinión",
    "Cobrado dos veces por error",
];
const SHORTAGE_NOTES: [&str; 3] = [
    "Cambio mal devuelto en hora punta",
    "Billete de 20 € dado por uno de 10 €",
    "Recontado con la encargada: diferencia confirmada",
];
const WASTE_REASONS: [&str; 3] = ["Caducado", "Roto en el almacén", "Fruta en mal estado"];

/// A demo store's till ringing its days.
struct ShopTill {
    store: Store,
    ledger: Ledger,
    auth: TillAuth,
    manager: Staff,
    morning: Staff,
    afternoon: Staff,
    /// The assortment: (item at this store's price, cumulative popularity weight).
    items: Vec<(CatalogItem, u64)>,
    /// Tickets on an average trading day.
    per_day: u64,
    /// Units of each product sold since the last delivery note (what HQ sends next).
    sold_since_note: HashMap<ProductId, i64>,
    /// The delivery note HQ sent this week, received on Tuesday.
    pending_note: Option<String>,
}

fn float_pieces() -> Result<Vec<DenominationCount>> {
    FLOAT
        .iter()
        .map(|&(cents, count)| {
            Ok(DenominationCount {
                denomination: Denomination::from_cents(cents)
                    .ok_or_else(|| anyhow!("no {cents} c coin"))?,
                count,
            })
        })
        .collect()
}

/// `amount` in notes and coins, largest first (the count of a drawer).
fn pieces(amount: Money) -> Result<Vec<DenominationCount>> {
    let mut left = amount.cents().max(0);
    let mut out = Vec::new();
    for &cents in EURO_DENOMINATIONS.iter().rev() {
        let n = left / cents;
        if n > 0 {
            out.push(DenominationCount {
                denomination: Denomination::from_cents(cents)
                    .ok_or_else(|| anyhow!("no {cents} c coin"))?,
                count: u32::try_from(n)?,
            });
            left -= n * cents;
        }
    }
    Ok(out)
}

/// Local `date` at `h:m` in the store's zone, as UTC.
fn at(store: &Store, date: NaiveDate, h: u32, m: u32, s: u32) -> Result<DateTime<Utc>> {
    let naive = date
        .and_hms_opt(h, m, s)
        .ok_or_else(|| anyhow!("bad time {h}:{m}:{s}"))?;
    let tz = store.time_zone.0;
    Ok(tz
        .from_local_datetime(&naive)
        .earliest()
        .ok_or_else(|| anyhow!("{naive} does not exist in {}", store.time_zone))?
        .with_timezone(&Utc))
}

fn closed(date: NaiveDate) -> bool {
    date.weekday() == Weekday::Sun
        || matches!((date.month(), date.day()), (12, 25) | (1, 1) | (1, 6))
}

fn ledger_err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("demo till: {e}")
}

impl ShopTill {
    fn staff(&self, role_morning: bool) -> &Staff {
        if role_morning {
            &self.morning
        } else {
            &self.afternoon
        }
    }

    fn pick_item(&self, rng: &mut Rng) -> &CatalogItem {
        let total = self.items.last().map_or(1, |(_, w)| *w);
        let x = rng.below(total);
        let i = self.items.partition_point(|(_, w)| *w <= x);
        &self.items[i.min(self.items.len() - 1)].0
    }

    fn record(&mut self, body: DocumentBody) -> Result<Document> {
        self.ledger.record_document(body).map_err(ledger_err)
    }

    fn sell(&mut self, rng: &mut Rng, cashier: StaffId, s: &mut Summary) -> Result<Document> {
        let mut cart = Cart::new();
        let lines = *rng.pick(&[1u64, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 8, 11]);
        for _ in 0..lines {
            let item = self.pick_item(rng).clone();
            let units = match rng.below(100) {
                0..=79 => 1,
                80..=94 => 2,
                _ => 3 + rng.below(4) as i64,
            };
            cart.add_item(&item, Quantity::units(units))
                .map_err(ledger_err)?;
        }
        // Fruit weighed at the scale and cheese cut to order: the labels a scale prints.
        if rng.chance(4) {
            let grams = 400 + rng.below(2_100);
            self.add_label(&mut cart, &format!("2100001{grams:05}"))?;
        }
        if rng.chance(2) {
            let cents = 290 + rng.below(900);
            self.add_label(&mut cart, &format!("2300002{cents:05}"))?;
        }
        let total = cart.totals().map_err(ledger_err)?.total;
        let payment = if rng.chance(38) {
            // Customers hand over the next round amount.
            let step = *rng.pick(&[500i64, 1000, 2000, 5000]);
            let tendered = (total.cents() + step - 1) / step * step;
            cash_payment(total, Money::from_cents(tendered.max(total.cents())))
        } else {
            card_payment(total, Some(format!("{:06}", rng.below(1_000_000))))
        };
        for (item, qty) in cart
            .lines()
            .iter()
            .map(|l| (l.product_id, l.quantity))
            .collect::<Vec<_>>()
        {
            *self.sold_since_note.entry(item).or_insert(0) += (qty.milli() + 999) / 1000;
        }
        let (lines, discount) = cart.take();
        let doc = self
            .ledger
            .record_sale(Some(cashier), lines, discount, vec![payment])
            .map_err(ledger_err)?;
        s.sales += 1;
        s.gross += total;
        Ok(doc)
    }

    fn add_label(&self, cart: &mut Cart, first12: &str) -> Result<()> {
        let code = crate::barcode::make_ean13(first12).ok_or_else(|| anyhow!("bad label"))?;
        let scan = self.ledger.resolve_scan(&code).map_err(ledger_err)?;
        cart.add_scan(&scan).map_err(ledger_err)?;
        Ok(())
    }

    fn refund(&mut self, rng: &mut Rng, sale: &Document, cashier: StaffId) -> Result<bool> {
        let DocumentBody::Sale(s) = &sale.body else {
            return Ok(false);
        };
        let Some(line) = s.lines.first() else {
            return Ok(false);
        };
        let refunded = self.ledger.refunded_for(sale.id).map_err(ledger_err)?;
        let reason = *rng.pick(&REFUND_REASONS);
        let body = build_refund(
            sale,
            &refunded,
            &[(line.line_id, line.quantity)],
            Some(cashier),
            Some(self.manager.id),
            reason,
        )
        .map_err(ledger_err)?;
        self.record(body)?;
        Ok(true)
    }

    /// Opens the drawer for the day with the float the last Z left.
    fn open(&mut self) -> Result<()> {
        let manager = self.manager.clone();
        self.ledger
            .start_shift(&manager, float_pieces()?)
            .map_err(ledger_err)?;
        Ok(())
    }

    /// The drawer is counted and the day closed; most days match, some are a few cents off, a
    /// few are off by more than the tolerance and the manager signs for it.
    fn close(&mut self, rng: &mut Rng, s: &mut Summary) -> Result<()> {
        let report = self.ledger.x_report().map_err(ledger_err)?;
        let expected = report.expected_cash();
        let off = match rng.below(100) {
            0..=69 => 0,
            70..=93 => {
                let c = 5 + rng.below(196) as i64;
                if rng.chance(65) { -c } else { c }
            }
            _ => {
                let c = 501 + rng.below(1_000) as i64;
                if rng.chance(75) { -c } else { c }
            }
        };
        let counted = Money::from_cents((expected.cents() + off).max(0));
        let float = Money::from_cents(FLOAT.iter().map(|(c, n)| c * i64::from(*n)).sum());
        let next_float = if counted >= float { float } else { counted };
        // The afternoon cashier counts; the manager signs for a difference beyond the tolerance
        // (nobody approves their own shortage).
        let manager = self.manager.clone();
        let mut count = CloseCount {
            staff: self.afternoon.clone(),
            cash: pieces(counted)?,
            other: Vec::new(),
            blind: true,
            next_float,
            approval: None,
        };
        if self
            .ledger
            .check_close(&count)
            .map_err(ledger_err)?
            .needs_approval
        {
            count.approval = Some(Approval {
                manager,
                note: rng.pick(&SHORTAGE_NOTES).to_string(),
            });
            s.approved_closes += 1;
        }
        self.ledger.close_day(count).map_err(ledger_err)?;
        s.closes += 1;
        Ok(())
    }

    fn clock(&mut self, who: &Staff) -> Result<()> {
        self.ledger.clock(who).map_err(ledger_err)?;
        Ok(())
    }

    /// Sends everything the ledger holds to HQ as received at `received`, with the checks the sync
    /// API makes, and marks it acknowledged.
    async fn push(
        &mut self,
        st: &dyn Storage,
        received: DateTime<Utc>,
        s: &mut Summary,
    ) -> Result<()> {
        loop {
            let docs = self
                .ledger
                .pending_outbox(sync_protocol::MAX_PUSH_BATCH)
                .map_err(ledger_err)?;
            if docs.is_empty() {
                return Ok(());
            }
            for d in &docs {
                if !d.hash_is_valid() {
                    bail!("demo document seq {} has a bad hash", d.seq);
                }
                d.body
                    .validate()
                    .map_err(|e| anyhow!("demo document seq {}: {e}", d.seq))?;
            }
            let res = st
                .push(&self.auth, &docs, received)
                .await
                .context("storing the demo history")?;
            if let Some(bad) = res
                .results
                .iter()
                .find(|r| r.status == sync_protocol::PushStatus::Conflict)
            {
                bail!("demo history conflict at seq {}", bad.seq);
            }
            let seqs: Vec<u64> = docs.iter().map(|d| d.seq).collect();
            s.documents += seqs.len() as u64;
            self.ledger.ack(&seqs).map_err(ledger_err)?;
        }
    }

    /// Pulls HQ's changes (catalog, prices, staff, delivery notes) into the till.
    async fn pull(&mut self, st: &dyn Storage) -> Result<()> {
        loop {
            let cursor = self.ledger.cursor().map_err(ledger_err)?;
            let page = st.changes_after(self.store.id, cursor, 1_000).await?;
            self.ledger.apply_changes(&page).map_err(ledger_err)?;
            if !page.has_more || page.next_cursor <= cursor {
                return Ok(());
            }
        }
    }
}

/// Rings `days` days of trade ending at `now` for every store (one enrolled till each, named
/// "Caja 1"), through the till core, and stores it at HQ. `costs` are HQ's product costs (for
/// delivery notes). The ledgers live in a scratch directory dropped at the end.
pub async fn ring(
    st: &dyn Storage,
    stores: &[Store],
    products: &[Product],
    costs: &HashMap<ProductId, Decimal>,
    days: i64,
    now: DateTime<Utc>,
) -> Result<Summary> {
    let dir = tempfile::tempdir().context("a scratch directory for the demo tills")?;
    let mut rng = Rng(0x0D15_7A11_0000_0001);
    let mut summary = Summary {
        days,
        ..Summary::default()
    };
    let start_day = crate::storage::sql::business_day(now) - Duration::days(days);
    let mut tills = Vec::new();
    for (i, store) in stores.iter().enumerate() {
        let per_day = [120u64, 70, 90][i % 3];
        tills.push(
            enrol(
                st,
                store,
                &dir.path().join(format!("till-{}.db", store.id)),
                at(store, start_day - Duration::days(1), 18, 0, 0)?,
                per_day,
            )
            .await?,
        );
    }
    for t in &mut tills {
        t.pull(st).await?;
        choose_assortment(t, products, &mut rng)?;
        // The opening stock count, before the first day's trade.
        let when = at(&t.store, start_day, 8, 30, 0)?;
        t.ledger.set_clock(Some(when));
        let lines: Vec<StockLine> = t
            .items
            .iter()
            .map(|(item, _)| StockLine {
                product_id: item.product_id,
                quantity: Quantity::units(OPENING_UNITS),
            })
            .collect();
        for chunk in lines.chunks(sync_protocol::totals::MAX_LINES) {
            let manager = t.manager.id;
            t.record(DocumentBody::StockMovement(StockMovement {
                kind: StockMovementKind::Count,
                reason: Some("Inventario de apertura".into()),
                reference: None,
                lines: chunk.to_vec(),
                staff_id: Some(manager),
                delivery_note: None,
            }))?;
        }
    }
    // The last store's till lost its connection a day and a half ago: nothing since reached HQ.
    let silent_from = now - Duration::hours(36);
    for d in 0..=days {
        let date = start_day + Duration::days(d);
        for (i, t) in tills.iter_mut().enumerate() {
            let until = if i == 2 { silent_from } else { now };
            ring_day(st, t, &mut rng, date, until, costs, &mut summary).await?;
        }
    }
    Ok(summary)
}

async fn enrol(
    st: &dyn Storage,
    store: &Store,
    path: &std::path::Path,
    when: DateTime<Utc>,
    per_day: u64,
) -> Result<ShopTill> {
    let created = crate::services::tills::create_till(st, store.id, "Caja 1").await?;
    let token = auth::new_token();
    let e = st
        .enroll_till(
            &auth::hash_token(&created.enrolment_code),
            None,
            "Caja 1",
            &auth::hash_token(&token),
            when,
        )
        .await?;
    let mut ledger = Ledger::open(path).map_err(ledger_err)?;
    ledger
        .relax_durability_for_simulation()
        .map_err(ledger_err)?;
    ledger
        .enrol(
            "http://127.0.0.1",
            &EnrollResponse {
                till_id: e.till_id,
                store_id: e.store_id,
                franchisee_id: e.franchisee_id,
                ticket_series: e.ticket_series.clone(),
                token,
            },
            "Caja 1",
        )
        .map_err(ledger_err)?;
    let staff = st.list_staff(Some(store.id)).await?;
    let as_till = |s: &crate::storage::Staff| Staff {
        id: s.id,
        name: s.name.clone(),
        role: s.role,
    };
    let manager = staff
        .iter()
        .find(|s| s.role == StaffRole::Manager)
        .map(as_till)
        .ok_or_else(|| anyhow!("store {} has no manager", store.name))?;
    let cashiers: Vec<Staff> = staff
        .iter()
        .filter(|s| s.role == StaffRole::Cashier)
        .map(as_till)
        .collect();
    let (morning, afternoon) = match cashiers.as_slice() {
        [a, b, ..] => (a.clone(), b.clone()),
        [a] => (a.clone(), a.clone()),
        [] => (manager.clone(), manager.clone()),
    };
    Ok(ShopTill {
        store: store.clone(),
        ledger,
        auth: TillAuth {
            till_id: e.till_id,
            store_id: e.store_id,
            franchisee_id: e.franchisee_id,
            revoked: false,
        },
        manager,
        morning,
        afternoon,
        items: Vec::new(),
        per_day,
        sold_since_note: HashMap::new(),
        pending_note: None,
    })
}

/// The store's assortment: `ASSORTMENT` products of the catalog with a long-tailed popularity
/// (a few sell every hour, most a few times a month), priced as this till sees them.
fn choose_assortment(t: &mut ShopTill, products: &[Product], rng: &mut Rng) -> Result<()> {
    let mut order: Vec<&Product> = products
        .iter()
        .filter(|p| p.active && p.sku.starts_with("DEMO-"))
        .collect();
    // Fisher–Yates with the demo's generator: each store its own best sellers.
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    let mut cumulative = 0u64;
    let mut items = Vec::with_capacity(ASSORTMENT);
    for (rank, p) in order.into_iter().take(ASSORTMENT).enumerate() {
        let Some(code) = p.barcodes.first() else {
            continue;
        };
        let Some(item) = t.ledger.lookup_barcode(code).map_err(ledger_err)? else {
            continue;
        };
        cumulative += 1_000_000 / (rank as u64 + 8);
        items.push((item, cumulative));
    }
    if items.is_empty() {
        bail!("the demo catalog reached the till empty");
    }
    t.items = items;
    Ok(())
}

/// One day at one store, up to `until`.
async fn ring_day(
    st: &dyn Storage,
    t: &mut ShopTill,
    rng: &mut Rng,
    date: NaiveDate,
    until: DateTime<Utc>,
    costs: &HashMap<ProductId, Decimal>,
    s: &mut Summary,
) -> Result<()> {
    let store = t.store.clone();
    // Monday noon: HQ sends the week's delivery note (what the store sold since the last one).
    let note_at = at(&store, date, 12, 0, 0)?;
    if date.weekday() == Weekday::Mon && note_at <= until && !t.sold_since_note.is_empty() {
        send_note(st, t, date, note_at, costs).await?;
        s.deliveries += 1;
    }
    let opening = at(&store, date, 8, 45, 0)?;
    if closed(date) || opening > until {
        return Ok(());
    }
    let tick = |t: &mut ShopTill, when: DateTime<Utc>| t.ledger.set_clock(Some(when));
    let manager = t.manager.clone();
    let (morning, afternoon) = (t.morning.clone(), t.afternoon.clone());
    tick(t, opening);
    t.clock(&manager)?;
    tick(t, at(&store, date, 8, 50, 0)?);
    t.clock(&morning)?;
    tick(t, at(&store, date, 8, 55, 0)?);
    t.open()?;
    // Tuesday: the week's goods arrive and are received against HQ's note.
    if date.weekday() == Weekday::Tue
        && let Some(number) = t.pending_note.take()
    {
        tick(t, at(&store, date, 8, 58, 0)?);
        t.pull(st).await?;
        receive_note(t, &number)?;
    }

    // The day's tickets at shop-like times.
    let percent = WEEKDAY_PERCENT[date.weekday().num_days_from_monday() as usize];
    let n = t.per_day * percent / 100 * (90 + rng.below(21)) / 100;
    let total_weight: u64 = HOUR_WEIGHTS.iter().sum();
    let mut times: Vec<DateTime<Utc>> = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let mut x = rng.below(total_weight);
        let hour = HOUR_WEIGHTS
            .iter()
            .position(|w| {
                if x < *w {
                    true
                } else {
                    x -= w;
                    false
                }
            })
            .unwrap_or(0) as u32;
        times.push(at(
            &t.store,
            date,
            9 + hour,
            rng.below(60) as u32,
            rng.below(60) as u32,
        )?);
    }
    times.sort();
    let mut sales_today: Vec<Document> = Vec::new();
    let mut events = vec![
        (
            at(&store, date, 14, 0, 0)?,
            Event::ClockOut(manager.clone()),
        ),
        (
            at(&store, date, 14, 55, 0)?,
            Event::ClockIn(afternoon.clone()),
        ),
        (
            at(&store, date, 15, 5, 0)?,
            Event::ClockOut(morning.clone()),
        ),
        (at(&store, date, 16, 30, 0)?, Event::Drop),
        (at(&store, date, 17, 0, 0)?, Event::ClockIn(manager.clone())),
    ];
    if date.weekday() == Weekday::Sat {
        events.push((at(&store, date, 20, 40, 0)?, Event::Waste));
    }
    events.sort_by_key(|(w, _)| *w);
    let mut next_event = 0;
    for when in times {
        if when > until {
            break;
        }
        while next_event < events.len() && events[next_event].0 <= when {
            let (w, e) = events[next_event].clone();
            tick(t, w);
            event(t, rng, e)?;
            next_event += 1;
        }
        tick(t, when);
        let morning_shift = when < at(&store, date, 15, 0, 0)?;
        let cashier = t.staff(morning_shift).id;
        if !sales_today.is_empty() && rng.chance(2) {
            let i = rng.below(sales_today.len() as u64) as usize;
            let sale = sales_today.remove(i);
            if t.refund(rng, &sale, cashier)? {
                s.refunds += 1;
            }
            continue;
        }
        sales_today.push(t.sell(rng, cashier, s)?);
    }
    let close_at = at(&store, date, 21, 10, 0)?;
    if close_at > until {
        // Still trading: what was rung so far reached HQ a moment ago.
        while next_event < events.len() && events[next_event].0 <= until {
            let (w, e) = events[next_event].clone();
            tick(t, w);
            event(t, rng, e)?;
            next_event += 1;
        }
        t.push(st, until, s).await?;
        return Ok(());
    }
    for (w, e) in events.into_iter().skip(next_event) {
        tick(t, w);
        event(t, rng, e)?;
    }
    tick(t, close_at);
    t.close(rng, s)?;
    tick(t, at(&store, date, 21, 15, 0)?);
    t.clock(&afternoon)?;
    tick(t, at(&store, date, 21, 20, 0)?);
    t.clock(&manager)?;
    t.push(st, at(&store, date, 21, 25, 0)?, s).await?;
    Ok(())
}

#[derive(Clone)]
enum Event {
    ClockIn(Staff),
    ClockOut(Staff),
    /// Notes taken from a full drawer to the safe in the afternoon.
    Drop,
    /// Saturday evening: what went off this week is written off.
    Waste,
}

fn event(t: &mut ShopTill, rng: &mut Rng, e: Event) -> Result<()> {
    match e {
        Event::ClockIn(who) | Event::ClockOut(who) => t.clock(&who),
        Event::Drop => {
            let cash = t.ledger.x_report().map_err(ledger_err)?.expected_cash();
            if cash > Money::from_cents(60_000) {
                let manager = t.manager.clone();
                t.ledger
                    .cash_movement(
                        &manager,
                        CashMovementDirection::Out,
                        Money::from_cents(30_000),
                        "Retirada a caja fuerte",
                    )
                    .map_err(ledger_err)?;
            }
            Ok(())
        }
        Event::Waste => {
            let lines: Vec<StockLine> = (0..1 + rng.below(3))
                .map(|_| StockLine {
                    product_id: t.pick_item(rng).product_id,
                    quantity: -Quantity::units(1 + rng.below(3) as i64),
                })
                .collect();
            let manager = t.manager.id;
            t.record(DocumentBody::StockMovement(StockMovement {
                kind: StockMovementKind::Waste,
                reason: Some(rng.pick(&WASTE_REASONS).to_string()),
                reference: None,
                lines,
                staff_id: Some(manager),
                delivery_note: None,
            }))?;
            Ok(())
        }
    }
}

/// HQ's weekly delivery note to the store: what it sold since the last one, in packs of six.
async fn send_note(
    st: &dyn Storage,
    t: &mut ShopTill,
    date: NaiveDate,
    when: DateTime<Utc>,
    costs: &HashMap<ProductId, Decimal>,
) -> Result<()> {
    let mut lines: Vec<(ProductId, i64)> = t.sold_since_note.drain().collect();
    lines.sort_by_key(|(p, units)| (-units, p.0));
    lines.truncate(200);
    let lines: Vec<(ProductId, Quantity)> = lines
        .into_iter()
        .map(|(p, units)| (p, Quantity::units((units + 5) / 6 * 6)))
        .collect();
    let unit_costs = lines
        .iter()
        .filter_map(|(p, _)| costs.get(p).map(|c| (*p, *c)))
        .collect();
    let note = st
        .deliveries()
        .create_delivery_note(
            &NewDeliveryNote {
                store_id: t.store.id,
                supplier: "Almacén central (Getafe)".into(),
                expected_date: date + Duration::days(1),
                lines,
                created_by: "Ana Torres (central)".into(),
                unit_costs,
            },
            when,
        )
        .await?;
    t.pending_note = Some(note.number);
    Ok(())
}

/// Receives a pulled delivery note in full, as the till's receiving screen records it.
fn receive_note(t: &mut ShopTill, number: &str) -> Result<()> {
    let Some(local) = t.ledger.delivery_note(number).map_err(ledger_err)? else {
        bail!("delivery note {number} did not reach the demo till");
    };
    let lines = local
        .note
        .lines
        .iter()
        .map(|l| StockLine {
            product_id: l.product_id,
            quantity: l.quantity,
        })
        .collect();
    t.ledger
        .record_delivery_receipt(StockMovement {
            kind: StockMovementKind::Receipt,
            reason: None,
            reference: Some(number.to_string()),
            lines,
            staff_id: Some(t.manager.id),
            delivery_note: Some(number.to_string()),
        })
        .map_err(ledger_err)?;
    Ok(())
}

/// HQ's cost of each demo product: 58–72 % of its price before VAT, like a supermarket's margin.
pub fn demo_costs(products: &[Product]) -> Vec<ProductStockIn> {
    let mut rng = Rng(0xC057_0000_0000_0001);
    products
        .iter()
        .map(|p| {
            let gross = Decimal::new(p.price.cents(), 2);
            let net = gross / (Decimal::ONE + p.tax_rate.as_decimal());
            let share = Decimal::new(58 + rng.below(15) as i64, 2);
            ProductStockIn {
                product_id: p.id,
                cost: crate::services::stock::round_cost(net * share),
            }
        })
        .collect()
}
