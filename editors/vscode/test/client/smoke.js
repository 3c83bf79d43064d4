// Client smoke test without VS Code: loads the compiled extension (out/extension.js) with a stub
// `vscode` module and checks that it starts `<iamdsl.server.path> lsp <extraArgs…>` over stdio and
// completes the LSP handshake (against fake-server.js), and that a missing binary is reported.
// Usage: node test/client/smoke.js   (after `npm run compile` or `npm run bundle`)
'use strict';
const assert = require('assert');
const fs = require('fs');
const Module = require('module');
const os = require('os');
const path = require('path');

const extensionPath = path.resolve(__dirname, '..', '..', 'out', 'extension.js');
const fakeServer = path.resolve(__dirname, 'fake-server.js');

// --- a stub of the parts of the `vscode` API that the client touches --------------------------
const noop = () => {};
const disposable = () => ({ dispose: noop });
const event = () => disposable();
const shown = { errors: [], output: [] };
let settings = {};

/** Any other API: a callable proxy whose members are again such proxies and whose events are no-ops. */
function anything(name) {
  return new Proxy(function () { return anything(`${name}()`); }, {
    get(_, key) {
      if (key === 'then') return undefined;
      if (key === Symbol.toPrimitive) return () => name;
      if (key === 'dispose') return noop;
      if (/^on(Did|Will)/.test(String(key))) return event;
      return anything(`${name}.${String(key)}`);
    },
  });
}
function namespace(name, members) {
  return new Proxy(members, {
    get: (target, key) =>
      key in target ? target[key] : /^on(Did|Will)/.test(String(key)) ? event : anything(`${name}.${String(key)}`),
  });
}
const vscodeMembers = {
  version: '1.85.0',
  env: { appName: 'smoke', language: 'en', machineId: 'm', sessionId: 's', uiKind: 1 },
  Disposable: class { constructor(f) { this.f = f; } dispose() { if (this.f) this.f(); } static from() { return disposable(); } },
  EventEmitter: class { constructor() { this.event = event; } fire() {} dispose() {} },
  Uri: { parse: (s) => ({ toString: () => s }), file: (f) => ({ fsPath: f, toString: () => `file://${f}` }) },
  workspace: namespace('workspace', {
    getConfiguration: () => ({ get: (key, fallback) => (key in settings ? settings[key] : fallback) }),
    workspaceFolders: undefined,
    textDocuments: [],
    notebookDocuments: [],
    createFileSystemWatcher: () => ({ dispose: noop, onDidCreate: event, onDidChange: event, onDidDelete: event }),
  }),
  window: namespace('window', {
    createOutputChannel: (name) => ({
      name, append: noop, appendLine: (line) => shown.output.push(line), show: noop, dispose: noop, clear: noop, replace: noop,
    }),
    showErrorMessage: async (message) => { shown.errors.push(message); return undefined; },
    activeTextEditor: undefined,
    visibleTextEditors: [],
    tabGroups: { all: [], onDidChangeTabs: event, onDidChangeTabGroups: event },
  }),
  commands: namespace('commands', { registerCommand: () => disposable(), executeCommand: async () => undefined }),
};
const vscode = new Proxy(vscodeMembers, {
  get: (target, key) => (key in target ? target[key] : anything(String(key))),
});
const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? vscode : load.call(this, request, ...rest);
};

// --- the cases ----------------------------------------------------------------------------------
const extension = require(extensionPath);
const context = () => ({ subscriptions: [], extensionPath: path.resolve(__dirname, '..', '..'), asAbsolutePath: (p) => p });
const waitFor = async (predicate, what, ms = 10000) => {
  for (const start = Date.now(); !predicate(); ) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

async function startsServerWithArguments() {
  const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'iamdsl-smoke-')), 'server.log');
  process.env.FAKE_SERVER_LOG = logFile;
  settings = { 'server.path': fakeServer, 'server.extraArgs': ['--log', 'debug'] };
  await extension.activate(context());
  const entries = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : []);
  await waitFor(() => entries().some((e) => e.method === 'initialized'), 'the initialized notification');
  await extension.deactivate();
  await waitFor(() => entries().some((e) => e.method === 'exit'), 'the exit notification');
  const seen = entries();
  assert.deepStrictEqual(seen[0], { argv: ['lsp', '--log', 'debug'] });
  assert.deepStrictEqual(seen.slice(1).map((e) => e.method), ['initialize', 'initialized', 'shutdown', 'exit']);
  assert.deepStrictEqual(shown.errors, []);
}

async function reportsMissingBinary() {
  settings = { 'server.path': path.join(os.tmpdir(), 'no-such-dir', 'iamdsl') };
  shown.errors = [];
  await extension.activate(context());
  await extension.deactivate();
  assert.ok(
    shown.errors.some((m) => m.startsWith('iamdsl: the language server') && m.includes('was not found')),
    `expected a "not found" error, got ${JSON.stringify(shown.errors)}`,
  );
}

(async () => {
  let passed = 0;
  for (const test of [startsServerWithArguments, reportsMissingBinary]) {
    await test();
    console.log(`✓ client: ${test.name}`);
    passed++;
  }
  console.log(`client smoke tests: ${passed} passed`);
  process.exit(0);
})().catch((error) => {
  console.error('✖ client smoke test failed:', error);
  process.exit(1);
});
