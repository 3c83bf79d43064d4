//! What the compiler's tests share: a one-file project in eu-west-1, analysed.
#![allow(dead_code)]

use iamdsl_compiler::{analyze, config, Analysis, Project};

/// `source` as `main.iamdsl` of a project whose default region is eu-west-1, with `quotas`
/// (AWS's defaults when `None`).
pub fn analyze_with(source: &str, quotas: Option<config::Quotas>) -> Analysis {
    let config = config::Config {
        defaults: config::Defaults {
            region: Some("eu-west-1".into()),
            partition: None,
        },
        quotas: quotas.unwrap_or_default(),
        ..Default::default()
    };
    analyze(&Project::in_memory(
        vec![("main.iamdsl".into(), source.into())],
        config,
    ))
}

pub fn analyze_source(source: &str) -> Analysis {
    analyze_with(source, None)
}
