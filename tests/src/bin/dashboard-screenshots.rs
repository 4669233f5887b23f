//! dashboard-screenshots: seeds the demo franchise in a scratch SQLite database exactly as
//! `back-office-server demo` does (90 days of trade rung through the till core), serves it on
//! 127.0.0.1, and saves PNG screenshots of the dashboard pages taken with headless Chromium.

use anyhow::{Context, Result, anyhow};
use chrono::{Duration, Utc};
use fantoccini::Locator;
use std::path::PathBuf;
use std::process::ExitCode;
use trastienda_tests::TestServer;
use trastienda_tests::browser::Browser;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "assets/screenshots".into()),
    );
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let storage = back_office_server::storage::open(&url).await?;
    // The demo's own data: what `back-office-server demo` seeds (90 days of trade).
    let now = Utc::now();
    let seed = back_office_server::demo::seed(&storage)
        .await?
        .ok_or_else(|| anyhow!("scratch database was not empty"))?;
    // The demo's Cobros: its first franchisee's statement of account.
    let statement_of = storage
        .list_franchisees()
        .await?
        .first()
        .map(|f| f.id.0)
        .ok_or_else(|| anyhow!("the demo has no franchisee"))?;
    // A stock card worth showing: the first store's best seller over the last four weeks.
    let card = {
        let rows = storage
            .stock()
            .stock(&back_office_server::storage::stock::StockFilter {
                store_id: None,
                query: None,
                family: None,
                sales_since: crate_day(now - Duration::days(27)),
            })
            .await?;
        let first = rows.first().map(|r| r.store_id);
        rows.iter()
            .filter(|r| Some(r.store_id) == first)
            .max_by_key(|r| r.sold)
            .map(|r| format!("/dashboard/stock/{}/{}", r.store_id, r.product_id))
            .ok_or_else(|| anyhow!("the demo has no stock"))?
    };
    let server = TestServer::start(&url).await;
    let base = server.url();
    let browser = Browser::start().await.map_err(|e| anyhow!(e))?;
    let (user, password, _) = seed
        .logins
        .first()
        .ok_or_else(|| anyhow!("the demo has no dashboard login"))?;
    browser.sign_in(&base, user, password).await?;
    let from = crate_day(now - Duration::days(6));
    let to = crate_day(now);
    let shots = [
        ("overview", "/dashboard".to_string()),
        ("catalog", "/dashboard/catalog?q=aceite".to_string()),
        ("tills", "/dashboard/tills".to_string()),
        (
            "reports",
            format!("/dashboard/reports?by=day&from={from}&to={to}"),
        ),
        (
            "reports-tax",
            format!("/dashboard/reports?by=tax&from={from}&to={to}"),
        ),
        (
            "reports-hour",
            format!("/dashboard/reports?by=hour&from={from}&to={to}"),
        ),
        (
            "reports-cashier",
            format!("/dashboard/reports?by=cashier&from={from}&to={to}"),
        ),
        (
            "reports-top",
            format!("/dashboard/reports?by=top&n=10&from={from}&to={to}"),
        ),
        ("deliveries", "/dashboard/deliveries".to_string()),
        ("alerts", "/dashboard/alerts".to_string()),
        ("stock", "/dashboard/stock".to_string()),
        ("collections", "/dashboard/collections".to_string()),
        (
            "collections-statement",
            format!("/dashboard/collections/franchisees/{statement_of}"),
        ),
        // The same overview in English: the ES | EN switch sets the cookie and comes back.
        (
            "overview-en",
            "/dashboard/lang?to=en&back=/dashboard".to_string(),
        ),
        // Existencias, a stock card (kardex) and Pedidos in both languages; ends in English.
        ("stock-en", "/dashboard/stock".to_string()),
        ("stock-card-en", card.clone()),
        ("stock-card", format!("/dashboard/lang?to=es&back={card}")),
        ("purchase-orders", "/dashboard/purchase-orders".to_string()),
        (
            "purchase-orders-en",
            "/dashboard/lang?to=en&back=/dashboard/purchase-orders".to_string(),
        ),
        // Back in Spanish: the first franchisee's contract, its first invoice, and its archive for
        // this month (the month's invoices, Z reports and HQ's scans; the zip link).
        (
            "contract",
            format!("/dashboard/lang?to=es&back=/dashboard/invoicing/contracts/{statement_of}"),
        ),
        ("invoice", {
            let invoices = storage
                .invoicing()
                .list_invoices(Some(sync_protocol::FranchiseeId(statement_of)))
                .await?;
            let first = invoices
                .last()
                .ok_or_else(|| anyhow!("the demo issued no invoice"))?;
            format!("/dashboard/invoices/{}", first.id)
        }),
        (
            "archive",
            format!(
                "/dashboard/archive?franchisee={statement_of}&period={}",
                crate_day(now).format("%Y-%m")
            ),
        ),
    ];
    for (name, path) in shots {
        browser.client.goto(&format!("{base}{path}")).await?;
        browser.client.find(Locator::Css("main")).await?;
        let png = browser.client.screenshot().await?;
        let file = out.join(format!("{name}.png"));
        std::fs::write(&file, png).with_context(|| format!("writing {}", file.display()))?;
        println!("{}", file.display());
    }
    browser.close().await;
    Ok(())
}

fn crate_day(t: chrono::DateTime<Utc>) -> chrono::NaiveDate {
    back_office_server::storage::sql::business_day(t)
}
