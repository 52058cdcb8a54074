// The testing kit's writer against the inotify events measured for the kubelet's atomic writer
// (fixtures/vectors/atomic-writer-inotify-trace.json), as a watcher of the volume directory receives them.
import { mkdtempSync, readFileSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDownwardVolume, type DownwardVolume } from '../src/testing/index.js';
import type { DownwardVolumeItem } from '../src/spec/spec.js';

interface TraceStep {
  readonly scenario: string;
  readonly op: string;
  readonly events: readonly { readonly watch: string; readonly name?: string; readonly mask: readonly string[] }[] | null;
}
const trace = JSON.parse(readFileSync(new URL('../fixtures/vectors/atomic-writer-inotify-trace.json', import.meta.url), 'utf8')) as {
  trace: TraceStep[];
};

// What fs.watch reports of an inotify event on the watched directory. libuv listens for these masks only, and
// reports 'change' when the event has no other bit than IN_ATTRIB or IN_MODIFY (IN_ISDIR counts), else 'rename'.
const WATCHED = ['IN_ATTRIB', 'IN_CREATE', 'IN_MODIFY', 'IN_DELETE', 'IN_DELETE_SELF', 'IN_MOVE_SELF', 'IN_MOVED_FROM', 'IN_MOVED_TO'];

function nodeEvent(mask: readonly string[]): 'rename' | 'change' | undefined {
  if (!mask.some((bit) => WATCHED.includes(bit))) return undefined;
  return mask.every((bit) => bit === 'IN_ATTRIB' || bit === 'IN_MODIFY') ? 'change' : 'rename';
}

/** The trace's events on the volume directory, as `type name` lines, generation names written `..<ts>`. */
function expected(scenario: string): string[] {
  return trace.trace
    .filter((step) => step.scenario === scenario)
    .flatMap((step) => step.events ?? [])
    .filter((event) => event.watch === 'volume-dir' && event.name !== undefined)
    .flatMap((event) => {
      const type = nodeEvent(event.mask);
      return type === undefined ? [] : [`${type} ${event.name}`];
    });
}

/** The kubelet creates and removes visible links in map order: only the set of a run of them is fixed. */
function normalized(events: string[]): string[] {
  const out: string[] = [];
  let links: string[] = [];
  for (const event of [...events, '']) {
    if (event !== '' && !event.split(' ')[1]?.startsWith('..')) {
      links.push(event);
      continue;
    }
    out.push(...links.sort());
    links = [];
    if (event !== '') out.push(event);
  }
  return out;
}

const field = (path: string, fieldPath: string): DownwardVolumeItem => ({ path, fieldRef: { fieldPath } });
const items: DownwardVolumeItem[] = [
  field('labels', 'metadata.labels'),
  field('annotations', 'metadata.annotations'),
  field('podName', 'metadata.name'),
  { path: 'sub/dir/cpu', mode: 0o400, resourceFieldRef: { containerName: 'main', resource: 'limits.cpu', divisor: '1m' } },
];

const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

describe('the testing kit writes what the kubelet writes, as inotify sees it', () => {
  it('on the first write, a no-op rewrite, a label update and the removal of an item', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'kube-downward-trace-'));
    cleanup.push(() => rmSync(directory, { recursive: true, force: true }));
    const seen: string[] = [];
    const watcher: FSWatcher = watch(directory, (type, name) => seen.push(`${type} ${String(name).replace(/^\.\.\d{4}(_\d\d){5}\.\d+$/, '..<ts>')}`));
    cleanup.push(() => watcher.close());

    const step = async (scenario: string, write: () => void): Promise<void> => {
      seen.length = 0;
      write();
      const want = expected(scenario);
      await vi.waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(want.length), { timeout: 5000, interval: 5 });
      // A last beat for any event beyond those expected to arrive, so that extra events fail the comparison.
      await new Promise((resolve) => setImmediate(resolve));
      expect(normalized(seen)).toEqual(normalized(want));
    };

    let volume: DownwardVolume | undefined;
    await step('1-initial-write', () => {
      volume = createDownwardVolume({ directory, items, pod: { labels: { app: 'web' } } });
    });
    expect(expected('2-noop-rewrite-same-content')).toEqual([]);
    expect(volume?.update({ labels: { app: 'web' } })).toBe(false);
    await step('3-update-labels-only', () => volume?.update({ labels: { app: 'api' } }));
    await step('4-remove-annotations-item', () => volume?.update({}, { items: items.filter((i) => i.path !== 'annotations') }));
  });
});
