//! Alerts in a real browser (headless Debian Chromium over WebDriver), at 1400 px wide: a store
//! manager with a long name sees the whole top menu on one line (it wrapped onto two before), opens
//! Avisos from the menu, acknowledges their store's alert with a note by clicking, and sees who
//! acknowledged it. Prints "skipped" when chromium / chromium-driver are not installed.

use back_office_server::storage::dashboard::DashboardRole;
use fantoccini::Locator;
use sync_protocol::StoreId;
use trastienda_tests::browser::Browser;
use trastienda_tests::server::TestDatabase;
use trastienda_tests::{Backend, HqClient, TestServer};

const PASSWORD: &str = "navegador de prueba";

/// How many rows the top menu's links take, and the header's height in pixels.
const MENU_ROWS: &str = "const links = [...document.querySelectorAll('header.top nav:not(.lang) a')];
     const tops = new Set(links.map(a => Math.round(a.getBoundingClientRect().top)));
     return [tops.size, Math.round(document.querySelector('header.top').getBoundingClientRect().height), links.length];";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_acknowledges_an_alert_with_the_menu_on_one_line() {
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
    let franchise = admin.seed_franchise(2, 3).await;
    let storage = back_office_server::storage::open(&db.url)
        .await
        .expect("storage");
    let store = StoreId(franchise.store_ids[0]);
    for (login, name, role, stores) in [
        (
            "encargada",
            "María del Carmen Fernández-Villaverde",
            DashboardRole::Manager,
            vec![store],
        ),
        ("hq", "Ana Torres", DashboardRole::Admin, vec![]),
    ] {
        back_office_server::services::accounts::create_user(
            &*storage, login, name, PASSWORD, role, stores,
        )
        .await
        .expect("dashboard user");
    }
    storage
        .alerts()
        .raise(
            "stock_negative",
            None,
            Some(store),
            "products with negative stock",
            &serde_json::json!({"skus": ["LECHE-1L"]}),
            chrono::Utc::now(),
        )
        .await
        .expect("alert");

    let c = &browser.client;
    c.set_window_size(1400, 900).await.expect("window size");
    for user in ["encargada", "hq"] {
        browser
            .sign_in(&base, user, PASSWORD)
            .await
            .expect("sign in");
        let rows = c.execute(MENU_ROWS, vec![]).await.expect("menu rows");
        assert_eq!(
            rows[0], 1,
            "{user}: the menu takes {rows} (rows, header px, links)"
        );
        assert!(
            rows[1].as_i64().unwrap_or(999) < 70,
            "{user}: header is {rows}"
        );
        if user == "hq" {
            break;
        }
        c.find(Locator::LinkText("Avisos"))
            .await
            .expect("Avisos in the menu")
            .click()
            .await
            .expect("click");
        c.wait()
            .for_element(Locator::Id("alerts"))
            .await
            .expect("alerts page");
        let text = browser.page_text().await.expect("text");
        assert!(
            text.contains("Tienda") && text.contains("LECHE-1L"),
            "{text}"
        );
        c.find(Locator::Css("#alerts input[name=note]"))
            .await
            .expect("note field")
            .send_keys("Recuento hecho")
            .await
            .expect("type");
        c.find(Locator::Css("#alerts button[value=acknowledge]"))
            .await
            .expect("acknowledge button")
            .click()
            .await
            .expect("click");
        c.wait()
            .for_element(Locator::Css("p.notice"))
            .await
            .expect("notice");
        let text = browser.page_text().await.expect("text");
        assert!(
            text.contains("Enterado: María del Carmen Fernández-Villaverde")
                && text.contains("Recuento hecho"),
            "{text}"
        );
        // Sign out for the next user.
        c.find(Locator::Css("form.who button"))
            .await
            .expect("sign out")
            .click()
            .await
            .expect("click");
        c.wait()
            .for_element(Locator::Id("username"))
            .await
            .expect("sign-in page");
    }
    browser.close().await;
}
