//! Promotions and scheduled prices (issue 17), end to end on SQLite and PostgreSQL: HQ creates
//! promotions on the page Promociones and through the admin API; a till of a store gets its
//! store's promotions and the franchise's, never another store's; ending one early sends it
//! again; analysts read, managers read their stores', only admins write; a scheduled price
//! reaches the tills before its date and can be cancelled until then; and the discounts per
//! promotion of the sales pushed show in the report (page, CSV and API).

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::json;
use sync_protocol::{
    CatalogChange, Document, DocumentBody, DocumentId, GENESIS_HASH, Money, Payment, ProductId,
    PromotionRef, Quantity, Sale, SaleLine, StoreId, TaxRate, Tender, compute_totals,
};
use uuid::Uuid;

#[macro_use]
mod common;
use common::*;

#[path = "support/catalog_world.rs"]
mod catalog_world;
use catalog_world::{World, api, world};

/// Every change a till of `store` pulls, in order.
async fn all_changes(s: &Server, store: StoreId) -> Vec<CatalogChange> {
    s.storage
        .changes_after(store, 0, 1000)
        .await
        .unwrap()
        .changes
        .into_iter()
        .map(|c| c.change)
        .collect()
}

/// The promotion and price changes a till of `store` pulls, in order.
async fn changes(s: &Server, store: StoreId) -> Vec<CatalogChange> {
    all_changes(s, store)
        .await
        .into_iter()
        .filter(|c| {
            matches!(
                c,
                CatalogChange::Promotion(_)
                    | CatalogChange::PriceSchedule(_)
                    | CatalogChange::PriceScheduleCancelled { .. }
            )
        })
        .collect()
}

fn promotion_names(c: &[CatalogChange]) -> Vec<String> {
    c.iter()
        .filter_map(|c| match c {
            CatalogChange::Promotion(p) => Some(p.name.clone()),
            _ => None,
        })
        .collect()
}

async fn promotions_reach_their_stores_and_roles_hold(s: &Server) {
    let w = world(s).await;
    let today = business_today();
    let (from, to) = (today.to_string(), (today + Duration::days(7)).to_string());

    // Through the API: 3x2 on water in the north store only.
    let (status, p) = api(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/promotions",
        Some(
            json!({"name": "3x2 agua", "rule": {"kind": "n_for_m", "take": 3, "pay": 2},
            "products": [w.water], "stores": [w.north], "starts_on": from, "ends_on": to}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert_eq!(p["status"], "current");
    let north_only = p["promotion"]["id"].as_i64().unwrap();
    // A bad rule is refused and nothing is sent.
    let (status, e) = api(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/promotions",
        Some(
            json!({"name": "3x3", "rule": {"kind": "n_for_m", "take": 3, "pay": 3},
            "products": [w.water], "starts_on": from, "ends_on": to}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    // On the page: 10 % off the family Cafés in every store, starting next week.
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    hq.get("/dashboard/promotions")
        .await
        .assert(StatusCode::OK, "Nueva promoción")
        .assert(StatusCode::OK, "3x2 agua");
    let next_week = (today + Duration::days(7)).to_string();
    let later = (today + Duration::days(14)).to_string();
    let r = hq
        .post(
            "/dashboard/promotions/create",
            &[
                ("csrf", &csrf),
                ("name", "Semana del café"),
                ("kind", "percent_off"),
                ("percent", "10"),
                ("family", "Cafés"),
                ("skus", ""),
                ("starts_on", &next_week),
                ("ends_on", &later),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = hq.get(r.location.as_deref().unwrap()).await;
    page.assert(StatusCode::OK, "Promoción «Semana del café» creada")
        .assert(StatusCode::OK, "10 % de descuento");
    // A bad form says which field, nothing stored.
    hq.post(
        "/dashboard/promotions/create",
        &[
            ("csrf", &csrf),
            ("name", "Sin fechas"),
            ("kind", "percent_off"),
            ("percent", "diez"),
            ("skus", "CAF-1"),
            ("starts_on", &next_week),
            ("ends_on", &later),
        ],
    )
    .await
    .assert(StatusCode::OK, "Revisa el campo «Porcentaje»");

    // A till in the north store gets both; the south store only the franchise's.
    let north = changes(s, w.north).await;
    assert_eq!(promotion_names(&north), vec!["3x2 agua", "Semana del café"]);
    assert_eq!(
        promotion_names(&changes(s, w.south).await),
        vec!["Semana del café"]
    );
    let CatalogChange::Promotion(coffee_week) = &north[1] else {
        panic!("not a promotion")
    };
    assert_eq!(
        coffee_week.products,
        vec![ProductId(w.coffee)],
        "the family's products"
    );

    // Ending early sends it again, ended, to the same store only.
    let (status, ended) = api(
        s,
        &w,
        reqwest::Method::POST,
        &format!("/api/v1/admin/promotions/{north_only}/end"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ended}");
    assert_eq!(ended["status"], "ended");
    let north = changes(s, w.north).await;
    let CatalogChange::Promotion(last) = north.last().unwrap() else {
        panic!("not a promotion")
    };
    assert_eq!(last.id, north_only);
    assert!(last.ended_at.is_some());
    assert_eq!(promotion_names(&changes(s, w.south).await).len(), 1);
    let (status, _) = api(
        s,
        &w,
        reqwest::Method::POST,
        &format!("/api/v1/admin/promotions/{north_only}/end"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // A south-only promotion: the north manager does not see it.
    let (status, _) = api(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/promotions",
        Some(json!({"name": "Sur: agua 2ª al 50", "rule": {"kind": "second_unit", "percent_off": "50"},
            "products": [w.water], "stores": [w.south], "starts_on": from, "ends_on": to})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (mut manager, mcsrf) = Browser::signed_in(s, "norte").await;
    let mp = manager.get("/dashboard/promotions").await;
    mp.assert(StatusCode::OK, "Semana del café")
        .assert(StatusCode::OK, "3x2 agua");
    assert!(!mp.body.contains("Sur: agua"), "another store's promotion");
    assert!(!mp.body.contains("Nueva promoción"), "managers read only");
    let r = manager
        .post(
            "/dashboard/promotions/end",
            &[("csrf", &mcsrf), ("id", &north_only.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Analysts read everything, write nothing.
    let (mut analyst, acsrf) = Browser::signed_in(s, "analista").await;
    analyst
        .get("/dashboard/promotions")
        .await
        .assert(StatusCode::OK, "Sur: agua");
    let r = analyst
        .post(
            "/dashboard/promotions/create",
            &[("csrf", &acsrf), ("name", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (status, list) = api(
        s,
        &w,
        reqwest::Method::GET,
        "/api/v1/admin/promotions",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 3);
}
on_both_backends!(promotions_reach_their_stores_and_roles_hold);

async fn scheduled_prices_arrive_early_and_can_be_cancelled(s: &Server) {
    let w = world(s).await;
    let today = business_today();
    let in_ten = (today + Duration::days(10)).to_string();
    // Today is refused: a schedule is for a day no store has reached.
    let (status, _) = api(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/price-schedules",
        Some(json!({"product_id": w.coffee, "price": "1.45", "effective_on": today.to_string()})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, sched) = api(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/price-schedules",
        Some(json!({"product_id": w.coffee, "price": "1.45", "effective_on": in_ten})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sched}");
    let id = sched["schedule"]["id"].as_i64().unwrap();
    // Both stores' tills have it ten days early; HQ's price has not moved.
    for store in [w.north, w.south] {
        let c = changes(s, store).await;
        let Some(CatalogChange::PriceSchedule(p)) = c.first() else {
            panic!("no schedule for {store}: {c:?}")
        };
        assert_eq!((p.id, p.price), (id, Money::from_cents(145)));
        assert_eq!(p.effective_on, today + Duration::days(10));
    }
    let p = s.storage.get_product(ProductId(w.coffee)).await.unwrap();
    assert_eq!(p.price, Money::from_cents(130));
    // A store's own schedule on the page goes to that store only.
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let r = hq
        .post(
            "/dashboard/prices/schedule",
            &[
                ("csrf", &csrf),
                ("sku", "agu-1"),
                ("store", &w.south.to_string()),
                ("price", "0,95"),
                ("effective_on", &in_ten),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    hq.get("/dashboard/promotions")
        .await
        .assert(StatusCode::OK, "Cambios de precio programados")
        .assert(StatusCode::OK, "1,45 €")
        .assert(StatusCode::OK, "0,95 €");
    assert_eq!(changes(s, w.north).await.len(), 1);
    assert_eq!(changes(s, w.south).await.len(), 2);
    // Cancelled before its day: the tills are told; twice is refused.
    let (status, c) = api(
        s,
        &w,
        reqwest::Method::POST,
        &format!("/api/v1/admin/price-schedules/{id}/cancel"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert!(c["cancelled_at"].is_string());
    assert_eq!(
        changes(s, w.north).await.last(),
        Some(&CatalogChange::PriceScheduleCancelled { id })
    );
    let (status, _) = api(
        s,
        &w,
        reqwest::Method::POST,
        &format!("/api/v1/admin/price-schedules/{id}/cancel"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = hq.get("/dashboard/promotions").await;
    assert!(
        !page.body.contains("1,45 €"),
        "a cancelled change is not upcoming"
    );
}
on_both_backends!(scheduled_prices_arrive_early_and_can_be_cancelled);

async fn schedule(s: &Server, w: &World, body: serde_json::Value) -> i64 {
    let (status, sched) = api(
        s,
        w,
        reqwest::Method::POST,
        "/api/v1/admin/price-schedules",
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sched}");
    sched["schedule"]["id"].as_i64().unwrap()
}

/// A scheduled price moves HQ's own price (franchise-wide) or the store's price once every store
/// it covers has reached its date, each by its own calendar (the Canaries an hour after the
/// Peninsula), and the tills retire it right after the new price; twice applies nothing.
async fn scheduled_prices_become_the_price_once_every_store_reaches_them(s: &Server) {
    use back_office_server::services::promotions as svc;
    use chrono::TimeZone as _;
    let w = world(s).await;
    // South is in the Canaries.
    s.storage
        .update_store(
            w.south,
            &back_office_server::storage::StorePatch {
                time_zone: Some("Atlantic/Canary".parse().unwrap()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let day = business_today() + Duration::days(10);
    let coffee = schedule(
        s,
        &w,
        json!({"product_id": w.coffee, "price": "1.45", "effective_on": day.to_string()}),
    )
    .await;
    let north_water = schedule(
        s,
        &w,
        json!({"product_id": w.water, "store_id": w.north, "price": "0.85", "effective_on": day.to_string()}),
    )
    .await;
    let south_water = schedule(
        s,
        &w,
        json!({"product_id": w.water, "store_id": w.south, "price": "0.95", "effective_on": day.to_string()}),
    )
    .await;
    let later = schedule(
        s,
        &w,
        json!({"product_id": w.coffee, "price": "1.60", "effective_on": (day + Duration::days(1)).to_string()}),
    )
    .await;
    let madrid = |h: u32, m: u32| {
        chrono_tz::Europe::Madrid
            .from_local_datetime(&day.and_hms_opt(h, m, 0).unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    let ids = |v: Vec<back_office_server::storage::promotions::StoredPriceSchedule>| {
        v.into_iter().map(|s| s.schedule.id).collect::<Vec<_>>()
    };

    // 23:59 the day before in Madrid: nothing.
    let before = madrid(0, 0) - Duration::minutes(1);
    assert!(
        svc::apply_due_prices(&*s.storage, before)
            .await
            .unwrap()
            .is_empty()
    );
    // 00:30 in Madrid, 23:30 the day before in the Canaries: North's water only.
    let t1 = madrid(0, 30);
    assert_eq!(
        ids(svc::apply_due_prices(&*s.storage, t1).await.unwrap()),
        vec![north_water]
    );
    let water_prices = s
        .storage
        .dashboard()
        .store_prices(ProductId(w.water))
        .await
        .unwrap();
    assert_eq!(water_prices, vec![(w.north, Money::from_cents(85))]);
    let p = s.storage.get_product(ProductId(w.coffee)).await.unwrap();
    assert_eq!(
        p.price,
        Money::from_cents(130),
        "the Canaries are not there yet"
    );
    // 01:30 in Madrid, 00:30 in the Canaries: the franchise-wide coffee and South's water.
    let t2 = madrid(1, 30);
    assert_eq!(
        ids(svc::apply_due_prices(&*s.storage, t2).await.unwrap()),
        vec![coffee, south_water]
    );
    assert!(
        svc::apply_due_prices(&*s.storage, t2)
            .await
            .unwrap()
            .is_empty(),
        "once"
    );
    let p = s.storage.get_product(ProductId(w.coffee)).await.unwrap();
    assert_eq!(p.price, Money::from_cents(145), "HQ's own price moved");
    let mut water_prices = s
        .storage
        .dashboard()
        .store_prices(ProductId(w.water))
        .await
        .unwrap();
    water_prices.sort();
    assert_eq!(
        water_prices,
        vec![
            (w.north, Money::from_cents(85)),
            (w.south, Money::from_cents(95))
        ]
    );

    // A till of North reads the coffee's new price, then the schedule's retirement.
    let north = all_changes(s, w.north).await;
    let at = north
        .iter()
        .position(|c| c == &CatalogChange::PriceScheduleCancelled { id: coffee })
        .expect("the coffee schedule retired at North");
    assert!(
        matches!(&north[at - 1], CatalogChange::Product(p) if p.id == ProductId(w.coffee) && p.price == Money::from_cents(145)),
        "{:?}",
        &north[at - 1]
    );
    assert!(north.contains(&CatalogChange::PriceScheduleCancelled { id: north_water }));
    assert!(!north.contains(&CatalogChange::PriceScheduleCancelled { id: south_water }));
    assert!(!north.contains(&CatalogChange::PriceScheduleCancelled { id: later }));

    // Applied is not cancellable; the API says when it was applied.
    let (status, _) = api(
        s,
        &w,
        reqwest::Method::POST,
        &format!("/api/v1/admin/price-schedules/{coffee}/cancel"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let all = s.storage.promotions().price_schedules().await.unwrap();
    let applied = |id: i64| all.iter().find(|x| x.schedule.id == id).unwrap().applied_at;
    assert_eq!(applied(coffee), Some(t2));
    assert_eq!(applied(north_water), Some(t1));
    assert_eq!(applied(later), None);

    // The hourly job runs it (today, nothing is due).
    let def = back_office_server::jobs::find("apply-price-schedules").expect("the job");
    let period = def.period.current(Utc::now());
    let report = back_office_server::jobs::run(
        s.storage.clone(),
        def,
        &period,
        back_office_server::storage::jobs::Trigger::Manual,
        Utc::now(),
    )
    .await
    .unwrap();
    let back_office_server::jobs::RunReport::Ran(ran) = report else {
        panic!("{report:?}")
    };
    assert_eq!(ran.error, None, "{ran:?}");
    assert!(ran.summary.contains(&("applied".to_string(), 0)), "{ran:?}");
}
on_both_backends!(scheduled_prices_become_the_price_once_every_store_reaches_them);

/// A family promotion follows its family: a product that joins it later is added (and sent to the
/// tills again), one that leaves is taken out unless it was named by hand, and a promotion that
/// is over is left alone.
async fn a_family_promotion_follows_the_family(s: &Server) {
    let w = world(s).await;
    let today = business_today();
    let create = |name: &'static str,
                  products: Vec<i64>,
                  from: chrono::NaiveDate,
                  to: chrono::NaiveDate| {
        json!({"name": name, "rule": {"kind": "percent_off", "percent": "10"}, "family": "Cafés",
               "products": products, "starts_on": from.to_string(), "ends_on": to.to_string()})
    };
    let (status, p) = api(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/promotions",
        Some(create(
            "Semana del café",
            vec![w.croissant],
            today,
            today + Duration::days(7),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let id = p["promotion"]["id"].as_i64().unwrap();
    let set_family = |product: i64, family: &'static str| {
        let w = &w;
        async move {
            let (status, c) = api(
                s,
                w,
                reqwest::Method::PUT,
                &format!("/api/v1/admin/products/{product}/category"),
                Some(json!({"category": family})),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{c}");
        }
    };
    let products = |c: &[CatalogChange]| -> Vec<Vec<ProductId>> {
        c.iter()
            .filter_map(|c| match c {
                CatalogChange::Promotion(p) if p.id == id => Some(p.products.clone()),
                _ => None,
            })
            .collect()
    };
    let (coffee, croissant, water) = (
        ProductId(w.coffee),
        ProductId(w.croissant),
        ProductId(w.water),
    );
    assert_eq!(
        products(&changes(s, w.north).await),
        vec![vec![croissant, coffee]]
    );

    // The water joins Cafés: the promotion takes it and the tills get it again.
    set_family(w.water, "Cafés").await;
    let sent = products(&changes(s, w.south).await);
    assert_eq!(sent.last().unwrap(), &vec![croissant, coffee, water]);
    // It leaves: out again. The croissant, named by hand, stays when it joins and leaves.
    set_family(w.water, "Bebidas").await;
    set_family(w.croissant, "Cafés").await;
    set_family(w.croissant, "Bollería").await;
    let sent = products(&changes(s, w.south).await);
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert_eq!(sent.last().unwrap(), &vec![croissant, coffee]);
    let stored = s.storage.promotions().promotion(id).await.unwrap();
    assert_eq!(stored.promotion.products, vec![croissant, coffee]);

    // Once it is ended, the family moves without it.
    let (status, _) = api(
        s,
        &w,
        reqwest::Method::POST,
        &format!("/api/v1/admin/promotions/{id}/end"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let before = changes(s, w.south).await.len();
    set_family(w.water, "Cafés").await;
    assert_eq!(changes(s, w.south).await.len(), before);
}
on_both_backends!(a_family_promotion_follows_the_family);

fn line(
    product: i64,
    units: i64,
    cents: i64,
    discount: i64,
    promo: Option<(i64, &str)>,
) -> SaleLine {
    SaleLine {
        line_id: Uuid::now_v7(),
        product_id: ProductId(product),
        barcode: None,
        name: format!("P{product}"),
        quantity: Quantity::units(units),
        unit_price: Money::from_cents(cents),
        tax_rate: TaxRate::IVA_REDUCED,
        discount: Money::from_cents(discount),
        promotion: promo.map(|(id, name)| PromotionRef {
            id,
            name: name.into(),
        }),
    }
}

fn sale(lines: Vec<SaleLine>) -> DocumentBody {
    let inputs: Vec<_> = lines.iter().map(SaleLine::input).collect();
    let totals = compute_totals(&inputs, Money::ZERO).unwrap();
    DocumentBody::Sale(Sale {
        ticket_number: "T0001-000001".into(),
        cashier_id: None,
        lines,
        ticket_discount: Money::ZERO,
        payments: vec![Payment {
            payment_id: Uuid::new_v4(),
            tender: Tender::Cash,
            amount: totals.total,
            tendered: None,
            change: Money::ZERO,
            reference: None,
        }],
        totals,
    })
}

async fn discounts_per_promotion_after_pushing_sales(s: &Server) {
    let w = world(s).await;
    let today = business_today();
    let (status, p) = api(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/promotions",
        Some(
            json!({"name": "3x2 agua", "rule": {"kind": "n_for_m", "take": 3, "pay": 2},
            "products": [w.water], "starts_on": today.to_string(), "ends_on": today.to_string()}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let promo = p["promotion"]["id"].as_i64().unwrap();
    let till = enrolled(s, w.north, "Caja 1").await;
    let south_till = enrolled(s, w.south, "Caja S").await;
    // North: 3 waters with one free (1.00 off) and a coffee; then 6 waters, two free (2.00).
    // South: 3 waters, one free.
    let now = Utc::now();
    let mut prev = GENESIS_HASH.to_string();
    let mut docs = Vec::new();
    for (i, body) in [
        sale(vec![
            line(w.water, 3, 100, 100, Some((promo, "3x2 agua"))),
            line(w.coffee, 1, 130, 0, None),
        ]),
        sale(vec![line(w.water, 6, 100, 200, Some((promo, "3x2 agua")))]),
    ]
    .into_iter()
    .enumerate()
    {
        let d = Document::seal(
            DocumentId::new(),
            till.till_id,
            till.store_id,
            i as u64 + 1,
            now,
            &prev,
            body,
        );
        prev = d.hash.clone();
        docs.push(d);
    }
    s.storage.push(&till, &docs, Utc::now()).await.unwrap();
    let d = Document::seal(
        DocumentId::new(),
        south_till.till_id,
        south_till.store_id,
        1,
        now,
        GENESIS_HASH,
        sale(vec![line(w.water, 3, 100, 100, Some((promo, "3x2 agua")))]),
    );
    s.storage.push(&south_till, &[d], Utc::now()).await.unwrap();
    // A line naming a promotion without a discount is refused at ingest (the check the push
    // route makes on every document).
    let bad = sale(vec![line(w.water, 1, 100, 0, Some((promo, "3x2 agua")))]);
    assert!(bad.validate().unwrap_err().contains("names promotion"));

    let day = today.to_string();
    let (status, rows) = api(
        s,
        &w,
        reqwest::Method::GET,
        &format!("/api/v1/reports/promotions?from={day}&to={day}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    assert_eq!(
        rows,
        json!([{"promotion_id": promo, "name": "3x2 agua", "lines": 3, "units": "12.000", "discount": "4.00"}])
    );
    let (_, north) = api(
        s,
        &w,
        reqwest::Method::GET,
        &format!(
            "/api/v1/reports/promotions?from={day}&to={day}&store_id={}",
            w.north
        ),
        None,
    )
    .await;
    assert_eq!(north[0]["discount"], "3.00");
    let csv = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/reports/promotions?from={day}&to={day}&format=csv",
            s.base
        ))
        .bearer_auth(&w.admin_token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv,
        format!(
            "promotion_id,promotion,lines,units,discount\n{promo},\"3x2 agua\",3,12.000,4.00\n"
        )
    );
    // The dashboard: HQ sees every store; the north manager only hers.
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    hq.get(&format!(
        "/dashboard/reports/promotions?from={day}&to={day}"
    ))
    .await
    .assert(StatusCode::OK, "Descuentos por promoción")
    .assert(StatusCode::OK, "4,00 €");
    let csv = hq
        .get(&format!(
            "/dashboard/reports/promotions.csv?from={day}&to={day}"
        ))
        .await;
    assert!(csv.body.contains("3x2 agua"), "{}", csv.body);
    let (mut manager, _) = Browser::signed_in(s, "norte").await;
    let page = manager
        .get(&format!(
            "/dashboard/reports/promotions?from={day}&to={day}"
        ))
        .await;
    page.assert(StatusCode::OK, "3,00 €");
    assert!(!page.body.contains("4,00 €"), "{}", page.body);
}
on_both_backends!(discounts_per_promotion_after_pushing_sales);
