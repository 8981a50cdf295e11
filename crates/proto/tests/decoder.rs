//! Fuzzing the frame decoder on stable Rust with proptest (cargo-fuzz needs a nightly compiler):
//! any text, and every example request with fields replaced by hostile values. The decoder must
//! never panic; it either yields a frame that re-encodes to itself, or a typed refusal.
//!
//! `PROPTEST_CASES=200000 cargo test -p confer-proto --test decoder --release` is the longer run.

use confer_proto::{ClientFrame, ErrorCode, examples};
use proptest::prelude::*;
use serde_json::{Value, json};

fn check(text: &str) -> Result<(), TestCaseError> {
    match ClientFrame::parse(text) {
        Ok(frame) => {
            let again = serde_json::to_string(&frame).unwrap();
            prop_assert_eq!(
                ClientFrame::parse(&again).map_err(|e| e.1.to_string()),
                Ok(frame)
            );
        }
        Err((_, e)) => {
            prop_assert!(matches!(
                e.code(),
                ErrorCode::BadFrame | ErrorCode::NotFound
            ));
        }
    }
    Ok(())
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        any::<bool>().prop_map(Value::Bool),
        any::<String>().prop_map(Value::String),
        Just(Value::Null),
        Just(json!(u64::MAX)),
        Just(json!(1u64 << 63)),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn any_text_is_decoded_or_refused(text in any::<String>()) {
        check(&text)?;
    }

    #[test]
    fn any_json_is_decoded_or_refused(v in value(), id in any::<u64>()) {
        check(&json!({"id": id, "req": v}).to_string())?;
        check(&v.to_string())?;
    }

    #[test]
    fn hostile_fields_in_real_requests_are_decoded_or_refused(
        which in any::<usize>(),
        fields in prop::collection::vec((any::<usize>(), value()), 1..4),
    ) {
        let all = examples::requests();
        let mut req = serde_json::to_value(&all[which % all.len()]).unwrap();
        if let Value::Object(map) = &mut req {
            let keys: Vec<String> = map.keys().cloned().collect();
            for (i, v) in fields {
                map.insert(keys[i % keys.len()].clone(), v);
            }
        }
        check(&json!({"id": 1, "req": req}).to_string())?;
    }
}
