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
                if !crate::permissions::PARTITIONS.contains(&partition.as_str()) {
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
                            crate::permissions::PARTITIONS.join(", ")
                        )),
                    );
                }
            }
            if let Some(region) = &config.defaults.region {
                if !crate::permissions::is_region(region) {
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
                    let lints: Vec<&str> = codes::CODES
                        .iter()
                        .filter(|c| codes::is_lint(c.code))
                        .map(|c| c.name)
                        .collect();
                    let mut diagnostic =
                        Diagnostic::warning(codes::UNKNOWN_LINT, format!("unknown lint `{name}`"))
                            .at(
                                file,
                                Span::new(start, start + name.len()),
                                "no lint has this name",
                            );
                    diagnostic =
                        match iamdsl_diagnostics::suggest::closest(name, lints.iter().copied()) {
                            Some(close) => diagnostic.with_help(format!("did you mean `{close}`?")),
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
