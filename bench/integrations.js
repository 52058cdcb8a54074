// Benchmarks of the integrations, each beside a baseline measured in the same run: what `kube-downward exec` costs
// at start-up and in memory while the app runs, and what detection and sizing cost per call.
// Run with `npm run bench`. Nothing here asserts timings; read the numbers.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPodMetadataSync, runtimeSizing } from '../dist/index.js';
import { downwardApiDetector } from '../dist/integrations/opentelemetry/index.js';
import { median, opsPerSecond } from './measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/cli/main.js');
const cgroup = mkdtempSync(join(tmpdir(), 'kube-downward-bench-cgroup-'));
const seedVolume = join(root, 'fixtures/volumes/seed');
const seedEnv = Object.fromEntries(
  readFileSync(new URL('../fixtures/env/seed.env', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
const env = { PATH: process.env.PATH, ...seedEnv, KUBE_DOWNWARD_VOLUME: seedVolume };

function timeProcess(args, runs = 15) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    execFileSync(process.execPath, args, { cwd: root, env, stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

/** The resident memory of a process, from /proc, once it has settled. */
async function rssKiB(args) {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  child.kill('SIGKILL');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
}

console.log('\nkube-downward integrations (median of runs; baseline in the same run)\n');

const bare = timeProcess(['-e', '0']);
const wrapped = timeProcess([cli, 'exec', '--cgroup', cgroup, '--', process.execPath, '-e', '0']);
console.log('start-up: node -e 0, alone and through kube-downward exec');
console.log(`  baseline  node -e 0                              ${bare.toFixed(1)} ms`);
console.log(`  kube-downward exec -- node -e 0                  ${wrapped.toFixed(1)} ms  (+${(wrapped - bare).toFixed(1)} ms)\n`);

const idle = ['-e', 'setTimeout(() => {}, 60_000)'];
const alone = await rssKiB(idle);
const wrapper = await rssKiB([cli, 'exec', '--cgroup', cgroup, '--', process.execPath, ...idle]);
console.log('memory: resident set of the exec process itself while the app runs (it counts against the container limit)');
console.log(`  baseline  an idle node process                   ${(alone / 1024).toFixed(1)} MiB`);
console.log(`  the kube-downward exec process                   ${(wrapper / 1024).toFixed(1)} MiB\n`);

const options = { env: seedEnv, volume: seedVolume };
const detector = downwardApiDetector({ ...options, labels: ['foo'], annotations: ['key1'] });
const read = opsPerSecond(() => readPodMetadataSync(options));
const detect = opsPerSecond(() => detector.detect());
const sizing = opsPerSecond(() => runtimeSizing({ ...options, cgroupRoot: cgroup }));
console.log('per call, on the seed volume');
console.log(`  baseline  readPodMetadataSync()                  ${(1e6 / read).toFixed(0)} µs`);
console.log(`  downwardApiDetector().detect()                   ${(1e6 / detect).toFixed(0)} µs  (one read per attribute)`);
console.log(`  runtimeSizing()                                  ${(1e6 / sizing).toFixed(0)} µs  (one read per resource, two cgroup files)`);

rmSync(cgroup, { recursive: true, force: true });
