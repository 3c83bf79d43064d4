use std::path::{Path, PathBuf};

use iamdsl_diagnostics::{codes, Diagnostic, FileId, Sources};

pub const SOURCE_EXTENSION: &str = "iamdsl";

/// Larger files are refused: spans are 32-bit, and no policy source is this big.
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The files of a run, in a stable order (sorted by path), and the problems met loading them.
#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: Sources,
    /// For each loaded file, its path on disk.
    pub paths: Vec<(FileId, PathBuf)>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads every `.iamdsl` file below each path (a path that names a file is loaded whatever its
/// extension). Hidden directories, `target` and `node_modules` are skipped.
pub fn load(paths: &[PathBuf]) -> Loaded {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut loaded = Loaded::default();
    for path in paths {
        if path.is_file() {
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
        load_file(&mut loaded, path);
    }
    loaded
}

fn load_file(loaded: &mut Loaded, path: PathBuf) {
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
