// The soak: the read path under hostile and racing volumes, longer than the tests run it, with figures printed.
// Run with `npm run soak` (it builds first). Nothing here asserts timings; it prints them with the conditions.
//
// 1. Hostile files (pseudo file, FIFO, device, socket, a file grown or swapped to 400 MiB), sync and async, each in
//    a fresh process: time and peak RSS, against a process that only imports the package.
// 2. 10,000 back-to-back swaps from another process in each switch order, read sync and async meanwhile: failed
//    reads, snapshots mixing generations, slowest read, peak RSS.
// 3. The chaos property (test/chaos/volume-chaos.mjs) with many more runs, as root and as user nobody.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPodMetadata, readPodMetadataSync } from '../dist/index.js';
import { race } from './swap-race.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SWAPS = Number(process.env.SOAK_SWAPS ?? 10_000);
const CHAOS_RUNS = Number(process.env.SOAK_CHAOS_RUNS ?? 2000);
const HUGE = 400 * 1024 * 1024;

// Child mode: read one hostile volume and print time, outcome and peak RSS.
if (process.argv[2] === '--hostile') {
  const [, , , mode, volume, item, grow] = process.argv;
  const spec = { env: [], volume: { mountPath: volume, items: [{ path: item, fieldRef: { fieldPath: 'metadata.labels' } }] } };
  const options = { spec, env: {}, volume };
  if (grow === 'grow') {
    // The file grows to 400 MiB between fstat and the first read.
    const file = join(volume, fs.readlinkSync(join(volume, '..data')), item);
    fs.writeFileSync(file, 'app="web"');
    let grown = false;
    const hook = () => {
      if (!grown) fs.truncateSync(file, HUGE);
      grown = true;
    };
    options.fs = {
      ...fs,
      readSync: (...args) => (hook(), fs.readSync(...args)),
      promises: { ...fs.promises, open: async (...args) => {
        const handle = await fs.promises.open(...args);
        return { stat: () => handle.stat(), read: (...a) => (hook(), handle.read(...a)), close: () => handle.close() };
      } },
    };
  }
  const start = performance.now();
  let outcome;
  try {
    if (mode === 'sync') readPodMetadataSync(options);
    else await readPodMetadata(options);
    outcome = 'snapshot';
  } catch (error) {
    outcome = error.problems?.map((p) => `${p.code}: ${p.rule}`).join('; ') ?? `NOT CODED: ${error}`;
  }
  const ms = performance.now() - start;
  process.stdout.write(JSON.stringify({ ms, outcome, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

const dir = fs.mkdtempSync(join(tmpdir(), 'kd-soak-'));
const line = (...cells) => console.log(cells.join('  '));
const mib = (n) => `${n.toFixed(0).padStart(4)} MiB`;

console.log('kube-downward soak: the read path under hostile and racing volumes');
line(`node ${process.version}`, `${cpus().length} cores`, `load average ${loadavg().map((n) => n.toFixed(1)).join(' ')} at start`, `uid ${process.getuid()}`);
console.log('(the machine may be shared: compare figures within this run, not across runs)\n');

// 1. Hostile files.
const GENERATION = '..2026_11_26_09_21_53.1';
function kubeletVolume(name, make) {
  const volume = join(dir, name);
  fs.mkdirSync(join(volume, GENERATION), { recursive: true });
  make(join(volume, GENERATION, 'labels'));
  fs.symlinkSync(GENERATION, join(volume, '..data'));
  fs.symlinkSync('..data/labels', join(volume, 'labels'));
  return volume;
}
const server = createServer();
const cases = [
  ['size-0 pseudo file /proc/self/pagemap', '/proc/self', 'pagemap'],
  ['labels -> /proc/self/pagemap', kubeletVolume('pagemap-link', (f) => fs.symlinkSync('/proc/self/pagemap', f)), 'labels'],
  ['FIFO without a writer', kubeletVolume('fifo', (f) => execFileSync('mkfifo', [f])), 'labels'],
  ['/dev/zero', '/dev', 'zero'],
  ['socket', kubeletVolume('socket', (f) => server.listen(f)), 'labels'],
  ['9 bytes grown to 400 MiB after fstat', kubeletVolume('grow', (f) => fs.writeFileSync(f, 'app="web"')), 'labels', 'grow'],
  [
    '400 MiB sparse file',
    kubeletVolume('sparse', (f) => {
      fs.writeFileSync(f, '');
      fs.truncateSync(f, HUGE);
    }),
    'labels',
  ],
];
await new Promise((resolve) => setTimeout(resolve, 50));
const baseline = spawnSync(process.execPath, ['--input-type=module', '-e', "import 'kube-downward'; process.stdout.write(String(process.resourceUsage().maxRSS / 1024))"], { cwd: root, encoding: 'utf8' });
console.log('1. hostile files, each read in a fresh process');
line('  baseline: a process that only imports the package', `peak RSS ${mib(Number(baseline.stdout))}`);
for (const [label, volume, item, grow = ''] of cases) {
  for (const mode of ['sync', 'async']) {
    const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--hostile', mode, volume, item, grow], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    if (run.status !== 0) {
      line(`  ${label.padEnd(40)} ${mode.padEnd(5)}`, `FAILED (status ${run.status}, signal ${run.signal}) ${run.stderr.slice(0, 200)}`);
      continue;
    }
    const { ms, outcome, maxRssMiB } = JSON.parse(run.stdout);
    line(`  ${label.padEnd(40)} ${mode.padEnd(5)}`, `${ms.toFixed(1).padStart(7)} ms`, `peak RSS ${mib(maxRssMiB)}`, outcome);
  }
}
server.close();

// 2. Swaps.
console.log(`\n2. ${SWAPS} back-to-back swaps from another process, read sync and async in turn meanwhile`);
for (const order of ['rename', 'relink']) {
  const start = performance.now();
  const stats = await race({ dir: join(dir, `swaps-${order}`), order, swaps: SWAPS, readSync: readPodMetadataSync, read: readPodMetadata });
  const seconds = (performance.now() - start) / 1000;
  line(
    `  ${order.padEnd(6)} order`,
    `${seconds.toFixed(1)} s (${((SWAPS / seconds) | 0)} swaps/s)`,
    `reads ${stats.sync} sync + ${stats.async} async`,
    `failed ${stats.failed}`,
    `mixed ${stats.mixed}`,
    `generations seen ${stats.generations}`,
    `slowest read ${stats.slowestMs.toFixed(1)} ms`,
  );
  if (stats.firstFailure !== undefined) line('    first failure:', stats.firstFailure.replace(/\n/g, ' '));
}
line(`  peak RSS of this process so far ${mib(process.resourceUsage().maxRSS / 1024)}`);

// 3. Chaos.
console.log(`\n3. the chaos property, ${CHAOS_RUNS} schedules each`);
const chaos = fileURLToPath(new URL('../test/chaos/volume-chaos.mjs', import.meta.url));
for (const [who, ids, extra] of [
  ['as root, no permission changes', {}, []],
  ['as user nobody, with permission changes', process.getuid() === 0 ? { uid: 65534, gid: 65534 } : {}, ['permissions']],
]) {
  const start = performance.now();
  const seed = Math.floor(Math.random() * 2 ** 31);
  const run = spawnSync(process.execPath, [chaos, String(CHAOS_RUNS), String(seed), ...extra], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, KD_SECRET: 'kd-soak-secret-1c2d' },
    ...ids,
  });
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  if (run.status !== 0) {
    line(`  ${who}`, `FAILED (seed ${seed}): ${run.stderr.slice(0, 300)}`);
    continue;
  }
  const { runs, outcomes, failure } = JSON.parse(run.stdout);
  line(`  ${who.padEnd(40)}`, `${seconds} s`, `seed ${seed}`, `${runs} runs: ${outcomes.snapshot} snapshots, ${outcomes.error} coded errors`, failure === null ? 'no failure' : `FAILURE ${JSON.stringify(failure)}`);
}

fs.rmSync(dir, { recursive: true, force: true });
