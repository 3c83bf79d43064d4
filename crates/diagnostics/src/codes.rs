//! Every diagnostic code iamdsl emits, in one table. Codes are stable: a code is never reused for
//! another meaning. `docs/diagnostics.md` shows each with a wrong and a right example.
//!
//! Ranges: E00xx files and project, E01xx syntax, E02xx names, E03xx AWS catalog, E04xx values,
//! E06xx trust, E07xx expectations, E08xx command line (output directories, AWS connections,
//! `expand`, `--split`); W01xx lints (their `name` is the lint name used in `#[allow(…)]`).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: &'static str,
    /// Short kebab-case name, used as the SARIF rule name.
    pub name: &'static str,
    pub summary: &'static str,
}

macro_rules! codes {
    ($($ident:ident = $code:literal, $name:literal, $summary:literal;)*) => {
        $(pub const $ident: &str = $code;)*
        /// All codes, sorted.
        pub const CODES: &[CodeInfo] = &[$(CodeInfo { code: $code, name: $name, summary: $summary }),*];
    };
}

codes! {
    FILE_UNREADABLE = "E0001", "file-unreadable", "a source file or directory cannot be read";
    FILE_NOT_UTF8 = "E0002", "file-not-utf8", "a source file is not valid UTF-8";
    NO_SOURCES = "E0003", "no-sources", "no `.iamdsl` file was found at the given path";
    FILE_TOO_LARGE = "E0004", "file-too-large", "a source file is larger than iamdsl reads";
    CONFIG = "E0005", "invalid-config", "`iamdsl.toml` is not valid";
    SYNTAX = "E0101", "syntax-error", "the text does not follow the grammar";
    UNTERMINATED_STRING = "E0102", "unterminated-string", "a string literal is not closed on its line";
    UNTERMINATED_COMMENT = "E0103", "unterminated-comment", "a block comment is never closed";
    UNCLOSED_DELIMITER = "E0104", "unclosed-delimiter", "a bracket is opened and never closed";
    UNMATCHED_DELIMITER = "E0105", "unmatched-delimiter", "a closing bracket has no opening one";
    TOO_MANY_ERRORS = "E0106", "too-many-errors", "so many syntax errors that the rest are not shown";
    INVALID_ESCAPE = "E0107", "invalid-escape", "a string has an escape sequence that does not exist";
    DUPLICATE = "E0201", "duplicate-declaration", "two declarations have the same name";
    NOT_ALLOWED_HERE = "E0202", "statement-not-allowed", "a statement that this kind of declaration cannot hold";
    WRONG_KIND = "E0203", "wrong-kind", "a name of the wrong kind (a role where a policy is needed)";
    UNKNOWN_NAME = "E0204", "unknown-name", "a name that nothing declares";
    CROSS_ACCOUNT = "E0205", "cross-account-reference", "a reference that AWS only allows within one account";
    UNKNOWN_PROPERTY = "E0206", "unknown-property", "a property this declaration does not have";
    AMBIGUOUS_ACCOUNT = "E0207", "ambiguous-account", "a declaration whose account is not clear";
    NO_ACCOUNT = "E0208", "no-account", "principals and policies need a declared account";
    TEMPLATE_ARGUMENTS = "E0209", "template-arguments", "a template used with the wrong arguments";
    DUPLICATE_ACCOUNT_ID = "E0210", "duplicate-account-id", "two account names for one account id";
    RECURSIVE = "E0211", "recursive-definition", "a `let` or template that refers to itself";
    EMPTY_POLICY = "E0212", "empty-policy", "a managed policy without statements, which AWS rejects";
    UNKNOWN_MANAGED_POLICY = "E0213", "unknown-managed-policy", "`attach aws` or `boundary aws` names no AWS managed policy";
    SERVICE_LINKED_POLICY = "E0214", "service-linked-policy", "an AWS policy for service-linked roles, which AWS attaches to its own roles only";
    INVALID_TAG = "E0215", "invalid-tag", "a tag IAM does not accept: its key or value, or too many tags";
    UNKNOWN_SERVICE = "E0301", "unknown-service", "a service prefix the AWS catalog does not know";
    UNKNOWN_ACTION = "E0302", "unknown-action", "an action the AWS catalog does not know";
    UNKNOWN_RESOURCE_TYPE = "E0303", "unknown-resource-type", "a resource type the service does not have";
    CONSTRUCTOR_ARGUMENTS = "E0304", "constructor-arguments", "a resource constructor with the wrong arguments";
    ARN_MATCHES_NO_TYPE = "E0305", "arn-matches-no-type", "an ARN that fits no resource type of the catalog";
    INTENT_NEEDS_TYPE = "E0306", "intent-needs-resource-type", "an access level on a resource whose type is unknown";
    WILDCARD_MATCHES_NOTHING = "E0307", "wildcard-matches-nothing", "an action wildcard that matches no action";
    ACTION_NOT_APPLICABLE = "E0308", "action-not-applicable", "an action on a resource type it does not apply to";
    ACTION_NEEDS_STAR = "E0309", "action-needs-star", "an action without resource-level permissions on a specific resource";
    EXCEPT_WITHOUT_STAR = "E0310", "except-without-star", "`except` after something other than `*`";
    INTENT_EXPANDS_TO_NOTHING = "E0311", "intent-expands-to-nothing", "an access level that means no action on the resource";
    UNKNOWN_CONDITION_KEY = "E0312", "unknown-condition-key", "a condition key the AWS catalog does not know";
    KEY_NOT_APPLICABLE = "E0313", "condition-key-not-applicable", "a condition key of a service the statement does not use";
    WRONG_OPERATOR = "E0314", "wrong-operator", "an operator that does not fit the condition key's type";
    INVALID_CONDITION_VALUE = "E0315", "invalid-condition-value", "a condition value of the wrong form for its key";
    UNKNOWN_OPERATOR = "E0316", "unknown-operator", "a condition operator AWS does not have";
    REPEATED_CONDITION = "E0317", "repeated-condition", "one key tested twice with one operator, which AWS reads as either value";
    EXCEPT_STAR = "E0318", "except-everything", "`* except *` or `*` in an `except` list";
    MALFORMED_ARN = "E0401", "malformed-arn", "an ARN that is not well formed";
    INVALID_DURATION = "E0402", "invalid-duration", "a duration out of range or malformed";
    INVALID_ACCOUNT_ID = "E0403", "invalid-account-id", "an account id that is not 12 digits";
    INVALID_NAME = "E0404", "invalid-name", "a name or path AWS does not accept";
    INVALID_VALUE = "E0405", "invalid-value", "a value of the wrong kind for where it is used";
    INVALID_DATE = "E0406", "invalid-date", "a date that is not a real ISO-8601 date";
    POLICY_TOO_LARGE = "E0501", "policy-too-large", "a policy document over AWS's size quota";
    TOO_MANY_ATTACHMENTS = "E0502", "too-many-attachments", "more managed policies attached than AWS allows";
    WILDCARD_PRINCIPAL = "E0601", "wildcard-principal", "a trust policy that trusts everyone";
    INVALID_PRINCIPAL = "E0602", "invalid-principal", "a trusted principal that is not well formed";
    ROLE_WITHOUT_TRUST = "E0603", "role-without-trust", "a role that nobody may assume";
    EXPECTATION_FAILED = "E0701", "expectation-failed", "an `expect` that does not hold";
    OUTPUT_HOLDS_INPUT = "E0801", "output-holds-input", "an output directory that is or contains an input path";
    OUTPUT_NOT_OURS = "E0802", "output-not-ours", "an output directory that holds files iamdsl did not write";
    AWS_NO_CREDENTIALS = "E0803", "aws-no-credentials", "no AWS credentials were found";
    AWS_UNREACHABLE = "E0804", "aws-unreachable", "the AWS endpoint could not be reached";
    AWS_REFUSED = "E0805", "aws-refused", "AWS refused the request (access denied, expired credentials, throttling)";
    EXPAND_INPUT = "E0806", "expand-input", "`expand` was given something other than a statement without `allow`";
    CANNOT_SPLIT = "E0807", "cannot-split", "`--split` cannot split a policy without changing its meaning";
    UNKNOWN_ACCOUNT = "E0810", "unknown-account", "`diff --account` names no account the project declares";
    NOT_A_POLICY_RESOURCE = "E0901", "not-a-policy-resource", "a `resource` of a kind that has no policy of its own (or that iamdsl does not write)";
    RESOURCE_STATEMENT_WITHOUT_PRINCIPAL = "E0902", "resource-statement-without-principal", "a statement of a resource's policy that names no principal (`to …`)";
    PRINCIPAL_IN_IDENTITY_POLICY = "E0903", "principal-in-identity-policy", "`to …` in the policy of a user, group, role or managed policy";
    RESOURCE_OUTSIDE_POLICY = "E0905", "resource-outside-policy", "a resource policy statement names a resource other than the one the policy is attached to";
    WRONG_RESOURCE_PRINCIPAL = "E0906", "wrong-resource-principal", "a principal a resource policy cannot name (an identity provider, a group)";
    KEY_POLICY_LOCKOUT = "E0907", "key-policy-lockout", "a KMS key policy that lets nobody administer the key";
    NOT_STORABLE = "E0908", "not-storable", "a statement the resource's service cannot store (a `deny` in a Lambda function's permissions)";
    RESOURCE_NOT_CONCRETE = "E0909", "resource-not-concrete", "a declared resource whose ARN is a pattern (a region or name left as `*`)";
    PLAN_CANNOT_CHANGE = "E1001", "plan-cannot-change", "a change the build needs that IAM cannot make in place (a role's path, a managed policy's description)";
    PLAN_TOUCHES_UNMANAGED = "E1002", "plan-touches-unmanaged", "a deletion that would change an entity the project does not own";
    PLAN_FILE_INVALID = "E1003", "plan-file-invalid", "a plan file that iamdsl did not write, or of another format";
    PLAN_STALE = "E1004", "plan-stale", "a saved plan whose account state has changed since it was made";
    APPLY_NOT_APPROVED = "E1005", "apply-not-approved", "`apply` without approval (no `--auto-approve` and no terminal to ask on)";
    APPLY_FAILED = "E1006", "apply-failed", "an IAM call of `apply` that AWS refused";
    APPLY_ACCOUNT = "E1007", "apply-account", "the credentials' account is not one the project declares, or not the plan's";
    ORG_POLICY_PRINCIPAL = "E1101", "org-policy-principal", "a principal in an SCP (`to …`), or one other than `*` in an RCP";
    ORG_POLICY_ELEMENT = "E1102", "org-policy-element", "what AWS does not accept in an RCP: an `allow`, `* except …` (NotAction), the action `*`, a service RCPs do not apply to";
    ORG_TREE = "E1103", "org-tree", "an organization AWS cannot hold: two of them, an account in two places, OUs nested deeper than five, a management account that is not declared";
    ORG_ATTACHMENT = "E1104", "org-attachment", "an attachment AWS refuses: a policy of another kind, an unknown AWS managed policy, more policies on one node than its quota";
    ORG_DENIES_ALL = "E1105", "org-denies-all", "a node of the organization where no attached SCP allows anything: every request of the accounts below is denied";
    UNKNOWN_LINT = "W0100", "unknown-lint", "an attribute or setting names a lint that does not exist";
    WILDCARD_ACTION = "W0101", "wildcard_action", "`*` as an action in an allow";
    WILDCARD_RESOURCE = "W0102", "wildcard_resource", "write or permissions access on `*` where the actions take specific resources";
    PRIVILEGE_ESCALATION = "W0103", "privilege_escalation", "an action that lets a principal grant itself more";
    UNGUARDED_CROSS_ACCOUNT_TRUST = "W0104", "unguarded_cross_account_trust", "cross-account trust without ExternalId, MFA or organization condition";
    USER_POLICY = "W0105", "user_policy", "permissions given straight to a user instead of a group";
    ADMIN_WITHOUT_MFA = "W0106", "admin_without_mfa", "administrator access without an MFA condition";
    UNUSED = "W0107", "unused", "a declaration nothing uses";
    IMPLICIT_REGION = "W0108", "implicit_region", "a regional ARN built without a region, so it covers all regions";
    EXPIRED_GRANT = "W0109", "expired_grant", "an `until` date that has passed";
    HALF_CONFIGURED_ASSUME = "W0110", "half_configured_assume", "a trust entry without the identity permission to use it, or the reverse";
    MULTIVALUED_KEY = "W0111", "multivalued_key", "a multivalued condition key used without `any`/`all`, or the reverse";
    UNCHECKED_EXPECTATION = "W0112", "unchecked_expectation", "an `expect` iamdsl cannot decide: an AWS managed policy it does not hold could change the answer, or its `when` does not describe one request";
    UNGUARDED_OIDC_TRUST = "W0113", "unguarded_oidc_trust", "trust in an OIDC provider without a condition on the token's subject";
    UNCATALOGUED = "W0114", "uncatalogued", "a `#[verbatim]` statement names an action, service or condition key the catalog does not know";
    RETIRED_MANAGED_POLICY = "W0115", "retired_managed_policy", "an AWS managed policy that AWS has retired";
    ACCEPTED_BY_AWS = "W0116", "accepted_by_aws", "a `#[verbatim]` statement holds what the typed language refuses and AWS stores: an operator of another type than its key, an ARN of a form iamdsl does not take";
    UNLISTED_MANAGED_POLICY = "W0117", "unlisted_managed_policy", "the ARN of an AWS managed policy that iamdsl's data does not list";
    PUBLIC_RESOURCE_POLICY = "W0118", "public_resource_policy", "a resource policy lets anyone (`*`) in, with no condition that narrows who";
    CONFUSED_DEPUTY = "W0119", "confused_deputy", "a resource policy lets an AWS service in without `aws:SourceArn` or `aws:SourceAccount`";
    ONE_SIDED_GRANT = "W0120", "one_sided_grant", "a grant across accounts (or on a KMS key) that only one side allows: the identity policy or the resource's policy";
}

/// Lints: warnings with a name, silenced by `#[allow(name)]`, their level set in `iamdsl.toml`.
pub fn is_lint(code: &str) -> bool {
    code.starts_with('W') && code != UNKNOWN_LINT
}

/// The names of every lint, in the order of their codes.
pub fn lint_names() -> impl Iterator<Item = &'static str> {
    CODES
        .iter()
        .filter(|info| is_lint(info.code))
        .map(|info| info.name)
}

/// The code of a lint by its name (`wildcard_resource`).
pub fn lint_by_name(name: &str) -> Option<&'static CodeInfo> {
    CODES
        .iter()
        .find(|info| is_lint(info.code) && info.name == name)
}

/// The section of docs/diagnostics.md about `code`, as GitHub anchors its heading
/// (`## E0101 syntax-error`, `## W0101 \`wildcard_action\` (lint)`): lower case, words joined by
/// `-`, punctuation but `-` and `_` dropped.
pub fn doc_anchor(code: &str) -> String {
    let heading = match lookup(code) {
        Some(info) if is_lint(info.code) => format!("{} `{}` (lint)", info.code, info.name),
        Some(info) => format!("{} {}", info.code, info.name),
        None => code.to_string(),
    };
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// Where a code is explained: its section of docs/diagnostics.md in the project's repository.
pub fn help_uri(code: &str) -> String {
    format!(
        "{}/blob/main/docs/diagnostics.md#{}",
        env!("CARGO_PKG_REPOSITORY"),
        doc_anchor(code)
    )
}

pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    CODES.iter().find(|info| info.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_links_to_a_heading_of_the_diagnostics_doc() {
        let doc = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/diagnostics.md"),
        )
        .unwrap_or_default();
        for info in CODES {
            let heading = if is_lint(info.code) {
                format!("\n## {} `{}` (lint)\n", info.code, info.name)
            } else {
                format!("\n## {} {}\n", info.code, info.name)
            };
            assert!(
                doc.contains(&heading),
                "no heading {heading:?} in docs/diagnostics.md"
            );
        }
        assert_eq!(doc_anchor("E0101"), "e0101-syntax-error");
        assert_eq!(doc_anchor("W0101"), "w0101-wildcard_action-lint");
        assert!(help_uri("E0101").ends_with("/blob/main/docs/diagnostics.md#e0101-syntax-error"));
    }

    #[test]
    fn codes_are_unique_and_sorted() {
        for pair in CODES.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} is not before {}",
                pair[0].code,
                pair[1].code
            );
        }
        assert!(lint_by_name("wildcard_resource").is_some());
        assert!(lint_by_name("unknown-lint").is_none());
        let mut names: Vec<_> = CODES.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CODES.len(), "two codes share a name");
    }
}
