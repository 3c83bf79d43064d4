//! The command-line diagnostics (E08xx, and E10xx of plan and apply) as a user meets them. Each has a case in
//! `tests/check/CODE/`: `command.txt` holds the wrong command and the right one, `wrong/` and
//! `right/` the folders they run in, and `output.txt` what the wrong one printed, which
//! docs/diagnostics.md shows (`UPDATE_DOCS=1 cargo test -p iamdsl --test commands` rewrites
//! it). Commands that talk to IAM use a stand-in server on 127.0.0.1, or a closed port.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The access key the stand-in server refuses with AccessDenied.
const DENIED_KEY: &str = "AKIDDENIED";

/// The access key whose account holds one bucket, whose policy it may not read, and which may
/// not list its queues.
const PARTIAL_KEY: &str = "AKIDPARTIAL";

/// GetAccountAuthorizationDetails of an empty account, in IAM's query-protocol XML.
const EMPTY_ACCOUNT: &str = "<GetAccountAuthorizationDetailsResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetAccountAuthorizationDetailsResult><IsTruncated>false</IsTruncated><UserDetailList/><GroupDetailList/><RoleDetailList/><Policies/></GetAccountAuthorizationDetailsResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></GetAccountAuthorizationDetailsResponse>";

const ACCESS_DENIED: &str = "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: iam:GetAccountAuthorizationDetails on resource: *</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>";

const CALLER: &str = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/auditor</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></GetCallerIdentityResponse>";

const GROUP_CREATED: &str = "<CreateGroupResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><CreateGroupResult><Group><Path>/</Path><GroupName>readers</GroupName><GroupId>AGPAEXAMPLE000000001</GroupId><Arn>arn:aws:iam::123456789012:group/readers</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate></Group></CreateGroupResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></CreateGroupResponse>";

const GROUP_EXISTS: &str = "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>EntityAlreadyExists</Code><Message>Group with name taken already exists.</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>";

const NO_TOPICS: &str = "<ListTopicsResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><ListTopicsResult><Topics/></ListTopicsResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></ListTopicsResponse>";

const NO_BUCKETS: &str = "<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner><ID>owner</ID></Owner><Buckets/></ListAllMyBucketsResult>";

const ONE_BUCKET: &str = "<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner><ID>owner</ID></Owner><Buckets><Bucket><Name>acme-logs</Name><BucketRegion>us-east-1</BucketRegion></Bucket></Buckets></ListAllMyBucketsResult>";

const S3_ACCESS_DENIED: &str = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>0</RequestId></Error>";

/// A stand-in for AWS on 127.0.0.1, answering what `pull` asks (IAM, STS, and the list calls of
/// each service with resource policies) for an empty account; AccessDenied to IAM when signed
/// with [`DENIED_KEY`]; a bucket and two refusals when signed with [`PARTIAL_KEY`]. Runs until
/// the test process ends.
fn stand_in_iam() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = answer(stream);
        }
    });
    port
}

/// The status, content type and body of the answer to a request: by the operation the query
/// protocols name in the body, the JSON protocols in `X-Amz-Target`, the REST ones in the path.
fn respond(head: &str, body: &str) -> (&'static str, &'static str, &'static str) {
    const XML: &str = "text/xml";
    const JSON: &str = "application/x-amz-json-1.1";
    let partial = head.contains(PARTIAL_KEY);
    let lower = head.to_ascii_lowercase();
    let target = lower
        .lines()
        .find_map(|l| l.strip_prefix("x-amz-target:"))
        .map(str::trim)
        .unwrap_or_default();
    let request_line = head.lines().next().unwrap_or_default();
    match target {
        "trentservice.listkeys" => return ("200 OK", JSON, r#"{"Keys":[],"Truncated":false}"#),
        "amazonsqs.listqueues" if partial => {
            return (
                "400 Bad Request",
                "application/x-amz-json-1.0",
                r#"{"__type":"com.amazonaws.sqs#AccessDenied","message":"User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: sqs:listqueues"}"#,
            )
        }
        "amazonsqs.listqueues" => return ("200 OK", "application/x-amz-json-1.0", "{}"),
        "secretsmanager.listsecrets" => return ("200 OK", JSON, r#"{"SecretList":[]}"#),
        "amazonec2containerregistry_v20150921.describerepositories" => {
            return ("200 OK", JSON, r#"{"repositories":[]}"#)
        }
        _ => {}
    }
    if request_line.starts_with("GET /2015-03-31/functions") {
        return ("200 OK", "application/json", r#"{"Functions":[]}"#);
    }
    if request_line.starts_with("GET /acme-logs") && request_line.contains("policy") {
        return ("403 Forbidden", "application/xml", S3_ACCESS_DENIED);
    }
    if request_line.starts_with("GET /?") || request_line.starts_with("GET / ") {
        return (
            "200 OK",
            "application/xml",
            if partial { ONE_BUCKET } else { NO_BUCKETS },
        );
    }
    if body.contains("Action=GetCallerIdentity") {
        return ("200 OK", XML, CALLER);
    }
    if body.contains("Action=CreateGroup") {
        return if body.contains("GroupName=taken") {
            ("409 Conflict", XML, GROUP_EXISTS)
        } else {
            ("200 OK", XML, GROUP_CREATED)
        };
    }
    if body.contains("Action=ListTopics") {
        return ("200 OK", XML, NO_TOPICS);
    }
    if head.contains(DENIED_KEY) {
        ("403 Forbidden", XML, ACCESS_DENIED)
    } else {
        ("200 OK", XML, EMPTY_ACCOUNT)
    }
}

fn answer(stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut head = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        head.push_str(&line);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let (status, content_type, text) = respond(&head, &String::from_utf8_lossy(&body));
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    )?;
    stream.flush()
}

/// A port nothing listens on: bound, then let go.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The words of a command line: whitespace separates them except inside single quotes.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    words.push(std::mem::take(&mut current));
                    started = false;
                }
            }
            c => {
                current.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(current);
    }
    words
}

/// Runs `iamdsl` in `dir` with none of the machine's AWS configuration: no `AWS_*` variable,
/// a `HOME` without `~/.aws`.
fn iamdsl_isolated(dir: &Path, home: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_iamdsl"));
    command.current_dir(dir).args(args).env("NO_COLOR", "1");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            command.env_remove(key);
        }
    }
    command.env("HOME", home);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

/// Where a case's commands run, and what stands in for the ports they name.
struct Setting {
    root: PathBuf,
    iam_port: u16,
    closed_port: u16,
}

impl Setting {
    /// Runs one line of `command.txt` (`VAR=value … iamdsl ARGS`) in `side`.
    fn run(&self, line: &str, side: &Path) -> Output {
        let line = line
            .replace("$IAM_PORT", &self.iam_port.to_string())
            .replace("$CLOSED_PORT", &self.closed_port.to_string());
        let words = words(&line);
        let at = words
            .iter()
            .position(|w| w == "iamdsl")
            .unwrap_or_else(|| panic!("no `iamdsl` in {line:?}"));
        let env: Vec<(&str, &str)> = words[..at]
            .iter()
            .map(|w| {
                w.split_once('=')
                    .unwrap_or_else(|| panic!("not VAR=value: {w}"))
            })
            .collect();
        let args: Vec<&str> = words[at + 1..].iter().map(String::as_str).collect();
        std::fs::create_dir_all(side).unwrap();
        iamdsl_isolated(side, &self.root.join("home"), &env, &args)
    }

    /// What a person would see: without the temporary folder and the ports of this run.
    fn shown(&self, output: &Output) -> String {
        let root = self.root.canonicalize().unwrap();
        stderr(output)
            .replace(&root.display().to_string(), "…")
            .replace(&format!(":{}", self.iam_port), ":$IAM_PORT")
            .replace(&format!(":{}", self.closed_port), ":$CLOSED_PORT")
    }
}

/// The cases of `tests/check/` that are commands.
fn command_cases() -> Vec<(String, PathBuf)> {
    let corpus = repo_root().join("tests/check");
    let mut cases: Vec<(String, PathBuf)> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("command.txt").is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_command_case_reports_its_code_wrong_and_nothing_right() {
    let iam_port = stand_in_iam();
    let cases = command_cases();
    let codes: Vec<&str> = cases.iter().map(|(code, _)| code.as_str()).collect();
    let expected: Vec<&str> = iamdsl_diagnostics::CODES
        .iter()
        .map(|c| c.code)
        .filter(|c| c.starts_with("E08") || c.starts_with("E10"))
        .collect();
    assert_eq!(
        codes, expected,
        "every command-line code has a command case"
    );
    for (code, case) in cases {
        let temp = tempfile::tempdir().unwrap();
        let setting = Setting {
            root: temp.path().to_path_buf(),
            iam_port,
            closed_port: closed_port(),
        };
        std::fs::create_dir(setting.root.join("home")).unwrap();
        let copy = setting.root.join(&code);
        copy_dir(&case, &copy);
        let command = std::fs::read_to_string(case.join("command.txt")).unwrap();
        let line = |side: &str| {
            command
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{side}: ")))
                .unwrap_or_else(|| panic!("{code}/command.txt has no `{side}:` line"))
                .to_string()
        };

        let wrong = setting.run(&line("wrong"), &copy.join("wrong"));
        let shown = setting.shown(&wrong);
        // 1 for an error; a command that refuses (apply: a stale plan, no approval) says 2.
        let exit = command
            .lines()
            .find_map(|l| l.strip_prefix("wrong exit: "))
            .map_or(1, |code| code.parse::<i32>().unwrap());
        assert_eq!(wrong.status.code(), Some(exit), "{code} wrong: {shown}");
        assert!(
            shown.contains(&format!("error[{code}]")),
            "{code} wrong: {shown}"
        );
        assert!(
            shown.contains("= help: "),
            "{code} wrong has no help: {shown}"
        );
        // Never the SDK's debug dump, never a secret.
        assert!(!shown.contains("DispatchFailure("), "{code}: {shown}");
        assert!(!shown.contains("example-secret"), "{code}: {shown}");
        let recorded = case.join("output.txt");
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&recorded, &shown).unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(&recorded).unwrap_or_default(),
            shown,
            "{code}/output.txt is not what the wrong command prints: run `UPDATE_DOCS=1 cargo test -p iamdsl --test commands`"
        );

        let right = setting.run(&line("right"), &copy.join("right"));
        let shown = setting.shown(&right);
        assert!(right.status.success(), "{code} right: {shown}");
        assert!(
            !shown.contains(&format!("[{code}]")),
            "{code} right: {shown}"
        );
    }
}

#[test]
fn pull_and_diff_live_say_what_they_tried_without_credentials_or_a_server() {
    let temp = tempfile::tempdir().unwrap();
    let home = temp.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let port = closed_port().to_string();
    let endpoint = format!("http://127.0.0.1:{port}");
    let no_imds = [("AWS_EC2_METADATA_DISABLED", "true")];
    let pull = iamdsl_isolated(
        temp.path(),
        &home,
        &no_imds,
        &["pull", "--endpoint-url", &endpoint],
    );
    let report = stderr(&pull);
    assert_eq!(pull.status.code(), Some(1), "{report}");
    assert!(
        report.contains("error[E0803]: no AWS credentials were found"),
        "{report}"
    );
    assert!(
        report.contains(&format!("nothing was sent to `{endpoint}`")),
        "{report}"
    );
    assert!(
        report.contains("tried, in order: environment variables"),
        "{report}"
    );
    assert!(report.contains("profile `default`"), "{report}");
    assert!(report.contains("= help: set AWS_ACCESS_KEY_ID"), "{report}");
    assert!(!report.contains("DispatchFailure"), "{report}");

    let keys = [
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "example-secret"),
    ];
    let pull = iamdsl_isolated(
        temp.path(),
        &home,
        &keys,
        &["pull", "--endpoint-url", &endpoint],
    );
    let report = stderr(&pull);
    assert_eq!(pull.status.code(), Some(1), "{report}");
    assert!(
        report.contains(&format!(
            "error[E0804]: cannot reach the IAM endpoint `{endpoint}`"
        )),
        "{report}"
    );
    assert!(report.contains("Connection refused"), "{report}");
    assert!(
        !report.contains("DispatchFailure") && !report.contains("example-secret"),
        "{report}"
    );

    // `diff --live` fetches the same way, and says the same.
    std::fs::create_dir(temp.path().join("proj")).unwrap();
    std::fs::write(
        temp.path().join("proj/main.iamdsl"),
        "account prod = \"111111111111\"\n\nrole web { trust { service ec2 } }\n",
    )
    .unwrap();
    let diff = iamdsl_isolated(
        temp.path(),
        &home,
        &keys,
        &["diff", "proj", "--live", "--endpoint-url", &endpoint],
    );
    let report = stderr(&diff);
    assert_eq!(diff.status.code(), Some(1), "{report}");
    assert!(report.contains("error[E0804]"), "{report}");
}

#[test]
fn pull_against_an_endpoint_that_refuses_says_which_permission_is_missing() {
    let temp = tempfile::tempdir().unwrap();
    let endpoint = format!("http://127.0.0.1:{}", stand_in_iam());
    let keys = [
        ("AWS_ACCESS_KEY_ID", DENIED_KEY),
        ("AWS_SECRET_ACCESS_KEY", "example-secret"),
    ];
    let pull = iamdsl_isolated(
        temp.path(),
        temp.path(),
        &keys,
        &["pull", "--endpoint-url", &endpoint],
    );
    let report = stderr(&pull);
    assert_eq!(pull.status.code(), Some(1), "{report}");
    assert!(
        report.contains(
            "error[E0805]: the credentials may not call iam:GetAccountAuthorizationDetails"
        ),
        "{report}"
    );
    assert!(
        report.contains("AWS answered AccessDenied: User: arn:aws:iam::123456789012:user/auditor"),
        "{report}"
    );
    assert!(report.contains("SecurityAudit"), "{report}");
}

#[test]
fn pull_goes_on_past_a_policy_or_a_service_it_may_not_read_and_says_which() {
    let temp = tempfile::tempdir().unwrap();
    let endpoint = format!("http://127.0.0.1:{}", stand_in_iam());
    let keys = |key| {
        [
            ("AWS_ACCESS_KEY_ID", key),
            ("AWS_SECRET_ACCESS_KEY", "example-secret"),
        ]
    };
    // An empty account: every service answers, nothing to warn about, no resources.
    let pull = iamdsl_isolated(
        temp.path(),
        temp.path(),
        &keys("AKIDEXAMPLE"),
        &["pull", "--endpoint-url", &endpoint, "-o", "empty.json"],
    );
    let report = stderr(&pull);
    assert!(pull.status.success(), "{report}");
    assert!(!report.contains("warning"), "{report}");
    let empty: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(temp.path().join("empty.json")).unwrap())
            .unwrap();
    assert!(empty.get("ResourcePolicies").is_none(), "{empty}");

    let pull = iamdsl_isolated(
        temp.path(),
        temp.path(),
        &keys(PARTIAL_KEY),
        &["pull", "--endpoint-url", &endpoint, "-o", "state.json"],
    );
    let report = stderr(&pull);
    assert!(pull.status.success(), "{report}");
    assert!(
        report.contains(
            "warning[E0805]: the bucket policy of `arn:aws:s3:::acme-logs` could not be read (s3:GetBucketPolicy); the state records it as unknown\n"
        ),
        "{report}"
    );
    assert!(
        report.contains(" = note: Amazon S3 answered AccessDenied: Access Denied\n"),
        "{report}"
    );
    assert!(
        report.contains(" = help: allow `s3:GetBucketPolicy` on it to the identity that pulls"),
        "{report}"
    );
    assert!(
        report.contains(
            "warning[E0805]: the queues of `us-east-1` could not be listed (sqs:ListQueues); the state holds none of them or their policies\n"
        ),
        "{report}"
    );
    assert!(
        report.contains(" = help: allow `sqs:ListQueues` to the identity that pulls"),
        "{report}"
    );
    assert!(!report.contains("example-secret"), "{report}");
    let text = std::fs::read_to_string(temp.path().join("state.json")).unwrap();
    let state = iamdsl_policy::authz::AuthorizationDetails::read(&text).unwrap();
    assert_eq!(state.resources.len(), 1, "{text}");
    let bucket = &state.resources[0];
    assert_eq!(
        (
            bucket.kind.as_str(),
            bucket.arn.as_str(),
            bucket.account.as_str()
        ),
        ("s3.bucket", "arn:aws:s3:::acme-logs", "123456789012")
    );
    assert_eq!(
        bucket.policy,
        iamdsl_policy::authz::ResourcePolicyState::Unknown(
            "s3:GetBucketPolicy failed: AccessDenied: Access Denied".into()
        )
    );
}

#[test]
fn expand_refuses_allow_given_twice_and_says_which_account_it_assumed() {
    let temp = tempfile::tempdir().unwrap();
    let twice = iamdsl(temp.path(), &["expand", "allow read on s3.bucket(\"x\")"]);
    let report = stderr(&twice);
    assert_eq!(twice.status.code(), Some(1), "{report}");
    assert!(
        report.contains("error[E0806]: `expand` adds `allow` itself: leave it out"),
        "{report}"
    );
    assert!(
        report.contains("= help: iamdsl expand 'read on s3.bucket(\"x\")'"),
        "{report}"
    );
    // Only the one diagnostic: nothing about the policy the intent was wrapped in.
    assert_eq!(report.matches("error[").count(), 1, "{report}");

    let expanded = iamdsl(
        temp.path(),
        &["expand", "read on dynamodb.table(\"orders\")"],
    );
    let report = stderr(&expanded);
    assert!(expanded.status.success(), "{report}");
    assert!(
        stdout(&expanded).contains("arn:aws:dynamodb:*:123456789012:table/orders"),
        "{}",
        stdout(&expanded)
    );
    assert!(
        report.contains("note: ARNs are in account `example` (123456789012), a stand-in; `--project DIR` uses a project's accounts and names"),
        "{report}"
    );
    std::fs::write(
        temp.path().join("main.iamdsl"),
        "account prod = \"111111111111\" default\n",
    )
    .unwrap();
    let in_project = iamdsl(
        temp.path(),
        &[
            "expand",
            "read on dynamodb.table(\"orders\")",
            "--project",
            ".",
        ],
    );
    let report = stderr(&in_project);
    assert!(in_project.status.success(), "{report}");
    assert!(
        report.contains("note: ARNs are in account `prod` (111111111111), the project's default"),
        "{report}"
    );
}

/// A project with one policy whose single statement is over the quota: 2 actions on 200
/// objects.
fn one_big_statement() -> String {
    let objects: Vec<String> = (0..200)
        .map(|i| format!("    s3.object(\"acme-data\", \"tenant-{i:04}-with-a-long-prefix/*\")"))
        .collect();
    format!(
        "account prod = \"111111111111\"\n\npolicy data {{\n  allow s3:GetObject, s3:PutObject on\n{}\n}}\n\nrole app {{\n  trust {{ service ec2 }}\n  attach data\n}}\n",
        objects.join(",\n")
    )
}

#[test]
fn split_cuts_one_statement_over_the_quota_and_check_judges_as_build_does() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    std::fs::create_dir(dir.join("p")).unwrap();
    std::fs::write(dir.join("p/main.iamdsl"), one_big_statement()).unwrap();

    // Without `--split`, both fail on the quota; with it, both pass.
    for args in [vec!["check", "p"], vec!["build", "p", "-o", "out"]] {
        let output = iamdsl(dir, &args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&output).contains("error[E0501]"),
            "{}",
            stderr(&output)
        );
    }
    let check = iamdsl(dir, &["check", "p", "--split", "--minimize"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let check = iamdsl(dir, &["check", "p", "--split"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let build = iamdsl(dir, &["build", "p", "-o", "out", "--split"]);
    assert!(build.status.success(), "{}", stderr(&build));

    // The parts hold exactly the original's (action, resource) pairs, each under the quota.
    let mut pairs = std::collections::BTreeSet::new();
    let mut parts = 0;
    for entry in std::fs::read_dir(dir.join("out/policies")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(text.chars().filter(|c| !c.is_whitespace()).count() <= 6144);
        parts += 1;
        let document: serde_json::Value = serde_json::from_str(&text).unwrap();
        for statement in document["Statement"].as_array().unwrap() {
            assert_eq!(statement["Effect"], "Allow");
            assert!(statement.get("Condition").is_none());
            for action in statement["Action"].as_array().unwrap() {
                for resource in statement["Resource"].as_array().unwrap() {
                    pairs.insert((
                        action.as_str().unwrap().to_string(),
                        resource.as_str().unwrap().to_string(),
                    ));
                }
            }
        }
    }
    assert!(parts >= 2);
    let mut expected = std::collections::BTreeSet::new();
    for action in ["s3:GetObject", "s3:PutObject"] {
        for i in 0..200 {
            expected.insert((
                action.to_string(),
                format!("arn:aws:s3:::acme-data/tenant-{i:04}-with-a-long-prefix/*"),
            ));
        }
    }
    assert_eq!(pairs, expected);

    // A `NotResource` statement cannot be cut: both say why, and both fail.
    let fence = one_big_statement()
        .replace(
            "allow s3:GetObject, s3:PutObject on\n",
            "deny s3:* on * except\n",
        )
        .replace("data {", "fence {")
        .replace("attach data", "attach fence");
    std::fs::write(dir.join("p/main.iamdsl"), fence).unwrap();
    for args in [
        vec!["check", "p", "--split"],
        vec!["build", "p", "-o", "out", "--split"],
    ] {
        let output = iamdsl(dir, &args);
        let report = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {report}");
        assert!(
            report.contains("error[E0807]: `--split` cannot split policy `fence`"),
            "{report}"
        );
        assert!(
            report.contains("`NotResource` list of 200 resources"),
            "{report}"
        );
        assert!(!report.contains("E0501"), "reported once: {report}");
    }
}
