//! Proof that imported source builds back to the deployed state: it is compiled by the
//! analysis `build` uses, its entities diffed against the state, its resources compared by ARN.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use iamdsl_compiler::config::Quotas;
use iamdsl_policy::authz::{AuthorizationDetails, ResourcePolicyState};
use iamdsl_policy::{NameSet, PolicyDocument, ResourceBlock};

use super::{format_all, Names};

/// An entity that did not compile back to what was deployed (or did not compile).
#[derive(Debug)]
pub(crate) struct Mismatch {
    pub kind: String,
    pub name: String,
    why: String,
}

pub(crate) fn describe(mismatches: &[Mismatch]) -> String {
    let mut out = String::from("the imported source does not build back to the deployed state:");
    for m in mismatches {
        let _ = write!(out, "\n  {} {}: {}", m.kind, m.name, m.why);
    }
    out
}

/// What a verified import needs of the quotas.
pub(crate) struct Verified {
    pub usage: Quotas,
    pub over_quota: Vec<String>,
}

/// [`verify`], first marking each statement that lets anyone in with
/// `#[allow(public_resource_policy)]`: deployed state holds such grants, and `check` judges
/// which ones are public (the lint, an error by default).
pub(crate) fn verify_allowing_public(
    mut files: BTreeMap<String, String>,
    deployed: &AuthorizationDetails,
    owned: &[String],
    names: &Names,
    region: Option<&str>,
) -> Result<Verification, String> {
    // Once is enough: the lint does not depend on other statements.
    for _ in 0..2 {
        match verify(&files, deployed, owned, names, region) {
            Outcome::Public(places) => files = allow_public(files, places)?,
            Outcome::Verified(verified) => {
                return Ok(Verification {
                    files,
                    verified: Ok(verified),
                })
            }
            Outcome::Mismatches(mismatches) => {
                return Ok(Verification {
                    files,
                    verified: Err(mismatches),
                })
            }
        }
    }
    Err("internal error: the imported source still has public grants without `#[allow(public_resource_policy)]`".into())
}

/// `#[allow(public_resource_policy)]` before each statement the lint was at (path, byte
/// offset), then formatted: a one-line block opens, so that the attribute is the statement's.
fn allow_public(
    mut files: BTreeMap<String, String>,
    mut places: Vec<(String, usize)>,
) -> Result<BTreeMap<String, String>, String> {
    places.sort();
    places.dedup();
    for (path, offset) in places.into_iter().rev() {
        if let Some(text) = files.get_mut(&path).filter(|t| t.is_char_boundary(offset)) {
            text.insert_str(offset, "#[allow(public_resource_policy)]\n");
        }
    }
    format_all(files)
}

/// The files as verified (public grants marked), and what verifying them came to.
pub(crate) struct Verification {
    pub files: BTreeMap<String, String>,
    pub verified: Result<Verified, Vec<Mismatch>>,
}

/// What compiling the imported source came to.
enum Outcome {
    Verified(Verified),
    /// Statements the `public_resource_policy` lint refused: (path, byte offset).
    Public(Vec<(String, usize)>),
    Mismatches(Vec<Mismatch>),
}

/// Compiles the files with the analysis `build` uses and diffs the result against `deployed`.
/// Quotas are not held to here (what is deployed is imported as it is): the result says which
/// entities are over the defaults, and how far the quotas must be raised.
fn verify(
    files: &BTreeMap<String, String>,
    deployed: &AuthorizationDetails,
    owned: &[String],
    names: &Names,
    region: Option<&str>,
) -> Outcome {
    let config = iamdsl_compiler::config::Config {
        quotas: Quotas::uniform(usize::MAX),
        defaults: iamdsl_compiler::config::Defaults {
            region: region.map(str::to_string),
            partition: None,
        },
        ..Default::default()
    };
    let project = iamdsl_compiler::Project::in_memory(
        files
            .iter()
            .map(|(path, text)| (path.clone(), text.clone()))
            .collect(),
        config,
    );
    let analysis = iamdsl_compiler::analyze(&project);
    let public: Vec<(String, usize)> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.code == iamdsl_diagnostics::codes::PUBLIC_RESOURCE_POLICY && d.is_error())
        .filter_map(|d| {
            let label = d.primary.as_ref()?;
            let source = project.sources.get(label.file)?;
            Some((source.name.clone(), label.span.start as usize))
        })
        .collect();
    if !public.is_empty() {
        return Outcome::Public(public);
    }
    let mut mismatches = Vec::new();
    for diagnostic in analysis.diagnostics.iter().filter(|d| d.is_error()) {
        let (kind, name) = diagnostic
            .primary
            .as_ref()
            .and_then(|label| {
                entity_at(files, &project, label.file, label.span.start as usize)
                    .and_then(|ident| names.entity(&ident))
            })
            .unwrap_or_else(|| ("project".to_string(), String::new()));
        // The label says what is wrong: "an ARN has six parts separated by `:`".
        let detail = diagnostic
            .primary
            .as_ref()
            .map(|label| format!(": {}", label.message))
            .unwrap_or_default();
        mismatches.push(Mismatch {
            kind,
            name,
            why: format!("{}: {}{detail}", diagnostic.code, diagnostic.message),
        });
    }
    if !mismatches.is_empty() {
        return Outcome::Mismatches(mismatches);
    }
    let built = iamdsl_compiler::bundle::built_counterpart(&analysis.model, deployed);
    let scope = iamdsl_diff::Scope {
        paths: Vec::new(),
        names: owned.to_vec(),
    };
    let report = iamdsl_diff::diff(&built, deployed, &scope);
    for entity in report.entities {
        // Resources are compared below, by ARN.
        let identity = matches!(entity.kind, "user" | "group" | "role" | "policy");
        if entity.change == iamdsl_diff::Change::Unmanaged || !identity {
            continue;
        }
        mismatches.push(Mismatch {
            kind: entity.kind.to_string(),
            name: entity.name,
            why: format!(
                "{}: {}\n{}",
                entity.change.as_str(),
                entity.summary.join("; "),
                entity.diff
            ),
        });
    }
    mismatches.extend(resource_mismatches(&built, deployed));
    if !mismatches.is_empty() {
        return Outcome::Mismatches(mismatches);
    }
    let over_quota = iamdsl_compiler::quotas::quota_violations(&analysis.model, &Quotas::default())
        .into_iter()
        .map(|d| d.message)
        .collect();
    Outcome::Verified(Verified {
        usage: iamdsl_compiler::quotas::quota_usage(&analysis.model),
        over_quota,
    })
}

/// The resources whose built policy is not the deployed one. A policy the state could not read
/// is imported as none, and not compared.
fn resource_mismatches(
    built: &AuthorizationDetails,
    deployed: &AuthorizationDetails,
) -> Vec<Mismatch> {
    let mut mismatches = Vec::new();
    for resource in &deployed.resources {
        let mismatch = |why: String| Mismatch {
            kind: "resource".into(),
            name: resource.arn.clone(),
            why,
        };
        let Some(ours) = built
            .resources
            .iter()
            // By name: a secret's deployed ARN has a suffix the built one leaves as a pattern.
            .find(|b| {
                b.kind == resource.kind && b.name == resource.name && b.account == resource.account
            })
        else {
            mismatches.push(mismatch(format!(
                "not built (a {} named `{}`)",
                resource.kind, resource.name
            )));
            continue;
        };
        let same = match (&ours.policy, &resource.policy) {
            (_, ResourcePolicyState::Unknown(_)) => true,
            (ResourcePolicyState::Absent, ResourcePolicyState::Absent) => true,
            (ResourcePolicyState::Document(a), ResourcePolicyState::Document(b)) => {
                same_resource_policy(&resource.kind, a, b)
            }
            _ => false,
        };
        if !same {
            let text = |state: &ResourcePolicyState| match state {
                ResourcePolicyState::Document(d) => iamdsl_policy::canonical::to_canonical_json(d),
                ResourcePolicyState::Absent => "no policy".to_string(),
                ResourcePolicyState::Unknown(why) => why.clone(),
            };
            mismatches.push(mismatch(format!(
                "builds to {}\nwhere the state holds {}",
                text(&ours.policy),
                text(&resource.policy)
            )));
        }
    }
    mismatches
}

/// Whether two canonical policies of a resource of `kind` are the same (origins aside). In a
/// policy whose statements name their resource as `*` (a key policy), a statement without
/// `Resource`, as older ECR repository policies are, says the same.
fn same_resource_policy(kind: &str, built: &PolicyDocument, deployed: &PolicyDocument) -> bool {
    use iamdsl_catalog::resource_policies::{resource_policy_kind_by_key, ResourceElement};
    use iamdsl_policy::canonical::{canonicalize_owned, to_canonical_json};
    let star_kind = resource_policy_kind_by_key(kind)
        .is_some_and(|k| k.resource_element != ResourceElement::Arn);
    let text = |document: &PolicyDocument| {
        let mut document = document.clone();
        if star_kind {
            for statement in &mut document.statements {
                if statement.resource.is_none() {
                    statement.resource =
                        Some(ResourceBlock::Resource(NameSet::from(["*".to_string()])));
                }
            }
        }
        to_canonical_json(&canonicalize_owned(document))
    };
    text(built) == text(deployed)
}

/// The identifier of the declaration around a byte offset of a generated file: the last line
/// before it that opens one (every declaration starts a line of its own).
fn entity_at(
    files: &BTreeMap<String, String>,
    project: &iamdsl_compiler::Project,
    file: iamdsl_diagnostics::FileId,
    offset: usize,
) -> Option<String> {
    let text = files.get(project.sources.get(file)?.name.as_str())?;
    // Up to the end of the offset's line: a diagnostic may point at the declaration's name.
    let end = text
        .get(offset..)?
        .find('\n')
        .map_or(text.len(), |i| offset + i);
    // Declarations start at column 0; `role …` inside a trust block is indented.
    text.get(..end)?.lines().rev().find_map(|line| {
        let mut words = line.split(' ');
        match words.next() {
            Some("policy" | "group" | "user" | "role" | "resource") => {
                words.next().map(str::to_string)
            }
            _ => None,
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// An ECR repository policy without `Resource` (older ones, and what moto stores) is the
    /// one iamdsl builds with `"Resource": "*"`; in a bucket policy a missing Resource is not.
    #[test]
    fn a_missing_resource_is_star_where_the_policy_names_its_resource_so() {
        let document = |resource: &str| {
            iamdsl_policy::reader::read_policy_text(&format!(
                r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
                "Principal": {{"AWS": "arn:aws:iam::222222222222:root"}}, "Action": "ecr:BatchGetImage"{resource}}}]}}"#
            ))
            .map(iamdsl_policy::canonical::canonicalize_owned)
            .unwrap()
        };
        let omitted = document("");
        let star = document(r#", "Resource": "*""#);
        assert!(same_resource_policy("ecr.repository", &star, &omitted));
        assert!(same_resource_policy("kms.key", &star, &omitted));
        assert!(!same_resource_policy("s3.bucket", &star, &omitted));
    }

    /// The first declaration of a file, and a `role …` trust entry inside it, which is not one.
    #[test]
    fn a_diagnostic_is_traced_to_the_declaration_around_it() {
        let text =
            "role first {\n  trust {\n    role arn(\"arn:aws:iam::111111111111:role/x\")\n  }\n}\n";
        let files = BTreeMap::from([("roles.iamdsl".to_string(), text.to_string())]);
        let project = iamdsl_compiler::Project::in_memory(
            vec![("roles.iamdsl".into(), text.into())],
            Default::default(),
        );
        let file = project.sources.ids().next().unwrap();
        let offset = text.find("arn(").unwrap();
        assert_eq!(
            entity_at(&files, &project, file, offset).as_deref(),
            Some("first")
        );
        // At the declaration's own name.
        assert_eq!(
            entity_at(&files, &project, file, "role ".len()).as_deref(),
            Some("first")
        );
    }
}
