import { describeChange, diffSnapshots } from '../live/snapshot-diff.js';
import { subscribe } from '../live/engine.js';
import type { PodMetadata } from '../sources/pod-metadata.js';
import { createDownwardVolume, downwardEnv, seedPod } from '../testing/index.js';
import { EXIT, exitNow, failure, onExit, parse, table, type Command } from './common.js';

export const demo: Command = {
  name: 'demo',
  summary: 'write a volume as the kubelet does, watch it, update it twice',
  help: `Usage: kube-downward demo

Writes the README's pod into a temp directory exactly as the kubelet would, watches it, applies two kubelet-style
updates (a label change, then an annotation change), prints each snapshot and what changed, and exits.

Options:
  -h, --help  show this help`,
  run,
};

async function run(args: string[]): Promise<number> {
  if (parse(demo, args, {}) === undefined) return EXIT.ok;
  const volume = createDownwardVolume({ pod: seedPod });
  // However the demo ends (a closed stdout, Ctrl-C, SIGTERM), its temp directory goes with it.
  const forget = onExit(() => volume.remove());
  const interrupted = (signal: 'SIGINT' | 'SIGTERM', code: number) => process.once(signal, () => exitNow(code));
  interrupted('SIGINT', 130);
  interrupted('SIGTERM', 143);
  const env = downwardEnv(seedPod);
  const updates: [string, () => void][] = [
    ['label foo=baz', () => volume.update({ labels: { ...seedPod.labels, foo: 'baz' } })],
    ['annotation key1=value2', () => volume.update({ annotations: { ...seedPod.annotations, key1: 'value2' } })],
  ];
  process.stdout.write(`A downwardAPI volume for pod "downward", written as the kubelet writes it: ${volume.directory}\n`);
  try {
    return await new Promise<number>((resolve) => {
      let previous: PodMetadata | undefined;
      const timeout = setTimeout(() => {
        unsubscribe();
        process.stderr.write('kube-downward demo: no change seen within 10 s\n');
        resolve(EXIT.invalid);
      }, 10_000);
      const unsubscribe = subscribe({ env, volume: volume.directory, debounceMs: 10 }, {
        next: (event) => {
          if (event.type === 'problem') {
            process.stderr.write(`kube-downward: ${event.error.message}\n`);
            return;
          }
          const meta = event.metadata;
          if (previous === undefined) process.stdout.write(`\nsnapshot 1 (${volume.generation}):\n${table(meta)}\n`);
          else process.stdout.write(`snapshot (${volume.generation}): ${diffSnapshots(previous, meta).map(describeChange).join('; ')}\n`);
          previous = meta;
          const next = updates.shift();
          if (next === undefined) {
            clearTimeout(timeout);
            unsubscribe();
            process.stdout.write('\nTwo kubelet updates, two new snapshots: each read as one consistent generation.\n');
            resolve(EXIT.ok);
            return;
          }
          process.stdout.write(`\nkubelet update: ${next[0]}\n`);
          next[1]();
        },
        error: (error: unknown) => {
          clearTimeout(timeout);
          resolve(failure(error));
        },
      });
    });
  } finally {
    forget();
    volume.remove();
  }
}
