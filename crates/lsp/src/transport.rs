//! JSON-RPC over stdio, in place of tower-lsp 0.20's `Server`, whose transport ends silently at
//! the first malformed message (its framed reader stops after an error) and does not end on
//! `exit` while standard input stays open. Here a malformed message gets the JSON-RPC error it
//! calls for, logged to stderr, and reading goes on with the next message; `exit` ends the server
//! with 0 after `shutdown` and 1 otherwise, as the protocol says:
//! https://microsoft.github.io/language-server-protocol/specifications/lsp/3.17/specification/#exit
//! Requests are still answered by tower-lsp's `LspService`, which stays transport-independent.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::task::Poll;

use futures::channel::mpsc;
use futures::future::{self, BoxFuture};
use futures::{stream, FutureExt, SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tower_lsp::jsonrpc::{Request, Response};
use tower_lsp::lsp_types::Url;
use tower_lsp::{ClientSocket, LanguageServer, LspService};
use tower_service::Service;

/// Requests handled at once, as in tower-lsp's own server.
const CONCURRENCY: usize = 4;
/// A header block longer than this is not one.
const MAX_HEADER_BYTES: usize = 8 * 1024;
/// Room for the largest source iamdsl reads (256 MiB), escaped as JSON.
const MAX_BODY_BYTES: usize = 1 << 30;
const CONTENT_LENGTH: &[u8] = b"Content-Length:";
/// How long handlers may still run once input is over (after `exit`, or at its end).
const GRACE_AFTER_INPUT: std::time::Duration = std::time::Duration::from_secs(2);

/// JSON-RPC error codes: https://www.jsonrpc.org/specification#error_object
const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;

/// Documents whose text, as the editor sent it, was not UTF-8: the version of the
/// `didOpen`/`didChange` that carried it. The transport sees the bytes; the server reports it.
pub(crate) type NotUtf8 = Arc<Mutex<HashMap<Url, i32>>>;

/// One unit of input: a message body, or input that is not a well-framed message.
#[derive(Debug, PartialEq)]
pub(crate) enum Frame {
    Body(Vec<u8>),
    Malformed(String),
}

/// Cuts input into `Content-Length`-framed bodies. After malformed input it skips to the next
/// `Content-Length:` header, so one bad message costs that message only.
#[derive(Default)]
pub(crate) struct Framer {
    buffer: Vec<u8>,
    resyncing: bool,
    /// How far the body being read has been searched for a next header (searched once).
    searched: usize,
}

impl Framer {
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    fn consume(&mut self, bytes: usize) {
        self.buffer.drain(..bytes.min(self.buffer.len()));
        self.searched = 0;
    }

    /// The next frame, or `None` until more input comes (`ended`: no more will).
    pub(crate) fn next(&mut self, ended: bool) -> Option<Frame> {
        if self.resyncing {
            match find(&self.buffer, CONTENT_LENGTH, 0) {
                Some(at) => {
                    self.consume(at);
                    self.resyncing = false;
                }
                None => {
                    // Keep what could be the start of a header split across two reads.
                    let keep = CONTENT_LENGTH.len() - 1;
                    let cut = self.buffer.len().saturating_sub(keep);
                    self.consume(cut);
                    if ended {
                        self.consume(self.buffer.len());
                    }
                    return None;
                }
            }
        }
        // Blank lines between messages are not worth an error.
        let blank = self
            .buffer
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        if blank > 0 {
            self.consume(blank);
        }
        if self.buffer.is_empty() {
            return None;
        }
        let head = &self.buffer[..self.buffer.len().min(MAX_HEADER_BYTES + 4)];
        let Some(header_end) = find(head, b"\r\n\r\n", 0) else {
            let complete_lines = self
                .buffer
                .windows(2)
                .rposition(|w| w == b"\r\n")
                .map_or(&self.buffer[..0], |end| &self.buffer[..end]);
            if let Err(reason) = header_lines(complete_lines) {
                return Some(self.malformed(reason));
            }
            if self.buffer.len() > MAX_HEADER_BYTES {
                return Some(self.malformed("a header longer than 8 KiB".into()));
            }
            if ended {
                self.consume(self.buffer.len());
                return Some(Frame::Malformed("input ended inside a header".into()));
            }
            return None;
        };
        let length = match header_lines(&self.buffer[..header_end]).and_then(content_length) {
            Ok(length) => length,
            Err(reason) => return Some(self.malformed(reason)),
        };
        let body_start = header_end + 4;
        // A body cannot hold a raw `Content-Length: N\r\n` (JSON has no raw line breaks inside
        // strings): if one comes before the body's end, this message was cut short.
        // Searched once per byte: a large body arrives in many reads.
        let from = body_start.max(self.searched.saturating_sub(CONTENT_LENGTH.len() + 24));
        self.searched = self.buffer.len();
        if let Some(next) = find_header(&self.buffer, from) {
            if next < body_start + length {
                self.consume(next);
                return Some(Frame::Malformed(format!(
                    "a message cut short: {} of its {length} bytes came before the next message",
                    next - body_start
                )));
            }
        }
        if self.buffer.len() < body_start + length {
            if ended {
                self.consume(self.buffer.len());
                return Some(Frame::Malformed(format!(
                    "input ended inside a message of {length} bytes"
                )));
            }
            return None;
        }
        let body = self.buffer[body_start..body_start + length].to_vec();
        self.consume(body_start + length);
        Some(Frame::Body(body))
    }

    fn malformed(&mut self, reason: String) -> Frame {
        // Look for the next header from the next byte on: the bad block may hold one.
        self.consume(1);
        self.resyncing = true;
        Frame::Malformed(reason)
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|at| from + at)
}

/// Where a whole `Content-Length: N\r\n` line starts, at or after `from`.
fn find_header(buffer: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(start) = find(buffer, CONTENT_LENGTH, at) {
        let rest = &buffer[start + CONTENT_LENGTH.len()..];
        let spaces = rest.iter().take_while(|b| **b == b' ').count();
        let digits = rest[spaces..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits > 0 && rest[spaces + digits..].starts_with(b"\r\n") {
            return Some(start);
        }
        at = start + 1;
    }
    None
}

/// The `Name: value` lines of a header block.
fn header_lines(block: &[u8]) -> Result<Vec<(String, String)>, String> {
    let text = std::str::from_utf8(block).map_err(|_| "a header that is not ASCII".to_string())?;
    text.split("\r\n")
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (name, value) = line
                .split_once(':')
                .filter(|(name, _)| {
                    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
                .ok_or_else(|| format!("`{}` is not a header", shorten(line)))?;
            Ok((name.to_string(), value.trim().to_string()))
        })
        .collect()
}

fn content_length(headers: Vec<(String, String)>) -> Result<usize, String> {
    let mut lengths = headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("Content-Length"));
    let (Some((_, value)), None) = (lengths.next(), lengths.next()) else {
        return Err("a message without exactly one Content-Length header".into());
    };
    match value.parse::<usize>() {
        Ok(length) if length <= MAX_BODY_BYTES => Ok(length),
        Ok(length) => Err(format!(
            "a Content-Length of {length} bytes, more than the {MAX_BODY_BYTES} read"
        )),
        Err(_) => Err(format!(
            "a Content-Length of `{}`, not a number of bytes",
            shorten(value)
        )),
    }
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

fn log(message: &str) {
    eprintln!("iamdsl lsp: {message}");
}

fn error_response(id: Value, code: i64, message: &str) -> String {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } }).to_string()
}

/// What one body asks for.
enum Incoming {
    Request(Request),
    Response(Response),
    /// An error to answer with (the body was not a JSON-RPC message).
    Invalid(String),
}

fn decode(body: Vec<u8>, not_utf8: &NotUtf8) -> Incoming {
    let (text, utf8) = match String::from_utf8(body) {
        Ok(text) => (text, true),
        Err(error) => (
            String::from_utf8_lossy(error.as_bytes()).into_owned(),
            false,
        ),
    };
    let value: Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(error) => {
            log(&format!("a message that is not JSON ({error})"));
            return Incoming::Invalid(error_response(
                Value::Null,
                PARSE_ERROR,
                &format!("Parse error: not JSON ({error})"),
            ));
        }
    };
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    let method = value
        .get("method")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if !utf8 {
        log(&format!(
            "a message that is not UTF-8 ({}); read with U+FFFD in place of the bad bytes",
            method.as_deref().unwrap_or("no method")
        ));
        if matches!(
            method.as_deref(),
            Some("textDocument/didOpen" | "textDocument/didChange")
        ) {
            let document = &value["params"]["textDocument"];
            let uri = document["uri"].as_str().and_then(|u| Url::parse(u).ok());
            let version = document["version"]
                .as_i64()
                .and_then(|v| i32::try_from(v).ok());
            if let (Some(uri), Some(version), Ok(mut documents)) = (uri, version, not_utf8.lock()) {
                documents.insert(uri, version);
            }
        }
    }
    let invalid = |what: &str| {
        log(&format!("an invalid message: {what}"));
        Incoming::Invalid(error_response(
            id.clone(),
            INVALID_REQUEST,
            &format!("Invalid Request: {what}"),
        ))
    };
    if method.is_some() {
        match serde_json::from_value::<Request>(value) {
            Ok(request) => Incoming::Request(request),
            Err(error) => invalid(&error.to_string()),
        }
    } else if value.get("result").is_some() || value.get("error").is_some() {
        match serde_json::from_value::<Response>(value) {
            Ok(response) => Incoming::Response(response),
            Err(error) => invalid(&error.to_string()),
        }
    } else {
        invalid("neither a request, a notification nor a response")
    }
}

async fn write_message<O: AsyncWrite + Unpin>(output: &mut O, body: &str) -> std::io::Result<()> {
    output
        .write_all(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes())
        .await?;
    output.write_all(body.as_bytes()).await?;
    output.flush().await
}

/// Standard input, read on a thread of its own: a read blocked on it never holds up the end.
fn stdin_chunks() -> tokio::sync::mpsc::UnboundedReceiver<Vec<u8>> {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buffer = vec![0; 64 * 1024];
        loop {
            match stdin.read(&mut buffer) {
                Ok(0) => return,
                Ok(read) => {
                    if sender.send(buffer[..read].to_vec()).is_err() {
                        return;
                    }
                }
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => {
                    log(&format!("cannot read standard input: {error}"));
                    return;
                }
            }
        }
    });
    receiver
}

/// Serves `service` on stdin and stdout until `exit` or the end of input; the process's exit code.
pub(crate) async fn serve_stdio<S: LanguageServer>(
    service: LspService<S>,
    socket: ClientSocket,
    not_utf8: NotUtf8,
) -> u8 {
    serve(
        stdin_chunks(),
        tokio::io::stdout(),
        service,
        socket,
        not_utf8,
    )
    .await
}

pub(crate) async fn serve<S: LanguageServer, O: AsyncWrite + Unpin>(
    mut input: tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
    mut output: O,
    mut service: LspService<S>,
    socket: ClientSocket,
    not_utf8: NotUtf8,
) -> u8 {
    let (client_requests, mut client_responses) = socket.split();
    let (client_requests, stop_client_requests) = stream::abortable(client_requests);
    let (outgoing, mut outgoing_rx) = mpsc::unbounded::<String>();
    let (mut tasks, tasks_rx) =
        mpsc::channel::<BoxFuture<'static, Option<Response>>>(CONCURRENCY * 25);

    let write = async move {
        while let Some(body) = outgoing_rx.next().await {
            if let Err(error) = write_message(&mut output, &body).await {
                log(&format!("cannot write to standard output: {error}"));
                return;
            }
        }
    };
    let answers = outgoing.clone();
    let (input_done, input_done_rx) = futures::channel::oneshot::channel::<()>();
    let handle = async move {
        let answer_all = tasks_rx.buffer_unordered(CONCURRENCY).for_each(|response| {
            if let Some(response) = response {
                send(&answers, &response);
            }
            future::ready(())
        });
        // Once input is over, handlers get a moment to finish; one waiting for a client that
        // will not answer (a registration) must not keep the process alive after `exit`.
        let grace = async {
            let _ = input_done_rx.await;
            tokio::time::sleep(GRACE_AFTER_INPUT).await;
        };
        future::select(Box::pin(answer_all), Box::pin(grace)).await;
        // Nothing more will be said to the client.
        stop_client_requests.abort();
    };
    let to_client = outgoing.clone();
    let forward = client_requests.for_each(move |request| {
        send(&to_client, &request);
        future::ready(())
    });
    let read = async move {
        let mut framer = Framer::default();
        let (mut ended, mut shut_down) = (false, false);
        'input: loop {
            while let Some(frame) = framer.next(ended) {
                let request = match frame {
                    Frame::Malformed(reason) => {
                        log(&format!("malformed input: {reason}"));
                        let answer = error_response(
                            Value::Null,
                            PARSE_ERROR,
                            &format!("Parse error: {reason}"),
                        );
                        let _ = outgoing.unbounded_send(answer);
                        continue;
                    }
                    Frame::Body(body) => match decode(body, &not_utf8) {
                        Incoming::Invalid(answer) => {
                            let _ = outgoing.unbounded_send(answer);
                            continue;
                        }
                        Incoming::Response(response) => {
                            if client_responses.send(response).await.is_err() {
                                break 'input;
                            }
                            continue;
                        }
                        Incoming::Request(request) => request,
                    },
                };
                let exit = request.method() == "exit";
                shut_down |= request.method() == "shutdown" && request.id().is_some();
                // The service holds requests back while `initialize` runs, without waking us
                // when it is done: ask again on the next turn (the handler runs in this task).
                let ready = future::poll_fn(|context| match service.poll_ready(context) {
                    Poll::Pending => {
                        context.waker().wake_by_ref();
                        Poll::Pending
                    }
                    ready => ready,
                })
                .await;
                if ready.is_err() {
                    break 'input;
                }
                let id = request.id().cloned();
                let method = request.method().to_owned();
                // A handler that panics (a bug) costs its own request, not the session.
                let answer = std::panic::AssertUnwindSafe(service.call(request))
                    .catch_unwind()
                    .map(move |outcome| match outcome {
                        Ok(answer) => answer.ok().flatten(),
                        Err(_) => {
                            log(&format!("the handler of {method} panicked"));
                            id.map(|id| {
                                Response::from_error(
                                    id,
                                    tower_lsp::jsonrpc::Error::internal_error(),
                                )
                            })
                        }
                    });
                if tasks.send(answer.boxed()).await.is_err() || exit {
                    break 'input;
                }
            }
            if ended {
                break;
            }
            match input.recv().await {
                Some(chunk) => framer.push(&chunk),
                None => ended = true,
            }
        }
        tasks.disconnect();
        drop(input_done);
        u8::from(!shut_down)
    };
    let (code, (), (), ()) = futures::join!(read, handle, forward, write);
    code
}

fn send<T: serde::Serialize>(outgoing: &mpsc::UnboundedSender<String>, message: &T) {
    match serde_json::to_string(message) {
        Ok(body) => {
            let _ = outgoing.unbounded_send(body);
        }
        Err(error) => log(&format!("cannot write a message: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Frame> {
        let mut framer = Framer::default();
        framer.push(input);
        let mut out = Vec::new();
        while let Some(frame) = framer.next(true) {
            out.push(frame);
        }
        out
    }

    fn message(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    fn is_malformed(frame: &Frame) -> bool {
        matches!(frame, Frame::Malformed(_))
    }

    #[test]
    fn framing_recovers_after_each_kind_of_bad_input() {
        let good = message(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#);
        let body = Frame::Body(br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#.to_vec());
        let cases = [
            // A bad Content-Length, then a good message.
            format!("Content-Length: abc\r\n\r\n{{}}{good}"),
            // No Content-Length at all.
            format!("Content-Type: x\r\n\r\n{{}}{good}"),
            // Unframed text before the good message.
            format!("hello {{\"not\": \"framed\"}}{good}"),
            // A body cut short: its Content-Length runs into the next message.
            format!("Content-Length: 500\r\n\r\n{{\"jsonrpc\"{good}"),
            // A header line that is not one.
            format!("Content-Length: 2\r\nnot a header\r\n\r\n{{}}{good}"),
        ];
        for case in cases {
            let got = frames(case.as_bytes());
            assert!(
                got.len() >= 2 && got[..got.len() - 1].iter().all(is_malformed),
                "{case:?}: {got:?}"
            );
            assert_eq!(got.last(), Some(&body), "{case:?}");
        }
        assert_eq!(frames(format!("\r\n{good}{good}").as_bytes()).len(), 2);
        let cut = frames(b"Content-Length: 50\r\n\r\n{");
        assert!(cut.len() == 1 && is_malformed(&cut[0]), "{cut:?}");
    }

    #[test]
    fn framing_waits_for_the_rest_of_a_message() {
        let mut framer = Framer::default();
        let whole = message(r#"{"a":1}"#);
        let (first, second) = whole.as_bytes().split_at(10);
        framer.push(first);
        assert_eq!(framer.next(false), None);
        framer.push(second);
        assert_eq!(
            framer.next(false),
            Some(Frame::Body(br#"{"a":1}"#.to_vec()))
        );
    }
}
