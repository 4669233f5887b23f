//! Creating a product on the dashboard in a real browser (headless Debian Chromium over WebDriver):
//! HQ fills the new-product form, lands on the product page with its margin, and the catalog search
//! finds it. Prints "skipped" when chromium / chromium-driver are not installed.

use back_office_server::storage::dashboard::DashboardRole;
use fantoccini::Locator;
use trastienda_tests::browser::Browser;
use trastienda_tests::server::TestDatabase;
use trastienda_tests::{Backend, HqClient, TestServer};

const PASSWORD: &str = "navegador de prueba";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_creates_a_product_on_its_page() {
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
    admin.seed_franchise(1, 3).await;
    let storage = back_office_server::storage::open(&db.url)
        .await
        .expect("storage");
    back_office_server::services::accounts::create_user(
        &*storage,
        "hq",
        "Ana Torres",
        PASSWORD,
        DashboardRole::Admin,
        vec![],
    )
    .await
    .expect("dashboard user");

    let c = &browser.client;
    browser
        .sign_in(&base, "hq", PASSWORD)
        .await
        .expect("sign in");
    c.goto(&format!("{base}/dashboard/catalog/new"))
        .await
        .expect("new product page");
    for (id, text) in [
        ("sku", "ACE-5L"),
        ("name", "Aceite de oliva virgen extra garrafa 5 l"),
        ("barcodes", "8437120000016"),
        ("category", "Aceites"),
        ("price", "31,99"),
        ("cost", "19,50"),
    ] {
        let field = c.find(Locator::Id(id)).await.expect(id);
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }
    c.find(Locator::Id("create-product"))
        .await
        .expect("create button")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Id("product-margin"))
        .await
        .expect("product page");
    let text = browser.page_text().await.expect("text");
    assert!(
        text.contains("Aceite de oliva virgen extra garrafa 5 l") && text.contains("Margen"),
        "{text}"
    );
    assert!(text.contains("ACE-5L"), "{text}");

    // The catalog search finds it, and it is stored with its barcode.
    c.goto(&format!("{base}/dashboard/catalog?q=ACE-5L"))
        .await
        .expect("catalog");
    let text = browser.page_text().await.expect("text");
    assert!(text.contains("8437120000016"), "{text}");
    let found = storage
        .list_products(Some("ACE-5L"), 0, 5)
        .await
        .expect("products");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].price.cents(), 3199);
    assert_eq!(found[0].barcodes, vec!["8437120000016".to_string()]);
    browser.close().await;
}
