// The live watch on real temp directories, updated by the kubelet's own atomic-writer sequence.
import { watch as chokidarWatch } from 'chokidar';
import { EventEmitter, getEventListeners } from 'node:events';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WatchDirectory } from '../src/live/attachment.js';
import { isNotInKubernetesError } from '../src/errors.js';
import type { PodMetadata } from '../src/sources/pod-metadata.js';
import { defaultSpec, defineSpec } from '../src/spec/spec.js';
import { createDownwardVolume, downwardEnv, seedPod, type DownwardVolume } from '../src/testing/index.js';
import type { VolumeFileSystem } from '../src/sources/volume.js';
import { iteratePodMetadata, waitForPodMetadata, type PodMetadataEvent, type WatchPodMetadataOptions } from '../src/live/watch.js';
import { observeEvents } from '../src/live/observable.js';
import { openWatches, subscribe } from '../src/live/engine.js';
import { watchPodMetadata, watchPodMetadataEvents } from '../src/rxjs.js';

const FAST = { debounceMs: 10, pollIntervalMs: 50 } as const;
const WAIT = { timeout: 10_000, interval: 10 } as const;
const labelsOnly = defineSpec({
  env: [],
  volume: { mountPath: '/unused', items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
});

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const run of cleanup.splice(0)) run();
});

function volume(pod = {}, items?: Parameters<typeof createDownwardVolume>[0]): DownwardVolume {
  const created = createDownwardVolume({ pod, ...items });
  cleanup.push(() => created.remove());
  return created;
}

/** Subscribes and records every event, for assertions that wait on them. */
function record(options: WatchPodMetadataOptions, watchDirectory?: WatchDirectory) {
  const events: PodMetadataEvent[] = [];
  const errors: unknown[] = [];
  const subscription: Subscription = observeEvents(options, watchDirectory).subscribe({
    next: (event) => events.push(event),
    error: (error: unknown) => errors.push(error),
  });
  cleanup.push(() => subscription.unsubscribe());
  const snapshots = () => events.flatMap((e) => (e.type === 'snapshot' ? [e.metadata] : []));
  const problems = () => events.flatMap((e) => (e.type === 'problem' ? [e.error] : []));
  return { events, errors, subscription, snapshots, problems };
}

const labelOf = (key: string) => (m: PodMetadata | undefined) => m?.labels[key];

/** The kubelet's update sequence, by hand, for generations the testing kit would refuse to write. */
function swapGeneration(dir: string, files: Record<string, string>): void {
  const old = fs.readlinkSync(join(dir, '..data'));
  const generation = fs.mkdtempSync(join(dir, '..2026_11_26_10_00_00.')).slice(dir.length + 1);
  for (const [path, content] of Object.entries(files)) fs.writeFileSync(join(dir, generation, path), content);
  fs.symlinkSync(generation, join(dir, '..data_tmp'));
  fs.renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  fs.rmSync(join(dir, old), { recursive: true });
}

/** fs.watch handles: only watchers make them (timers are checked in a process of their own, below). */
function fsWatchHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length;
}

/** Earlier tests' watchers close asynchronously after their unsubscribe. */
async function noWatchers(): Promise<void> {
  await vi.waitFor(() => expect(fsWatchHandles()).toBe(0), WAIT);
}

describe('watchPodMetadata', () => {
  it('emits the current snapshot, then one per real change, never a duplicate', async () => {
    const v = volume(seedPod);
    const env = downwardEnv(seedPod);
    const seen = record({ env, volume: v.directory, ...FAST });
    await vi.waitFor(() => expect(seen.snapshots()).toHaveLength(1), WAIT);
    expect(seen.snapshots()[0]?.labels).toEqual({ foo: 'bar' });
    expect(seen.snapshots()[0]?.name).toBe('downward');

    v.update({ labels: { foo: 'baz' } });
    await vi.waitFor(() => expect(seen.snapshots().map(labelOf('foo'))).toEqual(['bar', 'baz']), WAIT);

    // Events without a content change: an identical update writes nothing, a stray file only makes noise.
    expect(v.update({ labels: { foo: 'baz' } })).toBe(false);
    fs.writeFileSync(join(v.directory, 'stray'), 'x');
    v.update({ annotations: { ...seedPod.annotations, owner: 'team-a' } });
    await vi.waitFor(() => expect(seen.snapshots()).toHaveLength(3), WAIT);
    expect(seen.snapshots()[2]?.annotations['owner']).toBe('team-a');

    // An in-place resize rewrites the resource files.
    v.update({ containers: [{ name: 'main', resources: { requests: { cpu: '250m', memory: '100Ki' }, limits: { cpu: '500m', memory: '8Mi' } } }] });
    await vi.waitFor(() => expect(seen.snapshots().at(-1)?.resources['requests.cpu']?.millicores).toBe(250n), WAIT);
    expect(seen.snapshots()).toHaveLength(4);
    // Env fields are static and in every snapshot.
    expect(seen.snapshots().every((s) => s.podIP === '10.0.0.10')).toBe(true);
    expect(seen.problems()).toEqual([]);
  });

  it('keeps working after the first update, through 20 paced updates', async () => {
    const v = volume({ labels: { n: '0' } });
    const seen = record({ spec: labelsOnly, env: {}, volume: v.directory, ...FAST });
    await vi.waitFor(() => expect(seen.snapshots()).toHaveLength(1), WAIT);
    for (let n = 1; n <= 20; n++) {
      v.update({ labels: { n: String(n) } });
      await vi.waitFor(() => expect(seen.snapshots().at(-1)?.labels['n']).toBe(String(n)), WAIT);
    }
    expect(seen.snapshots().map(labelOf('n'))).toEqual(Array.from({ length: 21 }, (_, i) => String(i)));
  });

  it('always emits the final state of 1,000 updates in a row', async () => {
    const v = volume({ labels: { n: '0' } });
    const seen = record({ spec: labelsOnly, env: {}, volume: v.directory, ...FAST });
    await vi.waitFor(() => expect(seen.snapshots()).toHaveLength(1), WAIT);
    for (let n = 1; n <= 1000; n++) v.update({ labels: { n: String(n) } });
    await vi.waitFor(() => expect(seen.snapshots().at(-1)?.labels['n']).toBe('1000'), { ...WAIT, timeout: 20_000 });
    // Intermediate states may be skipped, but never go backwards or repeat.
    const values = seen.snapshots().map((s) => Number(s.labels['n']));
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(new Set(values).size).toBe(values.length);
    v.update({ labels: { n: 'after' } });
    await vi.waitFor(() => expect(seen.snapshots().at(-1)?.labels['n']).toBe('after'), WAIT);
  }, 40_000);

  it('stays alive beside another chokidar watcher on the same volume', async () => {
    const v = volume({ labels: { n: '0' } });
    const naive = chokidarWatch(join(v.directory, 'labels'), { ignoreInitial: true });
    cleanup.push(() => void naive.close());
    await new Promise<void>((resolve) => naive.once('ready', () => resolve()));
    const seen = record({ spec: labelsOnly, env: {}, volume: v.directory, ...FAST });
    await vi.waitFor(() => expect(seen.snapshots()).toHaveLength(1), WAIT);
    for (let n = 1; n <= 5; n++) {
      v.update({ labels: { n: String(n) } });
      await vi.waitFor(() => expect(seen.snapshots().at(-1)?.labels['n']).toBe(String(n)), WAIT);
    }
  });

  it('sees files of a plain directory rewritten in place', async () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'kube-downward-plain-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(join(dir, 'labels'), 'app="web"');
    const seen = record({ spec: labelsOnly, env: {}, volume: dir, ...FAST });
    await vi.waitFor(() => expect(seen.snapshots()).toHaveLength(1), WAIT);
    fs.writeFileSync(join(dir, 'labels'), 'app="api"');
    await vi.waitFor(() => expect(seen.snapshots().map(labelOf('app'))).toEqual(['web', 'api']), WAIT);
  });
});

describe('sharing and teardown', () => {
  it('shares one watcher between subscribers and closes it, with every timer, on the last unsubscribe', async () => {
    const v = volume({ labels: { n: '0' } });
    await noWatchers();
    const options = { spec: labelsOnly, env: {}, volume: v.directory, ...FAST };
    const first: PodMetadata[] = [];
    const second: PodMetadata[] = [];
    const a = watchPodMetadata(options).subscribe((m) => first.push(m));
    await vi.waitFor(() => expect(first).toHaveLength(1), WAIT);
    await vi.waitFor(() => expect(fsWatchHandles()).toBeGreaterThan(0), WAIT);
    const withOne = fsWatchHandles();
    const b = watchPodMetadata(options).subscribe((m) => second.push(m));
    // A late subscriber gets the current snapshot at once, from the shared watch.
    expect(second.map(labelOf('n'))).toEqual(['0']);
    expect(fsWatchHandles()).toBe(withOne);
    const events: PodMetadataEvent[] = [];
    const c = watchPodMetadataEvents(options).subscribe((e) => events.push(e));
    expect(events.map((e) => e.type === 'snapshot' && e.metadata.labels['n'])).toEqual(['0']);
    expect(fsWatchHandles()).toBe(withOne);
    v.update({ labels: { n: '1' } });
    await vi.waitFor(() => expect([first.length, second.length, events.length]).toEqual([2, 2, 2]), WAIT);
    a.unsubscribe();
    b.unsubscribe();
    expect(fsWatchHandles()).toBe(withOne);
    c.unsubscribe();
    await noWatchers();
  });

  it('completes and closes the watcher when the AbortSignal fires', async () => {
    const v = volume();
    await noWatchers();
    const controller = new AbortController();
    let completed = false;
    const seen: PodMetadata[] = [];
    watchPodMetadata({ spec: labelsOnly, env: {}, volume: v.directory, ...FAST, signal: controller.signal }).subscribe({
      next: (m) => seen.push(m),
      complete: () => {
        completed = true;
      },
    });
    await vi.waitFor(() => expect(seen).toHaveLength(1), WAIT);
    controller.abort();
    expect(completed).toBe(true);
    await noWatchers();
  });
});

describe('faults never end the stream', () => {
  it('keeps the last snapshot through a broken generation and a missing file, and recovers', async () => {
    const v = volume({ labels: { app: 'web' } }, { items: [...labelsOnly.volume!.items, { path: 'podName', fieldRef: { fieldPath: 'metadata.name' } }] });
    const spec = defineSpec({ env: [], volume: { mountPath: '/unused', items: v.items } });
    const seen = record({ spec, env: {}, volume: v.directory, ...FAST });
    await vi.waitFor(() => expect(seen.snapshots()).toHaveLength(1), WAIT);

    swapGeneration(v.directory, { labels: 'app=web', podName: 'downward' });
    await vi.waitFor(() => expect(seen.problems()).toHaveLength(1), WAIT);
    expect(seen.problems()[0]?.code).toBe('INVALID_METADATA');
    expect(seen.problems()[0]?.problems.map((p) => [p.code, p.source])).toEqual([
      ['UNQUOTED_VALUE', { kind: 'file', path: join(v.directory, 'labels'), line: 1, column: 5 }],
    ]);

    swapGeneration(v.directory, { labels: 'app="web"' });
    await vi.waitFor(() => expect(seen.problems()).toHaveLength(2), WAIT);
    expect(seen.problems()[1]?.problems.map((p) => p.code)).toEqual(['MISSING']);

    swapGeneration(v.directory, { labels: 'app="api"', podName: 'downward' });
    await vi.waitFor(() => expect(seen.snapshots().map(labelOf('app'))).toEqual(['web', 'api']), WAIT);
    expect(seen.errors).toEqual([]);
  });

  it.each([
    ['named by the volume option', (dir: string): WatchPodMetadataOptions => ({ spec: labelsOnly, volume: dir })],
    // The spec's mount path may be absent for a pod with env vars only, but not once it was there.
    ['at the spec\'s own mount path', (dir: string): WatchPodMetadataOptions => ({ spec: defineSpec({ env: [], volume: { mountPath: dir, items: labelsOnly.volume?.items ?? [] } }) })],
  ])('recovers when the volume %s is deleted and created again', async (_where, options) => {
    const v = volume({ labels: { app: 'web' } });
    const seen = record({ ...options(v.directory), env: {}, ...FAST });
    await vi.waitFor(() => expect(seen.snapshots()).toHaveLength(1), WAIT);
    fs.rmSync(v.directory, { recursive: true });
    await vi.waitFor(() => expect(seen.problems().map((e) => e.problems[0]?.code)).toEqual(['MISSING']), WAIT);
    const again = createDownwardVolume({ pod: { labels: { app: 'back' } }, directory: v.directory });
    cleanup.push(() => again.remove());
    await vi.waitFor(() => expect(seen.snapshots().map(labelOf('app'))).toEqual(['web', 'back']), WAIT);
    again.update({ labels: { app: 'watched' } });
    await vi.waitFor(() => expect(seen.snapshots().at(-1)?.labels['app']).toBe('watched'), WAIT);
    expect(seen.errors).toEqual([]);
  });

  it('reports permission denied and recovers when the file is readable again', async () => {
    const v = volume({ labels: { app: 'web' } });
    let denied = false;
    const deny = (path: string): void => {
      if (denied && path.endsWith('/labels')) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    };
    const guarded: VolumeFileSystem = {
      ...fs,
      openSync: (path: string, flags: number) => (deny(path), fs.openSync(path, flags)),
      promises: { ...fs.promises, open: async (path: string, flags: number) => (deny(path), fs.promises.open(path, flags)) },
    } as VolumeFileSystem;
    const seen = record({ spec: labelsOnly, env: {}, volume: v.directory, fs: guarded, ...FAST });
    await vi.waitFor(() => expect(seen.snapshots()).toHaveLength(1), WAIT);
    denied = true;
    v.update({ labels: { app: 'api' } });
    await vi.waitFor(() => expect(seen.problems().map((e) => e.problems[0]?.code)).toEqual(['VOLUME_UNREADABLE']), WAIT);
    denied = false;
    v.update({ labels: { app: 'db' } });
    await vi.waitFor(() => expect(seen.snapshots().map(labelOf('app'))).toEqual(['web', 'db']), WAIT);
  });

  it('falls back to polling ..data when file events fail, and says so once', async () => {
    const v = volume({ labels: { n: '0' } });
    // A watcher that starts, then fails as fs.watch does when inotify runs out of watches.
    const failing: WatchDirectory = () => {
      const emitter = new EventEmitter();
      const timer = setTimeout(() => emitter.emit('error', Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' })), 5);
      const close = () => {
        clearTimeout(timer);
        emitter.removeAllListeners();
      };
      return Object.assign(emitter, { close }) as unknown as ReturnType<WatchDirectory>;
    };
    const seen = record({ spec: labelsOnly, env: {}, volume: v.directory, ...FAST }, failing);
    await vi.waitFor(() => expect(seen.problems().map((e) => e.code)).toEqual(['WATCH_FALLBACK']), WAIT);
    expect(seen.problems()[0]?.cause).toMatchObject({ code: 'ENOSPC' });
    for (let n = 1; n <= 3; n++) {
      v.update({ labels: { n: String(n) } });
      await vi.waitFor(() => expect(seen.snapshots().at(-1)?.labels['n']).toBe(String(n)), WAIT);
    }
    expect(seen.problems()).toHaveLength(1);
  });

  it('detects a subPath mount, which the kubelet never updates', async () => {
    const v = volume({ labels: { app: 'web' } });
    const mountinfo = `1031 1021 0:318 /..2026_11_26_09_21_53.1/labels ${v.directory}/labels ro,relatime - tmpfs tmpfs rw\n`;
    const withMounts = {
      ...fs,
      readFileSync: (path: string) => (path === '/proc/self/mountinfo' ? mountinfo : fs.readFileSync(path)),
    } as VolumeFileSystem;
    const seen = record({ spec: labelsOnly, env: {}, volume: v.directory, fs: withMounts, ...FAST });
    await vi.waitFor(() => expect(seen.problems().map((e) => e.code)).toEqual(['SUBPATH_MOUNT']), WAIT);
    expect(seen.problems()[0]?.problems[0]?.source).toEqual({ kind: 'file', path: `${v.directory}/labels` });
    expect(seen.snapshots().map(labelOf('app'))).toEqual(['web']);
    // The kubelet never updates a subPath mount: nothing to watch, so the stream ends after its snapshot.
    expect(seen.subscription.closed).toBe(true);
  });

  it('errors at once for what can never heal: no pod at all, or an invalid env value', async () => {
    const outside = record({ env: {}, volume: join(tmpdir(), 'kube-downward-absent'), spec: defineSpec({ env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }) });
    await vi.waitFor(() => expect(outside.errors).toHaveLength(1), WAIT);
    expect(isNotInKubernetesError(outside.errors[0])).toBe(true);

    const v = volume(seedPod);
    const bad = record({ env: { ...downwardEnv(seedPod), POD_IP: 'not-an-ip' }, volume: v.directory, ...FAST });
    await vi.waitFor(() => expect(bad.errors).toHaveLength(1), WAIT);
    expect(bad.events).toEqual([]);
  });

  it('completes after the snapshot when there is no volume to watch (a pod with env vars only)', async () => {
    const spec = defineSpec({ env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] });
    const all: PodMetadata[] = [];
    await new Promise<void>((resolve, reject) => {
      watchPodMetadata({ spec, env: { POD_NAME: 'web' } }).subscribe({ next: (m) => all.push(m), complete: resolve, error: reject });
    });
    expect(all.map((m) => m.name)).toEqual(['web']);
    await expect(waitForPodMetadata((m) => m.name === 'api', { spec, env: { POD_NAME: 'web' } })).rejects.toMatchObject({ code: 'NOT_WATCHABLE' });
  });

  it('shares a watch only between subscribers that read alike: strictness and fallbacks keep watches apart', async () => {
    const v = volume(seedPod);
    const env = downwardEnv(seedPod);
    const spec = defineSpec(defaultSpec);
    const unsubscribe = [
      subscribe({ env, spec, volume: v.directory, ...FAST }, { next: () => {} }),
      subscribe({ env, spec, volume: v.directory, ...FAST }, { next: () => {} }),
      subscribe({ env, spec, volume: v.directory, strict: true, ...FAST }, { next: () => {} }),
      subscribe({ env, spec, volume: v.directory, fallbacks: false, ...FAST }, { next: () => {} }),
      subscribe({ env, spec, volume: v.directory, serviceAccountDirectory: v.directory, ...FAST }, { next: () => {} }),
    ];
    expect(openWatches()).toBe(4);
    for (const stop of unsubscribe) stop();
    await vi.waitFor(() => expect(openWatches()).toBe(0), WAIT);
  });

  it('rejects out-of-range intervals with a RangeError, above all those a timer would turn into 1 ms', () => {
    for (const key of ['debounceMs', 'pollIntervalMs', 'resyncIntervalMs'] as const) {
      for (const value of [2 ** 31, -1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
        expect(() => watchPodMetadataEvents({ [key]: value })).toThrow(RangeError);
        expect(() => watchPodMetadata({ [key]: value })).toThrow(RangeError);
        expect(() => iteratePodMetadata({ [key]: value })).toThrow(RangeError);
        expect(() => subscribe({ [key]: value }, { next: () => {} })).toThrow(RangeError);
      }
    }
    expect(() => watchPodMetadata({ pollIntervalMs: 0 })).toThrow(RangeError);
    expect(openWatches()).toBe(0);
  });

  it('notices a watch that went deaf without an error, and re-attaches (default options)', async () => {
    const v = volume({ labels: { n: '0' } });
    let deaf = false;
    let opened = 0;
    // The first watcher stops delivering events, silently, as chokidar's did after a permission change.
    const silenced: WatchDirectory = (dir, listener) => {
      const first = ++opened === 1;
      return fs.watch(dir, (event, filename) => {
        if (!(first && deaf)) listener(event, filename);
      });
    };
    const seen = record({ spec: labelsOnly, env: {}, volume: v.directory }, silenced);
    await vi.waitFor(() => expect([seen.snapshots().length, opened]).toEqual([1, 1]), WAIT);
    deaf = true;
    for (let n = 1; n <= 3; n++) {
      v.update({ labels: { n: String(n) } });
      await vi.waitFor(() => expect(seen.snapshots().at(-1)?.labels['n']).toBe(String(n)), WAIT);
    }
    expect(opened).toBeGreaterThan(1);
    expect(seen.problems()).toEqual([]);
  });

  it('re-attaches after a watcher error, and reports the period without file events once', async () => {
    const v = volume({ labels: { n: '0' } });
    let opened = 0;
    // The first watcher fails as a watch whose inotify instance broke; the ones after it are real.
    const flaky: WatchDirectory = (dir, listener) => {
      const real = fs.watch(dir, listener);
      if (++opened === 1) setTimeout(() => real.emit('error', Object.assign(new Error('EIO: i/o error, watch'), { code: 'EIO' })), 20);
      return real;
    };
    const seen = record({ spec: labelsOnly, env: {}, volume: v.directory, ...FAST }, flaky);
    await vi.waitFor(() => expect(seen.problems().map((e) => e.code)).toEqual(['WATCH_FALLBACK']), WAIT);
    for (let n = 1; n <= 3; n++) {
      v.update({ labels: { n: String(n) } });
      await vi.waitFor(() => expect(seen.snapshots().at(-1)?.labels['n']).toBe(String(n)), WAIT);
    }
    expect(opened).toBeGreaterThan(1);
    expect(seen.problems()).toHaveLength(1);
  });
});

describe('nothing left behind', () => {
  /** Open file descriptors of this process. */
  const openFds = () => fs.readdirSync('/proc/self/fd').length;

  it('forgets every watch after its last unsubscribe: 3,000 cycles with fresh option objects leave no entry and no fd', async () => {
    const v = volume({ labels: { n: '0' } });
    const cycle = async (i: number): Promise<void> => {
      // Fresh objects each time, as an app that builds its options per call would pass them.
      const env = { PADDING: 'x'.repeat(1024), I: String(i) };
      const spec = defineSpec({ env: [], volume: { mountPath: v.directory, items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } });
      await new Promise<void>((resolve) => {
        const stop = subscribe({ spec, env, volume: v.directory }, {
          next: (event) => {
            if (event.type !== 'snapshot') return;
            queueMicrotask(() => {
              stop();
              resolve();
            });
          },
        });
      });
    };
    await cycle(-1);
    await noWatchers();
    const fdsBefore = openFds();
    for (let i = 0; i < 3000; i++) await cycle(i);
    expect(openWatches()).toBe(0);
    await noWatchers();
    expect(openFds()).toBeLessThanOrEqual(fdsBefore);
  }, 120_000);

  it('leaves no abort listener on a signal shared by 1,000 waits, whether they resolve, fail or abort', async () => {
    const v = volume({ labels: { ready: 'true' } });
    const options = { spec: labelsOnly, env: {}, volume: v.directory, ...FAST };
    const controller = new AbortController();
    const shared = { ...options, signal: controller.signal };
    // Resolved by the snapshot the shared watch replays at once.
    const resolved = await Promise.all(Array.from({ length: 1000 }, () => waitForPodMetadata((m) => m.labels['ready'] === 'true', shared)));
    expect(resolved).toHaveLength(1000);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // Failed: the predicate throws.
    const failed = await Promise.allSettled(Array.from({ length: 1000 }, () => waitForPodMetadata(() => { throw new Error('bad predicate'); }, shared)));
    expect(failed.every((r) => r.status === 'rejected')).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // Aborted while waiting.
    const pending = Array.from({ length: 1000 }, () => waitForPodMetadata((m) => m.labels['ready'] === 'never', shared));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1000);
    controller.abort(new Error('gave up'));
    expect((await Promise.allSettled(pending)).every((r) => r.status === 'rejected')).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await vi.waitFor(() => expect(openWatches()).toBe(0), WAIT);
  });

  it('removes its own abort listener when the subscriber leaves before the signal fires', async () => {
    const v = volume({ labels: { n: '0' } });
    const controller = new AbortController();
    for (let i = 0; i < 100; i++) {
      const subscription = watchPodMetadata({ spec: labelsOnly, env: {}, volume: v.directory, ...FAST, signal: controller.signal }).subscribe(() => {});
      subscription.unsubscribe();
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(openWatches()).toBe(0);
  });
});

describe('without RxJS', () => {
  it('iterates snapshots with for await, and closes the watch on break', async () => {
    const v = volume({ labels: { n: '0' } });
    await noWatchers();
    const seen: string[] = [];
    for await (const meta of iteratePodMetadata({ spec: labelsOnly, env: {}, volume: v.directory, ...FAST })) {
      seen.push(meta.labels['n'] ?? '');
      if (seen.length === 3) break;
      v.update({ labels: { n: String(seen.length) } });
    }
    expect(seen).toEqual(['0', '1', '2']);
    await noWatchers();
  });

  it('resolves the first snapshot matching a predicate, and rejects on abort', async () => {
    const v = volume({ labels: { ready: 'false' } });
    const options = { spec: labelsOnly, env: {}, volume: v.directory, ...FAST };
    const ready = waitForPodMetadata((m) => m.labels['ready'] === 'true', options);
    v.update({ labels: { ready: 'true' } });
    await expect(ready).resolves.toMatchObject({ labels: { ready: 'true' } });

    const controller = new AbortController();
    const never = waitForPodMetadata((m) => m.labels['ready'] === 'never', { ...options, signal: controller.signal });
    controller.abort(new Error('gave up'));
    await expect(never).rejects.toThrow('gave up');
  });
});
