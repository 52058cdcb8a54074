// A watcher in a process of its own, driven by a test through stdin and reporting through stdout (one JSON line per
// event). It runs the built engine, so it can run as another user, beside another watcher, or short of file handles.
// Commands on stdin: `stop` (unsubscribe, close stdin: the process must then exit by itself) and `release` (give back
// the file handles taken with `hog`).
import { openSync, closeSync } from 'node:fs';
import { createInterface } from 'node:readline';

const dist = new URL('../../dist/', import.meta.url);
const { subscribe, openWatches } = await import(new URL('live/engine.js', dist).href);
const { defineSpec } = await import(new URL('index.js', dist).href);

const options = JSON.parse(process.argv[2] ?? '{}');
const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

let other;
if (options.chokidar) {
  const { watch } = await import('chokidar');
  other = watch(options.volume, { ignoreInitial: true });
  other.on('all', () => {});
  await new Promise((resolve) => other.once('ready', resolve));
}

// Validating a spec of one's own loads zod: done before the file handles run out.
const spec = defineSpec({ env: [], volume: { mountPath: options.volume, items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } });

const hogged = [];
if (options.hog) {
  try {
    for (;;) hogged.push(openSync('/dev/null', 'r'));
  } catch {
    // The open-files limit is reached: the watch must start without a single file handle to spare.
  }
}

const stop = subscribe(
  { spec, env: {}, volume: options.volume, ...(options.timing ?? {}) },
  {
    next: (event) =>
      say(
        event.type === 'snapshot'
          ? { type: 'snapshot', labels: event.metadata.labels, at: performance.timeOrigin + performance.now() }
          : { type: 'problem', code: event.error.code, problems: event.error.problems.map((p) => p.code), rule: event.error.problems[0]?.rule, cause: event.error.cause?.code },
      ),
    error: (error) => say({ type: 'error', message: String(error?.message ?? error), code: error?.code }),
    complete: () => say({ type: 'complete' }),
  },
);

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'release') {
    for (const fd of hogged.splice(0)) closeSync(fd);
    say({ type: 'released' });
  }
  if (line === 'stop') {
    stop();
    void other?.close();
    process.stdin.destroy();
    say({ type: 'stopped', open: openWatches() });
  }
});
say({ type: 'ready' });
