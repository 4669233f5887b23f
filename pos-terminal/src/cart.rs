//! The ticket being rung up: lines, discounts and live totals, with no UI types.
//! Totals always come from `sync_protocol::compute_totals`, so the screen shows exactly what HQ will verify.

use crate::ledger::{CatalogItem, Offers, Scan};
use sync_protocol::{
    LineInput, Money, Payment, ProductId, PromoLine, PromotionRef, Quantity, SaleLine, TaxRate,
    Tender, TicketTotals, TotalsError, apply_promotions, compute_totals,
};
use uuid::Uuid;

/// One line in the cart. Prices are tax-inclusive, as shown on the shelf. Serialisable so a card
/// attempt can keep the cart it charges for (see [`crate::card_terminal`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CartLine {
    pub product_id: ProductId,
    /// The code that was scanned, if the line came from a scan (kept for the receipt and audits).
    pub barcode: Option<String>,
    pub name: String,
    pub quantity: Quantity,
    pub unit_price: Money,
    pub tax_rate: TaxRate,
    /// Discount on this line given by hand, in money (not percent), so rounding happens once,
    /// visibly. A line with one takes no promotion.
    pub discount: Money,
    /// The line came from a scale label's weight: a repeat scan only merges into it when the
    /// till is set to (see [`Cart::add_scan_merging`]).
    pub weighed: bool,
    /// The promotion that applies to this line and what it takes off (set by the cart from the
    /// offers in force, never by hand; see [`sync_protocol::promotions`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion: Option<PromotionRef>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub promotion_discount: Money,
}

impl CartLine {
    /// A line for `quantity` of a catalog item at its effective (store) price.
    pub fn from_item(item: &CatalogItem, quantity: Quantity) -> Self {
        Self {
            product_id: item.product_id,
            barcode: item.barcode.clone(),
            name: item.name.clone(),
            quantity,
            unit_price: item.price,
            tax_rate: item.tax_rate,
            discount: Money::ZERO,
            weighed: false,
            promotion: None,
            promotion_discount: Money::ZERO,
        }
    }

    /// The whole discount of the line: the cashier's or the promotion's.
    pub fn total_discount(&self) -> Money {
        self.discount + self.promotion_discount
    }

    /// What the totals rule needs from this line.
    pub fn input(&self) -> LineInput {
        LineInput {
            quantity: self.quantity,
            unit_price: self.unit_price,
            tax_rate: self.tax_rate,
            discount: self.total_discount(),
        }
    }

    /// The line as it goes into a sale document, with a fresh line id.
    pub fn to_sale_line(&self) -> SaleLine {
        SaleLine {
            line_id: Uuid::now_v7(),
            product_id: self.product_id,
            barcode: self.barcode.clone(),
            name: self.name.clone(),
            quantity: self.quantity,
            unit_price: self.unit_price,
            tax_rate: self.tax_rate,
            discount: self.total_discount(),
            promotion: self.promotion.clone(),
        }
    }
}

fn is_zero(m: &Money) -> bool {
    m.is_zero()
}

/// Why a cart edit was refused. The cart is left unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CartError {
    #[error("there is no line {0} in the cart")]
    NoSuchLine(usize),
    #[error(transparent)]
    Totals(#[from] TotalsError),
}

/// The ticket in progress. Edits are checked against the totals rule so the cart never holds
/// something that could not be recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cart {
    lines: Vec<CartLine>,
    ticket_discount: Money,
    /// Promotions and scheduled prices in force (from [`crate::ledger::Ledger::offers`]).
    offers: Offers,
}

impl Cart {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn lines(&self) -> &[CartLine] {
        &self.lines
    }

    pub fn ticket_discount(&self) -> Money {
        self.ticket_discount
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Adds `quantity` of a catalog item. The same item again (anywhere on the ticket, at the
    /// same price, on a line with no discount of its own and not weighed) adds to that line
    /// instead of making a second one, so a ticket never lists one product twice.
    pub fn add_item(&mut self, item: &CatalogItem, quantity: Quantity) -> Result<usize, CartError> {
        let item = &self.offers.reprice(item);
        if let Some(idx) = self.mergeable(item.product_id, item.price, false) {
            let new_qty = self.lines[idx].quantity + quantity;
            self.set_quantity(idx, new_qty)?;
            return Ok(idx);
        }
        self.add_line(CartLine::from_item(item, quantity))
    }

    /// The line a repeat of this product at `price` adds to, if any.
    fn mergeable(&self, product: ProductId, price: Money, weighed: bool) -> Option<usize> {
        self.lines.iter().position(|l| {
            l.product_id == product
                && l.unit_price == price
                && l.discount.is_zero()
                && l.weighed == weighed
        })
    }

    /// Adds what a scan resolved to: an ordinary item as [`Cart::add_item`] (one unit, merged
    /// with the same item), a scale label as its own line (never merged: each label is one
    /// weighing) with the label's weight as the quantity, or quantity 1 at the label's price.
    pub fn add_scan(&mut self, scan: &Scan) -> Result<usize, CartError> {
        self.add_scan_merging(scan, Quantity::one(), false)
    }

    /// As [`Cart::add_scan`], `quantity` times an ordinary item (the `3*` typed before a scan);
    /// with `merge_weighed`, a weighed label of a product already weighed at the same price per
    /// kg adds its weight to that line (a till setting, off by default).
    pub fn add_scan_merging(
        &mut self,
        scan: &Scan,
        quantity: Quantity,
        merge_weighed: bool,
    ) -> Result<usize, CartError> {
        match scan {
            Scan::Item(item) => self.add_item(item, quantity),
            Scan::Weighed { item, quantity } => {
                let item = &self.offers.reprice(item);
                if merge_weighed
                    && let Some(idx) = self.mergeable(item.product_id, item.price, true)
                {
                    let new_qty = self.lines[idx].quantity + *quantity;
                    self.set_quantity(idx, new_qty)?;
                    return Ok(idx);
                }
                let mut line = CartLine::from_item(item, *quantity);
                line.weighed = true;
                self.add_line(line)
            }
            Scan::Priced { item, price } => {
                let mut line = CartLine::from_item(item, Quantity::one());
                line.unit_price = *price;
                self.add_line(line)
            }
        }
    }

    /// Adds a prepared line (e.g. a weighed item or a manual price). Returns its index.
    pub fn add_line(&mut self, line: CartLine) -> Result<usize, CartError> {
        self.try_edit(|c| c.lines.push(line))?;
        Ok(self.lines.len() - 1)
    }

    pub fn set_quantity(&mut self, idx: usize, quantity: Quantity) -> Result<(), CartError> {
        self.line_exists(idx)?;
        self.try_edit(|c| c.lines[idx].quantity = quantity)
    }

    /// A manual unit price (price override); the caller checks the manager's approval.
    pub fn set_unit_price(&mut self, idx: usize, price: Money) -> Result<(), CartError> {
        self.line_exists(idx)?;
        self.try_edit(|c| c.lines[idx].unit_price = price)
    }

    pub fn set_line_discount(&mut self, idx: usize, discount: Money) -> Result<(), CartError> {
        self.line_exists(idx)?;
        self.try_edit(|c| c.lines[idx].discount = discount)
    }

    pub fn remove_line(&mut self, idx: usize) -> Result<CartLine, CartError> {
        self.line_exists(idx)?;
        let line = self.lines.remove(idx);
        self.apply_promotions();
        // A ticket discount larger than what is left no longer makes sense: drop it.
        if !self.lines.is_empty() && self.totals().is_err() {
            self.ticket_discount = Money::ZERO;
        }
        if self.lines.is_empty() {
            self.ticket_discount = Money::ZERO;
        }
        Ok(line)
    }

    pub fn set_ticket_discount(&mut self, discount: Money) -> Result<(), CartError> {
        self.try_edit(|c| c.ticket_discount = discount)
    }

    /// The promotions and scheduled prices in force, as the till's clock reads them now: lines
    /// added from here sell at the prices in force, and every line's promotion is worked out
    /// again (a promotion that ended leaves the ticket).
    pub fn set_offers(&mut self, offers: Offers) {
        if self.offers == offers {
            return;
        }
        let before = self.clone();
        self.offers = offers;
        self.apply_promotions();
        if self.totals().is_err() && !self.lines.is_empty() {
            // A ticket discount the new promotions leave too large goes.
            self.ticket_discount = Money::ZERO;
            if self.totals().is_err() {
                *self = Cart {
                    offers: self.offers.clone(),
                    ..before
                };
            }
        }
    }

    pub fn offers(&self) -> &Offers {
        &self.offers
    }

    /// What the promotions take off the ticket, in all.
    pub fn promotion_savings(&self) -> Money {
        self.lines.iter().map(|l| l.promotion_discount).sum()
    }

    /// Works out every line's promotion again (after any edit).
    fn apply_promotions(&mut self) {
        let input: Vec<PromoLine> = self
            .lines
            .iter()
            .map(|l| PromoLine {
                product_id: l.product_id,
                quantity: l.quantity,
                unit_price: l.unit_price,
                weighed: l.weighed,
                manual_discount: !l.discount.is_zero(),
            })
            .collect();
        let applied = if self.offers.promotions.is_empty() {
            vec![None; input.len()]
        } else {
            apply_promotions(&input, &self.offers.promotions)
        };
        for (l, a) in self.lines.iter_mut().zip(applied) {
            match a {
                Some(a) => {
                    l.promotion = Some(a.promotion);
                    l.promotion_discount = a.discount;
                }
                None => {
                    l.promotion = None;
                    l.promotion_discount = Money::ZERO;
                }
            }
        }
    }

    /// Empties the cart (after a sale is recorded, or when the ticket is voided).
    pub fn clear(&mut self) {
        self.lines.clear();
        self.ticket_discount = Money::ZERO;
    }

    /// Totals under the shared rule. An empty cart has no totals (`TotalsError::NoLines`).
    pub fn totals(&self) -> Result<TicketTotals, TotalsError> {
        let inputs: Vec<LineInput> = self.lines.iter().map(CartLine::input).collect();
        compute_totals(&inputs, self.ticket_discount)
    }

    /// Takes the lines and discount out, leaving the cart empty, for `Ledger::record_sale`.
    pub fn take(&mut self) -> (Vec<CartLine>, Money) {
        let discount = std::mem::replace(&mut self.ticket_discount, Money::ZERO);
        (std::mem::take(&mut self.lines), discount)
    }

    fn line_exists(&self, idx: usize) -> Result<(), CartError> {
        if idx < self.lines.len() {
            Ok(())
        } else {
            Err(CartError::NoSuchLine(idx))
        }
    }

    /// Applies an edit only if the result still totals; otherwise restores the previous state.
    fn try_edit(&mut self, edit: impl FnOnce(&mut Self)) -> Result<(), CartError> {
        let before = self.clone();
        edit(self);
        self.apply_promotions();
        match self.totals() {
            Ok(_) => Ok(()),
            Err(e) => {
                *self = before;
                Err(e.into())
            }
        }
    }
}

/// A cash payment of `amount` with `tendered` handed over; the change is computed here so it is
/// never typed by hand. `tendered` below `amount` is treated as exact cash.
pub fn cash_payment(amount: Money, tendered: Money) -> Payment {
    let tendered = if tendered < amount { amount } else { tendered };
    Payment {
        payment_id: Uuid::now_v7(),
        tender: Tender::Cash,
        amount,
        tendered: Some(tendered),
        change: tendered - amount,
        reference: None,
    }
}

/// A card payment of `amount`, with the terminal's reference if there is one.
pub fn card_payment(amount: Money, reference: Option<String>) -> Payment {
    Payment {
        payment_id: Uuid::now_v7(),
        tender: Tender::Card,
        amount,
        tendered: None,
        change: Money::ZERO,
        reference,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: i64, cents: i64) -> CatalogItem {
        CatalogItem {
            product_id: ProductId(id),
            sku: format!("SKU{id}"),
            name: format!("Producto {id}"),
            barcode: None,
            tax_rate: TaxRate::IVA_REDUCED,
            price: Money::from_cents(cents),
            hq_price: Money::from_cents(cents),
            store_override: false,
        }
    }

    #[test]
    fn scanning_twice_bumps_quantity_and_totals_follow_the_rule() {
        let mut c = Cart::new();
        c.add_item(&item(1, 250), Quantity::one()).unwrap();
        c.add_item(&item(1, 250), Quantity::one()).unwrap();
        c.add_item(&item(2, 199), Quantity::one()).unwrap();
        assert_eq!(c.lines().len(), 2);
        assert_eq!(c.lines()[0].quantity, Quantity::units(2));
        let t = c.totals().unwrap();
        assert_eq!(t.total, Money::from_cents(699));
    }

    #[test]
    fn the_same_item_merges_into_its_line_wherever_it_is_but_weighed_labels_only_when_set() {
        let mut c = Cart::new();
        c.add_item(&item(1, 250), Quantity::one()).unwrap();
        c.add_item(&item(2, 199), Quantity::one()).unwrap();
        assert_eq!(c.add_item(&item(1, 250), Quantity::units(3)).unwrap(), 0);
        assert_eq!(c.lines().len(), 2);
        assert_eq!(c.lines()[0].quantity, Quantity::units(4));
        // A discounted line keeps its own: the next one starts a new line.
        c.set_line_discount(1, Money::from_cents(10)).unwrap();
        assert_eq!(c.add_item(&item(2, 199), Quantity::one()).unwrap(), 2);
        let kg = |g: i64| Scan::Weighed {
            item: item(5, 1290),
            quantity: Quantity::from_milli(g),
        };
        c.add_scan(&kg(450)).unwrap();
        c.add_scan(&kg(300)).unwrap();
        assert_eq!(c.lines().len(), 5, "weighed labels never merge by default");
        assert_eq!(
            c.add_scan_merging(&kg(250), Quantity::one(), true).unwrap(),
            3
        );
        assert_eq!(c.lines()[3].quantity, Quantity::from_milli(700));
        // An ordinary scan of the weighed product never lands on a weighed line.
        assert_eq!(c.add_item(&item(5, 1290), Quantity::one()).unwrap(), 5);
    }

    #[test]
    fn invalid_edits_are_refused_and_leave_the_cart_unchanged() {
        let mut c = Cart::new();
        c.add_item(&item(1, 100), Quantity::one()).unwrap();
        assert!(c.set_line_discount(0, Money::from_cents(101)).is_err());
        assert!(c.set_ticket_discount(Money::from_cents(500)).is_err());
        assert!(c.set_quantity(0, Quantity::ZERO).is_err());
        assert_eq!(
            c.set_quantity(3, Quantity::one()),
            Err(CartError::NoSuchLine(3))
        );
        assert_eq!(c.totals().unwrap().total, Money::from_cents(100));
        c.set_ticket_discount(Money::from_cents(50)).unwrap();
        c.remove_line(0).unwrap();
        assert!(c.is_empty());
        assert_eq!(c.ticket_discount(), Money::ZERO);
    }

    #[test]
    fn cash_change_is_computed() {
        let p = cash_payment(Money::from_cents(735), Money::from_cents(1000));
        assert_eq!(p.change, Money::from_cents(265));
        assert_eq!(p.amount, Money::from_cents(735));
    }
}
