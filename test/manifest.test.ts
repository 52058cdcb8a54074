import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { downwardPodSpec } from '../src/spec/manifest.js';
import { readPodMetadataSync } from '../src/sources/read.js';
import { defaultSpec, defineSpec } from '../src/spec/spec.js';
import { createDownwardVolume, downwardEnv, seedPod, type DownwardVolume, type PodDescription } from '../src/testing/index.js';
import { asKubernetesReadsIt } from './support.js';

const seedEnvPod = parse(readFileSync(new URL('../fixtures/manifests/seed-env-pod.yaml', import.meta.url), 'utf8'));
const seedVolumePod = parse(readFileSync(new URL('../fixtures/manifests/seed-volume-pod.yaml', import.meta.url), 'utf8'));


const volumes: DownwardVolume[] = [];
afterEach(() => volumes.splice(0).forEach((v) => v.remove()));

describe('downwardPodSpec', () => {
  it("reproduces the README's two pods with the default spec", () => {
    const spec = asKubernetesReadsIt(downwardPodSpec()) as ReturnType<typeof downwardPodSpec>;
    const [envContainer] = seedEnvPod.spec.containers;
    const [volumeContainer] = seedVolumePod.spec.containers;
    expect(spec.containers).toEqual([{ name: 'main', env: asKubernetesReadsIt(envContainer.env), volumeMounts: volumeContainer.volumeMounts }]);
    expect(spec.volumes).toEqual(asKubernetesReadsIt(seedVolumePod.spec.volumes));
  });

  it('adds the optional env vars on request, without kube-downward\'s own flag', () => {
    const { containers } = downwardPodSpec({ includeOptional: true });
    expect(containers[0]?.env.map((e) => e.name)).toEqual(defaultSpec.env.map((e) => e.name));
    expect(containers[0]?.env.some((e) => 'optional' in e)).toBe(false);
  });

  it('makes items that read one container read the named container', () => {
    const { containers, volumes: [volume] = [] } = downwardPodSpec({ container: 'web', volumeName: 'podinfo' });
    expect(containers[0]?.name).toBe('web');
    expect(containers[0]?.volumeMounts).toEqual([{ name: 'podinfo', mountPath: '/etc/downward' }]);
    expect(volume?.name).toBe('podinfo');
    expect(volume?.downwardAPI.items.flatMap((i) => (i.resourceFieldRef ? [i.resourceFieldRef.containerName] : []))).toEqual(['web', 'web']);
  });

  it('keeps items that read several containers as they are', () => {
    const spec = defineSpec({
      env: [],
      volume: {
        mountPath: '/etc/podinfo',
        items: [
          { path: 'app-cpu', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu' } },
          { path: 'proxy-cpu', resourceFieldRef: { containerName: 'proxy', resource: 'limits.cpu' } },
        ],
      },
    });
    const { containers, volumes: [volume] = [] } = downwardPodSpec({ spec });
    expect(containers[0]?.name).toBe('app');
    expect(volume?.downwardAPI.items.map((i) => i.resourceFieldRef?.containerName)).toEqual(['app', 'proxy']);
  });

  it('rejects a container or volume name Kubernetes would not take', () => {
    expect(() => downwardPodSpec({ container: 'Main_App' })).toThrow(RangeError);
    expect(() => downwardPodSpec({ volumeName: '' })).toThrow(RangeError);
  });
});

describe('reader and generator agree by construction', () => {
  const pod: PodDescription = {
    name: 'shop-7d4b9',
    namespace: 'shop',
    uid: '1f0e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
    podIP: '10.1.2.3',
    podIPs: ['10.1.2.3', 'fd00::3'],
    labels: { app: 'shop', 'app.kubernetes.io/version': 'v1.2.3' },
    annotations: { 'example.com/owner': 'team "payments"\nsecond line = yes' },
    containers: [
      { name: 'app', resources: { requests: { cpu: '250m', memory: '100Mi' }, limits: { cpu: '1500m', memory: '1Gi' } } },
      { name: 'proxy', resources: { limits: { cpu: '100m' } } },
    ],
  };
  const spec = defineSpec({
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_IPS', valueFrom: { fieldRef: { fieldPath: 'status.podIPs' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'CPU_LIMIT_CORES', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'MEM_REQUEST_MI', valueFrom: { resourceFieldRef: { resource: 'requests.memory', divisor: '1Mi' } } },
    ],
    volume: {
      mountPath: '/etc/podinfo',
      items: [
        { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' } },
        { path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } },
        { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
        { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
        { path: 'limits/cpu', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' } },
        { path: 'limits/memory', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1' } },
      ],
    },
  });

  it.each([
    ['the default spec and the seed pod', defaultSpec, seedPod, 'main'],
    ['a spec of its own', spec, pod, 'app'],
  ] as const)('%s: manifest -> kubelet -> reader gives the pod back', (_what, theSpec, description, container) => {
    // The manifest as kubectl would read it: through YAML.
    const manifest = parse(stringify({ spec: downwardPodSpec({ spec: theSpec, container }) })).spec;
    const env = downwardEnv(description, { spec: { env: manifest.containers[0].env }, containerName: container });
    const volume = createDownwardVolume({ pod: description, items: manifest.volumes[0].downwardAPI.items });
    volumes.push(volume);

    const meta = readPodMetadataSync({ spec: theSpec, env, volume: volume.directory });
    if (theSpec === defaultSpec) {
      expect(meta).toMatchObject({ name: 'downward', namespace: 'default', podIP: '10.0.0.10', nodeName: 'gke-kubia-default-pool-32a2cac8-sgl7', serviceAccountName: 'default' });
      expect({ ...meta.labels }).toEqual({ foo: 'bar' });
      expect(meta.resources['requests.cpu']?.millicores).toBe(15n);
      expect(meta.resources['limits.memory']?.bytes).toBe(4n * 1024n * 1024n);
    } else {
      expect(meta).toMatchObject({ name: pod.name, namespace: 'shop', uid: pod.uid, podIP: '10.1.2.3', podIPs: ['10.1.2.3', 'fd00::3'] });
      expect({ ...meta.labels }).toEqual(pod.labels);
      expect(meta.annotations['example.com/owner']).toBe(pod.annotations?.['example.com/owner']);
      // Env in whole cores (2) and the file in millicores (1500) overlap: the tighter reading wins.
      expect(meta.resources['limits.cpu']).toMatchObject({ millicores: 1500n, interval: { above: 1499n, atMost: 1500n } });
      expect(meta.resources['limits.memory']?.bytes).toBe(1024n ** 3n);
      expect(meta.resources['requests.memory']?.bytes).toBe(100n * 1024n * 1024n);
    }
  });
});
