/**
 * Read a Kubernetes pod's identity, labels, annotations and resources from the Downward API, exactly as the kubelet
 * writes them: {@link readPodMetadataSync} and {@link readPodMetadata} for one validated snapshot,
 * {@link iteratePodMetadata} and {@link waitForPodMetadata} for a live view (as Observables: `kube-downward/rxjs`),
 * {@link defineSpec} for what to read, and the parsers underneath ({@link parseDownwardMap},
 * {@link parseQuantity}, {@link formatResourceValue}).
 *
 * @packageDocumentation
 */

// The public API: every export is named here on purpose.

export { parseDownwardMap, formatDownwardMap } from './format/downward-map.js';
export type { DownwardMap, ParseDownwardMapOptions, FormatDownwardMapOptions } from './format/downward-map.js';
export { DownwardApiError, NotInKubernetesError, isDownwardApiError, isNotInKubernetesError } from './errors.js';
export type { DownwardApiErrorCode, DownwardApiErrorOptions, DownwardApiProblem, DownwardApiSource } from './errors.js';
export { downwardPodSpec } from './spec/manifest.js';
export type { DownwardPodSpec, DownwardPodSpecOptions } from './spec/manifest.js';
export type { PodMetadata, PodResources } from './sources/pod-metadata.js';
export { Quantity, parseQuantity } from './format/quantity.js';
export type { QuantityFormat } from './format/quantity.js';
export { readPodMetadata, readPodMetadataSync } from './sources/read.js';
export type { ReadPodMetadataOptions } from './sources/read.js';
export { canonicalDivisor, formatResourceValue, isResourceName, parseResourceValue } from './format/resource.js';
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
} from './format/resource.js';
export { defaultSpec, defineSpec } from './spec/spec.js';
export type { VolumeFileSystem } from './sources/volume.js';
export { iteratePodMetadata, waitForPodMetadata } from './live/watch.js';
export type { PodMetadataEvent, WatchPodMetadataOptions } from './live/watch.js';
export type {
  DownwardApiSpec,
  DownwardEnvVar,
  DownwardValueSource,
  DownwardVolumeItem,
  DownwardVolumeSpec,
  ObjectFieldSelector,
  ResourceFieldSelector,
} from './spec/spec.js';
