//! Writing results: atomically, so that an interrupted or failed run never leaves a half-written
//! file behind.

use std::io::Write;
use std::path::Path;

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
    target: std::path::PathBuf,
    parent: std::path::PathBuf,
    staging: tempfile::TempDir,
    /// Directories made so far: a build writes thousands of files into a few directories each.
    made: std::cell::RefCell<std::collections::HashSet<std::path::PathBuf>>,
}

impl StagedDir {
    pub fn new(target: &Path) -> std::io::Result<StagedDir> {
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        std::fs::create_dir_all(&parent)?;
        let staging = tempfile::Builder::new()
            .prefix(".iamdsl-build-")
            .tempdir_in(&parent)?;
        Ok(StagedDir {
            target: target.to_path_buf(),
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
        let (target, parent) = (self.target, self.parent);
        let staged = self.staging.keep();
        if target.exists() {
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
            std::fs::remove_dir_all(&old)?;
        } else {
            std::fs::rename(&staged, &target)?;
        }
        Ok(())
    }
}

/// Writes all files into a new directory beside `target`, then swaps it in (see [`StagedDir`]).
pub fn replace_dir(target: &Path, files: &[(&str, &[u8])]) -> std::io::Result<()> {
    let staged = StagedDir::new(target)?;
    for (relative, contents) in files {
        staged.write(relative, contents)?;
    }
    staged.commit()
}

/// Adds files to `dir` (created if needed), each replaced atomically; other files stay.
pub fn write_tree_atomic(
    dir: &Path,
    files: &std::collections::BTreeMap<String, String>,
) -> std::io::Result<()> {
    if !dir.exists() {
        let files: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(path, text)| (path.as_str(), text.as_bytes()))
            .collect();
        return replace_dir(dir, &files);
    }
    for (relative, text) in files {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        write_atomic(&path, text.as_bytes())?;
    }
    Ok(())
}
