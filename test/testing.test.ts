// The testing kit against the kubelet's behaviour: the atomic writer's layout and syscall sequence on real temp
// directories, the file contents, memfs volumes, and the env vars.
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memfs } from 'memfs';
import { afterEach, describe, expect, it } from 'vitest';
import { formatDownwardMap } from '../src/format/downward-map.js';
import { isDownwardApiError } from '../src/errors.js';
import { readPodMetadataSync } from '../src/sources/read.js';
import { formatResourceValue } from '../src/format/resource.js';
import { defaultSpec, defineSpec, type DownwardVolumeItem } from '../src/spec/spec.js';
import {
  createDownwardVolume,
  downwardEnv,
  seedPod,
  type CreateDownwardVolumeOptions,
  type DownwardVolume,
  type VolumeWriterFileSystem,
} from '../src/testing/index.js';
import { seedEnv } from './support.js';

const TS_DIR = /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+$/;
const SEEN = '2026-11-26T09:21:53.288983724Z';
const KUBELET = { 'kubernetes.io/config.seen': SEEN, 'kubernetes.io/config.source': 'api' };

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(join(tmpdir(), 'kube-downward-test-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A clock that moves one second per call and a counter for the random suffix: every name is predictable. */
function deterministic(): Pick<CreateDownwardVolumeOptions, 'clock' | 'random' | 'configSeen'> {
  let tick = 0;
  let next = 2889837243;
  return {
    clock: () => new Date(Date.UTC(2026, 10, 26, 9, 21, 53 + tick++, 288)),
    random: () => next++,
    configSeen: SEEN,
  };
}

function volume(options: CreateDownwardVolumeOptions = {}): DownwardVolume {
  return createDownwardVolume({ directory: join(tempDir(), 'volume'), ...deterministic(), ...options });
}

const read = (dir: string, path: string): string => fs.readFileSync(join(dir, path), 'utf8');
const mode = (path: string): number => fs.statSync(path).mode & 0o777;
const listing = (dir: string): string[] => fs.readdirSync(dir).sort();

const field = (path: string, fieldPath: string): DownwardVolumeItem => ({ path, fieldRef: { fieldPath } });
const resource = (path: string, containerName: string, name: string, divisor: string): DownwardVolumeItem => ({
  path,
  resourceFieldRef: { containerName, resource: name, divisor },
});

const nestedItems: readonly DownwardVolumeItem[] = [
  field('labels', 'metadata.labels'),
  field('annotations', 'metadata.annotations'),
  resource('sub/dir/cpu', 'main', 'limits.cpu', '1m'),
];

describe('createDownwardVolume on a real directory', () => {
  it('lays the first generation out as the kubelet does', () => {
    const v = volume({ pod: seedPod, items: [...(defaultSpec.volume?.items ?? []), ...nestedItems.slice(2)] });
    expect(v.generation).toMatch(TS_DIR);
    expect(v.generation).toBe('..2026_11_26_09_21_53.2889837243');
    expect(listing(v.directory)).toEqual([
      v.generation,
      '..data',
      'annotations',
      'containerCpuRequestMilliCores',
      'containerMemoryLimitBytes',
      'labels',
      'podName',
      'podNamespace',
      'sub',
    ]);
    expect(fs.readlinkSync(join(v.directory, '..data'))).toBe(v.generation);
    for (const name of ['labels', 'annotations', 'podName', 'sub']) {
      expect(fs.lstatSync(join(v.directory, name)).isSymbolicLink()).toBe(true);
      expect(fs.readlinkSync(join(v.directory, name))).toBe(`..data/${name}`);
    }
    expect(fs.existsSync(join(v.directory, 'dir'))).toBe(false);
    expect(listing(join(v.directory, v.generation, 'sub'))).toEqual(['dir']);
    expect(read(v.directory, 'sub/dir/cpu')).toBe('100');
    expect(mode(join(v.directory, v.generation))).toBe(0o755);
    expect(mode(join(v.directory, v.generation, 'labels'))).toBe(0o644);
  });

  it('gives files the item mode, or defaultMode', () => {
    const v = volume({
      items: [{ ...field('podName', 'metadata.name'), mode: 0o400 }, field('podNamespace', 'metadata.namespace')],
      defaultMode: 0o640,
    });
    expect(mode(join(v.directory, '..data/podName'))).toBe(0o400);
    expect(mode(join(v.directory, '..data/podNamespace'))).toBe(0o640);
  });

  it('writes what the kubelet writes for each field', () => {
    const pod = {
      ...seedPod,
      labels: { app: 'web', 'app.kubernetes.io/version': '1.2.3' },
      containers: [
        { name: 'main', resources: { requests: { cpu: '250m' }, limits: { memory: '64Mi' } } },
        { name: 'sidecar', resources: { limits: { cpu: '100m', memory: '32Mi' } } },
      ],
    };
    const v = volume({
      pod,
      items: [
        field('podName', 'metadata.name'),
        field('podNamespace', 'metadata.namespace'),
        field('uid', 'metadata.uid'),
        field('labels', 'metadata.labels'),
        field('annotations', 'metadata.annotations'),
        field('app', "metadata.labels['app']"),
        field('absent', "metadata.labels['absent']"),
        field('key2', "metadata.annotations['key2']"),
        field('seen', "metadata.annotations['kubernetes.io/config.seen']"),
        resource('cpuRequest', 'main', 'requests.cpu', '1m'),
        resource('cpuLimit', 'main', 'limits.cpu', '1m'),
        resource('memoryLimit', 'main', 'limits.memory', '1Mi'),
        resource('sidecarCpuRequest', 'sidecar', 'requests.cpu', '1m'),
        resource('sidecarMemoryRequest', 'sidecar', 'requests.memory', '1'),
      ],
    });
    const files = Object.fromEntries(
      listing(join(v.directory, '..data')).map((name) => [name, read(v.directory, name)]),
    );
    expect(files).toEqual({
      podName: 'downward',
      podNamespace: 'default',
      uid: seedPod.uid,
      labels: formatDownwardMap(pod.labels, { keys: 'labels' }),
      annotations: formatDownwardMap({ ...seedPod.annotations, ...KUBELET }),
      app: 'web',
      absent: '',
      key2: 'multi\nline\nvalue\n',
      seen: SEEN,
      cpuRequest: formatResourceValue({ resource: 'requests.cpu', quantity: '250m', divisor: '1m' }),
      // No cpu limit: the node's allocatable.
      cpuLimit: formatResourceValue({ resource: 'limits.cpu', nodeAllocatable: '940m', divisor: '1m' }),
      memoryLimit: '64',
      // No requests: the API server defaults them to the limits.
      sidecarCpuRequest: '100',
      sidecarMemoryRequest: String(32 * 1024 * 1024),
    });
    expect(files['cpuLimit']).toBe('940');
    expect(files['annotations']).toBe(
      'key1="value1"\nkey2="multi\\nline\\nvalue\\n"\n' +
        `kubernetes.io/config.seen="${SEEN}"\nkubernetes.io/config.source="api"`,
    );
  });

  it('writes the seed volume with the values of the README', () => {
    const v = volume({ pod: seedPod });
    expect(read(v.directory, 'podName')).toBe('downward');
    expect(read(v.directory, 'labels')).toBe('foo="bar"');
    expect(read(v.directory, 'containerCpuRequestMilliCores')).toBe('15');
    expect(read(v.directory, 'containerMemoryLimitBytes')).toBe('4194304');
  });

  it('leaves the kubelet annotations out on request, giving 0-byte files for empty maps', () => {
    const v = volume({ pod: { labels: {}, annotations: {} }, kubeletAnnotations: false });
    expect(read(v.directory, 'labels')).toBe('');
    expect(read(v.directory, 'annotations')).toBe('');
  });

  it('stamps config.seen from the clock with nanosecond digits when not given, and keeps it across updates', () => {
    const v = createDownwardVolume({
      directory: join(tempDir(), 'volume'),
      clock: () => new Date('2026-11-26T09:21:53.288Z'),
      random: () => 7,
    });
    const seen = /kubernetes\.io\/config\.seen="([^"]*)"/;
    expect(seen.exec(read(v.directory, 'annotations'))?.[1]).toBe('2026-11-26T09:21:53.288000000Z');
    expect(v.generation).toBe('..2026_11_26_09_21_53.7');
    let t = Date.parse('2026-11-26T10:00:00Z');
    const later = createDownwardVolume({ directory: join(tempDir(), 'later'), clock: () => new Date((t += 1000)) });
    const first = seen.exec(read(later.directory, 'annotations'))?.[1];
    expect(first).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    later.update({ annotations: { changed: 'yes' } });
    expect(seen.exec(read(later.directory, 'annotations'))?.[1]).toBe(first);
  });

  it('creates a temp directory by default, and removes the volume', () => {
    const v = createDownwardVolume();
    expect(v.directory.startsWith(tmpdir())).toBe(true);
    expect(read(v.directory, 'podName')).toBe('downward');
    v.remove();
    expect(fs.existsSync(v.directory)).toBe(false);
    expect(() => v.update({ labels: { a: 'b' } })).toThrow(/removed/);
  });
});

describe('DownwardVolume.update', () => {
  const inodes = (v: DownwardVolume): Record<string, number> =>
    Object.fromEntries(listing(join(v.directory, '..data')).map((name) => [name, fs.statSync(join(v.directory, name)).ino]));

  it('swaps ..data to a new generation, deletes the old one, and rewrites every file', () => {
    const v = volume({ pod: seedPod });
    const old = v.generation;
    const before = inodes(v);
    expect(v.update({ labels: { foo: 'baz' } })).toBe(true);
    expect(v.generation).not.toBe(old);
    expect(v.generation).toMatch(TS_DIR);
    expect(fs.readlinkSync(join(v.directory, '..data'))).toBe(v.generation);
    expect(fs.existsSync(join(v.directory, old))).toBe(false);
    expect(listing(v.directory).filter((name) => name.startsWith('..'))).toEqual([v.generation, '..data']);
    expect(read(v.directory, 'labels')).toBe('foo="baz"');
    const after = inodes(v);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const name of Object.keys(before)) expect(after[name]).not.toBe(before[name]);
    expect(v.pod.labels).toEqual({ foo: 'baz' });
    expect(v.pod.name).toBe('downward');
  });

  it('writes nothing when no file would change', () => {
    const v = volume({ pod: seedPod });
    const generation = v.generation;
    const before = inodes(v);
    expect(v.update({ labels: { foo: 'bar' } })).toBe(false);
    // The volume holds no node name, so changing it changes no file either.
    expect(v.update((pod) => ({ ...pod, nodeName: 'another-node' }))).toBe(false);
    expect(v.generation).toBe(generation);
    expect(inodes(v)).toEqual(before);
    expect(listing(v.directory).filter((name) => name.startsWith('..'))).toEqual([generation, '..data']);
  });

  it('takes an updater function with the current description', () => {
    const v = volume({ pod: { labels: { app: 'web' } } });
    expect(v.update((pod) => ({ ...pod, labels: { ...pod.labels, tier: 'frontend' } }))).toBe(true);
    expect(read(v.directory, 'labels')).toBe('app="web"\ntier="frontend"');
  });

  it('rewrites resources on an in-place resize', () => {
    const v = volume({ pod: seedPod });
    const resized = [{ name: 'main', resources: { requests: { cpu: '30m' }, limits: { memory: '8Mi' } } }];
    expect(v.update({ containers: resized })).toBe(true);
    expect(read(v.directory, 'containerCpuRequestMilliCores')).toBe('30');
    expect(read(v.directory, 'containerMemoryLimitBytes')).toBe('8388608');
  });

  it('removes the top-level link of an item that went away, and adds one for a new item', () => {
    const v = volume({ items: [...nestedItems, resource('sub/mem', 'main', 'limits.memory', '1Mi')] });
    expect(v.update(v.pod, { items: [nestedItems[0] as DownwardVolumeItem, field('podName', 'metadata.name')] })).toBe(true);
    expect(listing(v.directory).filter((name) => !name.startsWith('..'))).toEqual(['labels', 'podName']);
    expect(listing(join(v.directory, '..data'))).toEqual(['labels', 'podName']);
    expect(v.items.map((item) => item.path)).toEqual(['labels', 'podName']);
  });

  it('writes a new generation when only a nested file went away, keeping the shared link', () => {
    const v = volume({ items: [...nestedItems, resource('sub/mem', 'main', 'limits.memory', '1Mi')] });
    const old = v.generation;
    expect(v.update(v.pod, { items: nestedItems })).toBe(true);
    expect(v.generation).not.toBe(old);
    expect(fs.readlinkSync(join(v.directory, 'sub'))).toBe('..data/sub');
    expect(listing(join(v.directory, 'sub'))).toEqual(['dir']);
  });

  it('draws another suffix when a directory name exists, as os.MkdirTemp does', () => {
    const suffixes = [5, 5, 6];
    const clock = (): Date => new Date('2026-11-26T09:21:53Z');
    const v = volume({ clock, random: () => suffixes.shift() ?? 7 });
    expect(v.update({ labels: { a: 'b' } })).toBe(true);
    expect(v.generation).toBe('..2026_11_26_09_21_53.6');
    const stuck = volume({ clock, random: () => 5 });
    expect(() => stuck.update({ labels: { a: 'b' } })).toThrow(/does options.random return different numbers/);
  });

  it('refuses to change what never changes for a running pod', () => {
    const v = volume();
    expect(() => v.update({ name: 'other' })).toThrow(RangeError);
    expect(() => v.update({ uid: '0b7c6e1a-2f4d-4e8b-9a3c-5d6e7f8a9b0c' })).toThrow(/uid cannot change/);
  });
});

/** node:fs with every call of the writer's interface recorded, paths relative to the volume directory. */
function recordingFs(calls: string[], root: () => string): VolumeWriterFileSystem {
  const show = (arg: unknown): string => {
    if (typeof arg === 'string') return arg.startsWith('/') ? relative(root(), arg) : arg;
    if (arg instanceof Uint8Array) return `<${arg.length} bytes>`;
    if (typeof arg === 'number') return `0o${arg.toString(8)}`;
    return JSON.stringify(arg);
  };
  const record =
    <A extends unknown[], R>(name: string, call: (...args: A) => R) =>
    (...args: A): R => {
      calls.push([name, ...args.map(show)].join(' '));
      return call(...args);
    };
  return {
    readlinkSync: record('readlink', (path: string) => fs.readlinkSync(path)),
    readFileSync: record('readFile', (path: string) => fs.readFileSync(path)),
    mkdirSync: record('mkdir', (path: string, options: fs.MakeDirectoryOptions) => fs.mkdirSync(path, options)),
    mkdtempSync: record('mkdtemp', (prefix: string) => fs.mkdtempSync(prefix)),
    chmodSync: record('chmod', (path: string, m: number) => fs.chmodSync(path, m)),
    writeFileSync: record('writeFile', (path: string, data: Uint8Array, options: { readonly mode: number }) =>
      fs.writeFileSync(path, data, options),
    ),
    symlinkSync: record('symlink', (target: string, path: string) => fs.symlinkSync(target, path)),
    renameSync: record('rename', (from: string, to: string) => fs.renameSync(from, to)),
    unlinkSync: record('unlink', (path: string) => fs.unlinkSync(path)),
    rmSync: record('rm', (path: string, options: fs.RmOptions) => fs.rmSync(path, options)),
    readdirSync: record('readdir', (path: string) => fs.readdirSync(path)),
  };
}

describe('the syscall sequence', () => {
  function recorded(items: readonly DownwardVolumeItem[]): { v: DownwardVolume; calls: string[] } {
    const calls: string[] = [];
    const directory = join(tempDir(), 'volume');
    const v = createDownwardVolume({ ...deterministic(), directory, items, fs: recordingFs(calls, () => directory) });
    return { v, calls };
  }

  it('is the atomic writer\'s on the first write', () => {
    const { v, calls } = recorded(nestedItems);
    const ts = v.generation;
    // Before it: the check that the directory holds no volume, and the probe of rename.
    const first = calls.slice(calls.lastIndexOf('readlink ..data'));
    expect(first).toEqual([
      'readlink ..data',
      `mkdir ${ts} {"mode":448}`,
      `chmod ${ts} 0o755`,
      `writeFile ${ts}/labels <0 bytes> {"mode":420}`,
      `chmod ${ts}/labels 0o644`,
      `writeFile ${ts}/annotations <${read(v.directory, 'annotations').length} bytes> {"mode":420}`,
      `chmod ${ts}/annotations 0o644`,
      `mkdir ${ts}/sub/dir {"recursive":true}`,
      `writeFile ${ts}/sub/dir/cpu <3 bytes> {"mode":420}`,
      `chmod ${ts}/sub/dir/cpu 0o644`,
      `symlink ${ts} ..data_tmp`,
      'rename ..data_tmp ..data',
      'readlink labels',
      'symlink ..data/labels labels',
      'readlink annotations',
      'symlink ..data/annotations annotations',
      'readlink sub',
      'symlink ..data/sub sub',
    ]);
  });

  it('is the atomic writer\'s on an update: compare, write all, swap, links, delete the old generation', () => {
    const { v, calls } = recorded([...nestedItems, field('podName', 'metadata.name')]);
    const old = v.generation;
    calls.length = 0;
    v.update({ labels: { app: 'web' } }, { items: nestedItems });
    const ts = v.generation;
    expect(calls).toEqual([
      'readlink ..data',
      // The first file differs already: the comparison stops there.
      `readFile ${old}/labels`,
      `mkdir ${ts} {"mode":448}`,
      `chmod ${ts} 0o755`,
      `writeFile ${ts}/labels <9 bytes> {"mode":420}`,
      `chmod ${ts}/labels 0o644`,
      `writeFile ${ts}/annotations <${read(v.directory, 'annotations').length} bytes> {"mode":420}`,
      `chmod ${ts}/annotations 0o644`,
      `mkdir ${ts}/sub/dir {"recursive":true}`,
      `writeFile ${ts}/sub/dir/cpu <3 bytes> {"mode":420}`,
      `chmod ${ts}/sub/dir/cpu 0o644`,
      `symlink ${ts} ..data_tmp`,
      'rename ..data_tmp ..data',
      'readlink labels',
      'readlink annotations',
      'readlink sub',
      'unlink podName',
      `rm ${old} {"recursive":true,"force":true}`,
    ]);
  });

  it('reads every old file and writes nothing when nothing changed', () => {
    const { v, calls } = recorded(nestedItems);
    calls.length = 0;
    expect(v.update({})).toBe(false);
    expect(calls).toEqual([
      'readlink ..data',
      `readFile ${v.generation}/labels`,
      `readFile ${v.generation}/annotations`,
      `readFile ${v.generation}/sub/dir/cpu`,
    ]);
  });
});

describe('createDownwardVolume on memfs', () => {
  it('writes the same layout and contents, switching ..data without rename', () => {
    const { fs: mem } = memfs();
    const items = [...(defaultSpec.volume?.items ?? []), nestedItems[2] as DownwardVolumeItem];
    const v = createDownwardVolume({ ...deterministic(), fs: mem, directory: '/etc/downward', pod: seedPod, items });
    const memRead = (path: string): string => String(mem.readFileSync(join('/etc/downward', path), 'utf8'));
    expect(mem.readlinkSync('/etc/downward/..data')).toBe(v.generation);
    expect(mem.readlinkSync('/etc/downward/labels')).toBe('..data/labels');
    expect(mem.readlinkSync('/etc/downward/sub')).toBe('..data/sub');
    expect((mem.readdirSync('/etc/downward') as string[]).sort()).toEqual([
      v.generation,
      '..data',
      'annotations',
      'containerCpuRequestMilliCores',
      'containerMemoryLimitBytes',
      'labels',
      'podName',
      'podNamespace',
      'sub',
    ]);
    expect(memRead('labels')).toBe('foo="bar"');
    expect(memRead('annotations')).toBe(formatDownwardMap({ ...seedPod.annotations, ...KUBELET }));
    expect(memRead('containerMemoryLimitBytes')).toBe('4194304');
    expect(memRead('sub/dir/cpu')).toBe('100');
    expect(mem.statSync(`/etc/downward/${v.generation}/labels`).mode & 0o777).toBe(0o644);

    const old = v.generation;
    expect(v.update({ labels: { foo: 'baz' } })).toBe(true);
    expect(mem.readlinkSync('/etc/downward/..data')).toBe(v.generation);
    expect(mem.existsSync(`/etc/downward/${old}`)).toBe(false);
    expect(mem.existsSync('/etc/downward/..data_tmp')).toBe(false);
    expect(memRead('labels')).toBe('foo="baz"');
    expect(v.update({ labels: { foo: 'baz' } })).toBe(false);
  });

  it('creates its directory under the temp directory by default, and leaves no probe behind', () => {
    const { fs: mem } = memfs();
    const v = createDownwardVolume({ fs: mem });
    expect(v.directory.startsWith(tmpdir())).toBe(true);
    expect((mem.readdirSync(v.directory) as string[]).filter((name) => name.includes('probe'))).toEqual([]);
    v.remove();
    expect(mem.existsSync(v.directory)).toBe(false);
  });

  it('renames on a real file system passed explicitly', () => {
    const calls: string[] = [];
    const directory = join(tempDir(), 'volume');
    createDownwardVolume({ directory, fs: recordingFs(calls, () => directory) });
    expect(calls).toContain('rename ..data_tmp ..data');
    expect(listing(directory).filter((name) => name.includes('probe'))).toEqual([]);
  });
});

describe('createDownwardVolume rejects bad options before writing', () => {
  const rejects = (options: CreateDownwardVolumeOptions, error: RegExp | (new (...args: never[]) => Error)) => {
    const directory = join(tempDir(), 'volume');
    expect(() => createDownwardVolume({ ...options, directory })).toThrow(error);
    expect(fs.existsSync(directory)).toBe(false);
  };

  it('an item whose container the pod lacks', () => {
    rejects({ items: [resource('cpu', 'web', 'limits.cpu', '1m')] }, RangeError);
    rejects({ items: [resource('cpu', 'web', 'limits.cpu', '1m')] }, /no container "web" \(its containers: "main"\)/);
  });

  it('items the API server rejects', () => {
    const directory = join(tempDir(), 'volume');
    let thrown: unknown;
    try {
      createDownwardVolume({ directory, items: [field('..data', 'metadata.name'), field('ip', 'status.podIP')] });
    } catch (error) {
      thrown = error;
    }
    expect(isDownwardApiError(thrown) && thrown.code).toBe('INVALID_SPEC');
    expect(isDownwardApiError(thrown) && thrown.problems.map((p) => p.source)).toEqual([
      { kind: 'spec', path: 'volume.items[0].path' },
      { kind: 'spec', path: 'volume.items[1].fieldRef.fieldPath' },
    ]);
  });

  it('a pod description Kubernetes would reject', () => {
    rejects({ pod: { name: 'Web_0' } }, /name = "Web_0" must be a DNS-1123 subdomain/);
    rejects({ pod: { labels: { app: 'not a label value' } } }, RangeError);
    rejects({ pod: { labels: { 'bad key!': 'x' } } }, RangeError);
    rejects({ pod: { podIP: '10.0.0.300' } }, /podIPs\[0\]/);
    rejects({ pod: { podIP: '10.0.0.1', podIPs: ['10.0.0.2'] } }, /first entry of podIPs/);
    rejects({ pod: { containers: [] } }, TypeError);
    rejects({ pod: { containers: [{ name: 'main', resources: { limits: { memory: '4MB' } } }] } }, /not a Kubernetes quantity/);
    rejects({ pod: { labels: { app: 1 as unknown as string } } }, TypeError);
  });

  it('options of the wrong type or range', () => {
    rejects({ defaultMode: 0o1000 }, RangeError);
    rejects({ configSeen: 'yesterday' }, /RFC 3339/);
    rejects({ clock: 'now' as unknown as () => Date }, TypeError);
  });

  it('a clock or randomness that misbehaves', () => {
    expect(() => createDownwardVolume({ directory: join(tempDir(), 'a'), random: () => 2 ** 32 })).toThrow(RangeError);
    const clock = (): Date => new Date(Number.NaN);
    expect(() => createDownwardVolume({ directory: join(tempDir(), 'b'), clock, configSeen: SEEN })).toThrow(TypeError);
  });

  it('a directory that holds a volume already', () => {
    const v = volume();
    expect(() => createDownwardVolume({ directory: v.directory })).toThrow(/holds a volume already/);
  });
});

describe('downwardEnv', () => {
  it('gives the seed pod the values of fixtures/env/seed.env for the default spec', () => {
    const env = downwardEnv(seedPod);
    const podVars = Object.keys(seedEnv).filter((name) => !name.startsWith('KUBERNETES_'));
    expect(podVars).toHaveLength(7);
    for (const name of podVars) expect([name, env[name]]).toEqual([name, seedEnv[name]]);
    expect(env).toMatchObject({
      POD_NAME: 'downward',
      POD_NAMESPACE: 'default',
      POD_IP: '10.0.0.10',
      NODE_NAME: 'gke-kubia-default-pool-32a2cac8-sgl7',
      SERVICE_ACCOUNT: 'default',
      CONTAINER_CPU_REQUEST_MILLICORES: '15',
      CONTAINER_MEMORY_LIMIT_KIBIBYTES: '4096',
      POD_UID: seedPod.uid,
      POD_IPS: '10.0.0.10',
      HOST_IP: '10.128.0.4',
      HOST_IPS: '10.128.0.4',
    });
    expect(Object.keys(env)).toEqual(defaultSpec.env.map((entry) => entry.name));
  });

  it('reads back through readPodMetadataSync', () => {
    const meta = readPodMetadataSync({ env: downwardEnv({ name: 'web-0', podIPs: ['10.0.0.7', 'fd00::7'] }) });
    expect(meta.name).toBe('web-0');
    expect(meta.podIPs).toEqual(['10.0.0.7', 'fd00::7']);
    expect(meta.resources['limits.memory']?.bytes).toBe(4194304n);
  });

  it('joins IP lists, reads single keys raw, and picks the container', () => {
    const spec = defineSpec({
      env: [
        { name: 'POD_IPS', valueFrom: { fieldRef: { fieldPath: 'status.podIPs' } } },
        { name: 'HOST_IPS', valueFrom: { fieldRef: { fieldPath: 'status.hostIPs' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'MISSING', valueFrom: { fieldRef: { fieldPath: "metadata.labels['missing']" } } },
        { name: 'NOTE', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
        { name: 'SOURCE', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['kubernetes.io/config.source']" } } },
        { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
        { name: 'MAIN_CPU', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m', containerName: 'main' } } },
      ],
    });
    const pod = {
      podIPs: ['10.0.0.7', 'fd00::7'],
      hostIP: '10.128.0.9',
      hostIPs: ['10.128.0.9', 'fd00::1:9'],
      labels: { app: 'web' },
      annotations: { note: 'line 1\nline "2"' },
      containers: [
        { name: 'main', resources: { requests: { cpu: '15m' } } },
        { name: 'proxy', resources: { limits: { memory: '32Mi' } } },
      ],
    };
    expect(downwardEnv(pod, { spec, containerName: 'proxy' })).toEqual({
      POD_IPS: '10.0.0.7,fd00::7',
      HOST_IPS: '10.128.0.9,fd00::1:9',
      APP: 'web',
      MISSING: '',
      NOTE: 'line 1\nline "2"',
      SOURCE: 'api',
      // proxy has no cpu limit: the node's allocatable, 940m.
      CPU_LIMIT: '940',
      MAIN_CPU: '15',
    });
    expect(downwardEnv(pod, { spec, kubeletAnnotations: false })['SOURCE']).toBe('');
  });

  it('rejects a container the pod lacks and a spec the API server rejects', () => {
    expect(() => downwardEnv(seedPod, { containerName: 'web' })).toThrow(/no container "web"/);
    const wholeMap = { env: [{ name: 'LABELS', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } }] };
    expect(() => downwardEnv(seedPod, { spec: wholeMap })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC' }));
  });
});

describe('the testing kit import graph', () => {
  /** Every module reachable from the entry through relative imports, and the packages they import. */
  function graph(entry: string): { files: Set<string>; packages: Set<string> } {
    const files = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string): void => {
      if (files.has(file)) return;
      files.add(file);
      const text = fs.readFileSync(file, 'utf8');
      for (const [, specifier = ''] of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
        if (specifier.startsWith('.')) visit(join(file, '..', specifier.replace(/\.js$/, '.ts')));
        else packages.add(specifier);
      }
    };
    visit(entry);
    return { files, packages };
  }

  it('loads neither rxjs nor chokidar', () => {
    const { files, packages } = graph(fileURLToPath(new URL('../src/testing/index.ts', import.meta.url)));
    expect(files.size).toBeGreaterThan(5);
    expect([...packages].filter((name) => !name.startsWith('node:')).sort()).toEqual(['zod/mini']);
  });
});
