// Benchmarks: each figure is printed next to a baseline measured in the same run, on the same machine.
// Run with `npm run bench`. Nothing here asserts timings; read the numbers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defineSpec, formatDownwardMap, parseDownwardMap, parseQuantity, readPodMetadata, readPodMetadataSync } from '../dist/index.js';
import { watchPodMetadata } from '../dist/rxjs.js';
import { createDownwardVolume } from '../dist/testing/index.js';
import { median, opsPerSecond } from './measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const seedEnv = Object.fromEntries(
  readFileSync(new URL('../fixtures/env/seed.env', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);

console.log('kube-downward benchmarks (median of runs; baseline in the same run)\n');

// 1. What an app pays at start-up to read its identity: process start to the first snapshot, against a bare node
// process, as interleaved pairs (the order alternating) so that a machine busy with other work weighs on both.
// The target: at most 25 ms over the bare process. Each process also reports its own CPU time (user + system, all
// threads), which waiting for a busy CPU does not inflate.
const pairs = 30;
const reportCpu = "const u = process.cpuUsage(); process.stdout.write(String((u.user + u.system) / 1000));";
const bareArgs = ['-e', reportCpu];
const readArgs = (volume) => [
  '--input-type=module',
  '-e',
  `import { readPodMetadataSync } from 'kube-downward'; readPodMetadataSync(${volume ? `{ volume: '${volume}' }` : ''}); ${reportCpu}`,
];
function timed(args, env) {
  const start = process.hrtime.bigint();
  const cpu = Number(execFileSync(process.execPath, args, { cwd: root, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' }));
  return { wall: Number(process.hrtime.bigint() - start) / 1e6, cpu };
}
// What Node's ES module loader itself costs, whatever the module: importing an empty file.
const emptyDir = mkdtempSync(join(tmpdir(), 'kube-downward-bench-'));
writeFileSync(join(emptyDir, 'empty.mjs'), '');
const variants = [
  { title: "import 'kube-downward' + read (env)            ", args: readArgs(), env: seedEnv },
  { title: "import 'kube-downward' + read (seed volume)    ", args: readArgs('fixtures/volumes/seed'), env: {} },
  { title: "import of an empty ES module (Node's own share)", args: ['--input-type=module', '-e', `import ${JSON.stringify(pathToFileURL(join(emptyDir, 'empty.mjs')).href)}; ${reportCpu}`], env: {} },
];
// The variants take turns pair by pair, so that a machine whose speed drifts during the run weighs on each alike.
const rows = variants.map(() => ({ bare: [], read: [], wall: [], cpu: [] }));
for (const { args, env } of variants) timed(args, env); // warm the file-system cache
timed(bareArgs, {});
for (let i = 0; i < pairs; i++) {
  variants.forEach(({ args, env }, v) => {
    const [bare, read] = i % 2 === 0 ? [timed(bareArgs, {}), timed(args, env)] : [timed(args, env), timed(bareArgs, {})].reverse();
    rows[v].bare.push(bare.wall);
    rows[v].read.push(read.wall);
    rows[v].wall.push(read.wall - bare.wall);
    rows[v].cpu.push(read.cpu - bare.cpu);
  });
}
rmSync(emptyDir, { recursive: true, force: true });
const ms = (values) => median(values).toFixed(1);
console.log(`start-up: process start to the first readPodMetadataSync snapshot (${pairs} interleaved pairs, medians; target <= +25 ms)`);
console.log(`  baseline  node -e (bare)                           ${ms(rows.flatMap((row) => row.bare))} ms`);
variants.forEach(({ title }, v) => {
  const row = rows[v];
  console.log(`  ${title}  ${ms(row.read)} ms  (pair difference: wall +${ms(row.wall)} ms, CPU +${ms(row.cpu)} ms)`);
});
console.log();

// 2. Parsing a large annotations file (a kubectl last-applied-configuration of ~200 KB).
const lastApplied = JSON.stringify({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  spec: { template: { spec: { containers: Array.from({ length: 400 }, (_, i) => ({ name: `c${i}`, image: `registry.example.com/app:${i}`, env: [{ name: 'A', value: 'x="y"\n' }] })) } } },
});
const annotations = formatDownwardMap({
  'kubectl.kubernetes.io/last-applied-configuration': lastApplied,
  'kubernetes.io/config.seen': '2026-11-26T09:21:53.288983724Z',
  'kubernetes.io/config.source': 'api',
  'example.com/unicode': 'naïve café – 日本語 – 😀',
});
const naive = (text) => Object.fromEntries(text.split('\n').map((l) => [l.slice(0, l.indexOf('=')), JSON.parse(l.slice(l.indexOf('=') + 1))]));
const exact = opsPerSecond(() => parseDownwardMap(annotations));
const baseline = opsPerSecond(() => naive(annotations));
const mb = annotations.length / 1e6;
console.log(`parse a ${(annotations.length / 1024).toFixed(0)} KiB annotations file`);
console.log(`  baseline  split + JSON.parse (wrong on Go escapes)  ${(baseline * mb).toFixed(1)} MB/s`);
console.log(`  parseDownwardMap (exact Go unquoting)               ${(exact * mb).toFixed(1)} MB/s  (${(exact / baseline).toFixed(2)}x)\n`);

// 3. Formatting the same map, against JSON.stringify of its values.
const map = parseDownwardMap(annotations);
const fmt = opsPerSecond(() => formatDownwardMap(map));
const jsonFmt = opsPerSecond(() => Object.entries(map).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n'));
console.log('format the same map');
console.log(`  baseline  JSON.stringify per value (wrong escapes)  ${(jsonFmt * mb).toFixed(1)} MB/s`);
console.log(`  formatDownwardMap (exact Go quoting)                ${(fmt * mb).toFixed(1)} MB/s  (${(fmt / jsonFmt).toFixed(2)}x)\n`);

// 4. Quantities, against Number.parseFloat of the digits.
const inputs = ['100m', '1.5', '4Mi', '0.5Gi', '1e3', '250m', '128974848', '1.3E+6'];
const q = opsPerSecond(() => inputs.forEach((s) => parseQuantity(s).milliValue()));
const f = opsPerSecond(() => inputs.forEach((s) => Number.parseFloat(s)));
console.log(`parse ${inputs.length} quantities`);
console.log(`  baseline  Number.parseFloat (no suffixes, float error)  ${(f / 1e3).toFixed(0)}k batches/s`);
console.log(`  parseQuantity + milliValue (exact)                     ${(q / 1e3).toFixed(0)}k batches/s  (${(q / f).toFixed(2)}x)\n`);

// 5. Reading the pod from env in-process (what a hot path would pay per call).
const read = opsPerSecond(() => readPodMetadataSync({ env: seedEnv }));
const copy = opsPerSecond(() => Object.freeze({ ...seedEnv }));
console.log('read the seed pod from env, in process');
console.log(`  baseline  copy + freeze the env object          ${(copy / 1e3).toFixed(0)}k/s`);
console.log(`  readPodMetadataSync({ env })                    ${(read / 1e3).toFixed(0)}k/s`);

// 6. How soon a kubelet update is seen: watchPodMetadata against re-reading every 100 ms (polling).
const spec = defineSpec({ env: [], volume: { mountPath: '/unused', items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } });
const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))];

async function latencies(subscribeTo, updates) {
  const volume = createDownwardVolume({ pod: { labels: { n: '0' } } });
  const seen = new Map();
  const stop = subscribeTo(volume.directory, (n) => seen.set(n, performance.now()));
  await waitUntil(() => seen.has('0'));
  const result = [];
  for (let n = 1; n <= updates; n++) {
    const start = performance.now();
    volume.update({ labels: { n: String(n) } });
    await waitUntil(() => seen.has(String(n)));
    result.push(seen.get(String(n)) - start);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  stop();
  volume.remove();
  return result;
}

function waitUntil(condition) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const check = () => (condition() ? resolve() : Date.now() > deadline ? reject(new Error('timed out')) : setTimeout(check, 0.5));
    check();
  });
}

const watched = await latencies((dir, seen) => {
  const subscription = watchPodMetadata({ spec, env: {}, volume: dir, debounceMs: 1 }).subscribe((m) => seen(m.labels.n));
  return () => subscription.unsubscribe();
}, 20);
const polled = await latencies((dir, seen) => {
  let running = true;
  const poll = async () => {
    while (running) {
      seen((await readPodMetadata({ spec, env: {}, volume: dir })).labels.n);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  void poll();
  return () => (running = false);
}, 20);
console.log('\nlatency from a kubelet-style update to the new snapshot (20 paced updates)');
console.log(`  baseline  re-read every 100 ms           p50 ${percentile(polled, 50).toFixed(1)} ms  p99 ${percentile(polled, 99).toFixed(1)} ms`);
console.log(`  watchPodMetadata (debounceMs 1)          p50 ${percentile(watched, 50).toFixed(1)} ms  p99 ${percentile(watched, 99).toFixed(1)} ms`);
