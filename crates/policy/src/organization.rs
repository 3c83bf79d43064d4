//! The organization as authorization sees it: a tree of the root, organizational units and
//! member accounts, and the service control policies (SCPs) and resource control policies
//! (RCPs) attached to its nodes. Built and deployed state share this shape (`Organization` in
//! the state file, docs/state.md), so that they compare, evaluate and import alike.
//!
//! What AWS documents and this module follows:
//! - "Service control policies (SCPs)", AWS Organizations User Guide
//!   (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html):
//!   `FullAWSAccess` is attached to every root, OU and account when SCPs are enabled; a node
//!   keeps at least one SCP. SCPs do not affect the management account, nor service-linked
//!   roles.
//! - "SCP evaluation" (…/orgs_manage_policies_scps_evaluation.html): a request is allowed only
//!   if an SCP at every level from the root down to the account allows it; a deny at any level
//!   decides.
//! - "Resource control policies (RCPs)" (…/orgs_manage_policies_rcps.html): `RCPFullAWSAccess`
//!   is attached to every node when RCPs are enabled and cannot be detached, so RCPs restrict by
//!   their denies; they apply to the resources of member accounts, not of the management
//!   account, and only for the services RCPs support.

use std::borrow::Cow;

use crate::canonical::document_json;
use crate::document::{ActionBlock, Effect, PolicyDocument, Principals, ResourceBlock, Statement};
use crate::json::Json;
use crate::NameSet;

/// The two kinds of organization policy that take part in authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrgPolicyKind {
    Scp,
    Rcp,
}

impl OrgPolicyKind {
    pub const ALL: [OrgPolicyKind; 2] = [OrgPolicyKind::Scp, OrgPolicyKind::Rcp];

    /// The keyword that declares one, and the folder of the build it is written to.
    pub fn keyword(self) -> &'static str {
        match self {
            OrgPolicyKind::Scp => "scp",
            OrgPolicyKind::Rcp => "rcp",
        }
    }

    /// How people call it: "SCP", "RCP".
    pub fn short(self) -> &'static str {
        match self {
            OrgPolicyKind::Scp => "SCP",
            OrgPolicyKind::Rcp => "RCP",
        }
    }

    /// The policy type in the Organizations API.
    pub fn api_type(self) -> &'static str {
        match self {
            OrgPolicyKind::Scp => "SERVICE_CONTROL_POLICY",
            OrgPolicyKind::Rcp => "RESOURCE_CONTROL_POLICY",
        }
    }

    pub fn from_api_type(text: &str) -> Option<OrgPolicyKind> {
        OrgPolicyKind::ALL
            .into_iter()
            .find(|kind| kind.api_type() == text)
    }

    /// The AWS managed policy of this kind that allows everything.
    pub fn full_access(self) -> &'static str {
        match self {
            OrgPolicyKind::Scp => "FullAWSAccess",
            OrgPolicyKind::Rcp => "RCPFullAWSAccess",
        }
    }
}

/// The AWS managed organization policies, by kind and name: their documents, as AWS publishes
/// them (`FullAWSAccess`: allow `*` on `*`; `RCPFullAWSAccess`: the same to `"Principal": "*"`).
pub fn aws_managed_org_policy(kind: OrgPolicyKind, name: &str) -> Option<PolicyDocument> {
    if name != kind.full_access() {
        return None;
    }
    let star = || NameSet::from(["*".to_string()]);
    let principal = match kind {
        OrgPolicyKind::Scp => None,
        // `"Principal": "*"`, as the reader keeps it.
        OrgPolicyKind::Rcp => Some(Principals(
            [("AWS".to_string(), star())].into_iter().collect(),
        )),
    };
    Some(PolicyDocument {
        statements: vec![Statement {
            sid: None,
            effect: Effect::Allow,
            principal,
            action: ActionBlock::Action(star()),
            resource: Some(ResourceBlock::Resource(star())),
            condition: Default::default(),
            origins: Vec::new(),
        }],
    })
}

/// An SCP or RCP of the organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgPolicy {
    pub kind: OrgPolicyKind,
    pub name: String,
    /// `p-…`, where the state was read from AWS.
    pub id: Option<String>,
    /// AWS's own (`FullAWSAccess`): a reference, never an entity of the project.
    pub aws_managed: bool,
    pub description: Option<String>,
    /// Canonical.
    pub document: PolicyDocument,
}

/// The policies attached to one node, by name, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attachments {
    pub scp: Vec<String>,
    pub rcp: Vec<String>,
}

impl Attachments {
    pub fn of(&self, kind: OrgPolicyKind) -> &[String] {
        match kind {
            OrgPolicyKind::Scp => &self.scp,
            OrgPolicyKind::Rcp => &self.rcp,
        }
    }

    pub fn of_mut(&mut self, kind: OrgPolicyKind) -> &mut Vec<String> {
        match kind {
            OrgPolicyKind::Scp => &mut self.scp,
            OrgPolicyKind::Rcp => &mut self.rcp,
        }
    }

    fn sort(&mut self) {
        for kind in OrgPolicyKind::ALL {
            let list = self.of_mut(kind);
            list.sort();
            list.dedup();
        }
    }
}

/// A member account where it sits in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgAccount {
    pub id: String,
    /// Its name in the organization, where known.
    pub name: Option<String>,
    pub attached: Attachments,
}

/// The root or an organizational unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgUnit {
    /// `Root` for the root.
    pub name: String,
    /// `r-…` or `ou-…`, where the state was read from AWS.
    pub id: Option<String>,
    pub attached: Attachments,
    /// Sorted by name.
    pub units: Vec<OrgUnit>,
    /// Sorted by id.
    pub accounts: Vec<OrgAccount>,
}

/// One level of the path from the root to an account, with the policies attached there.
#[derive(Debug, Clone, Copy)]
pub struct Level<'a> {
    /// "root", "OU security", "account 222222222222".
    pub label: &'a str,
    pub attached: &'a Attachments,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// `o-…`, where known.
    pub id: Option<String>,
    /// The management account's id.
    pub management: String,
    pub root: OrgUnit,
    /// Sorted by kind and name.
    pub policies: Vec<OrgPolicy>,
}

/// What a state knows of the organization: its shape, or why it could not be read (a member
/// account's credentials may not read it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrganizationState {
    Known(Organization),
    Unknown(String),
}

/// The path from the root to an account, as labels and attachments, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountPath {
    /// Root first, the account last.
    pub levels: Vec<(String, Attachments)>,
}

impl AccountPath {
    pub fn levels(&self) -> impl Iterator<Item = Level<'_>> {
        self.levels
            .iter()
            .map(|(label, attached)| Level { label, attached })
    }
}

impl Organization {
    /// Sorted everywhere: the order never depends on the source or the API.
    pub fn sort(&mut self) {
        fn sort_unit(unit: &mut OrgUnit) {
            unit.attached.sort();
            unit.units.sort_by(|a, b| a.name.cmp(&b.name));
            unit.accounts.sort_by(|a, b| a.id.cmp(&b.id));
            for account in &mut unit.accounts {
                account.attached.sort();
            }
            for child in &mut unit.units {
                sort_unit(child);
            }
        }
        sort_unit(&mut self.root);
        self.policies
            .sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    }

    pub fn policy(&self, kind: OrgPolicyKind, name: &str) -> Option<&OrgPolicy> {
        self.policies
            .iter()
            .find(|p| p.kind == kind && p.name == name)
    }

    /// The path from the root to `account`, `None` when it is not a member.
    pub fn path_to(&self, account: &str) -> Option<AccountPath> {
        fn find(unit: &OrgUnit, account: &str, path: &mut Vec<(String, Attachments)>) -> bool {
            let label = if path.is_empty() {
                "root".to_string()
            } else {
                format!("OU {}", unit.name)
            };
            path.push((label, unit.attached.clone()));
            if let Some(found) = unit.accounts.iter().find(|a| a.id == account) {
                let label = match &found.name {
                    Some(name) => format!("account {name} ({})", found.id),
                    None => format!("account {}", found.id),
                };
                path.push((label, found.attached.clone()));
                return true;
            }
            if unit.units.iter().any(|child| find(child, account, path)) {
                return true;
            }
            path.pop();
            false
        }
        let mut levels = Vec::new();
        find(&self.root, account, &mut levels).then_some(AccountPath { levels })
    }

    /// Every member account, in tree order.
    pub fn accounts(&self) -> Vec<&OrgAccount> {
        fn walk<'a>(unit: &'a OrgUnit, out: &mut Vec<&'a OrgAccount>) {
            out.extend(&unit.accounts);
            for child in &unit.units {
                walk(child, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }

    /// The state file's `Organization`: ids only where known, documents canonical.
    pub fn to_json(&self) -> Json<'_> {
        fn attachments(attached: &Attachments) -> Json<'_> {
            Json::Object(
                OrgPolicyKind::ALL
                    .into_iter()
                    .filter(|kind| !attached.of(*kind).is_empty())
                    .map(|kind| {
                        (
                            Cow::Borrowed(kind.api_type()),
                            Json::strings(attached.of(kind).iter().map(String::as_str)),
                        )
                    })
                    .collect(),
            )
        }
        fn unit(node: &OrgUnit) -> Json<'_> {
            let mut fields = vec![("Name".into(), Json::str(&node.name))];
            if let Some(id) = &node.id {
                fields.push(("Id".into(), Json::str(id)));
            }
            fields.push(("Policies".into(), attachments(&node.attached)));
            let accounts = node
                .accounts
                .iter()
                .map(|account| {
                    let mut f = vec![("Id".into(), Json::str(&account.id))];
                    if let Some(name) = &account.name {
                        f.push(("Name".into(), Json::str(name)));
                    }
                    f.push(("Policies".into(), attachments(&account.attached)));
                    Json::Object(f)
                })
                .collect();
            fields.push(("Accounts".into(), Json::Array(accounts)));
            fields.push((
                "OrganizationalUnits".into(),
                Json::Array(node.units.iter().map(unit).collect()),
            ));
            Json::Object(fields)
        }
        let mut fields = Vec::new();
        if let Some(id) = &self.id {
            fields.push(("Id".into(), Json::str(id)));
        }
        fields.push(("ManagementAccountId".into(), Json::str(&self.management)));
        fields.push(("Root".into(), unit(&self.root)));
        let policies = self
            .policies
            .iter()
            .map(|policy| {
                let mut f = vec![
                    ("Type".into(), Json::str(policy.kind.api_type())),
                    ("Name".into(), Json::str(&policy.name)),
                ];
                if let Some(id) = &policy.id {
                    f.push(("Id".into(), Json::str(id)));
                }
                f.push(("AwsManaged".into(), Json::Bool(policy.aws_managed)));
                if let Some(description) = &policy.description {
                    f.push(("Description".into(), Json::str(description)));
                }
                f.push(("Content".into(), document_json(&policy.document)));
                Json::Object(f)
            })
            .collect();
        fields.push(("Policies".into(), Json::Array(policies)));
        Json::Object(fields)
    }

    /// Reads the state file's `Organization` (what [`Organization::to_json`] writes; `Content`
    /// may also be the JSON text the API returns). Every attachment must name a policy of the
    /// organization.
    pub fn from_value(value: &serde_json::Value) -> Result<Organization, String> {
        use serde_json::Value;
        let place = "Organization";
        let object = value
            .as_object()
            .ok_or(format!("{place}: expected an object"))?;
        let root = object.get("Root").ok_or(format!("{place}.Root: missing"))?;
        let root = read_unit(root, &format!("{place}.Root"), 0)?;
        let mut policies = Vec::new();
        for (i, policy) in list(value, "Policies", place)?.iter().enumerate() {
            let here = format!("{place}.Policies[{i}]");
            let kind_text = text(policy, "Type", &here)?;
            let kind = OrgPolicyKind::from_api_type(&kind_text).ok_or(format!(
                "{here}.Type: `{kind_text}` is not SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY"
            ))?;
            let document = match policy.get("Content") {
                Some(Value::String(content)) => crate::reader::read_policy_text(content),
                Some(other) => crate::reader::read_policy(other),
                None => Err(format!("{here}.Content: missing")),
            }
            .map(crate::canonical::canonicalize_owned)
            .map_err(|e| format!("{here}.Content: {e}"))?;
            policies.push(OrgPolicy {
                kind,
                name: text(policy, "Name", &here)?,
                id: optional(policy, "Id"),
                aws_managed: policy
                    .get("AwsManaged")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                description: optional(policy, "Description").filter(|d| !d.is_empty()),
                document,
            });
        }
        let mut organization = Organization {
            id: optional(value, "Id"),
            management: text(value, "ManagementAccountId", place)?,
            root,
            policies,
        };
        organization.sort();
        organization.check_attachments()?;
        Ok(organization)
    }

    /// Every attachment names a policy of its kind that the organization holds.
    fn check_attachments(&self) -> Result<(), String> {
        let mut missing = None;
        let mut check = |label: &str, attached: &Attachments| {
            for kind in OrgPolicyKind::ALL {
                for name in attached.of(kind) {
                    if missing.is_none() && self.policy(kind, name).is_none() {
                        missing = Some(format!(
                            "Organization: {label} has the {} `{name}` attached, which Policies does not hold",
                            kind.short()
                        ));
                    }
                }
            }
        };
        fn walk(unit: &OrgUnit, check: &mut dyn FnMut(&str, &Attachments)) {
            check(&format!("`{}`", unit.name), &unit.attached);
            for account in &unit.accounts {
                check(&format!("account {}", account.id), &account.attached);
            }
            for child in &unit.units {
                walk(child, check);
            }
        }
        walk(&self.root, &mut check);
        missing.map_or(Ok(()), Err)
    }
}

impl OrganizationState {
    pub fn known(&self) -> Option<&Organization> {
        match self {
            OrganizationState::Known(organization) => Some(organization),
            OrganizationState::Unknown(_) => None,
        }
    }

    pub fn to_json(&self) -> Json<'_> {
        match self {
            OrganizationState::Known(organization) => organization.to_json(),
            OrganizationState::Unknown(why) => {
                Json::Object(vec![("Unknown".into(), Json::str(why.as_str()))])
            }
        }
    }

    pub fn from_value(value: &serde_json::Value) -> Result<OrganizationState, String> {
        if let Some(why) = value.get("Unknown") {
            let why = why
                .as_str()
                .unwrap_or("the organization could not be read")
                .to_string();
            return Ok(OrganizationState::Unknown(why));
        }
        Organization::from_value(value).map(OrganizationState::Known)
    }
}

// Reading the state's `Organization`: each helper names the place of what it refuses.

fn text(item: &serde_json::Value, key: &str, here: &str) -> Result<String, String> {
    item.get(key)
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .ok_or(format!("{here}.{key}: missing or not a string"))
}

fn optional(item: &serde_json::Value, key: &str) -> Option<String> {
    item.get(key)
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
}

fn list<'v>(
    item: &'v serde_json::Value,
    key: &str,
    here: &str,
) -> Result<&'v [serde_json::Value], String> {
    match item.get(key) {
        None | Some(serde_json::Value::Null) => Ok(&[]),
        Some(serde_json::Value::Array(items)) => Ok(items),
        Some(_) => Err(format!("{here}.{key}: expected a list")),
    }
}

fn attachments(item: &serde_json::Value, here: &str) -> Result<Attachments, String> {
    let mut attached = Attachments::default();
    let Some(policies) = item.get("Policies") else {
        return Ok(attached);
    };
    let policies = policies.as_object().ok_or(format!(
        "{here}.Policies: expected an object of policy types"
    ))?;
    for (key, names) in policies {
        let kind = OrgPolicyKind::from_api_type(key).ok_or(format!(
            "{here}.Policies.{key}: not a policy type (SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY)"
        ))?;
        let names = names
            .as_array()
            .ok_or(format!("{here}.Policies.{key}: expected a list of names"))?;
        for name in names {
            let name = name
                .as_str()
                .ok_or(format!("{here}.Policies.{key}: expected names"))?;
            attached.of_mut(kind).push(name.to_string());
        }
    }
    Ok(attached)
}

fn read_accounts(item: &serde_json::Value, here: &str) -> Result<Vec<OrgAccount>, String> {
    let mut out = Vec::new();
    for (i, account) in list(item, "Accounts", here)?.iter().enumerate() {
        let here = format!("{here}.Accounts[{i}]");
        let id = text(account, "Id", &here)?;
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{here}.Id: `{id}` is not a 12-digit account id"));
        }
        out.push(OrgAccount {
            id,
            name: optional(account, "Name"),
            attached: attachments(account, &here)?,
        });
    }
    Ok(out)
}

fn read_unit(item: &serde_json::Value, here: &str, depth: usize) -> Result<OrgUnit, String> {
    // AWS allows five levels of OUs below the root; a state far deeper than any AWS holds is
    // refused rather than read without bound.
    if depth > 64 {
        return Err(format!("{here}: organizational units nested too deep"));
    }
    let mut units = Vec::new();
    for (i, child) in list(item, "OrganizationalUnits", here)?.iter().enumerate() {
        units.push(read_unit(
            child,
            &format!("{here}.OrganizationalUnits[{i}]"),
            depth + 1,
        )?);
    }
    Ok(OrgUnit {
        name: optional(item, "Name").unwrap_or_else(|| "Root".into()),
        id: optional(item, "Id"),
        attached: attachments(item, here)?,
        units,
        accounts: read_accounts(item, here)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> serde_json::Value {
        serde_json::json!({
            "Id": "o-abcdefghij",
            "ManagementAccountId": "111111111111",
            "Root": {
                "Name": "Root", "Id": "r-ab12",
                "Policies": {"SERVICE_CONTROL_POLICY": ["FullAWSAccess", "deny_leaving"]},
                "Accounts": [{"Id": "111111111111", "Name": "management"}],
                "OrganizationalUnits": [{
                    "Name": "workloads",
                    "Policies": {"SERVICE_CONTROL_POLICY": ["FullAWSAccess"], "RESOURCE_CONTROL_POLICY": ["perimeter"]},
                    "Accounts": [{"Id": "222222222222", "Policies": {"SERVICE_CONTROL_POLICY": ["FullAWSAccess"]}}]
                }]
            },
            "Policies": [
                {"Type": "SERVICE_CONTROL_POLICY", "Name": "deny_leaving", "Content": "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"organizations:LeaveOrganization\",\"Resource\":\"*\"}}"},
                {"Type": "SERVICE_CONTROL_POLICY", "Name": "FullAWSAccess", "AwsManaged": true, "Content": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}},
                {"Type": "RESOURCE_CONTROL_POLICY", "Name": "perimeter", "Content": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}}
            ]
        })
    }

    #[test]
    fn reads_writes_and_reads_again_to_the_same_organization() {
        let organization = Organization::from_value(&sample()).unwrap();
        let text = organization.to_json().compact();
        let again: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(Organization::from_value(&again).unwrap(), organization);
        assert_eq!(organization.policies[0].name, "FullAWSAccess");
        assert!(organization.policies[0].aws_managed);
    }

    #[test]
    fn the_path_to_an_account_runs_from_the_root_through_its_units() {
        let organization = Organization::from_value(&sample()).unwrap();
        let path = organization.path_to("222222222222").unwrap();
        let labels: Vec<&str> = path.levels().map(|l| l.label).collect();
        assert_eq!(labels, ["root", "OU workloads", "account 222222222222"]);
        assert_eq!(
            path.levels[1].1.rcp,
            ["perimeter".to_string()],
            "the OU's RCP is on its level"
        );
        assert!(organization.path_to("999999999999").is_none());
    }

    #[test]
    fn an_attachment_of_a_policy_the_state_does_not_hold_is_refused() {
        let mut value = sample();
        value["Policies"].as_array_mut().unwrap().remove(0);
        let error = Organization::from_value(&value).unwrap_err();
        assert!(error.contains("`deny_leaving`"), "{error}");
    }

    #[test]
    fn a_member_account_records_why_the_organization_is_unknown() {
        let value = serde_json::json!({"Unknown": "AccessDeniedException"});
        let state = OrganizationState::from_value(&value).unwrap();
        assert_eq!(
            state,
            OrganizationState::Unknown("AccessDeniedException".into())
        );
        assert_eq!(
            state.to_json().compact(),
            r#"{"Unknown":"AccessDeniedException"}"#
        );
    }
}
