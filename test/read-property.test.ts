// The property that no disturbance of a volume makes a reader throw anything but a DownwardApiError: fast-check
// schedules swaps, deletions, type flips, links out of the volume and permission changes at exact calls of the
// reader (test/chaos/volume-chaos.mjs, against the built package). Permission changes only mean something to a user
// that file modes apply to, so that run is made as user nobody (65534) when the tests run as root.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./chaos/volume-chaos.mjs', import.meta.url));
const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

interface ChaosResult {
  readonly runs: number;
  readonly outcomes: { readonly snapshot: number; readonly error: number };
  readonly failure: unknown;
}

function chaos(runs: number, permissions: boolean): Promise<ChaosResult & { seed: number }> {
  const seed = Math.floor(Math.random() * 2 ** 31);
  const args = [script, String(runs), String(seed), ...(permissions ? ['permissions'] : [])];
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env['PATH'], KD_SECRET: 'kd-env-secret-3b9f27' },
    ...(permissions ? asNobody : {}),
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (data: Buffer) => (out += String(data)));
  child.stderr.on('data', (data: Buffer) => (err += String(data)));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`volume-chaos.mjs seed ${seed} exited ${code}: ${err}`));
      else resolve({ ...(JSON.parse(out) as ChaosResult), seed });
    }),
  );
}

describe('a volume disturbed at any call of the reader', () => {
  it('gives a one-generation snapshot or a DownwardApiError, sync and async, never anything from outside', async () => {
    const [plain, denied] = await Promise.all([chaos(100, false), chaos(100, true)]);
    for (const result of [plain, denied]) {
      expect(result.failure, `seed ${result.seed}`).toBeNull();
      expect(result.runs).toBe(100);
      // Both outcomes occur, or the schedules did not disturb anything.
      expect(result.outcomes.snapshot).toBeGreaterThan(0);
      expect(result.outcomes.error).toBeGreaterThan(0);
    }
  });
});
