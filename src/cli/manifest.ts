import { apiServerAccessManifest } from '../cluster/access-manifest.js';
import type { DownwardIntegration } from '../spec/integrations.js';
import { downwardPodSpec } from '../spec/manifest.js';
import { EXIT, UsageError, loadSpec, parse, type Command, type Values } from './common.js';

export const manifest: Command = {
  name: 'manifest',
  summary: 'print the pod-spec YAML (env, downwardAPI volume, volume mount) the spec needs',
  help: `Usage: kube-downward manifest [--container NAME] [--spec FILE] [--volume-name NAME] [--with-optional] [--for LIST] [--json]
                           [--api-server [--service-account NAME] [--namespace NS] [--pod-name NAME]]
                           [--ambassador [--ambassador-image IMAGE]]

Prints the part of a pod spec that the spec needs: the container's env entries, the downwardAPI volume and its
volume mount. Merge it into your Deployment's pod template.

With --api-server it also prints what reading the pod from the API server needs: the pod spec's
serviceAccountName, and a ServiceAccount, a Role (get, list, watch on pods) and a RoleBinding to apply.
With --ambassador (implies --api-server) the pod also gets a sidecar running kubectl proxy on
http://localhost:8001: pass that as apiServerUrl, and the app needs no token or CA.

Options:
  --container NAME    the container that gets the env vars and the mount (default: the one the volume items read)
  --spec FILE         the spec as YAML or JSON (default: the built-in default spec)
  --volume-name NAME  the volume's name (default: downward)
  --with-optional     also print the env vars the spec marks optional
  --for LIST          add what these integrations read, comma-separated: opentelemetry (the resource detector of
                      kube-downward/opentelemetry), runtime-sizing (kube-downward exec, runtimeSizing())
  --json              print JSON instead of YAML
  --api-server        add the ServiceAccount, Role and RoleBinding for reading the pod from the API server
  --service-account NAME  their name and the pod's serviceAccountName (default: kube-downward)
  --namespace NS      their namespace (default: none, kubectl apply's namespace)
  --pod-name NAME     narrow the Role to this pod with resourceNames (when the name is known: a StatefulSet's web-0)
  --ambassador        add the kubectl proxy sidecar on localhost:8001
  --ambassador-image IMAGE  its image (default: registry.k8s.io/kubectl:v1.32.4)
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
    'api-server': { type: 'boolean' },
    'service-account': { type: 'string' },
    namespace: { type: 'string' },
    'pod-name': { type: 'string' },
    ambassador: { type: 'boolean' },
    'ambassador-image': { type: 'string' },
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
  const access = accessManifest(values);
  const full = access === undefined ? podSpec : { serviceAccountName: access.serviceAccountName, ...podSpec, containers: [...podSpec.containers, ...(access.ambassador === undefined ? [] : [access.ambassador])] };
  if (values['json'] === true) {
    process.stdout.write(`${JSON.stringify(access === undefined ? { spec: full } : { spec: full, objects: access.objects }, undefined, 2)}\n`);
  } else {
    const { stringify } = await import('yaml');
    const what = access === undefined ? 'The Downward API entries of the pod spec' : 'The pod spec entries for the Downward API and the API server';
    const objects = (access?.objects ?? []).map((object) => `---\n${stringify(object, { indentSeq: false })}`).join('');
    const apply = access === undefined ? '' : '# Apply the objects below with kubectl apply.\n';
    process.stdout.write(`# ${what}; merge them into your pod template.\n${stringify({ spec: full }, { indentSeq: false })}${apply}${objects}`);
  }
  return EXIT.ok;
}

function accessManifest(values: Values) {
  const wanted = values['api-server'] === true || values['ambassador'] === true;
  const given = (['service-account', 'namespace', 'pod-name', 'ambassador-image'] as const).filter((flag) => values[flag] !== undefined);
  if (!wanted) {
    if (given.length > 0) throw new UsageError(`manifest: --${given[0]} needs --api-server\n\n${manifest.help}`);
    return undefined;
  }
  const text = (flag: string) => values[flag] as string | undefined;
  const [serviceAccountName, namespace, podName, ambassadorImage] = [text('service-account'), text('namespace'), text('pod-name'), text('ambassador-image')];
  try {
    return apiServerAccessManifest({
      ambassador: values['ambassador'] === true,
      ...(serviceAccountName === undefined ? {} : { serviceAccountName }),
      ...(namespace === undefined ? {} : { namespace }),
      ...(podName === undefined ? {} : { podName }),
      ...(ambassadorImage === undefined ? {} : { ambassadorImage }),
    });
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(`manifest: ${error.message}\n\n${manifest.help}`);
    throw error;
  }
}
