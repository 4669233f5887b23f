//! One test suite, run on both storage backends: SQLite in a temporary directory, and PostgreSQL in a
//! scratch database when `TRASTIENDA_TEST_POSTGRES_URL` is set (e.g. postgres://postgres@127.0.0.1:5432/postgres).

use back_office_server::storage::{
    self, NewFranchisee, NewProduct, NewStaff, NewStore, NewTaxRate, ProductPatch, ReportGroup,
    Storage, StorageError, TillAuth,
};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use std::sync::Arc;
use sync_protocol::{
    CatalogChange, Change, Document, DocumentBody, DocumentId, GENESIS_HASH, Money, Payment,
    ProductId, PushStatus, Quantity, Refund, Sale, SaleLine, StaffRole, StoreId, TaxRate, Tender,
    TillId, compute_totals,
};
use uuid::Uuid;

#[tokio::test]
async fn sqlite_suite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("sub/hq.db").display());
    let s = storage::open(&url).await.unwrap();
    assert_eq!(s.backend(), "sqlite");
    suite(s).await;
    // Reopening runs no migration twice and keeps the data.
    let s = storage::open(&url).await.unwrap();
    assert_eq!(s.list_franchisees().await.unwrap().len(), 1);
}

#[tokio::test]
async fn open_refuses_unknown_schemes() {
    let Err(StorageError::Invalid(p)) = storage::open("mysql://x/y").await else {
        panic!("mysql:// must be refused");
    };
    let m = p.to_string();
    assert!(m.contains("sqlite://") && m.contains("postgres://"), "{m}");
}

#[tokio::test]
async fn sqlite_bare_path_and_ingest_speed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bare.db");
    let s = storage::open(path.to_str().unwrap()).await.unwrap();
    assert_eq!(s.backend(), "sqlite");
    ingest(s, 4, 500).await;
}

#[tokio::test]
async fn postgres_suite() {
    let Ok(base) = std::env::var("TRASTIENDA_TEST_POSTGRES_URL") else {
        println!("skipped: TRASTIENDA_TEST_POSTGRES_URL not set");
        return;
    };
    let url = storage::postgres::create_scratch_database(&base)
        .await
        .unwrap();
    let s = storage::open(&url).await.unwrap();
    assert_eq!(s.backend(), "postgres");
    suite(s.clone()).await;
    ingest(s.clone(), 2, 500).await;
    drop(s);
    // Reopening runs no migration twice and keeps the data (the suite's franchisee and the load test's).
    let s = storage::open(&url).await.unwrap();
    assert_eq!(s.list_franchisees().await.unwrap().len(), 2);
    drop(s);
    storage::postgres::drop_scratch_database(&base, &url)
        .await
        .unwrap();
}

// --- the suite ----------------------------------------------------------------------------------

async fn suite(s: Arc<dyn Storage>) {
    s.ping().await.unwrap();
    admins(&s).await;
    let ctx = catalog(&s).await;
    unique_rules(&s, &ctx).await;
    let till = enrolment(&s, &ctx).await;
    push_and_report(&s, &ctx, &till).await;
}

struct Ctx {
    store_a: StoreId,
    store_b: StoreId,
    iva10: i64,
    coffee: ProductId,
}

async fn admins(s: &Arc<dyn Storage>) {
    assert_eq!(s.admin_count().await.unwrap(), 0);
    let id = s.create_admin("root", "hash-1").await.unwrap();
    assert_eq!(s.admin_count().await.unwrap(), 1);
    assert_eq!(s.admin_by_token("hash-1").await.unwrap(), Some(id));
    assert_eq!(s.admin_by_token("nope").await.unwrap(), None);
}

async fn all_changes(s: &Arc<dyn Storage>, store: StoreId, page: u32) -> (Vec<Change>, i64) {
    let mut cursor = 0;
    let mut out = Vec::new();
    loop {
        let p = s.changes_after(store, cursor, page).await.unwrap();
        assert_eq!(p.protocol_version, sync_protocol::PROTOCOL_VERSION);
        assert!(p.changes.len() <= page as usize);
        for c in &p.changes {
            assert!(c.cursor > cursor, "cursors increase");
            cursor = c.cursor;
        }
        assert!(p.next_cursor >= cursor);
        cursor = p.next_cursor;
        out.extend(p.changes);
        if !p.has_more {
            return (out, cursor);
        }
    }
}

async fn catalog(s: &Arc<dyn Storage>) -> Ctx {
    let f = s
        .create_franchisee(&NewFranchisee {
            legal_name: "Ultramarinos Pepa S.L.".into(),
            nif: "B12345678".into(),
            address: "Calle Mayor 1".into(),
        })
        .await
        .unwrap();
    assert_eq!(s.list_franchisees().await.unwrap(), vec![f.clone()]);
    let new_store = |name: &str| NewStore {
        franchisee_id: f.id,
        name: name.into(),
        address: "Madrid".into(),
        receipt_header: String::new(),
        receipt_footer: "Gracias".into(),
        cash_tolerance: back_office_server::storage::default_cash_tolerance(),
        time_zone: Default::default(),
    };
    let a = s.create_store(&new_store("Centro")).await.unwrap();
    let b = s.create_store(&new_store("Norte")).await.unwrap();
    assert_eq!(s.get_store(a.id).await.unwrap(), a);
    assert_eq!(s.list_stores().await.unwrap().len(), 2);
    assert!(matches!(
        s.get_store(StoreId(999)).await,
        Err(StorageError::NotFound(_))
    ));

    let iva10 = s
        .create_tax_rate(&NewTaxRate {
            name: "IVA reducido".into(),
            rate: TaxRate::percent(10),
        })
        .await
        .unwrap();
    assert_eq!(s.list_tax_rates().await.unwrap(), vec![iva10.clone()]);
    let coffee = s
        .create_product(&NewProduct {
            sku: "CAF-250".into(),
            name: "Café molido 250 g".into(),
            tax_rate_id: iva10.id,
            price: Money::from_cents(345),
            barcodes: vec!["8412345678905".into(), "96385074".into()],
        })
        .await
        .unwrap();
    assert_eq!(coffee.tax_rate, TaxRate::percent(10));
    assert_eq!(coffee.barcodes.len(), 2);
    assert_eq!(s.get_product(coffee.id).await.unwrap(), coffee);
    let n = s
        .import_products(&[
            NewProduct {
                sku: "LECHE-1L".into(),
                name: "Leche entera 1 L".into(),
                tax_rate_id: iva10.id,
                price: Money::from_cents(99),
                barcodes: vec!["4006381333931".into()],
            },
            NewProduct {
                sku: "PAN".into(),
                name: "Pan 100% candeal".into(),
                tax_rate_id: iva10.id,
                price: Money::from_cents(120),
                barcodes: vec![],
            },
        ])
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(s.list_products(None, 0, 100).await.unwrap().len(), 3);
    let found = s.list_products(Some("leche"), 0, 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].sku, "LECHE-1L");
    assert_eq!(
        s.list_products(Some("96385"), 0, 10).await.unwrap()[0].id,
        coffee.id
    );
    assert_eq!(s.list_products(Some("100%"), 0, 10).await.unwrap().len(), 1);
    assert_eq!(s.list_products(None, 1, 1).await.unwrap().len(), 1);

    s.set_store_price(a.id, coffee.id, Some(Money::from_cents(299)))
        .await
        .unwrap();
    s.set_store_price(b.id, coffee.id, Some(Money::from_cents(399)))
        .await
        .unwrap();
    let ana = s
        .create_staff(&NewStaff {
            name: "Ana".into(),
            role: StaffRole::Manager,
            store_id: a.id,
            pin_hash: "$argon2id$ana".into(),
        })
        .await
        .unwrap();
    let bea = s
        .create_staff(&NewStaff {
            name: "Bea".into(),
            role: StaffRole::Cashier,
            store_id: b.id,
            pin_hash: "$argon2id$bea".into(),
        })
        .await
        .unwrap();
    assert_eq!(s.list_staff(None).await.unwrap().len(), 2);
    assert_eq!(s.list_staff(Some(a.id)).await.unwrap(), vec![ana.clone()]);

    // Store A sees global changes and its own, never store B's.
    let (changes, end) = all_changes(s, a.id, 1000).await;
    let kinds: Vec<&CatalogChange> = changes.iter().map(|c| &c.change).collect();
    assert!(
        kinds
            .iter()
            .any(|c| matches!(c, CatalogChange::TaxRate(t) if t.id == iva10.id))
    );
    assert!(kinds.iter().any(|c| matches!(c, CatalogChange::Product(p)
        if p.id == coffee.id && p.price == Money::from_cents(345) && p.tax_rate == TaxRate::percent(10))));
    assert!(
        kinds
            .iter()
            .any(|c| matches!(c, CatalogChange::Barcode { code, product_id }
        if code == "8412345678905" && *product_id == coffee.id))
    );
    assert!(kinds.iter().any(
        |c| matches!(c, CatalogChange::StorePrice { price, .. } if *price == Money::from_cents(299))
    ));
    assert!(!kinds.iter().any(
        |c| matches!(c, CatalogChange::StorePrice { price, .. } if *price == Money::from_cents(399))
    ));
    assert!(kinds.iter().any(|c| matches!(c, CatalogChange::Staff(r)
        if r.id == ana.id && r.pin_hash == "$argon2id$ana")));
    assert!(
        !kinds
            .iter()
            .any(|c| matches!(c, CatalogChange::Staff(r) if r.id == bea.id))
    );
    assert!(kinds.iter().any(|c| matches!(c, CatalogChange::Store(r)
        if r.id == a.id && r.franchisee_nif == "B12345678")));
    assert!(
        !kinds
            .iter()
            .any(|c| matches!(c, CatalogChange::Store(r) if r.id == b.id))
    );
    // The cursor has moved past store B's last rows too.
    let p = s.changes_after(a.id, end, 10).await.unwrap();
    assert!(p.changes.is_empty() && !p.has_more);
    assert_eq!(p.next_cursor, end);
    let (changes_b, end_b) = all_changes(s, b.id, 1000).await;
    assert_eq!(end_b, end);
    // Paging by 2 yields the same sequence as one big page.
    let (paged, paged_end) = all_changes(s, a.id, 2).await;
    assert_eq!(paged, changes);
    assert_eq!(paged_end, end);
    assert_ne!(changes_b, changes);

    // Edits flow down as changes after the cursor.
    s.update_product(
        coffee.id,
        &ProductPatch {
            price: Some(Money::from_cents(355)),
            active: Some(false),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    s.remove_barcode("96385074").await.unwrap();
    s.add_barcode(coffee.id, "96385074").await.unwrap();
    s.set_store_price(a.id, coffee.id, None).await.unwrap();
    s.set_staff_pin(ana.id, "$argon2id$ana2").await.unwrap();
    s.deactivate_staff(ana.id).await.unwrap();
    let p = s.changes_after(a.id, end, 100).await.unwrap();
    let got: Vec<CatalogChange> = p.changes.into_iter().map(|c| c.change).collect();
    assert!(
        matches!(&got[0], CatalogChange::Product(r) if !r.active && r.price == Money::from_cents(355))
    );
    assert!(matches!(&got[1], CatalogChange::BarcodeDeleted { code } if code == "96385074"));
    assert!(matches!(&got[2], CatalogChange::Barcode { code, .. } if code == "96385074"));
    assert!(
        matches!(&got[3], CatalogChange::StorePriceCleared { product_id } if *product_id == coffee.id)
    );
    assert!(matches!(&got[4], CatalogChange::Staff(r) if r.pin_hash == "$argon2id$ana2"));
    assert!(matches!(&got[5], CatalogChange::StaffDeleted { id } if *id == ana.id));
    assert_eq!(got.len(), 6);
    assert!(!s.list_staff(Some(a.id)).await.unwrap()[0].active);
    s.update_product(
        coffee.id,
        &ProductPatch {
            active: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    Ctx {
        store_a: a.id,
        store_b: b.id,
        iva10: iva10.id,
        coffee: coffee.id,
    }
}

async fn unique_rules(s: &Arc<dyn Storage>, ctx: &Ctx) {
    let p = |sku: &str, codes: &[&str]| NewProduct {
        sku: sku.into(),
        name: "X".into(),
        tax_rate_id: ctx.iva10,
        price: Money::from_cents(100),
        barcodes: codes.iter().map(|c| c.to_string()).collect(),
    };
    let Err(StorageError::Conflict(m)) = s.create_product(&p("CAF-250", &[])).await else {
        panic!("duplicate SKU must conflict");
    };
    assert_eq!(m.code, "sku_taken");
    assert!(m.to_string().contains("CAF-250"), "{m}");
    let Err(StorageError::Conflict(m)) = s.create_product(&p("NEW", &["8412345678905"])).await
    else {
        panic!("duplicate barcode must conflict");
    };
    assert_eq!(m.code, "barcode_taken");
    assert_eq!(
        m.to_string(),
        format!(
            "barcode 8412345678905 already belongs to product {}",
            ctx.coffee
        )
    );
    let Err(StorageError::Conflict(_)) = s.add_barcode(ProductId(2), "8412345678905").await else {
        panic!("barcode of another product must conflict");
    };
    // An import is all or nothing.
    let before = s.list_products(None, 0, 1000).await.unwrap().len();
    assert!(matches!(
        s.import_products(&[p("OK-1", &[]), p("CAF-250", &[])])
            .await,
        Err(StorageError::Conflict(_))
    ));
    assert_eq!(s.list_products(None, 0, 1000).await.unwrap().len(), before);
    assert!(matches!(
        s.create_product(&NewProduct {
            tax_rate_id: 999,
            ..p("NEW", &[])
        })
        .await,
        Err(StorageError::Invalid(_))
    ));
    let Err(StorageError::Conflict(m)) = s
        .create_franchisee(&NewFranchisee {
            legal_name: "Otra".into(),
            nif: "B12345678".into(),
            address: "".into(),
        })
        .await
    else {
        panic!("duplicate NIF must conflict");
    };
    assert_eq!(m.code, "nif_taken");
    assert!(m.to_string().contains("B12345678"), "{m}");
    assert!(matches!(
        s.create_tax_rate(&NewTaxRate {
            name: "IVA reducido".into(),
            rate: TaxRate::percent(10)
        })
        .await,
        Err(StorageError::Conflict(_))
    ));
    assert!(matches!(
        s.get_product(ProductId(999)).await,
        Err(StorageError::NotFound(_))
    ));
    assert!(matches!(
        s.remove_barcode("0000").await,
        Err(StorageError::NotFound(_))
    ));
    assert!(matches!(
        s.create_store(&NewStore {
            franchisee_id: sync_protocol::FranchiseeId(999),
            name: "x".into(),
            address: "x".into(),
            receipt_header: String::new(),
            receipt_footer: "".into(),
            cash_tolerance: back_office_server::storage::default_cash_tolerance(),
            time_zone: Default::default(),
        })
        .await,
        Err(StorageError::NotFound(_))
    ));
    assert!(matches!(
        s.set_store_price(StoreId(999), ctx.coffee, None).await,
        Err(StorageError::NotFound(_))
    ));
}

async fn enrolment(s: &Arc<dyn Storage>, ctx: &Ctx) -> TillAuth {
    let now = Utc::now();
    let till = s
        .create_till(ctx.store_a, "Caja 1", "code-1", now + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(till.ticket_series, format!("T{:04}", till.id.0));
    assert!(till.enrolled_at.is_none());
    let old = s
        .create_till(
            ctx.store_a,
            "Caja vieja",
            "code-old",
            now - Duration::hours(1),
        )
        .await
        .unwrap();
    let invalid = |r: Result<_, StorageError>| match r {
        Err(StorageError::Invalid(m)) => {
            assert_eq!(m.code, "enrolment_code_invalid");
            assert_eq!(m.to_string(), "enrolment code is unknown, used or expired")
        }
        other => panic!("expected Invalid, got {other:?}"),
    };
    invalid(s.enroll_till("nope", None, "pc", "tok-x", now).await);
    invalid(s.enroll_till("code-old", None, "pc", "tok-x", now).await);
    let e = s
        .enroll_till("code-1", None, "pc-caja-1", "tok-1", now)
        .await
        .unwrap();
    assert_eq!(e.till_id, till.id);
    assert_eq!(e.store_id, ctx.store_a);
    assert_eq!(e.ticket_series, till.ticket_series);
    invalid(s.enroll_till("code-1", None, "pc2", "tok-2", now).await);
    let auth = s.till_by_token("tok-1").await.unwrap().unwrap();
    assert_eq!(auth.till_id, till.id);
    assert!(!auth.revoked);
    assert!(s.till_by_token("tok-2").await.unwrap().is_none());
    assert!(s.get_till(till.id).await.unwrap().enrolled_at.is_some());
    assert_eq!(s.list_tills().await.unwrap().len(), 2);

    // A revoked till is still found, flagged.
    let t2 = s
        .create_till(ctx.store_b, "Caja B", "code-b", now + Duration::hours(1))
        .await
        .unwrap();
    s.enroll_till("code-b", None, "pc-b", "tok-b", now)
        .await
        .unwrap();
    s.revoke_till(t2.id, now).await.unwrap();
    assert!(s.till_by_token("tok-b").await.unwrap().unwrap().revoked);
    assert!(s.get_till(t2.id).await.unwrap().revoked_at.is_some());
    assert!(matches!(
        s.revoke_till(TillId(999), now).await,
        Err(StorageError::NotFound(_))
    ));
    let _ = old;
    auth
}

fn line(product: ProductId, qty_milli: i64, cents: i64, rate: i64) -> SaleLine {
    SaleLine {
        line_id: Uuid::now_v7(),
        product_id: product,
        barcode: None,
        name: "x".into(),
        quantity: Quantity::from_milli(qty_milli),
        unit_price: Money::from_cents(cents),
        tax_rate: TaxRate::percent(rate),
        discount: Money::ZERO,
        promotion: None,
    }
}

fn sale_body(lines: Vec<SaleLine>, n: u64) -> DocumentBody {
    let inputs: Vec<_> = lines.iter().map(SaleLine::input).collect();
    let totals = compute_totals(&inputs, Money::ZERO).unwrap();
    DocumentBody::Sale(Sale {
        ticket_number: format!("T0001-{n:06}"),
        cashier_id: None,
        lines,
        ticket_discount: Money::ZERO,
        payments: vec![Payment {
            payment_id: Uuid::now_v7(),
            tender: Tender::Card,
            amount: totals.total,
            tendered: None,
            change: Money::ZERO,
            reference: None,
        }],
        totals,
    })
}

fn refund_body(lines: Vec<SaleLine>, original: DocumentId) -> DocumentBody {
    let inputs: Vec<_> = lines.iter().map(SaleLine::input).collect();
    let totals = compute_totals(&inputs, Money::ZERO).unwrap();
    DocumentBody::Refund(Refund {
        refund_number: "R0001-000001".into(),
        original_sale_id: original,
        original_ticket_number: "T0001-000001".into(),
        cashier_id: None,
        approved_by: None,
        reason: "roto".into(),
        lines,
        ticket_discount: Money::ZERO,
        payments: vec![Payment {
            payment_id: Uuid::now_v7(),
            tender: Tender::Cash,
            amount: totals.total,
            tendered: None,
            change: Money::ZERO,
            reference: None,
        }],
        totals,
    })
}

/// Seals a chain of documents for a till.
fn chain(
    till: &TillAuth,
    start_prev: &str,
    first_seq: u64,
    bodies: Vec<(DateTime<Utc>, DocumentBody)>,
) -> Vec<Document> {
    let mut prev = start_prev.to_string();
    let mut out = Vec::new();
    for (i, (t, body)) in bodies.into_iter().enumerate() {
        let d = Document::seal(
            DocumentId::new(),
            till.till_id,
            till.store_id,
            first_seq + i as u64,
            t,
            &prev,
            body,
        );
        prev = d.hash.clone();
        out.push(d);
    }
    out
}

async fn push_and_report(s: &Arc<dyn Storage>, ctx: &Ctx, till: &TillAuth) {
    let p = ctx.coffee;
    // 10 January 2026, 23:30 UTC is already 11 January in Madrid (UTC+1).
    let late = Utc.with_ymd_and_hms(2026, 1, 10, 23, 30, 0).unwrap();
    let noon = Utc.with_ymd_and_hms(2026, 1, 10, 12, 0, 0).unwrap();
    let bodies = vec![
        (noon, sale_body(vec![line(p, 2000, 345, 10)], 1)), // 6.90
        (
            noon,
            sale_body(vec![line(p, 1000, 199, 21), line(p, 505, 99, 10)], 2),
        ), // 1.99 + 0.50
        (late, sale_body(vec![line(p, 3000, 333, 4)], 3)),  // 9.99
        (late, sale_body(vec![line(p, 1000, 100, 10)], 4)), // 1.00
        (late, sale_body(vec![line(p, 1000, 1000, 21)], 5)), // 10.00
    ];
    let docs = chain(till, GENESIS_HASH, 1, bodies);
    let now = Utc::now();

    let r = s.push(till, &docs[0..2], now).await.unwrap();
    assert!(r.results.iter().all(|x| x.status == PushStatus::Stored));
    assert_eq!(r.contiguous_seq, 2);
    // The same batch again: acknowledged, nothing doubled.
    let r = s.push(till, &docs[0..2], now).await.unwrap();
    assert!(r.results.iter().all(|x| x.status == PushStatus::Duplicate));
    assert_eq!(r.results[0].id, docs[0].id);
    assert_eq!(r.contiguous_seq, 2);
    let day10 = NaiveDate::from_ymd_opt(2026, 1, 10).unwrap();
    let day11 = NaiveDate::from_ymd_opt(2026, 1, 11).unwrap();
    let rows = s
        .sales_report(day10, day10, ReportGroup::StoreDay)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].tickets, 2);
    assert_eq!(rows[0].gross, Money::from_cents(690 + 199 + 50));

    // A gap: seq 5 before 3 and 4.
    let r = s.push(till, &docs[4..5], now).await.unwrap();
    assert_eq!(r.results[0].status, PushStatus::Stored);
    assert_eq!(r.contiguous_seq, 2);
    let t = s.get_till(till.till_id).await.unwrap();
    assert_eq!((t.last_seq, t.contiguous_seq, t.open_gaps), (5, 2, 2));
    let gaps = |a: &[storage::Alert]| a.iter().filter(|a| a.kind == "gap").count();
    assert_eq!(gaps(&s.list_alerts().await.unwrap()), 1);
    // Pushing 5 again adds no second gap alert; 3 and 4 close the gap.
    s.push(till, &docs[4..5], now).await.unwrap();
    assert_eq!(gaps(&s.list_alerts().await.unwrap()), 1);
    let r = s.push(till, &docs[2..4], now).await.unwrap();
    assert_eq!(r.contiguous_seq, 5);
    let t = s.get_till(till.till_id).await.unwrap();
    assert_eq!((t.last_seq, t.contiguous_seq, t.open_gaps), (5, 5, 0));
    assert!(t.last_push_at.is_some());
    let alerts = s.list_alerts().await.unwrap();
    assert_eq!(gaps(&alerts), 1);
    assert!(
        !alerts.iter().any(|a| a.kind == "chain_break"),
        "{alerts:?}"
    );
    assert!(!alerts.iter().any(|a| a.kind == "conflict"));

    // A different document at seq 3: kept aside, alerted, the original untouched.
    let other = chain(
        till,
        &docs[1].hash,
        3,
        vec![(late, sale_body(vec![line(p, 1000, 5000, 21)], 3))],
    );
    let r = s.push(till, &other, now).await.unwrap();
    assert_eq!(r.results[0].status, PushStatus::Conflict);
    assert!(r.results[0].message.is_some());
    let r = s.push(till, &other, now).await.unwrap();
    assert_eq!(r.results[0].status, PushStatus::Conflict);
    // Same id as a stored document, different content.
    let mut forged = docs[0].clone();
    forged.body = sale_body(vec![line(p, 1000, 1, 21)], 1);
    forged.hash = forged.compute_hash();
    let r = s.push(till, &[forged], now).await.unwrap();
    assert_eq!(r.results[0].status, PushStatus::Conflict);
    let alerts = s.list_alerts().await.unwrap();
    assert_eq!(alerts.iter().filter(|a| a.kind == "conflict").count(), 2);
    assert_eq!(s.get_till(till.till_id).await.unwrap().conflicts, 2);
    assert_eq!(r.contiguous_seq, 5);

    // A chain break: seq 6 that does not follow seq 5's hash is stored and alerted.
    let broken = chain(
        till,
        &"ab".repeat(32),
        6,
        vec![(late, refund_body(vec![line(p, 1000, 1000, 21)], docs[4].id))],
    );
    let r = s.push(till, &broken, now).await.unwrap();
    assert_eq!(r.results[0].status, PushStatus::Stored);
    assert_eq!(r.contiguous_seq, 6);
    let alerts = s.list_alerts().await.unwrap();
    assert_eq!(alerts.iter().filter(|a| a.kind == "chain_break").count(), 1);
    assert!(alerts.iter().all(|a| a.till_id == Some(till.till_id)));

    // Report to the cent. Day 10: 6.90 + 2.49; day 11: 9.99 + 1.00 + 10.00 − 10.00 refund.
    let rows = s
        .sales_report(day10, day11, ReportGroup::StoreDay)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].day, Some(day10));
    assert_eq!(rows[0].store_id, Some(ctx.store_a));
    assert_eq!((rows[0].tickets, rows[0].refunds), (2, 0));
    assert_eq!(rows[0].gross, Money::from_cents(939));
    // 6.90 @10% → base 6.27 tax 0.63; 1.99 @21% → 1.64 + 0.35; 0.50 @10% → 0.45 + 0.05.
    assert_eq!(rows[0].net, Money::from_cents(627 + 164 + 45));
    assert_eq!(rows[0].tax, Money::from_cents(63 + 35 + 5));
    assert_eq!(rows[1].day, Some(day11));
    assert_eq!((rows[1].tickets, rows[1].refunds), (3, 1));
    assert_eq!(rows[1].gross, Money::from_cents(999 + 100));
    assert_eq!(rows[1].net + rows[1].tax, rows[1].gross);
    let by_store = s
        .sales_report(day10, day11, ReportGroup::Store)
        .await
        .unwrap();
    assert_eq!(by_store.len(), 1);
    assert_eq!(by_store[0].day, None);
    assert_eq!(by_store[0].gross, Money::from_cents(939 + 1099));
    assert_eq!(by_store[0].tickets, 5);
    let by_day = s
        .sales_report(day11, day11, ReportGroup::Day)
        .await
        .unwrap();
    assert_eq!(by_day.len(), 1);
    assert_eq!(by_day[0].store_id, None);
    assert!(
        s.sales_report(day11, day10, ReportGroup::Day)
            .await
            .unwrap()
            .is_empty()
    );

    // A till whose clock reset to 1970, then one a day ahead of HQ: the documents are kept, and
    // one clock alert (not one per document) tells HQ the till's clock is wrong.
    let skewed = |a: &[back_office_server::storage::Alert]| {
        a.iter()
            .filter(|a| a.kind == "clock_skew")
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(skewed(&s.list_alerts().await.unwrap()).is_empty());
    let epoch = Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap();
    let reset = chain(
        till,
        &broken[0].hash,
        7,
        vec![
            (epoch, sale_body(vec![line(p, 1000, 100, 10)], 90)),
            (
                now + chrono::Duration::days(1),
                sale_body(vec![line(p, 1000, 100, 10)], 91),
            ),
        ],
    );
    let r = s.push(till, &reset, now).await.unwrap();
    assert!(r.results.iter().all(|x| x.status == PushStatus::Stored));
    let skew = skewed(&s.list_alerts().await.unwrap());
    assert_eq!(skew.len(), 1, "{skew:?}");
    assert!(
        skew[0]
            .message
            .contains("document 7 is dated 1970-01-01 00:00:00 UTC, years before HQ's clock"),
        "{}",
        skew[0].message
    );
    assert_eq!(skew[0].till_id, Some(till.till_id));
    let _ = ctx.store_b;
}

/// Pushes `batches` batches of `size` sales on a fresh till and prints the rate.
async fn ingest(s: Arc<dyn Storage>, batches: usize, size: usize) {
    let f = s
        .create_franchisee(&NewFranchisee {
            legal_name: "Carga S.L.".into(),
            nif: "B99999999".into(),
            address: "".into(),
        })
        .await
        .unwrap();
    let store = s
        .create_store(&NewStore {
            franchisee_id: f.id,
            name: "Carga".into(),
            address: "".into(),
            receipt_header: String::new(),
            receipt_footer: "".into(),
            cash_tolerance: back_office_server::storage::default_cash_tolerance(),
            time_zone: Default::default(),
        })
        .await
        .unwrap();
    let now = Utc::now();
    s.create_till(store.id, "Carga", "code-load", now + Duration::hours(1))
        .await
        .unwrap();
    s.enroll_till("code-load", None, "load", "tok-load", now)
        .await
        .unwrap();
    let till = s.till_by_token("tok-load").await.unwrap().unwrap();
    let t = Utc.with_ymd_and_hms(2026, 2, 2, 10, 0, 0).unwrap();
    let bodies = (0..batches * size)
        .map(|i| {
            (
                t,
                sale_body(
                    (0..5)
                        .map(|k| line(ProductId(k + 1), 1000, 100 + (i as i64 % 50), 21))
                        .collect(),
                    i as u64 + 1,
                ),
            )
        })
        .collect();
    let docs = chain(&till, GENESIS_HASH, 1, bodies);
    let start = std::time::Instant::now();
    for b in docs.chunks(size) {
        let r = s.push(&till, b, now).await.unwrap();
        assert!(r.results.iter().all(|x| x.status == PushStatus::Stored));
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{}: ingested {} sales in batches of {size}: {:.0} sales/s",
        s.backend(),
        docs.len(),
        docs.len() as f64 / secs
    );
    assert_eq!(
        s.get_till(till.till_id).await.unwrap().contiguous_seq,
        docs.len() as u64
    );
    // The next batch pushed four times at once (a till retrying over flaky links): stored exactly once.
    let extra = chain(
        &till,
        &docs.last().unwrap().hash,
        docs.len() as u64 + 1,
        (0..50)
            .map(|i| {
                (
                    t,
                    sale_body(vec![line(ProductId(1), 1000, 100, 21)], 90_000 + i),
                )
            })
            .collect(),
    );
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (s, till, extra) = (s.clone(), till.clone(), extra.clone());
            tokio::spawn(async move { s.push(&till, &extra, now).await.unwrap() })
        })
        .collect();
    let mut stored = 0;
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.results.iter().all(|x| x.status != PushStatus::Conflict));
        stored += r
            .results
            .iter()
            .filter(|x| x.status == PushStatus::Stored)
            .count();
    }
    assert_eq!(stored, extra.len());
    let total = (docs.len() + extra.len()) as u64;
    assert_eq!(
        s.get_till(till.till_id).await.unwrap().contiguous_seq,
        total
    );
    let day = NaiveDate::from_ymd_opt(2026, 2, 2).unwrap();
    let rows = s.sales_report(day, day, ReportGroup::Store).await.unwrap();
    assert_eq!(rows[0].tickets, total);
    assert!(
        s.list_alerts()
            .await
            .unwrap()
            .iter()
            .all(|a| a.till_id != Some(till.till_id))
    );
}
