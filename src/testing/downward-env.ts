// The env vars the kubelet injects for a container's `valueFrom.fieldRef` / `resourceFieldRef` entries
// (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables), computed once, when the container starts.

import { defaultSpec, defineSpec, type DownwardEnvVar } from '../spec/spec.js';
import { configSeenOf, kubeletCopy, type KubeletAnnotationOptions } from './kubelet-annotations.js';
import { resolvePod, type PodDescription } from './pod-description.js';
import { fieldValue, resourceValue } from './pod-fields.js';

/**
 * Options of {@link downwardEnv}.
 *
 * @example
 * ```ts
 * import { defineSpec } from 'kube-downward';
 * import type { DownwardEnvOptions } from 'kube-downward/testing';
 *
 * const options: DownwardEnvOptions = {
 *   spec: defineSpec({ env: [{ name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } }] }),
 * };
 * ```
 * @public
 */
export interface DownwardEnvOptions extends KubeletAnnotationOptions {
  /** The spec whose `env` entries are injected (its volume is not read). Default: the default spec. */
  readonly spec?: { readonly env: readonly DownwardEnvVar[] };
  /** The container the env belongs to: its resources are read where an entry names no container. Default: the first. */
  readonly containerName?: string;
}

/**
 * The env vars the kubelet would inject into a container for the spec's `env` entries, as `process.env` holds them.
 *
 * @remarks
 * `status.podIPs` and `status.hostIPs` are joined with `,`; `metadata.labels['k']` and `metadata.annotations['k']`
 * are the raw value, or empty when the key is missing; `resourceFieldRef` is what `formatResourceValue` writes,
 * for the entry's `containerName` or else the env's own container. Every entry of the spec is set, optional or
 * not: the kubelet injects whatever the manifest declares.
 *
 * @param pod - The pod; what it leaves out comes from {@link seedPod}. Default: the seed pod without its labels and
 * annotations.
 * @param options - The spec, the env's container, and the kubelet's annotations.
 * @returns A new object of env var names and values.
 * @throws `DownwardApiError` (from `kube-downward`) with code `INVALID_SPEC` for a spec the API server would reject;
 * RangeError for a description Kubernetes would reject or a container the pod lacks; TypeError for options of the
 * wrong type.
 *
 * @example
 * ```ts
 * import { readPodMetadataSync } from 'kube-downward';
 * import { downwardEnv, seedPod } from 'kube-downward/testing';
 *
 * const env = downwardEnv(seedPod);
 * env['CONTAINER_MEMORY_LIMIT_KIBIBYTES']; // '4096'
 * const pod = readPodMetadataSync({ env });
 * console.log(pod.name); // 'downward'
 * ```
 * @public
 */
export function downwardEnv(pod: PodDescription = {}, options: DownwardEnvOptions = {}): Record<string, string> {
  const spec = options.spec === undefined ? defaultSpec : defineSpec({ env: options.spec.env });
  const resolved = resolvePod(pod);
  const containerName = options.containerName ?? resolved.containers[0]?.name ?? '';
  if (typeof containerName !== 'string') throw new TypeError('options.containerName must be a string');
  if (!resolved.containers.some((container) => container.name === containerName)) {
    const names = resolved.containers.map((container) => JSON.stringify(container.name)).join(', ');
    throw new RangeError(
      `options.containerName: the pod description has no container ${JSON.stringify(containerName)} (its containers: ${names})`,
    );
  }
  const kubelets = kubeletCopy(resolved, options.kubeletAnnotations, configSeenOf(options, () => new Date()));
  const env: Record<string, string> = {};
  spec.env.forEach(({ name, valueFrom: { fieldRef, resourceFieldRef } }, i) => {
    const at = `spec.env[${i}].valueFrom`;
    env[name] =
      fieldRef === undefined
        ? resourceValue(kubelets, resourceFieldRef, resourceFieldRef.containerName ?? containerName, `${at}.resourceFieldRef`)
        : fieldValue(kubelets, fieldRef.fieldPath, `${at}.fieldRef`);
  });
  return env;
}
