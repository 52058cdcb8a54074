// A property run against the built volume reader: fast-check draws a schedule of disturbances (swaps in both
// switch orders, deletions, type flips, links out of the volume, FIFOs, growth, permission changes) and the exact
// file-system call of the reader before which each one happens. Whatever the schedule, a read must end with a
// snapshot of one generation or a DownwardApiError, never another exception, and never show what lies outside.
//
//   node test/chaos/volume-chaos.mjs RUNS SEED [permissions]
//
// Prints one line of JSON: { runs, outcomes, failure } where failure is null or the shrunk counterexample. Run it as
// a user that file modes apply to (not root) for the permission changes to mean anything.
import { execFileSync } from 'node:child_process';
import nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { generationFiles, generationOf, SWAP_SPEC } from '../../bench/swap-spec.js';
import { DownwardApiError, isDownwardApiError } from '../../dist/errors.js';
import { assemblePodMetadata } from '../../dist/sources/pod-metadata.js';
import { readVolume, runAsync, runSync } from '../../dist/sources/volume.js';
import { defineSpec } from '../../dist/spec/spec.js';

const [runs = '100', seed = '1', permissions] = process.argv.slice(2);
const OUTSIDE_SECRET = 'kd-outside-secret-51d0';
const ENV_SECRET = process.env.KD_SECRET ?? '';
const items = defineSpec(SWAP_SPEC).volume.items;
const root = nodeFs.mkdtempSync(join(tmpdir(), 'kd-chaos-'));
const outside = join(root, 'outside');
nodeFs.mkdirSync(outside);
nodeFs.writeFileSync(join(outside, 'labels'), `secret="${OUTSIDE_SECRET}"`);

const quietly = (action) => {
  try {
    action();
  } catch {
    // A disturbance that does not apply to the current state (deleting what is gone) changes nothing.
  }
};
const fsOps = nodeFs;

/** A volume directory in the kubelet's layout, with the operations that disturb it. */
class Volume {
  constructor(dir) {
    this.dir = dir;
    this.n = 0;
    this.make();
  }
  make() {
    nodeFs.mkdirSync(this.dir, { recursive: true });
    const name = this.generation();
    nodeFs.symlinkSync(name, join(this.dir, '..data'));
    for (const top of ['labels', 'annotations', 'gen', 'sub']) nodeFs.symlinkSync(join('..data', top), join(this.dir, top));
  }
  /** Writes generation n + 1 and returns its name; nothing points to it yet. */
  generation() {
    const n = ++this.n;
    const name = `..2026_11_26_09_21_53.${n}`;
    for (const [path, text] of Object.entries(generationFiles(n))) {
      nodeFs.mkdirSync(join(this.dir, name, path, '..'), { recursive: true });
      nodeFs.writeFileSync(join(this.dir, name, path), text);
    }
    return name;
  }
  current() {
    return nodeFs.readlinkSync(join(this.dir, '..data'));
  }
  at(path) {
    return join(this.dir, this.current(), path);
  }
  replaceWith(path, make) {
    const full = this.at(path);
    nodeFs.rmSync(full, { recursive: true, force: true });
    make(full);
  }
}

const ACTIONS = {
  swapRename: (v) => {
    const old = v.current();
    nodeFs.symlinkSync(v.generation(), join(v.dir, '..data_tmp'));
    nodeFs.renameSync(join(v.dir, '..data_tmp'), join(v.dir, '..data'));
    nodeFs.rmSync(join(v.dir, old), { recursive: true, force: true });
  },
  halfSwitch: (v) => {
    const name = v.generation();
    nodeFs.symlinkSync(name, join(v.dir, '..data_tmp'));
    nodeFs.unlinkSync(join(v.dir, '..data'));
  },
  finishSwitch: (v) => {
    nodeFs.symlinkSync(nodeFs.readlinkSync(join(v.dir, '..data_tmp')), join(v.dir, '..data'));
    nodeFs.unlinkSync(join(v.dir, '..data_tmp'));
  },
  deleteItem: (v) => nodeFs.rmSync(v.at('labels')),
  deleteGeneration: (v) => nodeFs.rmSync(v.at(''), { recursive: true }),
  deleteVolume: (v) => nodeFs.rmSync(v.dir, { recursive: true }),
  volumeToFile: (v) => {
    nodeFs.rmSync(v.dir, { recursive: true, force: true });
    nodeFs.writeFileSync(v.dir, 'not a directory');
  },
  fileToVolume: (v) => {
    nodeFs.rmSync(v.dir, { recursive: true, force: true });
    v.make();
  },
  itemToDirectory: (v) => v.replaceWith('labels', (p) => nodeFs.mkdirSync(p)),
  subToFile: (v) => v.replaceWith('sub', (p) => nodeFs.writeFileSync(p, '1')),
  itemToFifo: (v) => v.replaceWith('annotations', (p) => execFileSync('mkfifo', [p], { stdio: 'ignore' })),
  itemToEnvironLink: (v) => v.replaceWith('labels', (p) => nodeFs.symlinkSync('/proc/self/environ', p)),
  itemToOutsideLink: (v) => v.replaceWith('labels', (p) => nodeFs.symlinkSync('../../outside/labels', p)),
  subToOutsideLink: (v) => v.replaceWith('sub', (p) => nodeFs.symlinkSync('../../outside', p)),
  dataToOutside: (v) => {
    nodeFs.unlinkSync(join(v.dir, '..data'));
    nodeFs.symlinkSync('../outside', join(v.dir, '..data'));
  },
  dataAbsolute: (v) => {
    const target = join(v.dir, v.current());
    nodeFs.unlinkSync(join(v.dir, '..data'));
    nodeFs.symlinkSync(target, join(v.dir, '..data'));
  },
  dataDangling: (v) => {
    nodeFs.unlinkSync(join(v.dir, '..data'));
    nodeFs.symlinkSync('..2026_01_01_00_00_00.0', join(v.dir, '..data'));
  },
  dataToDirectory: (v) => {
    nodeFs.unlinkSync(join(v.dir, '..data'));
    nodeFs.mkdirSync(join(v.dir, '..data'));
  },
  growItem: (v) => nodeFs.truncateSync(v.at('annotations'), 3 * 1024 * 1024),
};
const PERMISSION_ACTIONS = {
  denyGeneration: (v) => nodeFs.chmodSync(v.at(''), 0o000),
  denyItem: (v) => nodeFs.chmodSync(v.at('labels'), 0o000),
  denySub: (v) => nodeFs.chmodSync(v.at('sub'), 0o100),
  denyVolume: (v) => nodeFs.chmodSync(v.dir, 0o000),
  allowVolume: (v) => nodeFs.chmodSync(v.dir, 0o755),
};
const actions = permissions === 'permissions' ? { ...ACTIONS, ...PERMISSION_ACTIONS } : ACTIONS;

/** node:fs with the scheduled disturbances applied before the reader's calls they were drawn for. */
function disturbed(volume, steps) {
  let call = 0;
  const before = () => {
    for (const step of steps) if (step.at === call) quietly(() => actions[step.action](volume));
    call++;
  };
  const wrap = (target) =>
    new Proxy(target, {
      get(object, key) {
        const value = Reflect.get(object, key);
        if (typeof value !== 'function') return value;
        return (...args) => {
          before();
          return value.apply(object, args);
        };
      },
    });
  const promises = wrap(fsOps.promises);
  return new Proxy(wrap(fsOps), { get: (object, key) => (key === 'promises' ? promises : Reflect.get(object, key)) });
}

function restore(path) {
  quietly(() => nodeFs.chmodSync(path, 0o755));
  let entries = [];
  quietly(() => (entries = nodeFs.readdirSync(path, { withFileTypes: true })));
  for (const entry of entries) {
    if (entry.isDirectory()) restore(join(path, entry.name));
    else if (!entry.isSymbolicLink()) quietly(() => nodeFs.chmodSync(join(path, entry.name), 0o644));
  }
}

const outcomes = { snapshot: 0, error: 0 };
let count = 0;
const schedule = fc.record({
  mode: fc.constantFrom('sync', 'async'),
  steps: fc.array(fc.record({ at: fc.nat({ max: 40 }), action: fc.constantFrom(...Object.keys(actions)) }), { maxLength: 8 }),
});

const property = fc.asyncProperty(schedule, async ({ mode, steps }) => {
  const volume = new Volume(join(root, `v${++count}`));
  const fs = disturbed(volume, steps);
  const options = { maxFileBytes: 1024 * 1024, swapBudgetMs: 30 };
  let outcome;
  try {
    const read = mode === 'sync' ? runSync(readVolume(volume.dir, items, options), fs) : await runAsync(readVolume(volume.dir, items, options), fs);
    outcome = read.present ? assemblePodMetadata(read.readings, read.problems) : 'absent';
  } catch (error) {
    outcome = error;
  } finally {
    restore(volume.dir);
    nodeFs.rmSync(volume.dir, { recursive: true, force: true });
  }
  if (outcome instanceof Error || (typeof outcome === 'object' && outcome !== null && !('labels' in outcome))) {
    if (!(outcome instanceof DownwardApiError) || !isDownwardApiError(outcome)) throw new Error(`not a DownwardApiError: ${outcome?.stack ?? String(outcome)}`);
    const text = `${outcome.message}\n${JSON.stringify(outcome.problems)}`;
    if (text.includes(OUTSIDE_SECRET) || (ENV_SECRET !== '' && text.includes(ENV_SECRET))) throw new Error(`a secret in the error: ${text}`);
    outcomes.error++;
  } else if (outcome !== 'absent') {
    if (generationOf(outcome) === undefined) throw new Error(`a snapshot mixing generations: ${JSON.stringify(outcome.labels)}`);
    outcomes.snapshot++;
  }
});

const result = await fc.check(property, { numRuns: Number(runs), seed: Number(seed) });
restore(root);
nodeFs.rmSync(root, { recursive: true, force: true });
const failure = result.failed ? { counterexample: result.counterexample, error: String(result.errorInstance ?? result.error), seed: result.seed } : null;
process.stdout.write(`${JSON.stringify({ runs: result.numRuns, outcomes, failure })}\n`);
