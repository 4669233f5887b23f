//! HQ's everyday work on the dashboard (issue 18), end to end on SQLite and PostgreSQL: the
//! product page (create, edit, margin, bad input), the bulk price change's preview and
//! confirmation, dashboard users (create, edit, disable, enable, passwords, sessions, the last
//! admin), till staff with store managers scoped to their stores, admin API tokens, and the audit
//! log every one of these writes.

use back_office_server::auth;
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::people::AuditFilter;
use back_office_server::storage::{NewFranchisee, NewProduct, NewStaff, NewStore, NewTaxRate};
use chrono::Utc;
use reqwest::StatusCode;
use sync_protocol::{CatalogChange, Money, ProductId, StaffId, StaffRole, StoreId, TaxRate};

#[macro_use]
mod common;
use common::*;

struct World {
    norte: StoreId,
    sur: StoreId,
    rate: i64,
    rate21: i64,
    product: ProductId,
    staff_norte: StaffId,
    staff_sur: StaffId,
}

async fn world(s: &Server) -> World {
    let st = &s.storage;
    let f = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Ultramarinos Test, S.L.".into(),
            nif: "B12345674".into(),
            address: "Calle Mayor 1".into(),
        })
        .await
        .unwrap();
    let mut stores = vec![];
    for name in ["Tienda Norte", "Tienda Sur"] {
        stores.push(
            st.create_store(&NewStore::new(f.id, name, "x"))
                .await
                .unwrap()
                .id,
        );
    }
    let rate = st
        .create_tax_rate(&NewTaxRate {
            name: "IVA reducido".into(),
            rate: TaxRate::percent(10),
        })
        .await
        .unwrap()
        .id;
    let rate21 = st
        .create_tax_rate(&NewTaxRate {
            name: "IVA general".into(),
            rate: TaxRate::percent(21),
        })
        .await
        .unwrap()
        .id;
    let mut products = vec![];
    for (sku, name, code) in [
        ("LEC-1", "Leche entera 1 l", "8410000000016"),
        ("LEC-2", "Leche desnatada 1 l", "8410000000023"),
        ("CAF-1", "Café molido 250 g", "8410000000030"),
    ] {
        products.push(
            st.create_product(&NewProduct {
                sku: sku.into(),
                name: name.into(),
                tax_rate_id: rate,
                price: Money::from_cents(220),
                barcodes: vec![code.into()],
            })
            .await
            .unwrap()
            .id,
        );
    }
    let mut staff = vec![];
    for (i, s_id) in stores.iter().enumerate() {
        staff.push(
            st.create_staff(&NewStaff {
                name: format!("Persona {}", ["Norte", "Sur"][i]),
                role: StaffRole::Cashier,
                store_id: *s_id,
                pin_hash: auth::hash_pin("1234").unwrap(),
            })
            .await
            .unwrap()
            .id,
        );
    }
    for (user, role, stores_of) in [
        ("hq", DashboardRole::Admin, vec![]),
        ("analista", DashboardRole::Analyst, vec![]),
        ("norte", DashboardRole::Manager, vec![stores[0]]),
    ] {
        back_office_server::services::accounts::create_user(
            &*st.clone(),
            user,
            &format!("Usuario {user}"),
            PASSWORD,
            role,
            stores_of,
        )
        .await
        .unwrap();
    }
    World {
        norte: stores[0],
        sur: stores[1],
        rate,
        rate21,
        product: products[0],
        staff_norte: staff[0],
        staff_sur: staff[1],
    }
}

async fn audit_kinds(s: &Server) -> Vec<String> {
    s.storage
        .people()
        .audit(&AuditFilter {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.kind)
        .collect()
}

async fn catalog_print(s: &Server) -> String {
    format!(
        "{:?}\n{:?}\n{}",
        s.storage.list_products(None, 0, 10_000).await.unwrap(),
        s.storage
            .people()
            .product_extra(ProductId(1))
            .await
            .unwrap(),
        s.storage
            .changes_after(StoreId(1), 0, 100_000)
            .await
            .unwrap()
            .changes
            .len()
    )
}

fn product_form<'a>(
    sku: &'a str,
    name: &'a str,
    codes: &'a str,
    rate: &'a str,
    price: &'a str,
    cost: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("full", "1"),
        ("sku", sku),
        ("name", name),
        ("barcodes", codes),
        ("category", "Aceites"),
        ("tax_rate_id", rate),
        ("price", price),
        ("cost", cost),
        ("sold_by", "unit"),
        ("active", "1"),
    ]
}

fn with<'a>(mut form: Vec<(&'a str, &'a str)>, csrf: &'a str) -> Vec<(&'a str, &'a str)> {
    form.push(("csrf", csrf));
    form
}

/// A form that must be refused: path, fields, words of the Spanish and the English message.
type BadCase<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, &'a str);

// --- products -----------------------------------------------------------------------------------

async fn product_page_creates_and_edits_with_margin(s: &Server) {
    let w = world(s).await;
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let rate = w.rate.to_string();
    let rate21 = w.rate21.to_string();

    hq.get("/dashboard/catalog")
        .await
        .assert(StatusCode::OK, "/dashboard/catalog/new");
    hq.get("/dashboard/catalog/new")
        .await
        .assert(StatusCode::OK, "IVA general");
    let p = hq
        .post(
            "/dashboard/catalog/new",
            &with(
                product_form(
                    "ACE-1",
                    "Aceite de oliva virgen extra 1 l",
                    "8410000000047",
                    &rate21,
                    "7,26",
                    "4,50",
                ),
                &csrf,
            ),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let created = s.storage.list_products(Some("ACE-1"), 0, 10).await.unwrap();
    assert_eq!(created.len(), 1);
    let a = &created[0];
    assert_eq!(a.price, Money::from_cents(726));
    assert_eq!(a.barcodes, vec!["8410000000047".to_string()]);
    let x = s.storage.people().product_extra(a.id).await.unwrap();
    assert_eq!(x.category, "Aceites");
    assert_eq!(x.cost_e4, Some(45_000));
    // 7,26 € with 21 % VAT is 6,00 € net; cost 4,50 € → 1,50 € (25,0 %).
    let page = hq.get(p.location.as_deref().unwrap()).await;
    page.assert(StatusCode::OK, "1,50 €")
        .assert(StatusCode::OK, "25,0 %");
    // The tills get the new product and its barcode.
    let changes = s.storage.changes_after(w.norte, 0, 10_000).await.unwrap();
    assert!(changes.changes.iter().any(
        |c| matches!(&c.change, CatalogChange::Barcode { code, product_id } if code == "8410000000047" && *product_id == a.id)
    ));

    // Edit everything at once: SKU, name, barcodes (one replaced), VAT, price, cost, weighed, inactive.
    let path = format!("/dashboard/catalog/{}", a.id);
    let p = hq
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("full", "1"),
                ("sku", "ACE-1L"),
                ("name", "Aceite de oliva 1 l"),
                ("barcodes", "8410000000054"),
                ("category", "Aceites y vinagres"),
                ("tax_rate_id", &rate),
                ("price", "6,60"),
                ("cost", "5"),
                ("sold_by", "weighed"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let e = s.storage.get_product(a.id).await.unwrap();
    assert_eq!(
        (e.sku.as_str(), e.name.as_str(), e.price, e.active),
        (
            "ACE-1L",
            "Aceite de oliva 1 l",
            Money::from_cents(660),
            false
        )
    );
    assert_eq!(e.barcodes, vec!["8410000000054".to_string()]);
    assert_eq!(e.tax_rate, TaxRate::percent(10));
    let x = s.storage.people().product_extra(a.id).await.unwrap();
    assert!(x.weighed);
    assert_eq!(x.cost_e4, Some(50_000));
    assert_eq!(x.category, "Aceites y vinagres");
    let changes = s.storage.changes_after(w.norte, 0, 10_000).await.unwrap();
    assert!(changes.changes.iter().any(
        |c| matches!(&c.change, CatalogChange::BarcodeDeleted { code } if code == "8410000000047")
    ));
    // 6,60 € with 10 % is 6,00 € net; cost 5 € → 1,00 € (16,7 %).
    hq.get(&path)
        .await
        .assert(StatusCode::OK, "1,00 €")
        .assert(StatusCode::OK, "16,7 %");

    // Bad input: nothing stored, a clear message in the viewer's language.
    let before = catalog_print(s).await;
    let lec = w.product.0.to_string();
    let lec_path = format!("/dashboard/catalog/{lec}");
    let cases: Vec<BadCase<'_>> = vec![
        (
            "/dashboard/catalog/new",
            product_form("LEC-1", "Otra leche", "", &rate, "1", ""),
            "LEC-1",
            "SKU LEC-1",
        ),
        (
            "/dashboard/catalog/new",
            product_form("NUEVO-1", "Otra leche", "8410000000023", &rate, "1", ""),
            "8410000000023",
            "8410000000023",
        ),
        (
            "/dashboard/catalog/new",
            product_form("NUEVO-1", "Otra leche", "", &rate, "-1,00", ""),
            "negativo",
            "negative",
        ),
        (
            lec_path.as_str(),
            product_form("LEC-2", "Leche", "", &rate, "1", ""),
            "LEC-2",
            "SKU LEC-2",
        ),
        (
            lec_path.as_str(),
            product_form("LEC-1", "Leche", "8410000000030", &rate, "1", ""),
            "8410000000030",
            "8410000000030",
        ),
        (
            lec_path.as_str(),
            product_form("LEC-1", "Leche", "", &rate, "-2", ""),
            "negativo",
            "negative",
        ),
        (
            lec_path.as_str(),
            product_form("LEC-1", "Leche", "", &rate, "2", "-1"),
            "negativo",
            "negative",
        ),
    ];
    for (path, form, es, en) in &cases {
        let p = hq.post(path, &with(form.clone(), &csrf)).await;
        assert!(
            p.status == StatusCode::CONFLICT || p.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {form:?}: {} {}",
            p.status,
            p.body
        );
        assert!(p.body.contains(es), "{path} {form:?}: {}", p.body);
        assert!(p.body.contains("No se ha guardado nada"), "{}", p.body);
        hq.cookies.insert("trastienda_lang".into(), "en".into());
        let p = hq.post(path, &with(form.clone(), &csrf)).await;
        assert!(p.body.contains(en), "{path} {form:?}: {}", p.body);
        assert!(p.body.contains("Nothing has been saved"), "{}", p.body);
        hq.cookies.remove("trastienda_lang");
    }
    assert_eq!(
        catalog_print(s).await,
        before,
        "a refused form stored something"
    );

    // Read-only roles: no form, and a post is refused.
    let (mut analyst, a_csrf) = Browser::signed_in(s, "analista").await;
    assert!(!analyst.get(&lec_path).await.body.contains("save-price"));
    analyst
        .get("/dashboard/catalog/new")
        .await
        .assert(StatusCode::FORBIDDEN, "solo lectura");
    analyst
        .post(
            "/dashboard/catalog/new",
            &with(product_form("X-1", "X", "", &rate, "1", ""), &a_csrf),
        )
        .await
        .assert(StatusCode::FORBIDDEN, "solo lectura");
    assert_eq!(catalog_print(s).await, before);
    let kinds = audit_kinds(s).await;
    assert_eq!(
        kinds,
        vec!["product.edit".to_string(), "product.create".to_string()]
    );
}
on_both_backends!(product_page_creates_and_edits_with_margin);

/// A product whose stored barcode predates the check-digit rule (an internal code) stays editable
/// on its page: the old code is kept as it is, a new bad one is still refused.
async fn a_product_with_an_old_unchecked_barcode_stays_editable(s: &Server) {
    let w = world(s).await;
    let old = s
        .storage
        .create_product(&NewProduct {
            sku: "INT-1".into(),
            name: "Pan a granel".into(),
            tax_rate_id: w.rate,
            price: Money::from_cents(120),
            barcodes: vec!["2000000000011".into()],
        })
        .await
        .unwrap();
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let rate = w.rate.to_string();
    let path = format!("/dashboard/catalog/{}", old.id);
    let p = hq
        .post(
            &path,
            &with(
                product_form("INT-1", "Pan a granel", "2000000000011", &rate, "1,30", ""),
                &csrf,
            ),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(
        s.storage.get_product(old.id).await.unwrap().price,
        Money::from_cents(130)
    );
    hq.post(
        &path,
        &with(
            product_form(
                "INT-1",
                "Pan a granel",
                "2000000000011 2000000000028",
                &rate,
                "1,40",
                "",
            ),
            &csrf,
        ),
    )
    .await
    .assert(StatusCode::UNPROCESSABLE_ENTITY, "2000000000028");
    assert_eq!(
        s.storage.get_product(old.id).await.unwrap().price,
        Money::from_cents(130)
    );
}
on_both_backends!(a_product_with_an_old_unchecked_barcode_stays_editable);

async fn bulk_price_change_is_previewed_and_confirmed(s: &Server) {
    let w = world(s).await;
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let prices = || async {
        s.storage
            .list_products(None, 0, 100)
            .await
            .unwrap()
            .iter()
            .map(|p| p.price.cents())
            .collect::<Vec<_>>()
    };
    // An empty search previews every product and changes nothing.
    let p = hq
        .post(
            "/dashboard/catalog/bulk-price",
            &[("csrf", &csrf), ("q", ""), ("percent", "10")],
        )
        .await;
    p.assert(StatusCode::OK, "bulk-everything")
        .assert(StatusCode::OK, "Cambiarán 3 productos")
        .assert(StatusCode::OK, "2,20 €")
        .assert(StatusCode::OK, "2,42 €")
        .assert(StatusCode::OK, "name=\"expected\" value=\"3\"");
    assert_eq!(prices().await, vec![220, 220, 220]);
    // A confirmation for another count (the catalog changed since) shows the preview again.
    let p = hq
        .post(
            "/dashboard/catalog/bulk-price",
            &[
                ("csrf", &csrf),
                ("q", ""),
                ("percent", "10"),
                ("expected", "2"),
                ("confirm", "yes"),
            ],
        )
        .await;
    p.assert(StatusCode::OK, "ha cambiado desde la vista previa");
    assert_eq!(prices().await, vec![220, 220, 220]);
    // Confirmed: applied to the three, one audit line.
    let p = hq
        .post(
            "/dashboard/catalog/bulk-price",
            &[
                ("csrf", &csrf),
                ("q", ""),
                ("percent", "10"),
                ("expected", "3"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(prices().await, vec![242, 242, 242]);
    // A search: only those, previewed in English too.
    hq.cookies.insert("trastienda_lang".into(), "en".into());
    hq.post(
        "/dashboard/catalog/bulk-price",
        &[("csrf", &csrf), ("q", "leche"), ("percent", "-10")],
    )
    .await
    .assert(StatusCode::OK, "2 products")
    .assert(StatusCode::OK, "Nothing has changed yet");
    assert_eq!(audit_kinds(s).await, vec!["product.bulk_price".to_string()]);
    let _ = w;
}
on_both_backends!(bulk_price_change_is_previewed_and_confirmed);

// --- dashboard users ----------------------------------------------------------------------------

async fn user_id(s: &Server, name: &str) -> i64 {
    back_office_server::services::people::user_id_by_name(s.storage.as_ref(), name)
        .await
        .unwrap()
}

async fn users_are_managed_and_the_last_admin_stays(s: &Server) {
    let w = world(s).await;
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    hq.get("/dashboard/users")
        .await
        .assert(StatusCode::OK, "analista")
        .assert(StatusCode::OK, "Usuario norte");
    // Create a store manager of Norte.
    let norte = w.norte.to_string();
    let p = hq
        .post(
            "/dashboard/users",
            &[
                ("csrf", &csrf),
                ("username", "Ana"),
                ("display_name", "Ana García"),
                ("role", "manager"),
                ("stores", &norte),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let ana = user_id(s, "ana").await;
    // Bad input: a manager without stores, a short password, a taken name.
    for (form, msg) in [
        (
            vec![
                ("username", "bea"),
                ("role", "manager"),
                ("password", PASSWORD),
            ],
            "al menos una tienda",
        ),
        (
            vec![
                ("username", "bea"),
                ("role", "analyst"),
                ("password", "corta"),
            ],
            "10",
        ),
        (
            vec![
                ("username", "ana"),
                ("role", "analyst"),
                ("password", PASSWORD),
            ],
            "Ya hay un usuario",
        ),
    ] {
        let p = hq.post("/dashboard/users", &with(form, &csrf)).await;
        assert!(p.status.is_client_error(), "{}", p.body);
        assert!(p.body.contains(msg), "{msg}: {}", p.body);
    }
    assert_eq!(
        s.storage
            .people()
            .list_users(Utc::now())
            .await
            .unwrap()
            .len(),
        4
    );

    // Ana signs in; HQ makes her an analyst, then disables her: her session ends, she cannot sign in.
    let (mut ana_b, _) = Browser::signed_in(s, "ana").await;
    let p = hq
        .post(
            &format!("/dashboard/users/{ana}"),
            &[
                ("csrf", &csrf),
                ("display_name", "Ana G."),
                ("role", "analyst"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let u = s.storage.people().get_user(ana, Utc::now()).await.unwrap();
    assert_eq!((u.role, u.stores.len()), (DashboardRole::Analyst, 0));
    hq.get(&format!("/dashboard/users/{ana}"))
        .await
        .assert(StatusCode::OK, "1 sesiones abiertas");
    let p = hq
        .post(
            &format!("/dashboard/users/{ana}/state"),
            &[("csrf", &csrf), ("disabled", "true")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(ana_b.get("/dashboard").await.status, StatusCode::SEE_OTHER);
    let mut again = Browser::new(s);
    let p = again.login("ana", PASSWORD).await;
    assert_ne!(p.status, StatusCode::SEE_OTHER, "a disabled user signed in");
    // Enabled again, she signs in.
    let p = hq
        .post(
            &format!("/dashboard/users/{ana}/state"),
            &[("csrf", &csrf), ("disabled", "false")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let (mut ana_b, ana_csrf) = Browser::signed_in(s, "ana").await;

    // A one-time password: shown once, the old one stops working, her sessions end.
    let p = hq
        .post(
            &format!("/dashboard/users/{ana}/password"),
            &[("csrf", &csrf), ("password", "")],
        )
        .await;
    p.assert(StatusCode::OK, "one-time-password");
    let i = p.body.find("id=\"one-time-password\">").unwrap() + 23;
    let one_time = p.body[i..i + 14].to_string();
    assert_eq!(ana_b.get("/dashboard").await.status, StatusCode::SEE_OTHER);
    let mut b = Browser::new(s);
    assert_ne!(b.login("ana", PASSWORD).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        b.login("ana", &one_time).await.status,
        StatusCode::SEE_OTHER
    );
    // She changes it herself: the current one is needed; her other sessions end, this one stays.
    let (mut ana2, _) = (Browser::new(s), ());
    assert_eq!(
        ana2.login("ana", &one_time).await.status,
        StatusCode::SEE_OTHER
    );
    // Signed in with the one-time password, every other page (and form) leads to "Mi cuenta",
    // which says why, until she has chosen her own.
    for path in ["/dashboard", "/dashboard/reports", "/dashboard/users"] {
        let p = b.get(path).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(p.location.as_deref(), Some("/dashboard/account"), "{path}");
    }
    let account = b.get("/dashboard/account").await;
    account.assert(StatusCode::OK, "id=\"must-change-password\"");
    account.assert(StatusCode::OK, "contraseña de un solo uso");
    let b_csrf = account.csrf();
    let p = b
        .post(
            &format!("/dashboard/users/{ana}/sessions"),
            &[("csrf", &b_csrf)],
        )
        .await;
    assert_eq!(p.location.as_deref(), Some("/dashboard/account"));
    // The one-time password itself is not a new one.
    let p = b
        .post(
            "/dashboard/account/password",
            &[
                ("csrf", &b_csrf),
                ("current", &one_time),
                ("new", &one_time),
            ],
        )
        .await;
    p.assert(StatusCode::UNPROCESSABLE_ENTITY, "igual que la actual");
    let p = b
        .post(
            "/dashboard/account/password",
            &[
                ("csrf", &b_csrf),
                ("current", "wrong one!!"),
                ("new", PASSWORD),
            ],
        )
        .await;
    p.assert(StatusCode::UNPROCESSABLE_ENTITY, "contraseña actual");
    let p = b
        .post(
            "/dashboard/account/password",
            &[("csrf", &b_csrf), ("current", &one_time), ("new", "short")],
        )
        .await;
    p.assert(StatusCode::UNPROCESSABLE_ENTITY, "10");
    let p = b
        .post(
            "/dashboard/account/password",
            &[
                ("csrf", &b_csrf),
                ("current", &one_time),
                ("new", "ana's own long password"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(b.get("/dashboard").await.status, StatusCode::OK);
    assert!(
        !b.get("/dashboard/account")
            .await
            .body
            .contains("must-change-password")
    );
    assert_eq!(ana2.get("/dashboard").await.status, StatusCode::SEE_OTHER);
    let _ = ana_csrf;
    // HQ ends all her sessions.
    let p = hq
        .post(
            &format!("/dashboard/users/{ana}/sessions"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(b.get("/dashboard").await.status, StatusCode::SEE_OTHER);

    // The last active admin can be neither disabled nor demoted.
    let hq_id = user_id(s, "hq").await;
    for (path, form) in [
        (
            format!("/dashboard/users/{hq_id}/state"),
            vec![("disabled", "true")],
        ),
        (
            format!("/dashboard/users/{hq_id}"),
            vec![("display_name", "HQ"), ("role", "analyst")],
        ),
    ] {
        let p = hq.post(&path, &with(form.clone(), &csrf)).await;
        p.assert(StatusCode::CONFLICT, "último administrador");
        hq.cookies.insert("trastienda_lang".into(), "en".into());
        hq.post(&path, &with(form, &csrf))
            .await
            .assert(StatusCode::CONFLICT, "last active administrator");
        hq.cookies.remove("trastienda_lang");
    }
    let u = s
        .storage
        .people()
        .get_user(hq_id, Utc::now())
        .await
        .unwrap();
    assert!(!u.disabled && u.role == DashboardRole::Admin);
    assert_eq!(hq.get("/dashboard").await.status, StatusCode::OK);

    // An analyst reads the people page and changes nothing; a manager does not see it.
    let (mut analyst, a_csrf) = Browser::signed_in(s, "analista").await;
    let page = analyst.get("/dashboard/users").await;
    page.assert(StatusCode::OK, "ana");
    assert!(!page.body.contains("action=\"/dashboard/users\""));
    let users = || async {
        s.storage
            .people()
            .list_users(Utc::now())
            .await
            .unwrap()
            .into_iter()
            .map(|u| {
                (
                    u.id,
                    u.username,
                    u.display_name,
                    u.role,
                    u.stores,
                    u.disabled,
                )
            })
            .collect::<Vec<_>>()
    };
    let before = users().await;
    let audit_before = audit_kinds(s).await.len();
    for (path, form) in [
        (
            format!("/dashboard/users/{ana}/state"),
            vec![("disabled", "true")],
        ),
        (
            format!("/dashboard/users/{ana}/password"),
            vec![("password", "")],
        ),
        (format!("/dashboard/users/{ana}/sessions"), vec![]),
        (
            "/dashboard/users".to_string(),
            vec![("username", "x"), ("role", "admin"), ("password", PASSWORD)],
        ),
    ] {
        analyst
            .post(&path, &with(form, &a_csrf))
            .await
            .assert(StatusCode::FORBIDDEN, "solo lectura");
    }
    assert_eq!(audit_kinds(s).await.len(), audit_before);
    let (mut mgr, _) = Browser::signed_in(s, "norte").await;
    for page in ["/dashboard/users", "/dashboard/tokens", "/dashboard/audit"] {
        mgr.get(page).await.assert(StatusCode::FORBIDDEN, "central");
    }
    assert_eq!(users().await, before);
    let kinds = audit_kinds(s).await;
    for k in [
        "user.create",
        "user.edit",
        "user.disable",
        "user.enable",
        "user.password_reset",
        "user.password_change",
        "user.sessions_end",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} not in {kinds:?}");
    }
    // No secret ever reaches the log.
    let log = format!(
        "{:?}",
        s.storage
            .people()
            .audit(&AuditFilter {
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
    );
    for secret in [
        PASSWORD,
        one_time.as_str(),
        "ana's own long password",
        "argon2",
    ] {
        assert!(!log.contains(secret), "{secret} in the audit log");
    }
}
on_both_backends!(users_are_managed_and_the_last_admin_stays);

// --- till staff ---------------------------------------------------------------------------------

/// The PIN hash of a member of staff as the tills get it: their last staff change.
async fn staff_pin(s: &Server, id: StaffId) -> String {
    let store = s.storage.people().get_staff(id).await.unwrap().store_id;
    let mut last = String::new();
    for c in s
        .storage
        .changes_after(store, 0, 100_000)
        .await
        .unwrap()
        .changes
    {
        if let CatalogChange::Staff(r) = &c.change
            && r.id == id
        {
            last = r.pin_hash.clone();
        }
    }
    last
}

async fn managers_change_only_their_own_stores_staff(s: &Server) {
    let w = world(s).await;
    let (mut mgr, csrf) = Browser::signed_in(s, "norte").await;
    let page = mgr.get("/dashboard/staff").await;
    page.assert(StatusCode::OK, "Persona Norte").assert(
        StatusCode::OK,
        &format!("/dashboard/staff/{}/pin", w.staff_norte),
    );
    assert!(!page.body.contains("Persona Sur"));

    // Own store: PIN reset, role, disable, enable, a new person.
    let p = mgr
        .post(
            &format!("/dashboard/staff/{}/pin", w.staff_norte),
            &[("csrf", &csrf), ("pin", "8642")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(auth::verify_pin("8642", &staff_pin(s, w.staff_norte).await));
    let p = mgr
        .post(
            &format!("/dashboard/staff/{}", w.staff_norte),
            &[("csrf", &csrf), ("role", "manager")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = mgr
        .post(
            &format!("/dashboard/staff/{}", w.staff_norte),
            &[("csrf", &csrf), ("active", "false")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let me = s.storage.people().get_staff(w.staff_norte).await.unwrap();
    assert_eq!((me.role, me.active), (StaffRole::Manager, false));
    let p = mgr
        .post(
            &format!("/dashboard/staff/{}", w.staff_norte),
            &[("csrf", &csrf), ("active", "true")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(
        s.storage
            .people()
            .get_staff(w.staff_norte)
            .await
            .unwrap()
            .active
    );
    let norte = w.norte.to_string();
    let p = mgr
        .post(
            "/dashboard/staff",
            &[
                ("csrf", &csrf),
                ("name", "Luis"),
                ("role", "cashier"),
                ("store_id", &norte),
                ("pin", "13579"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);

    // A PIN of the wrong length is refused, in the viewer's language; nothing changes.
    let before = staff_pin(s, w.staff_norte).await;
    for pin in ["123", "123456789", "12a4"] {
        mgr.post(
            &format!("/dashboard/staff/{}/pin", w.staff_norte),
            &[("csrf", &csrf), ("pin", pin)],
        )
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY, "4 a 8 cifras");
    }
    mgr.cookies.insert("trastienda_lang".into(), "en".into());
    mgr.post(
        &format!("/dashboard/staff/{}/pin", w.staff_norte),
        &[("csrf", &csrf), ("pin", "12")],
    )
    .await
    .assert(StatusCode::UNPROCESSABLE_ENTITY, "4 to 8 digits");
    mgr.cookies.remove("trastienda_lang");
    assert_eq!(staff_pin(s, w.staff_norte).await, before);

    // Another store's staff: 403 for every change, nothing stored.
    let staff_before = format!("{:?}", s.storage.list_staff(None).await.unwrap());
    let sur_pin = staff_pin(s, w.staff_sur).await;
    let sur = w.sur.to_string();
    for (path, form) in [
        (
            format!("/dashboard/staff/{}/pin", w.staff_sur),
            vec![("pin", "9999")],
        ),
        (
            format!("/dashboard/staff/{}", w.staff_sur),
            vec![("active", "false")],
        ),
        (
            format!("/dashboard/staff/{}", w.staff_sur),
            vec![("role", "manager")],
        ),
        (
            "/dashboard/staff".to_string(),
            vec![
                ("name", "Intrusa"),
                ("role", "cashier"),
                ("store_id", sur.as_str()),
                ("pin", "2468"),
            ],
        ),
    ] {
        mgr.post(&path, &with(form, &csrf))
            .await
            .assert(StatusCode::FORBIDDEN, "no es tuya");
    }
    assert_eq!(staff_pin(s, w.staff_sur).await, sur_pin);
    assert_eq!(
        format!("{:?}", s.storage.list_staff(None).await.unwrap()),
        staff_before
    );

    // An analyst changes nothing.
    let (mut analyst, a_csrf) = Browser::signed_in(s, "analista").await;
    assert!(
        !analyst
            .get("/dashboard/staff")
            .await
            .body
            .contains("/pin\"")
    );
    analyst
        .post(
            &format!("/dashboard/staff/{}/pin", w.staff_sur),
            &[("csrf", &a_csrf), ("pin", "9999")],
        )
        .await
        .assert(StatusCode::FORBIDDEN, "solo lectura");
    assert_eq!(staff_pin(s, w.staff_sur).await, sur_pin);

    // HQ changes any store's staff.
    let (mut hq, h_csrf) = Browser::signed_in(s, "hq").await;
    let p = hq
        .post(
            &format!("/dashboard/staff/{}/pin", w.staff_sur),
            &[("csrf", &h_csrf), ("pin", "97531")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(auth::verify_pin("97531", &staff_pin(s, w.staff_sur).await));
    let kinds = audit_kinds(s).await;
    assert_eq!(kinds.iter().filter(|k| *k == "staff.pin_reset").count(), 2);
    assert_eq!(kinds.iter().filter(|k| *k == "staff.edit").count(), 3);
    assert_eq!(kinds.iter().filter(|k| *k == "staff.create").count(), 1);
    let log = format!(
        "{:?}",
        s.storage
            .people()
            .audit(&AuditFilter {
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
    );
    assert!(!log.contains("8642") && !log.contains("97531") && !log.contains("argon2"));
}
on_both_backends!(managers_change_only_their_own_stores_staff);

// --- admin API tokens ---------------------------------------------------------------------------

async fn admin_tokens_are_listed_created_and_revoked(s: &Server) {
    let _w = world(s).await;
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let p = hq
        .post("/dashboard/tokens", &[("csrf", &csrf), ("name", "ERP")])
        .await;
    p.assert(StatusCode::OK, "new-token");
    let i = p.body.find("id=\"new-token\">").unwrap() + 15;
    let token = p.body[i..i + 64].to_string();
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    let api = reqwest::Client::new();
    let call = || {
        api.get(format!("{}/api/v1/admin/stores", s.base))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(call().await.unwrap().status(), StatusCode::OK);
    let list = hq.get("/dashboard/tokens").await;
    list.assert(StatusCode::OK, "ERP");
    assert!(!list.body.contains(&token), "the token is shown only once");
    let tokens = s.storage.people().list_admin_tokens().await.unwrap();
    let t = tokens.iter().find(|t| t.name == "ERP").unwrap();
    assert!(t.last_used_at.is_some());
    assert!(!list.body.contains(">nunca<"), "{}", list.body);
    // An analyst cannot revoke it.
    let (mut analyst, a_csrf) = Browser::signed_in(s, "analista").await;
    analyst
        .get("/dashboard/tokens")
        .await
        .assert(StatusCode::OK, "ERP");
    analyst
        .post(
            &format!("/dashboard/tokens/{}/revoke", t.id),
            &[("csrf", &a_csrf)],
        )
        .await
        .assert(StatusCode::FORBIDDEN, "solo lectura");
    assert_eq!(call().await.unwrap().status(), StatusCode::OK);
    let p = hq
        .post(
            &format!("/dashboard/tokens/{}/revoke", t.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(call().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    hq.get("/dashboard/tokens")
        .await
        .assert(StatusCode::OK, "revocado");
    hq.post("/dashboard/tokens/9999/revoke", &[("csrf", &csrf)])
        .await
        .assert(StatusCode::NOT_FOUND, "9999");
    hq.post("/dashboard/tokens", &[("csrf", &csrf), ("name", "  ")])
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY, "name");
    assert_eq!(
        audit_kinds(s).await,
        vec!["token.revoke".to_string(), "token.create".to_string()]
    );
}
on_both_backends!(admin_tokens_are_listed_created_and_revoked);

// --- the audit log ------------------------------------------------------------------------------

async fn audit_page_filters_and_pages(s: &Server) {
    let w = world(s).await;
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    // 55 PIN resets and one user edit.
    for i in 0..55 {
        let pin = format!("{:04}", 1000 + i);
        let p = hq
            .post(
                &format!("/dashboard/staff/{}/pin", w.staff_norte),
                &[("csrf", &csrf), ("pin", &pin)],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    }
    let analista = user_id(s, "analista").await;
    hq.post(
        &format!("/dashboard/users/{analista}"),
        &[
            ("csrf", &csrf),
            ("display_name", "Analista"),
            ("role", "analyst"),
        ],
    )
    .await;
    let (mut analyst, _) = Browser::signed_in(s, "analista").await;
    let p = analyst.get("/dashboard/audit").await;
    p.assert(StatusCode::OK, "usuario modificado")
        .assert(StatusCode::OK, "name: Usuario analista → Analista")
        .assert(StatusCode::OK, "id=\"next-page\"");
    assert_eq!(p.body.matches("<tr data-kind=").count(), 50);
    let p2 = analyst.get("/dashboard/audit?page=2").await;
    assert_eq!(p2.body.matches("<tr data-kind=").count(), 6);
    assert!(!p2.body.contains("id=\"next-page\""));
    let f = analyst.get("/dashboard/audit?kind=user.edit").await;
    assert_eq!(f.body.matches("<tr data-kind=").count(), 1, "{}", f.body);
    let f = analyst
        .get("/dashboard/audit?user=hq&kind=staff.pin_reset&page=2")
        .await;
    assert_eq!(f.body.matches("<tr data-kind=").count(), 5);
    let f = analyst.get("/dashboard/audit?user=nadie").await;
    f.assert(StatusCode::OK, "No hay cambios");
    analyst
        .get("/dashboard/audit?kind=drop.table")
        .await
        .assert(StatusCode::BAD_REQUEST, "drop.table");
    analyst
        .get("/dashboard/audit?page=0")
        .await
        .assert(StatusCode::BAD_REQUEST, "0");
    analyst
        .cookies
        .insert("trastienda_lang".into(), "en".into());
    analyst
        .get("/dashboard/audit")
        .await
        .assert(StatusCode::OK, "PIN reset")
        .assert(StatusCode::OK, "Audit log");
    for i in 0..55 {
        assert!(!p.body.contains(&format!(">{:04}<", 1000 + i)));
    }
}
on_both_backends!(audit_page_filters_and_pages);

/// Staff changed through the JSON admin API are in the audit log like the dashboard's, under the
/// API token's name.
async fn api_staff_changes_are_audited(s: &Server) {
    let w = world(s).await;
    let token = auth::new_token();
    s.storage
        .create_admin("ERP de RR. HH.", &auth::hash_token(&token))
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}/api/v1/admin{p}", s.base);
    let r = http
        .post(url("/staff"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "name": "Marta API", "role": "cashier", "store_id": w.norte.0, "pin": "4321"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    // A refused change (a PIN of the wrong length) writes nothing.
    let r = http
        .put(url(&format!("/staff/{id}/pin")))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "pin": "12" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = http
        .put(url(&format!("/staff/{id}/pin")))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "pin": "987654" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = http
        .delete(url(&format!("/staff/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    let lines = s
        .storage
        .people()
        .audit(&AuditFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut mine: Vec<_> = lines
        .iter()
        .filter(|a| a.actor == "api-token:ERP de RR. HH.")
        .map(|a| (a.kind.as_str(), a.summary.as_str()))
        .collect();
    mine.sort();
    let created = format!("cashier, store {}", w.norte.0);
    assert_eq!(
        mine,
        [
            ("staff.create", created.as_str()),
            ("staff.edit", "active → disabled"),
            ("staff.pin_reset", "PIN changed"),
        ],
        "{lines:?}"
    );
    let st = s.storage.list_staff(Some(w.norte)).await.unwrap();
    assert!(st.iter().any(|m| m.id.0 == id && !m.active));
    // The audit page shows them to HQ.
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    hq.get("/dashboard/audit")
        .await
        .assert(StatusCode::OK, "api-token:ERP de RR. HH.");
}
on_both_backends!(api_staff_changes_are_audited);
