// `kube-downward exec`, the built command, on volumes written by the testing kit and fake cgroup v2 directories: what
// the child process sees (its V8 heap limit, UV_THREADPOOL_SIZE), signals and exit codes passing through.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { maxOldSpaceSizeFor } from '../src/integrations/runtime-sizing.js';
import { downwardPodSpec } from '../src/spec/manifest.js';
import { createDownwardVolume, downwardEnv, seedPod } from '../src/testing/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/cli/main.js');
const work = join(root, 'temp', 'exec');
mkdirSync(work, { recursive: true });
const child = join(work, 'child.mjs');
writeFileSync(
  child,
  `import v8 from 'node:v8';
   process.on('SIGTERM', () => { console.log('child got SIGTERM'); process.exit(0); });
   process.on('SIGHUP', () => { console.log('child got SIGHUP'); process.exit(3); });
   const action = process.argv[2];
   if (action === 'exit') process.exit(7);
   if (action === 'kill') process.kill(process.pid, 'SIGKILL');
   console.log(JSON.stringify({ heap: v8.getHeapStatistics().heap_size_limit, threads: process.env.UV_THREADPOOL_SIZE ?? null }));
   if (action === 'wait') setInterval(() => {}, 1000);`,
);

const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

function cgroup(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'kube-downward-cgroup-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function volumeWith(limits: Record<string, string>): string {
  const volume = createDownwardVolume({
    pod: { ...seedPod, containers: [{ name: 'main', resources: { limits } }] },
    // The items `kube-downward manifest --for runtime-sizing` gives the pod.
    items: downwardPodSpec({ integrations: ['runtime-sizing'] }).volumes?.[0]?.downwardAPI.items ?? [],
  });
  cleanup.push(() => volume.remove());
  return volume.directory;
}

const baseEnv = { PATH: process.env['PATH'] ?? '' };

const heapLimits = new Map<number | undefined, number>();

/** What node itself reports as the heap limit for an old space of `mib`: the expected value, measured, not assumed. */
function heapLimitFor(mib: number | undefined): number {
  const flags = mib === undefined ? [] : [`--max-old-space-size=${mib}`];
  const limit = heapLimits.get(mib) ?? Number(execFileSync(process.execPath, [...flags, '-p', 'v8.getHeapStatistics().heap_size_limit'], { env: baseEnv, encoding: 'utf8' }));
  heapLimits.set(mib, limit);
  return limit;
}

const MiB = 1024n * 1024n;

/**
 * The old space exec must have chosen for a limit: the documented rule, after the memory exec says it reserved for
 * itself (its own resident memory, which varies from run to run; checked to be plausible).
 */
function sized(stderr: string, limitBytes: bigint): number {
  const reserved = Number(/less (\d+) MiB reserved/.exec(stderr)?.[1]);
  expect(reserved).toBeGreaterThan(20);
  expect(reserved).toBeLessThan(200);
  return maxOldSpaceSizeFor(limitBytes, BigInt(reserved) * MiB);
}

function runExec(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [cli, 'exec', ...args], { env: { ...baseEnv, ...env }, encoding: 'utf8', cwd: work });
  const lines = run.stdout.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  return { ...run, seen: last.startsWith('{') ? (JSON.parse(last) as { heap: number; threads: string | null }) : undefined };
}

describe('kube-downward exec', () => {
  it('sizes the heap and the thread pool from the Downward API volume, printing each setting once with its source', () => {
    const volume = volumeWith({ memory: '256Mi', cpu: '6' });
    const run = runExec(['--volume', volume, '--cgroup', cgroup(), '--', process.execPath, child]);
    expect(run.status).toBe(0);
    const old = sized(run.stderr, 256n * MiB);
    expect(run.seen).toEqual({ heap: heapLimitFor(old), threads: '6' });
    expect(run.seen?.heap).not.toBe(heapLimitFor(undefined));
    const lines = run.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^kube-downward exec: --max-old-space-size=${old} from limits\\.memory 256 MiB \\(Downward API\\) less \\d+ MiB reserved`)),
      expect.stringMatching(/^kube-downward exec: UV_THREADPOOL_SIZE=6 from limits\.cpu \(Downward API\) 6000m/),
    ]);
  });

  it('reads the default spec\'s env vars when there is no volume', () => {
    const env = { ...downwardEnv({ ...seedPod, containers: [{ name: 'main', resources: { limits: { memory: '1Gi' }, requests: { cpu: '9' } } }] }) };
    const run = runExec(['--cgroup', cgroup(), '--', process.execPath, child], env);
    expect(run.status).toBe(0);
    expect(run.seen?.threads).toBe('9');
    // 1Gi from a KiB figure: sized from the least it can be.
    expect(run.seen?.heap).toBe(heapLimitFor(sized(run.stderr, 1048575n * 1024n + 1n)));
  });

  it('falls back to cgroup v2, then leaves the defaults alone', () => {
    const run = runExec(['--cgroup', cgroup({ 'memory.max': '536870912\n', 'cpu.max': '1200000 100000\n' }), '--', process.execPath, child]);
    expect(run.seen).toEqual({ heap: heapLimitFor(sized(run.stderr, 512n * MiB)), threads: '12' });
    expect(run.stderr).toContain('memory.max 512 MiB');

    const bare = runExec(['--cgroup', cgroup(), '--', process.execPath, child]);
    expect(bare.seen).toEqual({ heap: heapLimitFor(undefined), threads: null });
    expect(bare.stderr).toContain('--max-old-space-size not set: no memory limit found');
  });

  it('never overrides what the user set: NODE_OPTIONS, a flag on the command line, UV_THREADPOOL_SIZE', () => {
    const limits = cgroup({ 'memory.max': '1073741824\n', 'cpu.max': '800000 100000\n' });
    const set = runExec(['--cgroup', limits, '--', process.execPath, child], { NODE_OPTIONS: '--max-old-space-size=100', UV_THREADPOOL_SIZE: '3' });
    expect(set.seen).toEqual({ heap: heapLimitFor(100), threads: '3' });
    expect(set.stderr).toContain('left as NODE_OPTIONS sets it');
    expect(set.stderr).toContain('UV_THREADPOOL_SIZE left as the environment sets it (3)');

    const flag = runExec(['--cgroup', limits, '--', process.execPath, '--max-old-space-size=80', child]);
    expect(flag.seen).toEqual({ heap: heapLimitFor(80), threads: '8' });

    // Other NODE_OPTIONS are kept, and the flag reaches node through a shell, as with `npm start`.
    const nested = runExec(['--cgroup', limits, '--', 'sh', '-c', `"${process.execPath}" "${child}"`], { NODE_OPTIONS: '--no-deprecation' });
    expect(nested.seen).toEqual({ heap: heapLimitFor(sized(nested.stderr, 1024n * MiB)), threads: '8' });
  });

  it('passes the exit code through, and death by a signal', () => {
    const limits = cgroup();
    expect(runExec(['--cgroup', limits, '--', process.execPath, child, 'exit']).status).toBe(7);
    const killed = runExec(['--cgroup', limits, '--', process.execPath, child, 'kill']);
    expect(killed.status).toBeNull();
    expect(killed.signal).toBe('SIGKILL');
    const missing = runExec(['--cgroup', limits, '--', join(work, 'no-such-command')]);
    expect(missing.status).toBe(127);
    expect(missing.stderr).toContain('cannot run');
  });

  it.each([
    ['SIGTERM', 0, 'child got SIGTERM'],
    ['SIGHUP', 3, 'child got SIGHUP'],
  ] as const)('passes %s on to the command', async (signal, code, said) => {
    const wrapper = spawn(process.execPath, [cli, 'exec', '--cgroup', cgroup(), '--', process.execPath, child, 'wait'], { env: baseEnv, cwd: work });
    cleanup.push(() => wrapper.kill('SIGKILL'));
    let stdout = '';
    wrapper.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => wrapper.on('exit', resolve));
    await vi.waitFor(() => expect(stdout).toContain('"heap"'), { timeout: 10_000 });
    wrapper.kill(signal);
    expect(await exited).toBe(code);
    expect(stdout).toContain(said);
  });

  it('has its help, and a place in the command list', () => {
    const help = spawnSync(process.execPath, [cli, 'exec', '--help'], { env: baseEnv, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: kube-downward exec');
    expect(spawnSync(process.execPath, [cli, '--help'], { env: baseEnv, encoding: 'utf8' }).stdout).toContain('  exec ');
  });

  it('wants the command after --', () => {
    const run = runExec([process.execPath, child]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Usage: kube-downward exec');
    expect(runExec(['--']).status).toBe(2);
  });
});
