// Zero configuration: the default spec reads whatever a pod provides, in every shape of pod, with the kubelet's own
// files written by the testing kit into memfs; fallbacks say where they came from; strictness is there on request.
import { readFileSync } from 'node:fs';
import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isNotInKubernetesError } from '../src/errors.js';
import { readPodMetadata, readPodMetadataSync, type ReadPodMetadataOptions } from '../src/sources/read.js';
import type { VolumeFileSystem } from '../src/sources/volume.js';
import { defaultSpec, defineSpec, type DownwardVolumeItem } from '../src/spec/spec.js';
import { createDownwardVolume, downwardEnv, seedPod, type VolumeWriterFileSystem } from '../src/testing/index.js';
import { asKubernetesReadsIt, failure } from './support.js';

const SA = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The items of a pod manifest's downwardAPI volume, as the API server stores them. */
function manifestItems(file: string): DownwardVolumeItem[] {
  const pod = parse(readFileSync(new URL(`../fixtures/manifests/${file}`, import.meta.url), 'utf8'));
  return asKubernetesReadsIt(pod.spec.volumes[0].downwardAPI.items) as DownwardVolumeItem[];
}

const field = (path: string, fieldPath: string): DownwardVolumeItem => ({ path, fieldRef: { fieldPath } });
const LABELS_AND_ANNOTATIONS = [field('labels', 'metadata.labels'), field('annotations', 'metadata.annotations')];

interface Pod {
  /** The volume's items at /etc/downward, or none. */
  readonly items?: readonly DownwardVolumeItem[];
  /** The service account's namespace file, or none. */
  readonly serviceAccountNamespace?: string;
}

/** A memfs holding what the kubelet would mount for the pod: its downwardAPI volume and service account. */
function podFs({ items, serviceAccountNamespace }: Pod): VolumeFileSystem {
  const { fs } = memfs({});
  if (items !== undefined) createDownwardVolume({ fs: fs as unknown as VolumeWriterFileSystem, directory: '/etc/downward', pod: seedPod, items });
  if (serviceAccountNamespace !== undefined) {
    fs.mkdirSync(SA, { recursive: true });
    fs.writeFileSync(`${SA}/namespace`, serviceAccountNamespace);
  }
  return fs as unknown as VolumeFileSystem;
}

// Both readers, so every case holds for the promise form too.
const readers = [
  ['readPodMetadataSync', async (options: ReadPodMetadataOptions) => readPodMetadataSync(options)],
  ['readPodMetadata', readPodMetadata],
] as const;

describe.each(readers)('%s with no options but the pod', (_name, read) => {
  it("reads the seed's env-only pod", async () => {
    const pod = await read({ env: downwardEnv(seedPod), fs: podFs({}) });
    expect(pod).toMatchObject({ name: 'downward', namespace: 'default', nodeName: seedPod.nodeName, podIP: '10.0.0.10' });
    expect(pod.resources['requests.cpu']?.millicores).toBe(15n);
    expect(pod.resources['limits.memory']?.bytes).toBe(4194304n);
    expect(pod.sources.name).toEqual({ kind: 'env', name: 'POD_NAME' });
  });

  it("reads the seed's volume-only pod (fixtures/manifests/seed-volume-pod.yaml) from its files", async () => {
    const pod = await read({ env: {}, fs: podFs({ items: manifestItems('seed-volume-pod.yaml') }) });
    expect(pod.name).toBe('downward');
    expect(pod.namespace).toBe('default');
    expect({ ...pod.labels }).toEqual({ foo: 'bar' });
    expect(pod.annotations['key2']).toBe('multi\nline\nvalue\n');
    expect(pod.resources['requests.cpu']?.millicores).toBe(15n);
    expect(pod.resources['limits.memory']?.bytes).toBe(4194304n);
    expect(pod.nodeName).toBeUndefined();
    expect(pod.sources).toMatchObject({
      name: { kind: 'file', path: '/etc/downward/podName' },
      namespace: { kind: 'file', path: '/etc/downward/podNamespace' },
      labels: [{ kind: 'file', path: '/etc/downward/labels' }],
      resources: { 'requests.cpu': { kind: 'file', path: '/etc/downward/containerCpuRequestMilliCores' } },
    });
  });

  it('reads a volume with only labels and annotations, the name and namespace from the fallbacks', async () => {
    const fs = podFs({ items: LABELS_AND_ANNOTATIONS, serviceAccountNamespace: 'shop' });
    const pod = await read({ env: { HOSTNAME: 'web-0', KUBERNETES_SERVICE_HOST: '10.96.0.1' }, fs });
    expect({ ...pod.labels }).toEqual({ foo: 'bar' });
    expect(pod.annotations['key1']).toBe('value1');
    expect([pod.name, pod.namespace]).toEqual(['web-0', 'shop']);
    expect(pod.sources.name).toEqual({ kind: 'env', name: 'HOSTNAME', fallback: true });
    expect(pod.sources.namespace).toEqual({ kind: 'file', path: `${SA}/namespace`, fallback: true });
    expect(pod.resources).toEqual({});
  });

  it('reads a volume with only labels and annotations and nothing else at all', async () => {
    const pod = await read({ env: {}, fs: podFs({ items: LABELS_AND_ANNOTATIONS }) });
    expect({ ...pod.labels }).toEqual({ foo: 'bar' });
    expect([pod.name, pod.namespace, pod.sources.name]).toEqual([undefined, undefined, undefined]);
  });

  it('reads a mix, each field from the source that is there, the volume winning where both are', async () => {
    const items = [...LABELS_AND_ANNOTATIONS, manifestItems('seed-volume-pod.yaml')[4] as DownwardVolumeItem];
    const fs = podFs({ items });
    const pod = await read({ env: { POD_NAME: 'downward', NODE_NAME: 'node-1', CONTAINER_CPU_REQUEST_MILLICORES: '10' }, fs });
    expect(pod).toMatchObject({ name: 'downward', nodeName: 'node-1' });
    expect(pod.resources['requests.cpu']?.millicores).toBe(15n);
    expect(pod.sources.resources['requests.cpu']).toEqual({ kind: 'file', path: '/etc/downward/containerCpuRequestMilliCores' });
    expect(pod.sources.nodeName).toEqual({ kind: 'env', name: 'NODE_NAME' });
    expect(pod.namespace).toBeUndefined();
  });

  it('prefers the Downward API to the fallbacks', async () => {
    const fs = podFs({ serviceAccountNamespace: 'other' });
    const pod = await read({ env: { POD_NAME: 'downward', POD_NAMESPACE: 'default', HOSTNAME: 'elsewhere' }, fs });
    expect([pod.name, pod.namespace]).toEqual(['downward', 'default']);
    expect(pod.sources.namespace).toEqual({ kind: 'env', name: 'POD_NAMESPACE' });
  });

  it('still reports a present value that is invalid, with every problem', async () => {
    const fs = podFs({ items: LABELS_AND_ANNOTATIONS });
    const { fs: raw } = { fs: fs as unknown as { writeFileSync(p: string, d: string): void; readlinkSync(p: string): string } };
    raw.writeFileSync(`/etc/downward/${raw.readlinkSync('/etc/downward/..data')}/labels`, 'foo=bar');
    const error = await read({ env: { POD_IP: '10.0.0.300' }, fs }).then(
      () => expect.unreachable(),
      (e: unknown) => failure(() => { throw e; }),
    );
    expect(error.code).toBe('INVALID_METADATA');
    expect(error.problems.map((p) => [p.code, p.source])).toEqual([
      ['UNQUOTED_VALUE', { kind: 'file', path: '/etc/downward/labels', line: 1, column: 5 }],
      ['INVALID_IP', { kind: 'env', name: 'POD_IP' }],
    ]);
  });

  it('reports a service account namespace that is not a namespace', async () => {
    const error = await read({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, fs: podFs({ serviceAccountNamespace: 'Not A Namespace' }) }).then(
      () => expect.unreachable(),
      (e: unknown) => failure(() => { throw e; }),
    );
    expect(error.problems.map((p) => [p.code, p.source])).toEqual([['INVALID_NAME', { kind: 'file', path: `${SA}/namespace` }]]);
  });

  it('skips a HOSTNAME that is not a pod name', async () => {
    const pod = await read({ env: { HOSTNAME: 'My_Laptop', KUBERNETES_SERVICE_HOST: '10.96.0.1' }, fs: podFs({}) });
    expect(pod.name).toBeUndefined();
  });

  it('uses no fallback when told not to', async () => {
    const fs = podFs({ items: LABELS_AND_ANNOTATIONS, serviceAccountNamespace: 'shop' });
    const pod = await read({ env: { HOSTNAME: 'web-0' }, fs, fallbacks: false });
    expect([pod.name, pod.namespace]).toEqual([undefined, undefined]);
  });

  it('treats a service account file it cannot read as absent: a fallback never fails a read', async () => {
    const fs = podFs({ items: LABELS_AND_ANNOTATIONS, serviceAccountNamespace: 'shop' });
    const denied = (path: string) => {
      if (path.startsWith(SA)) throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
    };
    // Every call that names a path below the service account fails as it would for a user without access.
    const guard = <T extends object>(target: T): T =>
      new Proxy(target, {
        get(object, key) {
          const value: unknown = Reflect.get(object, key);
          if (key === 'promises') return guard(value as object);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            if (typeof args[0] === 'string') denied(args[0]);
            return (value as (...a: unknown[]) => unknown).apply(object, args);
          };
        },
      });
    const guarded = guard(fs);
    const pod = await read({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, fs: guarded });
    expect(pod.namespace).toBeUndefined();
    const tooLarge = await read({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, fs, maxFileBytes: 3 }).catch((e: unknown) => e);
    // The labels file is over the bound too and is reported; the namespace file is simply not used.
    expect(failure(() => { throw tooLarge; }).problems.map((p) => [p.code, p.source])).toEqual([
      ['FILE_TOO_LARGE', { kind: 'file', path: '/etc/downward/labels' }],
      ['FILE_TOO_LARGE', { kind: 'file', path: '/etc/downward/annotations' }],
    ]);
  });

  it('takes the service account directory from the options', async () => {
    const { fs } = memfs({ '/sa/namespace': 'shop' });
    const pod = await read({ env: {}, fs: fs as unknown as VolumeFileSystem, serviceAccountDirectory: '/sa' });
    expect(pod.namespace).toBe('shop');
  });
});

describe.each(readers)('%s: what counts as running in Kubernetes', (_name, read) => {
  const outside = async (options: ReadPodMetadataOptions) => {
    const error = await read(options).then(
      () => expect.unreachable(),
      (e: unknown) => failure(() => { throw e; }),
    );
    expect(isNotInKubernetesError(error)).toBe(true);
    return error;
  };

  it('nothing at all is outside Kubernetes, and so is a HOSTNAME alone; the error lists what a pod would have set', async () => {
    expect((await outside({ env: {}, fs: podFs({}) })).problems).toHaveLength(7);
    await outside({ env: { HOSTNAME: 'laptop', HOME: '/home/dev' }, fs: podFs({}) });
  });

  it('says what to do with what a package user has, not with files of this repository', async () => {
    const error = await outside({ env: {}, fs: podFs({}) });
    expect(error.message).toContain('kube-downward/testing');
    expect(error.message).not.toContain('fixtures/');
  });

  it('a pod with no Downward API entries at all reads what the service account and HOSTNAME give', async () => {
    const pod = await read({ env: { HOSTNAME: 'web-0' }, fs: podFs({ serviceAccountNamespace: 'shop' }) });
    expect([pod.name, pod.namespace]).toEqual(['web-0', 'shop']);
    const bare = await read({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, fs: podFs({}) });
    expect([bare.name, bare.namespace, { ...bare.labels }]).toEqual([undefined, undefined, {}]);
  });
});

describe('strictness', () => {
  it("requires the default spec's entries when asked: the volume-only pod then lacks its env vars", () => {
    const error = failure(() => readPodMetadataSync({ env: {}, fs: podFs({ items: manifestItems('seed-volume-pod.yaml') }), strict: true }));
    expect(error.problems.map((p) => p.source)).toEqual(
      ['POD_NAME', 'POD_NAMESPACE', 'POD_IP', 'NODE_NAME', 'SERVICE_ACCOUNT', 'CONTAINER_CPU_REQUEST_MILLICORES', 'CONTAINER_MEMORY_LIMIT_KIBIBYTES'].map((name) => ({ kind: 'env', name })),
    );
  });

  it('requires every file of a present volume when strict', () => {
    const error = failure(() => readPodMetadataSync({ env: downwardEnv(seedPod), fs: podFs({ items: LABELS_AND_ANNOTATIONS }), strict: true }));
    expect(error.problems.map((p) => [p.code, p.source])).toEqual(
      ['podName', 'podNamespace', 'containerCpuRequestMilliCores', 'containerMemoryLimitBytes'].map((file) => ['MISSING', { kind: 'file', path: `/etc/downward/${file}` }]),
    );
  });

  it('is the default for a spec of your own, which declares what the pod has, and can be turned off', () => {
    const spec = defineSpec({ env: [{ name: 'MY_POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'MY_NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }] });
    const error = failure(() => readPodMetadataSync({ spec, env: { MY_POD: 'web-0' }, fs: podFs({}) }));
    expect(error.problems.map((p) => [p.code, p.source])).toEqual([['MISSING', { kind: 'env', name: 'MY_NODE' }]]);
    const lenient = readPodMetadataSync({ spec, env: { MY_POD: 'web-0', HOSTNAME: 'other' }, fs: podFs({ serviceAccountNamespace: 'shop' }), strict: false });
    // No fallbacks with a spec of your own unless asked for.
    expect([lenient.name, lenient.namespace]).toEqual(['web-0', undefined]);
  });
});

describe('the default spec', () => {
  it('passes the same validation as a spec of your own (it is not validated at load, to keep zod off start-up)', () => {
    const copy = JSON.parse(JSON.stringify(defaultSpec));
    expect(defineSpec(copy)).toEqual(defaultSpec);
  });
});
