//! [`CustomerStorage`] over [`Tx`], written once for both backends.

use super::customers::{Customer, CustomerStorage, MailAttachment, MailJob};
use super::db::{Row, Tx};
use super::people::AuditEntry;
use super::sql::{self, ChangeRow};
use super::sql_storage::{SqlStorage, write_changes, write_changes_from_till};
use super::{StorageError, StorageResult, TillAuth};
use crate::p;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sync_protocol::{
    CatalogChange, CustomerRecord, DocumentId, FranchiseeId, MailRequest, ReportKind, ReportMail,
    StoreId, TillId,
};
use uuid::Uuid;

const COLUMNS: &str = "id, franchisee_id, name, nif, address, email, email_consent, created_by, \
     created_at, updated_at, erased_at, erased_by";
const MAIL_COLUMNS: &str = "id, till_id, store_id, document_id, recipient, customer_id, \
     created_at, sent_at, attempts, last_error, report_kind";

fn uuid_of(s: &str) -> StorageResult<Uuid> {
    Uuid::parse_str(s).map_err(|e| StorageError::Backend(format!("a stored id is not a UUID: {e}")))
}

fn customer(r: &Row) -> StorageResult<Customer> {
    Ok(Customer {
        record: CustomerRecord {
            id: uuid_of(&r.get::<String>(0)?)?,
            name: r.get(2)?,
            nif: r.get(3)?,
            address: r.get(4)?,
            email: r.get(5)?,
            email_consent: r.get(6)?,
        },
        franchisee_id: FranchiseeId(r.get(1)?),
        created_by: r.get(7)?,
        created_at: sql::from_micros(r.get(8)?),
        updated_at: sql::from_micros(r.get(9)?),
        erased_at: r.get::<Option<i64>>(10)?.map(sql::from_micros),
        erased_by: r.get(11)?,
    })
}

fn mail_job(r: &Row) -> StorageResult<MailJob> {
    Ok(MailJob {
        id: uuid_of(&r.get::<String>(0)?)?,
        till_id: TillId(r.get(1)?),
        store_id: StoreId(r.get(2)?),
        document_id: r
            .get::<Option<String>>(3)?
            .map(|s| uuid_of(&s).map(DocumentId))
            .transpose()?,
        report: match r.get::<Option<String>>(10)? {
            None => None,
            Some(k) => Some(ReportKind::parse(&k).ok_or_else(|| {
                StorageError::Backend(format!("a stored report kind is not x or z: {k:?}"))
            })?),
        },
        recipient: r.get(4)?,
        customer_id: r
            .get::<Option<String>>(5)?
            .map(|s| uuid_of(&s))
            .transpose()?,
        created_at: sql::from_micros(r.get(6)?),
        sent_at: r.get::<Option<i64>>(7)?.map(sql::from_micros),
        attempts: sql::to_u64(r.get(8)?),
        last_error: r.get(9)?,
    })
}

use super::customers::not_found as customer_not_found;

/// What the directory's search looks in: name, NIF and e-mail in lower case.
fn search_text(c: &CustomerRecord) -> String {
    format!("{} {} {}", c.name, c.nif, c.email).to_lowercase()
}

async fn load(tx: &mut dyn Tx, id: Uuid) -> StorageResult<Option<Customer>> {
    tx.query_opt(
        &format!("SELECT {COLUMNS} FROM customers WHERE id = ?1"),
        p![&id.to_string()],
    )
    .await?
    .map(|r| customer(&r))
    .transpose()
}

/// The franchisee's customers (not erased) as change rows for `store`, a store just created (its
/// tills then receive the whole directory, like its older stores' did customer by customer).
pub(crate) async fn send_directory_to_store(
    tx: &mut dyn Tx,
    store: &super::Store,
) -> StorageResult<()> {
    let rows = tx
        .query(
            &format!(
                "SELECT {COLUMNS} FROM customers WHERE franchisee_id = ?1 AND erased_at IS NULL ORDER BY id"
            ),
            p![store.franchisee_id.0],
        )
        .await?;
    let mut changes = Vec::with_capacity(rows.len());
    for r in &rows {
        let c = customer(r)?;
        changes.push(ChangeRow::for_store(
            store.id.0,
            &CatalogChange::Customer(c.record),
        )?);
    }
    write_changes_from_till(tx, changes).await
}

/// One change row per store of the franchisee: each till receives its franchisee's customers only.
async fn rows_for_franchisee(
    tx: &mut dyn Tx,
    franchisee: FranchiseeId,
    change: &CatalogChange,
) -> StorageResult<Vec<ChangeRow>> {
    let stores: Vec<i64> = tx
        .query_map(
            "SELECT id FROM stores WHERE franchisee_id = ?1 ORDER BY id",
            p![franchisee.0],
            |r| r.get(0),
        )
        .await?;
    stores
        .into_iter()
        .map(|s| ChangeRow::for_store(s, change))
        .collect()
}

async fn insert(
    tx: &mut dyn Tx,
    franchisee: FranchiseeId,
    c: &CustomerRecord,
    by: &str,
    at: i64,
) -> StorageResult<bool> {
    let n = tx
        .execute(
            "INSERT INTO customers (id, franchisee_id, name, nif, address, email, email_consent, search,
               created_by, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10) ON CONFLICT (id) DO NOTHING",
            p![
                &c.id.to_string(),
                franchisee.0,
                &c.name,
                &c.nif,
                &c.address,
                &c.email,
                c.email_consent,
                &search_text(c),
                by,
                at
            ],
        )
        .await?;
    Ok(n > 0)
}

#[async_trait]
impl CustomerStorage for SqlStorage {
    async fn list_customers(
        &self,
        franchisees: Option<Vec<FranchiseeId>>,
        search: &str,
        limit: u32,
    ) -> StorageResult<Vec<Customer>> {
        let pattern = format!(
            "%{}%",
            search
                .trim()
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let limit = i64::from(limit.clamp(1, 1000));
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let mut q = format!(
                        "SELECT {COLUMNS} FROM customers WHERE erased_at IS NULL AND search LIKE ?1 ESCAPE '\\'"
                    );
                    if let Some(f) = &franchisees {
                        if f.is_empty() {
                            return Ok(Vec::new());
                        }
                        let list: Vec<String> = f.iter().map(|x| x.0.to_string()).collect();
                        q.push_str(&format!(" AND franchisee_id IN ({})", list.join(", ")));
                    }
                    q.push_str(" ORDER BY name, id LIMIT ?2");
                    let rows = tx.query(&q, p![&pattern, limit]).await?;
                    rows.iter().map(customer).collect()
                })
            })
            .await
    }

    async fn get_customer(&self, id: Uuid) -> StorageResult<Customer> {
        self.db
            .read(move |tx| {
                Box::pin(async move { load(tx, id).await?.ok_or_else(|| customer_not_found(id)) })
            })
            .await
    }

    async fn save_customer(
        &self,
        franchisee: FranchiseeId,
        record: &CustomerRecord,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Customer> {
        let (c, by) = (record.clone(), by.to_string());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if !tx
                        .exists("SELECT 1 FROM franchisees WHERE id = ?1", p![franchisee.0])
                        .await?
                    {
                        return Err(sql::franchisee_not_found(franchisee.0));
                    }
                    let at = sql::micros(now);
                    match load(tx, c.id).await? {
                        Some(old) if old.franchisee_id != franchisee || old.erased_at.is_some() => {
                            return Err(customer_not_found(c.id));
                        }
                        Some(_) => {
                            tx.execute(
                                "UPDATE customers SET name = ?2, nif = ?3, address = ?4, email = ?5,
                                   email_consent = ?6, search = ?7, updated_at = ?8 WHERE id = ?1",
                                p![
                                    &c.id.to_string(),
                                    &c.name,
                                    &c.nif,
                                    &c.address,
                                    &c.email,
                                    c.email_consent,
                                    &search_text(&c),
                                    at
                                ],
                            )
                            .await?;
                        }
                        None => {
                            insert(tx, franchisee, &c, &by, at).await?;
                        }
                    }
                    let rows =
                        rows_for_franchisee(tx, franchisee, &CatalogChange::Customer(c.clone()))
                            .await?;
                    write_changes(tx, rows).await?;
                    load(tx, c.id)
                        .await?
                        .ok_or_else(|| StorageError::Backend("customer vanished".into()))
                })
            })
            .await
    }

    async fn erase_customer(
        &self,
        id: Uuid,
        actor: &AuditEntry,
        now: DateTime<Utc>,
    ) -> StorageResult<Customer> {
        let actor = actor.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let old = load(tx, id).await?.ok_or_else(|| customer_not_found(id))?;
                    if old.erased_at.is_some() {
                        return Err(customer_not_found(id));
                    }
                    let at = sql::micros(now);
                    let sid = id.to_string();
                    tx.execute(
                        "UPDATE customers SET name = '', nif = '', address = '', email = '',
                           email_consent = ?2, search = '', updated_at = ?3, erased_at = ?3,
                           erased_by = ?4 WHERE id = ?1",
                        p![&sid, false, at, &actor.actor],
                    )
                    .await?;
                    // E-mail not sent yet is not sent; what was sent keeps no address.
                    tx.execute(
                        "DELETE FROM mail_requests WHERE customer_id = ?1 AND sent_at IS NULL",
                        p![&sid],
                    )
                    .await?;
                    tx.execute(
                        "UPDATE mail_requests SET recipient = '' WHERE customer_id = ?1",
                        p![&sid],
                    )
                    .await?;
                    let rows = rows_for_franchisee(
                        tx,
                        old.franchisee_id,
                        &CatalogChange::CustomerErased { id },
                    )
                    .await?;
                    // Erasure is the law's, not HQ's choice: never held back by the tills' versions.
                    write_changes_from_till(tx, rows).await?;
                    super::people_sql::write_audit(
                        tx,
                        &actor.with(
                            "customer.erase",
                            format!("customer {id}"),
                            format!("erased on request (franchisee {})", old.franchisee_id.0),
                        ),
                    )
                    .await?;
                    load(tx, id)
                        .await?
                        .ok_or_else(|| StorageError::Backend("customer vanished".into()))
                })
            })
            .await
    }

    async fn accept_from_till(
        &self,
        till: &TillAuth,
        customers: &[CustomerRecord],
        mails: &[MailRequest],
        now: DateTime<Utc>,
    ) -> StorageResult<Vec<Uuid>> {
        let (till, customers, mails) = (till.clone(), customers.to_vec(), mails.to_vec());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let at = sql::micros(now);
                    let by = format!("till:{}", till.till_id.0);
                    let mut accepted = Vec::new();
                    let mut rows = Vec::new();
                    for c in &customers {
                        if insert(tx, till.franchisee_id, c, &by, at).await? {
                            rows.extend(
                                rows_for_franchisee(
                                    tx,
                                    till.franchisee_id,
                                    &CatalogChange::Customer(c.clone()),
                                )
                                .await?,
                            );
                        }
                        accepted.push(c.id);
                    }
                    write_changes_from_till(tx, rows).await?;
                    for m in &mails {
                        // An e-mail to a customer erased meanwhile (the till was offline) is kept
                        // without an address: never sent.
                        let erased = match m.customer_id {
                            Some(c) => {
                                tx.exists(
                                    "SELECT 1 FROM customers WHERE id = ?1 AND erased_at IS NOT NULL",
                                    p![&c.to_string()],
                                )
                                .await?
                            }
                            None => false,
                        };
                        let to = if erased { "" } else { m.to.trim() };
                        tx.execute(
                            "INSERT INTO mail_requests (id, till_id, store_id, document_id, recipient,
                               customer_id, created_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
                            p![
                                &m.id.to_string(),
                                till.till_id.0,
                                till.store_id.0,
                                &m.document_id.to_string(),
                                to,
                                m.customer_id.map(|c| c.to_string()).as_ref(),
                                at
                            ],
                        )
                        .await?;
                        accepted.push(m.id);
                    }
                    Ok(accepted)
                })
            })
            .await
    }

    async fn accept_report_mails(
        &self,
        till: &TillAuth,
        mails: &[ReportMail],
        now: DateTime<Utc>,
    ) -> StorageResult<Vec<Uuid>> {
        let (till, mails) = (till.clone(), mails.to_vec());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let at = sql::micros(now);
                    let mut accepted = Vec::with_capacity(mails.len());
                    for m in &mails {
                        let id = m.id.to_string();
                        // Stored once by the till's id: a retried push neither stores nor sends
                        // it again.
                        let stored = tx
                            .execute(
                                "INSERT INTO mail_requests (id, till_id, store_id, recipient,
                                   created_at, report_kind)
                                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
                                p![
                                    &id,
                                    till.till_id.0,
                                    till.store_id.0,
                                    m.to.trim(),
                                    at,
                                    m.kind.as_str()
                                ],
                            )
                            .await?;
                        if stored == 1 {
                            tx.execute(
                                "INSERT INTO mail_attachments (mail_id, subject, file_name, content)
                                 VALUES (?1, ?2, ?3, ?4)",
                                p![&id, m.subject.trim(), &m.file_name, m.pdf.as_slice()],
                            )
                            .await?;
                        }
                        accepted.push(m.id);
                    }
                    Ok(accepted)
                })
            })
            .await
    }

    async fn mail_attachment(&self, id: Uuid) -> StorageResult<Option<MailAttachment>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_opt(
                        "SELECT subject, file_name, content FROM mail_attachments WHERE mail_id = ?1",
                        p![&id.to_string()],
                    )
                    .await?
                    .map(|r| {
                        Ok(MailAttachment {
                            subject: r.get(0)?,
                            file_name: r.get(1)?,
                            content: r.get(2)?,
                        })
                    })
                    .transpose()
                })
            })
            .await
    }

    async fn queue_mail(&self, job: &MailJob) -> StorageResult<()> {
        let j = job.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "INSERT INTO mail_requests (id, till_id, store_id, document_id, recipient,
                           customer_id, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
                        p![
                            &j.id.to_string(),
                            j.till_id.0,
                            j.store_id.0,
                            j.document_id.map(|d| d.to_string()).as_ref(),
                            &j.recipient,
                            j.customer_id.map(|c| c.to_string()).as_ref(),
                            sql::micros(j.created_at)
                        ],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn mail_to_send(&self, max_attempts: u64, limit: u32) -> StorageResult<Vec<MailJob>> {
        let max = i64::try_from(max_attempts).unwrap_or(i64::MAX);
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let rows = tx
                        .query(
                            &format!(
                                "SELECT {MAIL_COLUMNS} FROM mail_requests
                                 WHERE sent_at IS NULL AND attempts < ?1 AND recipient <> ''
                                 ORDER BY created_at, id LIMIT ?2"
                            ),
                            p![max, i64::from(limit)],
                        )
                        .await?;
                    rows.iter().map(mail_job).collect()
                })
            })
            .await
    }

    async fn recent_mail(
        &self,
        stores: Option<Vec<StoreId>>,
        limit: u32,
    ) -> StorageResult<Vec<MailJob>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let mut q = format!("SELECT {MAIL_COLUMNS} FROM mail_requests");
                    if let Some(s) = &stores {
                        if s.is_empty() {
                            return Ok(Vec::new());
                        }
                        let list: Vec<String> = s.iter().map(|x| x.0.to_string()).collect();
                        q.push_str(&format!(" WHERE store_id IN ({})", list.join(", ")));
                    }
                    q.push_str(" ORDER BY created_at DESC, id LIMIT ?1");
                    let rows = tx.query(&q, p![i64::from(limit)]).await?;
                    rows.iter().map(mail_job).collect()
                })
            })
            .await
    }

    async fn claim_mail(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StorageResult<bool> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let n = tx
                        .execute(
                            "UPDATE mail_requests SET claimed_until = ?3
                             WHERE id = ?1 AND sent_at IS NULL
                               AND (claimed_until IS NULL OR claimed_until < ?2)",
                            p![&id.to_string(), sql::micros(now), sql::micros(until)],
                        )
                        .await?;
                    Ok(n == 1)
                })
            })
            .await
    }

    async fn stored_document(
        &self,
        id: DocumentId,
    ) -> StorageResult<Option<sync_protocol::Document>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let json: Option<String> = tx
                        .scalar_opt(
                            "SELECT json FROM documents WHERE id = ?1",
                            p![&id.to_string()],
                        )
                        .await?;
                    json.map(|j| {
                        serde_json::from_str(&j).map_err(|e| {
                            StorageError::Backend(format!("stored document {}: {e}", id.0))
                        })
                    })
                    .transpose()
                })
            })
            .await
    }

    async fn record_mail_attempt(
        &self,
        id: Uuid,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> StorageResult<()> {
        let error = error.map(str::to_string);
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let sid = id.to_string();
                    match &error {
                        None => {
                            tx.execute(
                                "UPDATE mail_requests SET sent_at = ?2, attempts = attempts + 1,
                                   last_error = NULL, claimed_until = NULL WHERE id = ?1 AND sent_at IS NULL",
                                p![&sid, sql::micros(now)],
                            )
                            .await?
                        }
                        Some(e) => {
                            tx.execute(
                                "UPDATE mail_requests SET attempts = attempts + 1, last_error = ?2,
                                   claimed_until = NULL WHERE id = ?1 AND sent_at IS NULL",
                                p![&sid, e],
                            )
                            .await?
                        }
                    };
                    Ok(())
                })
            })
            .await
    }
}
