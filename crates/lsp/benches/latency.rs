//! Language-server latency while typing, through the protocol, in process: the server of
//! `iamdsl lsp` (its transport and handlers) on an in-memory pipe, a client sending one edit
//! (incremental: one character typed inside a string) every 30 ms, each followed by a hover or a
//! completion request. Measured: change → the diagnostics of that text (or of a later one: the
//! server analyses only the latest text), and the answer time of hovers and completions; p50 and
//! p95. On two files: the realistic one (the example project repeated to 5,161 lines,
//! expectations included; `xtask::realistic_file`) and a 5,000-line one of the organisation
//! generator. `cargo bench -p iamdsl-lsp --bench latency`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::pin::Pin;
use std::sync::mpsc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Keys typed per file; `IAMDSL_BENCH_KEYS` sets it (a server that queues every analysis takes
/// keys × analysis time to get through them).
fn keystrokes() -> usize {
    std::env::var("IAMDSL_BENCH_KEYS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(120)
}
const KEY_INTERVAL: Duration = Duration::from_millis(30);

fn percentiles(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    (at(0.5), at(0.95))
}

/// The server's output, as bytes, into a channel the client reads on its own thread.
struct ChannelWriter(mpsc::Sender<Vec<u8>>);

impl tokio::io::AsyncWrite for ChannelWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let _ = self.0.send(buf.to_vec());
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

struct Client {
    input: tokio::sync::mpsc::UnboundedSender<Vec<u8>>,
    /// Each message of the server with the time it arrived.
    messages: mpsc::Receiver<(Instant, Value)>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        let (input, server_input) = tokio::sync::mpsc::unbounded_channel();
        let (output, server_output) = mpsc::channel::<Vec<u8>>();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(iamdsl_lsp::serve(server_input, ChannelWriter(output)));
        });
        let (sender, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer: Vec<u8> = Vec::new();
            while let Ok(chunk) = server_output.recv() {
                buffer.extend_from_slice(&chunk);
                while let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                    let header = String::from_utf8_lossy(&buffer[..end]).to_string();
                    let length: usize = header
                        .trim()
                        .strip_prefix("Content-Length: ")
                        .unwrap()
                        .parse()
                        .unwrap();
                    if buffer.len() < end + 4 + length {
                        break;
                    }
                    let body: Value =
                        serde_json::from_slice(&buffer[end + 4..end + 4 + length]).unwrap();
                    buffer.drain(..end + 4 + length);
                    if sender.send((Instant::now(), body)).is_err() {
                        return;
                    }
                }
            }
        });
        Client {
            input,
            messages,
            next_id: 1,
        }
    }

    fn send(&mut self, message: Value) -> Instant {
        let body = message.to_string();
        let mut bytes = Vec::new();
        write!(bytes, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        let sent = Instant::now();
        self.input.send(bytes).unwrap();
        sent
    }

    fn notify(&mut self, method: &str, params: Value) -> Instant {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }))
    }

    fn request(&mut self, method: &str, params: Value) -> (i64, Instant) {
        let id = self.next_id;
        self.next_id += 1;
        let sent =
            self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        (id, sent)
    }

    /// Messages until `done` says stop (within a minute).
    fn collect_until(&mut self, mut done: impl FnMut(&Value) -> bool) -> Vec<(Instant, Value)> {
        let mut out = Vec::new();
        loop {
            let (at, message) = self
                .messages
                .recv_timeout(Duration::from_secs(120))
                .expect("the server went quiet");
            let stop = done(&message);
            out.push((at, message));
            if stop {
                return out;
            }
        }
    }
}

fn position_of(text: &str, needle: &str, offset_in_needle: usize) -> (usize, usize) {
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle:?}")) + offset_in_needle;
    let line = text[..at].matches('\n').count();
    let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    (line, column)
}

/// One typing session on `text` (written to `dir/name`); prints the figures.
fn session(
    label: &str,
    dir: &Path,
    name: &str,
    text: &str,
    typed_after: &str,
    hover_at: &str,
    complete_after: &str,
) {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let uri = format!("file://{}", path.display());
    let lines = text.lines().count();
    let mut client = Client::start();
    let (id, _) = client.request(
        "initialize",
        json!({ "processId": null, "rootUri": format!("file://{}", dir.display()), "capabilities": {} }),
    );
    let init = client.collect_until(|m| m["id"] == id);
    // A server without incremental sync gets the whole text of each change.
    let incremental =
        init.last().unwrap().1["result"]["capabilities"]["textDocumentSync"]["change"] == 2;
    client.notify("initialized", json!({}));
    client.notify("textDocument/didOpen", json!({ "textDocument": { "uri": uri, "languageId": "iamdsl", "version": 1, "text": text } }));
    let opened = client.collect_until(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
    });
    // Errors would stop the expectations from being evaluated: not the cost measured.
    let errors = |message: &Value| {
        message["params"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["severity"] == 1)
            .count()
    };
    assert_eq!(
        errors(&opened.last().unwrap().1),
        0,
        "{label}: the file has errors"
    );

    let (line, column) = position_of(text, typed_after, typed_after.len());
    let (hover_line, hover_column) = position_of(text, hover_at, hover_at.len() - 2);
    let (complete_line, complete_column) = position_of(text, complete_after, complete_after.len());
    let keys = keystrokes();
    let mut typed = text.to_string();
    let typed_at = text.find(typed_after).unwrap() + typed_after.len();
    let start = Instant::now();
    let mut changes: Vec<(i32, Instant)> = Vec::new();
    let mut requests: HashMap<i64, (&str, Instant)> = HashMap::new();
    for k in 0..keys {
        let due = start + KEY_INTERVAL * k as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let version = k as i32 + 2;
        let at = json!({ "line": line, "character": column + k });
        typed.insert(typed_at + k, 'x');
        let change = if incremental {
            json!({ "range": { "start": at, "end": at }, "text": "x" })
        } else {
            json!({ "text": typed })
        };
        let sent = client.notify("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [change] }));
        changes.push((version, sent));
        if k % 2 == 0 {
            let position = json!({ "line": hover_line, "character": hover_column });
            let (id, sent) = client.request(
                "textDocument/hover",
                json!({ "textDocument": { "uri": uri }, "position": position }),
            );
            requests.insert(id, ("hover", sent));
        } else {
            let position = json!({ "line": complete_line, "character": complete_column });
            let (id, sent) = client.request(
                "textDocument/completion",
                json!({ "textDocument": { "uri": uri }, "position": position }),
            );
            requests.insert(id, ("completion", sent));
        }
    }
    let last_version = keys as i32 + 1;
    let (mut answered, mut publications, mut last_published) = (0, 0, false);
    let messages = client.collect_until(|m| {
        if m.get("id").is_some() {
            answered += 1;
        }
        if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
            publications += 1;
            // A server that does not say the version publishes once per change, in order.
            last_published = match m["params"]["version"].as_i64() {
                Some(version) => version == i64::from(last_version),
                None => publications == keys,
            };
        }
        answered == keys && last_published
    });
    let mut published: Vec<(Instant, Option<i64>)> = Vec::new();
    let mut hover = Vec::new();
    let mut completion = Vec::new();
    for (at, message) in &messages {
        if let Some(id) = message["id"].as_i64() {
            let (kind, sent) = requests[&id];
            assert!(message.get("error").is_none(), "{message}");
            let ms = at.duration_since(sent).as_secs_f64() * 1000.0;
            if kind == "hover" {
                assert!(!message["result"].is_null(), "no hover");
                hover.push(ms);
            } else {
                assert!(
                    message["result"]["items"]
                        .as_array()
                        .is_some_and(|i| !i.is_empty()),
                    "no completion"
                );
                completion.push(ms);
            }
        } else if message["method"] == "textDocument/publishDiagnostics"
            && message["params"]["uri"] == uri
        {
            assert_eq!(errors(message), 0, "{label}: errors while typing");
            published.push((*at, message["params"]["version"].as_i64()));
        }
    }
    let versioned = published.iter().all(|(_, v)| v.is_some());
    let change: Vec<f64> = changes
        .iter()
        .enumerate()
        .map(|(k, (version, sent))| {
            let shown = if versioned {
                published
                    .iter()
                    .find(|(_, v)| v.is_some_and(|v| v >= *version as i64))
                    .map(|(at, _)| *at)
            } else {
                published.get(k).map(|(at, _)| *at)
            };
            shown
                .expect("the change never got diagnostics")
                .duration_since(*sent)
                .as_secs_f64()
                * 1000.0
        })
        .collect();
    let (p50, p95) = percentiles(change);
    println!("{label} ({lines} lines), typing at 30 ms a key, {keys} keys: change -> diagnostics p50 {p50:.1} ms, p95 {p95:.1} ms ({} publications)", published.len());
    let (p50, p95) = percentiles(hover);
    println!("{label}: hover p50 {p50:.2} ms, p95 {p95:.2} ms");
    let (p50, p95) = percentiles(completion);
    println!("{label}: completion p50 {p50:.2} ms, p95 {p95:.2} ms");
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
}

fn main() {
    // The example project repeated, one file, with the example's manifest.
    let realistic = tempfile::tempdir().unwrap();
    let (text, manifest) = xtask::realistic_file(5_161);
    std::fs::write(realistic.path().join("iamdsl.toml"), manifest).unwrap();
    session(
        "realistic file",
        realistic.path(),
        "platform.iamdsl",
        &text,
        "s3.object(\"acme-reports",
        "role deployer",
        "allow iam:Pass",
    );

    // About 5,000 lines from the organisation generator.
    let mut text = String::new();
    let mut roles = 10;
    while text.lines().count() < 5_000 {
        text = xtask::generate_org(roles)
            .into_iter()
            .filter(|(n, _)| n.ends_with(".iamdsl"))
            .map(|(_, t)| t)
            .collect::<Vec<_>>()
            .join("\n");
        roles += 5;
    }
    let generated = tempfile::tempdir().unwrap();
    std::fs::write(
        generated.path().join("iamdsl.toml"),
        "[defaults]\nregion = \"eu-west-1\"\n",
    )
    .unwrap();
    session(
        "generated file",
        generated.path(),
        "org.iamdsl",
        &text,
        "dynamodb.table(\"table-0",
        "role svc0",
        "allow iam:Pass",
    );
}
