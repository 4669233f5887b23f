//! Sales history made of real, chained documents, stored through the server's storage `push`: days
//! of tickets for a till with products and prices from the catalog. Feeds the dashboard screenshots
//! and the report benchmark (which needs millions of lines, faster than driving tills).

use back_office_server::storage::{Product, Storage, StorageResult, TillAuth};
use chrono::{DateTime, Duration, Utc};
use sync_protocol::{
    Document, DocumentBody, DocumentId, GENESIS_HASH, Money, Payment, Quantity, Sale, SaleLine,
    StaffId, Tender, compute_totals,
};
use uuid::Uuid;

/// A tiny deterministic generator (SplitMix64), so every run makes the same history.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// One till's chain position: the next sequence number and the hash to chain to.
pub struct TillChain {
    pub till: TillAuth,
    pub next_seq: u64,
    pub prev_hash: String,
    /// The cashier written on the next sales (none by default).
    pub cashier_id: Option<StaffId>,
}

impl TillChain {
    pub fn new(till: TillAuth) -> Self {
        Self {
            till,
            next_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
            cashier_id: None,
        }
    }

    /// A sale of `lines` random catalog products (1–3 units each) at `at`, sealed into the chain.
    pub fn sale(
        &mut self,
        rng: &mut Rng,
        products: &[Product],
        lines: usize,
        at: DateTime<Utc>,
    ) -> Document {
        let lines: Vec<SaleLine> = (0..lines.max(1))
            .map(|_| {
                let p = &products[rng.below(products.len() as u64) as usize];
                SaleLine {
                    line_id: Uuid::new_v4(),
                    product_id: p.id,
                    barcode: p.barcodes.first().cloned(),
                    name: p.name.clone(),
                    quantity: Quantity::units(1 + rng.below(3) as i64),
                    unit_price: p.price,
                    tax_rate: p.tax_rate,
                    discount: Money::ZERO,
                    promotion: None,
                }
            })
            .collect();
        let inputs: Vec<_> = lines.iter().map(|l| l.input()).collect();
        // Catalog prices and quantities are within the protocol's limits, so totals always compute.
        let totals = compute_totals(&inputs, Money::ZERO).expect("totals of catalog products");
        let tender = if rng.below(3) == 0 {
            Tender::Cash
        } else {
            Tender::Card
        };
        let seq = self.next_seq;
        let body = DocumentBody::Sale(Sale {
            ticket_number: format!("T{:04}-{seq:06}", self.till.till_id.0),
            cashier_id: self.cashier_id,
            lines,
            ticket_discount: Money::ZERO,
            payments: vec![Payment {
                payment_id: Uuid::new_v4(),
                tender,
                amount: totals.total,
                tendered: None,
                change: Money::ZERO,
                reference: None,
            }],
            totals,
        });
        let d = Document::seal(
            DocumentId::new(),
            self.till.till_id,
            self.till.store_id,
            seq,
            at,
            &self.prev_hash,
            body,
        );
        self.next_seq += 1;
        self.prev_hash = d.hash.clone();
        d
    }

    /// Pushes `docs` in batches of the protocol's maximum, as received at `received`.
    pub async fn push_all(
        &self,
        storage: &dyn Storage,
        docs: &[Document],
        received: DateTime<Utc>,
    ) -> StorageResult<()> {
        for batch in docs.chunks(sync_protocol::MAX_PUSH_BATCH) {
            storage.push(&self.till, batch, received).await?;
        }
        Ok(())
    }
}

/// `days` days of trade ending today: about `per_day` tickets a day over shop hours (09:00–21:00 in
/// Madrid, busier at midday and in the evening; today's from midnight to `now` when the shop would
/// not have opened yet), each a sale of 1..=`max_lines`
/// lines, rung by one of `cashiers` (none when empty).
#[allow(clippy::too_many_arguments)]
pub fn days_of_sales(
    chain: &mut TillChain,
    rng: &mut Rng,
    products: &[Product],
    days: i64,
    per_day: usize,
    max_lines: usize,
    now: DateTime<Utc>,
    cashiers: &[StaffId],
) -> Vec<Document> {
    use chrono::TimeZone;
    // Relative trade per opening hour, 09:00 … 20:00.
    const WEIGHTS: [u64; 12] = [2, 4, 6, 8, 9, 7, 5, 5, 6, 8, 9, 6];
    let total: u64 = WEIGHTS.iter().sum();
    let today = now.with_timezone(&chrono_tz::Europe::Madrid).date_naive();
    let mut docs = Vec::with_capacity(days as usize * per_day);
    for d in (0..days).rev() {
        let date = today - Duration::days(d);
        let mut times: Vec<DateTime<Utc>> = (0..per_day)
            .filter_map(|_| {
                let mut pick = rng.below(total);
                let hour = WEIGHTS
                    .iter()
                    .position(|w| {
                        if pick < *w {
                            true
                        } else {
                            pick -= w;
                            false
                        }
                    })
                    .unwrap_or(0) as u32;
                let naive =
                    date.and_hms_opt(9 + hour, rng.below(60) as u32, rng.below(60) as u32)?;
                let at = chrono_tz::Europe::Madrid
                    .from_local_datetime(&naive)
                    .earliest()?
                    .with_timezone(&Utc);
                if at <= now {
                    return Some(at);
                }
                // Today, later than now: still show a trading day so far (a screenshot taken in
                // the early morning has sales today), spread between midnight and now.
                let midnight = chrono_tz::Europe::Madrid
                    .from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
                    .earliest()?
                    .with_timezone(&Utc);
                let span = (now - midnight).num_seconds();
                (d == 0 && span > 0)
                    .then(|| midnight + Duration::seconds(rng.below(span as u64) as i64))
            })
            .collect();
        times.sort();
        for at in times {
            if !cashiers.is_empty() {
                chain.cashier_id = Some(cashiers[rng.below(cashiers.len() as u64) as usize]);
            }
            let lines = 1 + rng.below(max_lines.max(1) as u64) as usize;
            docs.push(chain.sale(rng, products, lines, at));
        }
    }
    docs
}
