import { problem, type DownwardApiProblem } from '../errors.js';
import { targetOf, type Reading } from './pod-metadata.js';
import type { DownwardApiSpec } from '../spec/spec.js';

/** The process environment, or any map shaped like it. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The env vars a (validated) spec names: their raw values, and a problem for each required one that is absent. */
export function readEnv(spec: DownwardApiSpec, env: Env): { readings: Reading[]; missing: DownwardApiProblem[] } {
  const readings: Reading[] = [];
  const missing: DownwardApiProblem[] = [];
  for (const entry of spec.env) {
    const raw = Object.hasOwn(env, entry.name) ? env[entry.name] : undefined;
    if (raw !== undefined) {
      readings.push({ target: targetOf(entry.valueFrom), raw, source: { kind: 'env', name: entry.name } });
    } else if (entry.optional !== true) {
      const from = entry.valueFrom.fieldRef
        ? `valueFrom.fieldRef.fieldPath: ${entry.valueFrom.fieldRef.fieldPath}`
        : `valueFrom.resourceFieldRef.resource: ${entry.valueFrom.resourceFieldRef.resource}`;
      missing.push(
        problem(
          'MISSING',
          { kind: 'env', name: entry.name },
          undefined,
          'set',
          `Add an env entry named ${entry.name} with ${from} to the container (\`kube-downward manifest\` prints the entries), or, if the pod does without it, read without \`strict\` (\`check --lenient\`) or mark it optional in your spec.`,
        ),
      );
    }
  }
  return { readings, missing };
}
