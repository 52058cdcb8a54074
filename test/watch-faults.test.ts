// The faults that nodes and the kubelet really produce, reproduced on real directories while a watcher runs in a
// process of its own (test/harness/watch-child.mjs, the built engine): as user nobody where file modes matter (root
// ignores them), beside another chokidar watcher, short of file handles. Each run ends with `stop`, after which the
// watcher's process must exit by itself: nothing of the watch may outlive the last unsubscribe, in any fault state.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDownwardVolume, type DownwardVolume } from '../src/testing/index.js';

const harness = fileURLToPath(new URL('./harness/watch-child.mjs', import.meta.url));
const project = fileURLToPath(new URL('..', import.meta.url));
// Root ignores file modes: as root, the watcher runs as user nobody; as anyone else, as that user.
const NOBODY: { uid?: number; gid?: number } = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
const WAIT = { timeout: 10_000, interval: 20 } as const;

type Line =
  | { type: 'ready' | 'complete' | 'released' }
  | { type: 'stopped'; open: number }
  | { type: 'snapshot'; labels: Record<string, string>; at: number }
  | { type: 'problem'; code: string; problems: string[]; rule?: string; cause?: string }
  | { type: 'error'; message: string; code?: string };

let root: string;
const cleanup: (() => void)[] = [];

beforeAll(() => {
  // A directory user nobody can reach (mkdtemp makes it 0700), away from the churn of the shared /tmp: the test of
  // a re-created volume needs the file system to hand out a freed inode number again.
  fs.mkdirSync(join(project, 'temp'), { recursive: true });
  root = fs.mkdtempSync(join(project, 'temp', 'faults-'));
  fs.chmodSync(root, 0o755);
  return () => fs.rmSync(root, { recursive: true, force: true });
});

afterEach(() => {
  for (const run of cleanup.splice(0)) run();
});

let count = 0;
function volume(labels: Record<string, string>): DownwardVolume {
  const created = createDownwardVolume({ pod: { labels }, items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }], directory: join(root, `v${count++}`) });
  fs.chmodSync(created.directory, 0o755);
  return created;
}

interface Watcher {
  readonly lines: Line[];
  readonly child: ChildProcessWithoutNullStreams;
  snapshots(): Record<string, string>[];
  problems(): Extract<Line, { type: 'problem' }>[];
  send(command: 'stop' | 'release'): void;
  /** Sends `stop` and resolves with the exit code once the process has exited by itself. */
  stop(): Promise<number | null>;
}

async function watcher(dir: string, options: { chokidar?: boolean; hog?: boolean; user?: typeof NOBODY } = {}): Promise<Watcher> {
  const args = [harness, JSON.stringify({ volume: dir, chokidar: options.chokidar === true, hog: options.hog === true })];
  // `ulimit -n` keeps the handles to take few, so that the watch starts with none to spare.
  const child = options.hog
    ? spawn('sh', ['-c', `ulimit -n 256 && exec "${process.execPath}" "$@"`, 'sh', ...args], { env: { PATH: process.env['PATH'] ?? '' }, ...options.user })
    : spawn(process.execPath, args, { env: { PATH: process.env['PATH'] ?? '' }, ...options.user });
  const lines: Line[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      lines.push(JSON.parse(buffer.slice(0, end)) as Line);
      buffer = buffer.slice(end + 1);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanup.push(() => child.kill('SIGKILL'));
  await vi.waitFor(() => expect({ ready: lines.some((l) => l.type === 'ready'), stderr }).toEqual({ ready: true, stderr: '' }), WAIT);
  const w: Watcher = {
    lines,
    child,
    snapshots: () => lines.flatMap((l) => (l.type === 'snapshot' ? [l.labels] : [])),
    problems: () => lines.flatMap((l) => (l.type === 'problem' ? [l] : [])),
    send: (command) => child.stdin.write(`${command}\n`),
    stop: async () => {
      w.send('stop');
      const code = await exited;
      expect(lines.find((l) => l.type === 'stopped')).toEqual({ type: 'stopped', open: 0 });
      expect(stderr).toBe('');
      return code;
    },
  };
  return w;
}

const last = (w: Watcher) => w.snapshots().at(-1);

/** The kubelet's update sequence by hand, for volumes the testing kit did not write or would refuse to write. */
function swap(dir: string, target: string, files?: Record<string, string>): void {
  const old = fs.readlinkSync(join(dir, '..data'));
  if (files !== undefined) {
    fs.mkdirSync(join(dir, target), { mode: 0o755 });
    for (const [path, content] of Object.entries(files)) fs.writeFileSync(join(dir, target, path), content, { mode: 0o644 });
  }
  fs.symlinkSync(target, join(dir, '..data_tmp'));
  fs.renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  fs.rmSync(join(dir, old), { recursive: true, force: true });
}

let generation = 0;
const nextGeneration = () => `..2026_11_30_10_00_00.${++generation}`;

describe('never deaf', () => {
  it('follows a volume deleted and re-created at once (rm -rf + copy, the inode number reused)', async () => {
    const v = volume({ n: '0' });
    const copy = volume({ n: 'copy' });
    const w = await watcher(v.directory, { user: NOBODY });
    await vi.waitFor(() => expect(last(w)).toEqual({ n: '0' }), WAIT);
    const inode = fs.statSync(v.directory).ino;
    // ext4 and tmpfs hand the freed inode number to the next directory made: that is what fooled the old check.
    // Other processes creating files may take it first, so try until the number is reused.
    let reused = false;
    for (let attempt = 0; attempt < 500 && !reused; attempt++) {
      fs.rmSync(v.directory, { recursive: true });
      fs.cpSync(copy.directory, v.directory, { recursive: true, verbatimSymlinks: true });
      reused = fs.statSync(v.directory).ino === inode;
    }
    expect(reused).toBe(true);
    await vi.waitFor(() => expect(last(w)).toEqual({ n: 'copy' }), WAIT);
    // The proof that the watch is attached to the new directory: the next change arrives.
    swap(v.directory, nextGeneration(), { labels: 'n="after"' });
    await vi.waitFor(() => expect(last(w)).toEqual({ n: 'after' }), WAIT);
    swap(v.directory, nextGeneration(), { labels: 'n="again"' });
    await vi.waitFor(() => expect(last(w)).toEqual({ n: 'again' }), WAIT);
    expect(w.lines.filter((l) => l.type === 'error')).toEqual([]);
    expect(await w.stop()).toBe(0);
  });

  it('reports a permission loss once and recovers with the change made meanwhile (as user nobody)', async () => {
    const v = volume({ n: '0' });
    const w = await watcher(v.directory, { user: NOBODY });
    await vi.waitFor(() => expect(last(w)).toEqual({ n: '0' }), WAIT);
    fs.chmodSync(v.directory, 0o000);
    await vi.waitFor(() => expect(w.problems().map((p) => p.problems)).toEqual([['VOLUME_UNREADABLE']]), WAIT);
    expect(w.problems()[0]?.rule).toContain('EACCES');
    v.update({ labels: { n: '1' } });
    fs.chmodSync(v.directory, 0o755);
    await vi.waitFor(() => expect(last(w)).toEqual({ n: '1' }), WAIT);
    v.update({ labels: { n: '2' } });
    await vi.waitFor(() => expect(last(w)).toEqual({ n: '2' }), WAIT);
    // Lost again, and the process stops while the volume is unreadable.
    fs.chmodSync(v.directory, 0o000);
    await vi.waitFor(() => expect(w.problems()).toHaveLength(2), WAIT);
    expect(await w.stop()).toBe(0);
    fs.chmodSync(v.directory, 0o755);
    expect(w.snapshots()).toEqual([{ n: '0' }, { n: '1' }, { n: '2' }]);
  });

  it('reports a dangling ..data and follows it when it is pointed at a generation again', async () => {
    const v = volume({ n: '0' });
    const w = await watcher(v.directory, { user: NOBODY });
    await vi.waitFor(() => expect(last(w)).toEqual({ n: '0' }), WAIT);
    swap(v.directory, '..2026_11_30_09_00_00.gone');
    await vi.waitFor(() => expect(w.problems().map((p) => p.problems)).toEqual([['MISSING']]), WAIT);
    swap(v.directory, nextGeneration(), { labels: 'n="1"' });
    await vi.waitFor(() => expect(last(w)).toEqual({ n: '1' }), WAIT);
    swap(v.directory, nextGeneration(), { labels: 'n="2"' });
    await vi.waitFor(() => expect(last(w)).toEqual({ n: '2' }), WAIT);
    // Dangling again when the process stops.
    swap(v.directory, '..2026_11_30_09_00_00.gone');
    await vi.waitFor(() => expect(w.problems()).toHaveLength(2), WAIT);
    expect(await w.stop()).toBe(0);
  });

  it('turns a volume path that flips between a directory and a file into problems with codes, and follows it back', async () => {
    const v = volume({ n: '0' });
    const copy = volume({ n: 'back' });
    const w = await watcher(v.directory, { user: NOBODY });
    await vi.waitFor(() => expect(last(w)).toEqual({ n: '0' }), WAIT);
    for (let round = 0; round < 3; round++) {
      fs.rmSync(v.directory, { recursive: true });
      fs.writeFileSync(v.directory, 'not a directory');
      await vi.waitFor(() => expect(w.problems().at(-1)?.rule).toContain('ENOTDIR'), WAIT);
      fs.rmSync(v.directory);
      fs.cpSync(copy.directory, v.directory, { recursive: true, verbatimSymlinks: true });
      await vi.waitFor(() => expect(last(w)).toEqual({ n: 'back' }), WAIT);
      swap(v.directory, nextGeneration(), { labels: `n="${round}"` });
      await vi.waitFor(() => expect(last(w)).toEqual({ n: String(round) }), WAIT);
    }
    fs.rmSync(v.directory, { recursive: true });
    fs.writeFileSync(v.directory, 'not a directory');
    await vi.waitFor(() => expect(w.problems().at(-1)?.rule).toContain('ENOTDIR'), WAIT);
    expect(w.problems().every((p) => p.problems.length > 0 && p.problems.every((code) => /^[A-Z_]+$/.test(code)))).toBe(true);
    expect(w.lines.filter((l) => l.type === 'error')).toEqual([]);
    expect(await w.stop()).toBe(0);
  });

  it('falls back when it cannot watch for want of file handles (EMFILE), says so once, and re-attaches', async () => {
    const v = volume({ n: '0' });
    const w = await watcher(v.directory, { hog: true });
    await vi.waitFor(() => expect(w.problems().map((p) => p.code)).toContain('WATCH_FALLBACK'), WAIT);
    expect(w.problems().find((p) => p.code === 'WATCH_FALLBACK')?.cause).toBe('EMFILE');
    w.send('release');
    await vi.waitFor(() => expect(last(w)).toEqual({ n: '0' }), WAIT);
    for (let n = 1; n <= 3; n++) {
      v.update({ labels: { n: String(n) } });
      await vi.waitFor(() => expect(last(w)).toEqual({ n: String(n) }), WAIT);
    }
    expect(w.problems().filter((p) => p.code === 'WATCH_FALLBACK')).toHaveLength(1);
    expect(await w.stop()).toBe(0);
  });
});

describe('the process exits after the last unsubscribe', () => {
  it('while the volume is deleted', async () => {
    const v = volume({ n: '0' });
    const w = await watcher(v.directory, { user: NOBODY });
    await vi.waitFor(() => expect(last(w)).toEqual({ n: '0' }), WAIT);
    fs.rmSync(v.directory, { recursive: true });
    await vi.waitFor(() => expect(w.problems().map((p) => p.problems)).toEqual([['MISSING']]), WAIT);
    expect(await w.stop()).toBe(0);
  });

  it('while it polls for want of file events', async () => {
    const v = volume({ n: '0' });
    const w = await watcher(v.directory, { hog: true });
    await vi.waitFor(() => expect(w.problems().map((p) => p.code)).toContain('WATCH_FALLBACK'), WAIT);
    expect(await w.stop()).toBe(0);
  });
});

describe('every state seen', () => {
  it.each([
    ['alone', false],
    ['beside another chokidar watcher in its process', true],
  ])('sees each of 100 updates paced 50 ms apart by another process, %s', async (_name, chokidar) => {
    const v = volume({ n: '0' });
    const w = await watcher(v.directory, { chokidar });
    await vi.waitFor(() => expect(last(w)).toEqual({ n: '0' }), WAIT);
    for (let n = 1; n <= 100; n++) {
      v.update({ labels: { n: String(n) } });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await vi.waitFor(() => expect(last(w)).toEqual({ n: '100' }), WAIT);
    expect(w.snapshots().map((s) => s.n)).toEqual(Array.from({ length: 101 }, (_, i) => String(i)));
    expect(w.problems()).toEqual([]);
    expect(await w.stop()).toBe(0);
  }, 30_000);

  it('ends a burst in its final state, with no duplicate, no unwritten state and no problem', async () => {
    const v = volume({ n: '0' });
    const w = await watcher(v.directory, { chokidar: true });
    await vi.waitFor(() => expect(last(w)).toEqual({ n: '0' }), WAIT);
    for (let n = 1; n <= 500; n++) {
      v.update({ labels: { n: String(n) } });
      // Yield now and then, so that reads meet swaps in flight.
      if (n % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await vi.waitFor(() => expect(last(w)).toEqual({ n: '500' }), WAIT);
    const values = w.snapshots().map((s) => Number(s.n));
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(new Set(values).size).toBe(values.length);
    expect(values.every((n) => Number.isInteger(n) && n >= 0 && n <= 500)).toBe(true);
    expect(w.problems()).toEqual([]);
    expect(await w.stop()).toBe(0);
  }, 30_000);
});
