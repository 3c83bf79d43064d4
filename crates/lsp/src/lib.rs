//! `iamdsl lsp`: a language server over stdio. It keeps open documents in memory, re-runs the
//! compiler's one analysis over the document's project on every change (and when watched files
//! change on disk), and answers from that snapshot: diagnostics, hover, completion, navigation,
//! rename, symbols, formatting, quick fixes, semantic tokens and inlay hints.
//!
//! Only this crate knows LSP. Positions are UTF-16 code units, as the protocol wants.

mod convert;
pub mod features;
mod transport;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use iamdsl_compiler::navigate::{occurrences, Occurrence};
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
    pub occurrences: Vec<Occurrence>,
    pub urls: HashMap<FileId, Url>,
    /// Which project this is: the directory of its `iamdsl.toml` or of its files, or the URL of
    /// an unsaved document analysed alone.
    pub key: String,
    /// The files open in the editor, where diagnostics without a file of their own are shown.
    pub open: Vec<FileId>,
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
        let occurrences = occurrences(&analysis.modules);
        let urls = project
            .files()
            .filter_map(|id| Some((id, convert::url_of(&project, id)?)))
            .collect();
        Snapshot {
            project,
            analysis,
            occurrences,
            urls,
            key,
            open,
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
}

pub struct Backend {
    client: Client,
    state: Mutex<State>,
    /// Filled by the transport, which alone sees the bytes of a message.
    not_utf8: transport::NotUtf8,
}

/// Serves LSP on standard input and output until the client says `exit` (or input ends);
/// returns the process's exit code: 0 after `shutdown`, 1 otherwise.
pub async fn serve_stdio() -> u8 {
    let not_utf8 = transport::NotUtf8::default();
    let shared = not_utf8.clone();
    let (service, socket) = LspService::new(|client| Backend {
        client,
        state: Mutex::new(State::default()),
        not_utf8: shared,
    });
    transport::serve_stdio(service, socket, not_utf8).await
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

impl Backend {
    /// Re-analyses the project of `url` and publishes the diagnostics of each of its files.
    async fn refresh(&self, url: &Url) -> Option<Arc<Snapshot>> {
        let snapshot = self.analyze(url)?;
        let mut published = snapshot.diagnostics();
        let cleared: Vec<Url> = {
            let Ok(mut state) = self.state.lock() else {
                return Some(snapshot);
            };
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
            self.client
                .publish_diagnostics(file_url, diagnostics, None)
                .await;
        }
        Some(snapshot)
    }

    fn analyze(&self, url: &Url) -> Option<Arc<Snapshot>> {
        let (documents, alone) = {
            let state = self.state.lock().ok()?;
            let documents: HashMap<PathBuf, String> = state
                .documents
                .iter()
                .filter(|(u, _)| u.scheme() == "file")
                .filter_map(|(u, d)| Some((u.to_file_path().ok()?, d.text.clone())))
                .collect();
            let alone = state.documents.get(url).map(|d| d.text.clone());
            (documents, alone)
        };
        let mut caches = std::mem::take(&mut self.state.lock().ok()?.caches);
        let path = url.to_file_path().ok().filter(|_| url.scheme() == "file");
        let snapshot = match (path, alone) {
            (Some(path), _) => Snapshot::build_cached(&path, &documents, &mut caches),
            // Not a file (`untitled:`, …): the document alone.
            (None, Some(text)) => Snapshot::build_alone(url, &text, &mut caches),
            (None, None) => {
                self.state.lock().ok()?.caches = caches;
                return None;
            }
        };
        let snapshot = Arc::new(snapshot);
        let mut state = self.state.lock().ok()?;
        state.caches = caches;
        for file_url in snapshot.urls.values() {
            state.snapshots.insert(file_url.clone(), snapshot.clone());
        }
        state.snapshots.insert(url.clone(), snapshot.clone());
        Some(snapshot)
    }

    fn snapshot(&self, url: &Url) -> Option<Arc<Snapshot>> {
        let cached = self.state.lock().ok()?.snapshots.get(url).cloned();
        cached.or_else(|| self.analyze(url))
    }

    fn text(&self, url: &Url) -> Option<String> {
        let state = self.state.lock().ok()?;
        if let Some(document) = state.documents.get(url) {
            return Some(document.text.clone());
        }
        let snapshot = state.snapshots.get(url)?;
        let file = snapshot.file_of(url)?;
        Some(snapshot.project.sources.text(file).to_string())
    }

    /// Stores the text of an open document, with whether its bytes were UTF-8.
    fn store(&self, url: Url, version: i32, text: String) {
        let not_utf8 = self.not_utf8.lock().is_ok_and(|mut flagged| {
            let this_version = flagged.get(&url) == Some(&version);
            if this_version {
                flagged.remove(&url);
            }
            this_version
        });
        if let Ok(mut state) = self.state.lock() {
            state.documents.insert(url, Document { text, not_utf8 });
        }
    }

    /// One snapshot of each project the editor has open.
    fn projects(&self) -> Vec<Arc<Snapshot>> {
        let Ok(state) = self.state.lock() else {
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
        if let Ok(mut state) = self.state.lock() {
            state.can_watch_files = can_watch_files;
        }
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "iamdsl".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: ServerCapabilities {
                text_document_sync: Some(TextDocumentSyncCapability::Kind(
                    TextDocumentSyncKind::FULL,
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
        let can_watch_files = self.state.lock().is_ok_and(|s| s.can_watch_files);
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
        if let Err(error) = self.client.register_capability(vec![registration]).await {
            eprintln!("iamdsl lsp: the editor did not watch files: {error}");
        }
    }

    async fn shutdown(&self) -> RpcResult<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let document = params.text_document;
        self.store(document.uri.clone(), document.version, document.text);
        self.refresh(&document.uri).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let document = params.text_document;
        // Full sync: the last change holds the whole text.
        if let Some(change) = params.content_changes.into_iter().last() {
            self.store(document.uri.clone(), document.version, change.text);
        }
        self.refresh(&document.uri).await;
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        self.refresh(&params.text_document.uri).await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let url = params.text_document.uri;
        let key = self.state.lock().ok().and_then(|mut state| {
            state.documents.remove(&url);
            state.snapshots.remove(&url).map(|s| s.key.clone())
        });
        if url.scheme() == "file" {
            // What is on disk (if anything) takes the editor's place.
            self.refresh(&url).await;
        } else {
            if let (Some(key), Ok(mut state)) = (key, self.state.lock()) {
                state.published.remove(&key);
            }
            self.client.publish_diagnostics(url, Vec::new(), None).await;
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        if params.changes.is_empty() {
            return;
        }
        // Re-analyse each open project once; open documents keep the editor's text.
        let mut open: Vec<Url> = self
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
        open.sort();
        let mut done: HashSet<Url> = HashSet::new();
        for url in open {
            if done.contains(&url) {
                continue;
            }
            if let Some(snapshot) = self.refresh(&url).await {
                done.extend(snapshot.urls.values().cloned());
            }
            done.insert(url);
        }
    }

    async fn hover(&self, params: HoverParams) -> RpcResult<Option<Hover>> {
        let position = params.text_document_position_params;
        Ok(self
            .snapshot(&position.text_document.uri)
            .and_then(|s| features::hover(&s, &position.text_document.uri, position.position)))
    }

    async fn completion(&self, params: CompletionParams) -> RpcResult<Option<CompletionResponse>> {
        let position = params.text_document_position;
        let text = self.text(&position.text_document.uri);
        let snapshot = self.snapshot(&position.text_document.uri);
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
            .snapshot(&position.text_document.uri)
            .and_then(|s| features::definition(&s, &position.text_document.uri, position.position))
            .map(GotoDefinitionResponse::Scalar))
    }

    async fn references(&self, params: ReferenceParams) -> RpcResult<Option<Vec<Location>>> {
        let position = params.text_document_position;
        Ok(self.snapshot(&position.text_document.uri).map(|s| {
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
        let Some(snapshot) = self.snapshot(&position.text_document.uri) else {
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
        Ok(self.snapshot(&params.text_document.uri).map(|s| {
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
        let snapshot = self.snapshot(&url);
        Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
            result_id: None,
            data: features::semantic_tokens(snapshot.as_deref(), &url, &text),
        })))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> RpcResult<Option<Vec<InlayHint>>> {
        let url = params.text_document.uri;
        Ok(self.snapshot(&url).map(|s| {
            features::inlay_hints(&s, &url)
                .into_iter()
                .filter(|hint| {
                    params.range.start <= hint.position && hint.position <= params.range.end
                })
                .collect()
        }))
    }
}
