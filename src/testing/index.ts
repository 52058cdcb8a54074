// kube-downward/testing: the kubelet's side of the Downward API, for tests. Every export is named here on purpose;
// the spec types its signatures use are re-exported so that this entry's signatures stand on their own.

export { createDownwardVolume } from './downward-volume.js';
export type { CreateDownwardVolumeOptions, DownwardVolume, UpdateDownwardVolumeOptions } from './downward-volume.js';
export { downwardEnv } from './downward-env.js';
export type { DownwardEnvOptions } from './downward-env.js';
export type { KubeletAnnotationOptions } from './kubelet-annotations.js';
export { seedPod } from './pod-description.js';
export type { ContainerDescription, PodDescription, ResourceRequirements } from './pod-description.js';
export type { VolumeWriterFileSystem } from './atomic-writer.js';
export type {
  DownwardEnvVar,
  DownwardValueSource,
  DownwardVolumeItem,
  ObjectFieldSelector,
  ResourceFieldSelector,
} from '../spec.js';
