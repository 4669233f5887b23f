//! dashboard-screenshots: seeds the demo franchise in a scratch SQLite database, adds two weeks of
//! sales through the server's push (one till left silent for two days), serves it on 127.0.0.1, and
//! saves PNG screenshots of the dashboard pages taken with headless Chromium over WebDriver.

use anyhow::{Context, Result, anyhow};
use chrono::{Duration, Utc};
use fantoccini::Locator;
use std::path::PathBuf;
use std::process::ExitCode;
use trastienda_tests::TestServer;
use trastienda_tests::browser::Browser;
use trastienda_tests::history::{Rng, TillChain, days_of_sales};

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
    let seed = back_office_server::demo::seed(&storage)
        .await?
        .ok_or_else(|| anyhow!("scratch database was not empty"))?;
    let products = storage.list_products(None, 0, 600).await?;
    let now = Utc::now();
    let mut rng = Rng(0x5C4E_E115_0000_0001);
    for (i, (_, _, code)) in seed.tills.iter().enumerate() {
        let e = storage
            .enroll_till(
                &back_office_server::auth::hash_token(code),
                None,
                "Caja 1",
                &back_office_server::auth::hash_token(&back_office_server::auth::new_token()),
                now - Duration::days(20),
            )
            .await?;
        let mut chain = TillChain::new(back_office_server::storage::TillAuth {
            till_id: e.till_id,
            store_id: e.store_id,
            franchisee_id: e.franchisee_id,
            revoked: false,
        });
        // The last store's till has been offline for two days.
        let (days, until) = if i == 2 {
            (12, now - Duration::hours(50))
        } else {
            (14, now)
        };
        let cashiers: Vec<sync_protocol::StaffId> = storage
            .list_staff(Some(e.store_id))
            .await?
            .iter()
            .map(|s| s.id)
            .collect();
        let docs = days_of_sales(
            &mut chain,
            &mut rng,
            &products,
            days,
            30 + 10 * i,
            4,
            until,
            &cashiers,
        );
        chain.push_all(storage.as_ref(), &docs, until).await?;
    }
    let statement_of = seed_collections(&storage, now).await?;
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

/// Four months of HQ invoices to the demo franchisees (contracts with a minimum royalty, due at
/// 30 days), some paid in full, one in part, for the Cobros screenshots. Returns the franchisee
/// whose statement of account is shown.
async fn seed_collections(
    storage: &std::sync::Arc<dyn back_office_server::storage::Storage>,
    now: chrono::DateTime<Utc>,
) -> Result<i64> {
    use back_office_server::services::{collections as col, invoicing as inv};
    use back_office_server::storage::collections::{NewPayment, PaymentMethod};
    use chrono::{Datelike, Months, NaiveDate, TimeZone};
    let err = |e: back_office_server::storage::StorageError| anyhow!("{e}");
    let address = serde_json::json!({"street": "Calle Mayor 1", "postal_code": "28013", "city": "Madrid", "province": "Madrid", "country": "ES"});
    inv::set_issuer(
        storage.as_ref(),
        &serde_json::from_value(serde_json::json!({
            "legal_name": "Trastienda Central, S.L.", "nif": "B96873427", "address": address,
            "iban": "ES9121000418450200051332", "creditor_id": "ES48000B96873427"
        }))?,
        now,
    )
    .await
    .map_err(err)?;
    let today = crate_day(now);
    let first_of = |d: NaiveDate| NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d);
    let months: Vec<NaiveDate> = (1..=4)
        .rev()
        .filter_map(|k| first_of(today).checked_sub_months(Months::new(k)))
        .collect();
    let franchisees = storage.list_franchisees().await?;
    for (i, f) in franchisees.iter().enumerate() {
        let contract = serde_json::from_value(serde_json::json!({
            "effective_from": months[0].format("%Y-%m").to_string(),
            "royalty_tiers": [{"from": "0.00", "to": null, "percent": "5"}],
            "minimum_royalty": format!("{}.00", 450 + 175 * i),
            "payment_days": 30,
            "payment": {"method": "transfer"},
            "billing_email": "administracion@example.es",
            "billing_address": address,
        }))?;
        inv::create_contract(storage.as_ref(), f.id, &contract, "demo", now)
            .await
            .map_err(err)?;
    }
    for m in &months {
        let issued_on = m
            .checked_add_months(Months::new(1))
            .unwrap_or(*m)
            .and_hms_opt(11, 0, 0)
            .map(|t| Utc.from_utc_datetime(&t))
            .unwrap_or(now);
        inv::run(
            storage.as_ref(),
            &m.format("%Y-%m").to_string(),
            issued_on.min(now),
            &|_, _| {},
        )
        .await
        .map_err(err)?;
    }
    // The first franchisee paid its first two invoices and part of the third.
    let Some(first) = franchisees.first() else {
        return Err(anyhow!("the demo has no franchisee"));
    };
    let open = storage
        .collections()
        .receivables(Some(first.id), true)
        .await?;
    let paid: sync_protocol::Money = open.iter().take(2).map(|r| r.open).sum();
    for (amount, method, reference) in [
        (paid, PaymentMethod::Transfer, "TRANSFERENCIA FRAS"),
        (
            sync_protocol::Money::from_cents(20000),
            PaymentMethod::Card,
            "TPV",
        ),
    ] {
        col::record_payment(
            storage.as_ref(),
            &NewPayment {
                franchisee_id: first.id,
                method,
                received_on: today - Duration::days(20),
                amount,
                reference: reference.into(),
                allocations: None,
            },
            "demo",
            now,
        )
        .await
        .map_err(err)?;
    }
    Ok(first.id.0)
}
