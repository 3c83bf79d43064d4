//! Canonical JSON: idempotent, and what iamdsl writes reads back to the same bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamdsl_policy::canonical::{canonicalize, to_canonical_json};
use iamdsl_policy::reader::read_policy_text;
use iamdsl_policy::{
    ActionBlock, Conditions, Effect, NameSet, PolicyDocument, Principals, ResourceBlock, Statement,
};
use proptest::prelude::*;

fn set(items: &[&str]) -> impl Strategy<Value = NameSet> {
    prop::collection::btree_set(
        prop::sample::select(items.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
        1..4,
    )
    .prop_map(|set| set.into_iter().collect())
}

fn statement() -> impl Strategy<Value = Statement> {
    (
        any::<bool>(),
        prop::option::of(set(&[
            "arn:aws:iam::111111111111:root",
            "ec2.amazonaws.com",
        ])),
        any::<bool>(),
        set(&[
            "s3:GetObject",
            "S3:PutObject",
            "s3:*",
            "*",
            "iam:PassRole",
            "sqs:SendMessage",
        ]),
        prop::option::of((
            any::<bool>(),
            set(&[
                "*",
                "arn:aws:s3:::b",
                "arn:aws:s3:::b/*",
                "arn:aws:sqs:eu-west-1:1:q",
            ]),
        )),
        prop::option::of(set(&["true", "false"])),
    )
        .prop_map(
            |(allow, principal, not_action, actions, resource, condition)| {
                let mut conditions = Conditions::default();
                if let Some(values) = condition {
                    conditions.insert("Bool", "aws:SecureTransport", values);
                }
                Statement {
                    sid: None,
                    effect: if allow { Effect::Allow } else { Effect::Deny },
                    principal: principal.map(|values| {
                        let mut p = Principals::default();
                        p.0.insert("AWS".into(), values);
                        p
                    }),
                    action: if not_action {
                        ActionBlock::NotAction(actions)
                    } else {
                        ActionBlock::Action(actions)
                    },
                    resource: resource.map(|(not, values)| {
                        if not {
                            ResourceBlock::NotResource(values)
                        } else {
                            ResourceBlock::Resource(values)
                        }
                    }),
                    condition: conditions,
                    origins: Vec::new(),
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn canonicalization_is_idempotent_and_round_trips(statements in prop::collection::vec(statement(), 0..8)) {
        let document = PolicyDocument { statements };
        let once = canonicalize(&document);
        prop_assert_eq!(&canonicalize(&once), &once);
        let text = to_canonical_json(&document);
        let read = read_policy_text(&text).unwrap();
        prop_assert_eq!(to_canonical_json(&read), text);
    }

    #[test]
    fn statement_order_never_changes_the_bytes(mut statements in prop::collection::vec(statement(), 1..8), seed in any::<u64>()) {
        let before = to_canonical_json(&PolicyDocument { statements: statements.clone() });
        // A deterministic shuffle from the seed.
        let n = statements.len();
        for i in 0..n {
            let j = (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) % n as u64) as usize;
            statements.swap(i, j);
        }
        prop_assert_eq!(to_canonical_json(&PolicyDocument { statements }), before);
    }
}
