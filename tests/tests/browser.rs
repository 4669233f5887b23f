//! The dashboard in a real browser (headless Debian Chromium over WebDriver): HQ signs in, changes a
//! price on the catalog page, a real till (pos-terminal ledger + sync client) pulls it, rings a sale
//! at that price and pushes it, and the sale shows on the overview and in the reports.
//! Prints "skipped" when chromium / chromium-driver are not installed (CI installs them).

use fantoccini::Locator;
use pos_terminal::cart::{Cart, cash_payment};
use pos_terminal::ledger::Ledger;
use pos_terminal::sync::{SyncClient, SyncOptions};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use sync_protocol::{Money, Quantity, StaffId};
use trastienda_tests::browser::Browser;
use trastienda_tests::server::TestDatabase;
use trastienda_tests::{Backend, HqClient, TestServer};

const PASSWORD: &str = "navegador de prueba";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn price_change_in_the_browser_reaches_the_till_and_its_sale_comes_back() {
    let browser = match Browser::start().await {
        Ok(b) => b,
        Err(why) => {
            println!("skipped: {why}");
            return;
        }
    };
    let db = TestDatabase::create(Backend::Sqlite).await.expect("sqlite");
    let server = TestServer::start(&db.url).await;
    let base = server.url();
    let admin = HqClient::new(&base, &HqClient::bootstrap_admin(&db.url).await);
    let franchise = admin.seed_franchise(2, 12).await;
    let storage = back_office_server::storage::open(&db.url)
        .await
        .expect("storage");
    back_office_server::services::accounts::create_user(
        &*storage,
        "hq",
        "Ana Torres",
        PASSWORD,
        back_office_server::storage::dashboard::DashboardRole::Admin,
        vec![],
    )
    .await
    .expect("dashboard user");

    // A till of store 1, enrolled with a code from HQ, holding the catalog as it is now.
    let sync = SyncClient::new(SyncOptions {
        max_attempts: 2,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        timeout: Duration::from_secs(10),
        ..SyncOptions::default()
    })
    .expect("sync client");
    let (_, code) = admin.create_till(franchise.store_ids[0], "Caja 1").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let ledger = Arc::new(Mutex::new(
        Ledger::open(dir.path().join("till.db")).expect("ledger"),
    ));
    sync.enrol_ledger(&ledger, &base, &code, "caja del navegador")
        .await
        .expect("enrol");
    sync.pull_changes(&ledger).await.expect("pull");
    // Sales need an open shift: the store's manager opens it and the opening is pushed now.
    {
        let mut l = ledger.lock().expect("lock");
        let manager = l.managers().expect("staff").remove(0);
        l.start_shift(&manager, Vec::new()).expect("open shift");
    }
    sync.push_pending(&ledger).await.expect("push the opening");
    let (product_id, barcode, old_price) = franchise.products[3].clone();
    let new_price = Money::from_cents(735);
    assert_ne!(old_price, new_price);

    // HQ signs in and changes the price on the product's page.
    browser
        .sign_in(&base, "hq", PASSWORD)
        .await
        .expect("sign in");
    let c = &browser.client;
    c.goto(&format!("{base}/dashboard/catalog?q=SKU-00003"))
        .await
        .expect("catalog");
    c.find(Locator::LinkText("Producto de prueba 3"))
        .await
        .expect("product link")
        .click()
        .await
        .expect("click");
    let price = c
        .wait()
        .for_element(Locator::Id("price"))
        .await
        .expect("price field");
    price.clear().await.expect("clear");
    price.send_keys("7,35").await.expect("type");
    c.find(Locator::Id("save-price"))
        .await
        .expect("save")
        .click()
        .await
        .expect("click save");
    c.wait()
        .for_element(Locator::Css(".notice"))
        .await
        .expect("saved notice");
    assert_eq!(browser.text_of("hq-price").await.unwrap(), "7,35 €");

    // The till pulls the change and sells at the new price.
    sync.pull_changes(&ledger).await.expect("pull new price");
    let total = {
        let mut l = ledger.lock().expect("lock");
        let item = l
            .lookup_barcode(&barcode)
            .expect("lookup")
            .expect("in catalog");
        assert_eq!(item.price, new_price, "the till did not get the new price");
        let mut cart = Cart::new();
        cart.add_item(&item, Quantity::units(2)).expect("add");
        let total = cart.totals().expect("totals").total;
        let (lines, discount) = cart.take();
        l.record_sale(
            Some(StaffId(1)),
            lines,
            discount,
            vec![cash_payment(total, Money::from_cents(2000))],
        )
        .expect("sale");
        total
    };
    assert_eq!(total, Money::from_cents(1470));
    let report = sync.push_pending(&ledger).await.expect("push");
    assert_eq!(report.acknowledged, 1, "{report:?}");

    // The overview and the product report show the sale.
    c.goto(&format!("{base}/dashboard"))
        .await
        .expect("overview");
    assert_eq!(browser.text_of("today-gross").await.unwrap(), "14,70 €");
    assert_eq!(browser.text_of("today-tickets").await.unwrap(), "1");
    c.goto(&format!("{base}/dashboard/reports"))
        .await
        .expect("reports");
    c.find(Locator::LinkText("Por producto"))
        .await
        .expect("product tab")
        .click()
        .await
        .expect("click tab");
    let row = c
        .wait()
        .for_element(Locator::Css(&format!("tr[data-key=\"{product_id}\"]")))
        .await
        .expect("product row")
        .text()
        .await
        .expect("row text");
    assert!(
        row.contains("Producto de prueba 3") && row.contains("14,70 €"),
        "{row}"
    );
    assert!(row.contains('2'), "units sold: {row}");

    // The ES | EN switch in the header: one click and the dashboard speaks English, on the same
    // page, and keeps doing so on the next one.
    c.goto(&format!("{base}/dashboard"))
        .await
        .expect("overview");
    c.find(Locator::Id("lang-en"))
        .await
        .expect("EN link")
        .click()
        .await
        .expect("click EN");
    c.wait()
        .for_element(Locator::Css("html[lang=\"en\"]"))
        .await
        .expect("the page in English");
    assert_eq!(
        c.current_url().await.expect("url").path(),
        "/dashboard",
        "the switch came back to the same page"
    );
    assert_eq!(browser.text_of("today-gross").await.unwrap(), "€14.70");
    c.find(Locator::LinkText("Catalogue"))
        .await
        .expect("English navigation")
        .click()
        .await
        .expect("click catalogue");
    c.wait()
        .for_element(Locator::Css("html[lang=\"en\"]"))
        .await
        .expect("still English");
    c.goto(&format!("{base}/dashboard/catalog/{product_id}"))
        .await
        .expect("product page");
    assert_eq!(browser.text_of("hq-price").await.unwrap(), "€7.35");
    browser.close().await;
    db.cleanup().await;
}
