//! A headless Chromium driven over WebDriver: starts `chromedriver --port=<free port>` as a child
//! process and connects fantoccini to it. Used by the dashboard browser test and the screenshot tool.

use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian puts Chromium; `CHROME_BIN` overrides it.
const CHROMIUM: &str = "/usr/bin/chromium";

/// A running headless browser. Dropping it stops chromedriver (and with it the browser).
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn on_path(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.is_file())
    })
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium, or says why not (missing packages) with `Err`.
    pub async fn start() -> Result<Browser, String> {
        let driver_bin = std::env::var_os("CHROMEDRIVER")
            .map(std::path::PathBuf::from)
            .or_else(|| on_path("chromedriver"))
            .ok_or("chromedriver is not installed (apt-get install chromium chromium-driver)")?;
        let chrome = std::env::var("CHROME_BIN").unwrap_or_else(|_| CHROMIUM.to_string());
        if !std::path::Path::new(&chrome).is_file() {
            return Err(format!(
                "{chrome} is not installed (apt-get install chromium chromium-driver)"
            ));
        }
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let mut driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", driver_bin.display()))?;
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                let _ = driver.kill();
                return Err("chromedriver did not start listening within 15 s".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chrome,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,1000", "--lang=es-ES", "--no-first-run",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                // Headless Chromium sends `Accept-Language: en-US` whatever `--lang` says, and the
                // dashboard follows that header: ask for Spanish, as a browser in Spain would.
                "prefs": { "intl.accept_languages": "es-ES,es" },
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = match ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => c,
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                return Err(format!("cannot open a Chromium session: {e}"));
            }
        };
        Ok(Browser {
            client,
            driver,
            _profile: profile,
        })
    }

    /// Signs in to the dashboard at `base` and waits for the overview.
    pub async fn sign_in(&self, base: &str, user: &str, password: &str) -> anyhow::Result<()> {
        let c = &self.client;
        c.goto(&format!("{base}/dashboard/login")).await?;
        c.find(Locator::Id("username"))
            .await?
            .send_keys(user)
            .await?;
        c.find(Locator::Id("password"))
            .await?
            .send_keys(password)
            .await?;
        c.find(Locator::Id("sign-in")).await?.click().await?;
        c.wait().for_element(Locator::Id("today-gross")).await?;
        Ok(())
    }

    /// The text of the element with this id on the current page.
    pub async fn text_of(&self, id: &str) -> anyhow::Result<String> {
        Ok(self.client.find(Locator::Id(id)).await?.text().await?)
    }

    /// The whole page's visible text.
    pub async fn page_text(&self) -> anyhow::Result<String> {
        Ok(self.client.find(Locator::Css("body")).await?.text().await?)
    }

    /// Ends the session and stops chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
