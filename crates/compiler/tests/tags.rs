//! Tags of roles, users and managed policies: what IAM accepts of them, how they are built, and
//! that attribute-based conditions on the caller are decided by them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;

use iamdsl_compiler::bundle::account_details;
use iamdsl_compiler::Analysis;

/// Diagnostics as `CODE message`, without `unused` (W0107).
fn findings(analysis: &Analysis) -> Vec<String> {
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.code != "W0107")
        .map(|d| format!("{} {}", d.code, d.message))
        .collect()
}

const ACCOUNT: &str = "account prod = \"111111111111\" default\n";

#[test]
fn tags_are_built_sorted_by_key_for_roles_users_and_policies() {
    let analysis = analyze_source(&format!(
        r#"{ACCOUNT}
let team_tags = {{ team: "payments", "cost-center": "4711", }}
policy readers {{
  tags = {{ owner: "platform" }}
  allow s3:GetObject on s3.object("b", "*")
}}
user alice {{ tags = team_tags }}
role worker {{
  tags = {{ "cost-center": "4711", team: "payments", empty: "" }}
  trust {{ service lambda }}
  attach readers
}}
"#
    ));
    assert_eq!(findings(&analysis), Vec::<String>::new());
    let details = account_details(&analysis.model, "prod");
    let pairs = |tags: &iamdsl_policy::authz::Tags| {
        tags.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        pairs(&details.roles[0].tags),
        ["cost-center=4711", "empty=", "team=payments"]
    );
    assert_eq!(
        pairs(&details.users[0].tags),
        ["cost-center=4711", "team=payments"]
    );
    assert_eq!(
        details.policies[0].tags.as_ref().map(pairs),
        Some(vec!["owner=platform".to_string()])
    );
    // As `GetAccountAuthorizationDetails` writes them: a list of Key and Value.
    let json = details.to_json().pretty();
    assert!(
        json.contains(
            "\"Tags\": [\n        {\n          \"Key\": \"cost-center\",\n          \"Value\": \"4711\"\n        },"
        ),
        "{json}"
    );
    // Read back, the same.
    let read = iamdsl_policy::authz::AuthorizationDetails::read(&json).unwrap();
    assert_eq!(read.to_json().pretty(), json);
    assert_eq!(read.roles[0].tags, details.roles[0].tags);
}

#[test]
fn what_iam_refuses_in_tags_is_an_error_at_the_tag() {
    let long_key = "k".repeat(129);
    let long_value = "v".repeat(257);
    let analysis = analyze_source(&format!(
        r#"{ACCOUNT}
role worker {{
  tags = {{ team: "a", Team: "b", "aws:owner": "x", "{long_key}": "x", note: "{long_value}", "a#b": "x", count: 3 }}
  trust {{ service lambda }}
}}
group staff {{ tags = {{ team: "a" }} }}
user bob {{ tags = ["team"] }}
"#
    ));
    let found = findings(&analysis);
    let has = |text: &str| found.iter().any(|f| f.contains(text));
    assert!(
        has("E0215 tags `team` and `Team` have the same key"),
        "{found:#?}"
    );
    assert!(
        has("E0215 tag key `aws:owner` starts with `aws:`"),
        "{found:#?}"
    );
    assert!(has("E0215 a tag key has 1 to 128 characters"), "{found:#?}");
    assert!(
        has("E0215 the value of tag `note` is over 256 characters"),
        "{found:#?}"
    );
    assert!(has("E0215 tag `a#b` holds `#`"), "{found:#?}");
    assert!(
        has("E0215 the value of tag `count` is not a string"),
        "{found:#?}"
    );
    assert!(has("E0206 a group has no property `tags`"), "{found:#?}");
    assert!(has("E0215 `tags` takes a map"), "{found:#?}");
    // Each finding underlines its own entry.
    let source = &analysis.diagnostics;
    let aws = source
        .iter()
        .find(|d| d.message.contains("aws:owner"))
        .unwrap();
    let span = aws.primary.as_ref().unwrap().span;
    let text = format!(
        r#"{ACCOUNT}
role worker {{
  tags = {{ team: "a", Team: "b", "aws:owner": "x""#
    );
    assert_eq!(span.end as usize, text.len(), "{aws:?}");
}

#[test]
fn fifty_tags_are_the_most_iam_takes() {
    let tags = |n: usize| {
        (0..n)
            .map(|i| format!("t{i}: \"v\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let source = |n: usize| {
        format!(
            "{ACCOUNT}role worker {{\n  tags = {{ {} }}\n  trust {{ service lambda }}\n}}\n",
            tags(n)
        )
    };
    assert_eq!(findings(&analyze_source(&source(50))), Vec::<String>::new());
    let over = findings(&analyze_source(&source(51)));
    assert_eq!(
        over,
        ["E0215 51 tags, and IAM takes at most 50"],
        "{over:#?}"
    );
}

/// `expect` is decided by the evaluator, with the principal's tags as `aws:PrincipalTag/…`.
#[test]
fn an_abac_grant_is_allowed_for_the_tagged_role_and_denied_for_another() {
    let project = |expectations: &str| {
        format!(
            r#"{ACCOUNT}
policy team_parameters {{
  allow ssm:GetParameter on ssm.parameter("payments/*") when aws:PrincipalTag/team == "payments"
  allow ssm:GetParameter on ssm.parameter("${{aws:PrincipalTag/team}}/shared/*")
}}
role payments {{
  tags = {{ Team: "payments" }}
  trust {{ service lambda }}
  attach team_parameters
}}
role reports {{
  tags = {{ team: "reports" }}
  trust {{ service lambda }}
  attach team_parameters
}}
role untagged {{
  trust {{ service lambda }}
  attach team_parameters
}}
{expectations}
"#
        )
    };
    let holds = analyze_source(&project(
        r#"expect payments can ssm:GetParameter on ssm.parameter("payments/db-url")
expect reports cannot ssm:GetParameter on ssm.parameter("payments/db-url")
expect untagged cannot ssm:GetParameter on ssm.parameter("payments/db-url")
expect reports can ssm:GetParameter on ssm.parameter("reports/shared/x")
expect reports cannot ssm:GetParameter on ssm.parameter("payments/shared/x")
expect untagged cannot ssm:GetParameter on ssm.parameter("reports/shared/x")"#,
    ));
    assert_eq!(findings(&holds), Vec::<String>::new());

    let fails = analyze_source(&project(
        r#"expect reports can ssm:GetParameter on ssm.parameter("payments/db-url")
expect payments cannot ssm:GetParameter on ssm.parameter("payments/shared/x")"#,
    ));
    let found = findings(&fails);
    assert_eq!(
        found.iter().filter(|f| f.starts_with("E0701")).count(),
        2,
        "{found:#?}"
    );
    // Decided, not guessed: no caveat of an unknown.
    assert!(!found.iter().any(|f| f.starts_with("W0112")), "{found:#?}");
}
