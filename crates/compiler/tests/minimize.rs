//! `--minimize` never widens a grant: every wildcard it writes matches exactly actions of the
//! list it replaces, and every action of the list is still matched.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use iamdsl_catalog::catalog;
use iamdsl_compiler::minimize::minimize_actions;
use iamdsl_policy::NameSet;
use proptest::prelude::*;

const SERVICES: &[&str] = &["s3", "ec2", "iam", "dynamodb", "lambda", "kms", "sqs"];

/// Some actions of one or two services, in the catalog's spelling or lower case.
fn actions() -> impl Strategy<Value = NameSet> {
    (
        prop::sample::select(SERVICES),
        prop::sample::select(SERVICES),
        prop::collection::vec(
            (any::<prop::sample::Index>(), any::<bool>(), any::<bool>()),
            1..60,
        ),
    )
        .prop_map(|(first, second, picks)| {
            picks
                .into_iter()
                .map(|(index, other, lower)| {
                    let service = catalog()
                        .service(if other { second } else { first })
                        .unwrap();
                    let action = &service.actions[index.index(service.actions.len())];
                    let name = action.full_name().to_string();
                    if lower {
                        name.to_ascii_lowercase()
                    } else {
                        name
                    }
                })
                .collect()
        })
}

fn expand(patterns: &NameSet) -> BTreeSet<String> {
    patterns
        .iter()
        .flat_map(|p| {
            catalog()
                .match_actions(p)
                .into_iter()
                .map(|(_, a)| a.full_name().to_ascii_lowercase())
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn minimize_matches_exactly_the_actions_it_replaces(original in actions()) {
        let minimized = minimize_actions(&original);
        let wanted: BTreeSet<String> = original.iter().map(|a| a.to_ascii_lowercase()).collect();
        prop_assert_eq!(expand(&minimized), wanted);
        prop_assert!(minimized.len() <= original.len());
    }
}
