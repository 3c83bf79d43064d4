//! `iamdsl lsp`: a language server over stdio. It keeps open documents in memory, re-runs the
//! compiler's one analysis over the document's project on every change, and answers from that
//! snapshot: diagnostics, hover, completion, navigation, rename, symbols and formatting.
//!
//! Only this crate knows LSP. Positions are UTF-16 code units, as the protocol wants.

mod convert;
pub mod features;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use iamdsl_compiler::navigate::{occurrences, Occurrence};
use iamdsl_compiler::{analyze_with, Analysis, Project};
use iamdsl_diagnostics::FileId;
use iamdsl_syntax::{parse_cached, ParseCache};
use tower_lsp::jsonrpc::Result as RpcResult;
use tower_lsp::lsp_types::*;
use tower_lsp::{Client, LanguageServer, LspService, Server};

/// One analysis of one project, and what the features need to answer from it.
pub struct Snapshot {
    pub project: Project,
    pub analysis: Analysis,
    pub occurrences: Vec<Occurrence>,
    pub urls: HashMap<FileId, Url>,
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
        let paths = project_paths(path, &open);
        let project = iamdsl_compiler::load_with(&paths, &|p: &Path| documents.get(p).cloned());
        let analysis = analyze_with(&project, &mut |text, file| {
            let cache = caches
                .entry(project.sources.name(file).to_string())
                .or_default();
            parse_cached(text, file, cache)
        });
        let occurrences = occurrences(&analysis.modules);
        let urls = project
            .paths
            .iter()
            .filter_map(|(id, p)| {
                let absolute = if p.is_absolute() {
                    p.clone()
                } else {
                    std::env::current_dir().ok()?.join(p)
                };
                Some((*id, Url::from_file_path(absolute).ok()?))
            })
            .collect();
        Snapshot {
            project,
            analysis,
            occurrences,
            urls,
        }
    }

    /// The diagnostics of every file of the project, as the server publishes them.
    pub fn diagnostics(&self) -> Vec<(Url, Vec<tower_lsp::lsp_types::Diagnostic>)> {
        self.urls
            .iter()
            .map(|(file, url)| {
                (
                    url.clone(),
                    convert::diagnostics_of(&self.project, &self.analysis, *file),
                )
            })
            .collect()
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

#[derive(Default)]
struct State {
    /// Open documents: the editor's text wins over the disk.
    documents: HashMap<Url, String>,
    /// The latest snapshot of the project of each open document.
    snapshots: HashMap<Url, std::sync::Arc<Snapshot>>,
    /// Parsed declarations of each file, by file name, reused across edits.
    caches: HashMap<String, ParseCache>,
}

pub struct Backend {
    client: Client,
    state: Mutex<State>,
}

/// Serves LSP on standard input and output until the client says `exit`.
pub async fn serve_stdio() {
    let (service, socket) = LspService::new(|client| Backend {
        client,
        state: Mutex::new(State::default()),
    });
    Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
        .serve(service)
        .await;
}

/// The paths that make up the project of `file`: the directory of the nearest `iamdsl.toml`,
/// else the file's own directory (its `.iamdsl` files only, not below: a stray file in a home
/// directory must not make the server read the whole disk).
fn project_paths(file: &Path, open: &[PathBuf]) -> Vec<PathBuf> {
    if let Some(manifest) = iamdsl_compiler::config::find_manifest(file) {
        if let Some(root) = manifest.parent() {
            let mut paths = vec![root.to_path_buf()];
            paths.extend(open.iter().filter(|p| p.starts_with(root)).cloned());
            return paths;
        }
    }
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
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
    paths.push(file.to_path_buf());
    paths.sort();
    paths.dedup();
    paths
}

impl Backend {
    /// Re-analyses the project of `url` and publishes the diagnostics of each of its files.
    async fn refresh(&self, url: &Url) {
        let Some(snapshot) = self.analyze(url) else {
            return;
        };
        let mut published = Vec::new();
        for (file, file_url) in &snapshot.urls {
            let diagnostics = convert::diagnostics_of(&snapshot.project, &snapshot.analysis, *file);
            published.push((file_url.clone(), diagnostics));
        }
        for (file_url, diagnostics) in published {
            self.client
                .publish_diagnostics(file_url, diagnostics, None)
                .await;
        }
    }

    fn analyze(&self, url: &Url) -> Option<std::sync::Arc<Snapshot>> {
        let path = url.to_file_path().ok()?;
        let documents: HashMap<PathBuf, String> = {
            let state = self.state.lock().ok()?;
            state
                .documents
                .iter()
                .filter_map(|(u, text)| Some((u.to_file_path().ok()?, text.clone())))
                .collect()
        };
        let mut caches = std::mem::take(&mut self.state.lock().ok()?.caches);
        let snapshot = std::sync::Arc::new(Snapshot::build_cached(&path, &documents, &mut caches));
        let mut state = self.state.lock().ok()?;
        state.caches = caches;
        for file_url in snapshot.urls.values() {
            state.snapshots.insert(file_url.clone(), snapshot.clone());
        }
        state.snapshots.insert(url.clone(), snapshot.clone());
        Some(snapshot)
    }

    fn snapshot(&self, url: &Url) -> Option<std::sync::Arc<Snapshot>> {
        let cached = self.state.lock().ok()?.snapshots.get(url).cloned();
        cached.or_else(|| self.analyze(url))
    }
}

#[tower_lsp::async_trait]
impl LanguageServer for Backend {
    async fn initialize(&self, _: InitializeParams) -> RpcResult<InitializeResult> {
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
                code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
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

    async fn shutdown(&self) -> RpcResult<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let url = params.text_document.uri;
        if let Ok(mut state) = self.state.lock() {
            state
                .documents
                .insert(url.clone(), params.text_document.text);
        }
        self.refresh(&url).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let url = params.text_document.uri;
        // Full sync: the last change holds the whole text.
        if let Some(change) = params.content_changes.into_iter().last() {
            if let Ok(mut state) = self.state.lock() {
                state.documents.insert(url.clone(), change.text);
            }
        }
        self.refresh(&url).await;
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        self.refresh(&params.text_document.uri).await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let url = params.text_document.uri;
        if let Ok(mut state) = self.state.lock() {
            state.documents.remove(&url);
        }
        self.refresh(&url).await;
    }

    async fn hover(&self, params: HoverParams) -> RpcResult<Option<Hover>> {
        let position = params.text_document_position_params;
        Ok(self
            .snapshot(&position.text_document.uri)
            .and_then(|s| features::hover(&s, &position.text_document.uri, position.position)))
    }

    async fn completion(&self, params: CompletionParams) -> RpcResult<Option<CompletionResponse>> {
        let position = params.text_document_position;
        let text = self
            .state
            .lock()
            .ok()
            .and_then(|s| s.documents.get(&position.text_document.uri).cloned());
        let snapshot = self.snapshot(&position.text_document.uri);
        Ok(text.map(|text| {
            CompletionResponse::Array(features::completion(
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

    async fn formatting(
        &self,
        params: DocumentFormattingParams,
    ) -> RpcResult<Option<Vec<TextEdit>>> {
        let text = self
            .state
            .lock()
            .ok()
            .and_then(|s| s.documents.get(&params.text_document.uri).cloned());
        Ok(text.and_then(|text| features::format(&text)))
    }
}
