//! HQ's check of a till's Z close against the documents in its sequence range, once they are all in.
//! Same cash rule as the till, from the one place both use (`sync_protocol::drawer`): float + cash
//! sales − cash refunds + cash in − cash out, takings never tendered.

use sync_protocol::{CashClose, CashTally, Document, DocumentBody, Money, Tender};

/// Over/short HQ accepts when the close does not say which tolerance the till applied: 5,00 €.
pub const DEFAULT_TOLERANCE_CENTS: i64 = 500;

/// What HQ found for one close.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Findings {
    /// Figures of the close that the documents do not support.
    pub mismatches: Vec<String>,
    /// Set when the counted cash is off by more than the tolerance.
    pub over_short: Option<String>,
    /// The figures of each mismatch (`z`, `what`: tickets, gross or cash, `close`, `documents`;
    /// amounts in cents), in the order of `mismatches`.
    pub mismatch_params: Vec<serde_json::Value>,
    /// The figures of the over/short (`z`, `diff_cents`, `tolerance_cents`, `approved_by`, `note`).
    pub over_short_params: Option<serde_json::Value>,
}

/// Checks `close` (a till's Z) against `docs`, the till's documents `first_seq..=last_seq`.
/// The caller makes sure the range is complete before calling.
pub fn check(till_id: i64, close: &CashClose, docs: &[Document]) -> Findings {
    let (mut tickets, mut gross) = (0u64, Money::ZERO);
    let mut cash = CashTally::default();
    for d in docs {
        cash.add(&d.body);
        if let DocumentBody::Sale(s) = &d.body {
            tickets += 1;
            gross += s.totals.total;
        }
    }
    let expected_cash = cash.expected();
    let z = close.z_number;
    let mut f = Findings::default();
    let claimed_cash: Money = close
        .expected
        .iter()
        .filter(|t| t.tender == Tender::Cash)
        .map(|t| t.amount)
        .sum();
    if close.ticket_count != tickets {
        f.mismatches.push(format!(
            "till {till_id} Z {z}: the close counts {} tickets, the documents hold {tickets}",
            close.ticket_count
        ));
        f.mismatch_params.push(serde_json::json!({
            "z": z, "what": "tickets", "close": close.ticket_count, "documents": tickets
        }));
    }
    if close.gross != gross {
        f.mismatches.push(format!(
            "till {till_id} Z {z}: the close says gross {}, the documents add up to {gross}",
            close.gross
        ));
        f.mismatch_params.push(serde_json::json!({
            "z": z, "what": "gross", "close": close.gross.cents(), "documents": gross.cents()
        }));
    }
    if claimed_cash != expected_cash {
        f.mismatches.push(format!(
            "till {till_id} Z {z}: the close expected {claimed_cash} in cash, the documents say {expected_cash}"
        ));
        f.mismatch_params.push(serde_json::json!({
            "z": z, "what": "cash", "close": claimed_cash.cents(), "documents": expected_cash.cents()
        }));
    }
    let tolerance = close
        .tolerance
        .unwrap_or(Money::from_cents(DEFAULT_TOLERANCE_CENTS));
    let diff = close.over_short(Tender::Cash);
    if diff.abs() > tolerance {
        let approval = match (close.approved_by, &close.note) {
            (Some(m), Some(n)) => format!("approved by staff {} ({n})", m.0),
            _ => "not approved".to_string(),
        };
        f.over_short = Some(format!(
            "till {till_id} Z {z}: cash over/short {diff} beyond the tolerance of {tolerance}, {approval}"
        ));
        f.over_short_params = Some(serde_json::json!({
            "z": z,
            "diff_cents": diff.cents(),
            "tolerance_cents": tolerance.cents(),
            "approved_by": close.approved_by.map(|s| s.0),
            "note": close.note,
        }));
    }
    f
}
