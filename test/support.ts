// What several test files share: the seed pod's env, and catching the DownwardApiError a call must throw.
import { readFileSync } from 'node:fs';
import { parseEnvFile } from '../src/cli/env-file.js';
import { isDownwardApiError, type DownwardApiError } from '../src/errors.js';

/** fixtures/env/seed.env: the env of the README's pod, as `kubectl exec downward env` shows it. */
export const seedEnv: Readonly<Record<string, string>> = { ...parseEnvFile(readFileSync(new URL('../fixtures/env/seed.env', import.meta.url), 'utf8'), 'seed.env') };

/** The DownwardApiError that `run` throws; fails the test if it returns or throws anything else. */
export function failure(run: () => unknown): DownwardApiError {
  try {
    run();
  } catch (error) {
    if (isDownwardApiError(error)) return error;
    throw error;
  }
  throw new Error('expected a DownwardApiError');
}

/** Manifest data as Kubernetes reads it: YAML's `divisor: 1` is a number, the API server's quantity "1" is text. */
export function asKubernetesReadsIt(data: unknown): unknown {
  return JSON.parse(JSON.stringify(data, (key, value: unknown) => (key === 'divisor' ? String(value) : value)));
}
