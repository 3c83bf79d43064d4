//! What a checked project means: accounts and IAM entities with their policy documents, ready to
//! be written as AWS JSON. Produced by the checker; consumed by build, diff, explain and the LSP.

use iamdsl_diagnostics::{FileId, Span};
use iamdsl_policy::{Origin, PolicyDocument};
pub use iamdsl_syntax::ast::DeclKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub id: String,
    pub default: bool,
}

/// A managed policy, group, user or role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub kind: DeclKind,
    /// The name in iamdsl source.
    pub ident: String,
    /// The name in AWS (the `name` property, else the identifier).
    pub name: String,
    pub path: String,
    pub account: Account,
    pub description: Option<String>,
    /// Where it is declared (the name).
    pub origin: Origin,
    /// The managed policy's document, or the principal's inline policy (canonical).
    pub document: PolicyDocument,
    /// Roles: who may assume it (canonical).
    pub trust: Option<PolicyDocument>,
    /// ARNs of attached managed policies (customer and AWS managed), sorted.
    pub managed: Vec<String>,
    /// ARN of the permissions boundary.
    pub boundary: Option<String>,
    /// Users: the groups they are in (AWS names), sorted.
    pub groups: Vec<String>,
    /// Roles: maximum session duration in seconds.
    pub max_session: Option<u32>,
    pub instance_profile: bool,
    /// Roles, users and managed policies: their tags, by key.
    pub tags: iamdsl_policy::authz::Tags,
}

impl Entity {
    /// A managed policy that only carries statements while they are lowered: what a
    /// resource's, an SCP's or an RCP's statements are written into.
    pub(crate) fn statement_holder(
        ident: &str,
        name: &str,
        account: Account,
        origin: Origin,
    ) -> Entity {
        Entity {
            kind: DeclKind::Policy,
            ident: ident.to_string(),
            name: name.to_string(),
            path: "/".into(),
            account,
            description: None,
            origin,
            document: PolicyDocument::default(),
            trust: None,
            managed: Vec::new(),
            boundary: None,
            groups: Vec::new(),
            max_session: None,
            tags: Default::default(),
            instance_profile: false,
        }
    }

    pub fn arn(&self, partition: &str) -> String {
        format!(
            "arn:{partition}:iam::{}:{}{}{}",
            self.account.id,
            self.kind.arn_kind(),
            self.path,
            self.name
        )
    }
}

/// A resource with a policy of its own: `resource logs = s3.bucket("acme-logs") { … }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub kind: &'static iamdsl_catalog::resource_policies::ResourcePolicyKind,
    /// The name in iamdsl source.
    pub ident: String,
    /// The name in its service: the bucket's, the key's id, the queue's.
    pub name: String,
    pub arn: String,
    pub account: Account,
    pub origin: Origin,
    /// Its policy (canonical); `None` when it is declared without one.
    pub policy: Option<PolicyDocument>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Model {
    pub partition: String,
    /// The AWS catalog the intents were expanded against.
    pub catalog_version: String,
    pub accounts: Vec<Account>,
    /// Sorted by kind, account and name.
    pub entities: Vec<Entity>,
    /// Sorted by account, kind and ARN.
    pub resources: Vec<Resource>,
    /// The organization the accounts belong to, with its SCPs and RCPs, where the project
    /// describes one.
    pub organization: Option<iamdsl_policy::organization::Organization>,
    /// The quotas of `iamdsl.toml` (AWS's defaults unless raised).
    pub quotas: crate::config::Quotas,
}

impl Model {
    pub fn entity(&self, kind: DeclKind, ident: &str) -> Option<&Entity> {
        self.entities
            .iter()
            .find(|e| e.kind == kind && e.ident == ident)
    }
}

pub(crate) fn origin(file: FileId, span: Span) -> Origin {
    Origin { file, span }
}
