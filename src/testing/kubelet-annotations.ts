// The kubelet's own annotations (pkg/kubelet/config): it stamps every pod it receives with the time it first saw it
// and the source it came from, and keeps both over later updates from the API server.

import type { ResolvedPod } from './pod-description.js';
import { RFC3339_TIME, rfc3339NanoFixed } from './kubelet-time.js';

/**
 * Whether and how to add the kubelet's `kubernetes.io/config.seen` and `kubernetes.io/config.source` annotations.
 *
 * @remarks
 * The kubelet adds both to its copy of every pod, so the annotations file (and `metadata.annotations['...']`) holds
 * keys the API object lacks; they override annotations of the same name, as in the kubelet.
 *
 * @example
 * ```ts
 * import type { KubeletAnnotationOptions } from 'kube-downward/testing';
 *
 * const options: KubeletAnnotationOptions = { configSeen: '2026-11-26T09:21:53.288983724Z' };
 * ```
 * @public
 */
export interface KubeletAnnotationOptions {
  /** Add the kubelet's two annotations. Default `true`; a real kubelet always adds them. */
  readonly kubeletAnnotations?: boolean;
  /**
   * The `kubernetes.io/config.seen` value: when the kubelet first saw the pod, in RFC 3339 with nanoseconds
   * (`2026-11-26T09:21:53.288983724Z`). Default: the current time, whose last six digits are zeros.
   */
  readonly configSeen?: string;
}

const CONFIG_SEEN = 'kubernetes.io/config.seen';
const CONFIG_SOURCE = 'kubernetes.io/config.source';

/**
 * The `config.seen` text to stamp with, fixed once per pod.
 *
 * @throws TypeError or RangeError for a `configSeen` that is not an RFC 3339 time.
 */
export function configSeenOf(options: KubeletAnnotationOptions, now: () => Date): string {
  const { configSeen } = options;
  if (configSeen === undefined) return rfc3339NanoFixed(now());
  if (typeof configSeen !== 'string') throw new TypeError('configSeen must be a string');
  if (!RFC3339_TIME.test(configSeen)) {
    throw new RangeError(`configSeen ${JSON.stringify(configSeen)} must be an RFC 3339 time, such as 2026-11-26T09:21:53.288983724Z`);
  }
  return configSeen;
}

/** The pod as the kubelet holds it: its own annotations added (pods from the API server have source `api`). */
export function kubeletCopy(pod: ResolvedPod, enabled: boolean | undefined, configSeen: string): ResolvedPod {
  if (enabled === false) return pod;
  if (enabled !== undefined && enabled !== true) throw new TypeError('kubeletAnnotations must be a boolean');
  return { ...pod, annotations: { ...pod.annotations, [CONFIG_SEEN]: configSeen, [CONFIG_SOURCE]: 'api' } };
}
