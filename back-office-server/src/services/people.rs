//! People and access: dashboard users (create, edit, disable, passwords, sessions), till staff
//! changes, HQ admin API tokens, the product page and the bulk price change — each change with
//! its audit line, written by storage in the same transaction. Shared by the dashboard and the CLI.

use super::accounts::{role_access, user_name};
use super::fields::{barcode, price, text};
use super::{ServiceResult, blocking};
use crate::problem::Problem;
use crate::storage::dashboard::{DashboardRole, DashboardUser, NewDashboardUser};
use crate::storage::people::{AuditEntry, ProductEdit, ProductExtra, StaffEdit, UserEdit};
use crate::storage::{NewProduct, NewStaff, Product, Staff, Storage, StorageError};
use chrono::Utc;
use rust_decimal::Decimal;
use sync_protocol::{FranchiseeId, Money, ProductId, StaffId, StaffRole, StoreId, TaxRate};

/// Every kind of audit line, in the order the audit page's filter lists them.
pub const AUDIT_KINDS: &[&str] = &[
    "user.create",
    "user.edit",
    "user.disable",
    "user.enable",
    "user.password_reset",
    "user.password_change",
    "user.sessions_end",
    "token.create",
    "token.revoke",
    "staff.create",
    "staff.edit",
    "staff.pin_reset",
    "product.create",
    "product.edit",
    "product.bulk_price",
    "change.forced",
    "customer.erase",
];

/// Who is acting: a dashboard user.
pub fn actor(u: &DashboardUser) -> AuditEntry {
    AuditEntry {
        actor_id: Some(u.id),
        actor: u.username.clone(),
        kind: String::new(),
        target: String::new(),
        summary: String::new(),
    }
}

/// Who is acting: the command line, as the operating-system user running it.
pub fn cli_actor() -> AuditEntry {
    let who = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "?".into());
    AuditEntry {
        actor_id: None,
        actor: format!("cli:{who}"),
        kind: String::new(),
        target: String::new(),
        summary: String::new(),
    }
}

/// Who is acting: an HQ admin API token, by the name it was given (as the tokens page lists it).
pub async fn token_actor(db: &dyn Storage, token_id: i64) -> ServiceResult<AuditEntry> {
    let name = db
        .people()
        .list_admin_tokens()
        .await?
        .into_iter()
        .find(|t| t.id == token_id)
        .map_or_else(|| token_id.to_string(), |t| t.name);
    Ok(AuditEntry {
        actor_id: None,
        actor: format!("api-token:{name}"),
        kind: String::new(),
        target: String::new(),
        summary: String::new(),
    })
}

async fn hash_password(password: &str) -> ServiceResult<String> {
    crate::auth::validate_password(password).map_err(|_| {
        Problem::new("password_too_short").with("min", crate::auth::MIN_PASSWORD_LEN)
    })?;
    let p = password.to_string();
    blocking(move || crate::auth::hash_password(&p))
        .await?
        .map_err(StorageError::Backend)
}

// --- dashboard users ------------------------------------------------------------------------------

/// Creates a dashboard user from the people page or the CLI (checks as `accounts::create_user`;
/// a franchisee user has its franchisee and no stores).
#[allow(clippy::too_many_arguments)]
pub async fn create_user(
    db: &dyn Storage,
    by: &AuditEntry,
    username: &str,
    display_name: &str,
    password: &str,
    role: DashboardRole,
    stores: Vec<StoreId>,
    franchisee: Option<FranchiseeId>,
) -> ServiceResult<i64> {
    let username = user_name(username)?;
    role_access(role, &stores, franchisee)?;
    let password_hash = hash_password(password).await?;
    let display_name = match display_name.trim() {
        "" => username.clone(),
        d => text("name", d, 200)?,
    };
    let summary = format!(
        "role {}{}{}",
        role.as_str(),
        franchisee.map_or(String::new(), |f| format!(", franchisee {}", f.0)),
        if stores.is_empty() {
            String::new()
        } else {
            format!(
                ", stores {}",
                stores
                    .iter()
                    .map(|s| s.0.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            )
        }
    );
    let a = by.with("user.create", format!("user {username}"), summary);
    db.people()
        .create_user(
            &NewDashboardUser {
                username,
                display_name,
                password_hash,
                role,
                stores,
                franchisee,
            },
            &a,
        )
        .await
}

async fn target(db: &dyn Storage, id: i64) -> ServiceResult<String> {
    Ok(format!(
        "user {}",
        db.people().get_user(id, Utc::now()).await?.username
    ))
}

/// Changes a user's name, role and stores.
pub async fn edit_user(
    db: &dyn Storage,
    by: &AuditEntry,
    id: i64,
    display_name: &str,
    role: DashboardRole,
    stores: Vec<StoreId>,
    franchisee: Option<FranchiseeId>,
) -> ServiceResult<()> {
    role_access(role, &stores, franchisee)?;
    let display_name = text("name", display_name, 200)?;
    let a = by.with("user.edit", target(db, id).await?, "");
    db.people()
        .update_user(
            id,
            &UserEdit {
                display_name,
                role,
                stores,
                franchisee,
            },
            &a,
        )
        .await
}

/// Disables (and signs out) or enables a user. The last active admin cannot be disabled.
pub async fn set_disabled(
    db: &dyn Storage,
    by: &AuditEntry,
    id: i64,
    disabled: bool,
) -> ServiceResult<()> {
    let kind = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    let a = by.with(kind, target(db, id).await?, "");
    db.people()
        .set_user_disabled(id, disabled, Utc::now(), &a)
        .await
}

/// Sets a user's password to `password`, or to a new random one (returned, to show once). Ends
/// every session of the user.
pub async fn reset_password(
    db: &dyn Storage,
    by: &AuditEntry,
    id: i64,
    password: Option<&str>,
) -> ServiceResult<Option<String>> {
    let (password, generated) = match password.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => (p.to_string(), None),
        None => {
            let p = crate::auth::new_password();
            (p.clone(), Some(p))
        }
    };
    let hash = hash_password(&password).await?;
    let a = by.with(
        "user.password_reset",
        target(db, id).await?,
        if generated.is_some() {
            "password reset (one-time password shown once); sessions ended"
        } else {
            "password set by an admin; sessions ended"
        },
    );
    // A one-time password was seen by whoever reset it: its user must replace it at sign-in.
    db.people()
        .set_password(id, &hash, generated.is_some(), None, &a)
        .await?;
    Ok(generated)
}

/// A user changes their own password: the current one first. Their other sessions end; the one
/// they are using (`keep`, its token hash) goes on.
pub async fn change_own_password(
    db: &dyn Storage,
    user: &DashboardUser,
    current: &str,
    new: &str,
    keep: &str,
) -> ServiceResult<()> {
    let (c, h) = (current.to_string(), user.password_hash.clone());
    if !blocking(move || crate::auth::verify_password(&c, &h)).await? {
        return Err(Problem::new("current_password_wrong").into());
    }
    if new == current {
        return Err(Problem::new("new_password_same").into());
    }
    let hash = hash_password(new).await?;
    let a = actor(user).with(
        "user.password_change",
        format!("user {}", user.username),
        "own password changed; other sessions ended",
    );
    db.people()
        .set_password(user.id, &hash, false, Some(keep), &a)
        .await
}

/// Ends every session of a user; returns how many.
pub async fn end_sessions(db: &dyn Storage, by: &AuditEntry, id: i64) -> ServiceResult<u64> {
    let a = by.with("user.sessions_end", target(db, id).await?, "");
    db.people().end_sessions(id, &a).await
}

/// A user by name (the CLI).
pub async fn user_id_by_name(db: &dyn Storage, username: &str) -> ServiceResult<i64> {
    let name = user_name(username)?;
    db.people()
        .list_users(Utc::now())
        .await?
        .into_iter()
        .find(|u| u.username == name)
        .map(|u| u.id)
        .ok_or_else(|| {
            StorageError::NotFound(Problem::new("user_name_not_found").with("name", name))
        })
}

// --- admin API tokens -----------------------------------------------------------------------------

/// Creates an HQ admin API token; returns its id and the token (shown once, only its hash kept).
pub async fn create_token(
    db: &dyn Storage,
    by: &AuditEntry,
    name: &str,
) -> ServiceResult<(i64, String)> {
    let name = text("name", name, 200)?;
    let token = crate::auth::new_token();
    let a = by.with("token.create", "", "created");
    let id = db
        .people()
        .create_admin_token(&name, &crate::auth::hash_token(&token), Utc::now(), &a)
        .await?;
    Ok((id, token))
}

pub async fn revoke_token(db: &dyn Storage, by: &AuditEntry, id: i64) -> ServiceResult<()> {
    let a = by.with("token.revoke", "", "");
    db.people().revoke_admin_token(id, Utc::now(), &a).await
}

// --- till staff -----------------------------------------------------------------------------------

/// Creates a member of staff with their PIN (4 to 8 digits).
pub async fn create_staff(
    db: &dyn Storage,
    by: &AuditEntry,
    name: &str,
    role: StaffRole,
    store_id: StoreId,
    pin: &str,
) -> ServiceResult<Staff> {
    let name = text("name", name, super::staff::NAME_MAX)?;
    let pin_hash = super::staff::pin_hash(pin.trim()).await?;
    let a = by.with(
        "staff.create",
        "",
        format!(
            "{}, store {}",
            crate::storage::sql::role_text(role),
            store_id.0
        ),
    );
    db.people()
        .create_staff(
            &NewStaff {
                name,
                role,
                store_id,
                pin_hash,
            },
            &a,
        )
        .await
}

/// Changes a member of staff's role or whether they may sign in at the tills.
pub async fn edit_staff(
    db: &dyn Storage,
    by: &AuditEntry,
    id: StaffId,
    role: Option<StaffRole>,
    active: Option<bool>,
) -> ServiceResult<Staff> {
    let a = by.with("staff.edit", "", "");
    db.people()
        .update_staff(
            id,
            &StaffEdit {
                role,
                active,
                pin_hash: None,
            },
            &a,
        )
        .await
}

/// Sets a member of staff's PIN (4 to 8 digits; only the hash is kept and sent to the tills).
pub async fn reset_pin(
    db: &dyn Storage,
    by: &AuditEntry,
    id: StaffId,
    pin: &str,
) -> ServiceResult<Staff> {
    let pin_hash = super::staff::pin_hash(pin.trim()).await?;
    let a = by.with("staff.pin_reset", "", "");
    db.people()
        .update_staff(
            id,
            &StaffEdit {
                pin_hash: Some(pin_hash),
                ..Default::default()
            },
            &a,
        )
        .await
}

// --- the product page -----------------------------------------------------------------------------

/// A product as the product page sends it, parsed by the page (price and cost as typed).
#[derive(Debug, Clone)]
pub struct ProductPageIn {
    pub sku: String,
    pub name: String,
    /// Barcodes separated by spaces, commas or new lines.
    pub barcodes: String,
    pub family: String,
    pub tax_rate_id: i64,
    pub price: Money,
    /// Empty: leave HQ's cost as it is.
    pub cost: String,
    pub weighed: bool,
    pub active: bool,
}

/// `kept`: the product's barcodes as stored, kept as they are even if a check digit rule they
/// predate would refuse them (only new codes are checked).
fn checked(b: &ProductPageIn, kept: &[String]) -> Result<(NewProduct, ProductExtra), Problem> {
    let mut barcodes: Vec<String> = Vec::new();
    for c in b
        .barcodes
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|c| !c.is_empty())
    {
        let c = if kept.iter().any(|k| k == c) {
            c.to_string()
        } else {
            barcode(c)?
        };
        if barcodes.contains(&c) {
            return Err(Problem::new("barcode_duplicate_in_request").with("code", c));
        }
        barcodes.push(c);
    }
    let cost_e4 = match b.cost.trim() {
        "" => None,
        c => Some(super::stock::cost_to_e4(
            super::stock::parse_cost(c).map_err(|e| e.problem())?,
        )),
    };
    Ok((
        NewProduct {
            sku: text("sku", &b.sku, super::catalog::SKU_MAX)?,
            name: text("name", &b.name, super::catalog::NAME_MAX)?,
            tax_rate_id: b.tax_rate_id,
            price: price("price", b.price)?,
            barcodes,
        },
        ProductExtra {
            category: super::catalog::category(&b.family)?,
            weighed: b.weighed,
            cost_e4,
        },
    ))
}

/// Creates a product with its family, unit or weighed, and cost.
pub async fn create_product(
    db: &dyn Storage,
    by: &AuditEntry,
    b: &ProductPageIn,
) -> ServiceResult<Product> {
    let (p, x) = checked(b, &[])?;
    let a = by.with("product.create", "", format!("{} at {}", p.name, p.price));
    let product = db.people().create_product(&p, &x, &a).await?;
    if !b.active {
        // A product created inactive: one more change, same audit trail.
        return save_product(db, by, product.id, b).await;
    }
    Ok(product)
}

/// Saves every field of the product page at once; nothing is stored when one is wrong.
pub async fn save_product(
    db: &dyn Storage,
    by: &AuditEntry,
    id: ProductId,
    b: &ProductPageIn,
) -> ServiceResult<Product> {
    let kept = db.get_product(id).await?.barcodes;
    let (p, x) = checked(b, &kept)?;
    let a = by.with("product.edit", "", "");
    db.people()
        .save_product(
            id,
            &ProductEdit {
                sku: p.sku,
                name: p.name,
                tax_rate_id: p.tax_rate_id,
                price: p.price,
                active: b.active,
                barcodes: p.barcodes,
                extra: x,
            },
            &a,
        )
        .await
}

/// A product's margin over HQ's cost: the price without VAT less the cost, and that as a share of
/// the price without VAT (percent, one decimal). `None` without a cost or a price.
pub fn margin(price: Money, rate: TaxRate, cost_e4: Option<i64>) -> Option<(Money, Decimal)> {
    let cost = super::stock::cost_from_e4(cost_e4?);
    let net = price.as_decimal() / (Decimal::ONE + rate.as_decimal() / Decimal::from(100));
    if net.is_zero() {
        return None;
    }
    let m = net - cost;
    Some((Money::new(m), (m / net * Decimal::from(100)).round_dp(1)))
}

/// One product of a bulk price change: old and new price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkLine {
    pub id: ProductId,
    pub sku: String,
    pub name: String,
    pub old: Money,
    pub new: Money,
}

/// The new prices of `products` after a change of `percent` (rounded to the cent).
pub fn bulk_lines(products: &[Product], percent: Decimal) -> Result<Vec<BulkLine>, Problem> {
    let factor = Decimal::ONE + percent / Decimal::from(100);
    products
        .iter()
        .map(|p| {
            Ok(BulkLine {
                id: p.id,
                sku: p.sku.clone(),
                name: p.name.clone(),
                old: p.price,
                new: price("price", Money::new(p.price.as_decimal() * factor))?,
            })
        })
        .collect()
}

/// Applies a previewed bulk price change in one transaction, with its audit line.
pub async fn apply_bulk(
    db: &dyn Storage,
    by: &AuditEntry,
    search: &str,
    percent: Decimal,
    lines: &[BulkLine],
) -> ServiceResult<u64> {
    let a = by.with(
        "product.bulk_price",
        if search.trim().is_empty() {
            "every product".to_string()
        } else {
            format!("search \"{}\"", search.trim())
        },
        format!("{percent} % on {} products", lines.len()),
    );
    let prices: Vec<(ProductId, Money)> = lines.iter().map(|l| (l.id, l.new)).collect();
    db.people().bulk_set_prices(&prices, &a).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_is_over_the_price_without_vat() {
        // 2,20 € with 10 % VAT is 2,00 € net; cost 1,50 € → 0,50 € (25,0 %).
        let (m, pct) = margin(Money::from_cents(220), TaxRate::percent(10), Some(15_000)).unwrap();
        assert_eq!(m, Money::from_cents(50));
        assert_eq!(pct, Decimal::new(250, 1));
        assert!(margin(Money::from_cents(220), TaxRate::percent(10), None).is_none());
    }
}
