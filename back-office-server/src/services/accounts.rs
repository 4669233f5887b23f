//! Dashboard accounts: who may sign in, with which role and stores.

use super::{ServiceResult, blocking};
use crate::problem::Problem;
use crate::storage::Storage;
use crate::storage::dashboard::{DashboardRole, NewDashboardUser};
use sync_protocol::{FranchiseeId, StoreId};

/// A user name: trimmed, lower case, 1 to 64 of letters, digits, `.`, `_`, `-`, `@`.
pub fn user_name(v: &str) -> Result<String, Problem> {
    let u = v.trim().to_lowercase();
    if u.is_empty()
        || u.len() > 64
        || !u
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(Problem::new("user_name_invalid"));
    }
    Ok(u)
}

/// A store manager has stores; the HQ roles see every store and have none.
pub fn role_stores(role: DashboardRole, stores: &[StoreId]) -> Result<(), Problem> {
    match (role, stores.is_empty()) {
        (DashboardRole::Manager, true) => Err(Problem::new("manager_needs_store")),
        (DashboardRole::Franchisee, _) => Err(Problem::new("franchisee_user_needs_franchisee")),
        (r, false) if r != DashboardRole::Manager => Err(Problem::new("hq_user_has_no_stores")),
        _ => Ok(()),
    }
}

/// What a role needs: a manager has stores and no franchisee; a franchisee user has its franchisee
/// and no stores (it sees every store of its franchisee); HQ roles have neither.
pub fn role_access(
    role: DashboardRole,
    stores: &[StoreId],
    franchisee: Option<FranchiseeId>,
) -> Result<(), Problem> {
    match (role, franchisee) {
        (DashboardRole::Franchisee, None) => Err(Problem::new("franchisee_user_needs_franchisee")),
        (DashboardRole::Franchisee, Some(_)) if !stores.is_empty() => {
            Err(Problem::new("franchisee_user_has_no_stores"))
        }
        (DashboardRole::Franchisee, Some(_)) => Ok(()),
        (_, Some(_)) => Err(Problem::new("only_franchisee_users_have_franchisee")),
        (r, None) => role_stores(r, stores),
    }
}

/// Creates a dashboard user of a franchisee (CLI, demo, tests): read-only, sees only that
/// franchisee's stores, invoices, statement, payments and mandates.
pub async fn create_franchisee_user(
    db: &dyn Storage,
    username: &str,
    display_name: &str,
    password: &str,
    franchisee: FranchiseeId,
) -> ServiceResult<i64> {
    create_user_with(
        db,
        username,
        display_name,
        password,
        DashboardRole::Franchisee,
        Vec::new(),
        Some(franchisee),
    )
    .await
}

/// Creates a dashboard user (CLI, demo and the people page): checks the name, role, stores and
/// password, hashes the password off the async threads. Returns the user's id.
pub async fn create_user(
    db: &dyn Storage,
    username: &str,
    display_name: &str,
    password: &str,
    role: DashboardRole,
    stores: Vec<StoreId>,
) -> ServiceResult<i64> {
    create_user_with(db, username, display_name, password, role, stores, None).await
}

async fn create_user_with(
    db: &dyn Storage,
    username: &str,
    display_name: &str,
    password: &str,
    role: DashboardRole,
    stores: Vec<StoreId>,
    franchisee: Option<FranchiseeId>,
) -> ServiceResult<i64> {
    let username = user_name(username)?;
    role_access(role, &stores, franchisee)?;
    crate::auth::validate_password(password).map_err(|_| {
        Problem::new("password_too_short").with("min", crate::auth::MIN_PASSWORD_LEN)
    })?;
    let p = password.to_string();
    let password_hash = blocking(move || crate::auth::hash_password(&p))
        .await?
        .map_err(crate::storage::StorageError::Backend)?;
    let display_name = display_name.trim();
    db.dashboard()
        .create_dashboard_user(&NewDashboardUser {
            display_name: if display_name.is_empty() {
                username.clone()
            } else {
                display_name.to_string()
            },
            username,
            password_hash,
            role,
            stores,
            franchisee,
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_roles() {
        assert_eq!(user_name("  Ana.G@HQ ").unwrap(), "ana.g@hq");
        assert_eq!(
            user_name("ana garcía").unwrap_err().code,
            "user_name_invalid"
        );
        assert_eq!(
            role_stores(DashboardRole::Manager, &[]).unwrap_err().code,
            "manager_needs_store"
        );
        assert!(role_stores(DashboardRole::Manager, &[StoreId(1)]).is_ok());
        assert_eq!(
            role_stores(DashboardRole::Admin, &[StoreId(1)])
                .unwrap_err()
                .code,
            "hq_user_has_no_stores"
        );
        assert!(role_stores(DashboardRole::Admin, &[]).is_ok());
    }
}
