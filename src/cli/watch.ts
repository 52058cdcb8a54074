import { describeChange, diffSnapshots } from '../live/snapshot-diff.js';
import { subscribe } from '../live/engine.js';
import type { PodMetadata } from '../sources/pod-metadata.js';
import { EXIT, SOURCE_FLAGS, SOURCE_OPTIONS, UsageError, failure, parse, readOptions, table, toJson, type Command } from './common.js';

export const watch: Command = {
  name: 'watch',
  summary: 'print a new snapshot, or what changed, whenever the volume changes',
  help: `Usage: kube-downward watch [--env-from FILE] [--volume DIR] [--spec FILE] [--strict] [--json] [--debounce-ms N]

Prints the snapshot, then what changed (labels, annotations, resources) each time the kubelet updates the volume,
until interrupted (Ctrl-C or SIGTERM: exit 0). Problems that do not end the watch go to stderr.

Options:
${SOURCE_OPTIONS}
  --json           one JSON snapshot per line (NDJSON)
  --debounce-ms N  for a plain directory (no ..data), how long its files must be quiet before it is read again
                   (default 20); a kubelet-written volume is read at once on each swap
  -h, --help       show this help`,
  run,
};

/** Runs until SIGINT or SIGTERM (exit 0), or until the watch ends by itself. */
async function run(args: string[]): Promise<number> {
  const values = parse(watch, args, { ...SOURCE_FLAGS, json: { type: 'boolean' }, 'debounce-ms': { type: 'string' } });
  if (values === undefined) return EXIT.ok;
  const debounce = values['debounce-ms'] as string | undefined;
  const debounceMs = debounce === undefined ? undefined : Number(debounce);
  if (debounceMs !== undefined && !(Number.isFinite(debounceMs) && debounceMs >= 0)) {
    throw new UsageError(`watch: --debounce-ms must be a number >= 0, not ${JSON.stringify(debounce)}\n\n${watch.help}`);
  }
  const options = { ...(await readOptions(values)), ...(debounceMs === undefined ? {} : { debounceMs }) };
  const json = values['json'] === true;
  return new Promise((resolve) => {
    let previous: PodMetadata | undefined;
    const unsubscribe = subscribe(options, {
      next: (event) => {
        if (event.type === 'problem') {
          process.stderr.write(`kube-downward: ${event.error.message}\n`);
          return;
        }
        const meta = event.metadata;
        if (json) process.stdout.write(`${toJson(meta)}\n`);
        else if (previous === undefined) process.stdout.write(`snapshot:\n${table(meta)}\n`);
        else process.stdout.write(`${new Date().toISOString()} ${diffSnapshots(previous, meta).map(describeChange).join('; ')}\n`);
        previous = meta;
      },
      error: (error: unknown) => resolve(failure(error)),
      complete: () => {
        if (!json) process.stdout.write('nothing to watch: no downwardAPI volume, so these values cannot change\n');
        resolve(EXIT.ok);
      },
    });
    const stop = (): void => {
      unsubscribe();
      resolve(EXIT.ok);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
