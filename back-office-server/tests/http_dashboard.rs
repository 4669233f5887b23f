//! The web dashboard end to end: the real router on 127.0.0.1:0 over a fresh SQLite file (and a fresh
//! PostgreSQL database when `TRASTIENDA_TEST_POSTGRES_URL` is set), driven like a browser with reqwest:
//! sign-in, rate limit, CSRF, role boundaries, every page and every form (good and bad input).

use back_office_server::auth;
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::{
    NewFranchisee, NewProduct, NewStaff, NewStore, NewTaxRate, TillAuth,
};
use chrono::Utc;
use reqwest::StatusCode;
use sync_protocol::{
    CatalogChange, Document, DocumentBody, DocumentId, GENESIS_HASH, Money, Payment, ProductId,
    Quantity, Sale, SaleLine, StaffRole, StoreId, TaxRate, Tender, TillId, compute_totals,
};
use uuid::Uuid;

#[macro_use]
mod common;
use common::*;

/// The seeded franchise: two stores, each with a till that pushed one sale.
struct World {
    store_a: StoreId,
    store_b: StoreId,
    product: ProductId,
    till_a: TillId,
    till_b: TillId,
}

fn sale(product: ProductId, cents: i64, qty: i64, rate: i64, tender: Tender) -> DocumentBody {
    let line = SaleLine {
        line_id: Uuid::new_v4(),
        product_id: product,
        barcode: None,
        name: "Café molido 250 g".into(),
        quantity: Quantity::units(qty),
        unit_price: Money::from_cents(cents),
        tax_rate: TaxRate::percent(rate),
        discount: Money::ZERO,
        promotion: None,
    };
    let totals = compute_totals(&[line.input()], Money::ZERO).unwrap();
    DocumentBody::Sale(Sale {
        ticket_number: "T0001-000001".into(),
        cashier_id: None,
        lines: vec![line],
        ticket_discount: Money::ZERO,
        payments: vec![Payment {
            payment_id: Uuid::new_v4(),
            tender,
            amount: totals.total,
            tendered: None,
            change: Money::ZERO,
            reference: None,
        }],
        totals,
    })
}

async fn push_sale(
    s: &Server,
    till: &TillAuth,
    seq: u64,
    prev: &str,
    body: DocumentBody,
) -> String {
    let d = Document::seal(
        DocumentId::new(),
        till.till_id,
        till.store_id,
        seq,
        Utc::now(),
        prev,
        body,
    );
    s.storage
        .push(till, std::slice::from_ref(&d), Utc::now())
        .await
        .unwrap();
    d.hash
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
            st.create_store(&NewStore {
                franchisee_id: f.id,
                name: name.into(),
                address: "x".into(),
                receipt_header: String::new(),
                receipt_footer: "Gracias".into(),
                cash_tolerance: back_office_server::storage::default_cash_tolerance(),
                time_zone: Default::default(),
            })
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
        .unwrap();
    st.create_tax_rate(&NewTaxRate {
        name: "IVA general".into(),
        rate: TaxRate::percent(21),
    })
    .await
    .unwrap();
    let mut products = vec![];
    for (sku, name) in [
        ("CAF-1", "Café molido 250 g"),
        ("LEC-1", "Leche entera 1 l"),
        ("LEC-2", "Leche desnatada 1 l"),
    ] {
        products.push(
            st.create_product(&NewProduct {
                sku: sku.into(),
                name: name.into(),
                tax_rate_id: rate.id,
                price: Money::from_cents(345),
                barcodes: vec![],
            })
            .await
            .unwrap()
            .id,
        );
    }
    for (i, s_id) in stores.iter().enumerate() {
        st.create_staff(&NewStaff {
            name: format!("Persona {}", ["Norte", "Sur"][i]),
            role: StaffRole::Cashier,
            store_id: *s_id,
            pin_hash: auth::hash_pin("1234").unwrap(),
        })
        .await
        .unwrap();
    }
    let ta = enrolled(s, stores[0], "Caja Norte").await;
    let tb = enrolled(s, stores[1], "Caja Sur").await;
    // Norte: 2 × 3,45 € by card. Sur: 5 × 7,77 € in cash (distinctive: 38,85 €).
    push_sale(
        s,
        &ta,
        1,
        GENESIS_HASH,
        sale(products[0], 345, 2, 10, Tender::Card),
    )
    .await;
    push_sale(
        s,
        &tb,
        1,
        GENESIS_HASH,
        sale(products[0], 777, 5, 10, Tender::Cash),
    )
    .await;
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
        store_a: stores[0],
        store_b: stores[1],
        product: products[0],
        till_a: ta.till_id,
        till_b: tb.till_id,
    }
}

async fn product_price(s: &Server, id: ProductId) -> Money {
    s.storage.get_product(id).await.unwrap().price
}

// --- scenarios ----------------------------------------------------------------------------------

async fn sign_in_rate_limit_and_sign_out(s: &Server) {
    world(s).await;
    let mut b = Browser::new(s);
    let p = b.get("/dashboard").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location.as_deref(), Some("/dashboard/login"));
    let p = b.get("/").await;
    assert_eq!(p.location.as_deref(), Some("/dashboard"));
    b.get("/dashboard/login")
        .await
        .assert(StatusCode::OK, "Contraseña");

    // No CSRF token: refused before the password is even looked at.
    let mut nocsrf = Browser::new(s);
    nocsrf
        .post(
            "/dashboard/login",
            &[("username", "hq"), ("password", PASSWORD)],
        )
        .await
        .assert(StatusCode::FORBIDDEN, "CSRF");

    b.login("hq", "wrong password!")
        .await
        .assert(StatusCode::UNAUTHORIZED, "incorrectos");
    b.login("nobody", PASSWORD)
        .await
        .assert(StatusCode::UNAUTHORIZED, "incorrectos");

    // Five failures for a user name lock it for 15 minutes, even with the right password.
    for _ in 0..4 {
        b.login("analista", "wrong password!")
            .await
            .assert(StatusCode::UNAUTHORIZED, "incorrectos");
    }
    b.login("analista", "wrong password!")
        .await
        .assert(StatusCode::UNAUTHORIZED, "incorrectos");
    b.login("analista", PASSWORD)
        .await
        .assert(StatusCode::TOO_MANY_REQUESTS, "Demasiados intentos");
    assert!(!b.cookies.contains_key("trastienda_session"));

    // Another user is not affected; a good sign-in sets a strict, HttpOnly session cookie.
    let mut ok = Browser::new(s);
    let form = ok.get("/dashboard/login").await;
    let csrf = form.csrf();
    let res = ok
        .http
        .post(format!("{}/dashboard/login", s.base))
        .header(
            "cookie",
            format!("trastienda_login={}", ok.cookies["trastienda_login"]),
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[
            ("csrf", csrf.as_str()),
            ("username", "HQ"),
            ("password", PASSWORD),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let set = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set.starts_with("trastienda_session="), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );

    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    hq.get("/dashboard")
        .await
        .assert(StatusCode::OK, "Usuario hq");
    // Sign-out needs the CSRF token too, then the session is gone.
    hq.post("/dashboard/logout", &[])
        .await
        .assert(StatusCode::FORBIDDEN, "CSRF");
    let p = hq.post("/dashboard/logout", &[("csrf", &csrf)]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(hq.get("/dashboard").await.status, StatusCode::SEE_OTHER);
}

async fn overview_and_reports_are_scoped(s: &Server) {
    let w = world(s).await;
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    let o = hq.get("/dashboard").await;
    o.assert(StatusCode::OK, "Tienda Norte")
        .assert(StatusCode::OK, "Tienda Sur")
        .assert(StatusCode::OK, "45,75 €") // 6,90 + 38,85
        .assert(StatusCode::OK, "http-equiv=\"refresh\"");
    let (mut norte, _) = Browser::signed_in(s, "norte").await;
    let o = norte.get("/dashboard").await;
    o.assert(StatusCode::OK, "Tienda Norte")
        .assert(StatusCode::OK, "6,90 €");
    assert!(
        !o.body.contains("Tienda Sur") && !o.body.contains("38,85"),
        "{}",
        o.body
    );

    // A till silent for longer than the threshold is listed as offline.
    let p = hq.get("/dashboard?offline_hours=1").await;
    assert!(!p.body.contains("offline-tills"), "{}", p.body);
    // A till whose last push was 50 hours ago is offline; once it syncs again it is not.
    let late = enrolled(s, w.store_a, "Caja Trastero").await;
    let d = Document::seal(
        DocumentId::new(),
        late.till_id,
        late.store_id,
        1,
        Utc::now(),
        GENESIS_HASH,
        sale(w.product, 100, 1, 10, Tender::Cash),
    );
    s.storage
        .push(
            &late,
            std::slice::from_ref(&d),
            Utc::now() - chrono::Duration::hours(50),
        )
        .await
        .unwrap();
    hq.get("/dashboard")
        .await
        .assert(StatusCode::OK, "offline-tills")
        .assert(StatusCode::OK, "Caja Trastero");
    norte
        .get("/dashboard")
        .await
        .assert(StatusCode::OK, "Caja Trastero");
    let p = hq.get("/dashboard?offline_hours=72").await;
    // (Its gap alert names it now; the offline list does not.)
    assert!(!p.body.contains("id=\"offline-tills\""), "{}", p.body);
    s.storage.push(&late, &[d], Utc::now()).await.unwrap();
    assert!(
        !hq.get("/dashboard")
            .await
            .body
            .contains("id=\"offline-tills\"")
    );
    s.storage.revoke_till(w.till_b, Utc::now()).await.unwrap();

    // Reports: every grouping, HQ sees both stores, the manager only theirs.
    for by in ["day", "store", "product", "tax", "tender"] {
        let r = hq.get(&format!("/dashboard/reports?by={by}")).await;
        r.assert(StatusCode::OK, "46,75 €")
            .assert(StatusCode::OK, "<svg");
        let m = norte.get(&format!("/dashboard/reports?by={by}")).await;
        m.assert(StatusCode::OK, "7,90 €");
        assert!(
            !m.body.contains("46,75") && !m.body.contains("38,85"),
            "{by}: {}",
            m.body
        );
    }
    // VAT per rate from the tickets' breakdowns: Norte sold 6,90 € and 1,00 € at 10 %.
    norte
        .get("/dashboard/reports?by=tax")
        .await
        .assert(StatusCode::OK, "0,72 €")
        .assert(StatusCode::OK, "7,18 €");
    hq.get("/dashboard/reports?by=tax")
        .await
        .assert(StatusCode::OK, "IVA 10.00 %");
    hq.get("/dashboard/reports?by=tender")
        .await
        .assert(StatusCode::OK, "Efectivo");
    hq.get("/dashboard/reports?by=product")
        .await
        .assert(StatusCode::OK, "CAF-1 Café molido");
    let csv = hq.get("/dashboard/reports.csv?by=store").await;
    csv.assert(StatusCode::OK, "Tienda Sur")
        .assert(StatusCode::OK, "38.85");
    let csv = norte.get("/dashboard/reports.csv?by=store").await;
    assert!(!csv.body.contains("Tienda Sur"), "{}", csv.body);
    // Previous period: an empty week before; the report says so.
    let today = back_office_server::storage::sql::business_day(Utc::now());
    let from = today - chrono::Duration::days(7);
    hq.get(&format!("/dashboard/reports?by=day&from={from}&to={from}"))
        .await
        .assert(StatusCode::OK, "No hay ventas");

    // Tills, staff, stores: the manager sees nothing of the other store.
    let t = norte.get("/dashboard/tills").await;
    t.assert(StatusCode::OK, "Caja Norte");
    assert!(!t.body.contains("Caja Sur"), "{}", t.body);
    hq.get("/dashboard/tills")
        .await
        .assert(StatusCode::OK, "Caja Sur")
        .assert(StatusCode::OK, "revocada");
    let st = norte.get("/dashboard/staff").await;
    st.assert(StatusCode::OK, "Persona Norte");
    assert!(!st.body.contains("Persona Sur"));
    let sp = norte.get("/dashboard/stores").await;
    sp.assert(StatusCode::OK, "Tienda Norte");
    assert!(!sp.body.contains("Tienda Sur"));
    let cp = norte
        .get(&format!("/dashboard/catalog/{}", w.product))
        .await;
    cp.assert(StatusCode::OK, "Tienda Norte");
    assert!(!cp.body.contains("Tienda Sur"));
    // Read-only roles get no forms.
    assert!(!cp.body.contains("save-price"));
    // By day, today is compared with yesterday (the previous one-day period), not listed beside it.
    let y = enrolled(s, w.store_a, "Caja Ayer").await;
    let d = Document::seal(
        DocumentId::new(),
        y.till_id,
        y.store_id,
        1,
        Utc::now() - chrono::Duration::days(1),
        GENESIS_HASH,
        sale(w.product, 1234, 1, 10, Tender::Card),
    );
    s.storage.push(&y, &[d], Utc::now()).await.unwrap();
    let r = hq
        .get(&format!(
            "/dashboard/reports?by=day&from={today}&to={today}"
        ))
        .await;
    r.assert(StatusCode::OK, "12,34 €");
    assert_eq!(r.body.matches("<tr data-key=").count(), 1, "{}", r.body);
    let _ = (w.store_a, w.store_b, w.till_a);
}

async fn writes_need_csrf_and_the_admin_role(s: &Server) {
    let w = world(s).await;
    let path = format!("/dashboard/catalog/{}", w.product);
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let (mut analyst, a_csrf) = Browser::signed_in(s, "analista").await;
    let (mut norte, n_csrf) = Browser::signed_in(s, "norte").await;

    hq.post(&path, &[("price", "9.99")])
        .await
        .assert(StatusCode::FORBIDDEN, "CSRF");
    hq.post(&path, &[("price", "9.99"), ("csrf", "forged")])
        .await
        .assert(StatusCode::FORBIDDEN, "CSRF");
    // Another session's token does not work either.
    hq.post(&path, &[("price", "9.99"), ("csrf", &a_csrf)])
        .await
        .assert(StatusCode::FORBIDDEN, "CSRF");
    analyst
        .post(&path, &[("price", "9.99"), ("csrf", &a_csrf)])
        .await
        .assert(StatusCode::FORBIDDEN, "solo lectura");
    norte
        .post(&path, &[("price", "9.99"), ("csrf", &n_csrf)])
        .await
        .assert(StatusCode::FORBIDDEN, "solo lectura");
    norte
        .post(
            &format!("/dashboard/tills/{}/revoke", w.till_b),
            &[("csrf", &n_csrf)],
        )
        .await
        .assert(StatusCode::FORBIDDEN, "solo lectura");
    assert_eq!(product_price(s, w.product).await, Money::from_cents(345));
    assert!(
        s.storage
            .get_till(w.till_b)
            .await
            .unwrap()
            .revoked_at
            .is_none()
    );

    // The admin changes the HQ price: saved, and a change-log row carries it to the tills.
    let cursor = s
        .storage
        .changes_after(w.store_a, 0, 1000)
        .await
        .unwrap()
        .next_cursor;
    let p = hq.post(&path, &[("price", "3,99"), ("csrf", &csrf)]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    hq.get(p.location.as_deref().unwrap())
        .await
        .assert(StatusCode::OK, "3,99 €");
    assert_eq!(product_price(s, w.product).await, Money::from_cents(399));
    let page = s
        .storage
        .changes_after(w.store_a, cursor, 1000)
        .await
        .unwrap();
    assert!(page.changes.iter().any(|c| matches!(&c.change, CatalogChange::Product(p) if p.id == w.product && p.price == Money::from_cents(399))));

    // The report category is set from the same form and shown on the product page.
    let p = hq
        .post(
            &path,
            &[("price", "3,99"), ("category", " Bodega "), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    hq.get(&path).await.assert(
        StatusCode::OK,
        "<span id=\"product-category\">Bodega</span>",
    );
    assert_eq!(
        s.storage
            .dashboard()
            .product_category(w.product)
            .await
            .unwrap(),
        "Bodega"
    );

    // A store's own price: only that store's tills see it; clearing goes back to HQ's.
    let sp = format!("{path}/store-price");
    let store_b = w.store_b.to_string();
    let p = hq
        .post(
            &sp,
            &[("csrf", &csrf), ("store_id", &store_b), ("price", "4.25")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    hq.get(&path).await.assert(StatusCode::OK, "4,25 €");
    let page = s
        .storage
        .changes_after(w.store_b, cursor, 1000)
        .await
        .unwrap();
    assert!(page.changes.iter().any(|c| matches!(&c.change, CatalogChange::StorePrice { price, .. } if *price == Money::from_cents(425))));
    let page = s
        .storage
        .changes_after(w.store_a, cursor, 1000)
        .await
        .unwrap();
    assert!(
        !page
            .changes
            .iter()
            .any(|c| matches!(&c.change, CatalogChange::StorePrice { .. }))
    );
    hq.post(
        &sp,
        &[("csrf", &csrf), ("store_id", &store_b), ("price", "")],
    )
    .await;
    assert!(!hq.get(&path).await.body.contains("4,25 €"));

    // Bulk: +10 % on the two "leche" products only: a preview first, then the confirmation.
    let p = hq
        .post(
            "/dashboard/catalog/bulk-price",
            &[("csrf", &csrf), ("q", "leche"), ("percent", "10")],
        )
        .await;
    p.assert(StatusCode::OK, "bulk-confirm");
    assert_eq!(product_price(s, w.product).await, Money::from_cents(399));
    let p = hq
        .post(
            "/dashboard/catalog/bulk-price",
            &[
                ("csrf", &csrf),
                ("q", "leche"),
                ("percent", "10"),
                ("expected", "2"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let milk = s.storage.list_products(Some("leche"), 0, 10).await.unwrap();
    assert_eq!(milk.len(), 2);
    assert!(
        milk.iter().all(|p| p.price == Money::from_cents(380)),
        "{milk:?}"
    ); // 3,45 × 1,1 = 3,795 → 3,80
    assert_eq!(product_price(s, w.product).await, Money::from_cents(399));

    // CSV export, then import: one new product and one update.
    let csv = hq.get("/dashboard/catalog.csv?q=leche").await;
    csv.assert(StatusCode::OK, "LEC-1,Leche entera 1 l,10.00,3.80");
    let import = "sku,name,tax_rate,price,barcodes\nLEC-1,\"Leche entera, brik 1 l\",10,1.05,\nNEW-1,Pan de molde,21,\"2,10\",8437120000016\n";
    let p = hq
        .post(
            "/dashboard/catalog/import",
            &[("csrf", &csrf), ("csv", import)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let new = s.storage.list_products(Some("NEW-1"), 0, 10).await.unwrap();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].price, Money::from_cents(210));
    assert_eq!(new[0].tax_rate, TaxRate::percent(21));
    let lec = s.storage.list_products(Some("LEC-1"), 0, 10).await.unwrap();
    assert_eq!(lec[0].name, "Leche entera, brik 1 l");
    assert_eq!(lec[0].price, Money::from_cents(105));

    // Franchisee, store, staff, till: created from their forms.
    let p = hq
        .post(
            "/dashboard/franchisees",
            &[
                ("csrf", &csrf),
                ("legal_name", "Nueva, S.L."),
                ("nif", "b-9687342-7"),
                ("address", "Sevilla"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let fr = s.storage.list_franchisees().await.unwrap();
    assert_eq!(fr.len(), 2, "{fr:?}");
    let fid = fr[1].id.to_string();
    let p = hq
        .post(
            "/dashboard/stores",
            &[
                ("csrf", &csrf),
                ("franchisee_id", &fid),
                ("name", "Tienda Triana"),
                ("address", "Sevilla"),
                ("receipt_footer", "¡Gracias!"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    hq.get("/dashboard/stores")
        .await
        .assert(StatusCode::OK, "Tienda Triana");
    let store_a = w.store_a.to_string();
    let p = hq
        .post(
            "/dashboard/staff",
            &[
                ("csrf", &csrf),
                ("name", "Rosa Vidal"),
                ("role", "manager"),
                ("store_id", &store_a),
                ("pin", "4321"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    hq.get("/dashboard/staff")
        .await
        .assert(StatusCode::OK, "Rosa Vidal");
    let t = hq
        .post(
            "/dashboard/tills",
            &[("csrf", &csrf), ("store_id", &store_a), ("name", "Caja 2")],
        )
        .await;
    t.assert(StatusCode::OK, "enrolment-code")
        .assert(StatusCode::OK, "<svg");
    let code = {
        let i = t.body.find("id=\"enrolment-code\">").unwrap() + 20;
        t.body[i..i + auth::CODE_LEN].to_string()
    };
    // The enrolment link a till can paste (the QR holds it): this server as reached, and the code.
    t.assert(StatusCode::OK, &format!("/#code={code}"));
    // The shown code really enrols a till.
    let e = s
        .storage
        .enroll_till(
            &auth::hash_token(&code),
            None,
            "dev",
            &auth::hash_token(&auth::new_token()),
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(e.store_id, w.store_a);
    let p = hq
        .post(
            &format!("/dashboard/tills/{}/revoke", e.till_id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(
        s.storage
            .get_till(e.till_id)
            .await
            .unwrap()
            .revoked_at
            .is_some()
    );
}

async fn bad_input_gets_a_message_and_saves_nothing(s: &Server) {
    let w = world(s).await;
    let path = format!("/dashboard/catalog/{}", w.product);
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let store_a = w.store_a.to_string();
    let long_category = "x".repeat(101);
    type Case<'a> = (String, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (path.clone(), vec![("price", "abc")], "no es un importe"),
        (path.clone(), vec![("price", "-1")], "negativo"),
        (path.clone(), vec![("price", "")], "Falta"),
        (path.clone(), vec![("price", "2"), ("name", "  ")], "nombre"),
        (
            path.clone(),
            vec![("price", "2"), ("category", &long_category)],
            "100 caracteres",
        ),
        (
            format!("{path}/store-price"),
            vec![("store_id", "x"), ("price", "1")],
            "tienda",
        ),
        (
            format!("{path}/store-price"),
            vec![("store_id", &store_a), ("price", "1,2,3")],
            "importe",
        ),
        (
            format!("{path}/store-price"),
            vec![("store_id", "999"), ("price", "1")],
            // Storage's refusal, in the page's language (it used to come out in English).
            "La tienda 999 no existe",
        ),
        (
            "/dashboard/catalog/999999".into(),
            vec![("price", "1")],
            "999999",
        ),
        (
            "/dashboard/catalog/bulk-price".into(),
            vec![("q", ""), ("percent", "x")],
            "no es un número",
        ),
        (
            "/dashboard/catalog/bulk-price".into(),
            vec![("q", ""), ("percent", "0")],
            "entre",
        ),
        (
            "/dashboard/catalog/bulk-price".into(),
            vec![("q", ""), ("percent", "500")],
            "entre",
        ),
        (
            "/dashboard/catalog/bulk-price".into(),
            vec![("q", "zzz-nothing"), ("percent", "5")],
            "Ningún producto",
        ),
        (
            "/dashboard/catalog/import".into(),
            vec![("csv", "")],
            "vacío",
        ),
        (
            "/dashboard/catalog/import".into(),
            vec![("csv", "a,b\n1,2\n")],
            "columnas",
        ),
        (
            "/dashboard/catalog/import".into(),
            vec![(
                "csv",
                "sku,name,tax_rate,price\nOK-1,Bueno,10,1\nBAD-1,Malo,7,1\n",
            )],
            "Línea 3",
        ),
        (
            "/dashboard/catalog/import".into(),
            vec![(
                "csv",
                "sku,name,tax_rate,price\nOK-1,Bueno,10,1\nOK-2,Malo,10,gratis\n",
            )],
            "Línea 3",
        ),
        (
            "/dashboard/catalog/import".into(),
            vec![(
                "csv",
                "sku,name,tax_rate,price,barcodes\nOK-1,Bueno,10,1,1234\n",
            )],
            "Línea 2",
        ),
        (
            "/dashboard/franchisees".into(),
            vec![("legal_name", "X, S.L."), ("nif", "B12345670")],
            "no es válido",
        ),
        (
            "/dashboard/franchisees".into(),
            vec![("legal_name", ""), ("nif", "B96873427")],
            "razón social",
        ),
        (
            "/dashboard/franchisees".into(),
            vec![("legal_name", "Dup"), ("nif", "B12345674")],
            "ya pertenece al franquiciado",
        ),
        (
            "/dashboard/stores".into(),
            vec![("franchisee_id", "1"), ("name", "")],
            "nombre",
        ),
        (
            "/dashboard/stores".into(),
            vec![("franchisee_id", "abc"), ("name", "X")],
            "franquiciado",
        ),
        (
            "/dashboard/stores".into(),
            vec![("franchisee_id", "999"), ("name", "X")],
            "El franquiciado 999 no existe",
        ),
        (
            "/dashboard/staff".into(),
            vec![
                ("name", "Eva"),
                ("role", "cashier"),
                ("store_id", &store_a),
                ("pin", "12"),
            ],
            "PIN",
        ),
        (
            "/dashboard/staff".into(),
            vec![
                ("name", "Eva"),
                ("role", "boss"),
                ("store_id", &store_a),
                ("pin", "1234"),
            ],
            "rol",
        ),
        (
            "/dashboard/staff".into(),
            vec![
                ("name", ""),
                ("role", "cashier"),
                ("store_id", &store_a),
                ("pin", "1234"),
            ],
            "nombre",
        ),
        (
            "/dashboard/tills".into(),
            vec![("store_id", ""), ("name", "Caja 9")],
            "tienda",
        ),
        (
            "/dashboard/tills".into(),
            vec![("store_id", &store_a), ("name", "")],
            "nombre",
        ),
        (
            "/dashboard/tills".into(),
            vec![("store_id", "999"), ("name", "Caja 9")],
            "La tienda 999 no existe",
        ),
        (
            "/dashboard/tills/999/revoke".into(),
            vec![],
            "La caja 999 no existe",
        ),
    ];
    let products = s.storage.list_products(None, 0, 1000).await.unwrap();
    let (tills, staff, stores, franchisees) = (
        s.storage.list_tills().await.unwrap().len(),
        s.storage.list_staff(None).await.unwrap().len(),
        s.storage.list_stores().await.unwrap().len(),
        s.storage.list_franchisees().await.unwrap().len(),
    );
    for (url, mut form, needle) in cases {
        form.push(("csrf", &csrf));
        let p = hq.post(&url, &form).await;
        assert!(
            p.status.is_client_error(),
            "{url} {form:?}: expected a 4xx, got {} {}",
            p.status,
            p.body
        );
        assert!(
            p.body.contains(needle) && p.body.contains("No se ha guardado nada"),
            "{url} {form:?}: message does not mention {needle:?}: {}",
            p.body
        );
    }
    assert_eq!(
        s.storage.list_products(None, 0, 1000).await.unwrap(),
        products
    );
    assert_eq!(s.storage.list_tills().await.unwrap().len(), tills);
    assert_eq!(s.storage.list_staff(None).await.unwrap().len(), staff);
    assert_eq!(s.storage.list_stores().await.unwrap().len(), stores);
    assert_eq!(
        s.storage.list_franchisees().await.unwrap().len(),
        franchisees
    );

    // Bad query strings and paths are pages too, not 500s.
    // A malformed report query is a 400 with what is wrong.
    hq.get("/dashboard/reports?from=2025-02-30")
        .await
        .assert(StatusCode::BAD_REQUEST, "no es válida");
    hq.get("/dashboard/reports?from=2025-03-02&to=2025-03-01")
        .await
        .assert(StatusCode::BAD_REQUEST, "posterior");
    hq.get("/dashboard/reports?by=weather")
        .await
        .assert(StatusCode::BAD_REQUEST, "desconocida");
    hq.get("/dashboard/reports?from=2000-01-01&to=2025-01-01")
        .await
        .assert(StatusCode::BAD_REQUEST, "como mucho");
    hq.get("/dashboard/catalog/abc")
        .await
        .assert(StatusCode::NOT_FOUND, "No existe");
    hq.get("/dashboard/catalog?page=x")
        .await
        .assert(StatusCode::BAD_REQUEST, "Parámetros");
    hq.get("/dashboard?offline_hours=x")
        .await
        .assert(StatusCode::BAD_REQUEST, "Parámetros");
}

async fn every_page_renders_for_every_role(s: &Server) {
    let w = world(s).await;
    let owner = s.storage.get_store(w.store_a).await.unwrap().franchisee_id;
    let pages = [
        format!("/dashboard/stores/{}", w.store_a),
        format!("/dashboard/franchisees/{}", owner.0),
        "/dashboard".to_string(),
        "/dashboard/catalog".into(),
        "/dashboard/catalog?q=leche&page=1".into(),
        format!("/dashboard/catalog/{}", w.product),
        "/dashboard/catalog.csv".into(),
        "/dashboard/stores".into(),
        "/dashboard/tills".into(),
        "/dashboard/staff".into(),
        "/dashboard/barcode-rules".into(),
        "/dashboard/deliveries".into(),
        "/dashboard/deliveries?status=pending".into(),
        "/dashboard/reports".into(),
        "/dashboard/reports.csv?by=product".into(),
    ];
    for user in ["hq", "analista", "norte"] {
        let (mut b, _) = Browser::signed_in(s, user).await;
        for p in &pages {
            let r = b.get(p).await;
            assert_eq!(r.status, StatusCode::OK, "{user} {p}: {}", r.body);
        }
        let css = b.get("/dashboard/style.css").await;
        assert!(css.body.contains("--brand"));
        // Admin-only forms show only to the admin.
        let c = b.get("/dashboard/catalog").await;
        assert_eq!(c.body.contains("bulk-percent"), user == "hq", "{user}");
    }
    // Without a session every page sends you to sign in, and no data leaks.
    let mut anon = Browser::new(s);
    for p in &pages {
        let r = anon.get(p).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{p}");
        assert!(!r.body.contains("Tienda"), "{p}");
    }
    let r = anon
        .post("/dashboard/catalog/bulk-price", &[("percent", "50")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Paging: a catalog bigger than a page has a next page.
    let more: Vec<NewProduct> = (0..60)
        .map(|i| NewProduct {
            sku: format!("P-{i:03}"),
            name: format!("Producto {i}"),
            tax_rate_id: 1,
            price: Money::from_cents(100 + i),
            barcodes: vec![],
        })
        .collect();
    s.storage.import_products(&more).await.unwrap();
    let (mut b, _) = Browser::signed_in(s, "hq").await;
    b.get("/dashboard/catalog")
        .await
        .assert(StatusCode::OK, "next-page");
    let p2 = b.get("/dashboard/catalog?page=2").await;
    p2.assert(StatusCode::OK, "P-059");
    assert!(!p2.body.contains("next-page"));
}

/// Scale-label rules: HQ admins add and remove them (each write reaches every store's tills);
/// analysts and store managers see them read-only; bad input says why and saves nothing.
async fn barcode_rules_page(s: &Server) {
    let w = world(s).await;
    let path = "/dashboard/barcode-rules";
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let (mut analyst, a_csrf) = Browser::signed_in(s, "analista").await;
    let (mut norte, n_csrf) = Browser::signed_in(s, "norte").await;
    let cursor = s
        .storage
        .changes_after(w.store_b, 0, 1000)
        .await
        .unwrap()
        .next_cursor;
    let weight = |csrf: &str| -> Vec<(String, String)> {
        [
            ("csrf", csrf),
            ("prefix", "21"),
            ("kind", "weight"),
            ("item_digits", "5"),
            ("value_digits", "5"),
            ("decimals", "3"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    async fn post(b: &mut Browser<'_>, path: &str, f: &[(String, String)]) -> Page {
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        b.post(path, &f).await
    }

    // Read-only roles see the page but no form, and cannot post.
    for b in [&mut analyst, &mut norte] {
        let p = b.get(path).await;
        p.assert(StatusCode::OK, "Códigos de balanza");
        assert!(!p.body.contains("rule-save"), "{}", p.body);
    }
    post(&mut analyst, path, &weight(&a_csrf))
        .await
        .assert(StatusCode::FORBIDDEN, "solo lectura");
    post(&mut norte, path, &weight(&n_csrf))
        .await
        .assert(StatusCode::FORBIDDEN, "solo lectura");
    // No CSRF, forged CSRF.
    post(&mut hq, path, &weight(""))
        .await
        .assert(StatusCode::FORBIDDEN, "CSRF");
    post(&mut hq, path, &weight("forged"))
        .await
        .assert(StatusCode::FORBIDDEN, "CSRF");
    assert!(s.storage.list_barcode_rules().await.unwrap().is_empty());

    // Bad input: a clear message, nothing saved.
    let set = |k: &str, v: &str| {
        let mut f = weight(&csrf);
        for (fk, fv) in f.iter_mut() {
            if fk == k {
                *fv = v.to_string();
            }
        }
        f
    };
    for (form, needle) in [
        (set("prefix", "19"), "entre 20 y 29"),
        (set("prefix", ""), "entre 20 y 29"),
        (set("item_digits", "6"), "13 cifras"),
        (set("item_digits", "cinco"), "no es un número"),
        (set("value_digits", "-1"), "no es un número"),
        (set("decimals", "4"), "entre 0 y 3"),
        (set("kind", "volumen"), "peso o precio"),
    ] {
        post(&mut hq, path, &form)
            .await
            .assert(StatusCode::UNPROCESSABLE_ENTITY, needle)
            .assert(StatusCode::UNPROCESSABLE_ENTITY, "No se ha guardado nada");
    }
    let mut price3 = set("kind", "price");
    price3.push(("verifier".into(), "on".into()));
    post(&mut hq, path, &price3)
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY, "13 cifras");
    assert!(s.storage.list_barcode_rules().await.unwrap().is_empty());

    // The admin adds the weight rule: listed, and every store's tills get it.
    let p = post(&mut hq, path, &weight(&csrf)).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    hq.get(p.location.as_deref().unwrap())
        .await
        .assert(StatusCode::OK, "21 IIIII PPPPP C")
        .assert(StatusCode::OK, "guardada");
    let rules = s.storage.list_barcode_rules().await.unwrap();
    assert_eq!(rules.len(), 1);
    let id = rules[0].id;
    for store in [w.store_a, w.store_b] {
        let page = s.storage.changes_after(store, cursor, 1000).await.unwrap();
        assert!(
            page.changes.iter().any(
                |c| matches!(&c.change, CatalogChange::BarcodeRule(r) if r.id == id && r.prefix == "21")
            ),
            "store {store}"
        );
    }
    analyst
        .get(path)
        .await
        .assert(StatusCode::OK, "21 IIIII PPPPP C");
    // The same prefix again is refused with a message.
    post(&mut hq, path, &weight(&csrf))
        .await
        .assert(StatusCode::CONFLICT, "Ya hay una regla con el prefijo 21");
    assert_eq!(s.storage.list_barcode_rules().await.unwrap().len(), 1);

    // Removing: read-only roles cannot; the admin can; the tills get the deletion.
    let del = format!("{path}/{id}/delete");
    norte
        .post(&del, &[("csrf", &n_csrf)])
        .await
        .assert(StatusCode::FORBIDDEN, "solo lectura");
    analyst
        .post(&del, &[("csrf", &a_csrf)])
        .await
        .assert(StatusCode::FORBIDDEN, "solo lectura");
    hq.post(&del, &[])
        .await
        .assert(StatusCode::FORBIDDEN, "CSRF");
    assert_eq!(s.storage.list_barcode_rules().await.unwrap().len(), 1);
    let p = hq.post(&del, &[("csrf", &csrf)]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(s.storage.list_barcode_rules().await.unwrap().is_empty());
    let page = s
        .storage
        .changes_after(w.store_a, cursor, 1000)
        .await
        .unwrap();
    assert!(
        page.changes
            .iter()
            .any(|c| matches!(&c.change, CatalogChange::BarcodeRuleDeleted { id: d } if *d == id))
    );
    hq.post(&del, &[("csrf", &csrf)])
        .await
        .assert(StatusCode::NOT_FOUND, "La regla de balanza");
}

/// Store records a till of `store` would pull, oldest first.
async fn store_records(s: &Server, store: StoreId) -> Vec<sync_protocol::StoreRecord> {
    s.storage
        .changes_after(store, 0, 5000)
        .await
        .unwrap()
        .changes
        .into_iter()
        .filter_map(|c| match c.change {
            sync_protocol::CatalogChange::Store(r) => Some(r),
            _ => None,
        })
        .collect()
}

async fn stores_and_franchisees_are_edited_by_hq_only(s: &Server) {
    let w = world(s).await;
    let fid = s.storage.get_store(w.store_a).await.unwrap().franchisee_id;
    let path = format!("/dashboard/stores/{}", w.store_a);
    let fpath = format!("/dashboard/franchisees/{}", fid.0);
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let (mut analyst, a_csrf) = Browser::signed_in(s, "analista").await;
    let (mut norte, n_csrf) = Browser::signed_in(s, "norte").await;

    // Who sees what.
    hq.get(&path)
        .await
        .assert(StatusCode::OK, "name=\"cash_tolerance\"")
        .assert(StatusCode::OK, "5.00")
        .assert(StatusCode::OK, "Guardar");
    let p = analyst.get(&path).await;
    p.assert(StatusCode::OK, "Solo lectura");
    assert!(!p.body.contains("Guardar"), "analyst gets no save button");
    norte
        .get(&path)
        .await
        .assert(StatusCode::OK, "Solo lectura");
    norte
        .get(&format!("/dashboard/stores/{}", w.store_b))
        .await
        .assert(StatusCode::NOT_FOUND, "No existe");
    norte.get(&fpath).await.assert(StatusCode::OK, "B12345674");
    hq.get("/dashboard/stores/99999")
        .await
        .assert(StatusCode::NOT_FOUND, "No existe");

    // HQ saves: the store's tills get the new record; a Spanish comma works.
    let before = store_records(s, w.store_a).await.len();
    let good = |tol: &'static str, c: &str| -> Vec<(&'static str, String)> {
        vec![
            ("csrf", c.to_string()),
            ("name", "Tienda Norte".into()),
            ("address", "Calle Nueva 2".into()),
            (
                "receipt_header",
                "Abierto de 9 a 21 h\r\nTel. 910 000 000".into(),
            ),
            ("receipt_footer", "Gracias".into()),
            ("cash_tolerance", tol.into()),
        ]
    };
    let post = async |b: &mut Browser<'_>, p: &str, f: Vec<(&'static str, String)>| {
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        b.post(p, &f).await
    };
    // The single-manager checkbox: ticked, the store and its tills' record say so; unticked, not.
    let mut single = good("2,50", &csrf);
    single.push(("single_manager", "1".into()));
    let r = post(&mut hq, &path, single).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(s.storage.get_store(w.store_a).await.unwrap().single_manager);
    let recs = store_records(s, w.store_a).await;
    assert_eq!(recs.len(), before + 1);
    assert!(recs.last().unwrap().single_manager);
    hq.get(&path)
        .await
        .assert(StatusCode::OK, "id=\"single_manager\" value=\"1\" checked");
    // The store's e-mail: saved, shown, sent down to its tills; a bad one refused; empty removes it.
    let mut mailed = good("2,50", &csrf);
    mailed.push(("report_email", " norte@cafes.example ".into()));
    let r = post(&mut hq, &path, mailed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let saved = s.storage.get_store(w.store_a).await.unwrap();
    assert_eq!(saved.report_email.as_deref(), Some("norte@cafes.example"));
    assert_eq!(
        store_records(s, w.store_a)
            .await
            .last()
            .unwrap()
            .report_email
            .as_deref(),
        Some("norte@cafes.example")
    );
    hq.get(&path)
        .await
        .assert(StatusCode::OK, "value=\"norte@cafes.example\"");
    let mut bad = good("2,50", &csrf);
    bad.push(("report_email", "norte@".into()));
    post(&mut hq, &path, bad).await.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        "«norte@» no es una dirección de correo válida",
    );
    assert_eq!(
        s.storage.get_store(w.store_a).await.unwrap().report_email,
        saved.report_email,
        "a refused address changes nothing"
    );
    let before = store_records(s, w.store_a).await.len();
    let r = post(&mut hq, &path, good("2,50", &csrf)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let saved = s.storage.get_store(w.store_a).await.unwrap();
    assert!(!saved.single_manager);
    assert_eq!(
        saved.report_email, None,
        "an empty field removes the address"
    );
    assert_eq!(
        store_records(s, w.store_a)
            .await
            .last()
            .unwrap()
            .report_email,
        None
    );
    assert_eq!(saved.cash_tolerance, Money::from_cents(250));
    assert_eq!(
        saved.receipt_header,
        "Abierto de 9 a 21 h\nTel. 910 000 000"
    );
    let recs = store_records(s, w.store_a).await;
    assert_eq!(recs.len(), before + 1);
    assert_eq!(
        recs.last().unwrap().cash_tolerance,
        Some(Money::from_cents(250))
    );
    assert_eq!(
        recs.last().unwrap().receipt_header,
        "Abierto de 9 a 21 h\nTel. 910 000 000"
    );
    let b_before = store_records(s, w.store_b).await;
    assert!(
        b_before
            .iter()
            .all(|r| r.cash_tolerance == Some(Money::from_cents(500))),
        "the other store is untouched"
    );
    hq.get("/dashboard/stores")
        .await
        .assert(StatusCode::OK, "2,50 €")
        .assert(StatusCode::OK, "Tel. 910 000 000");

    // Bad input and role boundaries: a message, and nothing saved or sent down.
    for (tol, needle) in [
        ("-1", "negativ"),
        ("-0,01", "negativ"),
        ("abc", "no es un importe"),
        ("5000", "no puede pasar de"),
        ("", "Falta"),
    ] {
        post(&mut hq, &path, good(tol, &csrf))
            .await
            .assert(StatusCode::UNPROCESSABLE_ENTITY, needle);
    }
    let mut no_name = good("1,00", &csrf);
    no_name[1].1 = " ".into();
    post(&mut hq, &path, no_name)
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY, "nombre");
    let mut long = good("1,00", &csrf);
    long[4].1 = "x".repeat(501);
    post(&mut hq, &path, long)
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY, "500");
    post(&mut hq, &path, good("1,00", "forged"))
        .await
        .assert(StatusCode::FORBIDDEN, "CSRF");
    post(&mut analyst, &path, good("1,00", &a_csrf))
        .await
        .assert(StatusCode::FORBIDDEN, "solo lectura");
    post(&mut norte, &path, good("1,00", &n_csrf))
        .await
        .assert(StatusCode::FORBIDDEN, "solo lectura");
    assert_eq!(
        s.storage.get_store(w.store_a).await.unwrap().cash_tolerance,
        Money::from_cents(250)
    );
    assert_eq!(store_records(s, w.store_a).await.len(), before + 1);

    // The franchisee's legal data: NIF validated; every store of it gets the new record.
    let fgood = |nif: &str, c: &str| -> Vec<(&'static str, String)> {
        vec![
            ("csrf", c.to_string()),
            ("legal_name", "Ultramarinos Nuevos, S.L.".into()),
            ("nif", nif.to_string()),
            ("address", "Calle Sol 3".into()),
        ]
    };
    hq.get(&fpath).await.assert(StatusCode::OK, "Guardar");
    post(&mut hq, &fpath, fgood("B12345670", &csrf))
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY, "NIF");
    post(&mut hq, &fpath, fgood("", &csrf))
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY, "NIF");
    post(&mut analyst, &fpath, fgood("B87654323", &a_csrf))
        .await
        .assert(StatusCode::FORBIDDEN, "solo lectura");
    post(&mut norte, &fpath, fgood("B87654323", &n_csrf))
        .await
        .assert(StatusCode::FORBIDDEN, "solo lectura");
    assert_eq!(
        s.storage.get_franchisee(fid).await.unwrap().nif,
        "B12345674"
    );
    assert_eq!(store_records(s, w.store_b).await.len(), b_before.len());
    let r = post(&mut hq, &fpath, fgood("b 8765432-3", &csrf)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        s.storage.get_franchisee(fid).await.unwrap().nif,
        "B87654323"
    );
    for store in [w.store_a, w.store_b] {
        let last = store_records(s, store).await.pop().unwrap();
        assert_eq!(last.franchisee_legal_name, "Ultramarinos Nuevos, S.L.");
        assert_eq!(last.franchisee_nif, "B87654323");
    }
    assert_eq!(
        store_records(s, w.store_a)
            .await
            .pop()
            .unwrap()
            .cash_tolerance,
        Some(Money::from_cents(250)),
        "the store's own settings ride along"
    );
}

/// Aggregates agree with the raw lines, including refunds' sign, on both backends.
async fn aggregates_match_raw_lines(s: &Server) {
    use back_office_server::storage::dashboard::{ReportDim, ReportSource};
    let w = world(s).await;
    let till = enrolled(s, w.store_a, "Caja 3").await;
    let mut prev = GENESIS_HASH.to_string();
    for seq in 1..=5u64 {
        prev = push_sale(
            s,
            &till,
            seq,
            &prev,
            sale(
                w.product,
                100 * seq as i64,
                seq as i64,
                if seq % 2 == 0 { 21 } else { 10 },
                if seq % 2 == 0 {
                    Tender::Cash
                } else {
                    Tender::Card
                },
            ),
        )
        .await;
    }
    // Older sales (other months), so product reports mix monthly and daily aggregates.
    for (i, days_ago) in [40i64, 38, 33, 65].into_iter().enumerate() {
        let d = Document::seal(
            DocumentId::new(),
            till.till_id,
            till.store_id,
            6 + i as u64,
            Utc::now() - chrono::Duration::days(days_ago),
            &prev,
            sale(w.product, 250 + i as i64, 1 + i as i64, 10, Tender::Card),
        );
        prev = d.hash.clone();
        s.storage.push(&till, &[d], Utc::now()).await.unwrap();
    }
    let day = back_office_server::storage::sql::business_day(Utc::now());
    let periods = [
        (day, day),
        (day - chrono::Duration::days(70), day),
        (
            day - chrono::Duration::days(45),
            day - chrono::Duration::days(30),
        ),
    ];
    for (from, to) in periods {
        for dim in [
            ReportDim::Day,
            ReportDim::Store,
            ReportDim::Product,
            ReportDim::TaxRate,
            ReportDim::Tender,
            ReportDim::Hour,
            ReportDim::Cashier,
            ReportDim::Franchisee,
            ReportDim::Category,
        ] {
            let a = s
                .storage
                .dashboard()
                .report_by(dim, from, to, ReportSource::Aggregates)
                .await
                .unwrap();
            let r = s
                .storage
                .dashboard()
                .report_by(dim, from, to, ReportSource::RawLines)
                .await
                .unwrap();
            assert!(!a.is_empty());
            if dim == ReportDim::TaxRate {
                // The VAT report sums the tickets' own breakdowns; the raw lines can only rebuild the
                // base per line, so only the gross is comparable.
                let g = |v: &[back_office_server::storage::dashboard::DimRow]| {
                    v.iter()
                        .map(|r| (r.store_id, r.key.clone(), r.gross))
                        .collect::<Vec<_>>()
                };
                assert_eq!(g(&a), g(&r));
            } else {
                assert_eq!(a, r, "{dim:?}");
            }
        }
    }
}

// --- per backend --------------------------------------------------------------------------------

on_both_backends!(sign_in_rate_limit_and_sign_out);
on_both_backends!(overview_and_reports_are_scoped);
on_both_backends!(writes_need_csrf_and_the_admin_role);
on_both_backends!(bad_input_gets_a_message_and_saves_nothing);
on_both_backends!(every_page_renders_for_every_role);
on_both_backends!(aggregates_match_raw_lines);
on_both_backends!(barcode_rules_page);
on_both_backends!(stores_and_franchisees_are_edited_by_hq_only);
