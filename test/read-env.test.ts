import { describe, expect, it } from 'vitest';
import { isNotInKubernetesError } from '../src/errors.js';
import { readPodMetadata, readPodMetadataSync } from '../src/sources/read.js';
import { defineSpec } from '../src/spec/spec.js';
import { failure, seedEnv } from './support.js';


const env = (name: string, valueFrom: object, optional?: boolean) =>
  optional === undefined ? { name, valueFrom } : { name, valueFrom, optional };
const field = (fieldPath: string) => ({ fieldRef: { fieldPath } });

describe('readPodMetadataSync with the seed pod', () => {
  it('reads the seed env into one typed, frozen snapshot', () => {
    const meta = readPodMetadataSync({ env: seedEnv });
    expect(meta.name).toBe('downward');
    expect(meta.namespace).toBe('default');
    expect(meta.podIP).toBe('10.0.0.10');
    expect(meta.nodeName).toBe('gke-kubia-default-pool-32a2cac8-sgl7');
    expect(meta.serviceAccountName).toBe('default');
    expect(meta.resources['requests.cpu']?.millicores).toBe(15n);
    expect(meta.resources['requests.cpu']?.divisor).toBe('1m');
    expect(meta.resources['limits.memory']?.bytes).toBe(4194304n);
    expect(meta.resources['limits.memory']?.interval).toEqual({ above: 4193280n, atMost: 4194304n });
    expect(meta.uid).toBeUndefined();
    expect(meta.podIPs).toBeUndefined();
    expect({ ...meta.labels }).toEqual({});
    expect(Object.isFrozen(meta)).toBe(true);
    expect(Object.isFrozen(meta.resources)).toBe(true);
    expect(Object.isFrozen(meta.labels)).toBe(true);
  });

  it('gives the same snapshot through the promise form', async () => {
    await expect(readPodMetadata({ env: seedEnv })).resolves.toEqual(readPodMetadataSync({ env: seedEnv }));
  });

  it('reads the optional uid, IP lists and host IPs when present', () => {
    const meta = readPodMetadataSync({
      env: {
        ...seedEnv,
        POD_UID: '2c1d3f0e-7a55-4a8e-9c1b-0f3b7e5d9a10',
        POD_IPS: '10.0.0.10,fd00::6',
        HOST_IP: '192.168.1.7',
        HOST_IPS: '192.168.1.7,2001:db8::7',
      },
    });
    expect(meta.uid).toBe('2c1d3f0e-7a55-4a8e-9c1b-0f3b7e5d9a10');
    expect(meta.podIPs).toEqual(['10.0.0.10', 'fd00::6']);
    expect(meta.hostIP).toBe('192.168.1.7');
    expect(meta.hostIPs).toEqual(['192.168.1.7', '2001:db8::7']);
    expect(Object.isFrozen(meta.podIPs)).toBe(true);
  });

  it('accepts a static pod uid (32 hex digits) and an IPv6-first pod', () => {
    const meta = readPodMetadataSync({
      env: { ...seedEnv, POD_IP: 'fd00::6', POD_IPS: 'fd00::6,10.0.0.10', POD_UID: 'a3f1c2d4e5b60718293a4b5c6d7e8f90' },
    });
    expect(meta.podIPs).toEqual(['fd00::6', '10.0.0.10']);
    expect(meta.uid).toBe('a3f1c2d4e5b60718293a4b5c6d7e8f90');
  });
});

describe('every env field path Kubernetes allows', () => {
  const spec = defineSpec({
    env: [
      env('N', field('metadata.name')),
      env('NS', field('metadata.namespace')),
      env('UID', field('metadata.uid')),
      env('NODE', field('spec.nodeName')),
      env('SA', field('spec.serviceAccountName')),
      env('IP', field('status.podIP')),
      env('IPS', field('status.podIPs')),
      env('HIP', field('status.hostIP')),
      env('HIPS', field('status.hostIPs')),
      env('APP', field("metadata.labels['app.kubernetes.io/name']")),
      env('TEAM', field("metadata.annotations['example.com/team']")),
      env('EMPTY', field("metadata.labels['missing']")),
      env('CPU_LIMIT', { resourceFieldRef: { resource: 'limits.cpu' } }),
      env('EPHEMERAL', { resourceFieldRef: { resource: 'requests.ephemeral-storage', divisor: '1Mi' } }),
      env('HUGE', { resourceFieldRef: { resource: 'limits.hugepages-2Mi', divisor: '1Mi' } }),
    ],
  });
  const good = {
    N: 'web-0',
    NS: 'shop',
    UID: '2c1d3f0e-7a55-4a8e-9c1b-0f3b7e5d9a10',
    NODE: 'node-1.example.com',
    SA: 'web',
    IP: '10.1.2.3',
    IPS: '10.1.2.3',
    HIP: '192.168.0.5',
    HIPS: '192.168.0.5',
    APP: 'web',
    TEAM: 'payments = "core" team\nline two',
    EMPTY: '',
    CPU_LIMIT: '2',
    EPHEMERAL: '512',
    HUGE: '4',
  };

  it('reads each into its Kubernetes-named field', () => {
    const meta = readPodMetadataSync({ spec, env: good });
    expect(meta).toMatchObject({
      name: 'web-0',
      namespace: 'shop',
      uid: good.UID,
      nodeName: 'node-1.example.com',
      serviceAccountName: 'web',
      podIP: '10.1.2.3',
      podIPs: ['10.1.2.3'],
      hostIP: '192.168.0.5',
      hostIPs: ['192.168.0.5'],
    });
    expect({ ...meta.labels }).toEqual({ 'app.kubernetes.io/name': 'web', missing: '' });
    expect({ ...meta.annotations }).toEqual({ 'example.com/team': good.TEAM });
    expect(meta.resources['limits.cpu']?.millicores).toBe(2000n);
    expect(meta.resources['limits.cpu']?.interval).toEqual({ above: 1000n, atMost: 2000n });
    expect(meta.resources['requests.ephemeral-storage']?.bytes).toBe(512n * 1024n * 1024n);
    expect(meta.resources['limits.hugepages-2Mi']?.bytes).toBe(4n * 1024n * 1024n);
  });

  it.each([
    ['N', 'Web_0', 'INVALID_NAME'],
    ['N', 'x'.repeat(254), 'INVALID_NAME'],
    ['NS', 'a.b', 'INVALID_NAME'],
    ['NODE', '-node', 'INVALID_NAME'],
    ['SA', '', 'INVALID_NAME'],
    ['UID', 'not-a-uid', 'INVALID_UID'],
    ['IP', '10.0.0.300', 'INVALID_IP'],
    ['IP', '010.0.0.1', 'INVALID_IP'],
    ['IP', ' 10.1.2.3', 'INVALID_IP'],
    ['HIP', 'fe80::1%eth0', 'INVALID_IP'],
    ['IPS', '10.1.2.3, fd00::1', 'INVALID_IP'],
    ['IPS', '10.1.2.3,', 'INVALID_IP'],
    ['IPS', 'fd00::1,10.1.2.3', 'IP_LIST_MISMATCH'],
    ['HIPS', '192.168.0.6', 'IP_LIST_MISMATCH'],
    ['APP', 'has space', 'INVALID_LABEL_VALUE'],
    ['CPU_LIMIT', '1.5', 'INVALID_RESOURCE_VALUE'],
    ['CPU_LIMIT', '-2', 'INVALID_RESOURCE_VALUE'],
    ['EPHEMERAL', '', 'INVALID_RESOURCE_VALUE'],
    ['HUGE', '4Mi', 'INVALID_RESOURCE_VALUE'],
  ])('%s=%j is rejected with %s, naming the var, value, rule and hint', (name, value, code) => {
    const error = failure(() => readPodMetadataSync({ spec, env: { ...good, [name]: value } }));
    expect(error.code).toBe('INVALID_METADATA');
    expect(error.problems).toHaveLength(1);
    const [p] = error.problems;
    expect(p?.code).toBe(code);
    expect(p?.source).toEqual({ kind: 'env', name });
    expect(p?.value).toBe(value.length > 80 ? `${value.slice(0, 79)}…` : value);
    expect(p?.rule.length).toBeGreaterThan(5);
    expect(p?.hint.length).toBeGreaterThan(5);
    expect(error.message).toContain(`env ${name}`);
  });
});

describe('bad input', () => {
  it('lists all problems at once, never a partial snapshot', () => {
    const error = failure(() =>
      readPodMetadataSync({
        env: { ...seedEnv, POD_NAME: 'Bad_Name', POD_IP: '10.0.0.300', CONTAINER_CPU_REQUEST_MILLICORES: '-1' },
      }),
    );
    expect(error.code).toBe('INVALID_METADATA');
    expect(error.problems.map((p) => [p.source, p.code])).toEqual([
      [{ kind: 'env', name: 'POD_NAME' }, 'INVALID_NAME'],
      [{ kind: 'env', name: 'POD_IP' }, 'INVALID_IP'],
      [{ kind: 'env', name: 'CONTAINER_CPU_REQUEST_MILLICORES' }, 'INVALID_RESOURCE_VALUE'],
    ]);
    for (const name of ['POD_NAME', 'POD_IP', 'CONTAINER_CPU_REQUEST_MILLICORES', 'Bad_Name', '10.0.0.300']) {
      expect(error.message).toContain(name);
    }
  });

  it('reports each missing required var when strict, and nothing for absent optional ones', () => {
    const { POD_NAMESPACE: _ns, NODE_NAME: _node, ...partial } = seedEnv;
    const error = failure(() => readPodMetadataSync({ env: partial, strict: true }));
    expect(error.code).toBe('INVALID_METADATA');
    expect(error.problems.map((p) => [p.code, p.source])).toEqual([
      ['MISSING', { kind: 'env', name: 'POD_NAMESPACE' }],
      ['MISSING', { kind: 'env', name: 'NODE_NAME' }],
    ]);
    expect(error.problems[0]?.hint).toContain('metadata.namespace');
  });

  it('raises NotInKubernetesError outside Kubernetes', () => {
    const error = failure(() => readPodMetadataSync({ env: { HOME: '/home/dev', PATH: '/usr/bin' } }));
    expect(isNotInKubernetesError(error)).toBe(true);
    expect(error.code).toBe('NOT_IN_KUBERNETES');
    expect(error.name).toBe('NotInKubernetesError');
    expect(error.problems).toHaveLength(7);
    expect(error.message).toContain('Not running in Kubernetes');
  });

  it('treats a pod without the env entries as misconfigured when strict, not as outside Kubernetes', () => {
    const error = failure(() => readPodMetadataSync({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, strict: true }));
    expect(isNotInKubernetesError(error)).toBe(false);
    expect(error.code).toBe('INVALID_METADATA');
    expect(error.problems.every((p) => p.code === 'MISSING')).toBe(true);
  });

  it('reads env from process.env by default', () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, seedEnv);
      expect(readPodMetadataSync().name).toBe('downward');
    } finally {
      for (const key of Object.keys(seedEnv)) if (!(key in saved)) delete process.env[key];
    }
  });

  it('does not take inherited properties for env vars', () => {
    const error = failure(() => readPodMetadataSync({ spec: defineSpec({ env: [env('toString', field('metadata.name'))] }), env: {} }));
    expect(isNotInKubernetesError(error)).toBe(true);
  });
});

describe('sources that overlap', () => {
  it('accepts two readings of one resource whose intervals overlap, keeping the tighter one', () => {
    const spec = defineSpec({
      env: [
        env('MEM_KI', { resourceFieldRef: { resource: 'limits.memory', divisor: '1Ki' } }),
        env('MEM_B', { resourceFieldRef: { resource: 'limits.memory' } }),
      ],
    });
    const meta = readPodMetadataSync({ spec, env: { MEM_KI: '1', MEM_B: '1000' } });
    expect(meta.resources['limits.memory']?.bytes).toBe(1000n);
    expect(meta.resources['limits.memory']?.interval).toEqual({ above: 999n, atMost: 1000n });
  });

  it('reports a conflict naming both sources', () => {
    const spec = defineSpec({
      env: [env('A', field('metadata.name')), env('B', field('metadata.name')), env('C', { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } }), env('D', { resourceFieldRef: { resource: 'limits.cpu' } })],
    });
    const error = failure(() => readPodMetadataSync({ spec, env: { A: 'web', B: 'api', C: '2500', D: '2' } }));
    expect(error.problems.map((p) => p.code)).toEqual(['CONFLICT', 'CONFLICT']);
    expect(error.problems[0]?.source).toEqual({ kind: 'env', name: 'B' });
    expect(error.problems[0]?.rule).toContain('env A');
    expect(error.problems[1]?.rule).toContain('env C');
  });
});
