//! Writing results: atomically, so that an interrupted or failed run never leaves a half-written
//! file behind, and never over anything iamdsl did not write.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use iamdsl_diagnostics::{codes, Diagnostic};

/// Replaces `path` with `contents` in one step: write a temporary file beside it, then rename.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(contents)?;
    temp.as_file().sync_all()?;
    // Keep the permissions of the file being replaced.
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(temp.path(), meta.permissions())?;
    }
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A new directory beside `target` that files are written into, then swapped in whole by
/// [`StagedDir::commit`]: a reader sees the old output or the new one, never a mix. Dropped
/// without a commit, it is removed and the old output stays as it was.
pub struct StagedDir {
    target: Target,
    parent: std::path::PathBuf,
    staging: tempfile::TempDir,
    /// Directories made so far: a build writes thousands of files into a few directories each.
    made: std::cell::RefCell<std::collections::HashSet<std::path::PathBuf>>,
}

impl StagedDir {
    pub fn new(target: &Target) -> std::io::Result<StagedDir> {
        let parent = target
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        std::fs::create_dir_all(&parent)?;
        let staging = tempfile::Builder::new()
            .prefix(".iamdsl-build-")
            .tempdir_in(&parent)?;
        Ok(StagedDir {
            target: target.clone(),
            parent,
            staging,
            made: Default::default(),
        })
    }

    pub fn write(&self, relative: &str, contents: &[u8]) -> std::io::Result<()> {
        let path = self.staging.path().join(relative);
        if let Some(dir) = path.parent() {
            if !self.made.borrow().contains(dir) {
                std::fs::create_dir_all(dir)?;
                self.made.borrow_mut().insert(dir.to_path_buf());
            }
        }
        std::fs::write(&path, contents)
    }

    pub fn commit(self) -> std::io::Result<()> {
        let (target, parent) = (self.target.path, self.parent);
        let staged = self.staging.keep();
        if target.symlink_metadata().is_ok() {
            let old = tempfile::Builder::new()
                .prefix(".iamdsl-old-")
                .tempdir_in(&parent)?
                .keep();
            std::fs::remove_dir(&old)?;
            std::fs::rename(&target, &old)?;
            if let Err(error) = std::fs::rename(&staged, &target) {
                // Put the previous output back before reporting.
                let _ = std::fs::rename(&old, &target);
                let _ = std::fs::remove_dir_all(&staged);
                return Err(error);
            }
            // `--force` may have replaced a file, or a link (removed, not followed).
            if old.symlink_metadata()?.is_dir() {
                std::fs::remove_dir_all(&old)?;
            } else {
                std::fs::remove_file(&old)?;
            }
        } else {
            std::fs::rename(&staged, &target)?;
        }
        Ok(())
    }
}

/// Writes all files into a new directory beside `target`, then swaps it in (see [`StagedDir`]).
pub fn replace_dir(target: &Target, files: &[(&str, &[u8])]) -> std::io::Result<()> {
    let staged = StagedDir::new(target)?;
    for (relative, contents) in files {
        staged.write(relative, contents)?;
    }
    staged.commit()
}

/// Adds files to `dir` (created if needed), each written atomically. Nothing that is there
/// already is replaced or deleted: when one of the files exists, nothing is written (E0802).
pub fn add_files(
    dir: &Path,
    files: &std::collections::BTreeMap<String, String>,
) -> Result<(), crate::Failure> {
    let cannot_write = |e: std::io::Error| format!("cannot write `{}`: {e}", dir.display());
    if dir.symlink_metadata().is_err() {
        // A new directory, written whole: the rule of every replaced output (which passes
        // anything absent) applies.
        let target = Target::check(dir, &[], false)?;
        let files: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(path, text)| (path.as_str(), text.as_bytes()))
            .collect();
        return Ok(replace_dir(&target, &files).map_err(cannot_write)?);
    }
    let existing: Vec<&String> = files
        .keys()
        .filter(|relative| dir.join(relative).symlink_metadata().is_ok())
        .collect();
    if let Some(first) = existing.first() {
        return Err(Diagnostic::error(
            codes::OUTPUT_NOT_OURS,
            format!(
                "`{}` already holds `{first}`, which would be overwritten",
                dir.display()
            ),
        )
        .with_note(format!(
            "{} of the {} files to write already exist{}; nothing was written",
            existing.len(),
            files.len(),
            if existing.len() == 1 { "s" } else { "" }
        ))
        .with_help("write into a new or empty directory")
        .into());
    }
    for (relative, text) in files {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(cannot_write)?;
        }
        write_atomic(&path, text.as_bytes()).map_err(cannot_write)?;
    }
    Ok(())
}

/// An output directory that the safety rule allows a run to replace; only through one can a
/// [`StagedDir`] be made. The rule: an output is never an input or a directory holding one (not
/// even with `--force`), and it is replaced only when it is absent, empty, or exactly a previous
/// build's output (its `build-info.json` and the files of that layout) — anything else only
/// with `--force`.
#[derive(Debug, Clone)]
pub struct Target {
    /// Absolute, links resolved: a link to a directory stands for that directory, and `.` or
    /// `..` have a parent to stage beside.
    path: PathBuf,
}

/// What `--force` says in a refusal's help.
const FORCE_HELP: &str = "choose another folder for `-o`, or pass `--force` to replace it (its files are deleted; inputs never are)";

impl Target {
    /// Checks `path` against the inputs the user gave (files or directories), before anything
    /// is built or written.
    pub fn check(path: &Path, inputs: &[PathBuf], force: bool) -> Result<Target, Diagnostic> {
        let resolved = resolve(path);
        for input in inputs {
            let input_resolved = resolve(input);
            if input_resolved.starts_with(&resolved) {
                let relation = if input_resolved == resolved {
                    format!("is the input `{}`", input.display())
                } else {
                    format!("contains the input `{}`", input.display())
                };
                return Err(Diagnostic::error(
                    codes::OUTPUT_HOLDS_INPUT,
                    format!(
                        "the output directory `{}` {relation}; replacing it would delete the sources",
                        path.display()
                    ),
                )
                .with_note(format!(
                    "`{}` is `{}`",
                    path.display(),
                    resolved.display()
                ))
                .with_help("choose another folder for `-o`, outside the inputs (not even `--force` replaces an input)"));
            }
        }
        // Inside an input directory, the output may hold that project's own sources, which
        // are inputs too: never replaced, not even with `--force`.
        let inside_input = inputs
            .iter()
            .any(|input| resolved.starts_with(resolve(input)));
        if inside_input {
            if let Some(source) = walk(&resolved).ok().and_then(|entries| {
                entries.into_iter().find(|entry| {
                    entry.ends_with(&format!(".{}", iamdsl_compiler::SOURCE_EXTENSION))
                        || entry == "iamdsl.toml"
                        || entry.ends_with("/iamdsl.toml")
                })
            }) {
                return Err(Diagnostic::error(
                    codes::OUTPUT_HOLDS_INPUT,
                    format!(
                        "the output directory `{}` holds `{source}`, a source of the project; replacing it would delete it",
                        path.display()
                    ),
                )
                .with_note(format!("`{}` is `{}`", path.display(), resolved.display()))
                .with_help("choose another folder for `-o`, outside the inputs (not even `--force` replaces an input)"));
            }
        }
        if force {
            return Ok(Target { path: resolved });
        }
        let Ok(meta) = resolved.metadata() else {
            return Ok(Target { path: resolved });
        };
        if !meta.is_dir() {
            return Err(Diagnostic::error(
                codes::OUTPUT_NOT_OURS,
                format!(
                    "the output `{}` is a file, not a directory iamdsl wrote",
                    path.display()
                ),
            )
            .with_help(FORCE_HELP));
        }
        match foreign_entries(&resolved) {
            Ok(foreign) if foreign.is_empty() => Ok(Target { path: resolved }),
            Ok(foreign) => {
                let mut shown: Vec<String> = foreign.iter().take(3).cloned().collect();
                if foreign.len() > 3 {
                    shown.push(format!("and {} more", foreign.len() - 3));
                }
                Err(Diagnostic::error(
                    codes::OUTPUT_NOT_OURS,
                    format!(
                        "the output directory `{}` holds files that iamdsl did not write",
                        path.display()
                    ),
                )
                .with_note(format!("not from a build: {}", shown.join(", ")))
                .with_help(FORCE_HELP))
            }
            Err(error) => Err(Diagnostic::error(
                codes::OUTPUT_NOT_OURS,
                format!(
                    "cannot tell what the output directory `{}` holds",
                    path.display()
                ),
            )
            .with_note(error.to_string())
            .with_help(FORCE_HELP)),
        }
    }
}

/// `path` made absolute with its links resolved; a path that does not exist yet is resolved
/// from its nearest existing ancestor.
fn resolve(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = existing.canonicalize() {
            let mut resolved = canonical;
            // What does not exist is no link: `..` there is taken as written.
            for component in rest.iter().rev() {
                match component {
                    Component::ParentDir => {
                        resolved.pop();
                    }
                    Component::CurDir => {}
                    other => resolved.push(other),
                }
            }
            return resolved;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

/// What in `dir` is not the output of a previous build, in words: every entry when it has no
/// `build-info.json` of iamdsl's; otherwise those outside that build's layout, or a count of
/// files other than the build wrote (a file added inside the layout).
fn foreign_entries(dir: &Path) -> std::io::Result<Vec<String>> {
    let all = walk(dir)?;
    let quoted = |entries: &[String]| entries.iter().map(|e| format!("`{e}`")).collect();
    if all.is_empty() {
        return Ok(all);
    }
    let info = std::fs::read_to_string(dir.join("build-info.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .filter(|info| {
            info["Generator"]
                .as_str()
                .is_some_and(|g| g.starts_with("iamdsl "))
        });
    let Some(info) = info else {
        return Ok(quoted(&all));
    };
    let bundles: Vec<&str> = info["Accounts"]
        .as_array()
        .map(|accounts| {
            accounts
                .iter()
                .filter_map(|a| a["Directory"].as_str())
                .collect()
        })
        .unwrap_or_default();
    let foreign: Vec<String> = all
        .iter()
        .filter(|entry| !in_build_layout(entry, &bundles))
        .cloned()
        .collect();
    let files = all.iter().filter(|e| !e.ends_with('/')).count();
    match info["Files"].as_u64() {
        Some(written) if written as usize != files && foreign.is_empty() => Ok(vec![format!(
            "{files} files where `build-info.json` counts the {written} the build wrote"
        )]),
        _ => Ok(quoted(&foreign)),
    }
}

/// Every entry below `dir`, relative, sorted; directories end in `/`. Links are not followed.
fn walk(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut entries = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(relative) = stack.pop() {
        for entry in std::fs::read_dir(dir.join(&relative))? {
            let entry = entry?;
            let path = relative.join(entry.file_name());
            let name = path.to_string_lossy().replace('\\', "/");
            if entry.file_type()?.is_dir() {
                entries.push(format!("{name}/"));
                stack.push(path);
            } else {
                entries.push(name);
            }
        }
    }
    entries.sort();
    Ok(entries)
}

/// Whether `entry` (relative, directories ending in `/`) is where a build writes: see
/// `bundle::build_into` for the layout.
fn in_build_layout(entry: &str, bundles: &[&str]) -> bool {
    if entry == "build-info.json" {
        return true;
    }
    let parts: Vec<&str> = entry.split('/').collect();
    bundles.iter().any(|bundle| {
        let inside: &[&str] = if bundle.is_empty() {
            &parts
        } else if parts.first() == Some(bundle) {
            &parts[1..]
        } else {
            return false;
        };
        match inside {
            [""] => true,
            ["account-authorization-details.json"] => true,
            ["policies" | "resources", ""] => true,
            ["policies" | "resources", name] => name.ends_with(".json"),
            [kind, rest @ ..] if ["roles", "groups", "users"].contains(kind) => {
                matches!(rest, [""] | [_, ""] | [_, "inline.json" | "trust.json"])
            }
            _ => false,
        }
    })
}
