//! The dashboard's safety by construction, end to end (SQLite, and PostgreSQL when
//! `TRASTIENDA_TEST_POSTGRES_URL` is set): every write route of the router refuses a signed-in
//! request without its CSRF token and stores nothing; CSV imports read what Spanish spreadsheets
//! write (BOM, `;`, decimal commas) and exports defuse formulas in text cells; page and date
//! parameters out of range are a 400/422 page, never a panic.

use back_office_server::auth;
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::deliveries::DeliveryFilter;
use back_office_server::storage::{
    NewFranchisee, NewProduct, NewStaff, NewStore, NewTaxRate, Storage,
};
use back_office_server::web::WriteRoute;
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use std::collections::BTreeMap;
use sync_protocol::barcode::VariableMeasureRule;
use sync_protocol::{
    CashClose, Document, DocumentBody, DocumentId, GENESIS_HASH, Money, ProductId, StaffRole,
    StoreId, TaxRate, Tender, TenderAmount, TillId,
};

#[macro_use]
mod common;
use common::*;

/// A small franchise: one franchisee, a store, a product, a till, a staff member, a scale rule,
/// and an HQ admin.
struct World {
    order: i64,
    transfer: i64,
    south: StoreId,
    invoice: i64,
    franchisee: i64,
    store: StoreId,
    product: ProductId,
    till: TillId,
    rule: i64,
    alert: i64,
    rate: i64,
    staff: i64,
    other_user: i64,
    token: i64,
    /// Two customers: one to edit, one to erase (the walk's order does not matter).
    customers: [String; 2],
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
    let store = st
        .create_store(&NewStore {
            franchisee_id: f.id,
            name: "Tienda Norte".into(),
            address: "x".into(),
            receipt_header: String::new(),
            receipt_footer: "Gracias".into(),
            cash_tolerance: back_office_server::storage::default_cash_tolerance(),
            time_zone: Default::default(),
        })
        .await
        .unwrap()
        .id;
    let rate = st
        .create_tax_rate(&NewTaxRate {
            name: "IVA reducido".into(),
            rate: TaxRate::percent(10),
        })
        .await
        .unwrap();
    let product = st
        .create_product(&NewProduct {
            sku: "LEC-1".into(),
            name: "Leche entera 1 l".into(),
            tax_rate_id: rate.id,
            price: Money::from_cents(345),
            barcodes: vec![],
        })
        .await
        .unwrap()
        .id;
    let staff = st
        .create_staff(&NewStaff {
            name: "Ana".into(),
            role: StaffRole::Cashier,
            store_id: store,
            pin_hash: auth::hash_pin("1234").unwrap(),
        })
        .await
        .unwrap()
        .id
        .0;
    let till = enrolled(s, store, "Caja 1").await.till_id;
    let rule = VariableMeasureRule {
        prefix: "25".into(),
        ..VariableMeasureRule::odoo_weight()
    };
    let rule = st.create_barcode_rule(&rule).await.unwrap().id;
    back_office_server::services::accounts::create_user(
        &*st.clone(),
        "hq",
        "Usuario hq",
        PASSWORD,
        DashboardRole::Admin,
        vec![],
    )
    .await
    .unwrap();
    let other_user = back_office_server::services::accounts::create_user(
        &*st.clone(),
        "otro",
        "Otro usuario",
        PASSWORD,
        DashboardRole::Analyst,
        vec![],
    )
    .await
    .unwrap();
    let token = st
        .create_admin("Integración", &auth::hash_token(&auth::new_token()))
        .await
        .unwrap();
    // An invoice already issued (a past month), for the credit-note form.
    use back_office_server::services::invoicing as inv;
    use back_office_server::storage::invoicing::{ContractIn, IssuerIn};
    let address = trastienda_einvoice::Address {
        street: "Calle Mayor 1".into(),
        postal_code: "28013".into(),
        city: "Madrid".into(),
        province: "Madrid".into(),
        country: "ES".into(),
    };
    inv::set_issuer(
        st.as_ref(),
        &IssuerIn {
            legal_name: "Central, S.L.".into(),
            nif: "B96873427".into(),
            address: address.clone(),
            iban: "ES9121000418450200051332".into(),
            bic: None,
            creditor_id: None,
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let contract: ContractIn = serde_json::from_value(serde_json::json!({
        "effective_from": "2020-01",
        "royalty_tiers": [{"from": "0.00", "to": null, "percent": "5"}],
        "minimum_royalty": "100.00",
        "payment_days": 30,
        "payment": {"method": "transfer"},
        "billing_email": "f@example.es",
        "billing_address": address,
    }))
    .unwrap();
    inv::create_contract(st.as_ref(), f.id, &contract, "test", Utc::now())
        .await
        .unwrap();
    let run = inv::run(st.as_ref(), "2020-01", Utc::now(), &|_, _| {})
        .await
        .unwrap();
    let invoice = run.issued[0].id;
    st.alerts()
        .raise(
            "gap",
            Some(till),
            None,
            "till: documents missing",
            &serde_json::json!({"from": 2, "to": 3}),
            Utc::now(),
        )
        .await
        .unwrap();
    let alert = st.list_alerts().await.unwrap()[0].id;
    // A second invoice, left open for the collections forms (payments, remittance).
    inv::run(st.as_ref(), "2020-02", Utc::now(), &|_, _| {})
        .await
        .unwrap();
    // A draft purchase order and a draft transfer to a second store, for Pedidos' forms.
    let supplier = st
        .replenish()
        .create_supplier(
            &back_office_server::storage::replenish::NewSupplier {
                name: "Proveedor externo".into(),
                central: false,
                franchisee_id: None,
                email: String::new(),
                lead_time_days: 2,
                order_days: "1".into(),
                min_order: Money::ZERO,
                language: Default::default(),
            },
            Utc::now(),
        )
        .await
        .unwrap();
    let line = back_office_server::storage::purchasing::OrderLineIn {
        product_id: product,
        quantity: sync_protocol::Quantity::units(2),
        unit_cost: None,
    };
    let order = st
        .purchasing()
        .create_purchase_order(
            &back_office_server::storage::purchasing::NewPurchaseOrder {
                store_id: store,
                supplier_id: supplier.id,
                source: "manual".into(),
                lines: vec![line],
                created_by: "test".into(),
            },
            Utc::now(),
        )
        .await
        .unwrap()
        .id;
    let south = st
        .create_store(&NewStore::new(f.id, "Tienda Sur", "y"))
        .await
        .unwrap()
        .id;
    let transfer = st
        .purchasing()
        .create_transfer(
            &back_office_server::storage::purchasing::NewTransfer {
                from_store_id: store,
                to_store_id: south,
                lines: vec![(product, sync_protocol::Quantity::units(1))],
                created_by: "test".into(),
            },
            Utc::now(),
        )
        .await
        .unwrap()
        .id;
    let mut customers: [String; 2] = Default::default();
    for (i, name) in ["Ana Pérez", "Luis Gil"].into_iter().enumerate() {
        customers[i] = back_office_server::services::customers::create(
            st.as_ref(),
            f.id,
            &back_office_server::services::customers::CustomerIn {
                name: name.into(),
                ..Default::default()
            },
            "test",
            Utc::now(),
        )
        .await
        .unwrap()
        .record
        .id
        .to_string();
    }
    World {
        customers,
        order,
        transfer,
        south,
        franchisee: f.id.0,
        store,
        product,
        till,
        rule,
        invoice,
        alert,
        rate: rate.id,
        staff,
        other_user,
        token,
    }
}

/// Everything a write route of the dashboard could change, as one comparable text.
async fn fingerprint(st: &dyn Storage, w: &World) -> String {
    let since = Utc::now() - Duration::hours(1);
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{}\n{}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        st.list_products(None, 0, 10_000).await.unwrap(),
        st.list_stores().await.unwrap(),
        st.list_franchisees().await.unwrap(),
        st.list_tills().await.unwrap(),
        st.list_staff(None).await.unwrap(),
        st.list_barcode_rules().await.unwrap(),
        (
            st.customers().list_customers(None, "", 1000).await.unwrap(),
            st.deliveries()
                .list_delivery_notes(&DeliveryFilter::default())
                .await
                .unwrap(),
        ),
        st.dashboard().store_prices(w.product).await.unwrap(),
        st.dashboard().product_category(w.product).await.unwrap(),
        st.changes_after(w.store, 0, 100_000)
            .await
            .unwrap()
            .changes
            .len(),
        st.dashboard()
            .login_failures_since("user:hq", since)
            .await
            .unwrap(),
        st.jobs().recent_runs("prune-sign-ins", 10).await.unwrap(),
        st.invoicing().list_invoices(None).await.unwrap(),
        st.invoicing().contract_versions(None).await.unwrap(),
        st.invoicing().issuer().await.unwrap(),
        st.verifactu().certificates().await.unwrap(),
        st.stock().product_stock().await.unwrap(),
        st.replenish().list_suppliers().await.unwrap(),
        st.replenish().list_family_rules().await.unwrap(),
        st.replenish().list_store_rules(None).await.unwrap(),
    ) + &format!(
        "\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        st.alerts()
            .alerts(&back_office_server::storage::alerts::AlertFilter {
                any_state: true,
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap(),
        st.alerts().digest_recipients().await.unwrap(),
        st.people().list_users(Utc::now()).await.unwrap(),
        st.people().list_admin_tokens().await.unwrap(),
        st.people()
            .audit(&back_office_server::storage::people::AuditFilter {
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap(),
        st.collections().payments(None).await.unwrap(),
        st.collections().statements().await.unwrap(),
        st.sepa().mandates(None).await.unwrap(),
        st.sepa().remittances().await.unwrap(),
        st.dunning().levels().await.unwrap(),
        st.collections().receivables(None, false).await.unwrap(),
    ) + &format!(
        "\n{:?}",
        st.archive()
            .archive_list(&back_office_server::storage::archive::ArchiveFilter {
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap(),
    )
}

/// A Norma 43 statement with one transfer in that names no invoice (it stays to match by hand).
fn norma43_one_line() -> String {
    use trastienda_banking::norma43::write as n43;
    let d = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let opening = Money::ZERO;
    let amount = Money::from_cents(100);
    let mut lines = vec![
        n43::account_header("2100", "0418", "0200051332", d, d, opening, "CENTRAL SL"),
        n43::movement(d, "02", amount, "", "", ""),
        n43::concept(1, "TRANSFERENCIA VARIOS", ""),
    ];
    lines.push(n43::account_totals(
        "2100",
        "0418",
        "0200051332",
        opening,
        &[amount],
    ));
    lines.push(n43::end_of_file(lines.len()));
    lines.join("\r\n") + "\r\n"
}

/// A form that would change something if its token were right: the path with its ids, and fields.
type Sample = (String, Vec<(&'static str, String)>);

/// One valid form per write route, keyed by the route as mounted. A route without a sample fails
/// the walk, so a new form cannot skip it.
fn samples(w: &World) -> BTreeMap<&'static str, Sample> {
    let f = |pairs: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    };
    let store = w.store.to_string();
    let today = back_office_server::storage::sql::business_day(Utc::now()).to_string();
    BTreeMap::from([
        (
            "/dashboard/login",
            (
                "/dashboard/login".into(),
                f(&[("username", "hq"), ("password", PASSWORD)]),
            ),
        ),
        ("/dashboard/logout", ("/dashboard/logout".into(), vec![])),
        (
            "/dashboard/catalog/import",
            (
                "/dashboard/catalog/import".into(),
                f(&[("csv", "sku,name,tax_rate,price\nNEW-1,Pan de molde,10,2\n")]),
            ),
        ),
        (
            "/dashboard/catalog/bulk-price",
            (
                "/dashboard/catalog/bulk-price".into(),
                f(&[("q", "leche"), ("percent", "10")]),
            ),
        ),
        (
            "/dashboard/catalog/{id}",
            (
                format!("/dashboard/catalog/{}", w.product),
                f(&[("price", "9,99"), ("category", "Bodega")]),
            ),
        ),
        (
            "/dashboard/catalog/{id}/store-price",
            (
                format!("/dashboard/catalog/{}/store-price", w.product),
                f(&[("store_id", &store), ("price", "4,25")]),
            ),
        ),
        (
            "/dashboard/stores",
            (
                "/dashboard/stores".into(),
                f(&[
                    ("franchisee_id", &w.franchisee.to_string()),
                    ("name", "Tienda Sur"),
                ]),
            ),
        ),
        (
            "/dashboard/stores/{id}",
            (
                format!("/dashboard/stores/{}", w.store),
                f(&[
                    ("name", "Tienda Norte Nueva"),
                    ("address", "y"),
                    ("receipt_header", ""),
                    ("receipt_footer", "Gracias"),
                    ("cash_tolerance", "2,50"),
                ]),
            ),
        ),
        (
            "/dashboard/franchisees",
            (
                "/dashboard/franchisees".into(),
                f(&[("legal_name", "Nueva, S.L."), ("nif", "B96873427")]),
            ),
        ),
        (
            "/dashboard/franchisees/{id}",
            (
                format!("/dashboard/franchisees/{}", w.franchisee),
                f(&[
                    ("legal_name", "Ultramarinos Renovados, S.L."),
                    ("nif", "B12345674"),
                    ("address", "Calle Sol 3"),
                ]),
            ),
        ),
        (
            "/dashboard/tills",
            (
                "/dashboard/tills".into(),
                f(&[("store_id", &store), ("name", "Caja 2")]),
            ),
        ),
        (
            "/dashboard/tills/{id}/revoke",
            (format!("/dashboard/tills/{}/revoke", w.till), vec![]),
        ),
        (
            "/dashboard/staff",
            (
                "/dashboard/staff".into(),
                f(&[
                    ("name", "Rosa"),
                    ("role", "cashier"),
                    ("store_id", &store),
                    ("pin", "4321"),
                ]),
            ),
        ),
        (
            "/dashboard/barcode-rules",
            (
                "/dashboard/barcode-rules".into(),
                f(&[
                    ("prefix", "21"),
                    ("kind", "weight"),
                    ("item_digits", "5"),
                    ("value_digits", "5"),
                    ("decimals", "3"),
                ]),
            ),
        ),
        (
            "/dashboard/barcode-rules/{id}/delete",
            (
                format!("/dashboard/barcode-rules/{}/delete", w.rule),
                vec![],
            ),
        ),
        (
            "/dashboard/customers",
            (
                "/dashboard/customers".into(),
                f(&[
                    ("franchisee", &w.franchisee.to_string()),
                    ("name", "Ferretería Núñez, S.L."),
                    ("nif", "B12345674"),
                    ("email", "compras@nunez.example"),
                    ("email_consent", "on"),
                ]),
            ),
        ),
        (
            "/dashboard/customers/{id}",
            (
                format!("/dashboard/customers/{}", w.customers[0]),
                f(&[("name", "Ana Pérez Ruiz"), ("nif", "12345678Z")]),
            ),
        ),
        (
            "/dashboard/customers/{id}/erase",
            (
                format!("/dashboard/customers/{}/erase", w.customers[1]),
                vec![],
            ),
        ),
        (
            "/dashboard/quick-keys/save",
            (
                "/dashboard/quick-keys/save".into(),
                f(&[("store", &store), ("lines", "")]),
            ),
        ),
        (
            "/dashboard/quick-keys/family",
            (
                "/dashboard/quick-keys/family".into(),
                f(&[
                    ("store", &store),
                    ("family", "Aceites"),
                    ("colour", "green"),
                ]),
            ),
        ),
        (
            "/dashboard/quick-keys/clear",
            (
                "/dashboard/quick-keys/clear".into(),
                f(&[("store", &store)]),
            ),
        ),
        (
            "/dashboard/promotions/create",
            (
                "/dashboard/promotions/create".into(),
                f(&[
                    ("name", "Semana"),
                    ("kind", "percent_off"),
                    ("percent", "10"),
                    ("family", "Aceites"),
                    ("starts_on", "2026-12-01"),
                    ("ends_on", "2026-12-07"),
                ]),
            ),
        ),
        (
            "/dashboard/promotions/end",
            ("/dashboard/promotions/end".into(), f(&[("id", "999")])),
        ),
        (
            "/dashboard/prices/schedule",
            (
                "/dashboard/prices/schedule".into(),
                f(&[
                    ("sku", "NOPE"),
                    ("store", ""),
                    ("price", "1,00"),
                    ("effective_on", "2030-01-01"),
                ]),
            ),
        ),
        (
            "/dashboard/prices/cancel",
            ("/dashboard/prices/cancel".into(), f(&[("id", "999")])),
        ),
        (
            "/dashboard/jobs/{name}/run",
            ("/dashboard/jobs/prune-sign-ins/run".into(), vec![]),
        ),
        (
            "/dashboard/invoicing/issuer",
            (
                "/dashboard/invoicing/issuer".into(),
                f(&[
                    ("legal_name", "Central, S.L."),
                    ("nif", "B96873427"),
                    ("street", "Calle Mayor 1"),
                    ("postal_code", "28013"),
                    ("city", "Madrid"),
                    ("province", "Madrid"),
                    ("iban", "ES9121000418450200051332"),
                    ("creditor_id", "ES48000B96873427"),
                ]),
            ),
        ),
        (
            "/dashboard/replenishment/note",
            (
                "/dashboard/replenishment/note".into(),
                f(&[("store", &store), ("supplier", "1")]),
            ),
        ),
        (
            "/dashboard/replenishment/schedule",
            (
                "/dashboard/replenishment/schedule".into(),
                f(&[
                    ("store", &store),
                    ("job_hour", "7"),
                    ("dead_stock_days", "45"),
                ]),
            ),
        ),
        (
            "/dashboard/purchase-orders",
            (
                "/dashboard/purchase-orders".into(),
                f(&[("store", &store), ("supplier", "1"), ("lines", "1 ; 3")]),
            ),
        ),
        (
            "/dashboard/purchase-orders/from-suggestion",
            (
                "/dashboard/purchase-orders/from-suggestion".into(),
                f(&[("store", &store), ("supplier", "1")]),
            ),
        ),
        (
            "/dashboard/purchase-orders/{id}/lines",
            (
                format!("/dashboard/purchase-orders/{}/lines", w.order),
                f(&[("lines", "1 ; 5")]),
            ),
        ),
        (
            "/dashboard/purchase-orders/{id}/approve",
            (
                format!("/dashboard/purchase-orders/{}/approve", w.order),
                vec![],
            ),
        ),
        (
            "/dashboard/purchase-orders/{id}/discard",
            (
                format!("/dashboard/purchase-orders/{}/discard", w.order),
                vec![],
            ),
        ),
        (
            "/dashboard/purchase-orders/{id}/remainder",
            (
                format!("/dashboard/purchase-orders/{}/remainder", w.order),
                vec![],
            ),
        ),
        (
            "/dashboard/purchase-orders/{id}/close",
            (
                format!("/dashboard/purchase-orders/{}/close", w.order),
                vec![],
            ),
        ),
        (
            "/dashboard/transfers",
            (
                "/dashboard/transfers".into(),
                f(&[
                    ("from", &store),
                    ("to", &w.south.to_string()),
                    ("lines", "1 ; 1"),
                ]),
            ),
        ),
        (
            "/dashboard/transfers/{id}/dispatch",
            (
                format!("/dashboard/transfers/{}/dispatch", w.transfer),
                vec![],
            ),
        ),
        (
            "/dashboard/transfers/{id}/discard",
            (
                format!("/dashboard/transfers/{}/discard", w.transfer),
                vec![],
            ),
        ),
        (
            "/dashboard/purchase-orders/{id}/resend",
            (
                format!("/dashboard/purchase-orders/{}/resend", w.order),
                vec![],
            ),
        ),
        (
            "/dashboard/replenishment/suppliers/{id}/language",
            (
                "/dashboard/replenishment/suppliers/1/language".into(),
                f(&[("language", "en")]),
            ),
        ),
        (
            "/dashboard/replenishment/suppliers",
            (
                "/dashboard/replenishment/suppliers".into(),
                f(&[
                    ("name", "Almacén central"),
                    ("central", "true"),
                    ("lead_time_days", "2"),
                    ("order_days", "1,4"),
                    ("min_order", "0"),
                ]),
            ),
        ),
        (
            "/dashboard/invoicing/run",
            (
                "/dashboard/invoicing/run".into(),
                f(&[("period", "2020-02")]),
            ),
        ),
        (
            "/dashboard/invoicing/contracts/{id}",
            (
                format!("/dashboard/invoicing/contracts/{}", w.franchisee),
                f(&[
                    ("effective_from", "2021-01"),
                    ("tiers", "0 ; ; 5"),
                    ("minimum_royalty", "100"),
                    ("payment_method", "transfer"),
                    ("payment_days", "30"),
                    ("billing_email", "f@example.es"),
                    ("language", "es"),
                    ("street", "Calle Mayor 1"),
                    ("postal_code", "28013"),
                    ("city", "Madrid"),
                    ("province", "Madrid"),
                ]),
            ),
        ),
        (
            "/dashboard/invoices/{id}/credit-note",
            (
                format!("/dashboard/invoices/{}/credit-note", w.invoice),
                f(&[("reason", "other"), ("description", "Anulada")]),
            ),
        ),
        (
            "/dashboard/invoices/{id}/send",
            (format!("/dashboard/invoices/{}/send", w.invoice), f(&[])),
        ),
        (
            "/dashboard/replenishment/families",
            (
                "/dashboard/replenishment/families".into(),
                f(&[("family", "Lácteos"), ("supplier", "1"), ("pack", "6")]),
            ),
        ),
        (
            "/dashboard/replenishment/rules",
            (
                "/dashboard/replenishment/rules".into(),
                f(&[("csv", &format!("store_id;sku;pack\n{store};LEC-1;6\n"))]),
            ),
        ),
        (
            "/dashboard/stock/costs",
            (
                "/dashboard/stock/costs".into(),
                f(&[("csv", "sku;cost\nLEC-1;0,45\n")]),
            ),
        ),
        (
            "/dashboard/deliveries",
            (
                "/dashboard/deliveries".into(),
                f(&[
                    ("store_id", &store),
                    ("supplier", "Lácteos del Norte"),
                    ("expected_date", &today),
                    ("lines", "LEC-1 ; 12"),
                ]),
            ),
        ),
        (
            "/dashboard/collections/payments",
            (
                "/dashboard/collections/payments".into(),
                f(&[
                    ("franchisee_id", &w.franchisee.to_string()),
                    ("method", "cash"),
                    ("received_on", &today),
                    ("amount", "1,00"),
                ]),
            ),
        ),
        (
            "/dashboard/collections/import",
            (
                "/dashboard/collections/import".into(),
                f(&[("file", &norma43_one_line())]),
            ),
        ),
        (
            "/dashboard/collections/lines/{id}/match",
            (
                "/dashboard/collections/lines/1/match".into(),
                f(&[("franchisee_id", &w.franchisee.to_string())]),
            ),
        ),
        (
            "/dashboard/collections/franchisees/{id}/apply-credit",
            (
                format!(
                    "/dashboard/collections/franchisees/{}/apply-credit",
                    w.franchisee
                ),
                f(&[]),
            ),
        ),
        (
            "/dashboard/collections/mandates",
            (
                "/dashboard/collections/mandates".into(),
                f(&[
                    ("franchisee_id", &w.franchisee.to_string()),
                    ("reference", "MANDATO-1"),
                    ("debtor_name", "Ultramarinos Test, S.L."),
                    ("debtor_iban", "ES7620770024003102575766"),
                    ("scheme", "CORE"),
                    ("signed_on", &today),
                ]),
            ),
        ),
        (
            "/dashboard/collections/remittances",
            (
                "/dashboard/collections/remittances".into(),
                f(&[(
                    "collection_date",
                    &(back_office_server::storage::sql::business_day(Utc::now())
                        + Duration::days(40))
                    .to_string(),
                )]),
            ),
        ),
        (
            "/dashboard/collections/returns",
            (
                "/dashboard/collections/returns".into(),
                f(&[(
                    "file",
                    "<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.002.001.10\"><CstmrPmtStsRpt><GrpHdr><MsgId>P</MsgId><CreDtTm>2026-01-04T07:30:00</CreDtTm></GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>X</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>X-1</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>NOPE-1</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf></TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>",
                )]),
            ),
        ),
        (
            "/dashboard/collections/invoices/{id}/dispute",
            (
                format!("/dashboard/collections/invoices/{}/dispute", w.invoice),
                f(&[("disputed", "true")]),
            ),
        ),
        (
            "/dashboard/collections/dunning-levels",
            (
                "/dashboard/collections/dunning-levels".into(),
                f(&[
                    ("days_1", "7"),
                    ("subject_es_1", "Aviso {invoice}"),
                    ("body_es_1", "Debe {amount}"),
                    ("subject_en_1", "Reminder {invoice}"),
                    ("body_en_1", "You owe {amount}"),
                ]),
            ),
        ),
        (
            "/dashboard/collections/holds/{id}/release",
            (
                format!("/dashboard/collections/holds/{}/release", w.franchisee),
                f(&[]),
            ),
        ),
        (
            "/dashboard/collections/franchisees/{id}/email-statement",
            (
                format!(
                    "/dashboard/collections/franchisees/{}/email-statement",
                    w.franchisee
                ),
                f(&[("as_of", "2026-12-01")]),
            ),
        ),
        (
            "/dashboard/collections/franchisees/{id}/archive-statement",
            (
                format!(
                    "/dashboard/collections/franchisees/{}/archive-statement",
                    w.franchisee
                ),
                f(&[("as_of", "2026-12-01")]),
            ),
        ),
        (
            "/dashboard/archive/retention",
            ("/dashboard/archive/retention".into(), f(&[("years", "7")])),
        ),
        (
            "/dashboard/verifactu/certificates",
            (
                "/dashboard/verifactu/certificates".into(),
                f(&[
                    ("owner", &w.franchisee.to_string()),
                    ("pkcs12_base64", &client_p12_base64()),
                    ("password", "clave"),
                ]),
            ),
        ),
        (
            "/dashboard/archive",
            (
                "/dashboard/archive".into(),
                f(&[
                    ("owner", &format!("f-{}", w.franchisee)),
                    ("kind", "contract"),
                    ("number", "CTR-1"),
                    ("document_date", &today),
                    ("file_base64", "JVBERi0xLjQKJSBjb250cmF0bwolJUVPRgo="),
                ]),
            ),
        ),
        (
            "/dashboard/reports/mail",
            (
                "/dashboard/reports/mail".into(),
                f(&[
                    ("by", "day"),
                    ("from", &today),
                    ("to", &today),
                    ("recipient", "hq@central.example.es"),
                ]),
            ),
        ),
        (
            "/dashboard/reports/{kind}/mail",
            (
                "/dashboard/reports/cash/mail".into(),
                f(&[
                    ("from", &today),
                    ("to", &today),
                    ("recipient", "hq@central.example.es"),
                ]),
            ),
        ),
        (
            "/dashboard/alerts/digest",
            (
                "/dashboard/alerts/digest".into(),
                f(&[
                    ("email", "hq@central.example.es"),
                    ("enabled", "on"),
                    ("language", "es"),
                ]),
            ),
        ),
        (
            "/dashboard/catalog/new",
            (
                "/dashboard/catalog/new".into(),
                f(&[
                    ("full", "1"),
                    ("sku", "NEW-2"),
                    ("name", "Aceite de oliva 1 l"),
                    ("barcodes", ""),
                    ("category", "Aceites"),
                    ("tax_rate_id", &w.rate.to_string()),
                    ("price", "6,95"),
                    ("cost", "4,10"),
                    ("sold_by", "unit"),
                    ("active", "1"),
                ]),
            ),
        ),
        (
            "/dashboard/alerts/{id}/handle",
            (
                format!("/dashboard/alerts/{}/handle", w.alert),
                f(&[("action", "acknowledge"), ("note", "visto")]),
            ),
        ),
        (
            "/dashboard/staff/{id}",
            (
                format!("/dashboard/staff/{}", w.staff),
                f(&[("role", "manager")]),
            ),
        ),
        (
            "/dashboard/staff/{id}/pin",
            (
                format!("/dashboard/staff/{}/pin", w.staff),
                f(&[("pin", "5678")]),
            ),
        ),
        (
            "/dashboard/users",
            (
                "/dashboard/users".into(),
                f(&[
                    ("username", "nuevo"),
                    ("display_name", "Nuevo"),
                    ("role", "analyst"),
                    ("password", PASSWORD),
                ]),
            ),
        ),
        (
            "/dashboard/users/{id}",
            (
                format!("/dashboard/users/{}", w.other_user),
                f(&[("display_name", "Otro, renombrado"), ("role", "analyst")]),
            ),
        ),
        (
            "/dashboard/users/{id}/state",
            (
                format!("/dashboard/users/{}/state", w.other_user),
                f(&[("disabled", "true")]),
            ),
        ),
        (
            "/dashboard/users/{id}/password",
            (
                format!("/dashboard/users/{}/password", w.other_user),
                f(&[("password", "another long password")]),
            ),
        ),
        (
            "/dashboard/users/{id}/sessions",
            (
                format!("/dashboard/users/{}/sessions", w.other_user),
                vec![],
            ),
        ),
        (
            "/dashboard/account/password",
            (
                "/dashboard/account/password".into(),
                f(&[("current", PASSWORD), ("new", "a brand new password")]),
            ),
        ),
        (
            "/dashboard/tokens",
            ("/dashboard/tokens".into(), f(&[("name", "ERP")])),
        ),
        (
            "/dashboard/tokens/{id}/revoke",
            (format!("/dashboard/tokens/{}/revoke", w.token), vec![]),
        ),
    ])
}

/// A client certificate as PKCS#12 (password "clave"), base64: the VERI*FACTU upload's sample.
/// The server's secret key is set for the upload to go through.
fn client_p12_base64() -> String {
    use base64::Engine;
    back_office_server::services::verifactu::set_sender_config(
        back_office_server::services::verifactu::SenderConfig {
            aeat: back_office_server::services::aeat::AeatConfig::new("https://127.0.0.1:9/"),
            key: Some(
                back_office_server::services::certificates::SecretKey::from_hex(&"ab".repeat(32))
                    .unwrap(),
            ),
        },
    );
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["cliente".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let chain = p12_keystore::PrivateKeyChain::new(
        b"k".to_vec(),
        p12_keystore::PrivateKey::from_der(&key.serialize_der()).unwrap(),
        [p12_keystore::Certificate::from_der(cert.der()).unwrap()],
    );
    let mut store = p12_keystore::KeyStore::new();
    store.add_entry("c", p12_keystore::KeyStoreEntry::PrivateKeyChain(chain));
    let p12 = store
        .writer("clave")
        .encryption_iterations(100)
        .mac_iterations(100)
        .write()
        .unwrap();
    base64::engine::general_purpose::STANDARD.encode(p12)
}

async fn post_sample(b: &mut Browser<'_>, sample: &Sample, csrf: Option<&str>) -> Page {
    let mut form: Vec<(&str, &str)> = sample.1.iter().map(|(k, v)| (*k, v.as_str())).collect();
    if let Some(c) = csrf {
        form.push(("csrf", c));
    }
    b.post(&sample.0, &form).await
}

/// Walks the router's own list of write routes: each refuses the HQ admin's request without a
/// token (and with another session's token) with 403 and stores nothing; the same form with the
/// token is accepted, so the refusal was the token's doing.
async fn every_write_route_refuses_a_request_without_its_csrf_token(s: &Server) {
    let w = world(s).await;
    let routes = back_office_server::web::write_routes();
    let samples = samples(&w);
    assert!(routes.len() >= 16, "{routes:?}");
    for r in &routes {
        assert_eq!(r.method, "POST", "{r:?}");
        assert!(
            samples.contains_key(r.path),
            "write route {r:?} has no sample form in this test: add one"
        );
    }
    for path in samples.keys() {
        assert!(
            routes.contains(&WriteRoute {
                method: "POST",
                path
            }),
            "{path} is no longer a write route"
        );
    }
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let (_, other_csrf) = Browser::signed_in(s, "hq").await;
    let before = fingerprint(s.storage.as_ref(), &w).await;
    for r in &routes {
        let sample = &samples[r.path];
        if r.path == "/dashboard/login" {
            // Before any session: the sign-in page's own token (double-submit cookie).
            let mut anon = Browser::new(s);
            anon.get("/dashboard/login").await;
            post_sample(&mut anon, sample, None)
                .await
                .assert(StatusCode::FORBIDDEN, "CSRF");
            assert!(!anon.cookies.contains_key("trastienda_session"));
            post_sample(&mut anon, sample, Some("forged"))
                .await
                .assert(StatusCode::FORBIDDEN, "CSRF");
            continue;
        }
        for token in [None, Some(""), Some("forged"), Some(other_csrf.as_str())] {
            post_sample(&mut hq, sample, token)
                .await
                .assert(StatusCode::FORBIDDEN, "CSRF");
        }
        // Not a form at all: no token either.
        let p = hq
            .send(
                hq.http
                    .post(format!("{}{}", s.base, sample.0))
                    .header("content-type", "application/json")
                    .body(format!("{{\"csrf\":\"{csrf}\"}}")),
            )
            .await;
        p.assert(StatusCode::FORBIDDEN, "CSRF");
        assert_eq!(
            fingerprint(s.storage.as_ref(), &w).await,
            before,
            "{r:?} stored something without a CSRF token"
        );
    }
    // Still signed in: the refused sign-out did not end the session.
    hq.get("/dashboard")
        .await
        .assert(StatusCode::OK, "Usuario hq");

    // With the token every sample goes through (sign-out last).
    for r in routes.iter().filter(|r| r.path != "/dashboard/logout") {
        let sample = &samples[r.path];
        let p = if r.path == "/dashboard/login" {
            let mut anon = Browser::new(s);
            let token = anon.get("/dashboard/login").await.csrf();
            post_sample(&mut anon, sample, Some(&token)).await
        } else {
            post_sample(&mut hq, sample, Some(&csrf)).await
        };
        // E-mailing a report gets past its token to HQ's mail settings: none in this test.
        let no_smtp = r.path.starts_with("/dashboard/reports/")
            && r.path.ends_with("/mail")
            && p.status == StatusCode::SERVICE_UNAVAILABLE
            && p.body.contains("servidor de correo saliente");
        assert!(
            p.status == StatusCode::SEE_OTHER || p.status == StatusCode::OK || no_smtp,
            "{r:?} with its token: {} {}",
            p.status,
            p.body
        );
    }
    assert_ne!(fingerprint(s.storage.as_ref(), &w).await, before);
    let p = post_sample(&mut hq, &samples["/dashboard/logout"], Some(&csrf)).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(hq.get("/dashboard").await.status, StatusCode::SEE_OTHER);
}

// --- CSV ----------------------------------------------------------------------------------------

async fn product_by_sku(s: &Server, sku: &str) -> Option<back_office_server::storage::Product> {
    s.storage
        .list_products(Some(sku), 0, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.sku == sku)
}

/// What Excel in Spanish saves as "CSV UTF-8": a byte-order mark, `;` between fields, decimal
/// commas, CRLF line ends, a quoted name with a `;` in it, a trailing `;;;;` row.
async fn catalog_import_reads_a_spanish_spreadsheet_with_bom_and_semicolons(s: &Server) {
    let w = world(s).await;
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let file = "\u{feff}sku;name;tax_rate;price;barcodes\r\n\
                LEC-1;Leche entera, brik 1 l;10;1,05;\r\n\
                PAN-1;\"Pan de molde; integral\";10,00;2,10;8437120000016\r\n\
                ;;;;\r\n";
    let p = hq
        .post(
            "/dashboard/catalog/import",
            &[("csrf", &csrf), ("csv", file)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let lec = s.storage.get_product(w.product).await.unwrap();
    assert_eq!(lec.name, "Leche entera, brik 1 l");
    assert_eq!(lec.price, Money::from_cents(105));
    let pan = product_by_sku(s, "PAN-1").await.expect("PAN-1 created");
    assert_eq!(pan.name, "Pan de molde; integral");
    assert_eq!(pan.price, Money::from_cents(210));
    assert_eq!(pan.barcodes, vec!["8437120000016".to_string()]);
    hq.get(p.location.as_deref().unwrap())
        .await
        .assert(StatusCode::OK, "1");

    // A bad line says which (the line of the file, blank lines counted), and nothing is saved.
    let before = fingerprint(s.storage.as_ref(), &w).await;
    let bad = "\u{feff}sku;name;tax_rate;price\r\nOK-1;Bueno;10;1\r\n\r\nBAD-1;Malo;10;gratis\r\n";
    hq.post(
        "/dashboard/catalog/import",
        &[("csrf", &csrf), ("csv", bad)],
    )
    .await
    .assert(StatusCode::UNPROCESSABLE_ENTITY, "Línea 4")
    .assert(StatusCode::UNPROCESSABLE_ENTITY, "gratis")
    .assert(StatusCode::UNPROCESSABLE_ENTITY, "No se ha importado nada");
    assert_eq!(fingerprint(s.storage.as_ref(), &w).await, before);
    assert!(product_by_sku(s, "OK-1").await.is_none());
}

async fn catalog_import_reads_commas_as_before(s: &Server) {
    world(s).await;
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let file = "sku,name,tax_rate,price,barcodes\nCAF-1,\"Café molido, 250 g\",10,\"3,45\",\nZUM-1,Zumo,10,1.5,\n";
    let p = hq
        .post(
            "/dashboard/catalog/import",
            &[("csrf", &csrf), ("csv", file)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let caf = product_by_sku(s, "CAF-1").await.unwrap();
    assert_eq!(caf.name, "Café molido, 250 g");
    assert_eq!(caf.price, Money::from_cents(345));
    assert_eq!(
        product_by_sku(s, "ZUM-1").await.unwrap().price,
        Money::from_cents(150)
    );
}

/// A product named like a formula goes into catalog.csv defused (the `'` shows it as text);
/// prices stay numbers; importing the file back gives the same names.
async fn catalog_export_defuses_formulas(s: &Server) {
    let w = world(s).await;
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let evil = "=HYPERLINK(\"http://evil.example\",\"Ver oferta\")";
    s.storage
        .update_product(
            w.product,
            &back_office_server::storage::ProductPatch {
                name: Some(evil.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    s.storage
        .create_product(&NewProduct {
            sku: "-SKU".into(),
            name: "@SUM(1+1)".into(),
            tax_rate_id: 1,
            price: Money::from_cents(100),
            barcodes: vec![],
        })
        .await
        .unwrap();
    let csv = hq.get("/dashboard/catalog.csv").await;
    csv.assert(
        StatusCode::OK,
        "LEC-1,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Ver oferta\"\")\",10.00,3.45,,true\n",
    )
    .assert(StatusCode::OK, "'-SKU,'@SUM(1+1),10.00,1.00,,true\n");
    for line in csv.body.lines().skip(1) {
        assert!(
            !line.starts_with(['=', '+', '-', '@']) && !line.contains(",=") && !line.contains(",@"),
            "{line}"
        );
    }
    // Back in unchanged: the names are what they were, not prefixed.
    let p = hq
        .post(
            "/dashboard/catalog/import",
            &[("csrf", &csrf), ("csv", &csv.body)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(s.storage.get_product(w.product).await.unwrap().name, evil);
    assert_eq!(product_by_sku(s, "-SKU").await.unwrap().name, "@SUM(1+1)");
}

/// A cash-close note typed at a till as a formula is defused in reports/cash.csv; the negative
/// over/short next to it is still a number.
async fn cash_csv_defuses_a_note_typed_at_a_till(s: &Server) {
    let w = world(s).await;
    let till = enrolled(s, w.store, "=Caja 2").await;
    let now = Utc::now();
    let cash = |c| {
        vec![TenderAmount {
            tender: Tender::Cash,
            amount: Money::from_cents(c),
        }]
    };
    let d = Document::seal(
        DocumentId::new(),
        till.till_id,
        till.store_id,
        1,
        now,
        GENESIS_HASH,
        DocumentBody::CashClose(CashClose {
            z_number: 1,
            business_date: back_office_server::storage::sql::business_day(now),
            opening_float: Money::ZERO,
            expected: cash(5000),
            counted: cash(4650),
            first_seq: 1,
            last_seq: 1,
            ticket_count: 0,
            gross: Money::ZERO,
            staff_id: None,
            approved_by: None,
            note: Some("=HYPERLINK(\"x\")".into()),
            denominations: vec![],
            blind: false,
            tolerance: None,
            next_float: None,
        }),
    );
    s.storage
        .push(&till, std::slice::from_ref(&d), now)
        .await
        .unwrap();
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    let csv = hq.get("/dashboard/reports/cash.csv").await;
    let row = csv
        .body
        .lines()
        .nth(1)
        .unwrap_or_else(|| panic!("no row: {}", csv.body))
        .to_string();
    assert!(
        row.contains(",'=Caja 2,1,")
            && row.ends_with(",50.00,46.50,-3.50,5.00,no,,\"'=HYPERLINK(\"\"x\"\")\""),
        "{row}"
    );
    // The page shows the note as typed (escaped as HTML, no prefix).
    hq.get("/dashboard/reports/cash")
        .await
        .assert(StatusCode::OK, "<td>=HYPERLINK(&quot;x&quot;)</td>");
}

// --- bounded parameters -------------------------------------------------------------------------

/// Issue #16, finding 4: `/dashboard/catalog?page=368934881474191034` panicked (`attempt to
/// multiply with overflow` computing the offset). Every page number out of range is a 400 page.
async fn catalog_page_368934881474191034_is_a_400_not_a_panic(s: &Server) {
    world(s).await;
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    hq.get("/dashboard/catalog?page=368934881474191034")
        .await
        .assert(StatusCode::BAD_REQUEST, "Parámetros no válidos")
        .assert(StatusCode::BAD_REQUEST, "368934881474191034");
    for page in [
        "18446744073709551615",
        "18446744073709551616",
        "0",
        "-1",
        "x",
        "1000001",
    ] {
        hq.get(&format!("/dashboard/catalog?page={page}"))
            .await
            .assert(StatusCode::BAD_REQUEST, "Parámetros no válidos");
    }
    hq.cookies.insert("trastienda_lang".into(), "en".into());
    hq.get("/dashboard/catalog?page=368934881474191034")
        .await
        .assert(
            StatusCode::BAD_REQUEST,
            "page “368934881474191034” does not exist",
        );
    // The last allowed page is an empty page, not an error.
    hq.get("/dashboard/catalog?page=1000000")
        .await
        .assert(StatusCode::OK, "id=\"products\"");
}

/// The same class of bug in the report dates: chrono reads years up to ±262143, and the previous
/// period or the day either side overflowed at those edges. Dates outside 1900–9999 are refused
/// like malformed ones (400 on the sales reports, 422 on the control reports, as before).
async fn report_dates_at_the_edges_of_the_calendar_are_refused(s: &Server) {
    world(s).await;
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    for q in [
        "to=%2B262143-12-31",
        "from=-262144-01-01&to=-262144-01-02",
        // This one panicked (the previous period before the first day chrono knows).
        "from=-262143-01-01&to=-262143-01-02",
        "from=%2B262143-12-30&to=%2B262143-12-31",
        "to=10000-01-01",
        "from=1899-12-31&to=1900-01-01",
    ] {
        for path in ["/dashboard/reports", "/dashboard/reports.csv"] {
            hq.get(&format!("{path}?{q}"))
                .await
                .assert(StatusCode::BAD_REQUEST, "no es válida");
        }
        for kind in ["loss", "cash", "hours"] {
            for ext in ["", ".csv"] {
                hq.get(&format!("/dashboard/reports/{kind}{ext}?{q}"))
                    .await
                    .assert(StatusCode::UNPROCESSABLE_ENTITY, "no es válida");
            }
        }
    }
    // The edges that are allowed work.
    hq.get("/dashboard/reports?from=1900-01-01&to=1900-01-07")
        .await
        .assert(StatusCode::OK, "id=\"report\"");
    for by in ["product", "top", "day"] {
        hq.get(&format!(
            "/dashboard/reports?by={by}&from=9999-11-15&to=9999-12-31"
        ))
        .await
        .assert(StatusCode::OK, "<table id=");
    }
    for kind in ["loss", "cash", "hours"] {
        hq.get(&format!(
            "/dashboard/reports/{kind}?from=9999-12-25&to=9999-12-31"
        ))
        .await
        .assert(StatusCode::OK, "id=\"report\"");
    }
    // The other numeric parameters were already bounded: extreme values are pages, not panics.
    hq.get("/dashboard?offline_hours=9223372036854775807")
        .await
        .assert(StatusCode::OK, "today-gross");
    hq.get("/dashboard?offline_hours=-9223372036854775808")
        .await
        .assert(StatusCode::OK, "today-gross");
    hq.get("/dashboard?offline_hours=9223372036854775808")
        .await
        .assert(StatusCode::BAD_REQUEST, "Parámetros");
    hq.get("/dashboard/reports?by=top&n=99999999999999999999999")
        .await
        .assert(StatusCode::BAD_REQUEST, "entre 1 y 500");
    hq.get("/dashboard/reports?store=99999999999999999999")
        .await
        .assert(StatusCode::BAD_REQUEST, "no es válida");
    hq.get("/dashboard/deliveries?store=99999999999999999999")
        .await
        .assert(StatusCode::NOT_FOUND, "No existe");
    hq.get("/dashboard/catalog/99999999999999999999")
        .await
        .assert(StatusCode::NOT_FOUND, "No existe");
}

on_both_backends!(every_write_route_refuses_a_request_without_its_csrf_token);
on_both_backends!(catalog_import_reads_a_spanish_spreadsheet_with_bom_and_semicolons);
on_both_backends!(catalog_import_reads_commas_as_before);
on_both_backends!(catalog_export_defuses_formulas);
on_both_backends!(cash_csv_defuses_a_note_typed_at_a_till);
on_both_backends!(catalog_page_368934881474191034_is_a_400_not_a_panic);
on_both_backends!(report_dates_at_the_edges_of_the_calendar_are_refused);
