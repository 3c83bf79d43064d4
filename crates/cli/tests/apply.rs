//! `iamdsl plan` and `iamdsl apply` against moto's server on 127.0.0.1, through the test's own
//! proxy (`moto/fault_proxy.py`), which records every call and fails the ones a test names.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod moto;

use std::path::PathBuf;
use std::process::Output;

use common::*;
use moto::{FaultProxy, MotoServer};
use serde_json::json;

const PROD: &str = "111111111111";

/// The example in an account of its own: its resources exist (iamdsl writes their policies,
/// never the resources), its KMS key under the id moto chose, and the project owns only what
/// it declares and what is under `/contractors/` (so that a role elsewhere is unmanaged).
struct Account {
    server: MotoServer,
    proxy: FaultProxy,
    dir: tempfile::TempDir,
}

impl Account {
    fn new() -> Option<Account> {
        let server = MotoServer::start(PROD)?;
        let proxy = FaultProxy::start(&server);
        let dir = tempfile::tempdir().unwrap();
        let config = server.sdk_config();
        let runtime = moto::runtime();
        let key = runtime.block_on(moto::create_key(&config));
        let account = Account { server, proxy, dir };
        copy_dir(&repo_root().join("examples/platform"), &account.project());
        account.edit(
            "resources.iamdsl",
            "0d6f8a52-3c1e-4b7a-9d2f-5e8c1a7b4f30",
            &key,
        );
        account.edit(
            "iamdsl.toml",
            "region = \"eu-west-1\"",
            "region = \"us-east-1\"",
        );
        account.edit(
            "iamdsl.toml",
            "paths = [\"/\"]",
            "paths = [\"/contractors/\"]",
        );
        let built = iamdsl(account.dir.path(), &["build", "platform", "-o", "out"]);
        assert!(built.status.success(), "{}", stderr(&built));
        let bundle: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(
                account
                    .dir
                    .path()
                    .join("out/prod/account-authorization-details.json"),
            )
            .unwrap(),
        )
        .unwrap();
        runtime.block_on(moto::create_resources(&config, &bundle, false));
        Some(account)
    }

    fn project(&self) -> PathBuf {
        self.dir.path().join("platform")
    }

    fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.project().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file}: {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    /// `iamdsl ARGS --endpoint-url PROXY` with the server's test credentials.
    fn iamdsl(&self, args: &[&str]) -> Output {
        let mut args = args.to_vec();
        args.extend(["--endpoint-url", &self.proxy.url]);
        moto::iamdsl_against(&self.server, self.dir.path(), &args)
    }

    fn apply_live(&self, extra: &[&str]) -> Output {
        let mut args = vec!["apply", "platform", "--live", "--auto-approve"];
        args.extend_from_slice(extra);
        self.iamdsl(&args)
    }

    /// `diff --live --exit-code`: exit 0 when the account is what the project builds.
    fn assert_no_change(&self) {
        let diff = self.iamdsl(&["diff", "platform", "--live", "--exit-code"]);
        assert_eq!(
            diff.status.code(),
            Some(0),
            "{}{}",
            stdout(&diff),
            stderr(&diff)
        );
    }
}

/// The calls of a plan as printed: the lines below `N calls:`, numbers taken off.
fn calls(output: &str) -> Vec<String> {
    output
        .lines()
        .skip_while(|l| !l.ends_with("calls:") && !l.ends_with("call:"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| l.trim().split_once(". ").map_or(l, |(_, c)| c).to_string())
        .collect()
}

/// The operations that change something (IAM's and the resource services' writes).
fn writes(operations: &[String]) -> Vec<&String> {
    const READS: &[&str] = &["Get", "List", "Describe", "Head"];
    operations
        .iter()
        .filter(|op| !op.is_empty() && !READS.iter().any(|r| op.starts_with(r)))
        .collect()
}

#[test]
fn the_example_applied_to_an_empty_account_is_what_diff_then_finds_and_a_second_apply_calls_nothing(
) {
    let Some(account) = Account::new() else {
        return;
    };
    let applied = account.apply_live(&[]);
    let out = stdout(&applied);
    assert!(applied.status.success(), "{out}{}", stderr(&applied));
    assert!(
        out.contains("Applying to account prod (111111111111), as arn:aws:"),
        "{out}"
    );
    assert!(
        out.contains("[1/43] CreatePolicy policy /log_reader"),
        "{out}"
    );
    assert!(
        out.contains("Applied 43 calls to account prod (111111111111)."),
        "{out}"
    );
    let operations = account.proxy.take_operations();
    // Each created role was read back.
    assert_eq!(operations.iter().filter(|o| *o == "GetRole").count(), 7);
    account.assert_no_change();

    account.proxy.take_operations();
    let again = account.apply_live(&[]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("Nothing to do: the account is what the project builds."),
        "{}",
        stdout(&again)
    );
    let operations = account.proxy.take_operations();
    assert!(writes(&operations).is_empty(), "{:?}", writes(&operations));
}

#[test]
fn a_source_edit_plans_exactly_that_change_and_a_plan_made_stale_is_refused() {
    let Some(account) = Account::new() else {
        return;
    };
    assert!(account.apply_live(&[]).status.success());
    account.edit(
        "roles.iamdsl",
        "max_session = 1h",
        "max_session = 1h\n  tags = { team: \"platform\" }",
    );
    // A role's session limit, which only GetRole shows, changes too.
    account.edit("roles.iamdsl", "max_session = 2h", "max_session = 3h");
    let planned = account.iamdsl(&["plan", "platform", "--live", "-o", "plan.json"]);
    assert!(planned.status.success(), "{}", stderr(&planned));
    assert_eq!(
        calls(&stdout(&planned)),
        [
            "UpdateRole role auditor: description, max session 10800 s",
            "TagRole role deployer: team=platform"
        ],
        "{}",
        stdout(&planned)
    );

    // Someone changes the account by hand after the plan was made.
    moto::runtime().block_on(async {
        account
            .server
            .client()
            .tag_role()
            .role_name("web")
            .tags(
                aws_sdk_iam::types::Tag::builder()
                    .key("owner")
                    .value("someone")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    });
    account.proxy.take_operations();
    let stale = account.iamdsl(&["apply", "plan.json", "--auto-approve"]);
    assert_eq!(stale.status.code(), Some(2), "{}", stderr(&stale));
    assert!(
        stderr(&stale).contains("error[E1004]"),
        "{}",
        stderr(&stale)
    );
    assert!(writes(&account.proxy.take_operations()).is_empty());

    // Planned again, it takes the hand-made tag away too; without approval nothing is done.
    let planned = account.iamdsl(&["plan", "platform", "--live", "-o", "plan.json"]);
    assert_eq!(
        calls(&stdout(&planned)),
        [
            "UpdateRole role auditor: description, max session 10800 s",
            "TagRole role deployer: team=platform",
            "UntagRole role web: owner"
        ],
        "{}",
        stdout(&planned)
    );
    account.proxy.take_operations();
    let unapproved = account.iamdsl(&["apply", "plan.json"]);
    assert_eq!(unapproved.status.code(), Some(2));
    assert!(
        stderr(&unapproved).contains("error[E1005]"),
        "{}",
        stderr(&unapproved)
    );
    assert!(writes(&account.proxy.take_operations()).is_empty());

    let applied = account.iamdsl(&["apply", "plan.json", "--auto-approve"]);
    assert!(
        applied.status.success(),
        "{}{}",
        stdout(&applied),
        stderr(&applied)
    );
    assert_eq!(
        writes(&account.proxy.take_operations()),
        ["UpdateRole", "TagRole", "UntagRole"]
    );
    account.assert_no_change();
}

#[test]
fn a_call_failing_midway_stops_the_apply_and_a_rerun_completes_it() {
    let Some(account) = Account::new() else {
        return;
    };
    account.proxy.fail(json!([{
        "action": "AttachRolePolicy", "contains": "RoleName=auditor", "times": 1,
        "status": 403, "code": "AccessDenied",
        "message": "User: arn:aws:iam::111111111111:user/ci is not authorized to perform: iam:AttachRolePolicy"
    }]));
    let failed = account.apply_live(&[]);
    assert_eq!(failed.status.code(), Some(1), "{}", stdout(&failed));
    let said = stderr(&failed);
    assert!(
        said.contains("error[E1006]: AWS refused AttachRolePolicy role auditor"),
        "{said}"
    );
    assert!(
        said.contains("is not authorized to perform: iam:AttachRolePolicy"),
        "{said}"
    );
    assert!(said.contains("done: 25 of 43 calls"), "{said}");
    assert!(said.contains("allow the call to the identity"), "{said}");
    // What was done is done; the rest is planned from the account as it is now.
    let rerun = account.apply_live(&[]);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert!(
        stdout(&rerun).contains("Applied 18 calls"),
        "{}",
        stdout(&rerun)
    );
    account.assert_no_change();
}

#[test]
fn a_role_trusting_a_role_that_iam_does_not_show_yet_is_retried_until_it_does() {
    let Some(account) = Account::new() else {
        return;
    };
    // A new role that trusts another new one: it is created after it, whatever the names' order.
    let roles = account.project().join("roles.iamdsl");
    let mut text = std::fs::read_to_string(&roles).unwrap();
    text.push_str("\n/// Assumed by the deployer to read release artifacts.\nrole artifact_reader {\n  trust { role deployer }\n  boundary platform_boundary\n}\n");
    std::fs::write(&roles, text).unwrap();
    // IAM takes a moment to show a role created just before: the first CreateRole calls of
    // artifact_reader are answered as AWS answers then.
    account.proxy.fail(json!([{
        "action": "CreateRole", "contains": "RoleName=artifact_reader", "times": 2,
        "status": 400, "code": "MalformedPolicyDocument",
        "message": "Invalid principal in policy: \"AWS\":\"arn:aws:iam::111111111111:role/deployer\""
    }, {
        // And a call on a role just created that IAM does not find yet.
        "action": "PutRolePolicy", "contains": "RoleName=deployer", "times": 1,
        "status": 404, "code": "NoSuchEntity",
        "message": "The role with name deployer cannot be found."
    }]));
    let applied = account.apply_live(&[]);
    let out = stdout(&applied);
    assert!(applied.status.success(), "{out}{}", stderr(&applied));
    let deployer = out
        .find("] CreateRole role /deployer\n")
        .expect("deployer is created");
    let reader = out
        .find("] CreateRole role /artifact_reader\n      waiting 0.5 s for IAM to show what this apply created (attempt 2)\n      waiting 1.0 s for IAM to show what this apply created (attempt 3)\n[")
        .unwrap_or_else(|| panic!("{out}"));
    assert!(deployer < reader, "{out}");
    assert!(
        out.contains("] PutRolePolicy role deployer inline iamdsl\n      waiting 0.5 s for IAM to show what this apply created (attempt 2)\n["),
        "{out}"
    );
    account.assert_no_change();
}

#[test]
fn deletions_wait_for_allow_delete_and_what_the_project_does_not_own_survives() {
    let Some(account) = Account::new() else {
        return;
    };
    assert!(account.apply_live(&[]).status.success());
    // A role of someone else's, with its own attachments.
    moto::runtime().block_on(async {
        let client = account.server.client();
        client
            .create_role()
            .role_name("legacy")
            .path("/legacy/")
            .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
            .send()
            .await
            .unwrap();
        client
            .attach_role_policy()
            .role_name("legacy")
            .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
            .send()
            .await
            .unwrap();
    });
    // dave leaves: his user is under /contractors/, which the project owns.
    let people = account.project().join("people.iamdsl");
    let text = std::fs::read_to_string(&people).unwrap();
    let start = text.find("user dave").expect("the example declares dave");
    let end = start + text[start..].find("\n}\n").unwrap() + 3;
    std::fs::write(&people, format!("{}{}", &text[..start], &text[end..])).unwrap();
    account.edit(
        "expectations.iamdsl",
        "expect dave cannot assume deployer\n",
        "",
    );

    account.proxy.take_operations();
    let withheld = account.apply_live(&[]);
    let out = stdout(&withheld);
    assert!(withheld.status.success(), "{out}{}", stderr(&withheld));
    assert!(
        out.contains("Deletions, 2 calls (run only with --allow-delete):"),
        "{out}"
    );
    assert!(
        out.contains("RemoveUserFromGroup user dave in group readonly"),
        "{out}"
    );
    assert!(out.contains("The 2 deletion calls will not run"), "{out}");
    assert!(writes(&account.proxy.take_operations()).is_empty());

    let deleted = account.apply_live(&["--allow-delete"]);
    assert!(deleted.status.success(), "{}", stderr(&deleted));
    assert_eq!(
        writes(&account.proxy.take_operations()),
        ["RemoveUserFromGroup", "DeleteUser"]
    );
    account.assert_no_change();
    let legacy = moto::runtime().block_on(async {
        account
            .server
            .client()
            .list_attached_role_policies()
            .role_name("legacy")
            .send()
            .await
            .unwrap()
    });
    assert_eq!(legacy.attached_policies().len(), 1);
}

#[test]
fn credentials_of_an_account_the_project_does_not_declare_are_refused() {
    let Some(server) = MotoServer::start("444444444444") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &repo_root().join("examples/platform"),
        &dir.path().join("platform"),
    );
    let refused = moto::iamdsl_against(
        &server,
        dir.path(),
        &[
            "apply",
            "platform",
            "--live",
            "--auto-approve",
            "--endpoint-url",
            &server.url,
        ],
    );
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
    let said = stderr(&refused);
    assert!(
        said.contains("error[E1007]: the credentials act in account 444444444444"),
        "{said}"
    );
    assert!(said.contains("prod (111111111111)"), "{said}");
    let named = moto::iamdsl_against(
        &server,
        dir.path(),
        &[
            "plan",
            "platform",
            "--live",
            "--account",
            "prod",
            "--endpoint-url",
            &server.url,
        ],
    );
    assert!(
        stderr(&named).contains(
            "`--account prod` is 111111111111, and the credentials act in account 444444444444"
        ),
        "{}",
        stderr(&named)
    );
}

#[test]
fn function_secret_and_repository_policies_are_applied_by_their_services_calls() {
    let Some(server) = MotoServer::start(PROD) else {
        return;
    };
    let config = server.sdk_config();
    // A function with a permission the project does not declare; its role and code are the
    // account's (iamdsl writes the function's policy, never the function).
    moto::runtime().block_on(async {
        let role = aws_sdk_iam::Client::new(&config)
            .create_role()
            .role_name("handler")
            .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
            .send()
            .await
            .unwrap()
            .role()
            .unwrap()
            .arn()
            .to_string();
        moto::create_function(&config, "acme-handler", &role).await;
        let lambda = aws_sdk_lambda::Client::new(&config);
        aws_sdk_secretsmanager::Client::new(&config)
            .create_secret()
            .name("acme-db")
            .secret_string("not a secret")
            .send()
            .await
            .unwrap();
        aws_sdk_ecr::Client::new(&config)
            .create_repository()
            .repository_name("orders")
            .send()
            .await
            .unwrap();
        lambda
            .add_permission()
            .function_name("acme-handler")
            .statement_id("old")
            .action("lambda:GetFunction")
            .principal("events.amazonaws.com")
            .send()
            .await
            .unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(
        project.join("main.iamdsl"),
        r#"account prod = "111111111111" default
account audit = "222222222222"

role handler {
  trust { service lambda }
}

resource handler_function = lambda.function("acme-handler", region: "us-east-1") {
  allow lambda:InvokeFunction to account audit
  allow lambda:InvokeFunction to service s3
    when aws:SourceArn == "arn:aws:s3:::acme-logs" and aws:SourceAccount == "111111111111"
}

resource db_secret = secretsmanager.secret("acme-db", region: "us-east-1") {
  allow secretsmanager:GetSecretValue to role handler
}

resource orders_images = ecr.repository("orders", region: "us-east-1") {
  allow ecr:BatchGetImage, ecr:GetDownloadUrlForLayer to account audit
}
"#,
    )
    .unwrap();
    let run = |args: &[&str]| {
        let mut args = args.to_vec();
        args.extend(["--endpoint-url", &server.url]);
        moto::iamdsl_against(&server, dir.path(), &args)
    };
    let applied = run(&["apply", "project", "--live", "--auto-approve"]);
    let out = stdout(&applied);
    assert!(applied.status.success(), "{out}{}", stderr(&applied));
    assert!(
        out.contains("lambda:AddPermission lambda.function acme-handler"),
        "{out}"
    );
    let policy = moto::runtime().block_on(async {
        aws_sdk_lambda::Client::new(&config)
            .get_policy()
            .function_name("acme-handler")
            .send()
            .await
            .unwrap()
            .policy()
            .unwrap()
            .to_string()
    });
    let policy: serde_json::Value = serde_json::from_str(&policy).unwrap();
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 2, "{policy}");
    assert!(
        !policy.to_string().contains("lambda:GetFunction"),
        "{policy}"
    );
    let diff = run(&["diff", "project", "--live", "--exit-code"]);
    assert_eq!(
        diff.status.code(),
        Some(0),
        "{}{}",
        stdout(&diff),
        stderr(&diff)
    );
}

/// `iamdsl ARGS` on a terminal (util-linux's `script` gives it one), typing `answer`.
fn on_a_terminal(account: &Account, args: &[&str], answer: &str) -> Output {
    use std::io::Write;
    let mut line = vec![env!("CARGO_BIN_EXE_iamdsl").to_string()];
    line.extend(args.iter().map(|a| a.to_string()));
    line.extend(["--endpoint-url".to_string(), account.proxy.url.clone()]);
    let mut command = std::process::Command::new("script");
    command
        .args(["-qec", &line.join(" "), "/dev/null"])
        .current_dir(account.dir.path())
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for key in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"] {
        command.env_remove(key);
    }
    for (key, value) in account.server.env() {
        command.env(key, value);
    }
    let mut child = command
        .spawn()
        .expect("util-linux's `script` runs a command on a terminal");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answer.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn on_a_terminal_apply_asks_once_and_only_yes_applies() {
    let Some(account) = Account::new() else {
        return;
    };
    let planned = account.iamdsl(&["plan", "platform", "--live", "-o", "plan.json"]);
    assert!(planned.status.success(), "{}", stderr(&planned));
    account.proxy.take_operations();
    let declined = on_a_terminal(&account, &["apply", "plan.json"], "no\n");
    let shown = format!("{}{}", stdout(&declined), stderr(&declined));
    assert_eq!(declined.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains("Make these 43 calls? Only `yes` is taken as approval:"),
        "{shown}"
    );
    assert!(
        shown.contains("error[E1005]: nothing was applied: not approved"),
        "{shown}"
    );
    assert!(writes(&account.proxy.take_operations()).is_empty());

    let approved = on_a_terminal(&account, &["apply", "plan.json"], "yes\n");
    let shown = format!("{}{}", stdout(&approved), stderr(&approved));
    assert!(approved.status.success(), "{shown}");
    assert!(
        shown.contains("Applied 43 calls to account prod (111111111111)."),
        "{shown}"
    );
    account.assert_no_change();
}
