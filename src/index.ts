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

export { parseDownwardMap, parseDownwardMapBytes, formatDownwardMap } from './format/downward-map.js';
export type {
  DownwardMap,
  DownwardMapBytes,
  ParseDownwardMapOptions,
  FormatDownwardMapOptions,
} from './format/downward-map.js';
export type { UnicodeVersion } from './format/unicode.js';
export { DownwardApiError, NotInKubernetesError, isDownwardApiError, isNotInKubernetesError } from './errors.js';
export type { DownwardApiErrorCode, DownwardApiErrorOptions, DownwardApiProblem, DownwardApiSource } from './errors.js';
export { downwardPodSpec } from './spec/manifest.js';
export { specFor } from './spec/integrations.js';
export type { DownwardIntegration } from './spec/integrations.js';
export { runtimeSizing } from './integrations/runtime-sizing.js';
export type { RuntimeSetting, RuntimeSettingSource, RuntimeSizing, RuntimeSizingOptions } from './integrations/runtime-sizing.js';
export type { DownwardPodSpec, DownwardPodSpecOptions } from './spec/manifest.js';
export type { PodMetadata, PodMetadataSource, PodMetadataSources, PodResources } from './sources/pod-metadata.js';
export { parsePodMetadataJson } from './sources/snapshot.js';
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
export type { VolumeFileHandle, VolumeFileStat, VolumeFileSystem } from './sources/volume.js';
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
export {
  ServiceAccountToken,
  createServiceAccountTokenSource,
  readServiceAccount,
} from './cluster/service-account.js';
export type {
  ReadServiceAccountOptions,
  ServiceAccount,
  ServiceAccountFileSystem,
  ServiceAccountTokenSource,
  ServiceAccountTokenSourceOptions,
} from './cluster/service-account.js';
export { isKubernetes } from './cluster/identity.js';
export type { FoundValue, IsKubernetesOptions, KubernetesDetection, KubernetesEvidence } from './cluster/identity.js';
export { KubernetesApiError, isKubernetesApiError } from './cluster/api-error.js';
export type { KubernetesApiErrorCode, KubernetesApiErrorOptions } from './cluster/api-error.js';
export type { ApiServerOptions } from './cluster/api-client.js';
export { fetchPodMetadata } from './cluster/api-server.js';
export type { ApiPodMetadata, FetchPodMetadataOptions, OwnerReference } from './cluster/api-pod.js';
export { watchPodFromApiServer } from './cluster/api-server.js';
export type { ApiPodEvent, WatchPodFromApiServerOptions } from './cluster/api-watch.js';
export { apiServerAccessManifest } from './cluster/access-manifest.js';
export type { ApiServerAccessManifest, ApiServerAccessOptions, KubernetesObject } from './cluster/access-manifest.js';
