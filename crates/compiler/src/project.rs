use std::path::{Path, PathBuf};

use iamdsl_diagnostics::{codes, Diagnostic, FileId, Sources};

use crate::config::{self, Config};
use crate::stdlib;

pub const SOURCE_EXTENSION: &str = "iamdsl";

/// Larger files are refused: spans are 32-bit, and no policy source is this big.
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// A project as loaded: its files in a stable order (sorted by path), the standard library, its
/// configuration, and the problems met loading them.
#[derive(Debug, Default)]
pub struct Project {
    pub sources: Sources,
    /// The project's own files, each with its path on disk.
    pub paths: Vec<(FileId, PathBuf)>,
    /// The standard library's files and module names.
    pub std_files: Vec<(FileId, String)>,
    pub config: Config,
    /// Where `iamdsl.toml` was found.
    pub manifest: Option<PathBuf>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Project {
    /// A project from texts in memory (the language server's open documents, `iamdsl expand`).
    pub fn in_memory(files: Vec<(String, String)>, config: Config) -> Project {
        let mut project = Project {
            config,
            ..Project::default()
        };
        for (name, text) in files {
            let path = PathBuf::from(&name);
            let id = project.sources.add(name, text);
            project.paths.push((id, path));
        }
        project.std_files = stdlib::add_to(&mut project.sources);
        project
    }

    /// The project's own files (not the standard library).
    pub fn files(&self) -> impl Iterator<Item = FileId> + '_ {
        self.paths.iter().map(|(id, _)| *id)
    }
}

/// Loads every `.iamdsl` file below each path (a path that names a file is loaded whatever its
/// extension). Hidden directories, `target` and `node_modules` are skipped.
pub fn load(paths: &[PathBuf]) -> Project {
    load_with(paths, &|_| None)
}

/// [`load`], taking a file's text from `overlay` when it has one (the language server's open
/// documents, which may differ from the disk or not exist there yet).
pub fn load_with(paths: &[PathBuf], overlay: &dyn Fn(&Path) -> Option<String>) -> Project {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut loaded = Project::default();
    if let Some((given, manifest)) = paths
        .first()
        .and_then(|p| Some((p, config::find_manifest(p)?)))
    {
        let name = manifest_display(given, &manifest);
        let (config, diagnostics) = config::read_manifest(&manifest, name, &mut loaded.sources);
        loaded.config = config;
        loaded.diagnostics.extend(diagnostics);
        loaded.manifest = Some(manifest);
    }
    for path in paths {
        if path.is_file() || overlay(path).is_some() {
            files.push(path.clone());
            continue;
        }
        if !path.exists() {
            loaded.diagnostics.push(
                Diagnostic::error(
                    codes::FILE_UNREADABLE,
                    format!("`{}` does not exist", display(path)),
                )
                .with_help("pass a `.iamdsl` file or a directory that holds some"),
            );
            continue;
        }
        let before = files.len();
        let walker = walkdir::WalkDir::new(path)
            .follow_links(true)
            .into_iter()
            .filter_entry(|entry| {
                let name = entry.file_name().to_string_lossy();
                entry.depth() == 0
                    || !(name.starts_with('.') || name == "target" || name == "node_modules")
            });
        for entry in walker {
            match entry {
                Ok(entry) => {
                    if entry.file_type().is_file()
                        && entry
                            .path()
                            .extension()
                            .is_some_and(|e| e == SOURCE_EXTENSION)
                    {
                        files.push(entry.into_path());
                    }
                }
                Err(error) => loaded.diagnostics.push(
                    Diagnostic::error(
                        codes::FILE_UNREADABLE,
                        format!(
                            "cannot read `{}`",
                            error.path().map_or_else(|| display(path), display)
                        ),
                    )
                    .with_note(error.to_string()),
                ),
            }
        }
        if files.len() == before {
            loaded.diagnostics.push(
                Diagnostic::error(
                    codes::NO_SOURCES,
                    format!("no `.{SOURCE_EXTENSION}` file below `{}`", display(path)),
                )
                .with_help(format!(
                    "iamdsl reads the files whose names end in `.{SOURCE_EXTENSION}`"
                )),
            );
        }
    }
    files.sort();
    files.dedup();
    for path in files {
        match overlay(&path) {
            Some(text) => {
                let id = loaded.sources.add(display(&path), text);
                loaded.paths.push((id, path));
            }
            None => load_file(&mut loaded, path),
        }
    }
    loaded.std_files = stdlib::add_to(&mut loaded.sources);
    loaded
}

/// How to name the manifest in messages: through the path the user gave when it is below it
/// (`platform/iamdsl.toml`), so that output does not depend on where the project lives.
fn manifest_display(given: &Path, manifest: &Path) -> String {
    let base = if given.is_file() {
        given.parent().unwrap_or(Path::new("."))
    } else {
        given
    };
    let below = base.canonicalize().ok().and_then(|canonical| {
        manifest
            .strip_prefix(canonical)
            .ok()
            .map(|rest| base.join(rest))
    });
    match below {
        Some(path) => display(&path),
        None => relative_display(manifest),
    }
}

/// A path for messages: relative to the working directory when it is below it.
fn relative_display(path: &Path) -> String {
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|d| d.canonicalize().ok());
    match cwd.as_deref().and_then(|cwd| path.strip_prefix(cwd).ok()) {
        Some(relative) => display(relative),
        None => display(path),
    }
}

fn load_file(loaded: &mut Project, path: PathBuf) {
    let name = display(&path);
    match std::fs::metadata(&path) {
        Ok(meta) if meta.len() > MAX_FILE_BYTES => {
            loaded.diagnostics.push(
                Diagnostic::error(
                    codes::FILE_TOO_LARGE,
                    format!("`{name}` is {} bytes, more than iamdsl reads", meta.len()),
                )
                .with_note(format!("the limit is {MAX_FILE_BYTES} bytes")),
            );
            return;
        }
        Ok(_) => {}
        Err(error) => {
            loaded.diagnostics.push(
                Diagnostic::error(codes::FILE_UNREADABLE, format!("cannot read `{name}`"))
                    .with_note(error.to_string()),
            );
            return;
        }
    }
    match std::fs::read(&path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => {
                let id = loaded.sources.add(name, text);
                loaded.paths.push((id, path));
            }
            Err(error) => {
                let offset = error.utf8_error().valid_up_to();
                let line = error
                    .as_bytes()
                    .iter()
                    .take(offset)
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1;
                loaded.diagnostics.push(
                    Diagnostic::error(codes::FILE_NOT_UTF8, format!("`{name}` is not valid UTF-8"))
                        .with_note(format!("the first byte that is not UTF-8 is at offset {offset} (line {line})"))
                        .with_help("save the file as UTF-8; iamdsl does not read other encodings or binary files"),
                );
            }
        },
        Err(error) => {
            loaded.diagnostics.push(
                Diagnostic::error(codes::FILE_UNREADABLE, format!("cannot read `{name}`"))
                    .with_note(error.to_string()),
            );
        }
    }
}

/// A path as shown in messages: as given, with `/` separators.
pub fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
