//! `iamdsl lsp`: a language server over stdio. It keeps open documents in memory (incremental
//! sync), re-runs the compiler's one analysis over the document's project after changes (and
//! when watched files change on disk) on a task of its own, analysing only the latest text of
//! changes that arrive meanwhile, and answers from the last finished snapshot without waiting:
//! diagnostics, hover, completion, navigation, rename, symbols, formatting, quick fixes,
//! semantic tokens and inlay hints.
//!
//! Only this crate knows LSP. Positions are UTF-16 code units, as the protocol wants.

mod convert;
pub mod features;
mod transport;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use iamdsl_compiler::{analyze_with, Analysis, Config, Project};
use iamdsl_diagnostics::FileId;
use iamdsl_syntax::{parse_cached, ParseCache};
use tower_lsp::jsonrpc::Result as RpcResult;
use tower_lsp::lsp_types::*;
use tower_lsp::{Client, LanguageServer, LspService};

/// One analysis of one project, and what the features need to answer from it.
pub struct Snapshot {
    pub project: Project,
    pub analysis: Analysis,
    pub urls: HashMap<FileId, Url>,
    /// Which project this is: the directory of its `iamdsl.toml` or of its files, or the URL of
    /// an unsaved document analysed alone.
    pub key: String,
    /// The files open in the editor, where diagnostics without a file of their own are shown.
    pub open: Vec<FileId>,
    /// The version of each open document as analysed, which its diagnostics are published for.
    pub versions: HashMap<Url, i32>,
}

impl Snapshot {
    /// Analyses the project of `path`, with the open `documents` in place of their files.
    pub fn build(path: &Path, documents: &HashMap<PathBuf, String>) -> Snapshot {
        Snapshot::build_cached(path, documents, &mut HashMap::new())
    }

    /// [`Snapshot::build`], reusing the trees of unchanged declarations of each file.
    pub fn build_cached(
        path: &Path,
        documents: &HashMap<PathBuf, String>,
        caches: &mut HashMap<String, ParseCache>,
    ) -> Snapshot {
        let open: Vec<PathBuf> = documents.keys().cloned().collect();
        let (root, paths) = project_paths(path, &open);
        let project = iamdsl_compiler::load_with(&paths, &|p: &Path| documents.get(p).cloned());
        let open = project
            .paths
            .iter()
            .filter(|(_, p)| documents.contains_key(p))
            .map(|(id, _)| *id)
            .collect();
        Snapshot::of(project, iamdsl_compiler::display(&root), open, caches)
    }

    /// A document that is not a file (`untitled:`), analysed alone with the default settings.
    pub fn build_alone(
        url: &Url,
        text: &str,
        caches: &mut HashMap<String, ParseCache>,
    ) -> Snapshot {
        let project =
            Project::in_memory(vec![(url.to_string(), text.to_string())], Config::default());
        let open = project.files().collect();
        Snapshot::of(project, url.to_string(), open, caches)
    }

    fn of(
        project: Project,
        key: String,
        open: Vec<FileId>,
        caches: &mut HashMap<String, ParseCache>,
    ) -> Snapshot {
        let analysis = analyze_with(&project, &mut |text, file| {
            let cache = caches
                .entry(project.sources.name(file).to_string())
                .or_default();
            parse_cached(text, file, cache)
        });
        let urls = project
            .files()
            .filter_map(|id| Some((id, convert::url_of(&project, id)?)))
            .collect();
        Snapshot {
            project,
            analysis,
            urls,
            key,
            open,
            versions: HashMap::new(),
        }
    }

    /// The diagnostics of every file of the project, as the server publishes them (sorted by URL).
    pub fn diagnostics(&self) -> Vec<(Url, Vec<tower_lsp::lsp_types::Diagnostic>)> {
        let project_wide = convert::project_diagnostics(&self.project, &self.analysis);
        let mut out: Vec<_> = self
            .urls
            .iter()
            .map(|(file, url)| {
                let mut diagnostics = Vec::new();
                if self.open.contains(file) {
                    diagnostics.extend(project_wide.iter().cloned());
                }
                diagnostics.extend(convert::diagnostics_of(
                    &self.project,
                    &self.analysis,
                    *file,
                ));
                (url.clone(), diagnostics)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    pub fn file_of(&self, url: &Url) -> Option<FileId> {
        self.urls.iter().find(|(_, u)| *u == url).map(|(id, _)| *id)
    }

    /// The file behind `url` and its parsed module, if the project holds it.
    pub fn module_of(&self, url: &Url) -> Option<(FileId, &iamdsl_syntax::ast::Module)> {
        let file = self.file_of(url)?;
        let (_, module) = self.analysis.modules.iter().find(|(f, _)| *f == file)?;
        Some((file, module))
    }
}

/// An open document: the editor's text wins over the disk.
struct Document {
    text: String,
    version: i32,
    /// The editor sent bytes that are not UTF-8 (read as U+FFFD).
    not_utf8: bool,
}

#[derive(Default)]
struct State {
    documents: HashMap<Url, Document>,
    /// The latest snapshot of the project of each open document.
    snapshots: HashMap<Url, Arc<Snapshot>>,
    /// Parsed declarations of each file, by file name, reused across edits.
    caches: HashMap<String, ParseCache>,
    /// The URLs each project's last diagnostics went to, so that a file that leaves the project
    /// (deleted, unreadable, closed unsaved) has its diagnostics cleared.
    published: HashMap<String, HashSet<Url>>,
    /// The client can be asked to watch files (`workspace/didChangeWatchedFiles`).
    can_watch_files: bool,
    /// Documents whose project must be analysed again, each with the count of changes at the
    /// time it was marked: an analysis that read the texts after that covers it.
    stale: BTreeMap<Url, u64>,
    changes: u64,
    /// The analysis task is running; it takes every stale document in turn, so that changes
    /// arriving meanwhile are analysed once, at their latest text.
    analysing: bool,
}

pub struct Backend {
    shared: Arc<Shared>,
}

/// What the handlers and the analysis task share.
struct Shared {
    client: Client,
    state: Mutex<State>,
    /// Filled by the transport, which alone sees the bytes of a message.
    not_utf8: transport::NotUtf8,
    /// Woken after each analysis, for a request waiting for a document's first snapshot.
    analysed: tokio::sync::Notify,
}

/// Serves LSP on standard input and output until the client says `exit` (or input ends);
/// returns the process's exit code: 0 after `shutdown`, 1 otherwise.
pub async fn serve_stdio() -> u8 {
    let (service, socket, not_utf8) = service();
    transport::serve_stdio(service, socket, not_utf8).await
}

/// Serves LSP on `input` (chunks of bytes, as read) and `output`, as [`serve_stdio`] does on
/// standard input and output: for benchmarks driving the server in process.
pub async fn serve(
    input: tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
    output: impl tokio::io::AsyncWrite + Unpin,
) -> u8 {
    let (service, socket, not_utf8) = service();
    transport::serve(input, output, service, socket, not_utf8).await
}

fn service() -> (
    LspService<Backend>,
    tower_lsp::ClientSocket,
    transport::NotUtf8,
) {
    let not_utf8 = transport::NotUtf8::default();
    let shared = not_utf8.clone();
    let (service, socket) = LspService::new(|client| Backend {
        shared: Arc::new(Shared {
            client,
            state: Mutex::new(State::default()),
            not_utf8: shared,
            analysed: tokio::sync::Notify::new(),
        }),
    });
    (service, socket, not_utf8)
}

/// The root of the project of `file` and the paths that make it up: the directory of the
/// nearest `iamdsl.toml`, else the file's own directory (its `.iamdsl` files only, not below: a
/// stray file in a home directory must not make the server read the whole disk).
fn project_paths(file: &Path, open: &[PathBuf]) -> (PathBuf, Vec<PathBuf>) {
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    // From the directory: the file itself may not be on disk yet.
    if let Some(manifest) = iamdsl_compiler::config::find_manifest(&dir) {
        if let Some(root) = manifest.parent() {
            let mut paths = vec![root.to_path_buf()];
            paths.extend(open.iter().filter(|p| p.starts_with(root)).cloned());
            return (root.to_path_buf(), paths);
        }
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file()
                        && p.extension()
                            .is_some_and(|e| e == iamdsl_compiler::SOURCE_EXTENSION)
                })
                .collect()
        })
        .unwrap_or_default();
    paths.extend(
        open.iter()
            .filter(|p| p.parent() == Some(dir.as_path()))
            .cloned(),
    );
    // A closed file that is not on disk (never saved, deleted) is no longer part of it.
    if file.exists() || open.iter().any(|p| p == file) {
        paths.push(file.to_path_buf());
    }
    paths.sort();
    paths.dedup();
    (dir, paths)
}

/// Applies the changes of one `didChange` to `text`, in order: a change with a range replaces
/// that range (UTF-16 positions, as the protocol counts), one without replaces the whole text.
fn apply_changes(text: &mut String, changes: Vec<TextDocumentContentChangeEvent>) {
    for change in changes {
        match change.range {
            Some(range) => {
                let start = convert::offset(text, range.start);
                let end = convert::offset(text, range.end).max(start);
                text.replace_range(start..end, &change.text);
            }
            None => *text = change.text,
        }
    }
}

impl Shared {
    /// Marks the project of `url` for analysis, and starts the analysis task unless it runs:
    /// it will read the latest texts when it comes to it.
    fn mark_stale(self: &Arc<Self>, url: Url) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        state.changes += 1;
        let mark = state.changes;
        state.stale.insert(url, mark);
        if !state.analysing {
            state.analysing = true;
            tokio::spawn(self.clone().analyse_stale());
        }
    }

    /// Analyses stale projects until none is left, publishing the diagnostics of each.
    async fn analyse_stale(self: Arc<Self>) {
        loop {
            let next = self.state.lock().ok().and_then(|mut state| {
                let next = state.stale.keys().next().cloned();
                if next.is_none() {
                    state.analysing = false;
                }
                next.map(|url| (url, state.changes))
            });
            let Some((url, read_at)) = next else {
                self.analysed.notify_waiters();
                return;
            };
            let shared = self.clone();
            let target = url.clone();
            // On a thread of its own: requests are answered meanwhile, from the last snapshot.
            let snapshot = tokio::task::spawn_blocking(move || shared.analyze(&target))
                .await
                .ok()
                .flatten();
            if let Ok(mut state) = self.state.lock() {
                // What changed before the texts were read is analysed; what changed since is not.
                let covered = |u: &Url| {
                    *u == url || snapshot.as_ref().is_some_and(|s| s.file_of(u).is_some())
                };
                state
                    .stale
                    .retain(|u, mark| !(covered(u) && *mark <= read_at));
            }
            if let Some(snapshot) = snapshot {
                self.publish(&snapshot).await;
            }
            self.analysed.notify_waiters();
        }
    }

    /// Publishes the diagnostics of each file of the snapshot's project, and clears those of
    /// files that left it.
    async fn publish(&self, snapshot: &Snapshot) {
        let mut published = snapshot.diagnostics();
        let cleared: Vec<Url> = {
            let Ok(mut state) = self.state.lock() else {
                return;
            };
            // A document analysed alone and closed since has had its diagnostics cleared.
            if snapshot.urls.values().all(|u| u.scheme() != "file")
                && !snapshot
                    .urls
                    .values()
                    .any(|u| state.documents.contains_key(u))
            {
                return;
            }
            for (file_url, diagnostics) in &mut published {
                let Some(document) = state.documents.get(file_url).filter(|d| d.not_utf8) else {
                    continue;
                };
                if let Some(file) = snapshot.file_of(file_url) {
                    diagnostics.insert(
                        0,
                        convert::not_utf8(&snapshot.project, file, &document.text),
                    );
                }
            }
            let now: HashSet<Url> = published.iter().map(|(u, _)| u.clone()).collect();
            let before = state
                .published
                .insert(snapshot.key.clone(), now.clone())
                .unwrap_or_default();
            let mut cleared: Vec<Url> = before.difference(&now).cloned().collect();
            cleared.sort();
            cleared
        };
        for file_url in cleared {
            self.client
                .publish_diagnostics(file_url, Vec::new(), None)
                .await;
        }
        for (file_url, diagnostics) in published {
            let version = snapshot.versions.get(&file_url).copied();
            self.client
                .publish_diagnostics(file_url, diagnostics, version)
                .await;
        }
    }

    fn analyze(&self, url: &Url) -> Option<Arc<Snapshot>> {
        let (documents, alone, versions) = {
            let state = self.state.lock().ok()?;
            let versions: HashMap<Url, i32> = state
                .documents
                .iter()
                .map(|(u, d)| (u.clone(), d.version))
                .collect();
            let documents: HashMap<PathBuf, String> = state
                .documents
                .iter()
                .filter(|(u, _)| u.scheme() == "file")
                .filter_map(|(u, d)| Some((u.to_file_path().ok()?, d.text.clone())))
                .collect();
            let alone = state.documents.get(url).map(|d| d.text.clone());
            (documents, alone, versions)
        };
        let mut caches = std::mem::take(&mut self.state.lock().ok()?.caches);
        let path = url.to_file_path().ok().filter(|_| url.scheme() == "file");
        let mut snapshot = match (path, alone) {
            (Some(path), _) => Snapshot::build_cached(&path, &documents, &mut caches),
            // Not a file (`untitled:`, …): the document alone.
            (None, Some(text)) => Snapshot::build_alone(url, &text, &mut caches),
            (None, None) => {
                self.state.lock().ok()?.caches = caches;
                return None;
            }
        };
        snapshot.versions = versions
            .into_iter()
            .filter(|(u, _)| snapshot.file_of(u).is_some())
            .collect();
        let snapshot = Arc::new(snapshot);
        let mut state = self.state.lock().ok()?;
        state.caches = caches;
        for file_url in snapshot.urls.values() {
            state.snapshots.insert(file_url.clone(), snapshot.clone());
        }
        state.snapshots.insert(url.clone(), snapshot.clone());
        Some(snapshot)
    }
}

impl Backend {
    /// The latest finished snapshot of the project of `url`, without waiting for an analysis
    /// in progress; only a document that has none yet waits for its first.
    async fn snapshot(&self, url: &Url) -> Option<Arc<Snapshot>> {
        loop {
            let analysed = self.shared.analysed.notified();
            let (cached, waiting) = {
                let state = self.shared.state.lock().ok()?;
                (
                    state.snapshots.get(url).cloned(),
                    state.stale.contains_key(url),
                )
            };
            match (cached, waiting) {
                (Some(snapshot), _) => return Some(snapshot),
                (None, true) => analysed.await,
                // Not open: analysed for this request.
                (None, false) => return self.shared.analyze(url),
            }
        }
    }

    /// The snapshot of the project of `url` once it holds the latest text of every open
    /// document of the project: what edits (rename) and places (definition, references) are
    /// computed on, since positions from an older text would land elsewhere in the newer one.
    async fn current_snapshot(&self, url: &Url) -> Option<Arc<Snapshot>> {
        loop {
            let analysed = self.shared.analysed.notified();
            let snapshot = self.snapshot(url).await?;
            let behind = {
                let state = self.shared.state.lock().ok()?;
                let outdated = snapshot.urls.values().any(|u| {
                    state
                        .documents
                        .get(u)
                        .is_some_and(|d| snapshot.versions.get(u) != Some(&d.version))
                });
                // Only while an analysis is to come: it will catch up.
                outdated && !state.stale.is_empty()
            };
            if !behind {
                return Some(snapshot);
            }
            analysed.await;
        }
    }

    fn text(&self, url: &Url) -> Option<String> {
        let state = self.shared.state.lock().ok()?;
        if let Some(document) = state.documents.get(url) {
            return Some(document.text.clone());
        }
        let snapshot = state.snapshots.get(url)?;
        let file = snapshot.file_of(url)?;
        Some(snapshot.project.sources.text(file).to_string())
    }

    /// Whether the text of `version` of `url` came in bytes that were not UTF-8.
    fn not_utf8(&self, url: &Url, version: i32) -> bool {
        self.shared.not_utf8.lock().is_ok_and(|mut flagged| {
            let this_version = flagged.get(url) == Some(&version);
            if this_version {
                flagged.remove(url);
            }
            this_version
        })
    }

    /// One snapshot of each project the editor has open.
    fn projects(&self) -> Vec<Arc<Snapshot>> {
        let Ok(state) = self.shared.state.lock() else {
            return Vec::new();
        };
        let mut seen = HashSet::new();
        let mut snapshots: Vec<Arc<Snapshot>> = state
            .snapshots
            .values()
            .filter(|s| seen.insert(s.key.clone()))
            .cloned()
            .collect();
        snapshots.sort_by(|a, b| a.key.cmp(&b.key));
        snapshots
    }
}

#[tower_lsp::async_trait]
impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> RpcResult<InitializeResult> {
        let can_watch_files = params
            .capabilities
            .workspace
            .and_then(|w| w.did_change_watched_files)
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        if let Ok(mut state) = self.shared.state.lock() {
            state.can_watch_files = can_watch_files;
        }
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "iamdsl".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: ServerCapabilities {
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![":".into(), ".".into()]),
                    ..CompletionOptions::default()
                }),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                document_formatting_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..CodeActionOptions::default()
                    },
                )),
                inlay_hint_provider: Some(OneOf::Left(true)),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend: SemanticTokensLegend {
                                token_types: features::TOKEN_TYPES.to_vec(),
                                token_modifiers: Vec::new(),
                            },
                            full: Some(SemanticTokensFullOptions::Bool(true)),
                            ..SemanticTokensOptions::default()
                        },
                    ),
                ),
                ..ServerCapabilities::default()
            },
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let can_watch_files = self.shared.state.lock().is_ok_and(|s| s.can_watch_files);
        if !can_watch_files {
            return;
        }
        // Sources and manifests changed outside the editor (a `git checkout`, a generator).
        let watchers = ["**/*.iamdsl", "**/iamdsl.toml"]
            .iter()
            .map(|glob| FileSystemWatcher {
                glob_pattern: GlobPattern::String((*glob).to_string()),
                kind: None,
            })
            .collect();
        let registration = Registration {
            id: "iamdsl-watched-files".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
                watchers,
            })
            .ok(),
        };
        if let Err(error) = self
            .shared
            .client
            .register_capability(vec![registration])
            .await
        {
            eprintln!("iamdsl lsp: the editor did not watch files: {error}");
        }
    }

    async fn shutdown(&self) -> RpcResult<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let document = params.text_document;
        let not_utf8 = self.not_utf8(&document.uri, document.version);
        if let Ok(mut state) = self.shared.state.lock() {
            let text = document.text;
            let version = document.version;
            state.documents.insert(
                document.uri.clone(),
                Document {
                    text,
                    version,
                    not_utf8,
                },
            );
        }
        self.shared.mark_stale(document.uri);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let document = params.text_document;
        let not_utf8 = self.not_utf8(&document.uri, document.version);
        // Applied before anything is awaited: the changes of one document apply in order.
        if let Ok(mut state) = self.shared.state.lock() {
            let Some(open) = state.documents.get_mut(&document.uri) else {
                return;
            };
            apply_changes(&mut open.text, params.content_changes);
            open.version = document.version;
            open.not_utf8 = not_utf8;
        }
        self.shared.mark_stale(document.uri);
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        self.shared.mark_stale(params.text_document.uri);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let url = params.text_document.uri;
        let key = self.shared.state.lock().ok().and_then(|mut state| {
            state.documents.remove(&url);
            state.snapshots.remove(&url).map(|s| s.key.clone())
        });
        if url.scheme() == "file" {
            // What is on disk (if anything) takes the editor's place.
            self.shared.mark_stale(url);
        } else {
            if let Ok(mut state) = self.shared.state.lock() {
                state.stale.remove(&url);
                if let Some(key) = key {
                    state.published.remove(&key);
                }
            }
            self.shared
                .client
                .publish_diagnostics(url, Vec::new(), None)
                .await;
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        if params.changes.is_empty() {
            return;
        }
        // Each open project is analysed again, once; open documents keep the editor's text.
        let open: Vec<Url> = self
            .shared
            .state
            .lock()
            .map(|s| {
                s.documents
                    .keys()
                    .filter(|u| u.scheme() == "file")
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        for url in open {
            self.shared.mark_stale(url);
        }
    }

    async fn hover(&self, params: HoverParams) -> RpcResult<Option<Hover>> {
        let position = params.text_document_position_params;
        Ok(self
            .snapshot(&position.text_document.uri)
            .await
            .and_then(|s| features::hover(&s, &position.text_document.uri, position.position)))
    }

    async fn completion(&self, params: CompletionParams) -> RpcResult<Option<CompletionResponse>> {
        let position = params.text_document_position;
        let text = self.text(&position.text_document.uri);
        let snapshot = self.snapshot(&position.text_document.uri).await;
        Ok(text.map(|text| {
            CompletionResponse::List(features::completion(
                snapshot.as_deref(),
                &text,
                position.position,
            ))
        }))
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> RpcResult<Option<GotoDefinitionResponse>> {
        let position = params.text_document_position_params;
        Ok(self
            .current_snapshot(&position.text_document.uri)
            .await
            .and_then(|s| features::definition(&s, &position.text_document.uri, position.position))
            .map(GotoDefinitionResponse::Scalar))
    }

    async fn references(&self, params: ReferenceParams) -> RpcResult<Option<Vec<Location>>> {
        let position = params.text_document_position;
        Ok(self
            .current_snapshot(&position.text_document.uri)
            .await
            .map(|s| {
                features::references(
                    &s,
                    &position.text_document.uri,
                    position.position,
                    params.context.include_declaration,
                )
            }))
    }

    async fn rename(&self, params: RenameParams) -> RpcResult<Option<WorkspaceEdit>> {
        let position = params.text_document_position;
        let Some(snapshot) = self.current_snapshot(&position.text_document.uri).await else {
            return Ok(None);
        };
        features::rename(
            &snapshot,
            &position.text_document.uri,
            position.position,
            &params.new_name,
        )
        .map_err(tower_lsp::jsonrpc::Error::invalid_params)
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> RpcResult<Option<DocumentSymbolResponse>> {
        Ok(self.snapshot(&params.text_document.uri).await.map(|s| {
            DocumentSymbolResponse::Flat(features::symbols(&s, &params.text_document.uri))
        }))
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> RpcResult<Option<Vec<SymbolInformation>>> {
        let symbols: Vec<SymbolInformation> = self
            .projects()
            .iter()
            .flat_map(|s| features::workspace_symbols(s, &params.query))
            .collect();
        Ok(Some(symbols))
    }

    async fn formatting(
        &self,
        params: DocumentFormattingParams,
    ) -> RpcResult<Option<Vec<TextEdit>>> {
        Ok(self
            .text(&params.text_document.uri)
            .and_then(|text| features::format(&text)))
    }

    async fn code_action(&self, params: CodeActionParams) -> RpcResult<Option<CodeActionResponse>> {
        let url = params.text_document.uri;
        Ok(self
            .text(&url)
            .map(|text| features::code_actions(&url, &text, &params.context.diagnostics)))
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> RpcResult<Option<SemanticTokensResult>> {
        let url = params.text_document.uri;
        let Some(text) = self.text(&url) else {
            return Ok(None);
        };
        let snapshot = self.snapshot(&url).await;
        Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
            result_id: None,
            data: features::semantic_tokens(snapshot.as_deref(), &url, &text),
        })))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> RpcResult<Option<Vec<InlayHint>>> {
        let url = params.text_document.uri;
        Ok(self.snapshot(&url).await.map(|s| {
            features::inlay_hints(&s, &url)
                .into_iter()
                .filter(|hint| {
                    params.range.start <= hint.position && hint.position <= params.range.end
                })
                .collect()
        }))
    }
}
