//! The organization as the compiler lowers it: the tree, what is attached where, and the checks
//! that need the whole tree.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;

const ACCOUNTS: &str = "account management = \"111111111111\"\naccount prod = \"222222222222\"\n";

fn codes(source: &str) -> Vec<&'static str> {
    let analysis = analyze_source(&format!("{ACCOUNTS}{source}"));
    analysis.diagnostics.iter().map(|d| d.code).collect()
}

/// Six SCPs on one node: refused on an OU and on the root as on an account (AWS allows five).
#[test]
fn more_scps_on_a_node_than_aws_allows_are_refused_on_every_kind_of_node() {
    let scps = "scp a { deny s3:* on * }\nscp b { deny ec2:* on * }\nscp c { deny kms:* on * }\n\
                scp d { deny sqs:* on * }\nscp e { deny sns:* on * }\n";
    let six = "attach aws \"FullAWSAccess\"\nattach a\nattach b\nattach c\nattach d\nattach e\n";
    let five = "attach aws \"FullAWSAccess\"\nattach a\nattach b\nattach c\nattach d\n";
    for (place, attachments) in [
        ("the root", format!("{six}ou w {{ account prod }}")),
        ("an OU", format!("ou w {{\n{six}account prod\n}}")),
        ("an account", format!("ou w {{ account prod {{\n{six}}} }}")),
    ] {
        let source =
            format!("{scps}organization o {{\nmanagement = management\n{attachments}\n}}\n");
        assert!(
            codes(&source).contains(&"E1104"),
            "{place}: {:?}",
            codes(&source)
        );
        let allowed = source.replace(six, five);
        assert!(
            !codes(&allowed).contains(&"E1104"),
            "{place} with five: {:?}",
            codes(&allowed)
        );
    }
}

/// `ou` and `account` belong in an organization; in an SCP the help says so.
#[test]
fn a_unit_in_an_scp_is_refused_with_the_place_it_belongs() {
    let analysis = analyze_source(&format!(
        "{ACCOUNTS}scp a {{\n  deny s3:* on *\n  ou w {{ account prod }}\n}}\n"
    ));
    let refusal = analysis
        .diagnostics
        .iter()
        .find(|d| d.code == "E0202")
        .unwrap_or_else(|| panic!("{:#?}", analysis.diagnostics));
    assert!(
        refusal
            .help
            .as_deref()
            .unwrap_or("")
            .contains("an organization"),
        "{refusal:#?}"
    );
}
