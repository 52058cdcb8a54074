/**
 * The kubelet's side of the Downward API, for tests: {@link createDownwardVolume} writes a downwardAPI volume exactly
 * as the kubelet does (file format and atomic-writer sequence), into a real directory or memfs, and
 * {@link downwardEnv} gives the env vars the kubelet would inject, for a {@link PodDescription}.
 *
 * @packageDocumentation
 */

// Every export is named here on purpose; the spec types its signatures use are re-exported so that this entry's
// signatures stand on their own.

export { createDownwardVolume } from './downward-volume.js';
export type { CreateDownwardVolumeOptions, DownwardVolume, UpdateDownwardVolumeOptions } from './downward-volume.js';
export { downwardEnv } from './downward-env.js';
export type { DownwardEnvOptions } from './downward-env.js';
export type { KubeletAnnotationOptions } from './kubelet-annotations.js';
export { seedPod } from './pod-description.js';
export type { ContainerDescription, PodDescription, ResourceRequirements } from './pod-description.js';
export type { VolumeWriterFileSystem } from './atomic-writer.js';
export type { UnicodeVersion } from '../format/unicode.js';
export type {
  DownwardEnvVar,
  DownwardValueSource,
  DownwardVolumeItem,
  ObjectFieldSelector,
  ResourceFieldSelector,
} from '../spec/spec.js';
