// Parser benchmarks: parseDownwardMap on the inputs Go's strconv.Unquote loop was measured on, each beside two
// baselines in the same run: JSON.parse of the same values (native code, what a Go-speed parser is held to) and the
// straightforward exact parser (every value through Go's Unquote to bytes, then decoded). Run with `npm run bench`;
// nothing here asserts timings.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineSpec, formatDownwardMap, parseDownwardMap, readPodMetadataSync } from '../dist/index.js';
import { parseDownwardMapExact } from '../dist/format/downward-map-exact.js';
import { decodeUtf8 } from '../dist/format/utf8.js';
import { createDownwardVolume } from '../dist/testing/index.js';
import { median } from './measure.js';

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** Time of one call, in ms: the mean over at least `minMs` of `clock` (by default CPU time, user + system). */
function round(fn, minMs, clock) {
  let calls = 0;
  const start = clock();
  let elapsed = 0;
  do {
    fn();
    calls++;
    elapsed = clock() - start;
  } while (elapsed < minMs);
  return elapsed / calls;
}

/**
 * Median time of one call of each function, in ms, over rounds that take turns, after a warm-up. The time is CPU
 * time, not wall-clock time: on a machine shared with other work, wall-clock time mostly measures how long the
 * process waited for a core. Taking turns puts whatever else weighs on the machine (other work, the garbage
 * collector's helper threads, a slow page fault) on each function alike, so their ratio, the median of each round's
 * own ratio, is steadier than the times themselves.
 */
function msPerCall(fns, { rounds = 15, minMs = 40, clock = cpuMs } = {}) {
  for (const fn of fns) for (let i = 0; i < 20; i++) fn();
  const times = fns.map(() => []);
  for (let r = 0; r < rounds; r++) fns.forEach((fn, i) => times[i].push(round(fn, minMs, clock)));
  const ratios = fns.map((_, i) => median(times[0].map((t, r) => times[i][r] / t)));
  return { ms: times.map(median), ratios };
}

const bytes = (text) => Buffer.byteLength(text, 'utf8');
const mbps = (size, ms) => `${((size / 1e6) / (ms / 1e3)).toFixed(0).padStart(6)} MB/s`;
const exact = (text) => {
  const raw = parseDownwardMapExact(text, '<bench>', 'annotations');
  const map = Object.create(null);
  for (const key in raw) map[key] = decodeUtf8(raw[key]);
  return map;
};

function compare(title, map) {
  const text = formatDownwardMap(map);
  const json = JSON.stringify(map);
  const size = bytes(text);
  const {
    ms: [jsonMs, exactMs, fast],
    ratios: [, , ratio],
  } = msPerCall([() => JSON.parse(json), () => exact(text), () => parseDownwardMap(text)]);
  console.log(`${title}: ${Object.keys(map).length} keys, ${(size / 1024).toFixed(0)} KiB file (JSON of the same values ${(bytes(json) / 1024).toFixed(0)} KiB)`);
  console.log(`  baseline  JSON.parse of the same values      ${jsonMs.toFixed(3).padStart(8)} ms  ${mbps(bytes(json), jsonMs)}`);
  console.log(`  baseline  exact parser (Unquote to bytes)    ${exactMs.toFixed(3).padStart(8)} ms  ${mbps(size, exactMs)}`);
  console.log(`  parseDownwardMap                             ${fast.toFixed(3).padStart(8)} ms  ${mbps(size, fast)}  (${(1 / ratio).toFixed(2)}x JSON.parse's speed, ${ratio.toFixed(2)}x its time)\n`);
}

console.log(`kube-downward parser benchmarks (Node ${process.version}; CPU time, median of rounds taking turns with the baselines)\n`);

// 1. Plain values: 64 values of 4 KiB that need no escape.
const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor'.split(' ');
const plainValue = (seed) => {
  let value = '';
  for (let i = seed; value.length < 4096; i++) value += `${words[i % words.length]} `;
  return value.slice(0, 4096);
};
compare('plain values', Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`example.com/plain-${i}`, plainValue(i)])));

// 2. Escape-heavy values: controls, quotes, backslashes, newlines, non-printables (\u00a0, \U000e0001), emoji
// and non-Latin text, so that nearly every tenth character is escaped and JSON's escapes do not cover them.
const pieces = ['\x01', '"', '\\', '\n', '\u00a0', '\u{e0001}', 'é', '日本', '😀', '\t', 'abc', 'x=1;', '\x7f'];
const escapedValue = (seed) => {
  let value = '';
  for (let i = seed; value.length < 4096; i++) value += pieces[(i * 7) % pieces.length] + 'text ';
  return value;
};
compare('escape-heavy values', Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`example.com/escaped-${i}`, escapedValue(i)])));

// 3. A kubectl last-applied-configuration of about 200 KiB, with the kubelet's own annotations.
const lastApplied = JSON.stringify({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
  spec: {
    template: {
      spec: {
        containers: Array.from({ length: 1150 }, (_, i) => ({
          name: `c${i}`,
          image: `registry.example.com/app:${i}`,
          args: ['--flag', `--config=/etc/app/${i}.yaml`],
          env: [{ name: 'A', value: 'x="y"\n' }],
        })),
      },
    },
  },
});
compare('last-applied-configuration', {
  'kubectl.kubernetes.io/last-applied-configuration': lastApplied,
  'kubernetes.io/config.seen': '2026-11-26T09:21:53.288983724Z',
  'kubernetes.io/config.source': 'api',
});

// 4. 10,000 short labels.
compare('short labels', Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`app.kubernetes.io/k${i}`, `v${i}`])));

// 5. A 256 KiB annotations volume read with readPodMetadataSync: as close to the API server's 262,144-byte bound on
// annotation keys and values as 64 keys allow, room left for the kubelet's own config.* entries.
const directory = mkdtempSync(join(tmpdir(), 'kube-downward-bench-'));
try {
  const annotations = Object.fromEntries(
    Array.from({ length: 64 }, (_, i) => [`example.com/a${String(i).padStart(2, '0')}`, 'ab"cd\\ef\n'.repeat(453)]),
  );
  const total = Object.entries(annotations).reduce((sum, [k, v]) => sum + bytes(k) + bytes(v), 0);
  const volume = createDownwardVolume({
    directory: join(directory, 'volume'),
    pod: { annotations },
    items: [{ path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }],
  });
  const spec = defineSpec({ env: [], volume: { mountPath: volume.directory, items: [{ path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }] } });
  const file = join(volume.directory, 'annotations');
  const decoder = new TextDecoder();
  const fns = [() => decoder.decode(readFileSync(file)), () => readPodMetadataSync({ spec, env: {}, volume: volume.directory })];
  // Wall-clock time too: the time a caller waits, where CPU time also counts the garbage collector's helper threads.
  const cpu = msPerCall(fns).ms;
  const wall = msPerCall(fns, { clock: () => performance.now() }).ms;
  const show = (i) => `${cpu[i].toFixed(3).padStart(6)} ms CPU  ${wall[i].toFixed(3).padStart(6)} ms wall`;
  console.log(`read a volume of ${(total / 1024).toFixed(0)} KiB of annotations (keys + values, a ${(statSync(file).size / 1024).toFixed(0)} KiB file)`);
  console.log(`  baseline  readFileSync + TextDecoder of the file ${show(0)}`);
  console.log(`  readPodMetadataSync                              ${show(1)}\n`);
} finally {
  rmSync(directory, { recursive: true, force: true });
}

// 6. Linear in size: the same escape-heavy mix from 16 KiB to about 1 MiB, then the largest annotations file of a
// valid pod (62 one-byte keys, 256 KiB of \x01 quoted to four bytes each: 1 MiB).
console.log('linear in size: escape-heavy values, one file of each size');
const sized = [16, 64, 256, 1024].map((kib) => [
  `${kib} KiB of escape-heavy values`,
  Object.fromEntries(Array.from({ length: Math.round((kib * 1024) / 1750) }, (_, i) => [`example.com/v${i}`, escapedValue(i).slice(0, 1400)])),
]);
const oneByteKeys = [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'];
sized.push([
  'the largest valid annotations file',
  Object.fromEntries(oneByteKeys.map((key, i) => [key, '\x01'.repeat(Math.floor((262_144 - 62) / 62) + (i < (262_144 - 62) % 62 ? 1 : 0))])),
]);
for (const [name, map] of sized) {
  const text = formatDownwardMap(map);
  const {
    ms: [ms],
  } = msPerCall([() => parseDownwardMap(text)], { rounds: 5, minMs: 100 });
  console.log(`  ${String((bytes(text) / 1024).toFixed(0)).padStart(5)} KiB  ${ms.toFixed(3).padStart(8)} ms  ${mbps(bytes(text), ms)}  ${name}`);
}
