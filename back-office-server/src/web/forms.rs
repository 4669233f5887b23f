//! Forms that change something. Each extractor here reads the form's CSRF token and checks it
//! before the handler runs; the dashboard router mounts a POST only for a handler whose last
//! extractor is one of them ([`EndsInCsrfCheck`]), so a state-changing route cannot forget it.

use super::{Tr, Viewer, WebError, cookie, html, login};
use crate::app::AppState;
use crate::key;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Marks an extractor that refuses a request whose form does not carry the right CSRF token.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not check a CSRF token",
    note = "a dashboard form's handler takes `WriteForm`, `SessionForm` or `SignInForm` as its last argument"
)]
pub trait ChecksCsrf {}

/// The argument list of a handler (as axum's `Handler<T, S>` spells it: `(M, T1, …, Tn)`) whose
/// last extractor — the one that reads the body, so it runs before the handler — checks the CSRF
/// token. Only such handlers can be mounted as a dashboard form (`Dashboard::form`).
pub trait EndsInCsrfCheck {}

macro_rules! ends_in_csrf_check {
    ($($ty:ident),*) => {
        impl<M, $($ty,)* Last: ChecksCsrf> EndsInCsrfCheck for (M, $($ty,)* Last,) {}
    };
}
ends_in_csrf_check!();
ends_in_csrf_check!(T1);
ends_in_csrf_check!(T1, T2);
ends_in_csrf_check!(T1, T2, T3);
ends_in_csrf_check!(T1, T2, T3, T4);
ends_in_csrf_check!(T1, T2, T3, T4, T5);
ends_in_csrf_check!(T1, T2, T3, T4, T5, T6);

fn is_urlencoded(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The `csrf` field of a form body; empty when the body is not a form or has no (single) token.
fn token_of(headers: &HeaderMap, body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Token {
        #[serde(default)]
        csrf: String,
    }
    if !is_urlencoded(headers) {
        return String::new();
    }
    serde_urlencoded::from_bytes::<Token>(body)
        .map(|t| t.csrf)
        .unwrap_or_default()
}

/// Reads the body (within the server's body limit) as an error page when it cannot.
async fn body_of(req: Request, t: &Tr) -> Result<(HeaderMap, Bytes), WebError> {
    let headers = req.headers().clone();
    let bytes = Bytes::from_request(req, &()).await.map_err(|r| {
        WebError::new(
            r.status(),
            t.msg_with(key!("error-bad-form"), &[("detail", &r.body_text())]),
        )
    })?;
    Ok((headers, bytes))
}

/// The page's own fields (the token was read before); a malformed form is a 422 page.
fn fields<T: DeserializeOwned>(t: &Tr, bytes: &[u8]) -> Result<T, WebError> {
    serde_urlencoded::from_bytes::<T>(bytes)
        .map_err(|e| WebError::invalid(t.msg_with(key!("error-bad-form"), &[("detail", &e)])))
}

async fn viewer_and_body(
    req: Request,
    st: &AppState,
) -> Result<(Viewer, HeaderMap, Bytes), Response> {
    let (mut parts, body) = req.into_parts();
    let viewer = Viewer::from_request_parts(&mut parts, st).await?;
    let (headers, bytes) = body_of(Request::from_parts(parts, body), viewer.t())
        .await
        .map_err(IntoResponse::into_response)?;
    Ok((viewer, headers, bytes))
}

/// A form that changes data: signed in (else to the sign-in page), the session's CSRF token
/// (else 403), an HQ admin (else 403, read-only), then the fields `T` (else 422) — in that order,
/// before the handler sees anything.
pub struct WriteForm<T>(pub Viewer, pub T);

impl<T> ChecksCsrf for WriteForm<T> {}

impl<T: DeserializeOwned> FromRequest<AppState> for WriteForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, st: &AppState) -> Result<Self, Response> {
        let path = req.uri().path().to_string();
        let (v, headers, bytes) = viewer_and_body(req, st).await?;
        let t = v.t();
        if !crate::auth::same_secret(&token_of(&headers, &bytes), &v.csrf) {
            return Err(WebError::forbidden(t.msg(key!("error-csrf"))).into_response());
        }
        if !v.can_write() {
            return Err(WebError::forbidden(t.msg_with(
                "error-read-only",
                &[("role", &html::role_name(t, v.user.role))],
            ))
            .into_response());
        }
        let form = fields(t, &bytes).map_err(IntoResponse::into_response)?;
        super::posted_form(&v, &path, &bytes);
        Ok(Self(v, form))
    }
}

/// A file upload (`multipart/form-data`, or a plain form carrying the file as text) that changes
/// data, checked like [`WriteForm`]: signed in, the `csrf` field equal to the session's token
/// (else 403), an HQ admin (else 403). The handler gets every field as (name, bytes).
pub struct WriteUpload(pub Viewer, pub Vec<(String, Vec<u8>)>);

impl ChecksCsrf for WriteUpload {}

impl WriteUpload {
    /// The first field called `name`, as text.
    pub fn text(&self, name: &str) -> Option<String> {
        self.1
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }

    /// The first field called `name`, as bytes.
    pub fn bytes(&self, name: &str) -> Option<&[u8]> {
        self.1
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }
}

impl FromRequest<AppState> for WriteUpload {
    type Rejection = Response;
    async fn from_request(req: Request, st: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let v = Viewer::from_request_parts(&mut parts, st).await?;
        let t = v.t();
        let bad = |detail: String| {
            WebError::invalid(t.msg_with(key!("error-bad-form"), &[("detail", &detail)]))
                .into_response()
        };
        let multipart = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("multipart/form-data")
            });
        let req = Request::from_parts(parts, body);
        let mut fields: Vec<(String, Vec<u8>)> = Vec::new();
        if multipart {
            let mut mp = axum::extract::Multipart::from_request(req, st)
                .await
                .map_err(|r| bad(r.body_text()))?;
            while let Some(f) = mp.next_field().await.map_err(|e| bad(e.body_text()))? {
                let name = f.name().unwrap_or_default().to_string();
                // A file's own name comes along as `<field>.filename` (the archive keeps it).
                let file_name = f.file_name().map(|n| n.as_bytes().to_vec());
                let data = f.bytes().await.map_err(|e| bad(e.body_text()))?;
                if let Some(n) = file_name {
                    fields.push((format!("{name}.filename"), n));
                }
                fields.push((name, data.to_vec()));
            }
        } else {
            // A plain form (the file as base64 text) is accepted too; anything else has no token.
            let (headers, bytes) = body_of(req, t).await.map_err(IntoResponse::into_response)?;
            if is_urlencoded(&headers) {
                fields = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, v.into_bytes()))
                    .collect();
            }
        }
        let token = fields
            .iter()
            .find(|(n, _)| n == "csrf")
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default();
        if !crate::auth::same_secret(&token, &v.csrf) {
            return Err(WebError::forbidden(t.msg(key!("error-csrf"))).into_response());
        }
        if !v.can_write() {
            return Err(WebError::forbidden(t.msg_with(
                "error-read-only",
                &[("role", &html::role_name(t, v.user.role))],
            ))
            .into_response());
        }
        Ok(Self(v, fields))
    }
}

/// A form any signed-in person may send (signing out): the session's CSRF token, then `T`.
pub struct SessionForm<T>(pub Viewer, pub T);

impl<T> ChecksCsrf for SessionForm<T> {}

impl<T: DeserializeOwned> FromRequest<AppState> for SessionForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, st: &AppState) -> Result<Self, Response> {
        let (v, headers, bytes) = viewer_and_body(req, st).await?;
        if !crate::auth::same_secret(&token_of(&headers, &bytes), &v.csrf) {
            return Err(WebError::forbidden(v.t().msg(key!("logout-csrf"))).into_response());
        }
        let form = fields(v.t(), &bytes).map_err(IntoResponse::into_response)?;
        Ok(Self(v, form))
    }
}

/// The sign-in form, sent before there is a session: its token must match the short-lived
/// cookie the sign-in page set (double submit), else 403 before any password is looked at.
pub struct SignInForm<T>(pub T);

impl<T> ChecksCsrf for SignInForm<T> {}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for SignInForm<T> {
    type Rejection = WebError;
    async fn from_request(req: Request, _st: &S) -> Result<Self, WebError> {
        let t = Tr::get(crate::i18n::lang_of(req.headers()));
        let (headers, bytes) = body_of(req, t).await?;
        let expected = cookie(&headers, login::LOGIN_COOKIE).unwrap_or_default();
        if expected.is_empty() || !crate::auth::same_secret(&token_of(&headers, &bytes), &expected)
        {
            return Err(WebError::forbidden(t.msg(key!("login-csrf"))));
        }
        Ok(Self(fields(t, &bytes)?))
    }
}

/// A form that changes data within a store scope: signed in, the session's CSRF token (else 403),
/// an HQ admin or a store manager (an analyst gets 403, read-only), then the fields `T` (else
/// 422). The handler checks the thing changed is in the manager's stores
/// ([`Viewer::sees_store`]: a store's alerts, its till staff); an admin acts on any.
pub struct ScopedWriteForm<T>(pub Viewer, pub T);

impl<T> ChecksCsrf for ScopedWriteForm<T> {}

impl<T: DeserializeOwned> FromRequest<AppState> for ScopedWriteForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, st: &AppState) -> Result<Self, Response> {
        let path = req.uri().path().to_string();
        let (v, headers, bytes) = viewer_and_body(req, st).await?;
        let t = v.t();
        if !crate::auth::same_secret(&token_of(&headers, &bytes), &v.csrf) {
            return Err(WebError::forbidden(t.msg(key!("error-csrf"))).into_response());
        }
        if !v.can_write_staff() {
            return Err(WebError::forbidden(t.msg_with(
                "error-read-only",
                &[("role", &html::role_name(t, v.user.role))],
            ))
            .into_response());
        }
        let form = fields(t, &bytes).map_err(IntoResponse::into_response)?;
        super::posted_form(&v, &path, &bytes);
        Ok(Self(v, form))
    }
}
