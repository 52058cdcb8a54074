// Reads a volume, synchronously and through promises in turn, while bench/swap-writer.js swaps its generations back
// to back in another process; counts failed reads and snapshots that mix generations. Used by the swap test and
// by `npm run soak`; the readers are passed in, so the test reads through src/ and the soak through dist/.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generationOf, SWAP_SPEC } from './swap-spec.js';

const writer = fileURLToPath(new URL('./swap-writer.js', import.meta.url));

/**
 * @param {{ dir: string, order: 'rename' | 'relink', swaps: number,
 *           readSync: (options: object) => any, read: (options: object) => Promise<any>, spec?: object }} run
 */
export async function race({ dir, order, swaps, readSync, read, spec = SWAP_SPEC }) {
  const child = spawn(process.execPath, [writer, dir, order, String(swaps)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout.on('data', (data) => (output += data));
  child.stderr.on('data', (data) => (errors += data));
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  let finished = false;
  void exited.then(() => (finished = true));
  while (!output.includes('ready') && !finished) await new Promise((resolve) => setTimeout(resolve, 2));

  const stats = { sync: 0, async: 0, failed: 0, mixed: 0, generations: new Set(), slowestMs: 0, firstFailure: undefined };
  const options = { spec, env: {}, volume: dir };
  const check = (meta) => {
    const gen = generationOf(meta);
    if (gen === undefined) stats.mixed++;
    else stats.generations.add(gen);
  };
  const fail = (error) => {
    stats.failed++;
    stats.firstFailure ??= error instanceof Error ? error.message : String(error);
  };
  while (!finished) {
    let start = performance.now();
    try {
      check(readSync(options));
    } catch (error) {
      fail(error);
    }
    stats.slowestMs = Math.max(stats.slowestMs, performance.now() - start);
    stats.sync++;
    start = performance.now();
    await read(options).then(check, fail);
    stats.slowestMs = Math.max(stats.slowestMs, performance.now() - start);
    stats.async++;
  }
  const code = await exited;
  if (code !== 0 || !output.includes(`done ${swaps}`)) throw new Error(`the swap writer failed (exit ${code}): ${errors}`);
  return { ...stats, generations: stats.generations.size };
}
