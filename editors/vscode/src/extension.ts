// The iamdsl extension: a thin client. Everything the editor shows beyond colours (diagnostics,
// completion, hover, go-to-definition, rename, formatting) comes from the language server,
// `iamdsl lsp`, which this file starts over stdio.

import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  Executable,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';

const CLIENT_ID = 'iamdsl';
const CLIENT_NAME = 'iamdsl Language Server';

let client: LanguageClient | undefined;
let outputChannel: vscode.OutputChannel | undefined;
let traceOutputChannel: vscode.OutputChannel | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  outputChannel = vscode.window.createOutputChannel(CLIENT_NAME);
  traceOutputChannel = vscode.window.createOutputChannel(`${CLIENT_NAME} Trace`);
  context.subscriptions.push(outputChannel, traceOutputChannel);

  context.subscriptions.push(
    vscode.commands.registerCommand('iamdsl.restartServer', () => restart()),
    vscode.commands.registerCommand('iamdsl.showOutput', () => outputChannel?.show(true)),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('iamdsl.server')) {
        await restart();
      }
    }),
  );

  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

/** The command line that starts the server: `<iamdsl.server.path> lsp <iamdsl.server.extraArgs…>`. */
export function serverCommand(config: vscode.WorkspaceConfiguration): Executable {
  const configured = (config.get<string>('server.path') ?? '').trim() || 'iamdsl';
  const extraArgs = (config.get<unknown[]>('server.extraArgs') ?? []).map((arg) => String(arg));
  // No `transport` here: stdio is the default for an Executable, and naming it would make
  // vscode-languageclient append `--stdio` to the arguments, which `iamdsl lsp` does not need.
  return {
    command: resolveServerPath(configured),
    args: ['lsp', ...extraArgs],
    options: { env: { ...process.env } },
  };
}

/**
 * A bare name (`iamdsl`) is left for the OS to find on PATH; `~/…` is the home directory; any other
 * relative path (`./target/debug/iamdsl`) is taken from the first workspace folder.
 */
function resolveServerPath(configured: string): string {
  if (configured === '~' || configured.startsWith('~/') || configured.startsWith('~\\')) {
    return path.join(os.homedir(), configured.slice(1));
  }
  const hasSeparator = configured.includes('/') || configured.includes('\\');
  if (!hasSeparator || path.isAbsolute(configured)) {
    return configured;
  }
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? path.join(folder.uri.fsPath, configured) : path.resolve(configured);
}

async function start(): Promise<void> {
  const config = vscode.workspace.getConfiguration('iamdsl');
  const executable = serverCommand(config);
  const serverOptions: ServerOptions = { run: executable, debug: executable };

  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'iamdsl' },
      { scheme: 'untitled', language: 'iamdsl' },
    ],
    synchronize: {
      // Every *.iamdsl file below the project root is one namespace, and iamdsl.toml holds the
      // project's settings: the server must hear about changes to files that are not open.
      fileEvents: [
        vscode.workspace.createFileSystemWatcher('**/*.iamdsl'),
        vscode.workspace.createFileSystemWatcher('**/iamdsl.toml'),
      ],
    },
    outputChannel,
    traceOutputChannel,
  };

  const newClient = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  newClient.onDidChangeState((event) => {
    if (event.newState === State.Stopped) {
      outputChannel?.appendLine('The iamdsl language server stopped.');
    }
  });
  client = newClient;

  try {
    await newClient.start();
  } catch (error) {
    client = undefined;
    const detail = error instanceof Error ? error.message : String(error);
    outputChannel?.appendLine(
      `Could not start "${executable.command} ${(executable.args ?? []).join(' ')}": ${detail}`,
    );
    const openSettings = 'Open Settings';
    const showOutput = 'Show Output';
    const missing = /ENOENT/.test(detail);
    const choice = await vscode.window.showErrorMessage(
      missing
        ? `iamdsl: the language server "${executable.command}" was not found. ` +
            'Install iamdsl and put it on PATH, or set "iamdsl.server.path".'
        : `iamdsl: the language server "${executable.command} lsp" did not start (${detail}). ` +
            'Check that this iamdsl has the `lsp` command, or set "iamdsl.server.path".',
      openSettings,
      showOutput,
    );
    if (choice === openSettings) {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'iamdsl.server');
    } else if (choice === showOutput) {
      outputChannel?.show(true);
    }
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop();
    } catch (error) {
      outputChannel?.appendLine(`Stopping the language server failed: ${String(error)}`);
    }
  }
}

async function restart(): Promise<void> {
  await stop();
  await start();
}
