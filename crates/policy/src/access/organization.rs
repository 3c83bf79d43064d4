//! The organization's guardrails as each request meets them: for a principal's account, the
//! SCPs of every level from the root to it; for a resource's account, the RCPs of every level.
//! Found once per account when the state is read.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::document::PolicyDocument;
use crate::eval::{Policy, PolicyKind};
use crate::organization::{aws_managed_org_policy, OrgPolicyKind, OrganizationState};

/// The policies attached at one level, each with its label.
#[derive(Debug, Clone)]
pub(crate) struct Level<'a> {
    /// "root", "OU workloads", "account prod (222222222222)".
    pub label: String,
    /// "SCP deny_leaving, attached to OU workloads".
    pub policies: Vec<(String, &'a PolicyDocument)>,
}

/// What a member account meets: its SCP and RCP levels.
#[derive(Debug, Clone, Default)]
struct Paths<'a> {
    scp: Vec<Level<'a>>,
    rcp: Vec<Level<'a>>,
}

#[derive(Debug, Default)]
pub(crate) struct Guardrails<'a> {
    /// Member accounts but the management account, which no SCP or RCP affects.
    by_account: HashMap<String, Paths<'a>>,
    /// Why the state does not know the organization, where a pull could not read it.
    pub unknown: Option<String>,
}

/// `FullAWSAccess` and `RCPFullAWSAccess`, as AWS publishes them.
fn full_access(kind: OrgPolicyKind) -> &'static PolicyDocument {
    static DOCUMENTS: OnceLock<[PolicyDocument; 2]> = OnceLock::new();
    let documents = DOCUMENTS.get_or_init(|| {
        OrgPolicyKind::ALL
            .map(|kind| aws_managed_org_policy(kind, kind.full_access()).unwrap_or_default())
    });
    match kind {
        OrgPolicyKind::Scp => &documents[0],
        OrgPolicyKind::Rcp => &documents[1],
    }
}

/// A level that has no SCP attached: nothing there allows (AWS keeps one attached to every
/// node while SCPs are enabled, so a state shows this only when it was edited by hand).
static NOTHING_ATTACHED: PolicyDocument = PolicyDocument {
    statements: Vec::new(),
};

impl<'a> Guardrails<'a> {
    pub fn new(state: Option<&'a OrganizationState>) -> Guardrails<'a> {
        let organization = match state {
            None => return Guardrails::default(),
            Some(OrganizationState::Unknown(why)) => {
                return Guardrails {
                    by_account: HashMap::new(),
                    unknown: Some(why.clone()),
                }
            }
            Some(OrganizationState::Known(organization)) => organization,
        };
        let mut by_account = HashMap::new();
        for account in organization.accounts() {
            if account.id == organization.management {
                continue;
            }
            let Some(path) = organization.path_to(&account.id) else {
                continue;
            };
            let mut paths = Paths::default();
            for kind in OrgPolicyKind::ALL {
                let mut levels = Vec::new();
                for level in path.levels() {
                    let mut policies: Vec<(String, &'a PolicyDocument)> = Vec::new();
                    for name in level.attached.of(kind) {
                        let document = organization
                            .policy(kind, name)
                            .map(|p| &p.document)
                            .unwrap_or(&NOTHING_ATTACHED);
                        policies.push((
                            format!("{} {name}, attached to the {}", kind.short(), level.label),
                            document,
                        ));
                    }
                    if kind == OrgPolicyKind::Rcp
                        && !level.attached.rcp.iter().any(|n| n == kind.full_access())
                    {
                        // "RCPFullAWSAccess … is attached to every root, OU and account and
                        // cannot be detached" (Organizations User Guide, RCPs): the state
                        // leaves it out, evaluation puts it back.
                        policies.push((
                            format!(
                                "RCP {}, attached to the {}",
                                kind.full_access(),
                                level.label
                            ),
                            full_access(kind),
                        ));
                    }
                    levels.push(Level {
                        label: level.label.to_string(),
                        policies,
                    });
                }
                // No SCP anywhere on the path: SCPs are not enabled.
                if kind == OrgPolicyKind::Scp && levels.iter().all(|l| l.policies.is_empty()) {
                    levels.clear();
                }
                for level in &mut levels {
                    if level.policies.is_empty() {
                        level.policies.push((
                            format!("no SCP attached to the {}", level.label),
                            &NOTHING_ATTACHED,
                        ));
                    }
                }
                match kind {
                    OrgPolicyKind::Scp => paths.scp = levels,
                    OrgPolicyKind::Rcp => paths.rcp = levels,
                }
            }
            by_account.insert(account.id.clone(), paths);
        }
        Guardrails {
            by_account,
            unknown: None,
        }
    }

    /// The SCP levels a principal's requests meet: none in the management account, outside
    /// the organization, or for a service-linked role ("SCPs don't affect service-linked
    /// roles", Organizations User Guide).
    pub fn scps(&self, principal_arn: &str, account: &str) -> &[Level<'a>] {
        // Asked of every request the escalation search makes: the map first, which is empty
        // without an organization.
        match self.by_account.get(account) {
            Some(paths) if !is_service_linked_role(principal_arn) => &paths.scp,
            _ => &[],
        }
    }

    /// The RCP levels a request on a resource of `account` meets: none for a resource of the
    /// management account or of an account outside the organization, for a service RCPs do
    /// not support, or for a service-linked role's request ("RCPs don't affect … service-linked
    /// roles", Organizations User Guide).
    pub fn rcps(&self, principal_arn: &str, account: Option<&str>, action: &str) -> &[Level<'a>] {
        let Some(paths) = account.and_then(|account| self.by_account.get(account)) else {
            return &[];
        };
        let service = action
            .split_once(':')
            .map_or(action, |(service, _)| service);
        // A wildcard service may name a supported one: the RCPs are evaluated, and only their
        // denies of the services they cover can match.
        let supported =
            service.contains(['*', '?']) || iamdsl_catalog::catalog().rcp_supports(service);
        if supported && !is_service_linked_role(principal_arn) {
            &paths.rcp
        } else {
            &[]
        }
    }
}

/// `arn:aws:iam::…:role/aws-service-role/…`: IAM's path for service-linked roles.
pub(crate) fn is_service_linked_role(arn: &str) -> bool {
    arn.contains(":role/aws-service-role/")
}

/// The evaluator's policies of `levels`, of `kind`.
pub(crate) fn level_policies<'p>(kind: PolicyKind, levels: &'p [Level<'_>]) -> Vec<Policy<'p>> {
    levels
        .iter()
        .flat_map(|level| {
            level.policies.iter().map(move |(label, document)| Policy {
                kind,
                label,
                document,
                account: None,
                level: Some(level.label.as_str()),
            })
        })
        .collect()
}
