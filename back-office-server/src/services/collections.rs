//! Collections: how a payment is allocated to a franchisee's open invoices, its balance and
//! statement of account, aging with days sales outstanding, and bank statement imports (read with
//! `trastienda_banking`, matched with its matcher, stored by `storage::collections`).

use crate::i18n::Tr;
use crate::key;
use crate::problem::Problem;
use crate::storage::archive::ArchiveKey;
use crate::storage::collections::{
    AgingRow, AllocationIn, ExclusionReason, ImportOutcome, Mandate, NewMandate, NewPayment,
    Payment, Receivable, Remittance, RemittanceExclusion, RemittanceFacts, ReturnIn,
    ReturnsOutcome, StatementIn, WrittenRemittance,
};
use crate::storage::collections::{DunningLevel, LetterFacts};
use crate::storage::{Storage, StorageError, StorageResult};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use sync_protocol::bank::{Bic, CreditorId, Iban};
use sync_protocol::{FranchiseeId, Money};
use trastienda_banking::pain008;
use trastienda_banking::statement::{self, StatementFormat};

/// Longest payment reference kept.
pub const REFERENCE_MAX: usize = 140;
/// The largest payment taken (the EPC's largest single collection, 999,999,999.99).
pub const AMOUNT_MAX_CENTS: i64 = 99_999_999_999;
/// Days of sales days-sales-outstanding looks back on.
pub const DSO_DAYS: u32 = 90;

/// Invoices with something open that are not cancelled, oldest due first (then by id), and how
/// much of `amount` goes to each.
pub fn oldest_first(recs: &[Receivable], amount: Money) -> Vec<(i64, Money)> {
    let mut open: Vec<&Receivable> = recs
        .iter()
        .filter(|r| r.kind == "invoice" && !r.cancelled && r.open > Money::ZERO)
        .collect();
    open.sort_by_key(|r| (r.due_date, r.invoice_id));
    let mut left = amount;
    let mut out = Vec::new();
    for r in open {
        if left <= Money::ZERO {
            break;
        }
        let a = left.min(r.open);
        out.push((r.invoice_id, a));
        left -= a;
    }
    out
}

/// What a payment of `amount` by `franchisee` puts on which invoice: as `chosen`, each checked,
/// or oldest due first. What is left over is the franchisee's credit. `recs` are the franchisee's
/// receivables plus any invoice `chosen` names.
pub fn allocate(
    recs: &[Receivable],
    franchisee: FranchiseeId,
    amount: Money,
    chosen: Option<&[AllocationIn]>,
) -> Result<Vec<(i64, Money)>, Problem> {
    if amount <= Money::ZERO {
        return Err(Problem::new("payment_amount_not_positive").with("amount", amount));
    }
    let Some(chosen) = chosen else {
        return Ok(oldest_first(recs, amount));
    };
    let mut out: Vec<(i64, Money)> = Vec::new();
    let mut total = Money::ZERO;
    for a in chosen {
        let Some(r) = recs.iter().find(|r| r.invoice_id == a.invoice_id) else {
            return Err(Problem::new("allocation_invoice_not_found").with("id", a.invoice_id));
        };
        if r.franchisee_id != franchisee {
            return Err(Problem::new("allocation_other_franchisee")
                .with("number", &r.full_number)
                .with("franchisee", franchisee));
        }
        if r.kind != "invoice" {
            return Err(Problem::new("allocation_not_an_invoice").with("number", &r.full_number));
        }
        if r.cancelled {
            return Err(Problem::new("invoice_cancelled").with("number", &r.full_number));
        }
        if a.amount <= Money::ZERO {
            return Err(Problem::new("allocation_not_positive").with("number", &r.full_number));
        }
        let already: Money = out
            .iter()
            .filter(|(id, _)| *id == r.invoice_id)
            .map(|(_, m)| *m)
            .sum();
        if already + a.amount > r.open {
            return Err(Problem::new("allocation_exceeds_open")
                .with("number", &r.full_number)
                .with("open", r.open)
                .with("amount", already + a.amount));
        }
        total += a.amount;
        out.push((r.invoice_id, a.amount));
    }
    if total > amount {
        return Err(Problem::new("allocation_exceeds_payment")
            .with("amount", amount)
            .with("allocated", total));
    }
    Ok(out)
}

fn check_payment(p: &NewPayment) -> Result<(), Problem> {
    if p.amount <= Money::ZERO {
        return Err(Problem::new("payment_amount_not_positive").with("amount", p.amount));
    }
    if p.amount > Money::from_cents(AMOUNT_MAX_CENTS) {
        return Err(Problem::new("payment_amount_too_large").with("amount", p.amount));
    }
    if p.reference.chars().count() > REFERENCE_MAX {
        return Err(Problem::new("payment_reference_too_long").with("max", REFERENCE_MAX));
    }
    Ok(())
}

/// Records a payment (checked here and, against what is open, in its transaction).
pub async fn record_payment(
    storage: &dyn Storage,
    p: &NewPayment,
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<Payment> {
    check_payment(p).map_err(StorageError::Invalid)?;
    storage.collections().record_payment(p, by, now).await
}

/// A franchisee's position.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Balance {
    pub invoiced: Money,
    pub credited: Money,
    /// Payments received, less those returned.
    pub paid: Money,
    /// Invoiced − credited − paid: what it owes (negative: HQ owes it).
    pub balance: Money,
    /// Open on its invoices.
    pub open: Money,
    /// Paid and not allocated to any invoice.
    pub credit: Money,
    /// Open and past due.
    pub overdue: Money,
}

/// One line of a statement of account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatementEntry {
    pub date: NaiveDate,
    /// `invoice`, `credit_note`, `payment` or `return`.
    pub kind: &'static str,
    pub reference: String,
    pub due_date: Option<NaiveDate>,
    /// Adds to what is owed.
    pub debit: Money,
    /// Takes from it.
    pub credit: Money,
    /// Owed after this line.
    pub balance: Money,
    /// Still open on an invoice.
    pub open: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatementOfAccount {
    pub franchisee_id: FranchiseeId,
    pub as_of: NaiveDate,
    pub entries: Vec<StatementEntry>,
    pub balance: Balance,
}

/// Builds a statement of account from a franchisee's receivables and payments (pure).
pub fn statement_of_account(
    franchisee: FranchiseeId,
    recs: &[Receivable],
    payments: &[Payment],
    as_of: NaiveDate,
) -> StatementOfAccount {
    let mut entries = Vec::new();
    let mut b = Balance::default();
    for r in recs {
        if r.kind == "invoice" {
            b.invoiced += r.total;
            b.open += r.open;
            if r.due_date < as_of {
                b.overdue += r.open;
            }
            entries.push(StatementEntry {
                date: r.issue_date,
                kind: "invoice",
                reference: r.full_number.clone(),
                due_date: Some(r.due_date),
                debit: r.total,
                credit: Money::ZERO,
                balance: Money::ZERO,
                open: Some(r.open),
            });
        } else {
            b.credited += r.total;
            entries.push(StatementEntry {
                date: r.issue_date,
                kind: "credit_note",
                reference: r.full_number.clone(),
                due_date: None,
                debit: Money::ZERO,
                credit: r.total,
                balance: Money::ZERO,
                open: None,
            });
        }
    }
    for p in payments {
        b.paid += p.amount;
        entries.push(StatementEntry {
            date: p.received_on,
            kind: "payment",
            reference: if p.reference.is_empty() {
                format!("#{}", p.id)
            } else {
                p.reference.clone()
            },
            due_date: None,
            debit: Money::ZERO,
            credit: p.amount,
            balance: Money::ZERO,
            open: None,
        });
        if let Some(d) = p.returned_on {
            b.paid -= p.amount;
            entries.push(StatementEntry {
                date: d,
                kind: "return",
                reference: p.return_reason.clone().unwrap_or_default(),
                due_date: None,
                debit: p.amount,
                credit: Money::ZERO,
                balance: Money::ZERO,
                open: None,
            });
        } else {
            b.credit += p.amount - p.allocated;
        }
    }
    let rank = |k: &str| match k {
        "invoice" => 0,
        "credit_note" => 1,
        "payment" => 2,
        _ => 3,
    };
    entries.sort_by(|a, b| {
        (a.date, rank(a.kind), &a.reference).cmp(&(b.date, rank(b.kind), &b.reference))
    });
    let mut running = Money::ZERO;
    for e in &mut entries {
        running += e.debit - e.credit;
        e.balance = running;
    }
    b.balance = b.invoiced - b.credited - b.paid;
    StatementOfAccount {
        franchisee_id: franchisee,
        as_of,
        entries,
        balance: b,
    }
}

/// A franchisee's statement of account on `as_of`.
pub async fn statement(
    storage: &dyn Storage,
    franchisee: FranchiseeId,
    as_of: NaiveDate,
) -> StorageResult<StatementOfAccount> {
    storage.get_franchisee(franchisee).await?;
    let c = storage.collections();
    let recs = c.receivables(Some(franchisee), false).await?;
    let mut payments = c.payments(Some(franchisee)).await?;
    payments.reverse();
    Ok(statement_of_account(franchisee, &recs, &payments, as_of))
}

/// Aging of every franchisee with something open, with totals and days sales outstanding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Aging {
    pub as_of: NaiveDate,
    pub rows: Vec<AgingRow>,
    pub totals: [Money; 5],
    pub total: Money,
    /// Receivables ÷ sales invoiced over the last [`DSO_DAYS`] days × those days; none without sales.
    pub dso_days: Option<Decimal>,
}

/// Aging on `as_of`.
pub async fn aging(storage: &dyn Storage, as_of: NaiveDate) -> StorageResult<Aging> {
    let c = storage.collections();
    let rows = c.aging(as_of).await?;
    let mut totals = [Money::ZERO; 5];
    let mut total = Money::ZERO;
    for r in &rows {
        for (t, b) in totals.iter_mut().zip(r.buckets) {
            *t += b;
        }
        total += r.total;
    }
    let sales = c
        .sales_between(as_of - Duration::days(i64::from(DSO_DAYS) - 1), as_of)
        .await?;
    let dso_days = trastienda_banking::aging::days_sales_outstanding(total, sales, DSO_DAYS)
        .map(|d| d.round_dp(1));
    Ok(Aging {
        as_of,
        rows,
        totals,
        total,
        dso_days,
    })
}

/// The aging buckets' names as message keys, in order.
pub const BUCKET_KEYS: [&str; 5] = [
    "col-not-due",
    "col-1-30",
    "col-31-60",
    "col-61-90",
    "col-over-90",
];

/// Reads a Norma 43 or camt.053 file; a malformed one is refused naming its line.
pub fn read_statement(file_name: &str, bytes: &[u8]) -> Result<StatementIn, Problem> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::new("bank_statement_empty"));
    }
    let s = statement::read(bytes)
        .map_err(|e| Problem::new("bank_statement_unreadable").with("detail", e.to_string()))?;
    let sha = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let name = file_name.trim();
    Ok(StatementIn {
        file_name: if name.is_empty() {
            "statement".into()
        } else {
            name.chars().take(200).collect()
        },
        sha256: sha,
        format: match s.format {
            StatementFormat::Norma43 => "norma43".into(),
            StatementFormat::Camt(_) => "camt".into(),
        },
        accounts: s.accounts.join(", "),
        lines: s.lines,
    })
}

/// Imports a statement file: stores its new lines and records the payments the matcher finds.
pub async fn import_statement(
    storage: &dyn Storage,
    file_name: &str,
    bytes: &[u8],
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<ImportOutcome> {
    let s = read_statement(file_name, bytes).map_err(StorageError::Invalid)?;
    storage
        .collections()
        .import_statement(&s, by, now, Arc::new(trastienda_banking::matching::propose))
        .await
}

// --- SEPA direct debit ------------------------------------------------------------------------

/// Checks a mandate before it is stored: reference (SEPA characters, at most 35), debtor name,
/// IBAN (ISO 13616 mod 97), BIC if given, scheme, a signature date not in the future.
pub fn check_mandate(m: &NewMandate, today: NaiveDate) -> Result<NewMandate, Problem> {
    let reference = m.reference.trim().to_string();
    if let Err(e) = trastienda_banking::text::check_identifier(&reference, 35) {
        return Err(Problem::new("mandate_bad_reference").with("detail", e));
    }
    let name = m.debtor_name.trim().to_string();
    if name.is_empty() || name.chars().count() > 70 {
        return Err(Problem::new("mandate_bad_name"));
    }
    let iban = Iban::parse(&m.debtor_iban)
        .map_err(|_| Problem::new("bad_iban").with("iban", m.debtor_iban.trim()))?;
    if !iban.is_sepa() {
        return Err(Problem::new("bad_iban").with("iban", m.debtor_iban.trim()));
    }
    let bic = match m
        .debtor_bic
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty())
    {
        None => None,
        Some(b) => Some(
            Bic::parse(b)
                .map_err(|e| Problem::new("bad_bic").with("detail", e))?
                .as_str()
                .to_string(),
        ),
    };
    let scheme = m.scheme.trim().to_uppercase();
    if scheme != "CORE" && scheme != "B2B" {
        return Err(Problem::new("mandate_bad_scheme").with("value", &m.scheme));
    }
    if m.signed_on > today {
        return Err(Problem::new("mandate_signed_in_future").with("date", m.signed_on));
    }
    Ok(NewMandate {
        franchisee_id: m.franchisee_id,
        reference,
        debtor_name: name,
        debtor_iban: iban.as_str().to_string(),
        debtor_bic: bic,
        scheme,
        signed_on: m.signed_on,
    })
}

pub async fn create_mandate(
    storage: &dyn Storage,
    m: &NewMandate,
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<Mandate> {
    let m =
        check_mandate(m, crate::storage::sql::business_day(now)).map_err(StorageError::Invalid)?;
    storage.sepa().create_mandate(&m, by, now).await
}

/// `active`, `lapsed` (unused for 36 months) or `revoked` on `day`.
pub fn mandate_status(m: &Mandate, day: NaiveDate) -> &'static str {
    if m.revoked_on.is_some() {
        "revoked"
    } else if crate::storage::collections::mandate_usable(m, day) {
        "active"
    } else {
        "lapsed"
    }
}

/// Writes the pain.008.001.08 file of a remittance (banking::pain008 validates every field first).
pub fn write_remittance(f: &RemittanceFacts) -> Result<WrittenRemittance, Problem> {
    let cid = f
        .creditor
        .creditor_id
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| Problem::new("creditor_id_missing"))?;
    let creditor_id = CreditorId::parse(cid)
        .map_err(|e| Problem::new("bad_issuer").with("detail", format!("creditor_id: {e}")))?;
    let iban = Iban::parse(&f.creditor.iban)
        .map_err(|e| Problem::new("bad_issuer").with("detail", format!("iban: {e}")))?;
    let bic = f
        .creditor
        .bic
        .as_deref()
        .filter(|b| !b.trim().is_empty())
        .map(Bic::parse)
        .transpose()
        .map_err(|e| Problem::new("bad_issuer").with("detail", format!("bic: {e}")))?;
    let mut debits = Vec::new();
    for d in &f.debits {
        let m = &d.mandate;
        let debtor_iban = Iban::parse(&m.debtor_iban)
            .map_err(|_| Problem::new("bad_iban").with("iban", &m.debtor_iban))?;
        let debtor_bic = m
            .debtor_bic
            .as_deref()
            .map(Bic::parse)
            .transpose()
            .map_err(|e| Problem::new("bad_bic").with("detail", e))?;
        debits.push(pain008::DirectDebit {
            end_to_end_id: d.end_to_end_id.clone(),
            amount: d.amount,
            collection_date: f.collection_date,
            sequence: if d.first {
                pain008::SequenceType::First
            } else {
                pain008::SequenceType::Recurrent
            },
            scheme: if m.scheme == "B2B" {
                pain008::Scheme::B2b
            } else {
                pain008::Scheme::Core
            },
            mandate: pain008::MandateRef {
                id: m.reference.clone(),
                signed_on: m.signed_on,
            },
            debtor: pain008::Debtor {
                name: m.debtor_name.clone(),
                iban: debtor_iban,
                bic: debtor_bic,
                address: None,
            },
            remittance_text: format!("Factura {}", d.full_number),
        });
    }
    let r = pain008::Remittance {
        message_id: f.message_id.clone(),
        // HQ's local time, as a Spanish bank reads a creation time without an offset; and the
        // day it falls on is the day the mandate and collection dates are checked against
        // (business_day everywhere else): at 00:30 in Madrid it is already tomorrow there.
        created_at: f
            .now
            .with_timezone(&trastienda_l10n::DEFAULT_TIME_ZONE.0)
            .naive_local(),
        creditor: pain008::Creditor {
            name: f.creditor.legal_name.clone(),
            iban,
            bic,
            creditor_id,
            address: None,
        },
        debits,
    };
    let file =
        pain008::write(&r).map_err(|e| Problem::new("remittance_invalid").with("detail", e))?;
    Ok(WrittenRemittance {
        xml: file.xml,
        count: file.number_of_debits,
        control_sum: file.control_sum,
        excluded: Vec::new(),
    })
}

/// Days of notice each franchisee's contract in force on `day` asks before a direct debit (the
/// SEPA rulebook's 14 unless the contract agrees fewer).
pub async fn notice_days(
    storage: &dyn Storage,
    day: NaiveDate,
) -> StorageResult<std::collections::HashMap<FranchiseeId, u32>> {
    let mut by: std::collections::HashMap<FranchiseeId, (NaiveDate, i64, u32)> =
        std::collections::HashMap::new();
    for c in storage.invoicing().contract_versions(None).await? {
        let key = (c.effective_from, c.version, c.terms.notice_days());
        let e = by.entry(c.franchisee_id).or_insert(key);
        // The latest version in force on `day`; before any is, the first one.
        let better = if e.0 <= day {
            c.effective_from <= day && (c.effective_from, c.version) > (e.0, e.1)
        } else {
            c.effective_from <= day || (c.effective_from, c.version) < (e.0, e.1)
        };
        if better {
            *e = key;
        }
    }
    Ok(by.into_iter().map(|(f, (_, _, d))| (f, d)).collect())
}

/// Collects the due invoices of direct-debit franchisees on `collection_date` (not before tomorrow,
/// and not before each debtor's notice period is over: the SEPA pre-notification is written with
/// the remittance, so a collection date closer than a debtor's notice stores nothing). Writes one
/// pre-notification per debtor franchisee; [`send_prenotifications`] e-mails them.
pub async fn create_remittance(
    storage: &dyn Storage,
    collection_date: NaiveDate,
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<Remittance> {
    let today = crate::storage::sql::business_day(now);
    if collection_date <= today {
        return Err(StorageError::Invalid(
            Problem::new("remittance_date_past").with("date", collection_date),
        ));
    }
    let notice = notice_days(storage, today).await?;
    let lead = (collection_date - today).num_days();
    let write = Arc::new(move |f: &RemittanceFacts| {
        // A debtor whose notice this date cannot give is left out (and listed); the rest go.
        let mut excluded: std::collections::BTreeMap<FranchiseeId, RemittanceExclusion> =
            std::collections::BTreeMap::new();
        let mut kept = Vec::new();
        for d in &f.debits {
            let days = notice
                .get(&d.mandate.franchisee_id)
                .copied()
                .unwrap_or(crate::storage::invoicing::SEPA_PRENOTIFICATION_DAYS);
            if lead < i64::from(days) {
                let e = excluded.entry(d.mandate.franchisee_id).or_insert_with(|| {
                    RemittanceExclusion {
                        franchisee_id: d.mandate.franchisee_id,
                        debtor_name: d.mandate.debtor_name.clone(),
                        reason: ExclusionReason::NoticeTooShort,
                        notice_days: days,
                        earliest: today + Duration::days(i64::from(days)),
                        debit_count: 0,
                        amount: Money::ZERO,
                    }
                });
                e.debit_count += 1;
                e.amount += d.amount;
            } else {
                kept.push(d.clone());
            }
        }
        if kept.is_empty() {
            // Nobody qualifies: nothing to remit, and the first debtor says why.
            if let Some(e) = excluded.values().next() {
                return Err(Problem::new("remittance_notice_too_short")
                    .with("debtor", &e.debtor_name)
                    .with("days", e.notice_days)
                    .with("earliest", e.earliest));
            }
        }
        let mut w = write_remittance(&RemittanceFacts {
            debits: kept,
            ..f.clone()
        })?;
        w.excluded = excluded.into_values().collect();
        Ok(w)
    });
    let r = storage
        .sepa()
        .create_remittance(collection_date, by, now, write)
        .await?;
    prenotify(storage, &r, today, now).await?;
    Ok(r)
}

/// Writes the pre-notifications of a stored remittance: one per debtor franchisee with what will
/// be debited, when, under which mandates and by which creditor (kept if written before).
pub async fn prenotify(
    storage: &dyn Storage,
    r: &Remittance,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> StorageResult<Vec<crate::storage::collections::Prenotification>> {
    let notice = notice_days(storage, today).await?;
    let creditor_id = storage
        .invoicing()
        .issuer()
        .await?
        .and_then(|i| i.creditor_id)
        .unwrap_or_default();
    let mut by: std::collections::BTreeMap<FranchiseeId, (Money, u64, Vec<String>)> =
        std::collections::BTreeMap::new();
    for d in storage.sepa().remittance_debits(r.id).await? {
        let e = by.entry(d.franchisee_id).or_default();
        e.0 += d.amount;
        e.1 += 1;
        if !e.2.contains(&d.mandate_reference) {
            e.2.push(d.mandate_reference);
        }
    }
    let contacts = billing_contacts(storage, today).await?;
    let mut out = Vec::new();
    for (f, (amount, count, mandates)) in by {
        let (recipient, lang) = contacts
            .get(&f)
            .cloned()
            .unwrap_or_else(|| (String::new(), crate::i18n::Lang::Es));
        out.push(crate::storage::collections::Prenotification {
            id: 0,
            remittance_id: r.id,
            franchisee_id: f,
            recipient,
            language: lang.code().to_string(),
            amount,
            debit_count: count,
            collection_date: r.collection_date,
            mandate_references: mandates.join(", "),
            creditor_id: creditor_id.clone(),
            notice_days: notice
                .get(&f)
                .copied()
                .unwrap_or(crate::storage::invoicing::SEPA_PRENOTIFICATION_DAYS),
            created_at: now,
            attempts: 0,
            sent_at: None,
            last_error: None,
            held_at: None,
        });
    }
    storage.sepa().add_prenotifications(&out).await?;
    Ok(out)
}

/// A pre-notification not sent after this many attempts is left for a person (shown on Cobros).
pub const PRENOTIFICATION_MAX_ATTEMPTS: u64 = 10;

/// What a pre-notification round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PrenotificationRound {
    pub sent: u64,
    pub failed: u64,
    /// Too late to give the debtor its notice: not sent, its debits held out of the remittance.
    pub held: u64,
}

async fn send_prenotification(
    storage: &dyn Storage,
    config: &crate::services::mail::MailConfig,
    p: &crate::storage::collections::Prenotification,
) -> Result<(), String> {
    use lettre::message::Mailbox;
    let lang = if p.language == "en" {
        crate::i18n::Lang::En
    } else {
        crate::i18n::Lang::Es
    };
    let t = Tr::get(lang);
    let f = storage
        .get_franchisee(p.franchisee_id)
        .await
        .map_err(|e| e.to_string())?;
    let creditor = storage
        .invoicing()
        .issuer()
        .await
        .map_err(|e| e.to_string())?
        .map(|i| i.legal_name)
        .unwrap_or_default();
    let invoices: Vec<String> = storage
        .sepa()
        .remittance_debits(p.remittance_id)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|d| d.franchisee_id == p.franchisee_id)
        .map(|d| format!("{} · {}", d.full_number, t.money(d.amount)))
        .collect();
    let (subject, body) = {
        let args: [(&str, &dyn std::fmt::Display); 7] = [
            ("franchisee", &f.legal_name),
            ("amount", &t.money(p.amount)),
            ("date", &t.day(p.collection_date)),
            ("mandates", &p.mandate_references),
            ("creditor", &creditor),
            ("creditor_id", &p.creditor_id),
            ("invoices", &invoices.join("\n")),
        ];
        (
            t.msg_with(key!("col-prenote-subject"), &args),
            t.msg_with(key!("col-prenote-body"), &args),
        )
    };
    let m = lettre::Message::builder()
        .from(config.from.parse::<Mailbox>().map_err(|e| e.to_string())?)
        .to(p
            .recipient
            .parse::<Mailbox>()
            .map_err(|e| format!("recipient {:?}: {e}", p.recipient))?)
        .subject(subject)
        .body(body)
        .map_err(|e| e.to_string())?;
    smtp_send(config, m).await
}

/// E-mails every pre-notification not sent yet (each claimed by one instance, each attempt
/// recorded): when a remittance is created, and by the `sepa-prenotify` job for what failed.
pub async fn send_prenotifications(
    storage: &dyn Storage,
    config: &crate::services::mail::MailConfig,
    now: DateTime<Utc>,
) -> StorageResult<PrenotificationRound> {
    let mut round = PrenotificationRound::default();
    for p in storage
        .sepa()
        .claim_prenotifications(PRENOTIFICATION_MAX_ATTEMPTS, now, Duration::minutes(10))
        .await?
    {
        // A notice that would reach the debtor with fewer days than its contract promises is not
        // sent (it would tell a lie): the debits are taken out of the remittance instead, and the
        // invoices wait for the next one, with a notice of their own.
        let today = crate::storage::sql::business_day(now);
        if (p.collection_date - today).num_days() < i64::from(p.notice_days) {
            let held = storage
                .sepa()
                .hold_prenotification(p.id, today, now, Arc::new(write_remittance))
                .await?;
            if held.is_some() {
                tracing::warn!(
                    remittance = p.remittance_id,
                    franchisee = p.franchisee_id.0,
                    "SEPA pre-notification too late: debits held out of the remittance"
                );
                round.held += 1;
            }
            continue;
        }
        let r = send_prenotification(storage, config, &p).await;
        match &r {
            Ok(()) => round.sent += 1,
            Err(e) => {
                tracing::warn!(remittance = p.remittance_id, franchisee = p.franchisee_id.0, error = %e, "SEPA pre-notification not sent");
                round.failed += 1;
            }
        }
        storage.sepa().record_prenotification(p.id, r, now).await?;
    }
    Ok(round)
}

/// Reads returned debits from a pain.002 status report or a camt.054 (or camt.053) file.
pub fn read_returns(bytes: &[u8], today: NaiveDate) -> Result<Vec<ReturnIn>, Problem> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_string();
    let returns = if head.contains("pain.002") {
        trastienda_banking::pain002::parse(bytes)
            .map_err(|e| Problem::new("returns_unreadable").with("detail", e))?
            .rejected_debits()
    } else {
        statement::read(bytes)
            .map_err(|e| Problem::new("returns_unreadable").with("detail", e))?
            .returns
    };
    Ok(returns
        .into_iter()
        .filter_map(|r| {
            let e2e = r.end_to_end_id.clone()?;
            let reason = match &r.reason {
                Some(code) => match code.description_es() {
                    Some(d) => format!("{} {d}", code.code),
                    None => code.code.clone(),
                },
                None => r.additional_info.join(" "),
            };
            Some(ReturnIn {
                end_to_end_id: e2e,
                reason: if reason.trim().is_empty() {
                    "devuelto".into()
                } else {
                    reason
                },
                date: r.date.unwrap_or(today),
            })
        })
        .collect())
}

/// Processes a returns file: each returned debit's invoice is open again with the reason.
pub async fn process_returns(
    storage: &dyn Storage,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> StorageResult<ReturnsOutcome> {
    let returns = read_returns(bytes, crate::storage::sql::business_day(now))
        .map_err(StorageError::Invalid)?;
    storage.sepa().apply_returns(&returns, now).await
}

/// The statement of account as a PDF in `t`'s language.
pub fn statement_pdf(
    t: &Tr,
    franchisee: &str,
    hq: &str,
    s: &StatementOfAccount,
) -> Result<Vec<u8>, String> {
    let m = |k: &str| t.msg(k);
    let columns = [
        (m("col-date"), 0.12, false),
        (m("col-entry"), 0.14, false),
        (m("col-reference"), 0.22, false),
        (m("col-due"), 0.12, false),
        (m("col-debit"), 0.13, true),
        (m("col-credit-col"), 0.13, true),
        (m("col-balance"), 0.14, true),
    ];
    let cols: Vec<(&str, f32, bool)> = columns
        .iter()
        .map(|(a, b, c)| (a.as_str(), *b, *c))
        .collect();
    let rows: Vec<Vec<String>> = s
        .entries
        .iter()
        .map(|e| {
            vec![
                t.day(e.date),
                t.msg(&format!("col-entry-{}", e.kind)),
                e.reference.clone(),
                e.due_date.map(|d| t.day(d)).unwrap_or_default(),
                if e.debit.is_zero() {
                    String::new()
                } else {
                    t.money(e.debit)
                },
                if e.credit.is_zero() {
                    String::new()
                } else {
                    t.money(e.credit)
                },
                t.money(e.balance),
            ]
        })
        .collect();
    let b = &s.balance;
    let title = format!("{} · {}", m("col-statement"), franchisee);
    let heading = vec![
        format!("{}: {}", m("col-as-of"), t.day(s.as_of)),
        hq.to_string(),
    ];
    let closing = vec![
        format!("{}: {}", m("col-balance"), t.money(b.balance)),
        format!("{}: {}", m("col-overdue"), t.money(b.overdue)),
        format!("{}: {}", m("col-credit"), t.money(b.credit)),
    ];
    trastienda_einvoice::pdf::render_table(&trastienda_einvoice::pdf::TableDocument {
        title: &title,
        heading: &heading,
        columns: &cols,
        rows: &rows,
        closing: &closing,
        footer: hq,
        language: t.lang().code(),
    })
    .map_err(|e| e.to_string())
}

// --- statement by e-mail ---------------------------------------------------------------------

/// HQ's line on a statement: name, NIF and the IBAN to pay into.
pub async fn hq_line(storage: &dyn Storage) -> StorageResult<String> {
    Ok(storage
        .invoicing()
        .issuer()
        .await?
        .map(|i| format!("{} · NIF {} · IBAN {}", i.legal_name, i.nif, i.iban))
        .unwrap_or_else(|| "Trastienda".into()))
}

/// Where and in which language a franchisee gets its mail: the billing e-mail and language of its
/// contract in force on `day` (its first version if none is in force yet). `None`: no contract.
pub async fn billing_contact(
    storage: &dyn Storage,
    franchisee: FranchiseeId,
    day: NaiveDate,
) -> StorageResult<Option<(String, crate::i18n::Lang)>> {
    let versions = storage
        .invoicing()
        .contract_versions(Some(franchisee))
        .await?;
    Ok(contact_of(&versions, day))
}

/// [`billing_contact`] of every franchisee under contract, read in one query.
pub async fn billing_contacts(
    storage: &dyn Storage,
    day: NaiveDate,
) -> StorageResult<std::collections::HashMap<FranchiseeId, (String, crate::i18n::Lang)>> {
    let mut by: std::collections::HashMap<FranchiseeId, Vec<_>> = std::collections::HashMap::new();
    for c in storage.invoicing().contract_versions(None).await? {
        by.entry(c.franchisee_id).or_default().push(c);
    }
    Ok(by
        .into_iter()
        .filter_map(|(f, v)| contact_of(&v, day).map(|c| (f, c)))
        .collect())
}

fn contact_of(
    versions: &[crate::storage::invoicing::ContractVersion],
    day: NaiveDate,
) -> Option<(String, crate::i18n::Lang)> {
    let v = versions
        .iter()
        .filter(|c| c.effective_from <= day)
        .max_by_key(|c| (c.effective_from, c.version))
        .or_else(|| {
            versions
                .iter()
                .min_by_key(|c| (c.effective_from, c.version))
        });
    v.map(|c| {
        let lang = if c.terms.language.code() == "en" {
            crate::i18n::Lang::En
        } else {
            crate::i18n::Lang::Es
        };
        (c.terms.billing_email.trim().to_string(), lang)
    })
    .filter(|(e, _)| !e.is_empty())
}

/// Sends one message over the configured SMTP server.
pub async fn smtp_send(
    config: &crate::services::mail::MailConfig,
    m: lettre::Message,
) -> Result<(), String> {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.url)
        .map_err(|e| format!("SMTP URL: {e}"))?
        .timeout(Some(std::time::Duration::from_secs(30)))
        .build();
    transport
        .send(m)
        .await
        .map(drop)
        .map_err(|e| format!("SMTP: {e}"))
}

/// A statement of account made to leave HQ: its PDF, made once and archived before it is sent (the
/// archive entry `st-<id>` holds these very bytes, with their SHA-256).
pub struct IssuedStatement {
    pub entry: crate::storage::archive::ArchiveEntry,
    pub pdf: Vec<u8>,
    pub statement: StatementOfAccount,
}

/// Makes franchisee `franchisee`'s statement of account on `as_of` as a PDF in `lang` and archives
/// it (`reason`: `email`, `dunning` or `archive`), kept until its date plus HQ's retention.
pub async fn archive_statement(
    storage: &dyn Storage,
    franchisee: FranchiseeId,
    as_of: NaiveDate,
    lang: crate::i18n::Lang,
    reason: &str,
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<IssuedStatement> {
    let f = storage.get_franchisee(franchisee).await?;
    let t = Tr::get(lang);
    let soa = statement(storage, franchisee, as_of).await?;
    let hq = hq_line(storage).await?;
    let pdf = statement_pdf(t, &f.legal_name, &hq, &soa).map_err(StorageError::Backend)?;
    let entry = storage
        .archive()
        .archive_statement(
            &crate::storage::archive::NewStatement {
                franchisee,
                as_of,
                language: lang.code().to_string(),
                balance: soa.balance.balance,
                reason: reason.to_string(),
                content: pdf.clone(),
                created_by: by.to_string(),
            },
            now,
        )
        .await?;
    Ok(IssuedStatement {
        entry,
        pdf,
        statement: soa,
    })
}

/// HQ archives franchisee `franchisee`'s statement of account on `as_of` without sending it (from
/// Cobros), in its contract's language (Spanish without a contract).
pub async fn archive_statement_now(
    storage: &dyn Storage,
    franchisee: FranchiseeId,
    as_of: NaiveDate,
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<crate::storage::archive::ArchiveEntry> {
    storage.get_franchisee(franchisee).await?;
    let lang = billing_contact(storage, franchisee, as_of)
        .await?
        .map_or(crate::i18n::Lang::Es, |(_, l)| l);
    Ok(
        archive_statement(storage, franchisee, as_of, lang, "archive", by, now)
            .await?
            .entry,
    )
}

/// E-mails franchisee `franchisee`'s statement of account on `as_of` (PDF attached) to the
/// billing e-mail of its contract, in the contract's language, and records the attempt (who,
/// when, to whom, the balance shown; sent or the error). No SMTP server or no billing e-mail:
/// refused, nothing recorded. The SMTP server refusing it: recorded, then the error.
pub async fn email_statement(
    storage: &dyn Storage,
    config: Option<&crate::services::mail::MailConfig>,
    franchisee: FranchiseeId,
    as_of: NaiveDate,
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<crate::storage::collections::StatementEmail> {
    use lettre::message::header::ContentType;
    use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
    let f = storage.get_franchisee(franchisee).await?;
    let Some(config) = config else {
        return Err(StorageError::Invalid(Problem::new("smtp_not_configured")));
    };
    let (to, lang) = billing_contact(storage, franchisee, as_of)
        .await?
        .ok_or_else(|| {
            StorageError::Invalid(Problem::new("billing_email_missing").with("id", franchisee.0))
        })?;
    let t = Tr::get(lang);
    let hq = hq_line(storage).await?;
    // Archived first: what leaves is what the archive keeps (a failed send leaves it archived,
    // the e-mail recorded as failed).
    let issued = archive_statement(storage, franchisee, as_of, lang, "email", by, now).await?;
    let soa = issued.statement;
    let pdf = issued.pdf;
    let statement_id = ArchiveKey::parse(&issued.entry.id).and_then(|k| match k {
        ArchiveKey::Statement(id) => Some(id),
        _ => None,
    });
    let (subject, body) = {
        let args: [(&str, &dyn std::fmt::Display); 4] = [
            ("franchisee", &f.legal_name),
            ("date", &t.day(as_of)),
            ("balance", &t.money(soa.balance.balance)),
            ("hq", &hq),
        ];
        (
            t.msg_with(key!("col-statement-mail-subject"), &args),
            t.msg_with(key!("col-statement-mail-body"), &args),
        )
    };
    let name = format!("{}-{}.pdf", t.msg(key!("col-statement-file")), as_of);
    let message = (|| -> Result<lettre::Message, String> {
        let pdf_type = ContentType::parse("application/pdf").map_err(|e| e.to_string())?;
        lettre::Message::builder()
            .from(config.from.parse::<Mailbox>().map_err(|e| e.to_string())?)
            .to(to
                .parse::<Mailbox>()
                .map_err(|e| format!("recipient {to:?}: {e}"))?)
            .subject(subject)
            .multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(body))
                    .singlepart(Attachment::new(name).body(pdf, pdf_type)),
            )
            .map_err(|e| e.to_string())
    })();
    let result = match message {
        Ok(m) => smtp_send(config, m).await,
        Err(e) => Err(e),
    };
    let rec = storage
        .collections()
        .record_statement_email(&crate::storage::collections::StatementEmail {
            id: 0,
            franchisee_id: franchisee,
            as_of,
            recipient: to.clone(),
            language: lang.code().to_string(),
            balance: soa.balance.balance,
            sent_by: by.to_string(),
            created_at: now,
            sent_at: result.is_ok().then_some(now),
            error: result.as_ref().err().cloned(),
            statement_id,
        })
        .await?;
    match result {
        Ok(()) => Ok(rec),
        Err(e) => {
            tracing::warn!(franchisee = franchisee.0, error = %e, "statement e-mail not sent");
            Err(StorageError::Invalid(
                Problem::new("statement_email_failed")
                    .with("to", to)
                    .with("detail", e),
            ))
        }
    }
}

// --- dunning ----------------------------------------------------------------------------------

/// Letters not sent after this many attempts are given up (shown on the page).
pub const LETTER_MAX_ATTEMPTS: u64 = 10;

/// Checks HQ's levels: 1 to 10 of them, days after due increasing, every text filled in.
pub fn check_levels(levels: &[DunningLevel]) -> Result<Vec<DunningLevel>, Problem> {
    if levels.is_empty() || levels.len() > 10 {
        return Err(Problem::new("dunning_levels_count"));
    }
    let mut out = Vec::new();
    let mut previous: Option<u32> = None;
    for (i, l) in levels.iter().enumerate() {
        if previous.is_some_and(|p| l.days_after_due <= p) || l.days_after_due > 3650 {
            return Err(Problem::new("dunning_days_not_increasing").with("level", i + 1));
        }
        previous = Some(l.days_after_due);
        let texts = [&l.subject_es, &l.body_es, &l.subject_en, &l.body_en];
        if texts
            .iter()
            .any(|t| t.trim().is_empty() || t.chars().count() > 5000)
        {
            return Err(Problem::new("dunning_text_missing").with("level", i + 1));
        }
        out.push(DunningLevel {
            level: u32::try_from(i + 1).unwrap_or(u32::MAX),
            days_after_due: l.days_after_due,
            subject_es: l.subject_es.trim().into(),
            body_es: l.body_es.trim().into(),
            subject_en: l.subject_en.trim().into(),
            body_en: l.body_en.trim().into(),
        });
    }
    Ok(out)
}

pub async fn set_levels(
    storage: &dyn Storage,
    levels: &[DunningLevel],
    now: DateTime<Utc>,
) -> StorageResult<Vec<DunningLevel>> {
    let levels = check_levels(levels).map_err(StorageError::Invalid)?;
    storage.dunning().set_levels(&levels, now).await?;
    Ok(levels)
}

/// The subject and text of a letter in the franchisee's language, placeholders filled in.
pub fn write_letter(f: &LetterFacts) -> (String, String) {
    let en = f.language == "en";
    let lang = if en {
        crate::i18n::Lang::En
    } else {
        crate::i18n::Lang::Es
    };
    let t = Tr::get(lang);
    let (subject, body) = if en {
        (&f.level.subject_en, &f.level.body_en)
    } else {
        (&f.level.subject_es, &f.level.body_es)
    };
    let fill = |s: &str| {
        s.replace("{invoice}", &f.invoice.full_number)
            .replace("{amount}", &t.money(f.invoice.open))
            .replace("{due}", &t.day(f.invoice.due_date))
            .replace("{franchisee}", &f.franchisee_name)
    };
    (fill(subject), fill(body))
}

/// What a dunning round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DunningRound {
    pub written: u64,
    pub sent: u64,
    pub failed: u64,
}

async fn send_letter(
    storage: &dyn Storage,
    config: &crate::services::mail::MailConfig,
    l: &crate::storage::collections::DunningLetter,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), String> {
    use lettre::message::header::ContentType;
    use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let lang = if l.language == "en" {
        crate::i18n::Lang::En
    } else {
        crate::i18n::Lang::Es
    };
    let t = Tr::get(lang);
    // The statement the letter carries: made and archived at its first attempt, the same archived
    // bytes at every retry.
    let (pdf, as_of) = match l.statement_id {
        Some(id) => {
            let (e, bytes) = storage
                .archive()
                .archive_get(&ArchiveKey::Statement(id))
                .await
                .map_err(|e| e.to_string())?;
            (bytes, e.date)
        }
        None => {
            let issued = archive_statement(
                storage,
                l.franchisee_id,
                today,
                lang,
                "dunning",
                "dunning",
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            let id = match ArchiveKey::parse(&issued.entry.id) {
                Some(ArchiveKey::Statement(id)) => id,
                _ => return Err(format!("archive key {} of a statement", issued.entry.id)),
            };
            let kept = storage
                .dunning()
                .set_letter_statement(l.id, id)
                .await
                .map_err(|e| e.to_string())?;
            if kept == id {
                (issued.pdf, today)
            } else {
                // Another instance attached one first: send that one.
                let (e, bytes) = storage
                    .archive()
                    .archive_get(&ArchiveKey::Statement(kept))
                    .await
                    .map_err(|e| e.to_string())?;
                (bytes, e.date)
            }
        }
    };
    let pdf_type = ContentType::parse("application/pdf").map_err(|e| e.to_string())?;
    let name = format!("{}-{}.pdf", t.msg(key!("col-statement-file")), as_of);
    let m = Message::builder()
        .from(config.from.parse::<Mailbox>().map_err(|e| e.to_string())?)
        .to(l
            .recipient
            .parse::<Mailbox>()
            .map_err(|e| format!("recipient {:?}: {e}", l.recipient))?)
        .subject(l.subject.clone())
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(l.body.clone()))
                .singlepart(Attachment::new(name).body(pdf, pdf_type)),
        )
        .map_err(|e| e.to_string())?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.url)
        .map_err(|e| format!("SMTP URL: {e}"))?
        .timeout(Some(std::time::Duration::from_secs(30)))
        .build();
    transport
        .send(m)
        .await
        .map(drop)
        .map_err(|e| format!("SMTP: {e}"))
}

/// The daily dunning job's unit of work: writes the letters due on `today` (once per invoice and
/// level, ever) and e-mails every letter not sent yet, each attempt logged on the letter.
pub async fn run_dunning(
    storage: &dyn Storage,
    config: Option<&crate::services::mail::MailConfig>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> StorageResult<DunningRound> {
    let written = storage
        .dunning()
        .claim_letters(today, now, Arc::new(write_letter))
        .await?;
    let mut round = DunningRound {
        written: written.len() as u64,
        ..Default::default()
    };
    let Some(config) = config else {
        return Ok(round);
    };
    for l in storage
        .dunning()
        .unsent_letters(LETTER_MAX_ATTEMPTS)
        .await?
    {
        let r = send_letter(storage, config, &l, today, now).await;
        if r.is_ok() {
            round.sent += 1;
        } else {
            round.failed += 1;
        }
        storage.dunning().record_letter(l.id, r, now).await?;
    }
    Ok(round)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A remittance written at 00:30 in Madrid (23:30 UTC the day before) for a mandate signed
    /// that Madrid day: the file is created on Madrid's day, so the signature is not "after" it.
    #[test]
    fn a_remittance_after_midnight_in_madrid_is_created_on_madrid_s_day() {
        let now: DateTime<Utc> = "2026-12-05T23:30:00Z".parse().unwrap();
        let today = crate::storage::sql::business_day(now);
        assert_eq!(today.to_string(), "2026-12-06");
        let facts = RemittanceFacts {
            message_id: "REM-2026-000001".into(),
            collection_date: today + Duration::days(14),
            now,
            creditor: crate::storage::invoicing::IssuerIn {
                legal_name: "Trastienda Central, S.L.".into(),
                nif: "B96873427".into(),
                address: serde_json::from_value(serde_json::json!({"street": "Calle Mayor 1",
                    "postal_code": "28013", "city": "Madrid", "province": "Madrid",
                    "country": "ES"}))
                .unwrap(),
                iban: "ES9121000418450200051332".into(),
                bic: None,
                creditor_id: Some("ES48000B96873427".into()),
            },
            debits: vec![crate::storage::collections::DebitFacts {
                invoice_id: 1,
                full_number: "FQ-2026-000001".into(),
                amount: Money::from_cents(12100),
                end_to_end_id: "FQ-2026-000001".into(),
                first: true,
                mandate: Mandate {
                    id: 1,
                    franchisee_id: FranchiseeId(1),
                    reference: "TRS-000001".into(),
                    debtor_name: "Cafés del Norte, S.L.".into(),
                    debtor_iban: "ES7921000813610123456789".into(),
                    debtor_bic: None,
                    scheme: "CORE".into(),
                    signed_on: today,
                    first_used_on: None,
                    last_used_on: None,
                    revoked_on: None,
                    revoked_reason: None,
                },
            }],
        };
        let w = write_remittance(&facts).unwrap_or_else(|p| panic!("{p:?}"));
        assert!(
            w.xml.contains("<CreDtTm>2026-12-06T00:30:00</CreDtTm>"),
            "{}",
            w.xml
        );
    }

    fn rec(id: i64, due: u32, open: i64) -> Receivable {
        Receivable {
            invoice_id: id,
            franchisee_id: FranchiseeId(1),
            kind: "invoice".into(),
            full_number: format!("FQ-2026-{id:06}"),
            issue_date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            due_date: NaiveDate::from_ymd_opt(2026, 2, due).unwrap(),
            total: Money::from_cents(open),
            open: Money::from_cents(open),
            cancelled: false,
            disputed: false,
        }
    }

    #[test]
    fn oldest_due_first_and_the_rest_is_credit() {
        let recs = [rec(2, 10, 10000), rec(1, 20, 5000), rec(3, 1, 3000)];
        assert_eq!(
            allocate(&recs, FranchiseeId(1), Money::from_cents(15000), None).unwrap(),
            vec![
                (3, Money::from_cents(3000)),
                (2, Money::from_cents(10000)),
                (1, Money::from_cents(2000))
            ]
        );
        let all = allocate(&recs, FranchiseeId(1), Money::from_cents(50000), None).unwrap();
        assert_eq!(
            all.iter().map(|a| a.1).sum::<Money>(),
            Money::from_cents(18000)
        );
    }

    #[test]
    fn chosen_allocations_are_checked() {
        let mut recs = vec![rec(1, 10, 10000), rec(2, 11, 5000)];
        recs[1].cancelled = true;
        let a = |id, c| AllocationIn {
            invoice_id: id,
            amount: Money::from_cents(c),
        };
        let code = |r: Result<_, Problem>| r.unwrap_err().code.to_string();
        let f = FranchiseeId(1);
        let m = Money::from_cents(10000);
        assert_eq!(
            code(allocate(&recs, f, m, Some(&[a(1, 10001)]))),
            "allocation_exceeds_open"
        );
        assert_eq!(
            code(allocate(&recs, f, m, Some(&[a(1, 6000), a(1, 5000)]))),
            "allocation_exceeds_open"
        );
        assert_eq!(
            code(allocate(&recs, f, m, Some(&[a(2, 1000)]))),
            "invoice_cancelled"
        );
        assert_eq!(
            code(allocate(&recs, f, m, Some(&[a(9, 1000)]))),
            "allocation_invoice_not_found"
        );
        assert_eq!(
            code(allocate(&recs, FranchiseeId(2), m, Some(&[a(1, 1000)]))),
            "allocation_other_franchisee"
        );
        assert_eq!(
            code(allocate(
                &recs,
                f,
                Money::from_cents(5000),
                Some(&[a(1, 6000)])
            )),
            "allocation_exceeds_payment"
        );
        assert_eq!(
            code(allocate(&recs, f, Money::ZERO, None)),
            "payment_amount_not_positive"
        );
        assert_eq!(
            allocate(&recs, f, m, Some(&[a(1, 4000)])).unwrap(),
            vec![(1, Money::from_cents(4000))]
        );
    }
}
