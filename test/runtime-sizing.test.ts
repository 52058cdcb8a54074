// Runtime sizing: the cgroup v2 parsers on the kernel's own text, the documented rules, and where each value comes
// from (Downward API volume and env, cgroup v2, the user's own settings).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCpuMax, parseMemoryMax } from '../src/integrations/cgroup.js';
import { maxOldSpaceSizeFor, runtimeSizing, threadpoolSizeFor } from '../src/integrations/runtime-sizing.js';
import { createDownwardVolume, downwardEnv, seedPod } from '../src/testing/index.js';

const MiB = 1024n * 1024n;
const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

function cgroup(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kube-downward-cgroup-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function volumeWith(resources: { limits?: Record<string, string>; requests?: Record<string, string> }): string {
  const volume = createDownwardVolume({
    pod: { ...seedPod, containers: [{ name: 'main', resources }] },
    items: [
      { path: 'containerMemoryLimitBytes', resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1' } },
      { path: 'containerCpuLimitMilliCores', resourceFieldRef: { containerName: 'main', resource: 'limits.cpu', divisor: '1m' } },
      { path: 'containerCpuRequestMilliCores', resourceFieldRef: { containerName: 'main', resource: 'requests.cpu', divisor: '1m' } },
    ],
  });
  cleanup.push(() => volume.remove());
  return volume.directory;
}

const none = '/nonexistent/cgroup';

describe('cgroup v2 files', () => {
  it.each([
    ['max\n', { kind: 'unlimited' }],
    ['268435456\n', { kind: 'limit', value: 268435456n }],
    ['0\n', { kind: 'limit', value: 0n }],
    ['9223372036854771712\n', { kind: 'limit', value: 9223372036854771712n }],
    ['', { kind: 'invalid', text: '' }],
    ['256M\n', { kind: 'invalid', text: '256M\n' }],
    ['-1\n', { kind: 'invalid', text: '-1\n' }],
    [' 42\n', { kind: 'invalid', text: ' 42\n' }],
  ])('memory.max %j', (text, expected) => {
    expect(parseMemoryMax(text)).toEqual(expected);
  });

  it.each([
    ['max 100000\n', { kind: 'unlimited' }],
    ['150000 100000\n', { kind: 'limit', value: 1500n }],
    ['50000 100000\n', { kind: 'limit', value: 500n }],
    ['1 100000\n', { kind: 'limit', value: 1n }],
    ['100001 100000\n', { kind: 'limit', value: 1001n }],
    ['200000 50000\n', { kind: 'limit', value: 4000n }],
    ['max\n', { kind: 'invalid', text: 'max\n' }],
    ['100000 0\n', { kind: 'invalid', text: '100000 0\n' }],
    ['0 100000\n', { kind: 'invalid', text: '0 100000\n' }],
    ['150000 100000 1\n', { kind: 'invalid', text: '150000 100000 1\n' }],
  ])('cpu.max %j', (text, expected) => {
    expect(parseCpuMax(text)).toEqual(expected);
  });
});

describe('the rules', () => {
  it.each([
    [256n * MiB, 144],
    [512n * MiB, 336],
    [1024n * MiB, 720],
    [16384n * MiB, 12240],
    [128n * MiB, 48],
    [85n * MiB, 16],
    [4n * MiB, 16],
    [256n * MiB + 1n, 144],
  ])('a %d-byte memory limit gives an old space of %d MiB (75%% less 48 MiB, at least 16)', (limit, expected) => {
    expect(maxOldSpaceSizeFor(limit)).toBe(expected);
  });

  it.each([
    [256n * MiB, 57n * MiB, 101],
    [512n * MiB, 600n * MiB, 16],
    [1024n * MiB, 0n, 720],
  ])('a %d-byte limit with %d bytes reserved gives %d MiB: the rule applies to what is left', (limit, reserved, expected) => {
    expect(maxOldSpaceSizeFor(limit, reserved)).toBe(expected);
  });

  it.each([
    [1n, 4],
    [500n, 4],
    [4000n, 4],
    [4001n, 5],
    [7500n, 8],
    [64000n, 64],
    [2_000_000n, 1024],
  ])('%dm of CPU gives a thread pool of %d (one per CPU rounded up, 4 to 1024)', (millicores, expected) => {
    expect(threadpoolSizeFor(millicores)).toBe(expected);
  });
});

describe('runtimeSizing', () => {
  it('sizes from the Downward API volume: memory limit, CPU limit', () => {
    const volume = volumeWith({ limits: { memory: '1Gi', cpu: '6500m' }, requests: { cpu: '2' } });
    const sizing = runtimeSizing({ env: {}, volume, cgroupRoot: none });
    expect(sizing.maxOldSpaceSizeMiB).toMatchObject({ value: 720, source: 'downward-api' });
    expect(sizing.maxOldSpaceSizeMiB.description).toContain('limits.memory 1024 MiB');
    expect(sizing.uvThreadpoolSize).toMatchObject({ value: 7, source: 'downward-api' });
    expect(sizing.uvThreadpoolSize.description).toContain('limits.cpu (Downward API) 6500m');
    expect(sizing.problems).toEqual([]);
  });

  it('sizes from the default spec\'s env vars, using the least value a rounded-up KiB figure allows', () => {
    const env = downwardEnv({ ...seedPod, containers: [{ name: 'main', resources: { limits: { memory: '512Mi' }, requests: { cpu: '12' } } }] });
    const sizing = runtimeSizing({ env, cgroupRoot: none });
    // 512Mi is exactly 524288 KiB, which could be anything above 524287 KiB.
    expect(sizing.maxOldSpaceSizeMiB.value).toBe(maxOldSpaceSizeFor(524287n * 1024n + 1n));
    expect(sizing.maxOldSpaceSizeMiB.description).toContain('at most (divisor 1Ki');
    expect(sizing.uvThreadpoolSize).toMatchObject({ value: 12, source: 'downward-api' });
    expect(sizing.uvThreadpoolSize.description).toContain('requests.cpu');
  });

  it('falls back to cgroup v2 when the Downward API gives no limit, and then does nothing', () => {
    const dir = cgroup({ 'memory.max': '268435456\n', 'cpu.max': '800000 100000\n' });
    const sizing = runtimeSizing({ env: {}, cgroupRoot: dir });
    expect(sizing.maxOldSpaceSizeMiB).toMatchObject({ value: 144, source: 'cgroup' });
    expect(sizing.maxOldSpaceSizeMiB.description).toContain(join(dir, 'memory.max'));
    expect(sizing.uvThreadpoolSize).toMatchObject({ value: 8, source: 'cgroup' });

    const nothing = runtimeSizing({ env: {}, cgroupRoot: cgroup({ 'memory.max': 'max\n', 'cpu.max': 'max 100000\n' }) });
    expect(nothing.maxOldSpaceSizeMiB).toMatchObject({ value: undefined, source: 'none' });
    expect(nothing.uvThreadpoolSize).toMatchObject({ value: undefined, source: 'none' });
    expect(runtimeSizing({ env: {}, cgroupRoot: none }).maxOldSpaceSizeMiB.source).toBe('none');
  });

  it('says so when a cgroup file holds something else, and sizes nothing from it', () => {
    const sizing = runtimeSizing({ env: {}, cgroupRoot: cgroup({ 'memory.max': 'lots\n', 'cpu.max': 'x y\n' }) });
    expect(sizing.maxOldSpaceSizeMiB).toMatchObject({ value: undefined, source: 'none' });
    expect(sizing.maxOldSpaceSizeMiB.description).toContain('holds "lots\\n", not a cgroup v2 limit');
    expect(sizing.uvThreadpoolSize.description).toContain('holds "x y\\n"');
  });

  it('takes a Downward API limit that cgroup v2 says is "max" for the node\'s allocatable, not a limit; CPU then sizes from the request', () => {
    // No limits: the kubelet writes the node's allocatable memory and CPU instead.
    const volume = volumeWith({ requests: { cpu: '6', memory: '1Gi' } });
    const sizing = runtimeSizing({ env: {}, volume, cgroupRoot: cgroup({ 'memory.max': 'max\n', 'cpu.max': 'max 100000\n' }) });
    expect(sizing.maxOldSpaceSizeMiB).toMatchObject({ value: undefined, source: 'none' });
    expect(sizing.maxOldSpaceSizeMiB.description).toContain('is no limit');
    expect(sizing.uvThreadpoolSize).toMatchObject({ value: 6, source: 'downward-api' });
    expect(sizing.uvThreadpoolSize.description).toContain('no CPU limit');
  });

  it('leaves what the user set alone', () => {
    const volume = volumeWith({ limits: { memory: '1Gi', cpu: '8' } });
    for (const NODE_OPTIONS of ['--max-old-space-size=100', '--trace-warnings --max_old_space_size=100', '--max-heap-size=100']) {
      expect(runtimeSizing({ env: { NODE_OPTIONS }, volume, cgroupRoot: none }).maxOldSpaceSizeMiB).toMatchObject({ value: undefined, source: 'user' });
    }
    expect(runtimeSizing({ env: { NODE_OPTIONS: '--max-semi-space-size=8' }, volume, cgroupRoot: none }).maxOldSpaceSizeMiB.value).toBe(720);
    const onCommandLine = runtimeSizing({ env: {}, volume, cgroupRoot: none, args: ['node', '--max-old-space-size=64', 'app.js'] });
    expect(onCommandLine.maxOldSpaceSizeMiB).toMatchObject({ value: undefined, source: 'user' });
    expect(onCommandLine.maxOldSpaceSizeMiB.description).toContain('command line');
    const threads = runtimeSizing({ env: { UV_THREADPOOL_SIZE: '2' }, volume, cgroupRoot: none }).uvThreadpoolSize;
    expect(threads).toMatchObject({ value: undefined, source: 'user' });
    expect(runtimeSizing({ env: { UV_THREADPOOL_SIZE: '' }, volume, cgroupRoot: none }).uvThreadpoolSize.value).toBe(8);
  });

  it('reports invalid Downward API values and sizes from cgroup v2 instead, whatever else the spec misses', () => {
    const dir = cgroup({ 'memory.max': '536870912\n' });
    // POD_NAME and the rest of the default spec are absent: sizing reads only the resources.
    const sizing = runtimeSizing({ env: { CONTAINER_MEMORY_LIMIT_KIBIBYTES: '4Gi' }, cgroupRoot: dir });
    expect(sizing.problems.map((problem) => problem.code)).toEqual(['INVALID_METADATA']);
    expect(sizing.problems[0]?.message).toContain('CONTAINER_MEMORY_LIMIT_KIBIBYTES');
    expect(sizing.maxOldSpaceSizeMiB).toMatchObject({ value: 336, source: 'cgroup' });
  });

  it('uses the values that are there when one is missing from the volume, and reports the missing one', () => {
    const volume = createDownwardVolume({
      pod: { ...seedPod, containers: [{ name: 'main', resources: { limits: { memory: '256Mi', cpu: '5' } } }] },
      items: [{ path: 'containerMemoryLimitBytes', resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1' } }],
    });
    cleanup.push(() => volume.remove());
    const sizing = runtimeSizing({ env: {}, volume: volume.directory, cgroupRoot: none });
    expect(sizing.maxOldSpaceSizeMiB.value).toBe(144);
    expect(sizing.uvThreadpoolSize).toMatchObject({ value: undefined, source: 'none' });
    expect(sizing.problems.map((problem) => problem.problems.map((p) => p.source))).toEqual([
      [{ kind: 'file', path: join(volume.directory, 'containerCpuLimitMilliCores') }],
      [{ kind: 'file', path: join(volume.directory, 'containerCpuRequestMilliCores') }],
    ]);
  });

  it('takes reserved memory off the limit, and says so', () => {
    const volume = volumeWith({ limits: { memory: '1Gi' } });
    const sizing = runtimeSizing({ env: {}, volume, cgroupRoot: none, reservedBytes: 64 * 1024 * 1024 });
    expect(sizing.maxOldSpaceSizeMiB.value).toBe(672);
    expect(sizing.maxOldSpaceSizeMiB.description).toContain('limits.memory 1024 MiB (Downward API) less 64 MiB reserved');
    expect(() => runtimeSizing({ env: {}, cgroupRoot: none, reservedBytes: -1 })).toThrow(RangeError);
  });

  it('rejects an empty cgroupRoot', () => {
    expect(() => runtimeSizing({ env: {}, cgroupRoot: '' })).toThrow(TypeError);
  });
});
