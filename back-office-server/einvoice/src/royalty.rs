//! Royalties and fees of one franchisee for one month, as invoice lines, from the contract terms in force.
//! Pure functions: the caller brings the terms, the month's net sales and deliveries; nothing is stored.
//!
//! Royalty tiers are **marginal**: each band's percentage applies only to the part of the month's net
//! sales inside that band (like income tax brackets), so earning one euro more never lowers the royalty.
//! Each band's royalty is rounded to the cent on its own and printed on its own line, so the franchisee
//! can check every figure; the monthly minimum compares with the sum of those rounded lines and, when
//! higher, adds a top-up line for the difference.
//!
//! Late sales (a till offline over month-end) belong to their own month and that month's contract
//! version: their line is `f(already + late) − f(already)` with `f(s) = max(royalty(s), minimum)`, so a
//! month is never charged twice for its minimum and tiers continue where the invoiced sales stopped.

use crate::i18n;
use crate::model::{Language, LineDraft, Period, Revenue, Unit, VatCategory, surcharge_rate_for};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sync_protocol::{Money, Quantity, TaxRate};

/// One band of the royalty table: `percent` of the net sales from `from` (included) up to `to`
/// (excluded; `None` for the last, open band).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub from: Money,
    pub to: Option<Money>,
    pub percent: Decimal,
}

/// A validated, marginal royalty table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierTable(Vec<Tier>);

/// Why a royalty table is refused; `band` counts from 1 as the contract page shows them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TierError {
    #[error("the royalty table has no band")]
    Empty,
    #[error("the first band must start at 0.00, not {0}")]
    FirstNotFromZero(Money),
    #[error("band {band} ends at {to}, which is not above where it starts ({from})")]
    NotAscending { band: usize, from: Money, to: Money },
    #[error("gap: band {band} ends at {to} but the next band starts at {next_from}")]
    Gap {
        band: usize,
        to: Money,
        next_from: Money,
    },
    #[error("overlap: band {band} ends at {to} but the next band starts at {next_from}")]
    Overlap {
        band: usize,
        to: Money,
        next_from: Money,
    },
    #[error("band {band} has no upper limit but is not the last band")]
    OpenBandNotLast { band: usize },
    #[error("the last band must have no upper limit, so every sales figure has a rate")]
    LastBandClosed,
    #[error("band {band}: percentage {percent} must be between 0 and 100")]
    BadPercent { band: usize, percent: Decimal },
    #[error("band {band}: percentage {percent} has more than 4 decimals")]
    TooPrecise { band: usize, percent: Decimal },
}

fn percent_ok(p: Decimal) -> bool {
    p >= Decimal::ZERO && p <= Decimal::ONE_HUNDRED
}

impl TierTable {
    /// Checks the bands: from 0, ascending, contiguous (no gap, no overlap), open-ended last, 0–100 %.
    pub fn new(tiers: Vec<Tier>) -> Result<TierTable, TierError> {
        let first = tiers.first().ok_or(TierError::Empty)?;
        if !first.from.is_zero() {
            return Err(TierError::FirstNotFromZero(first.from));
        }
        for (i, t) in tiers.iter().enumerate() {
            let band = i + 1;
            if !percent_ok(t.percent) {
                return Err(TierError::BadPercent {
                    band,
                    percent: t.percent,
                });
            }
            if t.percent.normalize().scale() > 4 {
                return Err(TierError::TooPrecise {
                    band,
                    percent: t.percent,
                });
            }
            match (t.to, tiers.get(i + 1)) {
                (Some(to), _) if to <= t.from => {
                    return Err(TierError::NotAscending {
                        band,
                        from: t.from,
                        to,
                    });
                }
                (Some(to), Some(next)) if next.from > to => {
                    return Err(TierError::Gap {
                        band,
                        to,
                        next_from: next.from,
                    });
                }
                (Some(to), Some(next)) if next.from < to => {
                    return Err(TierError::Overlap {
                        band,
                        to,
                        next_from: next.from,
                    });
                }
                (None, Some(_)) => return Err(TierError::OpenBandNotLast { band }),
                (Some(_), None) => return Err(TierError::LastBandClosed),
                _ => {}
            }
        }
        Ok(TierTable(tiers))
    }

    /// A single rate on all sales.
    pub fn flat(percent: Decimal) -> Result<TierTable, TierError> {
        TierTable::new(vec![Tier {
            from: Money::ZERO,
            to: None,
            percent,
        }])
    }

    pub fn tiers(&self) -> &[Tier] {
        &self.0
    }

    /// The part of `sales` in each band with its royalty (rounded per band); bands with no sales are left out.
    pub fn bands(&self, sales: Money) -> Vec<Band> {
        let mut out = Vec::new();
        for t in &self.0 {
            if sales <= t.from {
                break;
            }
            let top = t.to.map_or(sales, |to| to.min(sales));
            let base = top - t.from;
            out.push(Band {
                tier: t.clone(),
                base,
                royalty: Money::new(base.as_decimal() * t.percent / Decimal::ONE_HUNDRED),
            });
        }
        out
    }

    /// Σ of the bands' rounded royalties; zero for zero or negative sales.
    pub fn royalty(&self, sales: Money) -> Money {
        self.bands(sales).iter().map(|b| b.royalty).sum()
    }
}

/// The sales of one month inside one band.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    pub tier: Tier,
    pub base: Money,
    pub royalty: Money,
}

/// What a fixed fee is counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeBasis {
    PerTill,
    PerStore,
    PerMonth,
}

/// A fixed monthly fee of the contract (software licence per till, support per store…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixedFee {
    /// As printed on the invoice, in the franchisee's language ("Licencia de software por caja").
    pub name: String,
    pub basis: FeeBasis,
    pub amount: Money,
}

/// The money terms of one contract version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContractTerms {
    pub royalty: TierTable,
    /// Monthly minimum royalty; zero for none.
    pub minimum_royalty: Money,
    /// Marketing fund, percent of net sales; zero for none.
    pub marketing_fund_percent: Decimal,
    pub fixed_fees: Vec<FixedFee>,
    /// One-off entry fee (canon de entrada); zero for none.
    pub entry_fee: Money,
    /// VAT on royalties and fees (21 % between Spanish businesses).
    pub services_vat_rate: TaxRate,
}

/// Why contract terms are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TermsError {
    #[error("royalty table: {0}")]
    Tiers(#[from] TierError),
    #[error("the minimum royalty {0} is negative")]
    NegativeMinimum(Money),
    #[error("the marketing fund percentage {0} must be between 0 and 100")]
    BadMarketingPercent(Decimal),
    #[error("fixed fee {index}: the name is empty")]
    FeeWithoutName { index: usize },
    #[error("fixed fee '{name}': the amount {amount} is negative")]
    NegativeFee { name: String, amount: Money },
    #[error("the entry fee {0} is negative")]
    NegativeEntryFee(Money),
    #[error("VAT rate {0} on services is not 21, 10 or 4 %")]
    BadServicesVat(TaxRate),
}

impl ContractTerms {
    /// Builds terms, checking every figure; the tier table is checked by [`TierTable::new`].
    pub fn new(
        royalty: Vec<Tier>,
        minimum_royalty: Money,
        marketing_fund_percent: Decimal,
        fixed_fees: Vec<FixedFee>,
        entry_fee: Money,
        services_vat_rate: TaxRate,
    ) -> Result<ContractTerms, TermsError> {
        let royalty = TierTable::new(royalty)?;
        if minimum_royalty.is_negative() {
            return Err(TermsError::NegativeMinimum(minimum_royalty));
        }
        if !percent_ok(marketing_fund_percent) {
            return Err(TermsError::BadMarketingPercent(marketing_fund_percent));
        }
        for (i, f) in fixed_fees.iter().enumerate() {
            if f.name.trim().is_empty() {
                return Err(TermsError::FeeWithoutName { index: i + 1 });
            }
            if f.amount.is_negative() {
                return Err(TermsError::NegativeFee {
                    name: f.name.clone(),
                    amount: f.amount,
                });
            }
        }
        if entry_fee.is_negative() {
            return Err(TermsError::NegativeEntryFee(entry_fee));
        }
        if ![2100, 1000, 400].contains(&services_vat_rate.hundredths()) {
            return Err(TermsError::BadServicesVat(services_vat_rate));
        }
        Ok(ContractTerms {
            royalty,
            minimum_royalty,
            marketing_fund_percent,
            fixed_fees,
            entry_fee,
            services_vat_rate,
        })
    }

    /// The month's royalty with the minimum applied: `max(Σ bands, minimum)`.
    pub fn royalty_due(&self, net_sales: Money) -> Money {
        self.royalty.royalty(net_sales).max(self.minimum_royalty)
    }

    /// Marketing fund on the month's net sales (nothing on a negative month).
    pub fn marketing_fund(&self, net_sales: Money) -> Money {
        Money::new(
            net_sales.max(Money::ZERO).as_decimal() * self.marketing_fund_percent
                / Decimal::ONE_HUNDRED,
        )
    }
}

/// One line of a delivery note (albarán) from HQ's central warehouse, at HQ's price to the franchisee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryLine {
    pub description: String,
    pub quantity: Quantity,
    #[serde(default)]
    pub unit: Unit,
    /// Price per unit before tax.
    pub unit_price: Money,
    pub vat_rate: TaxRate,
    /// Recargo rate when it is not the one that goes with the VAT rate (tobacco: 1.75).
    #[serde(default)]
    pub surcharge_rate_override: Option<TaxRate>,
}

/// A delivery note invoiced this month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryNote {
    pub number: String,
    pub date: NaiveDate,
    pub lines: Vec<DeliveryLine>,
}

/// Sales of an earlier month that reached HQ after that month was invoiced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LateSales {
    /// The calendar month they belong to.
    pub period: Period,
    /// Net sales of that month already invoiced.
    pub already_invoiced: Money,
    /// Net sales of that month that arrived since (negative when late refunds outweigh late sales).
    pub late: Money,
    /// The contract version in force in that month.
    pub terms: ContractTerms,
}

/// What happened in the month being invoiced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthActivity {
    /// The calendar month invoiced.
    pub period: Period,
    /// Net sales of the month: without VAT, refunds deducted.
    pub net_sales: Money,
    /// Tills and stores counted for per-till and per-store fees.
    pub tills: u32,
    pub stores: u32,
    /// The entry fee has not been invoiced yet and is due now.
    pub bill_entry_fee: bool,
    pub deliveries: Vec<DeliveryNote>,
    pub late_sales: Vec<LateSales>,
}

/// Why a month's lines cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoyaltyError {
    #[error("{start} – {end} is not a calendar month")]
    NotAMonth { start: NaiveDate, end: NaiveDate },
    #[error("late sales of {late} must belong to a month before {current}")]
    LateNotEarlier { late: NaiveDate, current: NaiveDate },
    #[error("late sales of {0}: the already invoiced sales figure is negative")]
    NegativeAlreadyInvoiced(NaiveDate),
    #[error("delivery note {note}, line {line}: {problem}")]
    Delivery {
        note: String,
        line: usize,
        problem: String,
    },
}

fn service_line(description: String, quantity: Quantity, price: Money, vat: TaxRate) -> LineDraft {
    LineDraft {
        description,
        quantity,
        unit: Unit::Each,
        unit_price: price,
        discount: None,
        vat_category: VatCategory::Standard,
        vat_rate: vat,
        exemption_reason: None,
        surcharge_rate: None,
        period: None,
        revenue: Revenue::Services,
    }
}

/// A signed amount as one line: quantity 1 at the amount, or −1 at its opposite (prices stay positive, BR-27).
fn signed_line(description: String, amount: Money, vat: TaxRate) -> LineDraft {
    if amount.is_negative() {
        service_line(description, Quantity::units(-1), -amount, vat)
    } else {
        service_line(description, Quantity::one(), amount, vat)
    }
}

fn pct(p: Decimal, lang: Language) -> String {
    let n = p.normalize();
    format!("{} %", i18n::decimal(n, n.scale(), lang))
}

fn month_of(p: &Period) -> Result<(i32, u32), RoyaltyError> {
    p.as_month().ok_or(RoyaltyError::NotAMonth {
        start: p.start,
        end: p.end,
    })
}

/// The lines of one franchisee's monthly invoice, in the order they print: royalty bands, minimum
/// top-up, marketing fund, fixed fees, entry fee, late sales of earlier months, goods delivered.
/// `surcharge` says the franchisee is under recargo de equivalencia (its goods lines carry it).
pub fn period_lines(
    terms: &ContractTerms,
    month: &MonthActivity,
    surcharge: bool,
    lang: Language,
) -> Result<Vec<LineDraft>, RoyaltyError> {
    let (year, mon) = month_of(&month.period)?;
    let name = i18n::month_name(year, mon, lang);
    let vat = terms.services_vat_rate;
    let mut lines = Vec::new();

    let bands = terms.royalty.bands(month.net_sales);
    let mut royalty = Money::ZERO;
    for b in &bands {
        royalty += b.royalty;
        if b.royalty.is_zero() {
            continue;
        }
        let base = i18n::money(b.base, lang);
        let description = match (lang, terms.royalty.tiers().len()) {
            (Language::Es, 1) => format!("Royalty {name}: {} de {base}", pct(b.tier.percent, lang)),
            (Language::En, 1) => format!("Royalty {name}: {} of {base}", pct(b.tier.percent, lang)),
            (Language::Es, _) => format!(
                "Royalty {name}: {} de {base} (tramo desde {})",
                pct(b.tier.percent, lang),
                i18n::money(b.tier.from, lang)
            ),
            (Language::En, _) => format!(
                "Royalty {name}: {} of {base} (band from {})",
                pct(b.tier.percent, lang),
                i18n::money(b.tier.from, lang)
            ),
        };
        lines.push(service_line(description, Quantity::one(), b.royalty, vat));
    }
    if royalty < terms.minimum_royalty {
        let min = i18n::money(terms.minimum_royalty, lang);
        let description = match lang {
            Language::Es => format!("Royalty mínimo {name}: complemento hasta {min}"),
            Language::En => format!("Minimum royalty {name}: top-up to {min}"),
        };
        lines.push(service_line(
            description,
            Quantity::one(),
            terms.minimum_royalty - royalty,
            vat,
        ));
    }

    let fund = terms.marketing_fund(month.net_sales);
    if !fund.is_zero() {
        let sales = i18n::money(month.net_sales, lang);
        let p = pct(terms.marketing_fund_percent, lang);
        let description = match lang {
            Language::Es => format!("Fondo de marketing {name}: {p} de {sales}"),
            Language::En => format!("Marketing fund {name}: {p} of {sales}"),
        };
        lines.push(service_line(description, Quantity::one(), fund, vat));
    }

    for fee in &terms.fixed_fees {
        let count = match fee.basis {
            FeeBasis::PerTill => month.tills,
            FeeBasis::PerStore => month.stores,
            FeeBasis::PerMonth => 1,
        };
        if count == 0 || fee.amount.is_zero() {
            continue;
        }
        lines.push(service_line(
            format!("{} ({name})", fee.name),
            Quantity::units(i64::from(count)),
            fee.amount,
            vat,
        ));
    }

    if month.bill_entry_fee && !terms.entry_fee.is_zero() {
        let description = match lang {
            Language::Es => "Canon de entrada a la franquicia".to_string(),
            Language::En => "Franchise entry fee".to_string(),
        };
        lines.push(service_line(
            description,
            Quantity::one(),
            terms.entry_fee,
            vat,
        ));
    }

    for late in &month.late_sales {
        let (ly, lm) = month_of(&late.period)?;
        if late.period.start >= month.period.start {
            return Err(RoyaltyError::LateNotEarlier {
                late: late.period.start,
                current: month.period.start,
            });
        }
        if late.already_invoiced.is_negative() {
            return Err(RoyaltyError::NegativeAlreadyInvoiced(late.period.start));
        }
        let late_name = i18n::month_name(ly, lm, lang);
        let after = late.already_invoiced + late.late;
        let t = &late.terms;
        let delta = t.royalty_due(after) - t.royalty_due(late.already_invoiced);
        let sales = i18n::money(late.late, lang);
        if !delta.is_zero() {
            let description = match lang {
                Language::Es => format!("Royalty ventas tardías de {late_name}: {sales}"),
                Language::En => format!("Royalty on late sales of {late_name}: {sales}"),
            };
            let mut line = signed_line(description, delta, t.services_vat_rate);
            line.period = Some(late.period);
            lines.push(line);
        }
        let fund = t.marketing_fund(after) - t.marketing_fund(late.already_invoiced);
        if !fund.is_zero() {
            let p = pct(t.marketing_fund_percent, lang);
            let description = match lang {
                Language::Es => {
                    format!("Fondo de marketing ventas tardías de {late_name}: {p} de {sales}")
                }
                Language::En => {
                    format!("Marketing fund on late sales of {late_name}: {p} of {sales}")
                }
            };
            let mut line = signed_line(description, fund, t.services_vat_rate);
            line.period = Some(late.period);
            lines.push(line);
        }
    }

    let before_goods = lines.len();
    for note in &month.deliveries {
        for (i, d) in note.lines.iter().enumerate() {
            let problem = |problem: String| RoyaltyError::Delivery {
                note: note.number.clone(),
                line: i + 1,
                problem,
            };
            if d.quantity.is_zero() || d.quantity.is_negative() {
                return Err(problem(format!("quantity {} must be positive", d.quantity)));
            }
            if d.unit_price.is_negative() {
                return Err(problem(format!("price {} is negative", d.unit_price)));
            }
            let surcharge_rate = if surcharge && !d.vat_rate.is_zero() {
                match d
                    .surcharge_rate_override
                    .or_else(|| surcharge_rate_for(d.vat_rate))
                {
                    Some(r) => Some(r),
                    None => {
                        return Err(problem(format!(
                            "no recargo de equivalencia rate goes with VAT {} %",
                            d.vat_rate
                        )));
                    }
                }
            } else {
                None
            };
            let category = if d.vat_rate.is_zero() {
                VatCategory::ZeroRated
            } else {
                VatCategory::Standard
            };
            lines.push(LineDraft {
                description: match lang {
                    Language::Es => format!(
                        "Albarán {} ({}): {}",
                        note.number,
                        i18n::date(note.date),
                        d.description
                    ),
                    Language::En => format!(
                        "Delivery note {} ({}): {}",
                        note.number,
                        i18n::date(note.date),
                        d.description
                    ),
                },
                quantity: d.quantity,
                unit: d.unit,
                unit_price: d.unit_price,
                discount: None,
                vat_category: category,
                vat_rate: d.vat_rate,
                exemption_reason: None,
                surcharge_rate,
                period: None,
                revenue: Revenue::Goods,
            });
        }
    }
    if lines.len() > crate::model::MAX_LINES {
        // A month of goods too long for one invoice line per product: one line per delivery
        // note and tax rate instead (a factura recapitulativa; each albarán details its goods).
        // Each line's net is the sum of the rounded nets it replaces, so the bases and taxes
        // per rate are the same to the cent.
        let goods = lines.split_off(before_goods);
        lines.extend(recapitulate(&month.deliveries, goods, lang));
    }
    Ok(lines)
}

/// The goods lines of `notes` (as [`period_lines`] made them, one per note line, in order) put
/// together per delivery note and (VAT, recargo) rate, in the order they first appear.
fn recapitulate(notes: &[DeliveryNote], goods: Vec<LineDraft>, lang: Language) -> Vec<LineDraft> {
    let mut out: Vec<(usize, LineDraft, u32)> = Vec::new();
    let mut goods = goods.into_iter();
    for (n, note) in notes.iter().enumerate() {
        for _ in &note.lines {
            let Some(l) = goods.next() else { break };
            let net = l.unit_price.times(l.quantity);
            match out.iter_mut().find(|(on, o, _)| {
                *on == n
                    && o.vat_rate == l.vat_rate
                    && o.surcharge_rate == l.surcharge_rate
                    && o.vat_category == l.vat_category
            }) {
                Some((_, o, count)) => {
                    o.unit_price += net;
                    *count += 1;
                }
                None => out.push((
                    n,
                    LineDraft {
                        quantity: Quantity::one(),
                        unit: Unit::Each,
                        unit_price: net,
                        ..l
                    },
                    1,
                )),
            }
        }
    }
    out.into_iter()
        .map(|(n, mut l, count)| {
            let note = &notes[n];
            let rate = pct(l.vat_rate.as_decimal(), lang);
            l.description = match lang {
                Language::Es => format!(
                    "Albarán {} ({}): {count} líneas de mercancía al {rate} de IVA",
                    note.number,
                    i18n::date(note.date),
                ),
                Language::En => format!(
                    "Delivery note {} ({}): {count} lines of goods at {rate} VAT",
                    note.number,
                    i18n::date(note.date),
                ),
            };
            l
        })
        .collect()
}
