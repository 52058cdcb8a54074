// The objects a pod needs to read itself from the API server: a ServiceAccount, a Role allowing get/list/watch on
// its own pods, the RoleBinding between them, and optionally the ambassador sidecar that holds the credentials.

import { checkDns1123Label, checkDns1123Subdomain } from '../format/names.js';

/**
 * Options of {@link apiServerAccessManifest}.
 *
 * @example
 * ```ts
 * import type { ApiServerAccessOptions } from 'kube-downward';
 *
 * const options: ApiServerAccessOptions = { serviceAccountName: 'web', namespace: 'shop', podName: 'web-0', ambassador: true };
 * ```
 * @public
 */
export interface ApiServerAccessOptions {
  /** The ServiceAccount, Role and RoleBinding's name; default `kube-downward`. */
  readonly serviceAccountName?: string;
  /** Their namespace; default none (they land in the namespace `kubectl apply` uses). */
  readonly namespace?: string;
  /** The pod's name when it is known in advance (a StatefulSet's `web-0`, a bare pod): the Role is narrowed to it. */
  readonly podName?: string;
  /** Add the ambassador sidecar: `kubectl proxy` on `http://localhost:8001`, so the app needs no token or CA. */
  readonly ambassador?: boolean;
  /** The ambassador's image: any image whose entrypoint is kubectl; default `registry.k8s.io/kubectl:v1.32.4`. */
  readonly ambassadorImage?: string;
}

/**
 * A Kubernetes object of {@link ApiServerAccessManifest}: plain data, ready to print as YAML or JSON.
 *
 * @example
 * ```ts
 * import type { KubernetesObject } from 'kube-downward';
 *
 * const account: KubernetesObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web' } };
 * ```
 * @public
 */
export interface KubernetesObject {
  /** The object's API version. */
  readonly apiVersion: string;
  /** The object's kind. */
  readonly kind: string;
  /** Its name and, when given, namespace. */
  readonly metadata: { readonly name: string; readonly namespace?: string };
  /** The rest of the object. */
  readonly [field: string]: unknown;
}

/**
 * What {@link apiServerAccessManifest} returns: the objects to apply, and what the pod spec gains.
 *
 * @example
 * ```ts
 * import { apiServerAccessManifest, type ApiServerAccessManifest } from 'kube-downward';
 *
 * const access: ApiServerAccessManifest = apiServerAccessManifest();
 * console.log(access.objects.map((o) => o.kind)); // ['ServiceAccount', 'Role', 'RoleBinding']
 * ```
 * @public
 */
export interface ApiServerAccessManifest {
  /** The ServiceAccount, the Role and the RoleBinding. */
  readonly objects: readonly KubernetesObject[];
  /** The pod spec's `serviceAccountName`. */
  readonly serviceAccountName: string;
  /** The ambassador container to add to the pod spec's `containers`, when asked for. */
  readonly ambassador?: {
    readonly name: string;
    readonly image: string;
    readonly args: readonly string[];
    readonly [field: string]: unknown;
  };
}

const DEFAULT_AMBASSADOR_IMAGE = 'registry.k8s.io/kubectl:v1.32.4';

/**
 * The ServiceAccount, Role and RoleBinding that let a pod read itself from the API server, and the ambassador
 * sidecar if asked for.
 *
 * @remarks
 * The Role allows `get`, `list` and `watch` on `pods`: `get` for {@link fetchPodMetadata}, `list` and `watch` for
 * {@link watchPodFromApiServer}. With `podName` it is narrowed by `resourceNames`, which the API server applies to
 * list and watch requests that select `metadata.name`, as these do. Without it, the Role covers every pod of the
 * namespace, since a Deployment's pod names are not known in advance.
 *
 * @throws RangeError for a name Kubernetes would not take.
 *
 * @example
 * ```ts
 * import { apiServerAccessManifest } from 'kube-downward';
 *
 * const { objects, ambassador } = apiServerAccessManifest({ serviceAccountName: 'web', podName: 'web-0', ambassador: true });
 * console.log(objects[1]); // the Role, with resourceNames: ['web-0']
 * console.log(ambassador?.args); // ['proxy', '--address=127.0.0.1', '--port=8001']
 * ```
 * @public
 */
export function apiServerAccessManifest(options: ApiServerAccessOptions = {}): ApiServerAccessManifest {
  const name = options.serviceAccountName ?? 'kube-downward';
  const checks: [string, string | undefined, (value: string) => string | undefined][] = [
    ['serviceAccountName', name, checkDns1123Subdomain],
    ['namespace', options.namespace, checkDns1123Label],
    ['podName', options.podName, checkDns1123Subdomain],
  ];
  for (const [what, value, check] of checks) {
    const broken = value === undefined ? undefined : check(value);
    if (broken !== undefined) throw new RangeError(`${what} must be ${broken}, not ${JSON.stringify(value)}`);
  }
  const metadata = options.namespace === undefined ? { name } : { name, namespace: options.namespace };
  const rule = {
    apiGroups: [''],
    resources: ['pods'],
    ...(options.podName === undefined ? {} : { resourceNames: [options.podName] }),
    verbs: ['get', 'list', 'watch'],
  };
  const objects: KubernetesObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata, rules: [rule] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      subjects: [{ kind: 'ServiceAccount', name, ...(options.namespace === undefined ? {} : { namespace: options.namespace }) }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    },
  ];
  if (options.ambassador !== true) return { objects, serviceAccountName: name };
  return {
    objects,
    serviceAccountName: name,
    ambassador: {
      name: 'api-ambassador',
      image: options.ambassadorImage ?? DEFAULT_AMBASSADOR_IMAGE,
      // Loopback only: the proxy adds the pod's credentials, so nothing outside the pod may reach it.
      args: ['proxy', '--address=127.0.0.1', '--port=8001'],
      resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
      securityContext: { runAsNonRoot: true, runAsUser: 65534, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
    },
  };
}
