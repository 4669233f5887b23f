//! The push decides every document of a batch in memory and writes the batch in bulk; it must
//! decide exactly as storing the documents one after the other would: a document repeated within
//! the batch is a duplicate, another document at a sequence the batch just filled is a conflict,
//! and a batch that holds a document and, before it, its successor raises a chain break once.
//! Storage on SQLite and PostgreSQL.

use back_office_server::storage::{NewFranchisee, NewStore, TillAuth};
use chrono::{Duration, Utc};
use sync_protocol::{
    CashMovement, CashMovementDirection, Document, DocumentBody, DocumentId, GENESIS_HASH, Money,
    PushStatus,
};

#[macro_use]
mod common;
use common::*;

fn cash(cents: i64) -> DocumentBody {
    DocumentBody::CashMovement(CashMovement {
        direction: CashMovementDirection::In,
        amount: Money::from_cents(cents),
        reason: "cambio".into(),
        staff_id: None,
    })
}

fn seal(till: &TillAuth, seq: u64, prev: &str, cents: i64) -> Document {
    Document::seal(
        DocumentId::new(),
        till.till_id,
        till.store_id,
        seq,
        Utc::now() - Duration::minutes(10) + Duration::seconds(seq as i64),
        prev,
        cash(cents),
    )
}

async fn one_batch_decides_as_one_by_one(s: &Server) {
    let st = &s.storage;
    let f = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Ultramarinos Test, S.L.".into(),
            nif: "B12345674".into(),
            address: "Calle Mayor 1".into(),
        })
        .await
        .unwrap();
    let store = st
        .create_store(&NewStore::new(f.id, "Tienda Norte", "x"))
        .await
        .unwrap()
        .id;
    let (till, _) = common::enrolled_with_token(s, store, "Caja 1").await;
    let mut docs: Vec<Document> = Vec::new();
    let mut prev = GENESIS_HASH.to_string();
    for seq in 1..=10 {
        let d = seal(&till, seq, &prev, 100 * seq as i64);
        prev = d.hash.clone();
        docs.push(d);
    }
    let now = Utc::now();
    let status = |r: &sync_protocol::PushResponse| -> Vec<PushStatus> {
        r.results.iter().map(|x| x.status).collect()
    };

    // Seq 2 twice, and another document at the seq 3 this batch stores.
    let other3 = seal(&till, 3, &docs[1].hash, 999);
    let batch = vec![
        docs[0].clone(),
        docs[1].clone(),
        docs[1].clone(),
        docs[2].clone(),
        other3.clone(),
    ];
    let r = st.push(&till, &batch, now).await.unwrap();
    use PushStatus::{Conflict, Duplicate, Stored};
    assert_eq!(status(&r), [Stored, Stored, Duplicate, Stored, Conflict]);
    assert_eq!(r.contiguous_seq, 3);
    let m = r.results[4].message.as_deref().unwrap();
    assert!(m.contains(&docs[2].id.to_string()), "{m}");
    // The same batch again: all acknowledged, the conflict kept once.
    let r = st.push(&till, &batch, now).await.unwrap();
    assert_eq!(
        status(&r),
        [Duplicate, Duplicate, Duplicate, Duplicate, Conflict]
    );
    let alerts = st.list_alerts().await.unwrap();
    let count = |k: &str| alerts.iter().filter(|a| a.kind == k).count();
    assert_eq!(count("conflict"), 1, "{alerts:?}");

    // A successor before its predecessor in one batch, chained right: no break.
    let r = st
        .push(&till, &[docs[4].clone(), docs[3].clone()], now)
        .await
        .unwrap();
    assert_eq!(status(&r), [Stored, Stored]);
    assert_eq!(r.contiguous_seq, 5);
    // Seq 10 names the wrong predecessor and comes before seq 9 in the batch: one break, not two.
    let bad10 = seal(&till, 10, "0".repeat(64).as_str(), 1);
    let r = st
        .push(
            &till,
            &[
                docs[5].clone(),
                docs[6].clone(),
                docs[7].clone(),
                bad10,
                docs[8].clone(),
            ],
            now,
        )
        .await
        .unwrap();
    assert_eq!(status(&r), [Stored; 5]);
    assert_eq!(r.contiguous_seq, 10);
    let alerts = st.list_alerts().await.unwrap();
    let count = |k: &str| alerts.iter().filter(|a| a.kind == k).count();
    assert_eq!(count("chain_break"), 1, "{alerts:?}");
    assert_eq!(
        count("gap"),
        2,
        "seq 4, then seq 9, were missing when their successors arrived: {alerts:?}"
    );
    let t = st.get_till(till.till_id).await.unwrap();
    assert_eq!((t.last_seq, t.contiguous_seq, t.open_gaps), (10, 10, 0));
}

on_both_backends!(one_batch_decides_as_one_by_one);
