/**
 * An OpenTelemetry resource detector that reads the pod's identity from the Downward API:
 * {@link downwardApiDetector}. `@opentelemetry/resources` (2.x) and `@opentelemetry/api` are optional peer
 * dependencies of kube-downward, needed only by this entry.
 *
 * @packageDocumentation
 */

// Every export is named here on purpose; the spec types its options use are re-exported so that this entry's
// signatures stand on their own.

export { downwardApiDetector } from './detector.js';
export type { DownwardApiDetectorOptions } from './detector.js';
export type {
  DownwardEnvVar,
  DownwardValueSource,
  DownwardVolumeItem,
  DownwardVolumeSpec,
  ObjectFieldSelector,
  ResourceFieldSelector,
} from '../../spec/spec.js';
