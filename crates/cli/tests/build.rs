//! `iamdsl build` as a user runs it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every file below `dir`, by relative path.
fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(relative, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    files
}

fn build_example(into: &Path) -> BTreeMap<String, String> {
    let out = into.join("out");
    let output = iamdsl(
        &repo_root(),
        &["build", "examples/platform", "-o", out.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    read_tree(&out)
}

#[test]
fn the_example_builds_to_reviewed_documents() {
    let dir = tempfile::tempdir().unwrap();
    let files = build_example(dir.path());
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    insta::assert_snapshot!("example_layout", names.join("\n"));
    for (path, contents) in &files {
        let name = format!("example__{}", path.replace(['/', '.'], "_"));
        insta::assert_snapshot!(name, contents.replace(env!("CARGO_PKG_VERSION"), "VERSION"));
    }
}

/// What a document is to AWS: which elements its statements carry.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Identity,
    Trust,
    /// A resource's own policy: a Principal in every statement, and `*` only as the lints let it.
    Resource,
}

/// Checks a document against AWS's policy grammar (the parts a build can get wrong).
fn assert_valid_policy(path: &str, document: &serde_json::Value, kind: Kind) {
    let trust = kind == Kind::Trust;
    assert_eq!(document["Version"], "2012-10-17", "{path}");
    let statements = document["Statement"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: no Statement list"));
    assert!(!statements.is_empty(), "{path}: no statements");
    let operators = [
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
        "Null",
    ];
    for statement in statements {
        let object = statement.as_object().unwrap();
        let sid = object["Sid"].as_str().unwrap();
        assert!(
            sid.chars().all(|c| c.is_ascii_alphanumeric()),
            "{path}: Sid {sid}"
        );
        assert!(
            matches!(object["Effect"].as_str(), Some("Allow" | "Deny")),
            "{path}"
        );
        assert_eq!(
            object.contains_key("Action") as u8 + object.contains_key("NotAction") as u8,
            1,
            "{path}: one of Action/NotAction"
        );
        for key in ["Action", "NotAction", "Resource", "NotResource"] {
            if let Some(list) = object.get(key) {
                let list = list.as_array().unwrap();
                assert!(!list.is_empty(), "{path}: empty {key}");
                for item in list {
                    let text = item.as_str().unwrap();
                    if key.ends_with("Action") {
                        assert!(
                            text == "*"
                                || text
                                    .split_once(':')
                                    .is_some_and(|(s, a)| !s.is_empty() && !a.is_empty()),
                            "{path}: action {text}"
                        );
                    } else {
                        assert!(
                            text == "*" || text.starts_with("arn:"),
                            "{path}: resource {text}"
                        );
                    }
                }
            }
        }
        if trust {
            assert!(
                object.contains_key("Principal"),
                "{path}: trust statement without Principal"
            );
            assert!(
                !object.contains_key("Resource"),
                "{path}: trust statement with Resource"
            );
            for (kind, values) in object["Principal"].as_object().unwrap() {
                assert!(
                    ["AWS", "Service", "Federated"].contains(&kind.as_str()),
                    "{path}: principal kind {kind}"
                );
                assert!(
                    values
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|v| v.as_str() != Some("*")),
                    "{path}: wildcard principal"
                );
            }
        } else if kind == Kind::Resource {
            assert!(
                object.contains_key("Principal"),
                "{path}: resource policy statement without Principal"
            );
            for principal_kind in object["Principal"].as_object().unwrap().keys() {
                assert!(
                    ["AWS", "Service"].contains(&principal_kind.as_str()),
                    "{path}: principal kind {principal_kind}"
                );
            }
            assert!(object.contains_key("Resource"), "{path}");
        } else {
            assert!(
                !object.contains_key("Principal"),
                "{path}: identity policy with Principal"
            );
            assert_eq!(
                object.contains_key("Resource") as u8 + object.contains_key("NotResource") as u8,
                1,
                "{path}"
            );
        }
        if let Some(condition) = object.get("Condition") {
            for (operator, keys) in condition.as_object().unwrap() {
                let base = operator
                    .trim_start_matches("ForAnyValue:")
                    .trim_start_matches("ForAllValues:");
                let base = base.strip_suffix("IfExists").unwrap_or(base);
                assert!(operators.contains(&base), "{path}: operator {operator}");
                for values in keys.as_object().unwrap().values() {
                    assert!(
                        !values.as_array().unwrap().is_empty(),
                        "{path}: empty condition values"
                    );
                }
            }
        }
    }
}

#[test]
fn every_emitted_document_follows_the_aws_policy_grammar() {
    let dir = tempfile::tempdir().unwrap();
    let files = build_example(dir.path());
    let mut documents = 0;
    for (path, contents) in &files {
        let value: serde_json::Value =
            serde_json::from_str(contents).unwrap_or_else(|e| panic!("{path}: {e}"));
        if path.ends_with("account-authorization-details.json") {
            for role in value["RoleDetailList"].as_array().unwrap() {
                assert_valid_policy(path, &role["AssumeRolePolicyDocument"], Kind::Trust);
                documents += 1;
            }
            for policy in value["Policies"].as_array().unwrap() {
                assert_valid_policy(
                    path,
                    &policy["PolicyVersionList"][0]["Document"],
                    Kind::Identity,
                );
                documents += 1;
            }
        } else if path != "build-info.json" {
            let kind = if path.ends_with("trust.json") {
                Kind::Trust
            } else if path.contains("/resources/") {
                Kind::Resource
            } else {
                Kind::Identity
            };
            assert_valid_policy(path, &value, kind);
            documents += 1;
        }
    }
    assert!(documents > 20, "{documents}");
}

#[test]
fn file_names_order_and_layout_do_not_change_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let original = build_example(dir.path());

    // The same project: files renamed and merged differently, declarations and statements in
    // another order, formatting changed.
    let shuffled = dir.path().join("shuffled");
    std::fs::create_dir_all(&shuffled).unwrap();
    let example = repo_root().join("examples/platform");
    std::fs::copy(example.join("iamdsl.toml"), shuffled.join("iamdsl.toml")).unwrap();
    let mut all_items = Vec::new();
    for entry in std::fs::read_dir(&example).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "iamdsl") {
            let text = std::fs::read_to_string(&path).unwrap();
            // Split into top-level items at lines that start a declaration.
            let mut current = String::new();
            for line in text.lines() {
                let starts = [
                    "account ",
                    "let ",
                    "policy ",
                    "template ",
                    "group ",
                    "user ",
                    "role ",
                    "in ",
                    "///",
                    "#[",
                ]
                .iter()
                .any(|k| line.starts_with(k));
                let continues_prefix = current
                    .lines()
                    .last()
                    .is_some_and(|l| l.starts_with("///") || l.starts_with("#["));
                if starts && !continues_prefix && !current.trim().is_empty() {
                    all_items.push(std::mem::take(&mut current));
                }
                current.push_str(line);
                current.push('\n');
            }
            all_items.push(current);
        }
    }
    all_items.reverse();
    // Statements inside blocks reversed too, for one role: permuting statements keeps meaning.
    let items: Vec<String> = all_items
        .into_iter()
        .map(|item| {
            if item.contains("role deployer {") {
                item.replace(
                    "  allow write on lambda.function(\"app-*\")\n",
                    "",
                )
                .replace("  boundary platform_boundary\n", "  boundary platform_boundary\n  allow write   on lambda.function( \"app-*\" )\n")
            } else {
                item
            }
        })
        .collect();
    for (index, chunk) in items.chunks(3).enumerate() {
        std::fs::write(shuffled.join(format!("z{index:02}.iamdsl")), chunk.concat()).unwrap();
    }
    let out = dir.path().join("out2");
    let output = iamdsl(
        dir.path(),
        &["build", "shuffled", "-o", out.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let rebuilt = read_tree(&out);
    assert_eq!(
        original.keys().collect::<Vec<_>>(),
        rebuilt.keys().collect::<Vec<_>>()
    );
    for (path, contents) in &original {
        assert_eq!(contents, &rebuilt[path], "{path} differs");
    }
}

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("a.iamdsl"),
        "account prod = \"111111111111\"\nrole r { trust { service ec2 } }\n",
    )
    .unwrap();
    let ok = iamdsl(dir.path(), &["build", "p", "-o", "out"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let before = read_tree(&dir.path().join("out"));
    assert!(before.contains_key("roles/r/trust.json"));

    std::fs::write(project.join("a.iamdsl"), "account prod = \"111111111111\"\nrole r { trust { service ec2 } allow s3:GetObjekt on * }\n").unwrap();
    let failed = iamdsl(dir.path(), &["build", "p", "-o", "out"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(
        stderr(&failed).contains("`out` left as it was"),
        "{}",
        stderr(&failed)
    );
    assert_eq!(read_tree(&dir.path().join("out")), before);
    // No staging directory is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "{leftovers:?}");
}

fn big_policy(actions: usize) -> String {
    let iam = [
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListRoleTags",
        "iam:ListInstanceProfilesForRole",
    ];
    let mut statements = String::new();
    for i in 0..actions {
        statements.push_str(&format!(
            "  allow {} on iam.role(\"service-role/some-very-long-role-name-number-{i:04}\")\n",
            iam[i % iam.len()]
        ));
    }
    format!("account prod = \"111111111111\"\npolicy big {{\n{statements}}}\nrole r {{\n  trust {{ service ec2 }}\n  attach big\n}}\n")
}

#[test]
fn quotas_fail_the_build_and_split_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("a.iamdsl"), big_policy(120)).unwrap();
    let failed = iamdsl(dir.path(), &["build", "p", "-o", "out"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(
        stderr(&failed).contains("error[E0501]: the document of policy `big` is"),
        "{}",
        stderr(&failed)
    );
    assert!(
        stderr(&failed).contains("over the quota of 6144"),
        "{}",
        stderr(&failed)
    );
    // AWS does not raise this quota: no advice to set it.
    assert!(!stderr(&failed).contains("[quotas]"), "{}", stderr(&failed));

    let split = iamdsl(dir.path(), &["build", "p", "-o", "out", "--split"]);
    assert!(split.status.success(), "{}", stderr(&split));
    let files = read_tree(&dir.path().join("out"));
    let parts: Vec<&String> = files
        .keys()
        .filter(|k| k.starts_with("policies/big-"))
        .collect();
    assert!(parts.len() >= 2, "{parts:?}");
    for part in &parts {
        let size = files[*part].chars().filter(|c| !c.is_whitespace()).count();
        assert!(size <= 6144, "{part} is {size}");
    }
    let details: serde_json::Value =
        serde_json::from_str(&files["account-authorization-details.json"]).unwrap();
    let attached = details["RoleDetailList"][0]["AttachedManagedPolicies"]
        .as_array()
        .unwrap();
    assert_eq!(attached.len(), parts.len());
}

#[test]
fn a_quota_raised_in_the_manifest_lets_the_policy_build_whole() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("a.iamdsl"), big_policy(120)).unwrap();
    std::fs::write(
        project.join("iamdsl.toml"),
        "[quotas]\nmanaged_policy_size = 100000\n",
    )
    .unwrap();
    let built = iamdsl(dir.path(), &["build", "p", "-o", "out"]);
    assert!(built.status.success(), "{}", stderr(&built));
    let files = read_tree(&dir.path().join("out"));
    let size = files["policies/big.json"]
        .chars()
        .filter(|c| !c.is_whitespace())
        .count();
    assert!(size > 6144, "{size}");

    // A quota set below the project's use is held to as well, and an unknown quota is refused.
    std::fs::write(
        project.join("iamdsl.toml"),
        "[quotas]\ntrust_policy_size = 20\n",
    )
    .unwrap();
    let failed = iamdsl(dir.path(), &["check", "p"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(
        stderr(&failed).contains("the trust policy of role `r` is"),
        "{}",
        stderr(&failed)
    );
    std::fs::write(
        project.join("iamdsl.toml"),
        "[quotas]\nroles_per_account = 2000\n",
    )
    .unwrap();
    let refused = iamdsl(dir.path(), &["check", "p"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("E0005"), "{}", stderr(&refused));
}

#[test]
fn minimize_reports_savings_and_never_widens() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("a.iamdsl"),
        "account prod = \"111111111111\"\nrole r {\n  trust { service ec2 }\n  allow read on s3.object(\"b\", \"*\")\n}\n",
    )
    .unwrap();
    let plain = iamdsl(dir.path(), &["build", "p", "-o", "plain"]);
    assert!(plain.status.success());
    let minimized = iamdsl(dir.path(), &["build", "p", "-o", "min", "--minimize"]);
    assert!(minimized.status.success(), "{}", stderr(&minimized));
    let saved: usize = stderr(&minimized)
        .lines()
        .find_map(|l| {
            l.strip_prefix("--minimize saved ")
                .and_then(|r| r.split(' ').next())
                .and_then(|n| n.parse().ok())
        })
        .unwrap();
    assert!(saved > 0);
    let actions = |dir: &str| -> Vec<String> {
        let text = std::fs::read_to_string(dir_path(dir.as_ref(), &project)).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        value["Statement"][0]["Action"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect()
    };
    fn dir_path(out: &Path, project: &Path) -> PathBuf {
        project
            .parent()
            .unwrap()
            .join(out)
            .join("roles/r/inline.json")
    }
    let before = actions("plain");
    let after = actions("min");
    assert!(after.len() < before.len());
    // Every wildcard of the minimized list matches only actions of the original list.
    for pattern in after.iter().filter(|a| a.contains('*')) {
        let stem = pattern.trim_end_matches('*').to_ascii_lowercase();
        let output = iamdsl(dir.path(), &["catalog", pattern]);
        let listed: Vec<String> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|l| l.to_ascii_lowercase().starts_with(&stem))
            .map(|l| l.split_whitespace().next().unwrap().to_string())
            .collect();
        assert!(!listed.is_empty());
        for action in listed {
            assert!(before.contains(&action), "{pattern} also grants {action}");
        }
    }
}

/// Every entry below `dir` with its bytes (directories as `None`), links not followed: what
/// must be the same, byte for byte, after a refused build.
fn tree_bytes(dir: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    let mut entries = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            let relative = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let meta = path.symlink_metadata().unwrap();
            if meta.is_dir() {
                entries.insert(format!("{relative}/"), None);
                stack.push(path);
            } else if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                entries.insert(relative, Some(target.to_string_lossy().as_bytes().to_vec()));
            } else {
                entries.insert(relative, Some(std::fs::read(&path).unwrap()));
            }
        }
    }
    entries
}

const SMALL_PROJECT: &str =
    "account prod = \"111111111111\"\n\nrole web { trust { service ec2 } }\n";

/// `root/proj/main.iamdsl` and a file beside the project, as a user's folder holds.
fn user_folder() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("proj")).unwrap();
    std::fs::write(root.path().join("proj/main.iamdsl"), SMALL_PROJECT).unwrap();
    std::fs::write(root.path().join("notes.txt"), "my notes\n").unwrap();
    root
}

/// Runs a build that must be refused with `code`, and checks that nothing below `root` changed.
fn assert_refused(root: &Path, cwd: &Path, args: &[&str], code: &str) -> String {
    let before = tree_bytes(root);
    let output = iamdsl(cwd, args);
    let report = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{args:?}: {report}");
    assert!(
        report.contains(&format!("error[{code}]")),
        "{args:?}: {report}"
    );
    assert!(
        report.contains("= help: choose another folder for `-o`"),
        "{report}"
    );
    assert_eq!(tree_bytes(root), before, "{args:?} changed the tree");
    report
}

#[test]
fn build_never_replaces_an_output_that_is_or_holds_an_input_not_even_with_force() {
    let root = user_folder();
    let proj = root.path().join("proj");
    // `cd proj && iamdsl build . -o ..`: the parent holds the project.
    let report = assert_refused(root.path(), &proj, &["build", ".", "-o", ".."], "E0801");
    assert!(
        report.contains("the output directory `..` contains the input `.`"),
        "{report}"
    );
    assert_refused(
        root.path(),
        &proj,
        &["build", ".", "-o", "..", "--force"],
        "E0801",
    );
    // The output is the input.
    let report = assert_refused(root.path(), &proj, &["build", ".", "-o", "."], "E0801");
    assert!(report.contains("is the input `.`"), "{report}");
    assert_refused(
        root.path(),
        root.path(),
        &["build", "proj", "-o", "proj", "--force"],
        "E0801",
    );
    // An input given as a file, and an output spelled another way.
    assert_refused(
        root.path(),
        root.path(),
        &["build", "proj/main.iamdsl", "-o", "proj/../proj/"],
        "E0801",
    );
    // An output inside the project that holds some of its sources: those are inputs too.
    std::fs::create_dir(proj.join("more")).unwrap();
    std::fs::write(proj.join("more/extra.iamdsl"), "let extra = \"x\"\n").unwrap();
    let report = assert_refused(
        root.path(),
        root.path(),
        &["build", "proj", "-o", "proj/more", "--force"],
        "E0801",
    );
    assert!(
        report.contains("holds `extra.iamdsl`, a source of the project"),
        "{report}"
    );
    std::fs::remove_dir_all(proj.join("more")).unwrap();
    // A link to the project is the project.
    std::os::unix::fs::symlink(&proj, root.path().join("link")).unwrap();
    assert_refused(
        root.path(),
        root.path(),
        &["build", "proj", "-o", "link", "--force"],
        "E0801",
    );
}

#[test]
fn build_refuses_an_output_with_foreign_files_and_force_replaces_it_but_not_the_inputs() {
    let root = user_folder();
    let out = root.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("report.docx"), "not from iamdsl").unwrap();
    let report = assert_refused(
        root.path(),
        root.path(),
        &["build", "proj", "-o", "out"],
        "E0802",
    );
    assert!(
        report.contains("the output directory `out` holds files that iamdsl did not write"),
        "{report}"
    );
    assert!(report.contains("`report.docx`"), "{report}");
    assert!(report.contains("--force"), "{report}");
    // A file where the output directory would be.
    std::fs::write(root.path().join("out.json"), "{}").unwrap();
    assert_refused(
        root.path(),
        root.path(),
        &["build", "proj", "-o", "out.json"],
        "E0802",
    );

    let forced = iamdsl(root.path(), &["build", "proj", "-o", "out", "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(!out.join("report.docx").exists());
    assert!(out.join("build-info.json").exists());
    assert_eq!(
        std::fs::read_to_string(root.path().join("proj/main.iamdsl")).unwrap(),
        SMALL_PROJECT
    );
    assert_eq!(
        std::fs::read_to_string(root.path().join("notes.txt")).unwrap(),
        "my notes\n"
    );
}

#[test]
fn a_previous_build_with_resource_policies_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let first = build_example(dir.path());
    assert!(
        first.keys().any(|path| path.contains("/resources/")),
        "the example declares resource policies: {:?}",
        first.keys().collect::<Vec<_>>()
    );
    // The second build replaces the first, `resources/` included, and writes the same bytes.
    assert_eq!(build_example(dir.path()), first);
    // A file someone added among the resource policies is not the build's: never replaced.
    let added = dir.path().join("out/prod/resources/hand-written.json");
    std::fs::write(&added, "{}").unwrap();
    let report = assert_refused(
        dir.path(),
        &repo_root(),
        &[
            "build",
            "examples/platform",
            "-o",
            dir.path().join("out").to_str().unwrap(),
        ],
        "E0802",
    );
    assert!(
        report.contains("files where `build-info.json` counts"),
        "{report}"
    );
    assert_eq!(std::fs::read_to_string(&added).unwrap(), "{}");
}

#[test]
fn a_previous_build_is_replaced_unless_it_received_other_files_since() {
    let root = user_folder();
    let out = root.path().join("out");
    // Absent, then empty, then a previous build: all replaced.
    let first = iamdsl(root.path(), &["build", "proj", "-o", "out"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let again = iamdsl(root.path(), &["build", "proj", "-o", "out"]);
    assert!(again.status.success(), "{}", stderr(&again));
    std::fs::create_dir(root.path().join("empty")).unwrap();
    let empty = iamdsl(root.path(), &["build", "proj", "-o", "empty"]);
    assert!(empty.status.success(), "{}", stderr(&empty));

    // A file outside the build's layout, then one inside it: no longer only a build.
    std::fs::write(out.join("notes.md"), "mine").unwrap();
    let report = assert_refused(
        root.path(),
        root.path(),
        &["build", "proj", "-o", "out"],
        "E0802",
    );
    assert!(report.contains("`notes.md`"), "{report}");
    std::fs::remove_file(out.join("notes.md")).unwrap();
    std::fs::create_dir(out.join("policies")).unwrap();
    std::fs::write(out.join("policies/hand-written.json"), "{}").unwrap();
    let report = assert_refused(
        root.path(),
        root.path(),
        &["build", "proj", "-o", "out"],
        "E0802",
    );
    assert!(
        report.contains("4 files where `build-info.json` counts the 3 the build wrote"),
        "{report}"
    );
    // A `build-info.json` some other tool wrote is not a build of iamdsl's.
    std::fs::remove_dir_all(out.join("policies")).unwrap();
    let info = std::fs::read_to_string(out.join("build-info.json")).unwrap();
    std::fs::write(
        out.join("build-info.json"),
        info.replace("\"iamdsl ", "\"other "),
    )
    .unwrap();
    assert_refused(
        root.path(),
        root.path(),
        &["build", "proj", "-o", "out"],
        "E0802",
    );
}

#[test]
fn import_never_overwrites_a_file_it_did_not_write() {
    let root = tempfile::tempdir().unwrap();
    // Twelve managed policies on a role: over the default quota, so import writes an
    // `iamdsl.toml` that raises it.
    let attached: Vec<serde_json::Value> = (0..12)
        .map(|i| serde_json::json!({"PolicyName": format!("P{i}"), "PolicyArn": format!("arn:aws:iam::aws:policy/ReadOnly{i}")}))
        .collect();
    let state = serde_json::json!({
        "UserDetailList": [], "GroupDetailList": [], "Policies": [],
        "RoleDetailList": [{
            "Path": "/", "RoleName": "app", "Arn": "arn:aws:iam::111111111111:role/app",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "InstanceProfileList": [], "RolePolicyList": [], "AttachedManagedPolicies": attached,
        }],
    });
    std::fs::write(root.path().join("state.json"), state.to_string()).unwrap();
    let existing = root.path().join("existing");
    std::fs::create_dir(&existing).unwrap();
    std::fs::write(existing.join("iamdsl.toml"), "# my settings\n").unwrap();
    std::fs::write(existing.join("README.md"), "mine\n").unwrap();
    let before = tree_bytes(root.path());
    let output = iamdsl(root.path(), &["import", "state.json", "-o", "existing"]);
    let report = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(
        report.contains(
            "error[E0802]: `existing` already holds `iamdsl.toml`, which would be overwritten"
        ),
        "{report}"
    );
    assert_eq!(tree_bytes(root.path()), before);

    // Into a folder that holds other files but none of those it writes, it adds them.
    std::fs::remove_file(existing.join("iamdsl.toml")).unwrap();
    let output = iamdsl(root.path(), &["import", "state.json", "-o", "existing"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(existing.join("README.md")).unwrap(),
        "mine\n"
    );
    assert!(existing.join("iamdsl.toml").exists());
}
