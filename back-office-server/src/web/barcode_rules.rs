//! GS1 variable-measure barcode rules (scale labels with prefixes 20–29): one table for the whole
//! franchise. Everyone signed in may read it; only HQ admins add or remove rules. Writes go through
//! the same storage calls as the admin API, so each one gets its change-log row and reaches every till.

use super::html::{self, url};
use super::login::NoFields;
use super::stores::DoneQuery;
use super::{Lang, Tr, Viewer, WebError, WebPath, WebQuery, WebResult, WriteForm, ok, see_other};
use crate::app::AppState;
use crate::key;
use crate::services::catalog::{BarcodeRuleIn, barcode_rule as validate_barcode_rule};
use axum::extract::State;
use maud::html;
use serde::Deserialize;
use sync_protocol::BarcodeRuleRecord;
use sync_protocol::barcode::MeasureKind;

/// How a label of this rule looks: `21 IIIII VVVVV C`.
pub fn layout(r: &BarcodeRuleRecord) -> String {
    let mut s = format!("{} {}", r.prefix, "I".repeat(r.item_digits));
    if r.verifier {
        s.push_str(" V");
    }
    let v = match r.kind {
        MeasureKind::Weight => "P",
        MeasureKind::Price => "€",
    };
    s.push_str(&format!(" {} C", v.repeat(r.value_digits)));
    s
}

fn kind_name(t: &Tr, k: MeasureKind) -> String {
    t.msg(match k {
        MeasureKind::Weight => "rules-kind-weight",
        MeasureKind::Price => "rules-kind-price",
    })
}

/// What the value field means, e.g. "gramos (kg con 3 decimales)".
fn value_meaning(t: &Tr, r: &BarcodeRuleRecord) -> String {
    match (r.kind, r.decimals) {
        (MeasureKind::Weight, 3) => t.msg(key!("rules-meaning-grams")),
        (MeasureKind::Price, 2) => t.msg(key!("rules-meaning-cents")),
        (MeasureKind::Weight, d) => t.msg_with(key!("rules-meaning-quantity"), &[("decimals", &d)]),
        (MeasureKind::Price, d) => t.msg_with(key!("rules-meaning-amount"), &[("decimals", &d)]),
    }
}

/// A rule the API refused, in `t`'s language (`Display` is the API's English sentence).
fn rule_error(t: &Tr, e: &sync_protocol::barcode::RuleError) -> String {
    match t.lang() {
        Lang::Es => e.es(),
        Lang::En => {
            let s = e.to_string();
            let mut c = s.chars();
            match c.next() {
                Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
                None => s,
            }
        }
    }
}

/// `GET /dashboard/barcode-rules`.
pub async fn list(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let rules = st.storage.list_barcode_rules().await?;
    let body = html! {
        h1 { (m("rules-title")) }
        (html::done(q.done.as_deref()))
        p class="muted" {
            (m("rules-intro-1")) " " code { "2100001015251" } " "
            "(" (t.quantity(1525)) " kg) " (m("rules-intro-2")) " " code { "2100001000004" } "."
        }
        section class="card" {
            table id="barcode-rules" {
                thead { tr {
                    th { (m("rules-col-prefix")) } th { (m("rules-kind-label")) } th { (m("rules-col-format")) }
                    th class="num" { (m("rules-col-item")) } th { (m("rules-col-verifier")) }
                    th class="num" { (m("rules-col-value")) } th { (m("rules-col-meaning")) } th {}
                } }
                tbody {
                    @for r in &rules {
                        tr data-rule=(r.id) {
                            td { b { (r.prefix) } }
                            td { (kind_name(t, r.kind)) }
                            td { code { (layout(r)) } }
                            td class="num" { (r.item_digits) }
                            td { (t.yes_no(r.verifier)) }
                            td class="num" { (r.value_digits) }
                            td { (value_meaning(t, r)) }
                            td {
                                @if v.can_write() {
                                    form class="inline" method="post" action={ "/dashboard/barcode-rules/" (r.id) "/delete" } {
                                        (v.csrf_field())
                                        button type="submit" class="secondary" { (m("rules-remove")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if rules.is_empty() { (html::muted(&m("rules-empty"))) }
        }
        @if v.can_write() {
            section class="card" {
                h2 { (m("rules-new")) }
                p class="muted" {
                    (m("rules-new-help-1")) " " (m("rules-new-help-2")) " " code { "21 IIIII PPPPP C" } " "
                    (m("rules-new-help-3")) " " code { "23 IIIII €€€€€ C" } " " (m("rules-new-help-4"))
                }
                form class="row" method="post" action="/dashboard/barcode-rules" {
                    (v.csrf_field())
                    label { (m("rules-prefix-label")) " " input name="prefix" id="rule-prefix" size="3" required; }
                    label { (m("rules-kind-label")) " " select name="kind" id="rule-kind" {
                        option value="weight" { (m("rules-kind-weight")) }
                        option value="price" { (m("rules-kind-price")) }
                    } }
                    label { (m("rules-item-digits")) " " input name="item_digits" id="rule-item" value="5" size="3" required; }
                    label { (m("rules-value-digits")) " " input name="value_digits" id="rule-value" value="5" size="3" required; }
                    label { (m("rules-decimals")) " " input name="decimals" id="rule-decimals" value="3" size="3" required; }
                    label { input type="checkbox" name="verifier" value="on"; " " (m("rules-verifier-digit")) }
                    button type="submit" id="rule-save" { (m("rules-add")) }
                }
            }
        }
    };
    Ok(ok(html::page(
        &v,
        "barcode-rules",
        &t.msg(key!("rules-title")),
        body,
    )))
}

#[derive(Debug, Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub item_digits: String,
    #[serde(default)]
    pub value_digits: String,
    #[serde(default)]
    pub decimals: String,
    pub verifier: Option<String>,
}

fn number<T: std::str::FromStr>(t: &Tr, field: &str, s: &str) -> Result<T, WebError> {
    s.trim().parse::<T>().map_err(|_| {
        WebError::invalid(t.msg_with(
            "rules-not-a-number",
            &[("field", &field), ("value", &s.trim())],
        ))
    })
}

/// `POST /dashboard/barcode-rules`: a new rule; bad input is refused with the reason and nothing is saved.
pub async fn create(State(st): State<AppState>, WriteForm(v, f): WriteForm<RuleForm>) -> WebResult {
    let t = v.t();
    let kind = match f.kind.as_str() {
        "weight" => MeasureKind::Weight,
        "price" => MeasureKind::Price,
        _ => return Err(WebError::invalid(t.msg(key!("rules-choose-kind")))),
    };
    let rule = validate_barcode_rule(BarcodeRuleIn {
        prefix: f.prefix,
        kind,
        item_digits: number(t, &t.msg(key!("rules-item-digits")), &f.item_digits)?,
        value_digits: number(t, &t.msg(key!("rules-value-digits")), &f.value_digits)?,
        decimals: number(t, &t.msg(key!("rules-decimals")), &f.decimals)?,
        verifier: f.verifier.is_some_and(|v| !v.is_empty()),
    })
    .map_err(|e| WebError::invalid(rule_error(t, &e)))?;
    let r = st
        .storage
        .create_barcode_rule(&rule)
        .await
        .map_err(|e| match e {
            crate::storage::StorageError::Conflict(_) => WebError::new(
                axum::http::StatusCode::CONFLICT,
                t.msg_with(key!("rules-prefix-taken"), &[("prefix", &rule.prefix)]),
            ),
            other => other.into(),
        })?;
    Ok(see_other(&format!(
        "/dashboard/barcode-rules?done={}",
        url(&t.msg_with(key!("rules-saved"), &[("prefix", &r.prefix)]))
    )))
}

/// `POST /dashboard/barcode-rules/{id}/delete`.
pub async fn delete(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, NoFields {}): WriteForm<NoFields>,
) -> WebResult {
    st.storage.delete_barcode_rule(id).await?;
    Ok(see_other(&format!(
        "/dashboard/barcode-rules?done={}",
        url(&v.t().msg(key!("rules-removed")))
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sync_protocol::barcode::VariableMeasureRule;

    #[test]
    fn layouts() {
        let w = BarcodeRuleRecord::new(1, &VariableMeasureRule::odoo_weight());
        assert_eq!(layout(&w), "21 IIIII PPPPP C");
        let mut p = BarcodeRuleRecord::new(2, &VariableMeasureRule::odoo_price());
        p.item_digits = 4;
        p.verifier = true;
        assert_eq!(layout(&p), "23 IIII V €€€€€ C");
    }
}
