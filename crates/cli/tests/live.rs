//! `iamdsl pull` and `iamdsl diff --live` against a live IAM endpoint (moto's server on
//! 127.0.0.1): the example's prod account is created through the IAM API, then read back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod handmade;
mod moto;

use common::*;
use iamdsl_policy::authz::AuthorizationDetails;
use moto::{iamdsl_against, MotoServer};
use serde_json::Value;

const PROD: &str = "111111111111";

/// What can be compared with a pulled state: ids are assigned by IAM, and
/// GetAccountAuthorizationDetails does not show a role's description or session limit.
fn comparable(mut details: AuthorizationDetails) -> AuthorizationDetails {
    // AWS managed policies come with their documents in a pull; a build only references them.
    details.aws_managed.clear();
    // `moto::deploy` creates IAM only (the example's KMS key has an id moto cannot be given);
    // live_resources.rs creates and pulls resource policies.
    details.resources.clear();
    details.users.iter_mut().for_each(|u| u.id = None);
    details.groups.iter_mut().for_each(|g| g.id = None);
    details.policies.iter_mut().for_each(|p| p.id = None);
    for role in &mut details.roles {
        role.id = None;
        role.description = None;
        role.max_session = None;
    }
    details
}

#[test]
fn pull_reads_back_what_was_created_through_the_api() {
    let Some(server) = MotoServer::start(PROD) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bundle = built_example(dir.path());
    moto::runtime().block_on(moto::deploy(&server.client(), &bundle));

    let output = iamdsl_against(
        &server,
        dir.path(),
        &["pull", "--endpoint-url", &server.url, "-o", "pulled.json"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let pulled_text = std::fs::read_to_string(dir.path().join("pulled.json")).unwrap();
    // Documents are JSON objects, as the AWS CLI prints them, not the API's URL-encoded text.
    let pulled_json: Value = serde_json::from_str(&pulled_text).unwrap();
    assert!(pulled_json["RoleDetailList"][0]["AssumeRolePolicyDocument"].is_object());

    let pulled = AuthorizationDetails::read(&pulled_text).unwrap();
    let created = AuthorizationDetails::from_value(&bundle).unwrap();
    assert_eq!(pulled.roles.len(), 7);
    assert_eq!(pulled.users.len(), 4);
    assert_eq!(pulled.groups.len(), 3);
    assert_eq!(pulled.policies.len(), 3);
    assert!(
        pulled.roles.iter().all(|r| r.id.is_some()),
        "ids come from IAM"
    );
    // The AWS managed policies in use come with their documents, for evaluation.
    let aws_managed: Vec<&str> = pulled.aws_managed.iter().map(|p| p.name.as_str()).collect();
    assert!(aws_managed.contains(&"ReadOnlyAccess"), "{aws_managed:?}");
    assert!(pulled.aws_managed.iter().all(|p| !p.document.is_empty()));
    assert_eq!(comparable(pulled), comparable(created));
}

#[test]
fn live_diff_shows_no_change_then_exactly_what_changed_in_iam() {
    let Some(server) = MotoServer::start(PROD) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let client = server.client();
    let runtime = moto::runtime();
    // The example as deployed here: its resources in moto's region, and its key under the id
    // KMS chose (a key id is the service's to give).
    let config = server.sdk_config();
    let key = runtime.block_on(moto::create_key(&config));
    let project = dir.path().join("platform");
    copy_dir(&repo_root().join("examples/platform"), &project);
    let edit = |file: &str, from: &str, to: &str| {
        let path = project.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file}: {from}");
        std::fs::write(&path, text.replace(from, to)).unwrap();
    };
    edit(
        "resources.iamdsl",
        "0d6f8a52-3c1e-4b7a-9d2f-5e8c1a7b4f30",
        &key,
    );
    edit(
        "iamdsl.toml",
        "region = \"eu-west-1\"",
        "region = \"us-east-1\"",
    );
    let built = iamdsl(dir.path(), &["build", "platform", "-o", "out"]);
    assert!(built.status.success(), "{}", stderr(&built));
    let bundle: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            dir.path()
                .join("out/prod/account-authorization-details.json"),
        )
        .unwrap(),
    )
    .unwrap();
    runtime.block_on(moto::deploy(&client, &bundle));
    runtime.block_on(moto::deploy_resources(&config, &bundle));

    let live_diff = |extra: &[&str]| {
        let mut args = vec!["diff", "platform", "--live", "--endpoint-url", &server.url];
        args.extend_from_slice(extra);
        iamdsl_against(&server, dir.path(), &args)
    };
    let unchanged = live_diff(&["--exit-code"]);
    assert_eq!(
        unchanged.status.code(),
        Some(0),
        "{}{}",
        stdout(&unchanged),
        stderr(&unchanged)
    );
    // moto holds every AWS managed policy too: references, never unmanaged entities.
    assert_eq!(stdout(&unchanged), "0 changes, 0 unmanaged\n");

    // Someone edits IAM by hand: one action fewer for deployer, web deleted, a user added.
    let deployer_inline = bundle["RoleDetailList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["RoleName"] == "deployer")
        .unwrap()["RolePolicyList"][0]
        .clone();
    let mut document = deployer_inline["PolicyDocument"].clone();
    for statement in document["Statement"].as_array_mut().unwrap() {
        if let Some(actions) = statement["Action"].as_array_mut() {
            actions.retain(|a| a != "lambda:UpdateFunctionCode");
        }
    }
    runtime.block_on(async {
        client
            .put_role_policy()
            .role_name("deployer")
            .policy_name(deployer_inline["PolicyName"].as_str().unwrap())
            .policy_document(serde_json::to_string(&document).unwrap())
            .send()
            .await
            .unwrap();
        for inline in client
            .list_role_policies()
            .role_name("web")
            .send()
            .await
            .unwrap()
            .policy_names()
        {
            client
                .delete_role_policy()
                .role_name("web")
                .policy_name(inline)
                .send()
                .await
                .unwrap();
        }
        for profile in client
            .list_instance_profiles_for_role()
            .role_name("web")
            .send()
            .await
            .unwrap()
            .instance_profiles()
        {
            client
                .remove_role_from_instance_profile()
                .instance_profile_name(profile.instance_profile_name())
                .role_name("web")
                .send()
                .await
                .unwrap();
        }
        client.delete_role().role_name("web").send().await.unwrap();
        client
            .create_user()
            .user_name("mallory")
            .path("/legacy/")
            .send()
            .await
            .unwrap();
    });

    let changed = live_diff(&["--exit-code", "--format", "json"]);
    assert_eq!(changed.status.code(), Some(2), "{}", stderr(&changed));
    let report: Value = serde_json::from_str(&stdout(&changed)).unwrap();
    let changes: Vec<(&str, &str, &str)> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap(),
                c["name"].as_str().unwrap(),
                c["change"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            ("role", "web", "created"),
            ("role", "deployer", "changed"),
            // The example owns every path (`[diff] paths = ["/"]`).
            ("user", "mallory", "would be removed"),
        ]
    );
    let deployer = &report["changes"][1];
    let summary: Vec<&str> = deployer["summary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(summary.len(), 1, "{summary:?}");
    assert!(
        summary[0].starts_with("+ lambda:UpdateFunctionCode on arn:aws:lambda:"),
        "{summary:?}"
    );
}

#[test]
fn credentials_are_never_printed() {
    let Some(server) = MotoServer::start(PROD) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on the port of a listener that was just closed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{closed}");
    let output = iamdsl_against(&server, dir.path(), &["pull", "--endpoint-url", &url]);
    assert_eq!(output.status.code(), Some(1));
    let printed = format!("{}{}", stdout(&output), stderr(&output));
    assert!(
        printed.contains("error[E0804]: cannot reach the IAM endpoint"),
        "{printed}"
    );
    assert!(!printed.contains(moto::TEST_SECRET_KEY), "{printed}");
    assert!(!printed.contains(moto::TEST_ACCESS_KEY), "{printed}");
}

#[test]
fn connection_options_need_live() {
    let dir = tempfile::tempdir().unwrap();
    built_example(dir.path());
    std::fs::write(dir.path().join("deployed.json"), "{}").unwrap();
    let output = iamdsl(
        dir.path(),
        &[
            "diff",
            "platform",
            "--deployed",
            "deployed.json",
            "--endpoint-url",
            "http://127.0.0.1:1",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("only with --live"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn import_build_diff_of_live_state_shows_no_change() {
    let Some(server) = MotoServer::start(handmade::ACCOUNT) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    moto::runtime().block_on(moto::deploy(&server.client(), &handmade::state(false)));
    let pull = iamdsl_against(
        &server,
        dir.path(),
        &["pull", "--endpoint-url", &server.url, "-o", "pulled.json"],
    );
    assert!(pull.status.success(), "{}", stderr(&pull));
    let import = iamdsl(dir.path(), &["import", "pulled.json", "-o", "imported"]);
    assert!(import.status.success(), "{}", stderr(&import));
    // Tags come through the API: a role's and a user's in GetAccountAuthorizationDetails, a
    // policy's from ListPolicyTags.
    let source: String = std::fs::read_dir(dir.path().join("imported"))
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default())
        .collect();
    for tags in [
        r#"tags = { "cost:center": "4711", team: "team-1" }"#,
        r#"tags = { team: "operations" }"#,
        r#"tags = { owner: "platform" }"#,
    ] {
        assert!(source.contains(tags), "{tags} in:\n{source}");
    }
    let diff = iamdsl_against(
        &server,
        dir.path(),
        &[
            "diff",
            "imported",
            "--live",
            "--endpoint-url",
            &server.url,
            "--exit-code",
        ],
    );
    assert_eq!(
        diff.status.code(),
        Some(0),
        "{}{}",
        stdout(&diff),
        stderr(&diff)
    );
    // The service-linked role is AWS's: left unmanaged, never imported.
    assert_eq!(
        stdout(&diff),
        "role AWSServiceRoleForElasticLoadBalancing: unmanaged\n0 changes, 1 unmanaged\n"
    );
}
