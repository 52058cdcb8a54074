// The kubelet's side of the watch-latency benchmark, in a process of its own: the testing kit's atomic writer
// updating a volume every `pace` ms, reporting the monotonic time of each `..data` rename (the kubelet's commit).
// Arguments: the volume directory, the number of updates, the pace in ms. Prints one JSON line per update.
import * as fs from 'node:fs';
import { createDownwardVolume } from '../dist/testing/index.js';

const [directory, updates, pace] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
let renamedAt = 0n;
const timed = {
  ...fs,
  renameSync(from, to) {
    fs.renameSync(from, to);
    if (to.endsWith('/..data')) renamedAt = process.hrtime.bigint();
  },
};
const items = [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }];
const volume = createDownwardVolume({ pod: { labels: { n: '0' } }, items, directory, fs: timed });
process.stdout.write(`${JSON.stringify({ n: 0 })}\n`);
// Wait for the watcher's go, then write with `pace` ms between updates: every state lives at least that long.
process.stdin.once('data', async () => {
  for (let n = 1; n <= updates; n++) {
    await new Promise((resolve) => setTimeout(resolve, pace));
    volume.update({ labels: { n: String(n) } });
    process.stdout.write(`${JSON.stringify({ n, renamedAt: String(renamedAt) })}\n`);
  }
  process.stdin.destroy();
});
