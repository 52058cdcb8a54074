/**
 * Read a Kubernetes pod's identity, labels, annotations and resources from the Downward API, exactly as the kubelet
 * writes them: {@link readPodMetadataSync} and {@link readPodMetadata} for one validated snapshot,
 * {@link watchPodMetadata} for a live view, {@link defineSpec} for what to read, and the parsers underneath
 * ({@link parseDownwardMap}, {@link parseQuantity}, {@link formatResourceValue}).
 *
 * @packageDocumentation
 */

// The public API: every export is named here on purpose.

export { parseDownwardMap, formatDownwardMap } from './downward-map.js';
export type { DownwardMap, ParseDownwardMapOptions, FormatDownwardMapOptions } from './downward-map.js';
export { DownwardApiError, NotInKubernetesError, isDownwardApiError, isNotInKubernetesError } from './errors.js';
export type { DownwardApiErrorCode, DownwardApiErrorOptions, DownwardApiProblem, DownwardApiSource } from './errors.js';
export { downwardPodSpec } from './manifest.js';
export type { DownwardPodSpec, DownwardPodSpecOptions } from './manifest.js';
export type { PodMetadata, PodResources } from './pod-metadata.js';
export { Quantity, parseQuantity } from './quantity.js';
export type { QuantityFormat } from './quantity.js';
export { readPodMetadata, readPodMetadataSync } from './read.js';
export type { ReadPodMetadataOptions } from './read.js';
export { canonicalDivisor, formatResourceValue, isResourceName, parseResourceValue } from './resource.js';
export type {
  ByteResourceName,
  ByteResourceValue,
  CpuResourceName,
  CpuResourceValue,
  FormatResourceValueOptions,
  ParseResourceValueOptions,
  ResourceInterval,
  ResourceName,
  ResourceValue,
} from './resource.js';
export { defaultSpec, defineSpec } from './spec.js';
export type { VolumeFileSystem } from './volume-source.js';
export { iteratePodMetadata, waitForPodMetadata, watchPodMetadata, watchPodMetadataEvents } from './watch.js';
export type { PodMetadataEvent, WatchPodMetadataOptions } from './watch.js';
export type {
  DownwardApiSpec,
  DownwardEnvVar,
  DownwardValueSource,
  DownwardVolumeItem,
  DownwardVolumeSpec,
  ObjectFieldSelector,
  ResourceFieldSelector,
} from './spec.js';
