import { readPodMetadataSync } from '../sources/read.js';
import { EXIT, SOURCE_FLAGS, SOURCE_OPTIONS, parse, readOptions, table, toJson, type Command } from './common.js';

export const show: Command = {
  name: 'show',
  summary: "print the pod's Downward API snapshot",
  help: `Usage: kube-downward show [--env-from FILE] [--volume DIR] [--spec FILE] [--strict] [--json]

Reads the Downward API env vars and volume named by the spec and prints one validated snapshot. With the default
spec it prints what the pod provides; values that are fallbacks (the namespace from the service account, the name
from HOSTNAME) say so.

Options:
${SOURCE_OPTIONS}
  --json           print JSON (requests and limits as strings, to keep them exact)
  -h, --help       show this help`,
  run,
};

async function run(args: string[]): Promise<number> {
  const values = parse(show, args, { ...SOURCE_FLAGS, json: { type: 'boolean' } });
  if (values === undefined) return EXIT.ok;
  const meta = readPodMetadataSync(await readOptions(values));
  process.stdout.write(`${values['json'] === true ? toJson(meta, 2) : table(meta)}\n`);
  return EXIT.ok;
}
