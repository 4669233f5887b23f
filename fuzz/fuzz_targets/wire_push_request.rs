//! A push as HQ decodes it: any bytes either fail to parse or give a request whose documents can be
//! hashed, validated and chain-checked without a panic, and which round-trips through JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sync_protocol::{PushRequest, verify_chain};

fuzz_target!(|data: &[u8]| {
    let Ok(req) = serde_json::from_slice::<PushRequest>(data) else {
        return;
    };
    for d in &req.documents {
        let _ = d.hash_is_valid();
        let _ = d.body.validate();
        let _ = d.body.kind();
    }
    let _ = verify_chain(None, &req.documents);
    let text = serde_json::to_string(&req).expect("a parsed request serialises");
    let back: PushRequest = serde_json::from_str(&text).expect("what we wrote parses");
    assert_eq!(back, req, "push request does not round-trip");
});
