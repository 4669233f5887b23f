//! The HQ web dashboard: server-rendered HTML pages under `/dashboard`, signed in with a session
//! cookie, CSRF-checked forms, and every page scoped to what the viewer's role may see.

pub mod alerts;
pub mod archive;
pub mod barcode_rules;
pub mod catalog;
pub mod collections;
pub mod controls;
pub mod csv_file;
pub mod customers;
pub mod deliveries;
pub mod forms;
pub mod html;
pub mod invoicing;
pub mod jobs;
pub mod login;
pub mod overview;
pub mod people;
pub mod promotions;
pub mod purchasing;
pub mod quick_keys;
pub mod replenish;
pub mod reports;
pub mod staff;
pub mod stock;
pub mod stores;
pub mod tills;
pub mod verifactu;

pub use crate::i18n;
pub use crate::i18n::{LANG_COOKIE, Lang, Tr};
pub use forms::{ScopedWriteForm, SessionForm, SignInForm, WriteForm};

use crate::app::AppState;
use crate::key;
use crate::problem::Problem;
use crate::storage::StorageError;
use crate::storage::dashboard::{DashboardRole, DashboardUser};
use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::handler::Handler;
use axum::http::HeaderValue;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use maud::Markup;
use serde::de::DeserializeOwned;
use sync_protocol::{FranchiseeId, StoreId};

/// Name of the session cookie (HttpOnly, SameSite=Strict) over plain HTTP.
pub const SESSION_COOKIE: &str = "trastienda_session";
/// Its name over HTTPS: the `__Host-` prefix makes browsers keep it only when set `Secure`, for the
/// whole host and from this host (no sub-domain or plain-HTTP page can plant or read one).
pub const SECURE_SESSION_COOKIE: &str = "__Host-trastienda_session";

/// The session cookie's name for a request that came over HTTPS or not.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// A dashboard route that changes something: its method and its path as mounted (`{id}` for a
/// path parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteRoute {
    pub method: &'static str,
    pub path: &'static str,
}

/// The dashboard's router as it is built, with the list of its write routes kept beside it: the
/// only way to mount a POST is [`Dashboard::form`], which records it and accepts only a handler
/// whose last extractor checks the CSRF token (see [`forms::EndsInCsrfCheck`]). The list is what
/// the CSRF test walks, so a new form cannot be missed by it.
struct Dashboard {
    router: Router<AppState>,
    writes: Vec<WriteRoute>,
}

impl Dashboard {
    fn new() -> Self {
        Self {
            router: Router::new(),
            writes: Vec::new(),
        }
    }

    /// A page or a file: `GET`, which changes nothing.
    fn page<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, get(handler));
        self
    }

    /// A form's target: `POST`, checked for its CSRF token before the handler runs.
    fn form<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: forms::EndsInCsrfCheck + 'static,
    {
        self.router = self.router.route(
            path,
            post(handler).layer(axum::extract::DefaultBodyLimit::max(
                crate::app::body_limit(path),
            )),
        );
        self.writes.push(WriteRoute {
            method: "POST",
            path,
        });
        self
    }
}

fn dashboard() -> Dashboard {
    Dashboard::new()
        .page("/", || async { Redirect::to("/dashboard") })
        .page("/dashboard/style.css", html::stylesheet)
        .page("/dashboard/lang", switch_language)
        .page("/dashboard/login", login::form)
        .form("/dashboard/login", login::submit)
        .form("/dashboard/logout", login::logout)
        .page("/dashboard", overview::page)
        .page("/dashboard/catalog", catalog::list)
        .page("/dashboard/catalog.csv", catalog::export)
        .form("/dashboard/catalog/import", catalog::import)
        .form("/dashboard/catalog/bulk-price", catalog::bulk_price)
        .page("/dashboard/catalog/{id}", catalog::edit)
        .form("/dashboard/catalog/{id}", catalog::save)
        .form("/dashboard/catalog/{id}/store-price", catalog::store_price)
        .page("/dashboard/stores", stores::list)
        .form("/dashboard/stores", stores::create_store)
        .page("/dashboard/stores/{id}", stores::show_store)
        .form("/dashboard/stores/{id}", stores::save_store)
        .form("/dashboard/franchisees", stores::create_franchisee)
        .page("/dashboard/franchisees/{id}", stores::show_franchisee)
        .form("/dashboard/franchisees/{id}", stores::save_franchisee)
        .page("/dashboard/tills", tills::list)
        .form("/dashboard/tills", tills::create)
        .form("/dashboard/tills/{id}/revoke", tills::revoke)
        .page("/dashboard/staff", staff::list)
        .form("/dashboard/staff", staff::create)
        .page("/dashboard/barcode-rules", barcode_rules::list)
        .form("/dashboard/barcode-rules", barcode_rules::create)
        .form(
            "/dashboard/barcode-rules/{id}/delete",
            barcode_rules::delete,
        )
        .page("/dashboard/customers", customers::list)
        .form("/dashboard/customers", customers::create)
        .page("/dashboard/customers/{id}", customers::show)
        .form("/dashboard/customers/{id}", customers::update)
        .form("/dashboard/customers/{id}/erase", customers::erase)
        .page("/dashboard/quick-keys", quick_keys::page)
        .form("/dashboard/quick-keys/save", quick_keys::save)
        .form("/dashboard/quick-keys/family", quick_keys::family)
        .form("/dashboard/quick-keys/clear", quick_keys::clear)
        .page("/dashboard/promotions", promotions::page)
        .form("/dashboard/promotions/create", promotions::create)
        .form("/dashboard/promotions/end", promotions::end)
        .form("/dashboard/prices/schedule", promotions::schedule)
        .form("/dashboard/prices/cancel", promotions::cancel)
        .page("/dashboard/reports/promotions", promotions::report_page)
        .page("/dashboard/reports/promotions.csv", promotions::report_csv)
        .page("/dashboard/deliveries", deliveries::list)
        .form("/dashboard/deliveries", deliveries::create)
        .page("/dashboard/deliveries/{id}", deliveries::show)
        .page("/dashboard/stock", stock::page)
        .page("/dashboard/stock.csv", stock::csv)
        .page("/dashboard/stock/reports", stock::reports)
        .page("/dashboard/stock/costs", stock::costs)
        .page("/dashboard/stock/costs.csv", stock::costs_csv)
        .form("/dashboard/stock/costs", stock::import_costs)
        .page("/dashboard/stock/{store}/{product}", stock::card)
        .page("/dashboard/replenishment", replenish::page)
        .form("/dashboard/replenishment/note", replenish::make_note)
        .page("/dashboard/replenishment/settings", replenish::settings)
        .form(
            "/dashboard/replenishment/suppliers",
            replenish::create_supplier,
        )
        .form(
            "/dashboard/replenishment/suppliers/{id}/language",
            replenish::set_supplier_language,
        )
        .form("/dashboard/replenishment/families", replenish::set_family)
        .page("/dashboard/replenishment/rules.csv", replenish::rules_csv)
        .form("/dashboard/replenishment/rules", replenish::import_rules)
        .form("/dashboard/replenishment/schedule", replenish::set_schedule)
        .page("/dashboard/purchase-orders", purchasing::list)
        .form("/dashboard/purchase-orders", purchasing::create)
        .form(
            "/dashboard/purchase-orders/from-suggestion",
            purchasing::from_suggestion,
        )
        .page("/dashboard/purchase-orders/{id}", purchasing::show)
        .page("/dashboard/purchase-orders/{id}/pdf", purchasing::pdf)
        .form(
            "/dashboard/purchase-orders/{id}/lines",
            purchasing::save_lines,
        )
        .form(
            "/dashboard/purchase-orders/{id}/approve",
            purchasing::approve,
        )
        .form(
            "/dashboard/purchase-orders/{id}/discard",
            purchasing::discard,
        )
        .form(
            "/dashboard/purchase-orders/{id}/remainder",
            purchasing::remainder,
        )
        .form("/dashboard/purchase-orders/{id}/close", purchasing::close)
        .page("/dashboard/transfers", purchasing::transfers)
        .form("/dashboard/transfers", purchasing::create_transfer)
        .page("/dashboard/transfers/{id}", purchasing::show_transfer)
        .form("/dashboard/transfers/{id}/dispatch", purchasing::dispatch)
        .form(
            "/dashboard/transfers/{id}/discard",
            purchasing::discard_transfer,
        )
        .form("/dashboard/purchase-orders/{id}/resend", purchasing::resend)
        .page("/dashboard/reports", reports::page)
        .page("/dashboard/reports.csv", reports::csv)
        .form("/dashboard/reports/mail", reports::mail)
        .form("/dashboard/reports/{kind}/mail", controls::mail)
        .page("/dashboard/reports/loss", controls::loss_page)
        .page("/dashboard/reports/loss.csv", controls::loss_csv)
        .page("/dashboard/reports/cash", controls::cash_page)
        .page("/dashboard/reports/cash.csv", controls::cash_csv)
        .page("/dashboard/reports/hours", controls::hours_page)
        .page("/dashboard/reports/hours.csv", controls::hours_csv)
        .page("/dashboard/invoicing", invoicing::page)
        .form("/dashboard/invoicing/issuer", invoicing::save_issuer)
        .form("/dashboard/invoicing/run", invoicing::run)
        .page("/dashboard/invoicing/runs/{id}", invoicing::run_page)
        .page("/dashboard/invoicing/journal", invoicing::journal)
        .form("/dashboard/invoices/{id}/send", invoicing::send_now)
        .page("/dashboard/invoicing/contracts/{id}", invoicing::contracts)
        .form(
            "/dashboard/invoicing/contracts/{id}",
            invoicing::create_contract,
        )
        .page("/dashboard/invoices/{id}", invoicing::invoice)
        .form(
            "/dashboard/invoices/{id}/credit-note",
            invoicing::credit_note,
        )
        .page(
            "/dashboard/invoices/{id}/tickets/{store}/{day}",
            invoicing::tickets,
        )
        .page("/dashboard/invoices/{id}/{format}", invoicing::document)
        .page("/dashboard/jobs", jobs::list)
        .form("/dashboard/jobs/{name}/run", jobs::run_now)
        .page("/dashboard/verifactu", verifactu::page)
        .page("/dashboard/verifactu/envelopes/{id}", verifactu::envelope)
        .form("/dashboard/verifactu/certificates", verifactu::upload)
        .page("/dashboard/alerts", alerts::page)
        .form("/dashboard/alerts/digest", alerts::save_digest)
        .form("/dashboard/alerts/{id}/handle", alerts::handle)
        .page("/dashboard/catalog/new", catalog::new_form)
        .form("/dashboard/catalog/new", catalog::create)
        .form("/dashboard/staff/{id}", staff::edit)
        .form("/dashboard/staff/{id}/pin", staff::reset_pin)
        .page("/dashboard/users", people::list)
        .form("/dashboard/users", people::create)
        .page("/dashboard/users/{id}", people::show)
        .form("/dashboard/users/{id}", people::save)
        .form("/dashboard/users/{id}/state", people::set_state)
        .form("/dashboard/users/{id}/password", people::reset_password)
        .form("/dashboard/users/{id}/sessions", people::end_sessions)
        .page("/dashboard/account", people::account)
        .form("/dashboard/account/password", people::change_password)
        .page("/dashboard/tokens", people::tokens)
        .form("/dashboard/tokens", people::create_token)
        .form("/dashboard/tokens/{id}/revoke", people::revoke_token)
        .page("/dashboard/audit", people::audit)
        .page("/dashboard/collections", collections::page)
        .page("/dashboard/collections/aging.csv", collections::aging_csv)
        .form(
            "/dashboard/collections/payments",
            collections::record_payment,
        )
        .form("/dashboard/collections/import", collections::import)
        .form(
            "/dashboard/collections/lines/{id}/match",
            collections::match_line,
        )
        .page(
            "/dashboard/collections/franchisees/{id}",
            collections::franchisee,
        )
        .page(
            "/dashboard/collections/franchisees/{id}/statement.pdf",
            collections::statement_pdf,
        )
        .form(
            "/dashboard/collections/franchisees/{id}/apply-credit",
            collections::apply_credit,
        )
        .form(
            "/dashboard/collections/mandates",
            collections::create_mandate,
        )
        .form(
            "/dashboard/collections/remittances",
            collections::create_remittance,
        )
        .page(
            "/dashboard/collections/remittances/{id}/pain008.xml",
            collections::remittance_file,
        )
        .page(
            "/dashboard/collections/remittances/{id}/files/{file}",
            collections::remittance_file_version,
        )
        .form("/dashboard/collections/returns", collections::returns)
        .form(
            "/dashboard/collections/invoices/{id}/dispute",
            collections::dispute,
        )
        .form(
            "/dashboard/collections/dunning-levels",
            collections::save_levels,
        )
        .form(
            "/dashboard/collections/holds/{id}/release",
            collections::release_hold,
        )
        // The franchisee's own view (helper franchisee).
        .page("/dashboard/franchise", collections::own)
        .form(
            "/dashboard/collections/franchisees/{id}/email-statement",
            collections::email_statement,
        )
        .form(
            "/dashboard/collections/franchisees/{id}/archive-statement",
            collections::archive_statement,
        )
        // Document custody (issue 14): HQ's Archivo, a franchisee's own under Mi franquicia.
        .page("/dashboard/archive", archive::page)
        .form("/dashboard/archive", archive::upload)
        .form("/dashboard/archive/retention", archive::set_retention)
        .page("/dashboard/archive.zip", archive::export)
        .page("/dashboard/archive/{id}", archive::download)
        .page("/dashboard/franchise/contract", invoicing::own_contract)
}

/// The dashboard's routes (merged into the server's router).
pub fn routes() -> Router<AppState> {
    dashboard().router
}

/// Every route of [`routes`] that changes something, in the order they are mounted.
pub fn write_routes() -> Vec<WriteRoute> {
    dashboard().writes
}

// --- errors as pages ----------------------------------------------------------------------------

/// An error shown to a person: a status and a sentence, rendered as a small page. A sentence the
/// page wrote already in the viewer's language (`message`), or a [`Problem`] from the rules and
/// storage, written in the language of the page that shows it.
#[derive(Debug)]
pub struct WebError {
    pub status: StatusCode,
    pub message: String,
    pub problem: Option<Problem>,
}

impl WebError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            problem: None,
        }
    }
    /// A problem shown with `status`, in the language of the page.
    pub fn problem(status: StatusCode, p: Problem) -> Self {
        Self {
            status,
            message: p.to_string(),
            problem: Some(p),
        }
    }
    /// What the page says, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match &self.problem {
            Some(p) => p.message(lang),
            None => self.message.clone(),
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
    /// What a viewer gets for something outside their scope: the same as for something that does
    /// not exist, in the viewer's language.
    pub fn not_found_t(t: &Tr) -> Self {
        Self::new(StatusCode::NOT_FOUND, t.msg(key!("error-not-found")))
    }

    /// The error as a small page in `t`'s language (title from the status, the message, a way back).
    pub fn page(&self, t: &Tr) -> Markup {
        self.page_with(t, None)
    }

    /// [`WebError::page`] with `extra` under the message (the form that sends a refused change anyway).
    pub fn page_with(&self, t: &Tr, extra: Option<Markup>) -> Markup {
        let title = t.msg(match self.status.as_u16() {
            403 => "error-title-forbidden",
            404 => "error-title-not-found",
            409 | 422 | 400 => "error-title-invalid",
            429 => "error-title-too-many",
            s if s >= 500 => "error-title-server",
            _ => "error-title-other",
        });
        let body = maud::html! {
            section class="card" {
                h1 { (title) }
                p class="error" role="alert" { (self.text(t.lang())) }
                p { (t.msg(key!("error-nothing-saved"))) " " a href="/dashboard" { (t.msg(key!("error-back"))) } }
                @if let Some(extra) = extra { (extra) }
            }
        };
        html::bare_page(t, &title, body, "/dashboard")
    }
}

/// The problem of a change refused because tills of its store(s) cannot apply it.
const TILLS_NEED_UPDATE: &str = "tills_need_update";

tokio::task_local! {
    /// The form an admin posted in this request (path and fields), so a change refused because
    /// tills need updating can be offered again, forced.
    static POSTED: std::cell::RefCell<Option<(String, Vec<(String, String)>)>>;
}

/// Keeps the form an admin posted (see [`POSTED`]); and when it says `force`, forces the changes
/// this request makes, recorded in the audit log under `v`.
pub(crate) fn posted_form(v: &Viewer, path: &str, body: &[u8]) {
    if !v.can_write() {
        return;
    }
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    if fields
        .iter()
        .any(|(k, val)| k == "force" && matches!(val.as_str(), "1" | "on" | "true"))
    {
        crate::storage::till_gate::force(crate::services::people::actor(&v.user));
    }
    let _ = POSTED.try_with(|p| *p.borrow_mut() = Some((path.to_string(), fields)));
}

/// The refused form again, with a box the admin ticks to send it although the tills named cannot
/// apply it yet.
fn force_form(t: &Tr, path: &str, fields: &[(String, String)]) -> Markup {
    maud::html! {
        form method="post" action=(path) class="force-change" {
            @for (k, v) in fields.iter().filter(|(k, _)| k != "force") {
                input type="hidden" name=(k) value=(v);
            }
            p {
                label {
                    input type="checkbox" name="force" value="1" required;
                    " " (t.msg(key!("tills-force-confirm")))
                }
            }
            button type="submit" class="danger" { (t.msg(key!("tills-force-send"))) }
        }
    }
}

/// Marks a response as a [`WebError`] page so [`localize_errors`] can draw it again in the
/// request's language (the error itself does not know who asked).
#[derive(Debug, Clone)]
struct ErrorShown {
    status: StatusCode,
    message: String,
    problem: Option<Problem>,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let page = self.page(Tr::es());
        let mut res = (self.status, page).into_response();
        res.extensions_mut().insert(ErrorShown {
            status: self.status,
            message: self.message,
            problem: self.problem,
        });
        res
    }
}

/// Middleware over the dashboard (and `Vary` on every answer): an error page (title, "nothing was saved", the way back, the
/// language switch) in the language of the request. The message is already in that language when
/// the page code built it with the viewer's translator.
///
/// It also opens the request's slots for a forced change ([`crate::storage::till_gate`]) and for
/// the form posted: a change refused because tills need updating comes back with that form, ready
/// to send again forced (an admin's confirmation, recorded in the audit log).
pub async fn localize_errors(req: Request, next: Next) -> Response {
    let lang = crate::i18n::lang_of(req.headers());
    let (mut res, posted) = crate::storage::till_gate::with_slot(POSTED.scope(
        std::cell::RefCell::new(None),
        async move {
            let res = next.run(req).await;
            let posted = POSTED.with(|p| p.borrow_mut().take());
            (res, posted)
        },
    ))
    .await;
    if let Some(e) = res.extensions().get::<ErrorShown>().cloned() {
        let t = Tr::get(lang);
        let offer = posted
            .filter(|_| {
                e.problem
                    .as_ref()
                    .is_some_and(|p| p.code == TILLS_NEED_UPDATE)
            })
            .map(|(path, fields)| force_form(t, &path, &fields));
        if lang != Lang::Es || offer.is_some() {
            let err = WebError {
                status: e.status,
                message: e.message,
                problem: e.problem,
            };
            res = (err.status, err.page_with(t, offer)).into_response();
        }
    }
    // The same URL reads differently per language: caches must keep them apart.
    res.headers_mut().append(
        header::VARY,
        HeaderValue::from_static("accept-language, cookie"),
    );
    res
}

impl From<Problem> for WebError {
    fn from(p: Problem) -> Self {
        Self::problem(StatusCode::UNPROCESSABLE_ENTITY, p)
    }
}

impl From<StorageError> for WebError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound(p) => Self::problem(StatusCode::NOT_FOUND, p),
            StorageError::Conflict(p) => Self::problem(StatusCode::CONFLICT, p),
            StorageError::Invalid(p) => Self::problem(StatusCode::UNPROCESSABLE_ENTITY, p),
            StorageError::Backend(m) => {
                tracing::error!(error = %m, "storage backend failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the database failed; the error is in the server log",
                )
            }
        }
    }
}

pub type WebResult<T = Response> = Result<T, WebError>;

// --- extractors ---------------------------------------------------------------------------------

/// `axum::extract::Query` whose rejection is a [`WebError`] page.
pub struct WebQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for WebQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        let t = Tr::get(crate::i18n::lang_of(&parts.headers));
        let axum::extract::Query(v) = axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map_err(|r| {
                WebError::new(
                    StatusCode::BAD_REQUEST,
                    t.msg_with(key!("error-bad-query"), &[("detail", &r.body_text())]),
                )
            })?;
        Ok(Self(v))
    }
}

/// `axum::extract::Path` whose rejection is a 404 page.
pub struct WebPath<T>(pub T);

impl<S, T> FromRequestParts<S> for WebPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        let t = Tr::get(crate::i18n::lang_of(&parts.headers));
        let axum::extract::Path(v) = axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map_err(|_| WebError::not_found_t(t))?;
        Ok(Self(v))
    }
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A signed-in person: who they are, their session's CSRF token, and what they may see; and the
/// language they read the dashboard in (`v.t().msg("…")`).
pub struct Viewer {
    pub user: DashboardUser,
    pub csrf: String,
    pub token_hash: String,
    /// The request's language (cookie, else `Accept-Language`, else Spanish).
    pub lang: Lang,
    /// Where the ES | EN switch comes back to: this page's path (and query, for a GET).
    pub here: String,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Response> {
        let to_login = || Redirect::to("/dashboard/login").into_response();
        let secure = crate::net::client(&parts.extensions).secure;
        let Some(token) = cookie(&parts.headers, session_cookie_name(secure)) else {
            return Err(to_login());
        };
        let token_hash = crate::auth::hash_token(&token);
        match st
            .storage
            .dashboard()
            .session_user(&token_hash, Utc::now())
            .await
        {
            // A one-time password is replaced before anything else: every other page (and form)
            // leads to "Mi cuenta"; signing out still works.
            Ok(Some((user, _)))
                if user.must_change_password
                    && !matches!(
                        parts.uri.path(),
                        "/dashboard/account" | "/dashboard/account/password" | "/dashboard/logout"
                    ) =>
            {
                Err(Redirect::to("/dashboard/account").into_response())
            }
            Ok(Some((user, csrf))) => Ok(Self {
                user,
                csrf,
                token_hash,
                lang: crate::i18n::lang_of(&parts.headers),
                here: if parts.method == axum::http::Method::GET {
                    parts
                        .uri
                        .path_and_query()
                        .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string())
                } else {
                    parts.uri.path().to_string()
                },
            }),
            Ok(None) => Err(to_login()),
            Err(e) => Err(WebError::from(e).into_response()),
        }
    }
}

impl Viewer {
    /// The translator of the viewer's language.
    pub fn t(&self) -> &'static Tr {
        Tr::get(self.lang)
    }

    /// `None`: every store (HQ roles); `Some`: only these.
    pub fn scope(&self) -> Option<&[StoreId]> {
        match self.user.role {
            DashboardRole::Admin | DashboardRole::Analyst => None,
            DashboardRole::Manager | DashboardRole::Franchisee => Some(&self.user.stores),
        }
    }

    /// A franchisee user's franchisee (`None` for every other role).
    pub fn franchisee(&self) -> Option<FranchiseeId> {
        match self.user.role {
            DashboardRole::Franchisee => self.user.franchisee,
            _ => None,
        }
    }

    /// Whether the viewer sees franchisee `id`'s invoices, statement, payments and mandates: HQ
    /// roles every franchisee's, a franchisee user only its own, a store manager none.
    pub fn sees_franchisee(&self, id: FranchiseeId) -> bool {
        self.is_hq() || self.franchisee() == Some(id)
    }

    /// [`Self::sees_franchisee`] as a page answer: anything else is "not found".
    pub fn franchisee_or_404(&self, id: FranchiseeId) -> Result<(), WebError> {
        if self.sees_franchisee(id) {
            Ok(())
        } else {
            Err(WebError::not_found_t(self.t()))
        }
    }

    pub fn sees_store(&self, id: StoreId) -> bool {
        self.scope().is_none_or(|s| s.contains(&id))
    }

    pub fn can_write(&self) -> bool {
        self.user.role == DashboardRole::Admin
    }

    /// Whether the viewer may change till staff: HQ admins, and store managers for their own
    /// stores' staff (checked per member with [`Self::sees_store`]).
    pub fn can_write_staff(&self) -> bool {
        matches!(
            self.user.role,
            DashboardRole::Admin | DashboardRole::Manager
        )
    }

    /// Whether the viewer reads HQ's pages (people, tokens, audit): admins and analysts.
    pub fn is_hq(&self) -> bool {
        self.scope().is_none()
    }

    /// The hidden CSRF field every form carries (checked by [`WriteForm`] and [`SessionForm`]).
    pub fn csrf_field(&self) -> Markup {
        maud::html! { input type="hidden" name="csrf" value=(self.csrf); }
    }
}

/// Redirect after a successful POST (303, so a reload does not post again).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A page as the response.
pub fn ok(page: Markup) -> Response {
    page.into_response()
}

#[derive(Debug, serde::Deserialize)]
pub struct LangQuery {
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub back: String,
}

/// Where the language switch may send the browser back to: a path of this dashboard, nothing
/// else (no other site, no `//host`, no backslashes or control characters that a browser or a
/// header could read differently).
pub fn safe_back(back: &str) -> &str {
    let ok = (back == "/dashboard"
        || back.starts_with("/dashboard/")
        || back.starts_with("/dashboard?"))
        && !back.contains("//")
        && !back.split('?').next().unwrap_or("").contains("..")
        // Percent-encoded dot segments (`%2e%2e`) or slashes would be decoded after this check.
        && !back.split('?').next().unwrap_or("").contains('%')
        && !back.contains('\\')
        && back.len() <= 2000
        && back.bytes().all(|b| b.is_ascii_graphic());
    if ok { back } else { "/dashboard" }
}

/// `GET /dashboard/lang?to=en&back=/dashboard/catalog`: remembers the language in a cookie (a
/// preference of this browser, not server data; no session needed, so the sign-in page has the
/// switch too) and goes back to the page it was clicked on.
pub async fn switch_language(headers: HeaderMap, WebQuery(q): WebQuery<LangQuery>) -> WebResult {
    let Some(lang) = Lang::from_code(q.to.trim()) else {
        let t = Tr::get(crate::i18n::lang_of(&headers));
        return Err(WebError::new(
            StatusCode::BAD_REQUEST,
            t.msg_with(key!("error-bad-language"), &[("lang", &q.to)]),
        ));
    };
    let mut res = see_other(safe_back(&q.back));
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static(match lang {
            Lang::Es => "trastienda_lang=es; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
            Lang::En => "trastienda_lang=en; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
        }),
    );
    Ok(res)
}
