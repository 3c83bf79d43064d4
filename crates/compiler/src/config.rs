//! `iamdsl.toml`: what is not policy. It marks the project root (found by walking up from the
//! paths given), and holds defaults, lint levels and the diff scope.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use iamdsl_diagnostics::{codes, Diagnostic, FileId, Sources, Span};
use serde::Deserialize;

pub const MANIFEST: &str = "iamdsl.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub defaults: Defaults,
    /// Lint name to level.
    #[serde(default)]
    pub lints: BTreeMap<String, LintLevel>,
    #[serde(default)]
    pub diff: DiffScope,
    #[serde(default)]
    pub quotas: Quotas,
    #[serde(default)]
    pub apply: ApplySettings,
}

/// How `iamdsl apply` deploys (docs/apply.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApplySettings {
    /// Whether deletions run without `--allow-delete`.
    pub allow_delete: bool,
    /// How long a call may wait, retrying, for IAM to show what the same apply created
    /// (IAM is eventually consistent: <https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency>).
    pub wait_seconds: u64,
}

impl Default for ApplySettings {
    fn default() -> ApplySettings {
        ApplySettings {
            allow_delete: false,
            wait_seconds: 60,
        }
    }
}

/// AWS's IAM quotas that `check` and `build` hold the project to. The defaults are AWS's
/// defaults; an account whose quotas were raised through Service Quotas, or whose policies
/// predate a lower limit (`iamdsl import` writes these), sets its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Quotas {
    /// Characters of a managed policy document, white space not counted.
    pub managed_policy_size: usize,
    /// Characters of all inline policies of one role, together.
    pub role_inline_size: usize,
    pub group_inline_size: usize,
    pub user_inline_size: usize,
    /// Characters of a role's trust policy.
    pub trust_policy_size: usize,
    /// Managed policies attached to one role.
    pub role_managed_policies: usize,
    pub user_managed_policies: usize,
    pub group_managed_policies: usize,
    /// Groups one user is a member of.
    pub groups_per_user: usize,
    /// The size of each kind of resource policy (`iamdsl_catalog::resource_policies`: AWS's
    /// quota, and where AWS documents it, is in each kind's row).
    pub bucket_policy_size: usize,
    pub key_policy_size: usize,
    pub queue_policy_size: usize,
    pub topic_policy_size: usize,
    pub function_policy_size: usize,
    pub secret_policy_size: usize,
    pub repository_policy_size: usize,
}

impl Default for Quotas {
    fn default() -> Quotas {
        Quotas {
            managed_policy_size: 6_144,
            role_inline_size: 10_240,
            group_inline_size: 5_120,
            user_inline_size: 2_048,
            trust_policy_size: 2_048,
            role_managed_policies: 10,
            user_managed_policies: 10,
            group_managed_policies: 10,
            groups_per_user: 10,
            bucket_policy_size: 20_480,
            key_policy_size: 32_768,
            queue_policy_size: 8_192,
            topic_policy_size: 30_000,
            function_policy_size: 20_480,
            secret_policy_size: 20_480,
            repository_policy_size: 10_240,
        }
    }
}

impl Quotas {
    /// Every quota `value`: `0` to collect usage, `usize::MAX` for none.
    pub fn uniform(value: usize) -> Quotas {
        Quotas {
            managed_policy_size: value,
            role_inline_size: value,
            group_inline_size: value,
            user_inline_size: value,
            trust_policy_size: value,
            role_managed_policies: value,
            user_managed_policies: value,
            group_managed_policies: value,
            groups_per_user: value,
            bucket_policy_size: value,
            key_policy_size: value,
            queue_policy_size: value,
            topic_policy_size: value,
            function_policy_size: value,
            secret_policy_size: value,
            repository_policy_size: value,
        }
    }

    /// Each quota with its setting name, in the order `iamdsl.toml` lists them.
    pub fn settings(&self) -> [(&'static str, usize); 16] {
        [
            ("managed_policy_size", self.managed_policy_size),
            ("role_inline_size", self.role_inline_size),
            ("group_inline_size", self.group_inline_size),
            ("user_inline_size", self.user_inline_size),
            ("trust_policy_size", self.trust_policy_size),
            ("role_managed_policies", self.role_managed_policies),
            ("user_managed_policies", self.user_managed_policies),
            ("group_managed_policies", self.group_managed_policies),
            ("groups_per_user", self.groups_per_user),
            ("bucket_policy_size", self.bucket_policy_size),
            ("key_policy_size", self.key_policy_size),
            ("queue_policy_size", self.queue_policy_size),
            ("topic_policy_size", self.topic_policy_size),
            ("function_policy_size", self.function_policy_size),
            ("secret_policy_size", self.secret_policy_size),
            ("repository_policy_size", self.repository_policy_size),
        ]
    }

    /// The quota named by a resource policy kind's `quota_setting`.
    pub fn setting(&self, name: &str) -> Option<usize> {
        self.settings()
            .into_iter()
            .find(|(setting, _)| *setting == name)
            .map(|(_, value)| value)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Region for regional ARNs built without `region:`; without it they get `*` (and a lint).
    pub region: Option<String>,
    /// `aws` unless set (`aws-cn`, `aws-us-gov`).
    pub partition: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LintLevel {
    Allow,
    Warn,
    Deny,
}

/// What deployed entities the project owns: those outside are "unmanaged", never "removed".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffScope {
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub names: Vec<String>,
}

impl Config {
    pub fn partition(&self) -> &str {
        self.defaults.partition.as_deref().unwrap_or("aws")
    }
}

/// The nearest `iamdsl.toml` at or above `start`.
pub fn find_manifest(start: &Path) -> Option<PathBuf> {
    let start = if start.is_file() {
        start.parent()?
    } else {
        start
    };
    let start = start.canonicalize().ok()?;
    start
        .ancestors()
        .map(|dir| dir.join(MANIFEST))
        .find(|candidate| candidate.is_file())
}

/// Reads a manifest; the text goes into `sources` so that errors can point into it.
pub fn read_manifest(
    path: &Path,
    display_name: String,
    sources: &mut Sources,
) -> (Config, Vec<Diagnostic>) {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            let diagnostic = Diagnostic::error(
                codes::FILE_UNREADABLE,
                format!("cannot read `{display_name}`"),
            )
            .with_note(error.to_string());
            return (Config::default(), vec![diagnostic]);
        }
    };
    let file = sources.add(display_name, text);
    parse_manifest(sources.text(file), file)
}

pub fn parse_manifest(text: &str, file: FileId) -> (Config, Vec<Diagnostic>) {
    match toml::from_str::<Config>(text) {
        Ok(config) => {
            let mut diagnostics = Vec::new();
            if let Some(partition) = &config.defaults.partition {
                if !iamdsl_catalog::facts::PARTITIONS.contains(&partition.as_str()) {
                    let start = text.find(partition.as_str()).unwrap_or(0);
                    diagnostics.push(
                        Diagnostic::error(
                            codes::CONFIG,
                            format!("`{partition}` is not an AWS partition"),
                        )
                        .at(
                            file,
                            Span::new(start, start + partition.len()),
                            "under `[defaults]`",
                        )
                        .with_help(format!(
                            "the partitions are {}",
                            iamdsl_catalog::facts::PARTITIONS.join(", ")
                        )),
                    );
                }
            }
            if let Some(region) = &config.defaults.region {
                if !iamdsl_catalog::facts::is_region(region) {
                    let start = text.find(region.as_str()).unwrap_or(0);
                    diagnostics.push(
                        Diagnostic::error(
                            codes::CONFIG,
                            format!("`{region}` is not an AWS region"),
                        )
                        .at(
                            file,
                            Span::new(start, start + region.len()),
                            "under `[defaults]`",
                        )
                        .with_help("write a region such as \"eu-west-1\""),
                    );
                }
            }
            for name in config.lints.keys() {
                if codes::lint_by_name(name).is_none() {
                    // The key where it is set: at the start of a line, not in a comment.
                    let start = text
                        .match_indices(name.as_str())
                        .map(|(i, _)| i)
                        .find(|&i| {
                            text[..i]
                                .rsplit('\n')
                                .next()
                                .is_some_and(|before| before.trim().is_empty())
                        })
                        .unwrap_or(0);
                    let lints: Vec<&str> = codes::lint_names().collect();
                    let mut diagnostic =
                        Diagnostic::warning(codes::UNKNOWN_LINT, format!("unknown lint `{name}`"))
                            .at(
                                file,
                                Span::new(start, start + name.len()),
                                "no lint has this name",
                            );
                    diagnostic =
                        match iamdsl_diagnostics::suggest::closest(name, lints.iter().copied()) {
                            Some(close) => diagnostic.with_suggestion(
                                file,
                                Span::new(start, start + name.len()),
                                close,
                            ),
                            None => {
                                diagnostic.with_help(format!("the lints are {}", lints.join(", ")))
                            }
                        };
                    diagnostics.push(diagnostic);
                }
            }
            (config, diagnostics)
        }
        Err(error) => {
            let span = error
                .span()
                .map_or(Span::default(), |r| Span::new(r.start, r.end));
            let diagnostic = Diagnostic::error(
                codes::CONFIG,
                format!("`{MANIFEST}` is not valid: {}", error.message()),
            )
            .at(file, span, "here")
            .with_help("see docs/configuration.md for the settings iamdsl reads");
            (Config::default(), vec![diagnostic])
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The example of docs/configuration.md is a valid manifest, and its quotas are the defaults.
    #[test]
    fn the_documented_manifest_parses_to_the_default_quotas() {
        let doc = include_str!("../../../docs/configuration.md");
        let start = doc.find("```toml\n").unwrap() + "```toml\n".len();
        let example = &doc[start..start + doc[start..].find("```").unwrap()];
        let (config, diagnostics) = parse_manifest(example, FileId::default());
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(config.quotas, Quotas::default());
        assert_eq!(config.diff.names, vec!["legacy-admin"]);

        let (raised, _) =
            parse_manifest("[quotas]\nrole_managed_policies = 20\n", FileId::default());
        assert_eq!(raised.quotas.role_managed_policies, 20);
        assert_eq!(raised.quotas.trust_policy_size, 2048);
    }
}
