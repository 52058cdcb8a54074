// A process that watches and then unsubscribes must be able to exit by itself: no watcher, interval or timeout of
// the watch may outlive the last subscriber. Runs the built package, imported by its name, in a process of its own.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

const script = `
import { defineSpec } from 'kube-downward';
import { watchPodMetadata } from 'kube-downward/rxjs';
import { createDownwardVolume } from 'kube-downward/testing';

const volume = createDownwardVolume({ pod: { labels: { n: '0' } } });
const spec = defineSpec({ env: [], volume: { mountPath: volume.directory, items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } });
const seen = [];
const subscription = watchPodMetadata({ spec, env: {}, debounceMs: 5 }).subscribe((pod) => {
  seen.push(pod.labels.n);
  if (seen.length === 1) volume.update({ labels: { n: '1' } });
  if (seen.length === 2) {
    subscription.unsubscribe();
    volume.remove();
    console.log(JSON.stringify(seen));
  }
});
`;

it('lets the process exit once the last subscriber is gone', async () => {
  const dir = join(root, 'temp', 'watch-exit');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'watch.mjs'), script);
  const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'watch.mjs')], { cwd: dir, timeout: 15_000 });
  expect(JSON.parse(stdout)).toEqual(['0', '1']);
}, 20_000);
