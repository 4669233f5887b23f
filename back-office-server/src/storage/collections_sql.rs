//! Collections on either backend: receivables kept beside the invoices, payments and their
//! allocations, aging in one grouped query, and statement imports keyed per line.

use super::collections::{
    AgingRow, Allocation, AllocationIn, BankLine, BankStatement, CollectionsStorage, ImportOutcome,
    Matcher, NewPayment, Payment, PaymentMethod, Receivable, StatementEmail, StatementIn,
};
use super::db::{Row, Tx};
use super::invoicing::InvoiceKind;
use super::sql_storage::SqlStorage;
use super::{StorageError, StorageResult, sql};
use crate::p;
use crate::problem::Problem;
use crate::services::collections as rules;
use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::HashMap;
use sync_protocol::{FranchiseeId, Money};
use trastienda_banking::Direction;
use trastienda_banking::matching::{OpenItem as MatchItem, Payer, Proposal};

/// Held by every collections write: allocations read what is open and change it, on any instance.
const COLLECTIONS_LOCK: i64 = 0x5452_4153_0020;

const RECEIVABLE_COLUMNS: &str = "invoice_id, franchisee_id, kind, full_number, issue_date, due_date, total_cents, open_cents, cancelled, disputed";

fn receivable_of(r: &Row) -> StorageResult<Receivable> {
    Ok(Receivable {
        invoice_id: r.get(0)?,
        franchisee_id: FranchiseeId(r.get(1)?),
        kind: r.get(2)?,
        full_number: r.get(3)?,
        issue_date: sql::parse_day(&r.get::<String>(4)?)?,
        due_date: sql::parse_day(&r.get::<String>(5)?)?,
        total: Money::from_cents(r.get(6)?),
        open: Money::from_cents(r.get(7)?),
        cancelled: r.get(8)?,
        disputed: r.get(9)?,
    })
}

const PAYMENT_COLUMNS: &str = "p.id, p.franchisee_id, p.method, p.received_on, p.amount_cents, p.reference,
    CAST(COALESCE((SELECT SUM(a.amount_cents) FROM payment_allocations a WHERE a.payment_id = p.id), 0) AS BIGINT),
    p.bank_line_id, p.returned_on, p.return_reason, p.created_by, p.created_at";

fn payment_of(r: &Row) -> StorageResult<Payment> {
    let method: String = r.get(2)?;
    Ok(Payment {
        id: r.get(0)?,
        franchisee_id: FranchiseeId(r.get(1)?),
        method: PaymentMethod::parse(&method)
            .ok_or_else(|| StorageError::Backend(format!("bad payment method {method:?}")))?,
        received_on: sql::parse_day(&r.get::<String>(3)?)?,
        amount: Money::from_cents(r.get(4)?),
        reference: r.get(5)?,
        allocated: Money::from_cents(r.get(6)?),
        bank_line_id: r.get(7)?,
        returned_on: r
            .get::<Option<String>>(8)?
            .map(|d| sql::parse_day(&d))
            .transpose()?,
        return_reason: r.get(9)?,
        created_by: r.get(10)?,
        created_at: sql::from_micros(r.get(11)?),
    })
}

const STATEMENT_COLUMNS: &str =
    "id, file_name, format, accounts, line_count, new_lines, imported_by, imported_at";

fn statement_of(r: &Row) -> StorageResult<BankStatement> {
    Ok(BankStatement {
        id: r.get(0)?,
        file_name: r.get(1)?,
        format: r.get(2)?,
        accounts: r.get(3)?,
        line_count: u64::try_from(r.get::<i64>(4)?).unwrap_or(0),
        new_lines: u64::try_from(r.get::<i64>(5)?).unwrap_or(0),
        imported_by: r.get(6)?,
        imported_at: sql::from_micros(r.get(7)?),
    })
}

const LINE_COLUMNS: &str = "id, statement_id, source_line, booking_date, direction, amount_cents, counterparty, end_to_end_id, text, is_return, status, note, payment_id";

fn line_of(r: &Row) -> StorageResult<BankLine> {
    Ok(BankLine {
        id: r.get(0)?,
        statement_id: r.get(1)?,
        source_line: u64::try_from(r.get::<i64>(2)?).unwrap_or(0),
        booking_date: r
            .get::<Option<String>>(3)?
            .map(|d| sql::parse_day(&d))
            .transpose()?,
        direction: r.get(4)?,
        amount: Money::from_cents(r.get(5)?),
        counterparty: r.get(6)?,
        end_to_end_id: r.get(7)?,
        text: r.get(8)?,
        is_return: r.get(9)?,
        status: r.get(10)?,
        note: r.get(11)?,
        payment_id: r.get(12)?,
    })
}

/// Called by invoicing in the transaction that issues an invoice or credit note: the invoice
/// becomes a receivable due on its payment terms' date; a credit note cancels the invoice it
/// corrects (nothing open on it any more; what was paid on it is the franchisee's credit again).
#[allow(clippy::too_many_arguments)]
pub(super) async fn on_issued(
    tx: &mut dyn Tx,
    invoice_id: i64,
    kind: InvoiceKind,
    franchisee: i64,
    full_number: &str,
    issue_date: NaiveDate,
    draft: &str,
    total: Money,
    corrects: Option<i64>,
) -> StorageResult<()> {
    let due = serde_json::from_str::<serde_json::Value>(draft)
        .ok()
        .and_then(|v| {
            v["payment"]["due_date"]
                .as_str()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        })
        .unwrap_or(issue_date);
    let open = match kind {
        InvoiceKind::Invoice => total.cents().max(0),
        InvoiceKind::CreditNote => 0,
    };
    tx.lock(COLLECTIONS_LOCK).await?;
    tx.execute(
        &format!(
            "INSERT INTO receivables ({RECEIVABLE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, FALSE, FALSE)"
        ),
        p![
            invoice_id,
            franchisee,
            kind.as_str(),
            full_number,
            &sql::day_text(issue_date),
            &sql::day_text(due),
            total.cents(),
            open
        ],
    )
    .await?;
    if let Some(original) = corrects {
        let row = tx
            .query_opt(
                "SELECT total_cents, open_cents FROM receivables WHERE invoice_id = ?1",
                p![original],
            )
            .await?;
        let (original_total, open): (i64, i64) = match row {
            Some(r) => (r.get(0)?, r.get(1)?),
            None => (0, 0),
        };
        let credited: i64 = tx
            .scalar(
                "SELECT CAST(COALESCE(SUM(r.total_cents), 0) AS BIGINT) FROM receivables r
                 JOIN invoices i ON i.id = r.invoice_id WHERE i.corrects_invoice_id = ?1",
                p![original],
            )
            .await?;
        if credited >= original_total {
            // Credited in full: nothing is owed on it; what was paid on it is credit again.
            tx.execute(
                "UPDATE receivables SET open_cents = 0, cancelled = TRUE WHERE invoice_id = ?1",
                p![original],
            )
            .await?;
            tx.execute(
                "DELETE FROM payment_allocations WHERE invoice_id = ?1",
                p![original],
            )
            .await?;
        } else {
            // Credited in part: the open amount goes down by the credit; when more was paid than
            // is now owed, the newest allocations give the difference back as the franchisee's credit.
            let credit = total.cents().max(0);
            tx.execute(
                "UPDATE receivables SET open_cents = ?2 WHERE invoice_id = ?1",
                p![original, (open - credit).max(0)],
            )
            .await?;
            let mut excess = credit - open;
            if excess > 0 {
                let allocations = tx
                    .query(
                        "SELECT id, amount_cents FROM payment_allocations WHERE invoice_id = ?1 ORDER BY id DESC",
                        p![original],
                    )
                    .await?;
                for a in allocations {
                    if excess <= 0 {
                        break;
                    }
                    let (id, amount): (i64, i64) = (a.get(0)?, a.get(1)?);
                    if amount <= excess {
                        tx.execute("DELETE FROM payment_allocations WHERE id = ?1", p![id])
                            .await?;
                        excess -= amount;
                    } else {
                        tx.execute(
                            "UPDATE payment_allocations SET amount_cents = ?2 WHERE id = ?1",
                            p![id, amount - excess],
                        )
                        .await?;
                        excess = 0;
                    }
                }
            }
        }
    }
    Ok(())
}

async fn franchisee_exists(tx: &mut dyn Tx, f: FranchiseeId) -> StorageResult<()> {
    if !tx
        .exists("SELECT 1 FROM franchisees WHERE id = ?1", p![f.0])
        .await?
    {
        return Err(StorageError::Invalid(
            Problem::new("franchisee_does_not_exist").with("id", f),
        ));
    }
    Ok(())
}

async fn receivables_tx(
    tx: &mut dyn Tx,
    franchisee: Option<FranchiseeId>,
    open_only: bool,
) -> StorageResult<Vec<Receivable>> {
    let open = if open_only { " AND open_cents > 0" } else { "" };
    tx.query_map(
        &format!(
            "SELECT {RECEIVABLE_COLUMNS} FROM receivables WHERE (?1 = 0 OR franchisee_id = ?1){open}
             ORDER BY due_date, invoice_id"
        ),
        p![franchisee.map_or(0, |f| f.0)],
        receivable_of,
    )
    .await
}

/// The franchisee's receivables plus any other invoice `chosen` names (so the rules can say
/// "another franchisee's" instead of "not found").
async fn allocation_inputs(
    tx: &mut dyn Tx,
    franchisee: FranchiseeId,
    chosen: Option<&[AllocationIn]>,
) -> StorageResult<Vec<Receivable>> {
    let mut recs = receivables_tx(tx, Some(franchisee), false).await?;
    for a in chosen.unwrap_or_default() {
        if !recs.iter().any(|r| r.invoice_id == a.invoice_id)
            && let Some(r) = tx
                .query_opt(
                    &format!("SELECT {RECEIVABLE_COLUMNS} FROM receivables WHERE invoice_id = ?1"),
                    p![a.invoice_id],
                )
                .await?
        {
            recs.push(receivable_of(&r)?);
        }
    }
    Ok(recs)
}

async fn write_allocations(
    tx: &mut dyn Tx,
    payment: i64,
    allocations: &[(i64, Money)],
    now: DateTime<Utc>,
) -> StorageResult<()> {
    for (invoice, amount) in allocations {
        let changed = tx
            .execute(
                "UPDATE receivables SET open_cents = open_cents - ?2 WHERE invoice_id = ?1 AND open_cents >= ?2",
                p![*invoice, amount.cents()],
            )
            .await?;
        if changed != 1 {
            return Err(StorageError::Backend(format!(
                "invoice {invoice} has less open than {amount} (allocation checked under the lock)"
            )));
        }
        tx.execute(
            "INSERT INTO payment_allocations (payment_id, invoice_id, amount_cents, created_at) VALUES (?1, ?2, ?3, ?4)",
            p![payment, *invoice, amount.cents(), sql::micros(now)],
        )
        .await?;
    }
    Ok(())
}

async fn load_payment(tx: &mut dyn Tx, id: i64) -> StorageResult<Payment> {
    let r = tx
        .query_opt(
            &format!("SELECT {PAYMENT_COLUMNS} FROM payments p WHERE p.id = ?1"),
            p![id],
        )
        .await?
        .ok_or_else(|| StorageError::NotFound(Problem::new("payment_not_found").with("id", id)))?;
    payment_of(&r)
}

/// Checks, allocates and stores a payment; the caller holds the collections lock.
async fn record_payment_tx(
    tx: &mut dyn Tx,
    p: &NewPayment,
    bank_line: Option<i64>,
    created_by: &str,
    now: DateTime<Utc>,
) -> StorageResult<Payment> {
    franchisee_exists(tx, p.franchisee_id).await?;
    let recs = allocation_inputs(tx, p.franchisee_id, p.allocations.as_deref()).await?;
    let allocations = rules::allocate(&recs, p.franchisee_id, p.amount, p.allocations.as_deref())
        .map_err(StorageError::Invalid)?;
    let id = tx
        .insert_returning_id(
            "INSERT INTO payments (franchisee_id, method, received_on, amount_cents, reference, bank_line_id,
               created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
            p![
                p.franchisee_id.0,
                p.method.as_str(),
                &sql::day_text(p.received_on),
                p.amount.cents(),
                p.reference.trim(),
                bank_line,
                created_by,
                sql::micros(now)
            ],
        )
        .await?;
    write_allocations(tx, id, &allocations, now).await?;
    load_payment(tx, id).await
}

fn direction_text(d: Direction) -> &'static str {
    match d {
        Direction::Credit => "credit",
        Direction::Debit => "debit",
    }
}

/// Who pays from which account: the franchisees with their names and the debtor IBANs of their
/// direct-debit contracts.
async fn payers(tx: &mut dyn Tx) -> StorageResult<Vec<Payer>> {
    let mut by_id: HashMap<i64, Payer> = HashMap::new();
    for r in tx
        .query("SELECT id, legal_name FROM franchisees ORDER BY id", p![])
        .await?
    {
        let id: i64 = r.get(0)?;
        by_id.insert(
            id,
            Payer {
                franchisee: id.to_string(),
                name: r.get(1)?,
                ibans: Vec::new(),
            },
        );
    }
    for r in tx
        .query(
            "SELECT franchisee_id, terms FROM contract_versions ORDER BY franchisee_id, version",
            p![],
        )
        .await?
    {
        let id: i64 = r.get(0)?;
        let terms: String = r.get(1)?;
        if let Ok(c) = serde_json::from_str::<super::invoicing::ContractIn>(&terms)
            && let super::invoicing::PaymentIn::DirectDebit { debtor_iban, .. } = c.payment
            && let Ok(iban) = sync_protocol::bank::Iban::parse(&debtor_iban)
            && let Some(p) = by_id.get_mut(&id)
            && !p.ibans.contains(&iban)
        {
            p.ibans.push(iban);
        }
    }
    let mut v: Vec<Payer> = by_id.into_values().collect();
    v.sort_by(|a, b| a.franchisee.cmp(&b.franchisee));
    Ok(v)
}

async fn import_tx(
    tx: &mut dyn Tx,
    s: &StatementIn,
    by: &str,
    now: DateTime<Utc>,
    matcher: Matcher,
) -> StorageResult<ImportOutcome> {
    tx.lock(COLLECTIONS_LOCK).await?;
    if let Some(r) = tx
        .query_opt(
            &format!("SELECT {STATEMENT_COLUMNS} FROM bank_statements WHERE sha256 = ?1"),
            p![&s.sha256],
        )
        .await?
    {
        return Ok(ImportOutcome {
            statement: statement_of(&r)?,
            already_imported: true,
            matched: 0,
            unmatched: 0,
            payments: Vec::new(),
        });
    }
    let line_count = i64::try_from(s.lines.len()).unwrap_or(i64::MAX);
    let statement_id = tx
        .insert_returning_id(
            "INSERT INTO bank_statements (sha256, file_name, format, accounts, line_count, new_lines, imported_by, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7) RETURNING id",
            p![&s.sha256, &s.file_name, &s.format, &s.accounts, line_count, by, sql::micros(now)],
        )
        .await?;
    // Lines seen in an earlier file (an overlapping statement) are skipped.
    let mut fresh: Vec<(i64, &trastienda_banking::matching::StatementLine)> = Vec::new();
    for (key, l) in &s.lines {
        if tx
            .exists("SELECT 1 FROM bank_lines WHERE line_key = ?1", p![key])
            .await?
        {
            continue;
        }
        let (status, note) = if l.is_return {
            ("return", String::new())
        } else if l.direction == Direction::Debit {
            ("debit", String::new())
        } else {
            ("unmatched", String::new())
        };
        let booking = l.booking_date.map(sql::day_text);
        let id = tx
            .insert_returning_id(
                "INSERT INTO bank_lines (statement_id, line_key, source_line, booking_date, direction, amount_cents,
                   counterparty, end_to_end_id, text, is_return, status, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
                p![
                    statement_id,
                    key,
                    i64::try_from(l.source_line).unwrap_or(i64::MAX),
                    booking.as_deref(),
                    direction_text(l.direction),
                    l.amount.cents(),
                    l.counterparty_name
                        .as_deref()
                        .or(l.counterparty_iban.as_deref()),
                    l.end_to_end_id.as_deref(),
                    &l.text,
                    l.is_return,
                    status,
                    &note
                ],
            )
            .await?;
        fresh.push((id, l));
    }
    tx.execute(
        "UPDATE bank_statements SET new_lines = ?2 WHERE id = ?1",
        p![statement_id, i64::try_from(fresh.len()).unwrap_or(i64::MAX)],
    )
    .await?;

    let open = receivables_tx(tx, None, true).await?;
    let items: Vec<MatchItem> = open
        .iter()
        .filter(|r| !r.cancelled && r.kind == "invoice")
        .map(|r| MatchItem {
            invoice_number: r.full_number.clone(),
            franchisee: r.franchisee_id.0.to_string(),
            amount_open: r.open,
            due_date: r.due_date,
        })
        .collect();
    let by_number: HashMap<&str, &Receivable> =
        open.iter().map(|r| (r.full_number.as_str(), r)).collect();
    let payers = payers(tx).await?;
    let lines: Vec<_> = fresh.iter().map(|(_, l)| (*l).clone()).collect();
    let proposals = matcher(&items, &payers, &lines);
    let (mut matched, mut unmatched, mut payments) = (0, 0, Vec::new());
    for lp in proposals {
        let Some((line_id, line)) = fresh.get(lp.line) else {
            continue;
        };
        let note = lp.proposal.to_string();
        match &lp.proposal {
            Proposal::Match { allocations, .. } if !allocations.is_empty() => {
                let Some(first) = by_number.get(allocations[0].invoice_number.as_str()) else {
                    continue;
                };
                let franchisee = first.franchisee_id;
                let chosen: Vec<AllocationIn> = allocations
                    .iter()
                    .filter_map(|a| {
                        by_number
                            .get(a.invoice_number.as_str())
                            .filter(|r| r.franchisee_id == franchisee)
                            .map(|r| AllocationIn {
                                invoice_id: r.invoice_id,
                                amount: a.amount,
                            })
                    })
                    .collect();
                let payment = NewPayment {
                    franchisee_id: franchisee,
                    method: PaymentMethod::Transfer,
                    received_on: line.booking_date.unwrap_or_else(|| sql::business_day(now)),
                    amount: line.amount,
                    reference: line.text.chars().take(140).collect(),
                    allocations: Some(chosen),
                };
                let p = record_payment_tx(tx, &payment, Some(*line_id), by, now).await?;
                tx.execute(
                    "UPDATE bank_lines SET status = 'matched', note = ?2, payment_id = ?3 WHERE id = ?1",
                    p![*line_id, &note, p.id],
                )
                .await?;
                payments.push(p.id);
                matched += 1;
            }
            Proposal::Match { .. } => {}
            Proposal::Unmatched(_) => {
                if !line.is_return && line.direction == Direction::Credit {
                    unmatched += 1;
                }
                tx.execute(
                    "UPDATE bank_lines SET note = ?2 WHERE id = ?1",
                    p![*line_id, &note],
                )
                .await?;
            }
        }
    }
    let r = tx
        .query_one(
            &format!("SELECT {STATEMENT_COLUMNS} FROM bank_statements WHERE id = ?1"),
            p![statement_id],
        )
        .await?;
    Ok(ImportOutcome {
        statement: statement_of(&r)?,
        already_imported: false,
        matched,
        unmatched,
        payments,
    })
}

#[async_trait]
impl CollectionsStorage for SqlStorage {
    async fn record_statement_email(&self, e: &StatementEmail) -> StorageResult<StatementEmail> {
        let e = e.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let now = Utc::now();
                    let as_of = sql::day_text(e.as_of);
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO statement_emails (franchisee_id, as_of, recipient, language, balance_cents,
                               sent_by, created_at, sent_at, error, statement_id)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
                            p![
                                e.franchisee_id.0,
                                &as_of,
                                &e.recipient,
                                &e.language,
                                e.balance.cents(),
                                &e.sent_by,
                                sql::micros(now),
                                e.sent_at.map(sql::micros),
                                e.error.as_deref(),
                                e.statement_id
                            ],
                        )
                        .await?;
                    Ok(StatementEmail {
                        id,
                        created_at: sql::from_micros(sql::micros(now)),
                        ..e
                    })
                })
            })
            .await
    }

    async fn statement_emails(
        &self,
        franchisee: FranchiseeId,
    ) -> StorageResult<Vec<StatementEmail>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT id, franchisee_id, as_of, recipient, language, balance_cents, sent_by,
                           created_at, sent_at, error, statement_id
                         FROM statement_emails WHERE franchisee_id = ?1 ORDER BY id DESC",
                        p![franchisee.0],
                        |r| {
                            Ok(StatementEmail {
                                id: r.get(0)?,
                                franchisee_id: FranchiseeId(r.get(1)?),
                                as_of: sql::parse_day(&r.get::<String>(2)?)?,
                                recipient: r.get(3)?,
                                language: r.get(4)?,
                                balance: Money::from_cents(r.get(5)?),
                                sent_by: r.get(6)?,
                                created_at: sql::from_micros(r.get(7)?),
                                sent_at: r.get::<Option<i64>>(8)?.map(sql::from_micros),
                                error: r.get(9)?,
                                statement_id: r.get(10)?,
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn record_payment(
        &self,
        p: &NewPayment,
        created_by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Payment> {
        let (p, by) = (p.clone(), created_by.to_string());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.lock(COLLECTIONS_LOCK).await?;
                    record_payment_tx(tx, &p, None, &by, now).await
                })
            })
            .await
    }

    async fn apply_credit(
        &self,
        franchisee: FranchiseeId,
        now: DateTime<Utc>,
    ) -> StorageResult<Money> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.lock(COLLECTIONS_LOCK).await?;
                    franchisee_exists(tx, franchisee).await?;
                    let with_credit = tx
                        .query_map(
                            &format!(
                                "SELECT {PAYMENT_COLUMNS} FROM payments p WHERE p.franchisee_id = ?1 AND p.returned_on IS NULL ORDER BY p.received_on, p.id"
                            ),
                            p![franchisee.0],
                            payment_of,
                        )
                        .await?;
                    let mut total = Money::ZERO;
                    for pay in with_credit {
                        let left = pay.amount - pay.allocated;
                        if left <= Money::ZERO {
                            continue;
                        }
                        let recs = receivables_tx(tx, Some(franchisee), true).await?;
                        let allocations = rules::oldest_first(&recs, left);
                        if allocations.is_empty() {
                            break;
                        }
                        for (_, a) in &allocations {
                            total += *a;
                        }
                        write_allocations(tx, pay.id, &allocations, now).await?;
                    }
                    Ok(total)
                })
            })
            .await
    }

    async fn receivables(
        &self,
        franchisee: Option<FranchiseeId>,
        open_only: bool,
    ) -> StorageResult<Vec<Receivable>> {
        self.db
            .read(move |tx| {
                Box::pin(async move { receivables_tx(tx, franchisee, open_only).await })
            })
            .await
    }

    async fn payments(&self, franchisee: Option<FranchiseeId>) -> StorageResult<Vec<Payment>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!(
                            "SELECT {PAYMENT_COLUMNS} FROM payments p WHERE (?1 = 0 OR p.franchisee_id = ?1) ORDER BY p.id DESC"
                        ),
                        p![franchisee.map_or(0, |f| f.0)],
                        payment_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn allocations(&self, franchisee: FranchiseeId) -> StorageResult<Vec<Allocation>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT a.payment_id, a.invoice_id, r.full_number, a.amount_cents
                         FROM payment_allocations a JOIN receivables r ON r.invoice_id = a.invoice_id
                         WHERE r.franchisee_id = ?1 ORDER BY a.id",
                        p![franchisee.0],
                        |r| {
                            Ok(Allocation {
                                payment_id: r.get(0)?,
                                invoice_id: r.get(1)?,
                                full_number: r.get(2)?,
                                amount: Money::from_cents(r.get(3)?),
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn aging(&self, as_of: NaiveDate) -> StorageResult<Vec<AgingRow>> {
        // Bucket edges as dates: due on or after as_of is not due; 1–30 days late is due in
        // [as_of-30, as_of-1], and so on. Text dates compare as dates on both backends.
        let d = |days: i64| sql::day_text(as_of - Duration::days(days));
        let (d0, d30, d60, d90) = (d(0), d(30), d(60), d(90));
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT franchisee_id,
                           CAST(SUM(CASE WHEN due_date >= ?1 THEN open_cents ELSE 0 END) AS BIGINT),
                           CAST(SUM(CASE WHEN due_date < ?1 AND due_date >= ?2 THEN open_cents ELSE 0 END) AS BIGINT),
                           CAST(SUM(CASE WHEN due_date < ?2 AND due_date >= ?3 THEN open_cents ELSE 0 END) AS BIGINT),
                           CAST(SUM(CASE WHEN due_date < ?3 AND due_date >= ?4 THEN open_cents ELSE 0 END) AS BIGINT),
                           CAST(SUM(CASE WHEN due_date < ?4 THEN open_cents ELSE 0 END) AS BIGINT),
                           CAST(SUM(open_cents) AS BIGINT),
                           MIN(due_date)
                         FROM receivables WHERE open_cents > 0
                         GROUP BY franchisee_id ORDER BY franchisee_id",
                        p![&d0, &d30, &d60, &d90],
                        |r| {
                            Ok(AgingRow {
                                franchisee_id: FranchiseeId(r.get(0)?),
                                buckets: [
                                    Money::from_cents(r.get(1)?),
                                    Money::from_cents(r.get(2)?),
                                    Money::from_cents(r.get(3)?),
                                    Money::from_cents(r.get(4)?),
                                    Money::from_cents(r.get(5)?),
                                ],
                                total: Money::from_cents(r.get(6)?),
                                oldest_due: r
                                    .get::<Option<String>>(7)?
                                    .map(|d| sql::parse_day(&d))
                                    .transpose()?,
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn sales_between(&self, from: NaiveDate, to: NaiveDate) -> StorageResult<Money> {
        let (from, to) = (sql::day_text(from), sql::day_text(to));
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let cents: i64 = tx
                        .scalar(
                            "SELECT CAST(COALESCE(SUM(CASE WHEN kind = 'invoice' THEN total_cents ELSE -total_cents END), 0) AS BIGINT)
                             FROM receivables WHERE issue_date >= ?1 AND issue_date <= ?2",
                            p![&from, &to],
                        )
                        .await?;
                    Ok(Money::from_cents(cents))
                })
            })
            .await
    }

    async fn import_statement(
        &self,
        s: &StatementIn,
        imported_by: &str,
        now: DateTime<Utc>,
        matcher: Matcher,
    ) -> StorageResult<ImportOutcome> {
        let (s, by) = (s.clone(), imported_by.to_string());
        self.db
            .write(move |tx| Box::pin(async move { import_tx(tx, &s, &by, now, matcher).await }))
            .await
    }

    async fn statements(&self) -> StorageResult<Vec<BankStatement>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!(
                            "SELECT {STATEMENT_COLUMNS} FROM bank_statements ORDER BY id DESC"
                        ),
                        p![],
                        statement_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn bank_lines(
        &self,
        statement: Option<i64>,
        status: Option<&str>,
    ) -> StorageResult<Vec<BankLine>> {
        let status = status.unwrap_or("").to_string();
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!(
                            "SELECT {LINE_COLUMNS} FROM bank_lines WHERE (?1 = 0 OR statement_id = ?1)
                             AND (?2 = '' OR status = ?2) ORDER BY id"
                        ),
                        p![statement.unwrap_or(0), &status],
                        line_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn match_line(
        &self,
        line: i64,
        franchisee: FranchiseeId,
        allocations: Option<Vec<AllocationIn>>,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Payment> {
        let by = by.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.lock(COLLECTIONS_LOCK).await?;
                    let l = tx
                        .query_opt(
                            &format!("SELECT {LINE_COLUMNS} FROM bank_lines WHERE id = ?1"),
                            p![line],
                        )
                        .await?
                        .ok_or_else(|| {
                            StorageError::NotFound(
                                Problem::new("bank_line_not_found").with("id", line),
                            )
                        })?;
                    let l = line_of(&l)?;
                    if l.status != "unmatched" {
                        return Err(StorageError::Conflict(
                            Problem::new("bank_line_not_open")
                                .with("id", line)
                                .with("status", &l.status),
                        ));
                    }
                    let payment = NewPayment {
                        franchisee_id: franchisee,
                        method: PaymentMethod::Transfer,
                        received_on: l.booking_date.unwrap_or_else(|| sql::business_day(now)),
                        amount: l.amount,
                        reference: l.text.chars().take(140).collect(),
                        allocations,
                    };
                    let p = record_payment_tx(tx, &payment, Some(line), &by, now).await?;
                    tx.execute(
                        "UPDATE bank_lines SET status = 'matched', note = ?2, payment_id = ?3 WHERE id = ?1",
                        p![line, &format!("matched by hand by {by}"), p.id],
                    )
                    .await?;
                    Ok(p)
                })
            })
            .await
    }
}

// --- SEPA direct debit ------------------------------------------------------------------------

use super::collections::{
    DebitFacts, ExclusionReason, Mandate, NewMandate, Prenotification, Remittance, RemittanceDebit,
    RemittanceExclusion, RemittanceFacts, RemittanceFileVersion, RemittanceWriter, ReturnIn,
    ReturnsOutcome, SepaStorage, UncollectedDebit, mandate_usable,
};
use super::db::{ColType, Value};

const MANDATE_COLUMNS: &str = "id, franchisee_id, reference, debtor_name, debtor_iban, debtor_bic, scheme, signed_on, first_used_on, last_used_on, revoked_on, revoked_reason";

fn opt_day(r: &Row, i: usize) -> StorageResult<Option<NaiveDate>> {
    r.get::<Option<String>>(i)?
        .map(|d| sql::parse_day(&d))
        .transpose()
}

fn mandate_of(r: &Row) -> StorageResult<Mandate> {
    Ok(Mandate {
        id: r.get(0)?,
        franchisee_id: FranchiseeId(r.get(1)?),
        reference: r.get(2)?,
        debtor_name: r.get(3)?,
        debtor_iban: r.get(4)?,
        debtor_bic: r.get(5)?,
        scheme: r.get(6)?,
        signed_on: sql::parse_day(&r.get::<String>(7)?)?,
        first_used_on: opt_day(r, 8)?,
        last_used_on: opt_day(r, 9)?,
        revoked_on: opt_day(r, 10)?,
        revoked_reason: r.get(11)?,
    })
}

const REMITTANCE_COLUMNS: &str = "r.id, r.message_id, r.collection_date, r.debit_count, r.control_sum_cents, r.sha256, r.created_by, r.created_at,
    (SELECT COUNT(*) FROM remittance_debits d WHERE d.remittance_id = r.id AND d.returned_on IS NOT NULL AND d.held_on IS NULL)";

fn remittance_of(r: &Row) -> StorageResult<Remittance> {
    Ok(Remittance {
        id: r.get(0)?,
        message_id: r.get(1)?,
        collection_date: sql::parse_day(&r.get::<String>(2)?)?,
        debit_count: u64::try_from(r.get::<i64>(3)?).unwrap_or(0),
        control_sum: Money::from_cents(r.get(4)?),
        sha256: r.get(5)?,
        created_by: r.get(6)?,
        created_at: sql::from_micros(r.get(7)?),
        returned: u64::try_from(r.get::<i64>(8)?).unwrap_or(0),
        excluded: Vec::new(),
    })
}

const EXCLUSION_COLUMNS: &str = "remittance_id, franchisee_id, debtor_name, reason, notice_days, earliest, debit_count, amount_cents";

fn exclusion_of(r: &Row) -> StorageResult<(i64, RemittanceExclusion)> {
    let reason: String = r.get(3)?;
    Ok((
        r.get(0)?,
        RemittanceExclusion {
            franchisee_id: FranchiseeId(r.get(1)?),
            debtor_name: r.get(2)?,
            reason: ExclusionReason::parse(&reason)
                .ok_or_else(|| StorageError::Backend(format!("exclusion reason {reason:?}")))?,
            notice_days: u32::try_from(r.get::<i64>(4)?).unwrap_or(0),
            earliest: sql::parse_day(&r.get::<String>(5)?)?,
            debit_count: sql::to_u64(r.get(6)?),
            amount: Money::from_cents(r.get(7)?),
        },
    ))
}

/// Fills in the debtors each remittance left out (one query for all of them).
async fn with_exclusions(
    tx: &mut dyn Tx,
    mut rs: Vec<Remittance>,
) -> StorageResult<Vec<Remittance>> {
    let (Some(lo), Some(hi)) = (rs.iter().map(|r| r.id).min(), rs.iter().map(|r| r.id).max())
    else {
        return Ok(rs);
    };
    let mut by: HashMap<i64, Vec<RemittanceExclusion>> = HashMap::new();
    for (id, e) in tx
        .query_map(
            &format!(
                "SELECT {EXCLUSION_COLUMNS} FROM remittance_exclusions
                 WHERE remittance_id BETWEEN ?1 AND ?2 ORDER BY remittance_id, id"
            ),
            p![lo, hi],
            exclusion_of,
        )
        .await?
    {
        by.entry(id).or_default().push(e);
    }
    for r in &mut rs {
        r.excluded = by.remove(&r.id).unwrap_or_default();
    }
    Ok(rs)
}

async fn add_exclusions(
    tx: &mut dyn Tx,
    remittance: i64,
    excluded: &[RemittanceExclusion],
    now: DateTime<Utc>,
) -> StorageResult<()> {
    let texts: Vec<(String, String)> = excluded
        .iter()
        .map(|e| (sql::day_text(e.earliest), e.debtor_name.clone()))
        .collect();
    let rows: Vec<Vec<Value<'_>>> = excluded
        .iter()
        .zip(&texts)
        .map(|(e, (earliest, name))| {
            vec![
                Value::Int(remittance),
                Value::Int(e.franchisee_id.0),
                Value::Text(name),
                Value::Text(e.reason.as_str()),
                Value::Int(i64::from(e.notice_days)),
                Value::Text(earliest),
                Value::Int(i64::try_from(e.debit_count).unwrap_or(i64::MAX)),
                Value::Int(e.amount.cents()),
                Value::Int(sql::micros(now)),
            ]
        })
        .collect();
    tx.insert_many(
        "INSERT INTO remittance_exclusions (remittance_id, franchisee_id, debtor_name, reason, notice_days,
           earliest, debit_count, amount_cents, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        &[
            ColType::Int,
            ColType::Int,
            ColType::Text,
            ColType::Text,
            ColType::Int,
            ColType::Text,
            ColType::Int,
            ColType::Int,
            ColType::Int,
        ],
        &rows,
    )
    .await?;
    Ok(())
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Makes a remittance in a fixed number of statements whatever its size: one read of the
/// mandates, one of the due invoices (with how often each was debited before), then every
/// payment, allocation and debit as one multi-row insert each and the invoices and mandates
/// changed by one set-based update each.
async fn remittance_tx(
    tx: &mut dyn Tx,
    collection_date: NaiveDate,
    by: &str,
    now: DateTime<Utc>,
    write: RemittanceWriter,
) -> StorageResult<Remittance> {
    tx.lock(COLLECTIONS_LOCK).await?;
    let issuer: Option<String> = tx
        .scalar_opt("SELECT details FROM invoicing_issuer WHERE id = 1", p![])
        .await?;
    let creditor: super::invoicing::IssuerIn =
        issuer
            .and_then(|j| serde_json::from_str(&j).ok())
            .ok_or_else(|| StorageError::Invalid(Problem::new("invoicing_issuer_missing")))?;
    // The newest usable mandate of each franchisee.
    let mut mandates: HashMap<i64, Mandate> = HashMap::new();
    for m in tx
        .query_map(
            &format!("SELECT {MANDATE_COLUMNS} FROM sepa_mandates WHERE revoked_on IS NULL ORDER BY signed_on, id"),
            p![],
            mandate_of,
        )
        .await?
    {
        if mandate_usable(&m, collection_date) {
            mandates.insert(m.franchisee_id.0, m);
        }
    }
    // Each due invoice with the number of earlier debits of it (a new end-to-end id per try).
    let due = tx
        .query_map(
            &format!(
                "SELECT {RECEIVABLE_COLUMNS},
                   (SELECT COUNT(*) FROM remittance_debits d WHERE d.invoice_id = receivables.invoice_id)
                 FROM receivables
                 WHERE open_cents > 0 AND kind = 'invoice' AND cancelled = FALSE AND disputed = FALSE AND due_date <= ?1
                 ORDER BY franchisee_id, due_date, invoice_id"
            ),
            p![&sql::day_text(collection_date)],
            |r| Ok((receivable_of(r)?, r.get::<i64>(10)?)),
        )
        .await?;
    if due.is_empty() {
        return Err(StorageError::Invalid(
            Problem::new("remittance_nothing_due").with("date", collection_date),
        ));
    }
    let mut debits = Vec::new();
    let mut first_of: HashMap<i64, bool> = HashMap::new();
    for (r, tries) in &due {
        let Some(m) = mandates.get(&r.franchisee_id.0) else {
            continue;
        };
        let end_to_end_id = if *tries == 0 {
            r.full_number.clone()
        } else {
            format!("{}-{}", r.full_number, tries + 1)
        };
        // Every collection of a never-used mandate in this file is a first one.
        let first = *first_of.entry(m.id).or_insert(m.first_used_on.is_none());
        debits.push(DebitFacts {
            invoice_id: r.invoice_id,
            full_number: r.full_number.clone(),
            amount: r.open,
            end_to_end_id,
            first,
            mandate: m.clone(),
        });
    }
    if debits.is_empty() {
        return Err(StorageError::Invalid(
            Problem::new("remittance_no_mandate").with("count", due.len()),
        ));
    }
    let n: i64 = tx.scalar("SELECT COUNT(*) FROM remittances", p![]).await?;
    let message_id = format!("TRS-{}-{:05}", collection_date.format("%Y%m%d"), n + 1);
    let mut facts = RemittanceFacts {
        message_id: message_id.clone(),
        collection_date,
        now,
        creditor,
        debits,
    };
    let written = write(&facts).map_err(StorageError::Invalid)?;
    // The debtors the writer left out store nothing.
    let left_out: std::collections::HashSet<FranchiseeId> =
        written.excluded.iter().map(|e| e.franchisee_id).collect();
    facts
        .debits
        .retain(|d| !left_out.contains(&d.mandate.franchisee_id));
    let id = tx
        .insert_returning_id(
            "INSERT INTO remittances (message_id, collection_date, debit_count, control_sum_cents, xml, sha256, created_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
            p![
                &message_id,
                &sql::day_text(collection_date),
                i64::try_from(written.count).unwrap_or(i64::MAX),
                written.control_sum.cents(),
                &written.xml,
                &sha256_hex(&written.xml),
                by,
                sql::micros(now)
            ],
        )
        .await?;
    add_exclusions(tx, id, &written.excluded, now).await?;
    let day = sql::day_text(collection_date);
    let now_us = sql::micros(now);
    // One direct-debit payment per debit, told apart by its reference (message id + end-to-end
    // id); under the collections lock every payment after `before` is this remittance's.
    let before: i64 = tx
        .scalar("SELECT COALESCE(MAX(id), 0) FROM payments", p![])
        .await?;
    let references: Vec<String> = facts
        .debits
        .iter()
        .map(|d| format!("{message_id} {}", d.end_to_end_id))
        .collect();
    let rows: Vec<Vec<Value<'_>>> = facts
        .debits
        .iter()
        .zip(&references)
        .map(|(d, reference)| {
            vec![
                Value::Int(d.mandate.franchisee_id.0),
                Value::Text(PaymentMethod::DirectDebit.as_str()),
                Value::Text(&day),
                Value::Int(d.amount.cents()),
                Value::Text(reference),
                Value::Text(by),
                Value::Int(now_us),
            ]
        })
        .collect();
    tx.insert_many(
        "INSERT INTO payments (franchisee_id, method, received_on, amount_cents, reference, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[
            ColType::Int,
            ColType::Text,
            ColType::Text,
            ColType::Int,
            ColType::Text,
            ColType::Text,
            ColType::Int,
        ],
        &rows,
    )
    .await?;
    let payment_of: HashMap<String, i64> = tx
        .query_map(
            "SELECT reference, id FROM payments WHERE id > ?1 AND method = 'direct_debit'",
            p![before],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .await?
        .into_iter()
        .collect();
    let mut payment_ids = Vec::with_capacity(references.len());
    for reference in &references {
        payment_ids.push(*payment_of.get(reference).ok_or_else(|| {
            StorageError::Backend(format!("payment {reference} not found after its insert"))
        })?);
    }
    let rows: Vec<Vec<Value<'_>>> = facts
        .debits
        .iter()
        .zip(&payment_ids)
        .map(|(d, payment)| {
            vec![
                Value::Int(*payment),
                Value::Int(d.invoice_id),
                Value::Int(d.amount.cents()),
                Value::Int(now_us),
            ]
        })
        .collect();
    tx.insert_many(
        "INSERT INTO payment_allocations (payment_id, invoice_id, amount_cents, created_at) VALUES (?1, ?2, ?3, ?4)",
        &[ColType::Int, ColType::Int, ColType::Int, ColType::Int],
        &rows,
    )
    .await?;
    let rows: Vec<Vec<Value<'_>>> = facts
        .debits
        .iter()
        .zip(&payment_ids)
        .map(|(d, payment)| {
            vec![
                Value::Int(id),
                Value::Int(d.invoice_id),
                Value::Int(d.mandate.id),
                Value::Text(&d.end_to_end_id),
                Value::Int(d.amount.cents()),
                Value::Text(if d.first { "FRST" } else { "RCUR" }),
                Value::Int(*payment),
            ]
        })
        .collect();
    tx.insert_many(
        "INSERT INTO remittance_debits (remittance_id, invoice_id, mandate_id, end_to_end_id, amount_cents, sequence, payment_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[
            ColType::Int,
            ColType::Int,
            ColType::Int,
            ColType::Text,
            ColType::Int,
            ColType::Text,
            ColType::Int,
        ],
        &rows,
    )
    .await?;
    // Each invoice paid by what its debit collects (all that was open, read under the lock).
    let changed = tx
        .execute(
            "UPDATE receivables SET open_cents = open_cents -
               (SELECT d.amount_cents FROM remittance_debits d WHERE d.remittance_id = ?1 AND d.invoice_id = receivables.invoice_id)
             WHERE invoice_id IN (SELECT invoice_id FROM remittance_debits WHERE remittance_id = ?1)
               AND open_cents >= (SELECT d.amount_cents FROM remittance_debits d WHERE d.remittance_id = ?1 AND d.invoice_id = receivables.invoice_id)",
            p![id],
        )
        .await?;
    if changed != facts.debits.len() as u64 {
        return Err(StorageError::Backend(format!(
            "remittance {message_id}: {changed} invoices debited of {} (allocation checked under the lock)",
            facts.debits.len()
        )));
    }
    tx.execute(
        "UPDATE sepa_mandates SET first_used_on = COALESCE(first_used_on, ?2), last_used_on = ?2
         WHERE id IN (SELECT mandate_id FROM remittance_debits WHERE remittance_id = ?1)",
        p![id, &day],
    )
    .await?;
    let r = tx
        .query_one(
            &format!("SELECT {REMITTANCE_COLUMNS} FROM remittances r WHERE r.id = ?1"),
            p![id],
        )
        .await?;
    Ok(with_exclusions(tx, vec![remittance_of(&r)?])
        .await?
        .remove(0))
}

/// Holds a pre-notification too late to give its notice: see `SepaStorage::hold_prenotification`.
async fn hold_tx(
    tx: &mut dyn Tx,
    prenotification: i64,
    today: NaiveDate,
    now: DateTime<Utc>,
    write: RemittanceWriter,
) -> StorageResult<Option<RemittanceExclusion>> {
    tx.lock(COLLECTIONS_LOCK).await?;
    let Some(n) = tx
        .query_opt(
            "SELECT remittance_id, franchisee_id, notice_days FROM sepa_prenotifications
             WHERE id = ?1 AND sent_at IS NULL AND held_at IS NULL",
            p![prenotification],
        )
        .await?
    else {
        return Ok(None);
    };
    let (remittance, franchisee, notice): (i64, i64, i64) = (n.get(0)?, n.get(1)?, n.get(2)?);
    let day = sql::day_text(today);
    let reason_text = "preaviso SEPA no enviado a tiempo: retenido";
    // The debtor's debits still in the file.
    let held = tx
        .query(
            "SELECT d.id, d.payment_id, d.amount_cents, d.mandate_id, d.sequence, m.debtor_name
             FROM remittance_debits d JOIN sepa_mandates m ON m.id = d.mandate_id
             WHERE d.remittance_id = ?1 AND m.franchisee_id = ?2 AND d.held_on IS NULL AND d.returned_on IS NULL
             ORDER BY d.id",
            p![remittance, franchisee],
        )
        .await?;
    let mut amount = Money::ZERO;
    let mut debtor = String::new();
    for d in &held {
        let (debit, payment, cents): (i64, i64, i64) = (d.get(0)?, d.get(1)?, d.get(2)?);
        amount += Money::from_cents(cents);
        debtor = d.get(5)?;
        tx.execute(
            "UPDATE remittance_debits SET held_on = ?2, returned_on = ?2, return_reason = ?3 WHERE id = ?1",
            p![debit, &day, reason_text],
        )
        .await?;
        tx.execute(
            "UPDATE payments SET returned_on = ?2, return_reason = ?3 WHERE id = ?1",
            p![payment, &day, reason_text],
        )
        .await?;
        tx.execute(
            "UPDATE receivables SET open_cents = open_cents +
               (SELECT COALESCE(SUM(a.amount_cents), 0) FROM payment_allocations a
                WHERE a.payment_id = ?1 AND a.invoice_id = receivables.invoice_id)
             WHERE invoice_id IN (SELECT invoice_id FROM payment_allocations WHERE payment_id = ?1) AND cancelled = FALSE",
            p![payment],
        )
        .await?;
        tx.execute(
            "DELETE FROM payment_allocations WHERE payment_id = ?1",
            p![payment],
        )
        .await?;
        // A first collection that never happens leaves the mandate unused.
        let (mandate, sequence): (i64, String) = (d.get(3)?, d.get(4)?);
        if sequence == "FRST" {
            tx.execute(
                "UPDATE sepa_mandates SET first_used_on = NULL, last_used_on = NULL
                 WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM remittance_debits x
                   WHERE x.mandate_id = ?1 AND x.held_on IS NULL)",
                p![mandate],
            )
            .await?;
        }
    }
    tx.execute(
        "UPDATE sepa_prenotifications SET held_at = ?2, claimed_until = NULL WHERE id = ?1",
        p![prenotification, sql::micros(now)],
    )
    .await?;
    let rem = remittance_of(
        &tx.query_one(
            &format!("SELECT {REMITTANCE_COLUMNS} FROM remittances r WHERE r.id = ?1"),
            p![remittance],
        )
        .await?,
    )?;
    let notice_days = u32::try_from(notice).unwrap_or(0);
    let exclusion = RemittanceExclusion {
        franchisee_id: FranchiseeId(franchisee),
        debtor_name: debtor,
        reason: ExclusionReason::PrenotificationLate,
        notice_days,
        earliest: today + Duration::days(notice),
        debit_count: held.len() as u64,
        amount,
    };
    if held.is_empty() {
        return Ok(Some(exclusion));
    }
    add_exclusions(tx, remittance, std::slice::from_ref(&exclusion), now).await?;
    // The file again without the held debits (same message id: a bank that has the first one
    // refuses the second rather than collect twice).
    let issuer: Option<String> = tx
        .scalar_opt("SELECT details FROM invoicing_issuer WHERE id = 1", p![])
        .await?;
    let creditor: super::invoicing::IssuerIn =
        issuer
            .and_then(|j| serde_json::from_str(&j).ok())
            .ok_or_else(|| StorageError::Invalid(Problem::new("invoicing_issuer_missing")))?;
    let mut debits = Vec::new();
    for r in tx
        .query(
            &format!(
                "SELECT d.invoice_id, rc.full_number, d.amount_cents, d.end_to_end_id, d.sequence,
                   {}
                 FROM remittance_debits d JOIN receivables rc ON rc.invoice_id = d.invoice_id
                 JOIN sepa_mandates m ON m.id = d.mandate_id
                 WHERE d.remittance_id = ?1 AND d.held_on IS NULL ORDER BY d.id",
                MANDATE_COLUMNS
                    .split(", ")
                    .map(|c| format!("m.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            p![remittance],
        )
        .await?
    {
        let mandate = mandate_of(&Row(r.0[5..].to_vec()))?;
        debits.push(DebitFacts {
            invoice_id: r.get(0)?,
            full_number: r.get(1)?,
            amount: Money::from_cents(r.get(2)?),
            end_to_end_id: r.get(3)?,
            first: r.get::<String>(4)? == "FRST",
            mandate,
        });
    }
    let (xml, count, control) = if debits.is_empty() {
        (String::new(), 0, Money::ZERO)
    } else {
        let facts = RemittanceFacts {
            message_id: rem.message_id.clone(),
            collection_date: rem.collection_date,
            now: rem.created_at,
            creditor,
            debits,
        };
        let w = write(&facts).map_err(StorageError::Invalid)?;
        (w.xml, w.count, w.control_sum)
    };
    // The file as it was stays, with its hash: HQ may have sent it to the bank already.
    tx.execute(
        "INSERT INTO remittance_files (remittance_id, xml, sha256, debit_count, control_sum_cents, replaced_at)
         SELECT id, xml, sha256, debit_count, control_sum_cents, ?2 FROM remittances WHERE id = ?1",
        p![remittance, sql::micros(now)],
    )
    .await?;
    tx.execute(
        "UPDATE remittances SET xml = ?2, sha256 = ?3, debit_count = ?4, control_sum_cents = ?5 WHERE id = ?1",
        p![
            remittance,
            &xml,
            &sha256_hex(&xml),
            i64::try_from(count).unwrap_or(i64::MAX),
            control.cents()
        ],
    )
    .await?;
    Ok(Some(exclusion))
}

const REMITTANCE_FILE_SELECT: &str = "SELECT f.id, f.remittance_id, r.message_id,
       CAST((SELECT COUNT(*) FROM remittance_files e WHERE e.remittance_id = f.remittance_id AND e.id <= f.id) AS BIGINT),
       f.sha256, f.debit_count, f.control_sum_cents, f.replaced_at
  FROM remittance_files f
  JOIN remittances r ON r.id = f.remittance_id";

fn remittance_file_of(r: &Row) -> StorageResult<RemittanceFileVersion> {
    Ok(RemittanceFileVersion {
        id: r.get(0)?,
        remittance_id: r.get(1)?,
        message_id: r.get(2)?,
        version: u32::try_from(r.get::<i64>(3)?).unwrap_or(u32::MAX),
        sha256: r.get(4)?,
        debit_count: sql::to_u64(r.get(5)?),
        control_sum: Money::from_cents(r.get(6)?),
        replaced_at: sql::from_micros(r.get(7)?),
    })
}

const PRENOTIFICATION_COLUMNS: &str = "id, remittance_id, franchisee_id, recipient, language, amount_cents, \
     debit_count, collection_date, mandate_references, creditor_id, notice_days, created_at, attempts, sent_at, last_error, held_at";

fn prenotification_of(r: &Row) -> StorageResult<Prenotification> {
    Ok(Prenotification {
        id: r.get(0)?,
        remittance_id: r.get(1)?,
        franchisee_id: FranchiseeId(r.get(2)?),
        recipient: r.get(3)?,
        language: r.get(4)?,
        amount: Money::from_cents(r.get(5)?),
        debit_count: sql::to_u64(r.get(6)?),
        collection_date: sql::parse_day(&r.get::<String>(7)?)?,
        mandate_references: r.get(8)?,
        creditor_id: r.get(9)?,
        notice_days: u32::try_from(r.get::<i64>(10)?).unwrap_or(0),
        created_at: sql::from_micros(r.get(11)?),
        attempts: sql::to_u64(r.get(12)?),
        sent_at: r.get::<Option<i64>>(13)?.map(sql::from_micros),
        last_error: r.get(14)?,
        held_at: r.get::<Option<i64>>(15)?.map(sql::from_micros),
    })
}

#[async_trait]
impl SepaStorage for SqlStorage {
    async fn uncollected_debits(
        &self,
        franchisee: FranchiseeId,
    ) -> StorageResult<Vec<UncollectedDebit>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT rc.full_number, r.collection_date, d.amount_cents, COALESCE(d.return_reason, ''),
                           d.held_on IS NOT NULL
                         FROM remittance_debits d
                         JOIN remittances r ON r.id = d.remittance_id
                         JOIN receivables rc ON rc.invoice_id = d.invoice_id
                         WHERE rc.franchisee_id = ?1 AND d.returned_on IS NOT NULL AND rc.open_cents > 0
                         ORDER BY d.id",
                        p![franchisee.0],
                        |r| {
                            Ok(UncollectedDebit {
                                full_number: r.get(0)?,
                                collection_date: sql::parse_day(&r.get::<String>(1)?)?,
                                amount: Money::from_cents(r.get(2)?),
                                reason: r.get(3)?,
                                held: r.get(4)?,
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn remittance_debits(&self, remittance: i64) -> StorageResult<Vec<RemittanceDebit>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT m.franchisee_id, r.full_number, d.amount_cents, m.reference
                         FROM remittance_debits d
                         JOIN sepa_mandates m ON m.id = d.mandate_id
                         JOIN receivables r ON r.invoice_id = d.invoice_id
                         WHERE d.remittance_id = ?1 AND d.held_on IS NULL ORDER BY d.id",
                        p![remittance],
                        |r| {
                            Ok(RemittanceDebit {
                                franchisee_id: FranchiseeId(r.get(0)?),
                                full_number: r.get(1)?,
                                amount: Money::from_cents(r.get(2)?),
                                mandate_reference: r.get(3)?,
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn add_prenotifications(&self, p: &[Prenotification]) -> StorageResult<()> {
        let p = p.to_vec();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let days: Vec<String> =
                        p.iter().map(|n| sql::day_text(n.collection_date)).collect();
                    let mut rows: Vec<Vec<Value<'_>>> = Vec::with_capacity(p.len());
                    for (n, day) in p.iter().zip(&days) {
                        rows.push(vec![
                            Value::Int(n.remittance_id),
                            Value::Int(n.franchisee_id.0),
                            Value::Text(&n.recipient),
                            Value::Text(&n.language),
                            Value::Int(n.amount.cents()),
                            Value::Int(sql::to_i64(n.debit_count, "debit_count")?),
                            Value::Text(day),
                            Value::Text(&n.mandate_references),
                            Value::Text(&n.creditor_id),
                            Value::Int(i64::from(n.notice_days)),
                            Value::Int(sql::micros(n.created_at)),
                        ]);
                    }
                    tx.insert_many(
                        "INSERT INTO sepa_prenotifications (remittance_id, franchisee_id, recipient, language,
                           amount_cents, debit_count, collection_date, mandate_references, creditor_id,
                           notice_days, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                         ON CONFLICT (remittance_id, franchisee_id) DO NOTHING",
                        &[
                            ColType::Int,
                            ColType::Int,
                            ColType::Text,
                            ColType::Text,
                            ColType::Int,
                            ColType::Int,
                            ColType::Text,
                            ColType::Text,
                            ColType::Text,
                            ColType::Int,
                            ColType::Int,
                        ],
                        &rows,
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn claim_prenotifications(
        &self,
        max_attempts: u64,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> StorageResult<Vec<Prenotification>> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let ids: Vec<i64> = tx
                        .query_map(
                            "SELECT id FROM sepa_prenotifications
                             WHERE sent_at IS NULL AND held_at IS NULL AND attempts < ?1 AND (claimed_until IS NULL OR claimed_until < ?2)
                             ORDER BY id",
                            p![sql::to_i64(max_attempts, "attempts")?, sql::micros(now)],
                            |r| r.get(0),
                        )
                        .await?;
                    let mut out = Vec::new();
                    for id in ids {
                        let claimed = tx
                            .execute(
                                "UPDATE sepa_prenotifications SET claimed_until = ?1
                                 WHERE id = ?2 AND sent_at IS NULL AND held_at IS NULL AND (claimed_until IS NULL OR claimed_until < ?3)",
                                p![sql::micros(now + lease), id, sql::micros(now)],
                            )
                            .await?;
                        if claimed == 1 {
                            let r = tx
                                .query_opt(
                                    &format!(
                                        "SELECT {PRENOTIFICATION_COLUMNS} FROM sepa_prenotifications WHERE id = ?1"
                                    ),
                                    p![id],
                                )
                                .await?;
                            if let Some(r) = r {
                                out.push(prenotification_of(&r)?);
                            }
                        }
                    }
                    Ok(out)
                })
            })
            .await
    }

    async fn record_prenotification(
        &self,
        id: i64,
        result: Result<(), String>,
        now: DateTime<Utc>,
    ) -> StorageResult<()> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "UPDATE sepa_prenotifications SET attempts = attempts + 1, claimed_until = NULL,
                           sent_at = ?1, last_error = ?2 WHERE id = ?3 AND sent_at IS NULL AND held_at IS NULL",
                        p![
                            result.is_ok().then(|| sql::micros(now)),
                            result.as_ref().err().map(String::as_str),
                            id
                        ],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn prenotifications(
        &self,
        franchisee: Option<FranchiseeId>,
    ) -> StorageResult<Vec<Prenotification>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!(
                            "SELECT {PRENOTIFICATION_COLUMNS} FROM sepa_prenotifications
                             WHERE (?1 = 0 OR franchisee_id = ?1) ORDER BY id DESC"
                        ),
                        p![franchisee.map_or(0, |f| f.0)],
                        prenotification_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn create_mandate(
        &self,
        m: &NewMandate,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Mandate> {
        let (m, by) = (m.clone(), by.to_string());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    franchisee_exists(tx, m.franchisee_id).await?;
                    if tx
                        .exists(
                            "SELECT 1 FROM sepa_mandates WHERE reference = ?1",
                            p![&m.reference],
                        )
                        .await?
                    {
                        return Err(StorageError::Conflict(
                            Problem::new("mandate_reference_taken").with("reference", &m.reference),
                        ));
                    }
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO sepa_mandates (franchisee_id, reference, debtor_name, debtor_iban, debtor_bic, scheme,
                               signed_on, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                            p![
                                m.franchisee_id.0,
                                &m.reference,
                                &m.debtor_name,
                                &m.debtor_iban,
                                m.debtor_bic.as_deref(),
                                &m.scheme,
                                &sql::day_text(m.signed_on),
                                &by,
                                sql::micros(now)
                            ],
                        )
                        .await?;
                    let r = tx
                        .query_one(
                            &format!("SELECT {MANDATE_COLUMNS} FROM sepa_mandates WHERE id = ?1"),
                            p![id],
                        )
                        .await?;
                    mandate_of(&r)
                })
            })
            .await
    }

    async fn mandates(&self, franchisee: Option<FranchiseeId>) -> StorageResult<Vec<Mandate>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!(
                            "SELECT {MANDATE_COLUMNS} FROM sepa_mandates WHERE (?1 = 0 OR franchisee_id = ?1) ORDER BY franchisee_id, id"
                        ),
                        p![franchisee.map_or(0, |f| f.0)],
                        mandate_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn revoke_mandate(&self, id: i64, on: NaiveDate, reason: &str) -> StorageResult<Mandate> {
        let reason = reason.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let n = tx
                        .execute(
                            "UPDATE sepa_mandates SET revoked_on = COALESCE(revoked_on, ?2), revoked_reason = COALESCE(revoked_reason, ?3) WHERE id = ?1",
                            p![id, &sql::day_text(on), &reason],
                        )
                        .await?;
                    if n == 0 {
                        return Err(StorageError::NotFound(
                            Problem::new("mandate_not_found").with("id", id),
                        ));
                    }
                    let r = tx
                        .query_one(
                            &format!("SELECT {MANDATE_COLUMNS} FROM sepa_mandates WHERE id = ?1"),
                            p![id],
                        )
                        .await?;
                    mandate_of(&r)
                })
            })
            .await
    }

    async fn create_remittance(
        &self,
        collection_date: NaiveDate,
        by: &str,
        now: DateTime<Utc>,
        write: RemittanceWriter,
    ) -> StorageResult<Remittance> {
        let by = by.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move { remittance_tx(tx, collection_date, &by, now, write).await })
            })
            .await
    }

    async fn remittances(&self) -> StorageResult<Vec<Remittance>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    let rs = tx
                        .query_map(
                            &format!(
                                "SELECT {REMITTANCE_COLUMNS} FROM remittances r ORDER BY r.id DESC"
                            ),
                            p![],
                            remittance_of,
                        )
                        .await?;
                    with_exclusions(tx, rs).await
                })
            })
            .await
    }

    async fn remittance_file_versions(
        &self,
        remittance: Option<i64>,
    ) -> StorageResult<Vec<RemittanceFileVersion>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    if let Some(id) = remittance
                        && !tx
                            .exists("SELECT 1 FROM remittances WHERE id = ?1", p![id])
                            .await?
                    {
                        return Err(StorageError::NotFound(
                            Problem::new("remittance_not_found").with("id", id),
                        ));
                    }
                    tx.query_map(
                        &format!(
                            "{REMITTANCE_FILE_SELECT}
                             WHERE CAST(?1 AS BIGINT) IS NULL OR f.remittance_id = ?1
                             ORDER BY f.remittance_id DESC, f.id"
                        ),
                        p![remittance],
                        remittance_file_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn remittance_file_version(
        &self,
        remittance: i64,
        file: i64,
    ) -> StorageResult<(RemittanceFileVersion, String)> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let r = tx
                        .query_opt(
                            &format!(
                                "{REMITTANCE_FILE_SELECT} WHERE f.remittance_id = ?1 AND f.id = ?2"
                            ),
                            p![remittance, file],
                        )
                        .await?
                        .ok_or_else(|| {
                            StorageError::NotFound(
                                Problem::new("remittance_file_not_found")
                                    .with("id", remittance)
                                    .with("file", file),
                            )
                        })?;
                    let v = remittance_file_of(&r)?;
                    let xml: String = tx
                        .scalar("SELECT xml FROM remittance_files WHERE id = ?1", p![file])
                        .await?;
                    Ok((v, xml))
                })
            })
            .await
    }

    async fn remittance_file(&self, id: i64) -> StorageResult<(String, String)> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let r = tx
                        .query_opt(
                            "SELECT message_id, xml FROM remittances WHERE id = ?1",
                            p![id],
                        )
                        .await?
                        .ok_or_else(|| {
                            StorageError::NotFound(
                                Problem::new("remittance_not_found").with("id", id),
                            )
                        })?;
                    let xml: String = r.get(1)?;
                    if xml.is_empty() {
                        // Every debit was held out of it: there is no file to send.
                        return Err(StorageError::Conflict(
                            Problem::new("remittance_all_held").with("id", id),
                        ));
                    }
                    Ok((r.get(0)?, xml))
                })
            })
            .await
    }

    async fn hold_prenotification(
        &self,
        prenotification: i64,
        today: NaiveDate,
        now: DateTime<Utc>,
        write: RemittanceWriter,
    ) -> StorageResult<Option<RemittanceExclusion>> {
        self.db
            .write(move |tx| {
                Box::pin(async move { hold_tx(tx, prenotification, today, now, write).await })
            })
            .await
    }

    async fn apply_returns(
        &self,
        returns: &[ReturnIn],
        now: DateTime<Utc>,
    ) -> StorageResult<ReturnsOutcome> {
        let returns = returns.to_vec();
        let _ = now;
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.lock(COLLECTIONS_LOCK).await?;
                    let mut out = ReturnsOutcome::default();
                    for r in &returns {
                        let row = tx
                            .query_opt(
                                "SELECT d.id, d.payment_id, d.returned_on, rc.full_number
                                 FROM remittance_debits d JOIN receivables rc ON rc.invoice_id = d.invoice_id
                                 WHERE d.end_to_end_id = ?1",
                                p![&r.end_to_end_id],
                            )
                            .await?;
                        let Some(row) = row else {
                            out.unknown.push(r.end_to_end_id.clone());
                            continue;
                        };
                        let (debit, payment): (i64, i64) = (row.get(0)?, row.get(1)?);
                        if row.get::<Option<String>>(2)?.is_some() {
                            out.already += 1;
                            continue;
                        }
                        let day = sql::day_text(r.date);
                        tx.execute(
                            "UPDATE remittance_debits SET returned_on = ?2, return_reason = ?3 WHERE id = ?1",
                            p![debit, &day, &r.reason],
                        )
                        .await?;
                        tx.execute(
                            "UPDATE payments SET returned_on = ?2, return_reason = ?3 WHERE id = ?1",
                            p![payment, &day, &r.reason],
                        )
                        .await?;
                        // The invoice is open again by what the debit had paid on it.
                        for a in tx
                            .query(
                                "SELECT invoice_id, amount_cents FROM payment_allocations WHERE payment_id = ?1",
                                p![payment],
                            )
                            .await?
                        {
                            let (inv, cents): (i64, i64) = (a.get(0)?, a.get(1)?);
                            tx.execute(
                                "UPDATE receivables SET open_cents = open_cents + ?2 WHERE invoice_id = ?1 AND cancelled = FALSE",
                                p![inv, cents],
                            )
                            .await?;
                        }
                        tx.execute(
                            "DELETE FROM payment_allocations WHERE payment_id = ?1",
                            p![payment],
                        )
                        .await?;
                        out.reopened.push((row.get(3)?, r.reason.clone()));
                    }
                    Ok(out)
                })
            })
            .await
    }
}

// --- dunning ----------------------------------------------------------------------------------

use super::collections::{
    DunningLetter, DunningLevel, DunningStorage, Hold, LetterFacts, LetterWriter,
};

fn level_of(r: &Row) -> StorageResult<DunningLevel> {
    Ok(DunningLevel {
        level: u32::try_from(r.get::<i64>(0)?).unwrap_or(0),
        days_after_due: u32::try_from(r.get::<i64>(1)?).unwrap_or(0),
        subject_es: r.get(2)?,
        body_es: r.get(3)?,
        subject_en: r.get(4)?,
        body_en: r.get(5)?,
    })
}

const LEVEL_COLUMNS: &str = "level, days_after_due, subject_es, body_es, subject_en, body_en";

const LETTER_COLUMNS: &str = "l.id, l.invoice_id, r.full_number, l.franchisee_id, l.level, l.recipient, l.language, l.subject, l.body, l.attempts, l.sent_at, l.last_error, l.created_at, l.statement_id";

fn letter_of(r: &Row) -> StorageResult<DunningLetter> {
    Ok(DunningLetter {
        id: r.get(0)?,
        invoice_id: r.get(1)?,
        full_number: r.get(2)?,
        franchisee_id: FranchiseeId(r.get(3)?),
        level: u32::try_from(r.get::<i64>(4)?).unwrap_or(0),
        recipient: r.get(5)?,
        language: r.get(6)?,
        subject: r.get(7)?,
        body: r.get(8)?,
        attempts: u64::try_from(r.get::<i64>(9)?).unwrap_or(0),
        sent_at: r.get::<Option<i64>>(10)?.map(sql::from_micros),
        last_error: r.get(11)?,
        created_at: sql::from_micros(r.get(12)?),
        statement_id: r.get(13)?,
    })
}

async fn claim_tx(
    tx: &mut dyn Tx,
    today: NaiveDate,
    now: DateTime<Utc>,
    write: LetterWriter,
) -> StorageResult<Vec<DunningLetter>> {
    tx.lock(COLLECTIONS_LOCK).await?;
    let levels = tx
        .query_map(
            &format!("SELECT {LEVEL_COLUMNS} FROM dunning_levels ORDER BY level"),
            p![],
            level_of,
        )
        .await?;
    let Some(first) = levels.first() else {
        return Ok(Vec::new());
    };
    let last_level = levels.last().map_or(0, |l| l.level);
    let latest_due = sql::day_text(today - Duration::days(i64::from(first.days_after_due)));
    let overdue = tx
        .query_map(
            &format!(
                "SELECT {RECEIVABLE_COLUMNS} FROM receivables
                 WHERE open_cents > 0 AND kind = 'invoice' AND cancelled = FALSE AND disputed = FALSE AND due_date <= ?1
                 ORDER BY franchisee_id, due_date, invoice_id"
            ),
            p![&latest_due],
            receivable_of,
        )
        .await?;
    // Where and in which language: the franchisee's latest contract version.
    let mut contacts: HashMap<i64, (String, String, String)> = HashMap::new();
    for r in tx
        .query(
            "SELECT c.franchisee_id, c.billing_email, c.language, f.legal_name
             FROM contract_versions c JOIN franchisees f ON f.id = c.franchisee_id ORDER BY c.franchisee_id, c.version",
            p![],
        )
        .await?
    {
        contacts.insert(r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?));
    }
    let mut ids = Vec::new();
    for inv in overdue {
        let late = (today - inv.due_date).num_days();
        let Some(level) = levels
            .iter()
            .rev()
            .find(|l| late >= i64::from(l.days_after_due))
        else {
            continue;
        };
        if tx
            .exists(
                "SELECT 1 FROM dunning_letters WHERE invoice_id = ?1 AND level >= ?2",
                p![inv.invoice_id, level.level],
            )
            .await?
        {
            continue;
        }
        let Some((email, language, name)) = contacts.get(&inv.franchisee_id.0).cloned() else {
            continue;
        };
        let facts = LetterFacts {
            invoice: inv.clone(),
            franchisee_name: name,
            level: level.clone(),
            recipient: email,
            language,
        };
        let (subject, body) = write(&facts);
        let id = tx
            .query_opt(
                "INSERT INTO dunning_letters (invoice_id, franchisee_id, level, recipient, language, subject, body, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (invoice_id, level) DO NOTHING RETURNING id",
                p![
                    inv.invoice_id,
                    inv.franchisee_id.0,
                    level.level,
                    &facts.recipient,
                    &facts.language,
                    &subject,
                    &body,
                    sql::micros(now)
                ],
            )
            .await?;
        if let Some(r) = id {
            ids.push(r.get::<i64>(0)?);
        }
        if level.level == last_level {
            tx.execute(
                "INSERT INTO franchisee_holds (franchisee_id, since, reason) VALUES (?1, ?2, ?3)
                 ON CONFLICT (franchisee_id) DO NOTHING",
                p![
                    inv.franchisee_id.0,
                    &sql::day_text(today),
                    &format!("{} · {}", inv.full_number, level.level)
                ],
            )
            .await?;
        }
    }
    let mut out = Vec::new();
    for id in ids {
        let r = tx
            .query_one(
                &format!("SELECT {LETTER_COLUMNS} FROM dunning_letters l JOIN receivables r ON r.invoice_id = l.invoice_id WHERE l.id = ?1"),
                p![id],
            )
            .await?;
        out.push(letter_of(&r)?);
    }
    Ok(out)
}

#[async_trait]
impl DunningStorage for SqlStorage {
    async fn set_levels(&self, levels: &[DunningLevel], now: DateTime<Utc>) -> StorageResult<()> {
        let levels = levels.to_vec();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute("DELETE FROM dunning_levels", p![]).await?;
                    for l in &levels {
                        tx.execute(
                            &format!("INSERT INTO dunning_levels ({LEVEL_COLUMNS}, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
                            p![l.level, l.days_after_due, &l.subject_es, &l.body_es, &l.subject_en, &l.body_en, sql::micros(now)],
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .await
    }

    async fn levels(&self) -> StorageResult<Vec<DunningLevel>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!("SELECT {LEVEL_COLUMNS} FROM dunning_levels ORDER BY level"),
                        p![],
                        level_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn set_disputed(&self, invoice: i64, disputed: bool) -> StorageResult<Receivable> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let n = tx
                        .execute(
                            "UPDATE receivables SET disputed = ?2 WHERE invoice_id = ?1 AND kind = 'invoice'",
                            p![invoice, disputed],
                        )
                        .await?;
                    if n == 0 {
                        return Err(StorageError::NotFound(
                            Problem::new("allocation_invoice_not_found").with("id", invoice),
                        ));
                    }
                    let r = tx
                        .query_one(
                            &format!("SELECT {RECEIVABLE_COLUMNS} FROM receivables WHERE invoice_id = ?1"),
                            p![invoice],
                        )
                        .await?;
                    receivable_of(&r)
                })
            })
            .await
    }

    async fn claim_letters(
        &self,
        today: NaiveDate,
        now: DateTime<Utc>,
        write: LetterWriter,
    ) -> StorageResult<Vec<DunningLetter>> {
        self.db
            .write(move |tx| Box::pin(async move { claim_tx(tx, today, now, write).await }))
            .await
    }

    async fn unsent_letters(&self, max_attempts: u64) -> StorageResult<Vec<DunningLetter>> {
        let max = i64::try_from(max_attempts).unwrap_or(i64::MAX);
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!("SELECT {LETTER_COLUMNS} FROM dunning_letters l JOIN receivables r ON r.invoice_id = l.invoice_id
                                  WHERE l.sent_at IS NULL AND l.attempts < ?1 ORDER BY l.id"),
                        p![max],
                        letter_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn record_letter(
        &self,
        id: i64,
        result: Result<(), String>,
        now: DateTime<Utc>,
    ) -> StorageResult<()> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    match &result {
                        Ok(()) => tx
                            .execute(
                                "UPDATE dunning_letters SET attempts = attempts + 1, sent_at = ?2, last_error = NULL WHERE id = ?1",
                                p![id, sql::micros(now)],
                            )
                            .await?,
                        Err(e) => tx
                            .execute(
                                "UPDATE dunning_letters SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                                p![id, e],
                            )
                            .await?,
                    };
                    Ok(())
                })
            })
            .await
    }

    async fn letters(&self, franchisee: Option<FranchiseeId>) -> StorageResult<Vec<DunningLetter>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!("SELECT {LETTER_COLUMNS} FROM dunning_letters l JOIN receivables r ON r.invoice_id = l.invoice_id
                                  WHERE (?1 = 0 OR l.franchisee_id = ?1) ORDER BY l.id DESC"),
                        p![franchisee.map_or(0, |f| f.0)],
                        letter_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn set_letter_statement(&self, letter: i64, statement: i64) -> StorageResult<i64> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "UPDATE dunning_letters SET statement_id = ?2 WHERE id = ?1 AND statement_id IS NULL",
                        p![letter, statement],
                    )
                    .await?;
                    let kept: Option<i64> = tx
                        .scalar(
                            "SELECT statement_id FROM dunning_letters WHERE id = ?1",
                            p![letter],
                        )
                        .await?;
                    Ok(kept.unwrap_or(statement))
                })
            })
            .await
    }

    async fn holds(&self) -> StorageResult<Vec<Hold>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT franchisee_id, since, reason FROM franchisee_holds ORDER BY franchisee_id",
                        p![],
                        |r| {
                            Ok(Hold {
                                franchisee_id: FranchiseeId(r.get(0)?),
                                since: sql::parse_day(&r.get::<String>(1)?)?,
                                reason: r.get(2)?,
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn release_hold(&self, franchisee: FranchiseeId) -> StorageResult<()> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "DELETE FROM franchisee_holds WHERE franchisee_id = ?1",
                        p![franchisee.0],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }
}
