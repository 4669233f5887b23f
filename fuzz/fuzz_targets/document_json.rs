//! One document: parsing, the canonical serialisation and its hash. Whatever parses can be hashed;
//! re-sealing the same content gives the same hash; a JSON round trip keeps content and hash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sync_protocol::Document;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<Document>(data) else {
        return;
    };
    let hash = doc.compute_hash();
    assert_eq!(hash.len(), 64);
    let canonical = doc.canonical_bytes();
    assert!(!canonical.is_empty(), "canonical serialisation failed");
    let _ = doc.body.validate();
    let _ = doc.check_follows(None);
    let text = serde_json::to_string(&doc).expect("serialises");
    let back: Document = serde_json::from_str(&text).expect("what we wrote parses");
    assert_eq!(back, doc, "document does not round-trip");
    assert_eq!(back.compute_hash(), hash, "hash changed across a JSON round trip");
    // Sealing the same content again (the till's path) gives the same hash when the time is
    // already at microseconds, as every sealed document's is.
    let sealed = Document::seal(
        doc.id,
        doc.till_id,
        doc.store_id,
        doc.seq,
        doc.till_time,
        &doc.prev_hash,
        doc.body.clone(),
    );
    if sealed.till_time == doc.till_time {
        assert_eq!(sealed.hash, hash, "seal and compute_hash disagree");
    }
    assert!(sealed.hash_is_valid());
});
