//! Who is on the other end of a request and how it arrived: the client's address (taken from
//! `X-Forwarded-For` only when the peer is a proxy the operator said to trust) and whether the
//! browser reached us over HTTPS (our own TLS, or a trusted proxy's `X-Forwarded-Proto: https`).
//! Also the security headers every answer carries.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// How this server is reached, set at start-up (`serve --trusted-proxy …`, `--tls-cert`).
#[derive(Debug, Clone, Default)]
pub struct NetConfig {
    /// Reverse proxies whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Vec<IpNet>,
    /// This server terminates TLS itself.
    pub tls: bool,
    /// SHA-256 of the server's own (self-signed) certificate, which enrolment links carry.
    pub certificate_sha256: Option<String>,
}

impl NetConfig {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|n| n.contains(&ip))
    }
}

/// Parses `--trusted-proxy` values: an address (`127.0.0.1`) or a network (`10.0.0.0/8`).
pub fn parse_proxy(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| {
            format!("{s:?} is not an IP address or network (e.g. 127.0.0.1 or 10.0.0.0/8)")
        })
}

/// The request's client as far as we can tell, put in the request's extensions for every handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    /// The browser's or till's address; `None` when the server was started without peer addresses.
    pub addr: Option<IpAddr>,
    /// Reached over HTTPS (cookies get `Secure` and the `__Host-` prefix; HSTS is sent).
    pub secure: bool,
}

impl Client {
    /// A plain-HTTP client with no known address (tests that build requests by hand).
    pub const UNKNOWN: Client = Client {
        addr: None,
        secure: false,
    };
}

/// The client of a request as the middleware worked it out; unknown when it did not run.
pub fn client(ext: &axum::http::Extensions) -> Client {
    ext.get::<Client>().copied().unwrap_or(Client::UNKNOWN)
}

/// Works out the [`Client`] of a request from its peer and headers.
pub fn client_of(cfg: &NetConfig, peer: Option<IpAddr>, headers: &HeaderMap) -> Client {
    let from_proxy = peer.is_some_and(|p| cfg.trusts(p));
    let mut addr = peer;
    if from_proxy {
        // The rightmost address a trusted proxy did not add itself is the client.
        let chain: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .collect();
        if let Some(a) = chain.iter().rev().find(|a| !cfg.trusts(**a)) {
            addr = Some(*a);
        } else if let Some(first) = chain.first() {
            addr = Some(*first);
        }
    }
    let proto_https = from_proxy
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .next_back()
                    .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
            });
    Client {
        addr,
        secure: cfg.tls || proto_https,
    }
}

/// Content-Security-Policy of the dashboard: server-rendered HTML with the site's stylesheet, inline
/// SVG charts and no script at all.
pub const DASHBOARD_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Middleware: puts the [`Client`] in the request and the security headers on the answer.
pub async fn middleware(
    State(cfg): State<Arc<NetConfig>>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let client = client_of(&cfg, peer, req.headers());
    let path = req.uri().path().to_string();
    req.extensions_mut().insert(client);
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if client.secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    let cacheable = path == "/dashboard/style.css" || path == "/api/openapi.json";
    if !cacheable {
        // Pages, CSV exports and API answers hold franchise data or tokens: never kept by a cache.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if path == "/" || path.starts_with("/dashboard") {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DASHBOARD_CSP),
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn forwarded_headers_only_from_a_trusted_proxy() {
        let cfg = NetConfig {
            trusted_proxies: vec![
                parse_proxy("127.0.0.1").unwrap(),
                parse_proxy("10.0.0.0/8").unwrap(),
            ],
            tls: false,
            certificate_sha256: None,
        };
        let h = headers(&[
            ("x-forwarded-for", "203.0.113.9, 10.1.2.3"),
            ("x-forwarded-proto", "https"),
        ]);
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        let c = client_of(&cfg, Some(proxy), &h);
        assert_eq!(c.addr, Some("203.0.113.9".parse().unwrap()));
        assert!(c.secure);
        // A client that sends the headers itself is not believed.
        let stranger: IpAddr = "198.51.100.7".parse().unwrap();
        let c = client_of(&cfg, Some(stranger), &h);
        assert_eq!(c.addr, Some(stranger));
        assert!(!c.secure);
        // A spoofed left part: the rightmost untrusted address wins.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9")]);
        assert_eq!(
            client_of(&cfg, Some(proxy), &h).addr,
            Some("203.0.113.9".parse().unwrap())
        );
        // Nothing trusted configured: the peer, always.
        let none = NetConfig::default();
        assert_eq!(client_of(&none, Some(proxy), &h).addr, Some(proxy));
        assert!(client_of(&NetConfig { tls: true, ..none }, Some(proxy), &h).secure);
        assert!(parse_proxy("not an address").is_err());
    }
}
