#!/usr/bin/env node
// A stand-in for `iamdsl lsp`: records its arguments and the LSP methods it receives in the file
// named by FAKE_SERVER_LOG (one JSON value per line), and answers initialize and shutdown.
'use strict';
const fs = require('fs');

const log = (value) => fs.appendFileSync(process.env.FAKE_SERVER_LOG, JSON.stringify(value) + '\n');
log({ argv: process.argv.slice(2) });

function send(message) {
  const body = JSON.stringify(message);
  process.stdout.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

let buffer = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    const headerEnd = buffer.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, headerEnd).toString())[1]);
    if (buffer.length < headerEnd + 4 + length) return;
    const message = JSON.parse(buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString());
    buffer = buffer.subarray(headerEnd + 4 + length);
    log({ method: message.method });
    if (message.method === 'initialize') {
      send({ jsonrpc: '2.0', id: message.id, result: { capabilities: { textDocumentSync: 1 }, serverInfo: { name: 'fake-iamdsl' } } });
    } else if (message.method === 'shutdown') {
      send({ jsonrpc: '2.0', id: message.id, result: null });
    } else if (message.method === 'exit') {
      process.exit(0);
    }
  }
});
