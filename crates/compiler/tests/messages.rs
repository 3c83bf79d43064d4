//! What the checker's messages say where a name or a declaration is written wrong: one error
//! per mistake, and suggestions that fit the place.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamdsl_compiler::{analyze, config, Analysis, Project};

fn analyze_source(source: &str) -> Analysis {
    analyze(&Project::in_memory(
        vec![("main.iamdsl".into(), source.into())],
        config::Config::default(),
    ))
}

#[test]
fn an_account_id_without_quotes_is_one_error_not_one_at_every_use() {
    let analysis = analyze_source(
        "account prod = 111111111111\n\
         role deployer in prod {\n  trust { account prod }\n  allow read on s3.bucket(\"a\")\n}\n\
         group ops in prod { assume deployer }\n\
         user bob in prod { groups = [ops] }\n",
    );
    let found: Vec<(&str, &str)> = analysis
        .diagnostics
        .iter()
        .map(|d| (d.code, d.help.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        found,
        vec![("E0101", "write it in quotes: `\"111111111111\"`")],
        "{:#?}",
        analysis.diagnostics
    );
}

/// "Did you mean" names a declaration of the kind the place takes: a role after `assume`, a
/// group in `groups`, never the `let` that happens to be spelled alike.
#[test]
fn did_you_mean_offers_only_names_of_the_kind_the_place_takes() {
    let analysis = analyze_source(
        "account prod = \"111111111111\"\n\
         let deployers = \"x\"\nlet developer = \"y\"\n\
         role deployer { trust { service ec2 } }\n\
         group developers { assume deployers }\n\
         user bob { groups = [developer] }\n\
         role web { trust { role deployerz } }\n",
    );
    let found: Vec<(&str, &str, &str)> = analysis
        .diagnostics
        .iter()
        .map(|d| (d.code, d.message.as_str(), d.help.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "E0203",
                "`deployers` is a `let` value, not a role",
                "did you mean `deployer`?"
            ),
            (
                "E0203",
                "`developer` is a `let` value, not a group",
                "did you mean `developers`?"
            ),
            (
                "E0204",
                "unknown name `deployerz`",
                "did you mean `deployer`?"
            ),
        ],
        "{:#?}",
        analysis.diagnostics
    );
}
