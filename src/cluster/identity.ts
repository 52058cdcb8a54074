// Where am I: the evidence that the process runs in a pod, and the pod's name and namespace from whichever source
// holds them (the Downward API first, then the service account or HOSTNAME).

import { join, nodeFs } from '../builtins.js';
import { errorCode, type DownwardApiSource } from '../errors.js';
import { defaultSpec, defineSpec, type DownwardApiSpec } from '../spec/spec.js';
import { SERVICE_ACCOUNT_DIRECTORY } from '../sources/read.js';
import type { ServiceAccountFileSystem } from './service-account.js';

/**
 * Options of {@link isKubernetes}.
 *
 * @example
 * ```ts
 * import type { IsKubernetesOptions } from 'kube-downward';
 *
 * const options: IsKubernetesOptions = { env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, volume: '/etc/podinfo' };
 * ```
 * @public
 */
export interface IsKubernetesOptions {
  /** The environment; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The Downward API spec whose env vars and volume count as evidence; default {@link defaultSpec}. */
  readonly spec?: DownwardApiSpec;
  /** The downwardAPI volume's directory; default `KUBE_DOWNWARD_VOLUME`, else the spec's `mountPath`. */
  readonly volume?: string;
  /** Where the service account is mounted; default `/var/run/secrets/kubernetes.io/serviceaccount`. */
  readonly serviceAccountDirectory?: string;
  /** The file system; default `node:fs`. */
  readonly fs?: ServiceAccountFileSystem;
}

/**
 * One thing found that says the process runs in a pod.
 *
 * @remarks
 * `env`: `KUBERNETES_SERVICE_HOST` or `KUBERNETES_SERVICE_PORT`, which the kubelet sets in every container.
 * `service-account`: a file of the mounted service account. `downward-env`: an env var the spec reads, set.
 * `downward-volume`: a file of the downwardAPI volume the spec reads.
 *
 * @example
 * ```ts
 * import type { KubernetesEvidence } from 'kube-downward';
 *
 * const found: KubernetesEvidence = { kind: 'env', name: 'KUBERNETES_SERVICE_HOST' };
 * ```
 * @public
 */
export type KubernetesEvidence =
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'service-account'; readonly path: string }
  | { readonly kind: 'downward-env'; readonly name: string }
  | { readonly kind: 'downward-volume'; readonly path: string };

/**
 * A value of the pod found by {@link isKubernetes}, with where it came from.
 *
 * @example
 * ```ts
 * import type { FoundValue } from 'kube-downward';
 *
 * const namespace: FoundValue = { value: 'shop', from: 'downward-api', source: { kind: 'env', name: 'POD_NAMESPACE' } };
 * ```
 * @public
 */
export interface FoundValue {
  /** The value. */
  readonly value: string;
  /** Which kind of source gave it. */
  readonly from: 'downward-api' | 'service-account' | 'hostname';
  /** The env var or file. */
  readonly source: DownwardApiSource;
}

/**
 * What {@link isKubernetes} found.
 *
 * @example
 * ```ts
 * import { isKubernetes, type KubernetesDetection } from 'kube-downward';
 *
 * const found: KubernetesDetection = isKubernetes();
 * if (found.inKubernetes) console.log(found.namespace?.value, found.evidence.map((e) => e.kind));
 * ```
 * @public
 */
export interface KubernetesDetection {
  /**
   * True when the kubelet's own traces are present: `KUBERNETES_SERVICE_HOST` or the service account. Downward API
   * values alone do not decide it, since a developer may set them from a file; they are listed as evidence.
   */
  readonly inKubernetes: boolean;
  /** Everything found, in the order checked: env, service account, Downward API env, Downward API volume. */
  readonly evidence: readonly KubernetesEvidence[];
  /** The pod's namespace: from the Downward API first, then the service account's `namespace` file. */
  readonly namespace: FoundValue | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The parts of the options every lookup needs, resolved once. */
export interface Whereabouts {
  readonly env: Env;
  readonly spec: DownwardApiSpec;
  readonly volume: string | undefined;
  readonly serviceAccountDirectory: string;
  readonly fs: ServiceAccountFileSystem;
}

export function whereabouts(options: IsKubernetesOptions): Whereabouts {
  const env = options.env ?? process.env;
  const spec = defineSpec(options.spec ?? defaultSpec);
  const named = options.volume ?? env['KUBE_DOWNWARD_VOLUME'];
  return {
    env,
    spec,
    volume: named !== undefined && named !== '' ? named : spec.volume?.mountPath,
    serviceAccountDirectory: options.serviceAccountDirectory ?? SERVICE_ACCOUNT_DIRECTORY,
    fs: options.fs ?? (nodeFs as ServiceAccountFileSystem),
  };
}

function readIfPresent(fs: ServiceAccountFileSystem, path: string): string | undefined {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EISDIR') return undefined;
    throw error;
  }
}

/** A pod field from the Downward API as the spec maps it: its env var first, then its volume file. */
export function fromDownwardApi(where: Whereabouts, fieldPath: 'metadata.name' | 'metadata.namespace'): FoundValue | undefined {
  for (const entry of where.spec.env) {
    const value = entry.valueFrom.fieldRef?.fieldPath === fieldPath ? where.env[entry.name] : undefined;
    if (value !== undefined && value !== '') return { value, from: 'downward-api', source: { kind: 'env', name: entry.name } };
  }
  if (where.volume === undefined) return undefined;
  for (const item of where.spec.volume?.items ?? []) {
    if (item.fieldRef?.fieldPath !== fieldPath) continue;
    const path = join(where.volume, item.path);
    const value = readIfPresent(where.fs, path);
    if (value !== undefined && value !== '') return { value, from: 'downward-api', source: { kind: 'file', path } };
  }
  return undefined;
}

/** The namespace: the Downward API first, then the service account's file (client-go's only source). */
export function findNamespace(where: Whereabouts): FoundValue | undefined {
  const downward = fromDownwardApi(where, 'metadata.namespace');
  if (downward !== undefined) return downward;
  const path = join(where.serviceAccountDirectory, 'namespace');
  const value = readIfPresent(where.fs, path)?.trim();
  return value === undefined || value === '' ? undefined : { value, from: 'service-account', source: { kind: 'file', path } };
}

/**
 * The pod's name: the Downward API first, then `HOSTNAME`, which the kubelet sets to the pod name cut to 63
 * characters (a DNS label) with trailing `-` and `.` dropped, or to `spec.hostname` when the pod sets one.
 */
export function findPodName(where: Whereabouts): FoundValue | undefined {
  const downward = fromDownwardApi(where, 'metadata.name');
  if (downward !== undefined) return downward;
  const hostname = where.env['HOSTNAME'];
  return hostname === undefined || hostname === '' ? undefined : { value: hostname, from: 'hostname', source: { kind: 'env', name: 'HOSTNAME' } };
}

function exists(fs: ServiceAccountFileSystem, path: string): boolean {
  try {
    fs.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Tells whether the process runs in a Kubernetes pod, with the evidence: the kubelet's env vars, the service
 * account's files, the Downward API env vars and volume files the spec reads, and the pod's namespace.
 *
 * @remarks
 * Never throws for what it finds or misses: a file it cannot read is simply not evidence. It throws only for an
 * invalid `spec`.
 *
 * @param options - The env, the spec, the volume and service-account directories; all have defaults.
 *
 * @example
 * ```ts
 * import { isKubernetes } from 'kube-downward';
 *
 * const { inKubernetes, evidence, namespace } = isKubernetes();
 * console.log(inKubernetes, evidence, namespace?.value ?? 'default');
 * ```
 * @public
 */
export function isKubernetes(options: IsKubernetesOptions = {}): KubernetesDetection {
  const where = whereabouts(options);
  const evidence: KubernetesEvidence[] = [];
  for (const name of ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT']) {
    if (where.env[name] !== undefined) evidence.push({ kind: 'env', name });
  }
  for (const file of ['token', 'ca.crt', 'namespace']) {
    const path = join(where.serviceAccountDirectory, file);
    if (exists(where.fs, path)) evidence.push({ kind: 'service-account', path });
  }
  const kubelets = evidence.length > 0;
  for (const entry of where.spec.env) {
    if (where.env[entry.name] !== undefined) evidence.push({ kind: 'downward-env', name: entry.name });
  }
  if (where.volume !== undefined) {
    for (const item of where.spec.volume?.items ?? []) {
      const path = join(where.volume, item.path);
      if (exists(where.fs, path)) evidence.push({ kind: 'downward-volume', path });
    }
  }
  return Object.freeze({ inKubernetes: kubelets, evidence: Object.freeze(evidence), namespace: findNamespace(where) });
}
