// The committed fixture volumes (kubelet layout, from git) read by the reader on the real file system.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatDownwardMap } from '../src/format/downward-map.js';
import { readPodMetadata, readPodMetadataSync } from '../src/sources/read.js';
import { defineSpec } from '../src/spec/spec.js';
import { seedEnv } from './support.js';

const volumes = fileURLToPath(new URL('../fixtures/volumes/', import.meta.url));
const mapsOnly = defineSpec({
  env: [],
  volume: {
    mountPath: '/unused',
    items: [
      { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
      { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
    ],
  },
});

describe('fixture volumes', () => {
  it('seed: the README pod, env and volume merged', async () => {
    const meta = await readPodMetadata({ env: seedEnv, volume: join(volumes, 'seed') });
    expect(meta.name).toBe('downward');
    expect({ ...meta.labels }).toEqual({ foo: 'bar' });
    expect({ ...meta.annotations }).toEqual({
      key1: 'value1',
      key2: 'multi\nline\nvalue\n',
      'kubernetes.io/config.seen': '2026-11-26T09:21:53.288983724Z',
      'kubernetes.io/config.source': 'api',
    });
    expect(meta.resources['requests.cpu']?.millicores).toBe(15n);
    expect(meta.resources['limits.memory']?.bytes).toBe(4194304n);
  });

  it.each(['seed', 'escapes', 'unicode', 'empty-maps', 'last-applied-configuration'])(
    '%s: labels and annotations parse, and format back to the same bytes',
    (name) => {
      const meta = readPodMetadataSync({ spec: mapsOnly, env: {}, volume: join(volumes, name) });
      for (const field of ['labels', 'annotations'] as const) {
        const text = readFileSync(join(volumes, name, field), 'utf8');
        expect(formatDownwardMap(meta[field], { keys: field })).toBe(text);
      }
    },
  );

  it('last-applied-configuration: the JSON annotation survives intact', () => {
    const meta = readPodMetadataSync({ spec: mapsOnly, env: {}, volume: join(volumes, 'last-applied-configuration') });
    const json = meta.annotations['kubectl.kubernetes.io/last-applied-configuration'] ?? '';
    expect(json.length).toBeGreaterThan(20_000);
    expect(() => JSON.parse(json)).not.toThrow();
  });

  it('escapes: a leading U+FEFF and control characters are kept', () => {
    const meta = readPodMetadataSync({ spec: mapsOnly, env: {}, volume: join(volumes, 'escapes') });
    const values = Object.values(meta.annotations).join('');
    expect(Object.values(meta.annotations).some((v) => v.startsWith('\uFEFF'))).toBe(true);
    expect(values).toContain('\u2028');
    expect(values).toContain('\x00');
  });

  it('nested-items: nested paths, single keys, missing keys and resources', () => {
    const spec = defineSpec({
      env: [],
      volume: {
        mountPath: '/unused',
        items: [
          { path: 'podUid', fieldRef: { fieldPath: 'metadata.uid' } },
          { path: 'app', fieldRef: { fieldPath: "metadata.labels['app']" } },
          { path: 'missing-label', fieldRef: { fieldPath: "metadata.labels['absent']" } },
          { path: 'team', fieldRef: { fieldPath: "metadata.annotations['example.com/team']" } },
          { path: 'info/name', fieldRef: { fieldPath: 'metadata.name' } },
          { path: 'info/labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'sub/dir/cpu', resourceFieldRef: { containerName: 'main', resource: 'limits.cpu', divisor: '1m' } },
          { path: 'sub/dir/memory', resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1Mi' } },
        ],
      },
    });
    const meta = readPodMetadataSync({ spec, env: {}, volume: join(volumes, 'nested-items') });
    expect(meta.name).toBe('nested-0');
    expect(meta.labels['absent']).toBe('');
    expect(meta.labels['app']).toBe(readFileSync(join(volumes, 'nested-items', 'app'), 'utf8'));
    expect(meta.resources['limits.cpu']?.millicores).toBe(500n);
    expect(meta.resources['limits.memory']?.bytes).toBe(2802n * 1024n * 1024n);
    expect(readdirSync(join(volumes, 'nested-items')).sort()).toEqual(
      ['..2026_11_26_09_21_53.2889837243', '..data', 'app', 'config-seen', 'info', 'missing-label', 'podUid', 'sub', 'team'].sort(),
    );
  });
});
