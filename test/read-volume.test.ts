// Reading a downwardAPI volume from memfs: the kubelet's layout (timestamped directory, ..data, visible links) built
// by hand, independently of the testing kit's writer.
import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { isNotInKubernetesError } from '../src/errors.js';
import { readPodMetadata, readPodMetadataSync, type ReadPodMetadataOptions } from '../src/sources/read.js';
import { defaultSpec, defineSpec, type DownwardApiSpec } from '../src/spec/spec.js';
import { readVolume, runSync, type VolumeFileSystem } from '../src/sources/volume.js';
import { failure, seedEnv } from './support.js';
import { intercept as interceptFs, type Call } from './intercept-fs.js';

const SEED_LABELS = 'foo="bar"';
const SEED_ANNOTATIONS = [
  'key1="value1"',
  'key2="multi\\nline\\nvalue\\n"',
  'kubernetes.io/config.seen="2026-11-26T09:21:53.288983724Z"',
  'kubernetes.io/config.source="api"',
].join('\n');
const SEED_FILES: Record<string, string> = {
  podName: 'downward',
  podNamespace: 'default',
  labels: SEED_LABELS,
  annotations: SEED_ANNOTATIONS,
  containerCpuRequestMilliCores: '15',
  containerMemoryLimitBytes: '4194304',
};

type MemFs = ReturnType<typeof memfs>['fs'];

/** Writes one generation the way the kubelet lays it out (the switch itself is not atomic on memfs). */
function writeGeneration(fs: MemFs, dir: string, generation: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = `${dir}/${generation}/${path}`;
    fs.mkdirSync(full.slice(0, full.lastIndexOf('/')), { recursive: true });
    fs.writeFileSync(full, content);
  }
  if (fs.existsSync(`${dir}/..data`)) fs.unlinkSync(`${dir}/..data`);
  fs.symlinkSync(generation, `${dir}/..data`);
  for (const top of new Set(Object.keys(files).map((p) => p.split('/')[0] ?? p))) {
    if (!fs.existsSync(`${dir}/${top}`)) fs.symlinkSync(`..data/${top}`, `${dir}/${top}`);
  }
}

function kubeletVolume(files: Record<string, string> = SEED_FILES, dir = '/etc/downward'): MemFs {
  const { fs } = memfs({});
  fs.mkdirSync(dir, { recursive: true });
  writeGeneration(fs, dir, '..2026_11_26_09_21_53.2889837243', files);
  return fs;
}

const asVolumeFs = (fs: MemFs): VolumeFileSystem => fs as unknown as VolumeFileSystem;

function read(fs: MemFs | VolumeFileSystem, options: ReadPodMetadataOptions = {}) {
  return readPodMetadataSync({ env: seedEnv, fs: fs as VolumeFileSystem, ...options });
}

const intercept = (fs: MemFs, hook: (op: Call, path: string) => void): VolumeFileSystem => interceptFs(fs, hook);

describe('reading the seed volume', () => {
  it('merges the volume with the env into one snapshot', () => {
    const meta = read(kubeletVolume());
    expect(meta.name).toBe('downward');
    expect(meta.namespace).toBe('default');
    expect({ ...meta.labels }).toEqual({ foo: 'bar' });
    expect({ ...meta.annotations }).toEqual({
      key1: 'value1',
      key2: 'multi\nline\nvalue\n',
      'kubernetes.io/config.seen': '2026-11-26T09:21:53.288983724Z',
      'kubernetes.io/config.source': 'api',
    });
    expect(meta.resources['requests.cpu']?.millicores).toBe(15n);
    // The file (divisor 1) is exact where the env var (divisor 1Ki) is rounded up to a KiB.
    expect(meta.resources['limits.memory']).toEqual({
      resource: 'limits.memory',
      divisor: '1',
      bytes: 4194304n,
      interval: { above: 4194303n, atMost: 4194304n },
    });
  });

  it('gives the same snapshot through the promise API of the file system', async () => {
    const fs = kubeletVolume();
    await expect(readPodMetadata({ env: seedEnv, fs: asVolumeFs(fs) })).resolves.toEqual(read(fs));
  });

  it('reads every file from the generation ..data points to, not through the visible links', () => {
    const fs = kubeletVolume();
    const paths: string[] = [];
    read(intercept(fs, (op, path) => op === 'open' && paths.push(path)));
    expect(paths).toHaveLength(6);
    expect(paths.every((p) => p.startsWith('/etc/downward/..2026_11_26_09_21_53.2889837243/'))).toBe(true);
  });

  it('reads a plain directory without ..data (local development)', () => {
    const { fs } = memfs({ '/etc/downward': SEED_FILES });
    expect({ ...read(fs).labels }).toEqual({ foo: 'bar' });
  });
});

describe('one consistent generation', () => {
  it('starts again from the new generation when the old one vanishes mid-read', () => {
    const fs = kubeletVolume();
    let swapped = false;
    const reads: string[] = [];
    const meta = read(
      intercept(fs, (op, path) => {
        if (op === 'open') reads.push(path);
        if (op === 'open' && path.endsWith('/labels') && !swapped) {
          swapped = true;
          // The kubelet's update: new generation, switch, then the old directory is removed.
          writeGeneration(fs, '/etc/downward', '..2026_11_26_09_22_53.1', { ...SEED_FILES, labels: 'foo="baz"', annotations: 'key1="new"' });
          fs.rmSync('/etc/downward/..2026_11_26_09_21_53.2889837243', { recursive: true });
        }
      }),
    );
    expect({ ...meta.labels }).toEqual({ foo: 'baz' });
    expect({ ...meta.annotations }).toEqual({ key1: 'new' });
    expect(reads.at(-1)).toContain('..2026_11_26_09_22_53.1/');
  });

  it('never mixes generations: a swap after a file was read still yields one generation', async () => {
    const fs = kubeletVolume();
    let swapped = false;
    const meta = await readPodMetadata({
      env: seedEnv,
      fs: intercept(fs, (op, path) => {
        if (op === 'open' && path.endsWith('/annotations') && !swapped) {
          swapped = true;
          writeGeneration(fs, '/etc/downward', '..2026_11_26_09_22_53.1', { ...SEED_FILES, labels: 'foo="baz"', annotations: 'key1="new"' });
          fs.rmSync('/etc/downward/..2026_11_26_09_21_53.2889837243', { recursive: true });
        }
      }),
    });
    expect([meta.labels['foo'], meta.annotations['key1']]).toEqual(['baz', 'new']);
  });

  it('gives up within its time budget, with a clear error, when the volume is replaced during every attempt', () => {
    const fs = kubeletVolume();
    let n = 0;
    const replacing = intercept(fs, (op, path) => {
      if (op === 'open' && path.endsWith('/labels')) {
        const old = String(fs.readlinkSync('/etc/downward/..data'));
        writeGeneration(fs, '/etc/downward', `..2026_11_26_09_30_00.${++n}`, SEED_FILES);
        fs.rmSync(`/etc/downward/${old}`, { recursive: true });
      }
    });
    const items = defaultSpec.volume?.items ?? [];
    const result = runSync(readVolume('/etc/downward', items, { maxFileBytes: 1024, swapBudgetMs: 30 }), replacing);
    expect(result.present && result.problems.map((p) => [p.code, p.source])).toEqual([['VOLUME_UNREADABLE', { kind: 'file', path: '/etc/downward' }]]);
    expect(result.present && result.readings).toEqual([]);
    expect(result.present && result.problems[0]?.hint).toContain('switched to a new generation during every attempt for 30 ms');
    expect(n).toBeGreaterThan(1);
  });
});

describe('items', () => {
  const spec: DownwardApiSpec = defineSpec({
    env: [],
    volume: {
      mountPath: '/etc/podinfo',
      items: [
        { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' } },
        { path: 'app', fieldRef: { fieldPath: "metadata.labels['app']" } },
        { path: 'team', fieldRef: { fieldPath: "metadata.annotations['example.com/team']" } },
        { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
        { path: 'sub/dir/cpu', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' } },
        { path: 'sub/mem', resourceFieldRef: { containerName: 'app', resource: 'requests.memory', divisor: '1Mi' } },
      ],
    },
  });
  const files = {
    uid: '2c1d3f0e-7a55-4a8e-9c1b-0f3b7e5d9a10',
    app: 'web',
    team: 'payments',
    labels: 'app="web"\ntier="backend"',
    'sub/dir/cpu': '2500',
    'sub/mem': '64',
  };

  it('reads single-key files, nested paths and resources with their divisors', () => {
    const meta = readPodMetadataSync({ spec, env: {}, fs: asVolumeFs(kubeletVolume(files, '/etc/podinfo')) });
    expect(meta.uid).toBe(files.uid);
    expect({ ...meta.labels }).toEqual({ app: 'web', tier: 'backend' });
    expect({ ...meta.annotations }).toEqual({ 'example.com/team': 'payments' });
    expect(meta.resources['limits.cpu']?.millicores).toBe(2500n);
    expect(meta.resources['requests.memory']?.bytes).toBe(64n * 1024n * 1024n);
  });

  it('reports a single-key file that disagrees with the labels file of the same generation', () => {
    const error = failure(() => readPodMetadataSync({ spec, env: {}, fs: asVolumeFs(kubeletVolume({ ...files, app: 'api' }, '/etc/podinfo')) }));
    expect(error.problems.map((p) => [p.code, p.source])).toEqual([['CONFLICT', { kind: 'file', path: '/etc/podinfo/labels' }]]);
  });

  it('reports every missing file, malformed map and bad value at once, naming the file and line', () => {
    const { labels: _l, ...rest } = files;
    const broken = { ...rest, labels: 'app="web"\ntier=backend\napp="x"', 'sub/dir/cpu': '2.5' };
    delete (broken as Record<string, string>)['uid'];
    const error = failure(() => readPodMetadataSync({ spec, env: {}, fs: asVolumeFs(kubeletVolume(broken, '/etc/podinfo')) }));
    expect(error.code).toBe('INVALID_METADATA');
    expect(error.problems.map((p) => [p.code, p.source])).toEqual([
      ['MISSING', { kind: 'file', path: '/etc/podinfo/uid' }],
      ['UNQUOTED_VALUE', { kind: 'file', path: '/etc/podinfo/labels', line: 2, column: 6 }],
      ['DUPLICATE_KEY', { kind: 'file', path: '/etc/podinfo/labels', line: 3, column: 1 }],
      ['INVALID_RESOURCE_VALUE', { kind: 'file', path: '/etc/podinfo/sub/dir/cpu' }],
    ]);
    expect(error.message).toContain('/etc/podinfo/labels:2:6');
  });
});

describe('env and volume together', () => {
  it('names both sources when a static field disagrees', () => {
    const error = failure(() => read(kubeletVolume({ ...SEED_FILES, podName: 'other' })));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.code).toBe('CONFLICT');
    expect(error.problems[0]?.source).toEqual({ kind: 'env', name: 'POD_NAME' });
    expect(error.problems[0]?.rule).toContain('file /etc/downward/podName');
    expect(error.message).toContain('env POD_NAME');
  });

  it('takes the current value from the volume where env holds the one at container start (in-place resize)', () => {
    const meta = read(kubeletVolume({ ...SEED_FILES, containerCpuRequestMilliCores: '250' }));
    expect(meta.resources['requests.cpu']?.millicores).toBe(250n);
  });

  it('takes a relabelled value from the volume', () => {
    const spec = defineSpec({
      env: [{ name: 'FOO', valueFrom: { fieldRef: { fieldPath: "metadata.labels['foo']" } } }],
      volume: { mountPath: '/etc/downward', items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
    });
    const meta = readPodMetadataSync({ spec, env: { FOO: 'old' }, fs: asVolumeFs(kubeletVolume({ labels: 'foo="new"' })) });
    expect(meta.labels['foo']).toBe('new');
  });
});

describe('where the volume is', () => {
  it('defaults to the spec mount path, skipping it when absent (a pod with env vars only)', () => {
    const { fs } = memfs({});
    const meta = read(fs);
    expect(meta.name).toBe('downward');
    expect({ ...meta.labels }).toEqual({});
  });

  it('is overridden by KUBE_DOWNWARD_VOLUME, and by the volume option over that', () => {
    const fs = kubeletVolume(SEED_FILES, '/mnt/a');
    writeGeneration(fs, '/mnt/b', '..2026_11_26_09_21_53.1', { ...SEED_FILES, labels: 'foo="b"' });
    expect(read(fs, { env: { ...seedEnv, KUBE_DOWNWARD_VOLUME: '/mnt/a' } }).labels['foo']).toBe('bar');
    expect(read(fs, { env: { ...seedEnv, KUBE_DOWNWARD_VOLUME: '/mnt/a' }, volume: '/mnt/b' }).labels['foo']).toBe('b');
  });

  it('must exist when named explicitly', () => {
    const error = failure(() => read(memfs({}).fs, { volume: '/etc/podinfo' }));
    expect(error.problems.map((p) => [p.code, p.source])).toEqual([['MISSING', { kind: 'file', path: '/etc/podinfo' }]]);
  });

  it('reads the volume alone when the pod has no env vars, and is outside Kubernetes when neither exists', () => {
    const spec = defineSpec({ env: [], volume: { mountPath: '/etc/downward', items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } });
    expect(readPodMetadataSync({ spec, env: {}, fs: asVolumeFs(kubeletVolume()) }).labels['foo']).toBe('bar');
    const outside = failure(() => readPodMetadataSync({ env: {}, fs: asVolumeFs(memfs({}).fs) }));
    expect(isNotInKubernetesError(outside)).toBe(true);
  });

  it('reports a path that is not a directory', () => {
    const { fs } = memfs({ '/etc/downward': 'a file' });
    const error = failure(() => read(fs));
    expect(error.problems.map((p) => p.code)).toEqual(['VOLUME_UNREADABLE']);
    expect(error.problems[0]?.rule).toContain('ENOTDIR');
  });
});

describe('bounds and faults', () => {
  it('refuses a file larger than the bound without reading it', () => {
    const fs = kubeletVolume({ ...SEED_FILES, annotations: `big="${'x'.repeat(2000)}"` });
    const reads: string[] = [];
    const error = failure(() => read(intercept(fs, (op, path) => op === 'read' && reads.push(path)), { maxFileBytes: 1000 }));
    expect(error.problems.map((p) => [p.code, p.source])).toEqual([['FILE_TOO_LARGE', { kind: 'file', path: '/etc/downward/annotations' }]]);
    expect(error.problems[0]?.rule).toContain('1000 bytes');
    expect(reads.some((p) => p.endsWith('/annotations'))).toBe(false);
  });

  it('reads a 300 KB last-applied-configuration under the default 1 MiB bound', () => {
    const json = JSON.stringify({ spec: { items: Array.from({ length: 6000 }, (_, i) => ({ name: `item-${i}`, v: 'x="y"' })) } });
    const annotations = `kubectl.kubernetes.io/last-applied-configuration=${JSON.stringify(json)}`;
    const meta = read(kubeletVolume({ ...SEED_FILES, annotations }));
    expect(meta.annotations['kubectl.kubernetes.io/last-applied-configuration']).toBe(json);
  });

  it('reads a large labels file as the whole text, and names the line of a fault far into it', () => {
    // Over 32 KiB, so the reader decodes it in pieces of whole lines.
    const lines = Array.from({ length: 4000 }, (_, i) => `example.com/k${String(i).padStart(4, '0')}="v${i}"`);
    const labelsSpec = defineSpec({ env: [], volume: { mountPath: '/etc/podinfo', items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } });
    const readLabels = (text: string) => readPodMetadataSync({ spec: labelsSpec, env: {}, fs: asVolumeFs(kubeletVolume({ labels: text }, '/etc/podinfo')) });
    expect({ ...readLabels(lines.join('\n')).labels }).toEqual(Object.fromEntries(lines.map((_, i) => [`example.com/k${String(i).padStart(4, '0')}`, `v${i}`])));
    const broken = [...lines];
    broken[2999] = '';
    broken[3500] = lines[10] as string;
    const error = failure(() => readLabels(broken.join('\n')));
    expect(error.problems.map((p) => [p.code, p.source])).toEqual([
      ['MISSING_SEPARATOR', { kind: 'file', path: '/etc/podinfo/labels', line: 3000, column: 1 }],
      ['DUPLICATE_KEY', { kind: 'file', path: '/etc/podinfo/labels', line: 3501, column: 1 }],
    ]);
  });

  it('rejects a bound that is not a positive integer', () => {
    expect(() => read(kubeletVolume(), { maxFileBytes: 0 })).toThrow(RangeError);
  });

  it('reports permission denied with the file and a hint', () => {
    const fs = kubeletVolume();
    const error = failure(() =>
      read(
        intercept(fs, (op, path) => {
          if (op === 'open' && path.endsWith('/labels')) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
        }),
      ),
    );
    expect(error.problems.map((p) => [p.code, p.source])).toEqual([['VOLUME_UNREADABLE', { kind: 'file', path: '/etc/downward/labels' }]]);
    expect(error.problems[0]?.rule).toContain('EACCES');
    expect(error.problems[0]?.hint).toContain('mode');
  });
});
