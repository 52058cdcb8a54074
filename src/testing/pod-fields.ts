// What the kubelet extracts from its copy of a pod for one fieldRef or resourceFieldRef (pkg/fieldpath,
// pkg/kubelet/kubelet_pods.go): the same text for an env var and for a volume file.

import { formatDownwardMap } from '../format/downward-map.js';
import { fieldTarget } from '../format/field-path.js';
import type { UnicodeVersion } from '../format/unicode.js';
import { formatResourceValue, type FormatResourceValueOptions, type ResourceName } from '../format/resource.js';
import type { ResourceFieldSelector } from '../spec/spec.js';
import type { ResolvedContainer, ResolvedPod } from './pod-description.js';

/**
 * The text of a field path the spec has already validated for its place (env var or volume item).
 *
 * @param at - Where the field path was given, for the error message.
 * @param unicodeVersion - Whose Go's tables quote a labels or annotations map; default 15.0.
 */
export function fieldValue(pod: ResolvedPod, fieldPath: string, at: string, unicodeVersion?: UnicodeVersion): string {
  const target = fieldTarget(fieldPath);
  switch (target?.kind) {
    case 'scalar': {
      const { field } = target;
      if (field === 'podIP' || field === 'hostIP') return (field === 'podIP' ? pod.podIPs : pod.hostIPs)[0] ?? '';
      if (field === 'podIPs' || field === 'hostIPs') return pod[field].join(',');
      return pod[field];
    }
    case 'map':
      return formatDownwardMap(pod[target.field], {
        keys: target.field,
        ...(unicodeVersion === undefined ? {} : { unicodeVersion }),
      });
    // A missing key is the empty string, not an error: the kubelet indexes a Go map.
    case 'mapKey':
      return Object.hasOwn(pod[target.field], target.key) ? (pod[target.field][target.key] ?? '') : '';
    default:
      throw new RangeError(`${at}: the kubelet cannot resolve field path ${JSON.stringify(fieldPath)}`);
  }
}

function container(pod: ResolvedPod, name: string, at: string): ResolvedContainer {
  const found = pod.containers.find((c) => c.name === name);
  if (found !== undefined) return found;
  const names = pod.containers.map((c) => JSON.stringify(c.name)).join(', ');
  throw new RangeError(`${at}: the pod description has no container ${JSON.stringify(name)} (its containers: ${names})`);
}

/**
 * The text of a resourceFieldRef the spec has already validated.
 *
 * @param containerName - The container named by the selector, or the env var's own container.
 * @param at - Where the selector was given, for the error message.
 */
export function resourceValue(pod: ResolvedPod, selector: ResourceFieldSelector, containerName: string, at: string): string {
  const { requests, limits } = container(pod, containerName, at);
  const resource = selector.resource as ResourceName;
  const dot = resource.indexOf('.');
  const name = resource.slice(dot + 1);
  const quantity = (resource.slice(0, dot) === 'requests' ? requests : limits)[name];
  // Always set for cpu, memory and ephemeral-storage: the description's allocatable is merged over the seed node's.
  const allocatable = pod.nodeAllocatable[name];
  const options: FormatResourceValueOptions = {
    resource,
    ...(quantity === undefined ? {} : { quantity }),
    ...(selector.divisor === undefined ? {} : { divisor: selector.divisor }),
    ...(allocatable === undefined ? {} : { nodeAllocatable: allocatable }),
  };
  return formatResourceValue(options);
}
