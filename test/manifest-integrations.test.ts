// The manifest generator's integrations: the pod it describes, written as the kubelet would, gives the OpenTelemetry
// detector and runtime sizing everything they read, with their defaults.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { downwardApiDetector } from '../src/integrations/opentelemetry/index.js';
import { runtimeSizing } from '../src/integrations/runtime-sizing.js';
import { downwardPodSpec, type DownwardPodSpec } from '../src/spec/manifest.js';
import { specFor } from '../src/spec/integrations.js';
import { defineSpec, type DownwardEnvVar } from '../src/spec/spec.js';
import { failure } from './support.js';
import { createDownwardVolume, downwardEnv, seedPod, type PodDescription } from '../src/testing/index.js';

const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

/** The container's env and volume as the kubelet gives them for a generated manifest. */
function kubeletView(manifest: DownwardPodSpec, pod: PodDescription): { env: Record<string, string>; volume: string } {
  const [container] = manifest.containers;
  const entries = container?.env ?? [];
  const downward = entries.flatMap((entry) => ('valueFrom' in entry ? [entry as DownwardEnvVar] : []));
  const plain = Object.fromEntries(entries.flatMap((entry) => ('value' in entry ? [[entry.name, entry.value]] : [])));
  const volume = createDownwardVolume({ pod, items: manifest.volumes?.[0]?.downwardAPI.items ?? [] });
  cleanup.push(() => volume.remove());
  return { env: { ...downwardEnv(pod, { spec: { env: downward }, containerName: container?.name ?? '' }), ...plain }, volume: volume.directory };
}

const uid = '0f5e7a2c-3b1d-4c8e-9f60-a1b2c3d4e5f6';
const web: PodDescription = { ...seedPod, uid, containers: [{ name: 'web', resources: { requests: { cpu: '2' }, limits: { cpu: '6', memory: '512Mi' } } }] };

describe('downwardPodSpec with integrations', () => {
  it('adds what the detector and sizing read, and the container name as a plain value', () => {
    const { containers, volumes } = downwardPodSpec({ container: 'web', integrations: ['opentelemetry', 'runtime-sizing'] });
    const env = containers[0]?.env ?? [];
    expect(env.find((entry) => entry.name === 'POD_UID')).toEqual({ name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } });
    expect(env.find((entry) => entry.name === 'KUBE_DOWNWARD_CONTAINER_NAME')).toEqual({ name: 'KUBE_DOWNWARD_CONTAINER_NAME', value: 'web' });
    expect(env.some((entry) => entry.name === 'POD_IPS')).toBe(false);
    expect(volumes?.[0]?.downwardAPI.items).toContainEqual({
      path: 'containerCpuLimitMilliCores',
      resourceFieldRef: { resource: 'limits.cpu', divisor: '1m', containerName: 'web' },
    });
    expect(downwardPodSpec({ integrations: [] })).toEqual(downwardPodSpec());
  });

  it('gives the detector and runtime sizing, with their defaults, everything they read', () => {
    const { env, volume } = kubeletView(downwardPodSpec({ container: 'web', integrations: ['opentelemetry', 'runtime-sizing'] }), web);
    expect(downwardApiDetector({ env, volume }).detect().attributes).toEqual({
      'k8s.pod.name': 'downward',
      'k8s.pod.uid': uid,
      'k8s.namespace.name': 'default',
      'k8s.node.name': 'gke-kubia-default-pool-32a2cac8-sgl7',
      'k8s.container.name': 'web',
    });
    const sizing = runtimeSizing({ env, volume, cgroupRoot: '/nonexistent' });
    expect(sizing.problems).toEqual([]);
    expect(sizing.maxOldSpaceSizeMiB).toMatchObject({ value: 336, source: 'downward-api' });
    expect(sizing.uvThreadpoolSize).toMatchObject({ value: 6, source: 'downward-api' });
  });

  it('adds env vars to a spec without a volume, and reads them', () => {
    const spec = defineSpec({ env: [{ name: 'MY_POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] });
    const manifest = downwardPodSpec({ spec, container: 'web', integrations: ['runtime-sizing'] });
    expect(manifest.volumes).toBeUndefined();
    expect(manifest.containers[0]?.env.map((entry) => entry.name)).toEqual([
      'MY_POD',
      'CONTAINER_MEMORY_LIMIT_BYTES',
      'CONTAINER_CPU_LIMIT_MILLICORES',
      'CONTAINER_CPU_REQUEST_MILLICORES',
    ]);
    const { env } = kubeletView(manifest, web);
    const sizing = runtimeSizing({ env, spec, cgroupRoot: '/nonexistent' });
    expect([sizing.maxOldSpaceSizeMiB.value, sizing.uvThreadpoolSize.value]).toEqual([336, 6]);
  });

  it('rejects a spec whose own entry takes a name or path an integration needs for another value', () => {
    const ownLimit = { name: 'CONTAINER_MEMORY_LIMIT_BYTES', valueFrom: { resourceFieldRef: { resource: 'requests.memory' } } };
    const byName = failure(() => specFor(['runtime-sizing'], defineSpec({ env: [ownLimit] })));
    expect(byName.code).toBe('INVALID_SPEC');
    expect(byName.problems.map((p) => [p.value, p.rule])).toEqual([['CONTAINER_MEMORY_LIMIT_BYTES', 'unique among the env vars']]);
    const item = { path: 'containerMemoryLimitBytes', resourceFieldRef: { resource: 'requests.memory', containerName: 'main' } };
    const byPath = failure(() => specFor(['runtime-sizing'], defineSpec({ env: [], volume: { mountPath: '/etc/downward', items: [item] } })));
    expect(byPath.problems.map((p) => [p.value, p.rule])).toEqual([['containerMemoryLimitBytes', 'unique among the items']]);
  });

  it('rejects an integration it does not know', () => {
    expect(() => downwardPodSpec({ integrations: ['tracing' as 'opentelemetry'] })).toThrow(RangeError);
  });
});

describe('kube-downward manifest --for', () => {
  const cli = join(fileURLToPath(new URL('..', import.meta.url)), 'dist/cli/main.js');
  const run = (args: string[]) => spawnSync(process.execPath, [cli, 'manifest', ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });

  it('prints what downwardPodSpec gives for the integrations listed', () => {
    const result = run(['--for', 'opentelemetry,runtime-sizing', '--container', 'web']);
    expect(result.status).toBe(0);
    expect(parse(result.stdout)).toEqual(JSON.parse(JSON.stringify({ spec: downwardPodSpec({ container: 'web', integrations: ['opentelemetry', 'runtime-sizing'] }) })));
  });

  it('is a usage error for an integration it does not know', () => {
    const result = run(['--for', 'opentelemetry,tracing']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('not "tracing"');
  });
});
