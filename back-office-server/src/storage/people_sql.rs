//! People and access on either backend (see `people.rs`): every change writes its audit line in
//! the same transaction, and staff and product changes their change-log rows for the tills.

use super::dashboard::{DashboardRole, NewDashboardUser};
use super::db::{Row, Tx};
use super::people::{
    AdminToken, AuditEntry, AuditFilter, AuditRecord, PeopleStorage, ProductEdit, ProductExtra,
    StaffEdit, UserEdit, UserInfo,
};
use super::sql_storage::{
    SqlStorage, barcode_owner, create_product_tx, exists, load_product, load_staff,
    product_barcodes, staff_change_of, write_change, write_changes,
};
use super::{NewProduct, NewStaff, Product, Staff, StorageError, StorageResult, sql};
use crate::p;
use crate::problem::Problem;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sync_protocol::{FranchiseeId, Money, ProductId, StaffId, StoreId};

/// Held while a change could leave the franchise without an active admin, so two admins
/// disabling each other at once cannot both succeed.
const ADMINS_LOCK: i64 = 0x5452_4153_0023;

/// Writes one audit line (inside the change's transaction).
pub(crate) async fn write_audit(tx: &mut dyn Tx, a: &AuditEntry) -> StorageResult<()> {
    tx.execute(
        "INSERT INTO audit_log (at, actor_id, actor, kind, target, summary) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        p![
            sql::micros(Utc::now()),
            a.actor_id,
            &a.actor,
            &a.kind,
            &a.target,
            &a.summary
        ],
    )
    .await?;
    Ok(())
}

fn user_not_found(id: i64) -> StorageError {
    StorageError::NotFound(Problem::new("user_not_found").with("id", id))
}

fn last_admin() -> StorageError {
    StorageError::Conflict(Problem::new("last_admin"))
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.disabled_at, u.created_at, \
     (SELECT CAST(COUNT(*) AS BIGINT) FROM dashboard_sessions s WHERE s.user_id = u.id AND s.expires_at > ?1), \
     u.franchisee_id";

async fn user_info(tx: &mut dyn Tx, r: &Row) -> StorageResult<UserInfo> {
    let id: i64 = r.get(0)?;
    let role: String = r.get(3)?;
    let role = DashboardRole::parse(&role)
        .ok_or_else(|| StorageError::Backend(format!("unknown dashboard role {role:?}")))?;
    let stores = tx
        .query_map(
            "SELECT store_id FROM dashboard_user_stores WHERE user_id = ?1 ORDER BY store_id",
            p![id],
            |r| Ok(StoreId(r.get(0)?)),
        )
        .await?;
    Ok(UserInfo {
        id,
        username: r.get(1)?,
        display_name: r.get(2)?,
        role,
        stores,
        disabled: r.get::<Option<i64>>(4)?.is_some(),
        created_at: sql::from_micros(r.get(5)?),
        sessions: sql::to_u64(r.get(6)?),
        franchisee: r.get::<Option<i64>>(7)?.map(FranchiseeId),
    })
}

async fn load_user(tx: &mut dyn Tx, id: i64, now: DateTime<Utc>) -> StorageResult<UserInfo> {
    let r = tx
        .query_opt(
            &format!("SELECT {USER_COLUMNS} FROM dashboard_users u WHERE u.id = ?2"),
            p![sql::micros(now), id],
        )
        .await?
        .ok_or_else(|| user_not_found(id))?;
    user_info(tx, &r).await
}

/// Active admins other than `id`.
async fn other_active_admins(tx: &mut dyn Tx, id: i64) -> StorageResult<i64> {
    tx.lock(ADMINS_LOCK).await?;
    tx.scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM dashboard_users WHERE role = 'admin' AND disabled_at IS NULL AND id <> ?1",
        p![id],
    )
    .await
}

fn stores_text(stores: &[StoreId]) -> String {
    if stores.is_empty() {
        "-".into()
    } else {
        stores
            .iter()
            .map(|s| s.0.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A franchisee user's franchisee must exist.
async fn check_franchisee(tx: &mut dyn Tx, f: Option<FranchiseeId>) -> StorageResult<()> {
    if let Some(f) = f
        && !tx
            .exists("SELECT 1 FROM franchisees WHERE id = ?1", p![f.0])
            .await?
    {
        return Err(sql::franchisee_not_found(f.0));
    }
    Ok(())
}

async fn set_user_stores(tx: &mut dyn Tx, id: i64, stores: &[StoreId]) -> StorageResult<()> {
    tx.execute(
        "DELETE FROM dashboard_user_stores WHERE user_id = ?1",
        p![id],
    )
    .await?;
    for s in stores {
        if !exists(tx, "SELECT 1 FROM stores WHERE id = ?1", s.0).await? {
            return Err(sql::store_not_found(s.0));
        }
        tx.execute(
            "INSERT INTO dashboard_user_stores (user_id, store_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            p![id, s.0],
        )
        .await?;
    }
    Ok(())
}

fn token_of(r: &Row) -> StorageResult<AdminToken> {
    Ok(AdminToken {
        id: r.get(0)?,
        name: r.get(1)?,
        created_at: sql::from_micros(r.get(2)?),
        last_used_at: sql::opt_from_micros(r.get(3)?),
        revoked_at: sql::opt_from_micros(r.get(4)?),
    })
}

fn audit_of(r: &Row) -> StorageResult<AuditRecord> {
    Ok(AuditRecord {
        id: r.get(0)?,
        at: sql::from_micros(r.get(1)?),
        actor_id: r.get(2)?,
        actor: r.get(3)?,
        kind: r.get(4)?,
        target: r.get(5)?,
        summary: r.get(6)?,
    })
}

async fn save_extra(tx: &mut dyn Tx, id: i64, x: &ProductExtra) -> StorageResult<()> {
    tx.execute(
        "UPDATE products SET category = ?1, weighed = ?2 WHERE id = ?3",
        p![&x.category, x.weighed, id],
    )
    .await?;
    if let Some(cost) = x.cost_e4 {
        tx.execute(
            "INSERT INTO product_stock_settings (product_id, cost_e4, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (product_id) DO UPDATE SET cost_e4 = excluded.cost_e4, updated_at = excluded.updated_at",
            p![id, cost, sql::micros(Utc::now())],
        )
        .await?;
    }
    Ok(())
}

async fn load_extra(tx: &mut dyn Tx, id: i64) -> StorageResult<ProductExtra> {
    let r = tx
        .query_opt(
            "SELECT p.category, p.weighed, ps.cost_e4 FROM products p
             LEFT JOIN product_stock_settings ps ON ps.product_id = p.id WHERE p.id = ?1",
            p![id],
        )
        .await?
        .ok_or_else(|| sql::product_not_found(id))?;
    Ok(ProductExtra {
        category: r.get(0)?,
        weighed: r.get(1)?,
        cost_e4: r.get(2)?,
    })
}

#[async_trait]
impl PeopleStorage for SqlStorage {
    async fn list_users(&self, now: DateTime<Utc>) -> StorageResult<Vec<UserInfo>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let rows = tx
                        .query(
                            &format!(
                                "SELECT {USER_COLUMNS} FROM dashboard_users u ORDER BY u.username"
                            ),
                            p![sql::micros(now)],
                        )
                        .await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        out.push(user_info(tx, r).await?);
                    }
                    Ok(out)
                })
            })
            .await
    }

    async fn get_user(&self, id: i64, now: DateTime<Utc>) -> StorageResult<UserInfo> {
        self.db
            .read(move |tx| Box::pin(async move { load_user(tx, id, now).await }))
            .await
    }

    async fn create_user(&self, u: &NewDashboardUser, a: &AuditEntry) -> StorageResult<i64> {
        let (u, a) = (u.clone(), a.clone());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if tx
                        .exists(
                            "SELECT 1 FROM dashboard_users WHERE username = ?1",
                            p![&u.username],
                        )
                        .await?
                    {
                        return Err(StorageError::Conflict(
                            Problem::new("user_name_taken").with("name", &u.username),
                        ));
                    }
                    check_franchisee(tx, u.franchisee).await?;
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO dashboard_users (username, display_name, password_hash, role, created_at, franchisee_id)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                            p![
                                &u.username,
                                &u.display_name,
                                &u.password_hash,
                                u.role.as_str(),
                                sql::micros(Utc::now()),
                                u.franchisee.map(|f| f.0)
                            ],
                        )
                        .await?;
                    set_user_stores(tx, id, &u.stores).await?;
                    write_audit(tx, &a).await?;
                    Ok(id)
                })
            })
            .await
    }

    async fn update_user(&self, id: i64, e: &UserEdit, a: &AuditEntry) -> StorageResult<()> {
        let (e, a) = (e.clone(), a.clone());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let old = load_user(tx, id, Utc::now()).await?;
                    if old.role == DashboardRole::Admin
                        && e.role != DashboardRole::Admin
                        && !old.disabled
                        && other_active_admins(tx, id).await? == 0
                    {
                        return Err(last_admin());
                    }
                    check_franchisee(tx, e.franchisee).await?;
                    tx.execute(
                        "UPDATE dashboard_users SET display_name = ?1, role = ?2, franchisee_id = ?3 WHERE id = ?4",
                        p![&e.display_name, e.role.as_str(), e.franchisee.map(|f| f.0), id],
                    )
                    .await?;
                    set_user_stores(tx, id, &e.stores).await?;
                    let mut changes = Vec::new();
                    if old.display_name != e.display_name {
                        changes.push(format!("name: {} → {}", old.display_name, e.display_name));
                    }
                    if old.role != e.role {
                        changes.push(format!("role: {} → {}", old.role.as_str(), e.role.as_str()));
                    }
                    if old.franchisee != e.franchisee {
                        let f = |f: Option<FranchiseeId>| f.map_or("-".into(), |f| f.0.to_string());
                        changes.push(format!(
                            "franchisee: {} → {}",
                            f(old.franchisee),
                            f(e.franchisee)
                        ));
                    }
                    if old.stores != e.stores {
                        changes.push(format!(
                            "stores: {} → {}",
                            stores_text(&old.stores),
                            stores_text(&e.stores)
                        ));
                    }
                    if changes.is_empty() {
                        changes.push("no change".into());
                    }
                    let mut a = a;
                    a.summary = changes.join("; ");
                    write_audit(tx, &a).await
                })
            })
            .await
    }

    async fn set_user_disabled(
        &self,
        id: i64,
        disabled: bool,
        now: DateTime<Utc>,
        a: &AuditEntry,
    ) -> StorageResult<()> {
        let a = a.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let old = load_user(tx, id, now).await?;
                    if disabled {
                        if old.role == DashboardRole::Admin
                            && other_active_admins(tx, id).await? == 0
                        {
                            return Err(last_admin());
                        }
                        tx.execute(
                            "UPDATE dashboard_users SET disabled_at = ?1 WHERE id = ?2 AND disabled_at IS NULL",
                            p![sql::micros(now), id],
                        )
                        .await?;
                        tx.execute("DELETE FROM dashboard_sessions WHERE user_id = ?1", p![id])
                            .await?;
                    } else {
                        tx.execute(
                            "UPDATE dashboard_users SET disabled_at = NULL WHERE id = ?1",
                            p![id],
                        )
                        .await?;
                    }
                    let word = |d: bool| if d { "disabled" } else { "active" };
                    let mut a = a;
                    a.summary = format!("{} → {}", word(old.disabled), word(disabled));
                    if disabled && old.sessions > 0 {
                        a.summary += &format!("; {} sessions ended", old.sessions);
                    }
                    write_audit(tx, &a).await
                })
            })
            .await
    }

    async fn set_password(
        &self,
        id: i64,
        password_hash: &str,
        must_change: bool,
        keep: Option<&str>,
        a: &AuditEntry,
    ) -> StorageResult<()> {
        let (hash, keep, a) = (
            password_hash.to_string(),
            keep.map(str::to_string),
            a.clone(),
        );
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let n = tx
                        .execute(
                            "UPDATE dashboard_users SET password_hash = ?1, must_change_password = ?3 WHERE id = ?2",
                            p![&hash, id, must_change],
                        )
                        .await?;
                    if n == 0 {
                        return Err(user_not_found(id));
                    }
                    tx.execute(
                        "DELETE FROM dashboard_sessions WHERE user_id = ?1 AND token_hash <> ?2",
                        p![id, keep.as_deref().unwrap_or("")],
                    )
                    .await?;
                    write_audit(tx, &a).await
                })
            })
            .await
    }

    async fn end_sessions(&self, id: i64, a: &AuditEntry) -> StorageResult<u64> {
        let a = a.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if !exists(tx, "SELECT 1 FROM dashboard_users WHERE id = ?1", id).await? {
                        return Err(user_not_found(id));
                    }
                    let n = tx
                        .execute("DELETE FROM dashboard_sessions WHERE user_id = ?1", p![id])
                        .await?;
                    let mut a = a;
                    a.summary = format!("{n} sessions ended");
                    write_audit(tx, &a).await?;
                    Ok(n)
                })
            })
            .await
    }

    async fn list_admin_tokens(&self) -> StorageResult<Vec<AdminToken>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT id, name, created_at, last_used_at, revoked_at FROM admins ORDER BY id",
                        p![],
                        token_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn create_admin_token(
        &self,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
        a: &AuditEntry,
    ) -> StorageResult<i64> {
        let (name, hash, a) = (name.to_string(), token_hash.to_string(), a.clone());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO admins (name, token_hash, created_at) VALUES (?1, ?2, ?3) RETURNING id",
                            p![&name, &hash, sql::micros(now)],
                        )
                        .await?;
                    let mut a = a;
                    a.target = format!("token {id} {name}");
                    write_audit(tx, &a).await?;
                    Ok(id)
                })
            })
            .await
    }

    async fn revoke_admin_token(
        &self,
        id: i64,
        now: DateTime<Utc>,
        a: &AuditEntry,
    ) -> StorageResult<()> {
        let a = a.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let name: String = tx
                        .scalar_opt("SELECT name FROM admins WHERE id = ?1", p![id])
                        .await?
                        .ok_or_else(|| {
                            StorageError::NotFound(Problem::new("token_not_found").with("id", id))
                        })?;
                    let n = tx
                        .execute(
                            "UPDATE admins SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                            p![sql::micros(now), id],
                        )
                        .await?;
                    if n > 0 {
                        let mut a = a;
                        a.target = format!("token {id} {name}");
                        a.summary = "active → revoked".into();
                        write_audit(tx, &a).await?;
                    }
                    Ok(())
                })
            })
            .await
    }

    async fn get_staff(&self, id: StaffId) -> StorageResult<Staff> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let r = tx
                        .query_opt(
                            "SELECT id, name, role, store_id, active FROM staff WHERE id = ?1",
                            p![id.0],
                        )
                        .await?
                        .ok_or_else(|| sql::staff_not_found(id.0))?;
                    Ok(Staff {
                        id: StaffId(r.get(0)?),
                        name: r.get(1)?,
                        role: sql::parse_role(&r.get::<String>(2)?)?,
                        store_id: StoreId(r.get(3)?),
                        active: r.get(4)?,
                    })
                })
            })
            .await
    }

    async fn create_staff(&self, s: &NewStaff, a: &AuditEntry) -> StorageResult<Staff> {
        let (s, a) = (s.clone(), a.clone());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if !exists(tx, "SELECT 1 FROM stores WHERE id = ?1", s.store_id.0).await? {
                        return Err(sql::store_not_found(s.store_id.0));
                    }
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO staff (name, role, store_id, pin_hash, active) VALUES (?1, ?2, ?3, ?4, TRUE) RETURNING id",
                            p![&s.name, sql::role_text(s.role), s.store_id.0, &s.pin_hash],
                        )
                        .await?;
                    let staff = Staff {
                        id: StaffId(id),
                        name: s.name,
                        role: s.role,
                        store_id: s.store_id,
                        active: true,
                    };
                    let mut a = a;
                    a.target = format!("staff {id} {}", staff.name);
                    write_audit(tx, &a).await?;
                    write_change(tx, staff_change_of(&staff, &s.pin_hash)?).await?;
                    Ok(staff)
                })
            })
            .await
    }

    async fn update_staff(
        &self,
        id: StaffId,
        e: &StaffEdit,
        a: &AuditEntry,
    ) -> StorageResult<Staff> {
        let (e, a) = (e.clone(), a.clone());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let (old, old_hash) = load_staff(tx, id.0).await?;
                    let mut new = old.clone();
                    if let Some(r) = e.role {
                        new.role = r;
                    }
                    if let Some(act) = e.active {
                        new.active = act;
                    }
                    let hash = e.pin_hash.clone().unwrap_or(old_hash);
                    tx.execute(
                        "UPDATE staff SET role = ?1, active = ?2, pin_hash = ?3 WHERE id = ?4",
                        p![sql::role_text(new.role), new.active, &hash, id.0],
                    )
                    .await?;
                    let mut changes = Vec::new();
                    if old.role != new.role {
                        changes.push(format!(
                            "role: {} → {}",
                            sql::role_text(old.role),
                            sql::role_text(new.role)
                        ));
                    }
                    if old.active != new.active {
                        let w = |b: bool| if b { "active" } else { "disabled" };
                        changes.push(format!("{} → {}", w(old.active), w(new.active)));
                    }
                    if e.pin_hash.is_some() {
                        changes.push("PIN changed".into());
                    }
                    if changes.is_empty() {
                        changes.push("no change".into());
                    }
                    let mut a = a;
                    a.target = format!("staff {} {}", id.0, new.name);
                    a.summary = changes.join("; ");
                    write_audit(tx, &a).await?;
                    write_change(tx, staff_change_of(&new, &hash)?).await?;
                    Ok(new)
                })
            })
            .await
    }

    async fn product_extra(&self, id: ProductId) -> StorageResult<ProductExtra> {
        self.db
            .read(move |tx| Box::pin(async move { load_extra(tx, id.0).await }))
            .await
    }

    async fn create_product(
        &self,
        p: &NewProduct,
        x: &ProductExtra,
        a: &AuditEntry,
    ) -> StorageResult<Product> {
        let (p, x, a) = (p.clone(), x.clone(), a.clone());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let (product, changes) = create_product_tx(tx, &p).await?;
                    save_extra(tx, product.id.0, &x).await?;
                    let mut a = a;
                    a.target = format!("product {} {}", product.id, product.sku);
                    write_audit(tx, &a).await?;
                    write_changes(tx, changes).await?;
                    Ok(product)
                })
            })
            .await
    }

    async fn save_product(
        &self,
        id: ProductId,
        e: &ProductEdit,
        a: &AuditEntry,
    ) -> StorageResult<Product> {
        let (e, a) = (e.clone(), a.clone());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if !exists(tx, "SELECT 1 FROM products WHERE id = ?1 FOR UPDATE", id.0).await? {
                        return Err(sql::product_not_found(id.0));
                    }
                    let old = load_product(tx, id.0).await?;
                    let old_extra = load_extra(tx, id.0).await?;
                    if !exists(tx, "SELECT 1 FROM tax_rates WHERE id = ?1", e.tax_rate_id).await? {
                        return Err(sql::unknown_tax_rate(e.tax_rate_id));
                    }
                    if let Some(owner) = tx
                        .scalar_opt::<i64>(
                            "SELECT id FROM products WHERE sku = ?1 AND id <> ?2",
                            p![&e.sku, id.0],
                        )
                        .await?
                    {
                        return Err(sql::sku_taken(&e.sku, owner));
                    }
                    for code in &e.barcodes {
                        if let Some(owner) = barcode_owner(tx, code).await?
                            && owner != id.0
                        {
                            return Err(sql::barcode_taken(code, owner));
                        }
                    }
                    tx.execute(
                        "UPDATE products SET sku = ?1, name = ?2, tax_rate_id = ?3, price_cents = ?4, active = ?5 WHERE id = ?6",
                        p![&e.sku, &e.name, e.tax_rate_id, e.price.cents(), e.active, id.0],
                    )
                    .await?;
                    save_extra(tx, id.0, &e.extra).await?;
                    let mut changes = Vec::new();
                    let current = product_barcodes(tx, id.0).await?;
                    for code in current.iter().filter(|c| !e.barcodes.contains(c)) {
                        tx.execute("DELETE FROM barcodes WHERE code = ?1", p![code])
                            .await?;
                        changes.push(sql::barcode_deleted_change(code)?);
                    }
                    for code in e.barcodes.iter().filter(|c| !current.contains(c)) {
                        tx.execute(
                            "INSERT INTO barcodes (code, product_id) VALUES (?1, ?2)",
                            p![code, id.0],
                        )
                        .await?;
                        changes.push(sql::barcode_change(code, id.0)?);
                    }
                    let product = load_product(tx, id.0).await?;
                    changes.insert(0, sql::product_change(&product)?);
                    let mut diff = Vec::new();
                    let mut note = |what: &str, a: String, b: String| {
                        if a != b {
                            diff.push(format!("{what}: {a} → {b}"));
                        }
                    };
                    note("sku", old.sku.clone(), product.sku.clone());
                    note("name", old.name.clone(), product.name.clone());
                    note("vat", old.tax_rate.to_string(), product.tax_rate.to_string());
                    note("price", old.price.to_string(), product.price.to_string());
                    note("active", old.active.to_string(), product.active.to_string());
                    note("barcodes", old.barcodes.join(" "), product.barcodes.join(" "));
                    note("family", old_extra.category.clone(), e.extra.category.clone());
                    note(
                        "weighed",
                        old_extra.weighed.to_string(),
                        e.extra.weighed.to_string(),
                    );
                    let cost = |c: Option<i64>| {
                        c.map(|c| crate::services::stock::cost_from_e4(c).to_string())
                            .unwrap_or_else(|| "-".into())
                    };
                    if e.extra.cost_e4.is_some() {
                        note("cost", cost(old_extra.cost_e4), cost(e.extra.cost_e4));
                    }
                    if diff.is_empty() {
                        diff.push("no change".into());
                    }
                    let mut a = a;
                    a.target = format!("product {} {}", id.0, product.sku);
                    a.summary = diff.join("; ");
                    write_audit(tx, &a).await?;
                    write_changes(tx, changes).await?;
                    Ok(product)
                })
            })
            .await
    }

    async fn bulk_set_prices(
        &self,
        prices: &[(ProductId, Money)],
        a: &AuditEntry,
    ) -> StorageResult<u64> {
        let (prices, a) = (prices.to_vec(), a.clone());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let mut changes = Vec::with_capacity(prices.len());
                    for (id, price) in &prices {
                        let n = tx
                            .execute(
                                "UPDATE products SET price_cents = ?1 WHERE id = ?2",
                                p![price.cents(), id.0],
                            )
                            .await?;
                        if n == 0 {
                            return Err(sql::product_not_found(id.0));
                        }
                        let product = load_product(tx, id.0).await?;
                        changes.push(sql::product_change(&product)?);
                    }
                    write_audit(tx, &a).await?;
                    write_changes(tx, changes).await?;
                    Ok(prices.len() as u64)
                })
            })
            .await
    }

    async fn audit(&self, f: &AuditFilter) -> StorageResult<Vec<AuditRecord>> {
        let f = f.clone();
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT id, at, actor_id, actor, kind, target, summary FROM audit_log
                         WHERE (CAST(?1 AS TEXT) IS NULL OR actor = ?1)
                           AND (CAST(?2 AS TEXT) IS NULL OR kind = ?2)
                         ORDER BY id DESC LIMIT ?3 OFFSET ?4",
                        p![
                            f.actor.as_deref(),
                            f.kind.as_deref(),
                            i64::try_from(f.limit).unwrap_or(i64::MAX),
                            i64::try_from(f.offset).unwrap_or(i64::MAX)
                        ],
                        audit_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn audit_actors(&self) -> StorageResult<Vec<String>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT DISTINCT actor FROM audit_log ORDER BY actor",
                        p![],
                        |r| r.get(0),
                    )
                    .await
                })
            })
            .await
    }
}
