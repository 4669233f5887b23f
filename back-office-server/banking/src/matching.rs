//! Proposes which open invoices each bank statement line pays, and says why; what it cannot
//! place is left for a person. Pure and deterministic: the same input gives the same proposals.
//!
//! Rules, in this order over the whole statement: (1) invoice numbers found in the remittance
//! text (separators ignored, whole words only), allocated oldest first; (2) a known payer (by
//! IBAN, by name, or by its name in the text) whose one open invoice, or whole open balance,
//! equals the amount exactly. An amount alone never matches.

use crate::Direction;
use crate::text::{name_words, to_sepa_text};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;
use sync_protocol::Money;
use sync_protocol::bank::Iban;

/// An invoice (or what is left of it) that a franchisee still owes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenItem {
    pub invoice_number: String,
    pub franchisee: String,
    pub amount_open: Money,
    pub due_date: NaiveDate,
}

/// How to recognise a franchisee as the payer of a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payer {
    pub franchisee: String,
    /// The company name as on its invoices.
    pub name: String,
    /// Accounts it pays from (its mandate's, and any seen before).
    pub ibans: Vec<Iban>,
}

/// One line of a bank statement, from Norma 43 or camt, in the form the matcher reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementLine {
    /// Line of the movement or entry in the imported file.
    pub source_line: usize,
    pub booking_date: Option<NaiveDate>,
    pub direction: Direction,
    /// Zero or positive; `direction` says which way.
    pub amount: Money,
    pub counterparty_name: Option<String>,
    pub counterparty_iban: Option<String>,
    pub end_to_end_id: Option<String>,
    /// Everything the bank passed on: concepts, remittance information, references.
    pub text: String,
    /// A returned direct debit or an unpaid item (Norma 43 concept 14, camt R-transaction).
    pub is_return: bool,
}

impl From<&crate::norma43::Movement> for StatementLine {
    fn from(m: &crate::norma43::Movement) -> StatementLine {
        let mut text = m.remittance_text();
        for r in [&m.reference1, &m.reference2] {
            if !r.is_empty() {
                text.push(' ');
                text.push_str(r);
            }
        }
        StatementLine {
            source_line: m.line,
            booking_date: Some(m.operation_date),
            direction: m.direction,
            amount: m.amount,
            counterparty_name: None,
            counterparty_iban: None,
            end_to_end_id: None,
            text,
            is_return: m.is_return(),
        }
    }
}

/// Part of a line's amount put against one invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation {
    pub invoice_number: String,
    pub franchisee: String,
    pub amount: Money,
    /// What the invoice had open before this allocation.
    pub was_open: Money,
}

/// How the payer was recognised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PayerEvidence {
    Iban(String),
    /// The payer name on the statement matches the franchisee's name.
    Name(String),
    /// The franchisee's name appears in the remittance text.
    NameInText,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum MatchReason {
    /// The text names these invoices.
    Reference { invoices: Vec<String> },
    /// The amount is exactly one open invoice of the recognised payer.
    ExactAmount {
        franchisee: String,
        payer: PayerEvidence,
        /// How many of the payer's open invoices have this amount (the oldest is taken).
        same_amount: usize,
    },
    /// The amount is exactly the recognised payer's whole open balance.
    WholeBalance {
        franchisee: String,
        payer: PayerEvidence,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Unmatched {
    /// Money out: not a payment from a franchisee.
    Debit,
    /// A returned direct debit: the invoice it paid must be reopened, not matched.
    Return,
    /// No invoice named, and the payer is not recognised. Invoices open for this exact amount
    /// are listed (at most 5) as hints for the person.
    PayerNotFound { same_amount: Vec<String> },
    /// The payer could be any of these franchisees.
    AmbiguousPayer { franchisees: Vec<String> },
    /// The payer is known but the amount is neither one open invoice nor the open balance.
    NoInvoiceForAmount {
        franchisee: String,
        open_balance: Money,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Proposal {
    Match {
        allocations: Vec<Allocation>,
        /// Paid beyond what the named invoices had open: stays as the franchisee's credit.
        unallocated: Money,
        reason: MatchReason,
    },
    Unmatched(Unmatched),
}

/// The proposal for `lines[line]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineProposal {
    pub line: usize,
    pub proposal: Proposal,
}

impl fmt::Display for PayerEvidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PayerEvidence::Iban(i) => write!(f, "paid from its account {i}"),
            PayerEvidence::Name(n) => write!(f, "the payer '{n}' is its name"),
            PayerEvidence::NameInText => write!(f, "its name is in the text"),
        }
    }
}

impl fmt::Display for Proposal {
    /// Why, in a sentence for the person reviewing the import.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Proposal::Match {
                allocations,
                unallocated,
                reason,
            } => {
                match reason {
                    MatchReason::Reference { invoices } => {
                        let s = if invoices.len() == 1 { "" } else { "s" };
                        write!(f, "the text names invoice{s} {}", invoices.join(", "))?;
                    }
                    MatchReason::ExactAmount {
                        franchisee,
                        payer,
                        same_amount,
                    } => {
                        write!(
                            f,
                            "no invoice named; the amount is exactly what invoice {} has open and the payer is {franchisee} ({payer})",
                            allocations
                                .first()
                                .map_or("", |a| a.invoice_number.as_str())
                        )?;
                        if *same_amount > 1 {
                            write!(f, "; oldest of {same_amount} invoices with this amount")?;
                        }
                    }
                    MatchReason::WholeBalance { franchisee, payer } => {
                        write!(
                            f,
                            "no invoice named; the amount is the whole open balance of {franchisee} ({} invoices) ({payer})",
                            allocations.len()
                        )?;
                    }
                }
                for a in allocations.iter().filter(|a| a.amount < a.was_open) {
                    write!(
                        f,
                        "; pays {} of the {} open on {}",
                        a.amount, a.was_open, a.invoice_number
                    )?;
                }
                if !unallocated.is_zero() {
                    write!(f, "; {unallocated} more than was open stays as credit")?;
                }
                Ok(())
            }
            Proposal::Unmatched(u) => match u {
                Unmatched::Debit => f.write_str("money out, not a payment from a franchisee"),
                Unmatched::Return => {
                    f.write_str("a returned direct debit: reopen the invoice it paid")
                }
                Unmatched::PayerNotFound { same_amount } => {
                    f.write_str("no invoice named and the payer is not a known franchisee")?;
                    if !same_amount.is_empty() {
                        write!(
                            f,
                            " (open for exactly this amount: {})",
                            same_amount.join(", ")
                        )?;
                    }
                    Ok(())
                }
                Unmatched::AmbiguousPayer { franchisees } => {
                    write!(
                        f,
                        "no invoice named and the payer could be any of {}",
                        franchisees.join(", ")
                    )
                }
                Unmatched::NoInvoiceForAmount {
                    franchisee,
                    open_balance,
                } => write!(
                    f,
                    "the payer is {franchisee}, but the amount is neither one open invoice nor its open balance {open_balance}"
                ),
            },
        }
    }
}

/// Invoice numbers compare by their letters and digits only: `A-2025-0042` = `A 2025/0042` = `a20250042`.
fn reference_key(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Shorter keys would turn up by chance in dates and amounts.
const MIN_KEY: usize = 4;
/// An invoice number spans at most this many words of the text.
const MAX_WORDS: usize = 6;

/// The keys a text could name an invoice by: every run of up to [`MAX_WORDS`] consecutive words,
/// letters and digits only, so a number is found whole, never inside a longer one.
fn candidate_keys(text: &str) -> Vec<String> {
    let text = to_sepa_text(text, usize::MAX);
    let words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
        .collect();
    let mut keys = Vec::new();
    for i in 0..words.len() {
        let mut key = String::new();
        for w in words.iter().skip(i).take(MAX_WORDS) {
            key.push_str(w);
            if key.len() >= MIN_KEY {
                keys.push(key.clone());
            }
        }
    }
    keys
}

fn same_name(a: &[String], b: &[String]) -> bool {
    let (a, b) = (a.join(" "), b.join(" "));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    // Banks cut names (Norma 43 keeps 26 characters of the holder, camt often 35 or 70).
    short == long || (short.len() >= 12 && long.starts_with(short.as_str()))
}

fn contains_words(haystack: &[String], needle: &[String]) -> bool {
    let long_enough = needle.len() >= 2 || needle.iter().map(String::len).sum::<usize>() >= 6;
    long_enough && !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The payers prepared once for recognising them on many lines.
struct PayerIndex<'a> {
    payers: &'a [Payer],
    words: Vec<Vec<String>>,
}

impl PayerIndex<'_> {
    /// Who paid: the franchisees recognised by the strongest evidence the line offers.
    fn recognise(&self, line: &StatementLine) -> Vec<(String, PayerEvidence)> {
        if let Some(iban) = line.counterparty_iban.as_deref() {
            let iban = reference_key(iban);
            let hits: Vec<_> = self
                .payers
                .iter()
                .filter(|p| p.ibans.iter().any(|i| i.as_str() == iban))
                .map(|p| (p.franchisee.clone(), PayerEvidence::Iban(iban.clone())))
                .collect();
            if !hits.is_empty() {
                return hits;
            }
        }
        if let Some(name) = line.counterparty_name.as_deref() {
            let words = name_words(name);
            let hits: Vec<_> = self
                .payers
                .iter()
                .zip(&self.words)
                .filter(|(_, w)| same_name(&words, w))
                .map(|(p, _)| (p.franchisee.clone(), PayerEvidence::Name(name.to_string())))
                .collect();
            if !hits.is_empty() {
                return hits;
            }
        }
        let text = name_words(&line.text);
        self.payers
            .iter()
            .zip(&self.words)
            .filter(|(_, w)| contains_words(&text, w))
            .map(|(p, _)| (p.franchisee.clone(), PayerEvidence::NameInText))
            .collect()
    }
}

/// Proposes a match or says why there is none, for every line, in line order.
///
/// Built for a statement of thousands of lines against every open item of the franchise
/// (hundreds of thousands): the items are scanned once, and only the keys the lines contain are looked up.
pub fn propose(items: &[OpenItem], payers: &[Payer], lines: &[StatementLine]) -> Vec<LineProposal> {
    // Oldest first: due date, then invoice number.
    let older = |a: &usize, b: &usize| {
        (items[*a].due_date, &items[*a].invoice_number)
            .cmp(&(items[*b].due_date, &items[*b].invoice_number))
    };
    let mut open: Vec<Money> = items.iter().map(|i| i.amount_open).collect();

    // The keys each payment line could name an invoice by, then the items that carry them.
    let line_keys: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            if l.is_return || l.direction == Direction::Debit {
                return Vec::new();
            }
            let mut text = l.text.clone();
            if let Some(e2e) = &l.end_to_end_id {
                text.push(' ');
                text.push_str(e2e);
            }
            candidate_keys(&text)
        })
        .collect();
    let mut index: HashMap<&str, Vec<usize>> = line_keys
        .iter()
        .flatten()
        .map(|k| (k.as_str(), Vec::new()))
        .collect();
    if !index.is_empty() {
        let mut key = String::new();
        for (i, it) in items.iter().enumerate() {
            key.clear();
            key.extend(
                it.invoice_number
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .map(|c| c.to_ascii_uppercase()),
            );
            if let Some(v) = index.get_mut(key.as_str()) {
                v.push(i);
            }
        }
    }

    let mut proposals: Vec<Option<Proposal>> = vec![None; lines.len()];
    // Pass 1: references, so that a line naming its invoice is never beaten by an amount match.
    for (n, line) in lines.iter().enumerate() {
        if line.is_return {
            proposals[n] = Some(Proposal::Unmatched(Unmatched::Return));
            continue;
        }
        if line.direction == Direction::Debit {
            proposals[n] = Some(Proposal::Unmatched(Unmatched::Debit));
            continue;
        }
        let mut named: Vec<usize> = Vec::new();
        for k in &line_keys[n] {
            for i in index.get(k.as_str()).into_iter().flatten() {
                if open[*i] > Money::ZERO && !named.contains(i) {
                    named.push(*i);
                }
            }
        }
        if named.is_empty() {
            continue;
        }
        named.sort_by(older);
        let mut left = line.amount;
        let mut allocations = Vec::new();
        for i in &named {
            if left.is_zero() {
                break;
            }
            let a = left.min(open[*i]);
            allocations.push(Allocation {
                invoice_number: items[*i].invoice_number.clone(),
                franchisee: items[*i].franchisee.clone(),
                amount: a,
                was_open: open[*i],
            });
            open[*i] -= a;
            left -= a;
        }
        proposals[n] = Some(Proposal::Match {
            allocations,
            unallocated: left,
            reason: MatchReason::Reference {
                invoices: named
                    .iter()
                    .map(|i| items[*i].invoice_number.clone())
                    .collect(),
            },
        });
    }

    // Pass 2: a recognised payer and an exact amount. Prepared only when some line is left.
    if proposals.iter().any(Option::is_none) {
        let payer_index = PayerIndex {
            payers,
            words: payers.iter().map(|p| name_words(&p.name)).collect(),
        };
        let mut by_franchisee: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut by_amount: HashMap<Money, Vec<usize>> = HashMap::new();
        for (i, it) in items.iter().enumerate() {
            by_franchisee
                .entry(it.franchisee.as_str())
                .or_default()
                .push(i);
            // What is open now, after the references of pass 1.
            if open[i] > Money::ZERO {
                by_amount.entry(open[i]).or_default().push(i);
            }
        }
        for v in by_franchisee.values_mut().chain(by_amount.values_mut()) {
            v.sort_by(older);
        }
        for (n, line) in lines.iter().enumerate() {
            if proposals[n].is_none() {
                let p = by_amount_and_payer(
                    items,
                    &mut open,
                    &payer_index,
                    &by_franchisee,
                    &by_amount,
                    line,
                );
                proposals[n] = Some(p);
            }
        }
    }

    proposals
        .into_iter()
        .enumerate()
        .map(|(line, p)| LineProposal {
            line,
            proposal: p.unwrap_or(Proposal::Unmatched(Unmatched::PayerNotFound {
                same_amount: Vec::new(),
            })),
        })
        .collect()
}

fn by_amount_and_payer(
    items: &[OpenItem],
    open: &mut [Money],
    payers: &PayerIndex<'_>,
    by_franchisee: &HashMap<&str, Vec<usize>>,
    by_amount: &HashMap<Money, Vec<usize>>,
    line: &StatementLine,
) -> Proposal {
    let payer = payers.recognise(line);
    let mut franchisees: Vec<&String> = payer.iter().map(|(f, _)| f).collect();
    franchisees.sort();
    franchisees.dedup();
    match franchisees.as_slice() {
        [] => {
            let same_amount = by_amount
                .get(&line.amount)
                .into_iter()
                .flatten()
                .filter(|i| open[**i] == line.amount)
                .take(5)
                .map(|i| items[*i].invoice_number.clone())
                .collect();
            Proposal::Unmatched(Unmatched::PayerNotFound { same_amount })
        }
        [one] => {
            let franchisee = (*one).clone();
            let evidence = payer[0].1.clone();
            let theirs: Vec<usize> = by_franchisee
                .get(franchisee.as_str())
                .into_iter()
                .flatten()
                .copied()
                .filter(|i| open[*i] > Money::ZERO)
                .collect();
            let exact: Vec<usize> = theirs
                .iter()
                .copied()
                .filter(|i| open[*i] == line.amount)
                .collect();
            let balance: Money = theirs.iter().map(|i| open[*i]).sum();
            if let Some(first) = exact.first() {
                let alloc = Allocation {
                    invoice_number: items[*first].invoice_number.clone(),
                    franchisee: franchisee.clone(),
                    amount: line.amount,
                    was_open: open[*first],
                };
                open[*first] = Money::ZERO;
                Proposal::Match {
                    allocations: vec![alloc],
                    unallocated: Money::ZERO,
                    reason: MatchReason::ExactAmount {
                        franchisee,
                        payer: evidence,
                        same_amount: exact.len(),
                    },
                }
            } else if theirs.len() > 1 && balance == line.amount {
                let allocations = theirs
                    .iter()
                    .map(|i| {
                        let a = Allocation {
                            invoice_number: items[*i].invoice_number.clone(),
                            franchisee: franchisee.clone(),
                            amount: open[*i],
                            was_open: open[*i],
                        };
                        open[*i] = Money::ZERO;
                        a
                    })
                    .collect();
                Proposal::Match {
                    allocations,
                    unallocated: Money::ZERO,
                    reason: MatchReason::WholeBalance {
                        franchisee,
                        payer: evidence,
                    },
                }
            } else {
                Proposal::Unmatched(Unmatched::NoInvoiceForAmount {
                    franchisee,
                    open_balance: balance,
                })
            }
        }
        many => Proposal::Unmatched(Unmatched::AmbiguousPayer {
            franchisees: many.iter().map(|f| (*f).clone()).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn m(d: rust_decimal::Decimal) -> Money {
        Money::new(d)
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, d).unwrap_or_default()
    }

    fn item(n: &str, f: &str, amount: rust_decimal::Decimal, due: u32) -> OpenItem {
        OpenItem {
            invoice_number: n.into(),
            franchisee: f.into(),
            amount_open: m(amount),
            due_date: day(due),
        }
    }

    fn credit(amount: rust_decimal::Decimal, text: &str) -> StatementLine {
        StatementLine {
            source_line: 1,
            booking_date: Some(day(20)),
            direction: Direction::Credit,
            amount: m(amount),
            counterparty_name: None,
            counterparty_iban: None,
            end_to_end_id: None,
            text: text.into(),
            is_return: false,
        }
    }

    fn payers() -> Vec<Payer> {
        vec![
            Payer {
                franchisee: "F1".into(),
                name: "Franquiciado Uno, S.L.".into(),
                ibans: vec![Iban::parse("ES7921000813610123456789").unwrap()],
            },
            Payer {
                franchisee: "F2".into(),
                name: "Cañas y Tapas Sur SL".into(),
                ibans: vec![],
            },
        ]
    }

    fn items() -> Vec<OpenItem> {
        vec![
            item("A-2025-0042", "F1", dec!(123.45), 5),
            item("A-2025-0043", "F1", dec!(80.00), 6),
            item("A-2025-0004", "F2", dec!(80.00), 2),
            item("A-2025-0050", "F2", dec!(80.00), 9),
            item("A-2025-0051", "F2", dec!(20.00), 10),
        ]
    }

    #[test]
    fn reference_in_text_wins_and_is_found_whole_only() {
        let lines = vec![
            // The number with other separators.
            credit(dec!(123.45), "TRANSFERENCIA FACTURA A 2025/0042"),
            // A-2025-004 must not be found inside A-2025-0042x; nothing else names 0004.
            credit(dec!(5.00), "PAGO A-2025-00421"),
        ];
        let p = propose(&items(), &payers(), &lines);
        let Proposal::Match {
            allocations,
            unallocated,
            reason,
        } = &p[0].proposal
        else {
            panic!("{:?}", p[0]);
        };
        assert_eq!(allocations.len(), 1);
        assert_eq!(allocations[0].invoice_number, "A-2025-0042");
        assert_eq!(allocations[0].amount, m(dec!(123.45)));
        assert!(unallocated.is_zero());
        assert!(matches!(reason, MatchReason::Reference { .. }));
        assert_eq!(
            p[0].proposal.to_string(),
            "the text names invoice A-2025-0042"
        );
        assert!(
            matches!(
                p[1].proposal,
                Proposal::Unmatched(Unmatched::PayerNotFound { .. })
            ),
            "{:?}",
            p[1]
        );
    }

    #[test]
    fn several_invoices_named_are_paid_oldest_first_and_the_rest_is_credit() {
        let lines = vec![credit(dec!(250.00), "Facturas A-2025-0043 y A-2025-0042")];
        let p = propose(&items(), &payers(), &lines);
        let Proposal::Match {
            allocations,
            unallocated,
            ..
        } = &p[0].proposal
        else {
            panic!("{:?}", p[0]);
        };
        let got: Vec<_> = allocations
            .iter()
            .map(|a| (a.invoice_number.as_str(), a.amount))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A-2025-0042", m(dec!(123.45))),
                ("A-2025-0043", m(dec!(80.00)))
            ]
        );
        assert_eq!(*unallocated, m(dec!(46.55)));
        assert!(
            p[0].proposal
                .to_string()
                .ends_with("46.55 more than was open stays as credit")
        );
    }

    #[test]
    fn partial_payment_by_reference_is_explained() {
        let lines = vec![credit(dec!(100.00), "A-2025-0042")];
        let p = propose(&items(), &payers(), &lines);
        assert_eq!(
            p[0].proposal.to_string(),
            "the text names invoice A-2025-0042; pays 100.00 of the 123.45 open on A-2025-0042"
        );
    }

    #[test]
    fn amount_needs_a_recognised_payer() {
        let mut by_iban = credit(dec!(80.00), "TRANSFERENCIA");
        by_iban.counterparty_iban = Some("ES79 2100 0813 6101 2345 6789".into());
        let by_text = credit(dec!(80.00), "TRANSF DE CANAS Y TAPAS SUR S.L.");
        let unknown = credit(dec!(80.00), "TRANSFERENCIA RECIBIDA");
        let lines = vec![by_iban, by_text.clone(), unknown, by_text];
        let p = propose(&items(), &payers(), &lines);
        // F1 by IBAN: its one 80.00 invoice.
        let Proposal::Match {
            allocations,
            reason,
            ..
        } = &p[0].proposal
        else {
            panic!("{:?}", p[0])
        };
        assert_eq!(allocations[0].invoice_number, "A-2025-0043");
        assert!(matches!(
            reason,
            MatchReason::ExactAmount {
                payer: PayerEvidence::Iban(_),
                same_amount: 1,
                ..
            }
        ));
        // F2 by name in text: two invoices of 80.00, the oldest first, then the next one.
        let Proposal::Match { allocations, .. } = &p[1].proposal else {
            panic!("{:?}", p[1])
        };
        assert_eq!(allocations[0].invoice_number, "A-2025-0004");
        assert!(
            p[1].proposal
                .to_string()
                .contains("oldest of 2 invoices with this amount"),
            "{}",
            p[1].proposal
        );
        let Proposal::Match { allocations, .. } = &p[3].proposal else {
            panic!("{:?}", p[3])
        };
        assert_eq!(allocations[0].invoice_number, "A-2025-0050");
        // Unknown payer: left for a person, with the invoices open for this amount as hints.
        let Proposal::Unmatched(Unmatched::PayerNotFound { same_amount }) = &p[2].proposal else {
            panic!("{:?}", p[2])
        };
        assert_eq!(same_amount, &vec!["A-2025-0050".to_string()]);
    }

    #[test]
    fn whole_balance_and_leftovers() {
        let mut whole = credit(dec!(180.00), "");
        whole.counterparty_name = Some("CANAS Y TAPAS SUR".into());
        let mut odd = credit(dec!(33.00), "");
        odd.counterparty_name = Some("Franquiciado Uno SL".into());
        let mut out = credit(dec!(10.00), "A-2025-0042");
        out.direction = Direction::Debit;
        let mut ret = credit(dec!(10.00), "DEVOLUCION A-2025-0042");
        ret.is_return = true;
        let p = propose(&items(), &payers(), &[whole, odd, out, ret]);
        let Proposal::Match {
            allocations,
            reason,
            ..
        } = &p[0].proposal
        else {
            panic!("{:?}", p[0])
        };
        assert_eq!(allocations.len(), 3);
        assert!(matches!(reason, MatchReason::WholeBalance { .. }));
        assert_eq!(
            p[1].proposal,
            Proposal::Unmatched(Unmatched::NoInvoiceForAmount {
                franchisee: "F1".into(),
                open_balance: m(dec!(203.45))
            })
        );
        assert_eq!(p[2].proposal, Proposal::Unmatched(Unmatched::Debit));
        assert_eq!(p[3].proposal, Proposal::Unmatched(Unmatched::Return));
    }

    #[test]
    fn a_shared_iban_is_ambiguous_and_results_are_deterministic() {
        let iban = Iban::parse("ES9121000418450200051332").unwrap();
        let mut ps = payers();
        ps[0].ibans.push(iban.clone());
        ps[1].ibans.push(iban.clone());
        let mut line = credit(dec!(80.00), "");
        line.counterparty_iban = Some(iban.to_string());
        let a = propose(&items(), &ps, std::slice::from_ref(&line));
        assert_eq!(
            a[0].proposal,
            Proposal::Unmatched(Unmatched::AmbiguousPayer {
                franchisees: vec!["F1".into(), "F2".into()]
            })
        );
        let mut reversed = items();
        reversed.reverse();
        let lines = vec![
            credit(dec!(80.00), "CANAS Y TAPAS SUR"),
            credit(dec!(80.00), "CANAS Y TAPAS SUR"),
        ];
        assert_eq!(
            propose(&items(), &ps, &lines),
            propose(&reversed, &ps, &lines)
        );
    }
}
