import { readPodMetadataSync } from '../sources/read.js';
import { EXIT, SOURCE_FLAGS, SOURCE_OPTIONS, parse, readOptions, table, toJson, type Command } from './common.js';

export const show: Command = {
  name: 'show',
  summary: "print the pod's Downward API snapshot",
  help: `Usage: kube-downward show [--env-file FILE] [--volume DIR] [--spec FILE] [--json]

Reads the Downward API env vars and volume named by the spec and prints one validated snapshot.

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
