// The testing kit refuses what the API server (or the kubelet's own writer) refuses, before writing anything; never
// deletes a directory it did not create; and never leaves a half-written volume behind.
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPodMetadataSync } from '../src/sources/read.js';
import { defineSpec, type DownwardVolumeItem } from '../src/spec/spec.js';
import { createDownwardVolume, downwardEnv, type CreateDownwardVolumeOptions, type PodDescription, type VolumeWriterFileSystem } from '../src/testing/index.js';

const root = fs.mkdtempSync(join(tmpdir(), 'kd-kit-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let count = 0;
const fresh = (): string => join(root, `d${++count}`);

/** Refused with a message matching `message`, and no directory left behind. */
function refused(options: CreateDownwardVolumeOptions, message: RegExp): void {
  const directory = fresh();
  expect(() => createDownwardVolume({ ...options, directory })).toThrow(message);
  expect(fs.existsSync(directory)).toBe(false);
}

const refusedPod = (pod: PodDescription, message: RegExp): void => {
  refused({ pod }, message);
  expect(() => downwardEnv(pod)).toThrow(message);
};
const accepted = (pod: PodDescription): void => {
  createDownwardVolume({ pod, directory: fresh() }).remove();
};

describe('a pod description the API server would refuse', () => {
  it('a uid that is not a UUID (a static pod has 32 hex digits)', () => {
    refusedPod({ uid: 'not-a-uuid' }, /uid = "not-a-uuid" must be a UUID/);
    refusedPod({ uid: '' }, /uid = "" must be a UUID/);
    accepted({ uid: '0b7c6e1a-2f4d-4e8b-9a3c-5d6e7f8a9b0c' });
    accepted({ uid: '6f3e0c8b1a2d4e5f9a8b7c6d5e4f3a2b' });
  });

  it('annotations over 256 KiB of keys and values in total', () => {
    accepted({ annotations: { a: 'x'.repeat(256 * 1024 - 1) } });
    refusedPod({ annotations: { a: 'x'.repeat(256 * 1024) } }, /annotations hold 262145 bytes .* at most 262144/);
    // Bytes, not characters: 'é' is two.
    refusedPod({ annotations: { a: 'é'.repeat(128 * 1024) } }, /262145 bytes/);
  });

  it('two addresses of one family in podIPs or hostIPs, or more than two', () => {
    refusedPod({ podIPs: ['10.0.0.1', '10.0.0.2'] }, /podIPs = \["10.0.0.1","10.0.0.2"\] must be one address, or two of different families/);
    refusedPod({ hostIPs: ['fd00::1', 'fd00::2'] }, /hostIPs .* two of different families/);
    refusedPod({ podIPs: ['10.0.0.1', 'fd00::1', '10.0.0.2'] }, /podIPs/);
    accepted({ podIPs: ['10.0.0.1', 'fd00::1'], hostIPs: ['fd00::9', '10.128.0.9'] });
  });

  it('a negative quantity', () => {
    refusedPod({ containers: [{ name: 'main', resources: { requests: { cpu: '-1m' } } }] }, /requests\["cpu"\] = "-1m" must be a quantity of at least 0/);
    refusedPod({ nodeAllocatable: { memory: '-1Gi' } }, /nodeAllocatable\["memory"\] = "-1Gi" must be a quantity of at least 0/);
  });

  it('a request above its limit', () => {
    refusedPod({ containers: [{ name: 'main', resources: { requests: { cpu: '200m' }, limits: { cpu: '100m' } } }] }, /requests\["cpu"\] = "200m" must be at most its limit "100m"/);
    refusedPod({ containers: [{ name: 'main', resources: { requests: { memory: '1.5Gi' }, limits: { memory: '1Gi' } } }] }, /at most its limit/);
    accepted({ containers: [{ name: 'main', resources: { requests: { cpu: '0.1' }, limits: { cpu: '100m' } } }] });
  });

  it('an unknown resource, and hugepages requested apart from their limit', () => {
    refusedPod({ containers: [{ name: 'main', resources: { limits: { gpu: '1' } } }] }, /limits key = "gpu" must be cpu, memory, ephemeral-storage or hugepages-<size>/);
    refusedPod({ containers: [{ name: 'main', resources: { requests: { cpus: '1' } } }] }, /requests key = "cpus"/);
    refusedPod({ containers: [{ name: 'main', resources: { limits: { 'hugepages-huge': '1Gi' } } }] }, /hugepages-huge/);
    refusedPod({ containers: [{ name: 'main', resources: { requests: { 'hugepages-2Mi': '2Mi' } } }] }, /hugepages cannot be requested without/);
    refusedPod(
      { containers: [{ name: 'main', resources: { requests: { 'hugepages-2Mi': '2Mi' }, limits: { 'hugepages-2Mi': '4Mi' } } }] },
      /hugepages cannot be overcommitted/,
    );
    accepted({ containers: [{ name: 'main', resources: { limits: { 'hugepages-2Mi': '4Mi', 'ephemeral-storage': '1Gi' } } }] });
  });
});

describe('items no kubelet could write', () => {
  const field = (path: string): DownwardVolumeItem => ({ path, fieldRef: { fieldPath: 'metadata.name' } });

  it('a path naming the volume directory itself', () => {
    refused({ items: [field('.')] }, /items\[0\]\.path "\." names the volume directory itself/);
    refused({ items: [field('./')] }, /names the volume directory itself/);
  });

  it('a file where another item needs a directory, in either order', () => {
    refused({ items: [field('a'), field('a/b')] }, /"a" is a file, so "a\/b" cannot be written below it/);
    refused({ items: [field('a/b/c'), field('a/b')] }, /"a\/b" is a file, so "a\/b\/c" cannot be written below it/);
  });

  it('two paths naming one file', () => {
    refused({ items: [field('a'), field('./a')] }, /items\[1\]\.path "\.\/a" names the same file as an item before it/);
  });
});

describe('directories', () => {
  it('refuses a directory that is not empty, and leaves what is in it alone', () => {
    const directory = fresh();
    fs.mkdirSync(directory);
    fs.writeFileSync(join(directory, 'precious.txt'), 'mine');
    expect(() => createDownwardVolume({ directory })).toThrow(/is not empty: pass a new or empty directory/);
    expect(fs.readdirSync(directory)).toEqual(['precious.txt']);
  });

  it('in a directory that existed, remove() deletes only what it wrote', () => {
    const directory = fresh();
    fs.mkdirSync(directory);
    const volume = createDownwardVolume({ directory });
    fs.writeFileSync(join(directory, 'notes.txt'), 'added later');
    volume.update({ labels: { tier: 'web' } });
    volume.remove();
    expect(fs.readdirSync(directory)).toEqual(['notes.txt']);
  });

  it('deletes a directory it created', () => {
    const directory = join(fresh(), 'nested', 'volume');
    createDownwardVolume({ directory }).remove();
    expect(fs.existsSync(directory)).toBe(false);
    expect(fs.existsSync(join(directory, '..'))).toBe(true);
  });
});

describe('a write the file system refuses', () => {
  /** node:fs whose `writeFileSync` fails with ENOSPC from the `fail`-th call on. */
  function fullDisk(fail: number): VolumeWriterFileSystem & { writes: number } {
    const wrapper = {
      ...fs,
      writes: 0,
      writeFileSync(path: string, data: Uint8Array, options: { readonly mode: number }) {
        if (++wrapper.writes >= fail) throw Object.assign(new Error(`ENOSPC: no space left on device, open '${path}'`), { code: 'ENOSPC' });
        fs.writeFileSync(path, data, options);
      },
    };
    return wrapper;
  }

  it('leaves no volume behind on the first write, in a new or an existing directory', () => {
    const created = fresh();
    expect(() => createDownwardVolume({ directory: created, fs: fullDisk(3) })).toThrow(new RegExp(`cannot write the volume in ${created}: ENOSPC`));
    expect(fs.existsSync(created)).toBe(false);
    const existing = fresh();
    fs.mkdirSync(existing);
    expect(() => createDownwardVolume({ directory: existing, fs: fullDisk(3) })).toThrow(/ENOSPC/);
    expect(fs.readdirSync(existing)).toEqual([]);
  });

  it('keeps the previous generation whole when an update fails', () => {
    const disk = fullDisk(Number.POSITIVE_INFINITY);
    const volume = createDownwardVolume({ directory: fresh(), fs: disk, pod: { labels: { v: '1' } } });
    const before = fs.readdirSync(volume.directory).sort();
    const generation = volume.generation;
    Object.assign(disk, { writeFileSync: fullDisk(2).writeFileSync });
    expect(() => volume.update({ labels: { v: '2' } })).toThrow(/cannot write the volume in .*ENOSPC/);
    expect(fs.readdirSync(volume.directory).sort()).toEqual(before);
    expect(volume.generation).toBe(generation);
    const spec = defineSpec({ env: [], volume: { mountPath: '/x', items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } });
    expect(readPodMetadataSync({ spec, env: {}, volume: volume.directory }).labels['v']).toBe('1');
    volume.remove();
  });
});
