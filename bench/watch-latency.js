// How soon a kubelet update reaches a subscriber, and whether every state does: a second process writes 1,000
// updates with 50 ms between them with the testing kit's atomic writer and records the monotonic time of each `..data` rename;
// this process watches the volume with the engine's default options, with an independent chokidar watcher on the
// same volume in the process, beside a raw `fs.watch` of the directory (the floor: the rename event itself) in the
// same run. Nothing asserts timings; read the numbers, and the machine's load printed with them.
// Run with `npm run bench` (or `node bench/watch-latency.js [updates] [pace ms]` after a build).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, watch as fsWatch } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { watch as chokidarWatch } from 'chokidar';
import { defineSpec } from '../dist/index.js';
import { subscribe } from '../dist/live/engine.js';

const updates = Number(process.argv[2] ?? 1000);
const pace = Number(process.argv[3] ?? 50);
const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))];
const ms = (ns) => Number(ns) / 1e6;

async function run({ chokidar }) {
  const root = mkdtempSync(join(tmpdir(), 'kube-downward-bench-'));
  const directory = join(root, 'volume');
  const writer = spawn(process.execPath, [new URL('./watch-writer.js', import.meta.url).pathname, directory, String(updates), String(pace)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const renamed = new Map();
  const lines = createInterface({ input: writer.stdout });
  const first = new Promise((resolve) => lines.once('line', resolve));
  lines.on('line', (line) => {
    const { n, renamedAt } = JSON.parse(line);
    if (renamedAt !== undefined) renamed.set(String(n), BigInt(renamedAt));
  });
  await first;

  const emitted = new Map();
  const raw = [];
  const other = chokidar ? chokidarWatch(directory, { ignoreInitial: true }).on('all', () => {}) : undefined;
  if (other) await new Promise((resolve) => other.once('ready', resolve));
  const baseline = fsWatch(directory, (_event, filename) => {
    if (filename === '..data') raw.push(process.hrtime.bigint());
  });
  const spec = defineSpec({ env: [], volume: { mountPath: directory, items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } });
  let problems = 0;
  const stop = subscribe({ spec, env: {}, volume: directory }, {
    next: (event) => {
      if (event.type === 'snapshot') emitted.set(event.metadata.labels.n, process.hrtime.bigint());
      else problems++;
    },
  });
  while (!emitted.has('0')) await new Promise((resolve) => setTimeout(resolve, 5));
  const load = loadavg()[0];
  const done = new Promise((resolve) => writer.once('exit', resolve));
  writer.stdin.write('go\n');
  await done;
  await new Promise((resolve) => setTimeout(resolve, 500));
  stop();
  baseline.close();
  await other?.close();
  rmSync(root, { recursive: true, force: true });

  // The raw watch sees one `..data` event per rename; pair them in order.
  const rawLatencies = [...renamed.values()].slice(0, raw.length).map((at, i) => ms(raw[i] - at));
  const latencies = [];
  const renames = [...renamed.values()];
  let missed = 0;
  let stalled = 0;
  [...renamed].forEach(([n, at], i) => {
    const seen = emitted.get(n);
    if (seen !== undefined) {
      latencies.push(ms(seen - at));
      return;
    }
    missed++;
    // A state lives until the next rename; if even the raw event arrived after that, the process was not running.
    const lifetime = i + 1 < renames.length ? ms(renames[i + 1] - at) : Infinity;
    if ((rawLatencies[i] ?? Infinity) >= lifetime) stalled++;
  });
  return { latencies, rawLatencies, missed, stalled, problems, load };
}

console.log(`\nwatch latency: ${updates} kubelet-style updates, ${pace} ms between them, written by a second process (${cpus().length} cores)`);
for (const chokidar of [true, false]) {
  const r = await run({ chokidar });
  const line = (name, values) => `  ${name.padEnd(46)} p50 ${percentile(values, 50).toFixed(2)} ms  p99 ${percentile(values, 99).toFixed(2)} ms  max ${Math.max(...values).toFixed(1)} ms`;
  console.log(`${chokidar ? 'with' : 'without'} a second chokidar watcher in the process (load average ${r.load.toFixed(2)} at start)`);
  console.log(line('baseline  raw fs.watch: ..data rename event', r.rawLatencies));
  console.log(line('engine (default options): rename to emission', r.latencies));
  console.log(`  missed states ${r.missed} of ${updates} (${r.stalled} of them while even the raw rename event came after the next rename), problem events ${r.problems}`);
}

// Faults: after each one, how long from the next real change (a `..data` rename) to its emission, with the default
// options (the liveness check every 500 ms, the resync left at 60 s). Same process, raw operations on the volume.
{
  const { cpSync, mkdirSync, readlinkSync, renameSync, symlinkSync, writeFileSync } = await import('node:fs');
  const root = mkdtempSync(join(tmpdir(), 'kube-downward-faults-'));
  const directory = join(root, 'volume');
  const copy = join(root, 'copy');
  let generation = 0;
  const swap = (dir, target, labels) => {
    const old = readlinkSync(join(dir, '..data'));
    if (labels !== undefined) {
      mkdirSync(join(dir, target));
      writeFileSync(join(dir, target, 'labels'), labels);
    }
    symlinkSync(target, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    rmSync(join(dir, old), { recursive: true, force: true });
  };
  const { createDownwardVolume } = await import('../dist/testing/index.js');
  const items = [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }];
  createDownwardVolume({ pod: { labels: { n: 'start' } }, items, directory });
  createDownwardVolume({ pod: { labels: { n: 'copy' } }, items, directory: copy });
  const spec = defineSpec({ env: [], volume: { mountPath: directory, items } });
  let latest;
  let problems = 0;
  const stop = subscribe({ spec, env: {}, volume: directory }, {
    next: (event) => {
      if (event.type === 'snapshot') latest = { n: event.metadata.labels.n, at: performance.now() };
      else problems++;
    },
  });
  const until = async (n) => {
    const deadline = performance.now() + 70_000;
    while (latest?.n !== n && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1));
    return latest?.n === n ? latest.at : Number.NaN;
  };
  await until('start');
  const faults = {
    'deleted and re-created at once (rm -rf + copy)': () => {
      rmSync(directory, { recursive: true });
      cpSync(copy, directory, { recursive: true, verbatimSymlinks: true });
    },
    'dangling ..data': () => swap(directory, '..gone'),
    'volume path flipped to a file and back': () => {
      rmSync(directory, { recursive: true });
      writeFileSync(directory, 'x');
      rmSync(directory);
      cpSync(copy, directory, { recursive: true, verbatimSymlinks: true });
    },
  };
  console.log(`\nrecovery after a fault: from the next ..data rename to its emission (default options, load average ${loadavg()[0].toFixed(2)})`);
  for (const [name, fault] of Object.entries(faults)) {
    const problemsBefore = problems;
    const times = [];
    for (let round = 0; round < 5; round++) {
      fault();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const n = `after-${++generation}`;
      const start = performance.now();
      swap(directory, `..2026_11_30_10_00_00.${generation}`, `n="${n}"`);
      times.push((await until(n)) - start);
    }
    console.log(`  ${name.padEnd(46)} max ${Math.max(...times).toFixed(1)} ms  (5 rounds: ${times.map((t) => t.toFixed(1)).join(', ')}; ${problems - problemsBefore} problem events)`);
  }
  stop();
  rmSync(root, { recursive: true, force: true });
}

// Nothing left behind: 3,000 watches, each with fresh options holding a 100 KiB env, subscribed until the first
// snapshot and then unsubscribed. The heap after a full collection, before and after, and the open watches.
{
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  const { readdirSync } = await import('node:fs');
  const { createDownwardVolume } = await import('../dist/testing/index.js');
  const { openWatches } = await import('../dist/live/engine.js');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const items = [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }];
  const volume = createDownwardVolume({ pod: { labels: { n: '0' } }, items });
  const cycle = (i) =>
    new Promise((resolve) => {
      const spec = defineSpec({ env: [], volume: { mountPath: volume.directory, items } });
      const env = { PADDING: 'x'.repeat(100 * 1024), I: String(i) };
      const stop = subscribe({ spec, env, volume: volume.directory }, {
        next: () =>
          queueMicrotask(() => {
            stop();
            resolve();
          }),
      });
    });
  const heap = () => {
    gc();
    return process.memoryUsage().heapUsed / 1e6;
  };
  await cycle(-1);
  const [heapBefore, fdsBefore] = [heap(), readdirSync('/proc/self/fd').length];
  for (let i = 0; i < 3000; i++) await cycle(i);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const heapAt100 = heap();
  // Both figures: a closed watch must not stay reachable even for a moment (an fs request in flight once held them).
  await new Promise((resolve) => setTimeout(resolve, 2900));
  const [heapAfter, fdsAfter] = [heap(), readdirSync('/proc/self/fd').length];
  volume.remove();
  console.log('\n3,000 watch cycles, each with fresh options and a 100 KiB env');
  console.log(`  heap after a full GC  ${heapBefore.toFixed(1)} MB before, ${heapAt100.toFixed(1)} MB 0.1 s after the last cycle, ${heapAfter.toFixed(1)} MB 3 s after`);
  console.log(`  open fds              ${fdsBefore} before, ${fdsAfter} after; open watches ${openWatches()}`);
}
