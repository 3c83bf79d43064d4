// Differential oracle: evaluates AWS IAM requests with the independent evaluator
// @cloud-copilot/iam-simulate, to compare its decisions with iamdsl's own evaluator.
//
// Input (stdin): a JSON array of cases, each
//   { "principal": ARN, "action": "svc:Action", "resource": ARN or "*",
//     "resourceAccount": "123456789012" or null,
//     "identityPolicies": [policy, ...], "boundary": policy or null,
//     "scps": [policy, ...] (empty: no organization), "resourcePolicy": policy or null,
//     "scpLevels", "rcpLevels": [[policy, ...], ...] (optional: the SCPs and RCPs of each
//       level of the organization, root first; `scps` is one level),
//     "context": { "aws:SourceIp": "192.0.2.1", "aws:TagKeys": ["a", "b"], ... } }
// Output (stdout): a JSON array with one result per case, in order:
//   { "decision": "Allow" | "ExplicitDeny" | "ImplicitDeny" }, or
//   { "error": message } when the simulator refuses the case.
//
// Mapping choices:
// - `scps` form one level of the organization (one of them must allow); `scpLevels` and
//   `rcpLevels` one level per list, each of which must allow;
// - a null resourceAccount means the principal's own account (a same-account request);
// - context booleans and numbers are passed as strings, as AWS sends them.
//
// Usage: npm ci && node simulate.mjs < cases.json

import { runSimulation } from '@cloud-copilot/iam-simulate';

const DECISIONS = {
  Allowed: 'Allow',
  ExplicitlyDenied: 'ExplicitDeny',
  ImplicitlyDenied: 'ImplicitDeny',
};

const named = (prefix, policies) =>
  policies.map((policy, i) => ({ name: `${prefix}${i + 1}`, policy }));

// One entry per level of the organization, root first.
const levels = (prefix, lists) =>
  lists.map((policies, level) => ({
    orgIdentifier: `ou-level${level + 1}`,
    policies: named(`${prefix}${level + 1}-`, policies),
  }));

const asContextValue = (value) =>
  Array.isArray(value) ? value.map(String) : String(value);

function toSimulation(c) {
  const principalAccount = c.principal.split(':')[4];
  const context = Object.fromEntries(
    Object.entries(c.context ?? {}).map(([k, v]) => [k, asContextValue(v)]),
  );
  return {
    request: {
      principal: c.principal,
      action: c.action,
      resource: { resource: c.resource, accountId: c.resourceAccount ?? principalAccount },
      contextVariables: context,
    },
    identityPolicies: named('identity', c.identityPolicies ?? []),
    permissionBoundaryPolicies: c.boundary ? named('boundary', [c.boundary]) : undefined,
    serviceControlPolicies: levels('scp', c.scpLevels ?? (c.scps?.length ? [c.scps] : [])),
    resourceControlPolicies: levels('rcp', c.rcpLevels ?? []),
    resourcePolicy: c.resourcePolicy ?? undefined,
  };
}

async function evaluate(c) {
  try {
    const response = await runSimulation(toSimulation(c), { simulationMode: 'Strict' });
    if (response.resultType === 'error') {
      const { message, ...details } = response.errors;
      const detail = Object.keys(details).length ? ` ${JSON.stringify(details)}` : '';
      return { error: message + detail };
    }
    return { decision: DECISIONS[response.overallResult] };
  } catch (e) {
    return { error: String(e?.message ?? e) };
  }
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const results = [];
for (const c of cases) results.push(await evaluate(c));
process.stdout.write(JSON.stringify(results) + '\n');
