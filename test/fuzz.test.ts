// Fuzzing the labels/annotations parser and the volume reader with arbitrary file contents: either a value or a
// DownwardApiError that names where the text is at fault, never another exception.
import fc from 'fast-check';
import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { DownwardApiError } from '../src/errors.js';
import { parseDownwardMap } from '../src/format/downward-map.js';
import { readPodMetadata, readPodMetadataSync } from '../src/sources/read.js';
import type { VolumeFileSystem } from '../src/sources/volume.js';
import { seedEnv } from './support.js';

// Text made mostly of what the format is built from, so that the parser's every branch is reached.
const piece = fc.oneof(
  fc.constantFrom('=', '"', '\\', '\n', '\r', 'key', 'a.b/c', 'x', '\\x', '\\u00', '\\U0001', '\\n', '\\"', '\\\\', '\ufeff', '\u2028', '\0', ' ', '\t'),
  fc.string({ maxLength: 4 }),
  fc.string({ maxLength: 2, unit: 'grapheme' }),
);
const text = fc.array(piece, { maxLength: 40 }).map((parts) => parts.join(''));

function outcome(run: () => unknown): 'value' | DownwardApiError {
  try {
    run();
    return 'value';
  } catch (error) {
    if (error instanceof DownwardApiError) return error;
    throw error;
  }
}

describe('parseDownwardMap on arbitrary text', () => {
  it.each(['labels', 'annotations'] as const)('gives a map or an INVALID_MAP error that points into the text (%s)', (keys) => {
    fc.assert(
      fc.property(text, (input) => {
        const result = outcome(() => parseDownwardMap(input, { keys, path: '/v/map' }));
        if (result === 'value') return;
        expect(result.code).toBe('INVALID_MAP');
        const lines = input.split('\n');
        for (const p of result.problems) {
          expect(p.value === undefined || p.value.length <= 80).toBe(true);
          if (p.source.kind !== 'file' || p.source.line === undefined) continue;
          expect(p.source.line).toBeGreaterThanOrEqual(1);
          expect(p.source.line).toBeLessThanOrEqual(lines.length);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('the volume reader on arbitrary file contents', () => {
  const bytes = fc.oneof(text.map((t) => new TextEncoder().encode(t)), fc.uint8Array({ maxLength: 64 }));
  const files = fc.record({
    podName: bytes,
    podNamespace: bytes,
    labels: bytes,
    annotations: bytes,
    containerCpuRequestMilliCores: bytes,
    containerMemoryLimitBytes: bytes,
  });

  it('gives a snapshot or a DownwardApiError, sync and async alike', async () => {
    await fc.assert(
      fc.asyncProperty(files, async (contents) => {
        const { fs } = memfs({});
        fs.mkdirSync('/etc/downward/..2026_11_26_09_21_53.1', { recursive: true });
        for (const [name, data] of Object.entries(contents)) fs.writeFileSync(`/etc/downward/..2026_11_26_09_21_53.1/${name}`, data);
        fs.symlinkSync('..2026_11_26_09_21_53.1', '/etc/downward/..data');
        const options = { env: seedEnv, fs: fs as unknown as VolumeFileSystem };
        const sync = outcome(() => readPodMetadataSync(options));
        const async = await readPodMetadata(options).then(
          () => 'value' as const,
          (error: unknown) => (error instanceof DownwardApiError ? error : Promise.reject(error)),
        );
        expect(async === 'value' ? 'value' : async.problems).toEqual(sync === 'value' ? 'value' : sync.problems);
      }),
      { numRuns: 100 },
    );
  });
});
