//! Quick keys (issue 17): HQ's page Teclas rápidas and the admin API keep the franchise's layout
//! and stores' own; each save reaches the tills through the change log (the franchise's to every
//! store, a store's only to it, its removal sending that store back to the franchise's); bad lines
//! are refused with the line named and nothing stored; a till too old for quick keys holds a save
//! back unless forced; a manager reads only their stores'. Real router over SQLite and PostgreSQL.

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sync_protocol::{CatalogChange, KeyColour, QuickKeyLayout, StoreId};

#[macro_use]
mod common;
use common::*;

#[path = "support/catalog_world.rs"]
mod catalog_world;
use catalog_world::{api, world};

/// The quick-key changes a till of `store` pulls, in order.
async fn quick_key_changes(s: &Server, store: StoreId) -> Vec<CatalogChange> {
    s.storage
        .changes_after(store, 0, 1000)
        .await
        .unwrap()
        .changes
        .into_iter()
        .map(|c| c.change)
        .filter(|c| {
            matches!(
                c,
                CatalogChange::QuickKeys(_) | CatalogChange::QuickKeysCleared { .. }
            )
        })
        .collect()
}

fn layout_of(c: &CatalogChange) -> &QuickKeyLayout {
    match c {
        CatalogChange::QuickKeys(l) => l,
        other => panic!("not a layout: {other:?}"),
    }
}

async fn layouts_reach_the_right_tills(s: &Server) {
    let w = world(s).await;
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    hq.get("/dashboard/quick-keys")
        .await
        .assert(StatusCode::OK, "aún no tiene teclas rápidas");

    // A bad line: refused with its number, what was typed kept, nothing stored or sent.
    let typed = "Desayunos ; CAF-1 ; Solo ; verde\nDesayunos ; NOPE-9";
    hq.post(
        "/dashboard/quick-keys/save",
        &[("csrf", &csrf), ("store", ""), ("lines", typed)],
    )
    .await
    .assert(
        StatusCode::OK,
        "Línea 2: no hay ningún producto con el SKU NOPE-9",
    )
    .assert(StatusCode::OK, "Desayunos ; NOPE-9");
    assert!(quick_key_changes(s, w.north).await.is_empty());

    // The franchise's layout: to every store's tills.
    let p = hq
        .post(
            "/dashboard/quick-keys/save",
            &[
                ("csrf", &csrf),
                ("store", ""),
                (
                    "lines",
                    "# mañanas\nDesayunos ; caf-1 ; Solo ; verde\nDesayunos ; CRO-1",
                ),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    hq.get(p.location.as_deref().unwrap())
        .await
        .assert(StatusCode::OK, "Guardadas 2 teclas")
        .assert(StatusCode::OK, "Solo")
        .assert(StatusCode::OK, "1,30 €")
        .assert(StatusCode::OK, "Cruasán");
    for store in [w.north, w.south] {
        let got = quick_key_changes(s, store).await;
        assert_eq!(got.len(), 1, "{got:?}");
        let l = layout_of(&got[0]);
        assert_eq!(l.store_id, None);
        assert_eq!(
            l.keys
                .iter()
                .map(|k| (k.page.as_str(), k.product_id.0, k.label.as_str(), k.colour))
                .collect::<Vec<_>>(),
            vec![
                ("Desayunos", w.coffee, "Solo", KeyColour::Green),
                ("Desayunos", w.croissant, "", KeyColour::Grey),
            ]
        );
    }

    // The north gets its own: a family added as a page; only the north's tills hear of it.
    let p = hq
        .post(
            "/dashboard/quick-keys/family",
            &[
                ("csrf", &csrf),
                ("store", &w.north.to_string()),
                ("family", "Bebidas"),
                ("colour", "blue"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let north = quick_key_changes(s, w.north).await;
    assert_eq!(north.len(), 2, "{north:?}");
    let own = layout_of(&north[1]);
    assert_eq!(own.store_id, Some(w.north));
    assert_eq!(own.keys.len(), 1);
    assert_eq!(own.keys[0].product_id.0, w.water);
    assert_eq!(own.keys[0].page, "Bebidas");
    assert_eq!(own.keys[0].colour, KeyColour::Blue);
    assert_eq!(quick_key_changes(s, w.south).await.len(), 1);
    hq.get(&format!("/dashboard/quick-keys?store={}", w.north))
        .await
        .assert(StatusCode::OK, "Tienda Norte tiene distribución propia")
        .assert(StatusCode::OK, "Agua 50 cl");
    hq.get(&format!("/dashboard/quick-keys?store={}", w.south))
        .await
        .assert(
            StatusCode::OK,
            "Tienda Sur usa la distribución de la franquicia",
        );

    // The API reads what each store's tills show.
    let (st, got) = api(
        s,
        &w,
        reqwest::Method::GET,
        &format!("/api/v1/admin/quick-keys?store_id={}", w.south),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{got}");
    assert_eq!(got["own"], false);
    assert_eq!(got["keys"].as_array().unwrap().len(), 2);
    let (_, got) = api(
        s,
        &w,
        reqwest::Method::GET,
        &format!("/api/v1/admin/quick-keys?store_id={}", w.north),
        None,
    )
    .await;
    assert_eq!(got["own"], true);
    assert_eq!(got["keys"][0]["colour"], "blue");

    // A manager reads the north's, not the south's, and cannot save.
    let (mut manager, mcsrf) = Browser::signed_in(s, "norte").await;
    manager
        .get(&format!("/dashboard/quick-keys?store={}", w.north))
        .await
        .assert(StatusCode::OK, "Agua 50 cl");
    assert_eq!(
        manager
            .get(&format!("/dashboard/quick-keys?store={}", w.south))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let refused = manager
        .post(
            "/dashboard/quick-keys/save",
            &[
                ("csrf", &mcsrf),
                ("store", &w.north.to_string()),
                ("lines", "X ; CAF-1"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let (mut analyst, _) = Browser::signed_in(s, "analista").await;
    let page = analyst.get("/dashboard/quick-keys").await;
    page.assert(StatusCode::OK, "Cruasán");
    assert!(!page.body.contains("qk-lines"), "no editor for an analyst");

    // Removing the north's own: its tills go back to the franchise's.
    let p = hq
        .post(
            "/dashboard/quick-keys/clear",
            &[("csrf", &csrf), ("store", &w.north.to_string())],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let north = quick_key_changes(s, w.north).await;
    assert_eq!(
        north.last(),
        Some(&CatalogChange::QuickKeysCleared { store_id: w.north })
    );
    let (st, _) = api(
        s,
        &w,
        reqwest::Method::DELETE,
        &format!("/api/v1/admin/quick-keys/{}", w.north),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "nothing of its own any more");
}

on_both_backends!(layouts_reach_the_right_tills);

async fn the_api_checks_layouts_and_old_tills_hold_them_back(s: &Server) {
    let w = world(s).await;
    let put = |body: Value, q: &'static str| {
        let w = &w;
        async move {
            api(
                s,
                w,
                reqwest::Method::PUT,
                &format!("/api/v1/admin/quick-keys{q}"),
                Some(body),
            )
            .await
        }
    };
    // An unknown product, a product twice on a page, a label too long: 422, nothing stored.
    for (keys, code) in [
        (
            json!([{"page": "A", "product_id": 999_999}]),
            "quick_key_unknown_product",
        ),
        (
            json!([{"page": "A", "product_id": w.coffee}, {"page": "A", "product_id": w.coffee}]),
            "quick_key_twice",
        ),
        (
            json!([{"page": "A", "product_id": w.coffee, "label": "x".repeat(25)}]),
            "quick_key_too_long",
        ),
    ] {
        let (st, body) = put(json!({"keys": keys}), "").await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"], code, "{body}");
    }
    assert!(quick_key_changes(s, w.north).await.is_empty());
    let (st, body) = put(
        json!({"store_id": 987_654, "keys": [{"page": "A", "product_id": w.coffee}]}),
        "",
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{body}");

    // A till of the south still on 0.1.0 (before quick keys): a franchise layout, which would
    // reach it, is held back; the north's own is not; forced, the franchise's goes too.
    let (old, _) = enrolled_with_token(s, w.south, "Caja Sur 1").await;
    s.storage
        .report_software(old.till_id, "0.1.0", &[], Utc::now())
        .await
        .unwrap();
    let layout = json!({"keys": [{"page": "Cafés", "product_id": w.coffee, "colour": "orange"}]});
    let (st, body) = put(layout.clone(), "").await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "tills_need_update", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("Caja Sur 1"),
        "{body}"
    );
    let (st, body) = put(
        json!({"store_id": w.north.0, "keys": [{"page": "Cafés", "product_id": w.coffee}]}),
        "",
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert!(
        body["updated_by"]
            .as_str()
            .unwrap()
            .starts_with("API admin #"),
        "{body}"
    );
    let (st, body) = put(layout, "?force=true").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let south = quick_key_changes(s, w.south).await;
    assert_eq!(south.len(), 1, "{south:?}");
    assert_eq!(layout_of(&south[0]).keys[0].colour, KeyColour::Orange);
}

on_both_backends!(the_api_checks_layouts_and_old_tills_hold_them_back);
