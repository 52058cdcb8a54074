import { isDownwardApiError, isNotInKubernetesError } from '../errors.js';
import { readPodMetadataSync } from '../sources/read.js';
import { EXIT, INPUT_OPTIONS, OUTSIDE_HINT, SOURCE_FLAGS, parse, readOptions, type Command } from './common.js';

export const check: Command = {
  name: 'check',
  summary: 'validate env and volume against the spec; exit 0 when everything holds',
  help: `Usage: kube-downward check [--env-from FILE] [--volume DIR] [--spec FILE] [--lenient]

Validates the env vars and the volume against the spec and prints every problem with its hint. Exit 0 when
everything holds, 1 otherwise: usable as a start-up or init-container check. Strict: every entry of the spec not
marked optional must be present (with the default spec, the README's pod).

Options:
${INPUT_OPTIONS}
  --lenient        validate only what is present, as the readers do with the default spec
  -h, --help       show this help`,
  run,
};

async function run(args: string[]): Promise<number> {
  const values = parse(check, args, { ...SOURCE_FLAGS, lenient: { type: 'boolean' } });
  if (values === undefined) return EXIT.ok;
  try {
    readPodMetadataSync({ ...(await readOptions(values)), strict: values['lenient'] !== true });
    process.stdout.write(
      values['lenient'] === true
        ? 'ok: every value present is valid\n'
        : 'ok: every value the spec names is present and valid\n',
    );
    return EXIT.ok;
  } catch (error) {
    if (!isDownwardApiError(error)) throw error;
    process.stderr.write(`${error.message}\n${isNotInKubernetesError(error) ? OUTSIDE_HINT : ''}`);
    return EXIT.invalid;
  }
}
