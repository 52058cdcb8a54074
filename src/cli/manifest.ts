import type { DownwardIntegration } from '../spec/integrations.js';
import { downwardPodSpec } from '../spec/manifest.js';
import { EXIT, UsageError, loadSpec, parse, type Command } from './common.js';

export const manifest: Command = {
  name: 'manifest',
  summary: 'print the pod-spec YAML (env, downwardAPI volume, volume mount) the spec needs',
  help: `Usage: kube-downward manifest [--container NAME] [--spec FILE] [--volume-name NAME] [--with-optional] [--for LIST] [--json]

Prints the part of a pod spec that the spec needs: the container's env entries, the downwardAPI volume and its
volume mount. Merge it into your Deployment's pod template.

Options:
  --container NAME    the container that gets the env vars and the mount (default: the one the volume items read)
  --spec FILE         the spec as YAML or JSON (default: the built-in default spec)
  --volume-name NAME  the volume's name (default: downward)
  --with-optional     also print the env vars the spec marks optional
  --for LIST          add what these integrations read, comma-separated: opentelemetry (the resource detector of
                      kube-downward/opentelemetry), runtime-sizing (kube-downward exec, runtimeSizing())
  --json              print JSON instead of YAML
  -h, --help          show this help`,
  run,
};

async function run(args: string[]): Promise<number> {
  const values = parse(manifest, args, {
    container: { type: 'string' },
    spec: { type: 'string' },
    'volume-name': { type: 'string' },
    'with-optional': { type: 'boolean' },
    for: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values === undefined) return EXIT.ok;
  const spec = await loadSpec(values['spec'] as string | undefined);
  const container = values['container'] as string | undefined;
  const volumeName = values['volume-name'] as string | undefined;
  const integrations = ((values['for'] as string | undefined) ?? '').split(',').filter((name) => name !== '') as DownwardIntegration[];
  let podSpec;
  try {
    podSpec = downwardPodSpec({
      includeOptional: values['with-optional'] === true,
      integrations,
      ...(spec === undefined ? {} : { spec }),
      ...(container === undefined ? {} : { container }),
      ...(volumeName === undefined ? {} : { volumeName }),
    });
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(`manifest: ${error.message}\n\n${manifest.help}`);
    throw error;
  }
  if (values['json'] === true) {
    process.stdout.write(`${JSON.stringify({ spec: podSpec }, undefined, 2)}\n`);
  } else {
    const { stringify } = await import('yaml');
    process.stdout.write(`# The Downward API entries of the pod spec; merge them into your pod template.\n${stringify({ spec: podSpec }, { indentSeq: false })}`);
  }
  return EXIT.ok;
}
