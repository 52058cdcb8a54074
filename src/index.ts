// The public API of kube-downward: every export is named here on purpose.

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
