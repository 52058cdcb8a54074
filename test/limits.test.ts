// The default file bound admits the largest file the kubelet writes for a valid pod.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_FILE_BYTES, readPodMetadataSync } from '../src/sources/read.js';
import { defineSpec } from '../src/spec/spec.js';
import { createDownwardVolume, type DownwardVolume } from '../src/testing/index.js';

const BUDGET = 262_144; // keys plus values of all annotations, as the API server validates them
const ONE_BYTE_KEYS = [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'];

/** Annotations using the whole budget in the form that quotes largest: 62 one-byte keys, values of \x01. */
function worstAnnotations(): Record<string, string> {
  const valueBytes = BUDGET - ONE_BYTE_KEYS.length;
  return Object.fromEntries(
    ONE_BYTE_KEYS.map((key, i) => {
      const share = Math.floor(valueBytes / ONE_BYTE_KEYS.length) + (i < valueBytes % ONE_BYTE_KEYS.length ? 1 : 0);
      return [key, '\x01'.repeat(share)];
    }),
  );
}

let volume: DownwardVolume | undefined;
afterEach(() => volume?.remove());

describe('the default maxFileBytes', () => {
  it('reads the largest annotations file of a valid pod', () => {
    const annotations = worstAnnotations();
    const total = Object.entries(annotations).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    expect(total).toBe(BUDGET);
    const configSeen = '2026-11-26T09:21:53.288983724+05:30';
    volume = createDownwardVolume({
      pod: { annotations },
      configSeen,
      items: [{ path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }],
    });
    const file = join(volume.directory, 'annotations');
    // 62 x (1 + 3) + 4 x (262,144 - 62) for the pod's own, then config.seen (63), config.source="api" (33),
    // and 63 newlines between 64 lines.
    expect(statSync(file).size).toBe(1_048_576 + 63 + 33 + 63);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toMatch(/^0="(\\x01)+"$/);
    expect(statSync(file).size).toBeLessThanOrEqual(DEFAULT_MAX_FILE_BYTES);

    const spec = defineSpec({
      env: [],
      volume: { mountPath: volume.directory, items: [{ path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }] },
    });
    const meta = readPodMetadataSync({ spec, env: {}, volume: volume.directory });
    expect({ ...meta.annotations }).toEqual({
      ...annotations,
      'kubernetes.io/config.seen': configSeen,
      'kubernetes.io/config.source': 'api',
    });
  });

  it('is above the bound worked out in read.ts, static pods’ config.hash and config.source="file" included', () => {
    const own = ONE_BYTE_KEYS.length * 4 + 4 * (BUDGET - ONE_BYTE_KEYS.length);
    const kubelet = [
      'kubernetes.io/config.seen="2026-11-26T09:21:53.288983724+05:30"',
      'kubernetes.io/config.source="file"',
      `kubernetes.io/config.hash="${'0'.repeat(32)}"`,
    ].reduce((sum, line) => sum + line.length, 0);
    const newlines = ONE_BYTE_KEYS.length + 3 - 1;
    expect(own + kubelet + newlines).toBe(1_048_797);
    expect(DEFAULT_MAX_FILE_BYTES).toBeGreaterThanOrEqual(1_048_797);
  });
});
