// Reads during back-to-back generation swaps made by another process, in both switch orders: no read fails and no
// snapshot mixes two generations. `npm run soak` runs the same race with 10,000 swaps and prints its figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { race } from '../bench/swap-race.js';
import { readPodMetadata, readPodMetadataSync } from '../src/sources/read.js';

const root = mkdtempSync(join(tmpdir(), 'kd-swaps-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('reads during back-to-back swaps from another process', () => {
  for (const order of ['rename', 'relink'] as const) {
    it(`never fail and never mix generations (${order} order)`, async () => {
      const stats = await race({ dir: join(root, order), order, swaps: 300, readSync: readPodMetadataSync, read: readPodMetadata });
      expect(stats.firstFailure).toBeUndefined();
      expect([stats.failed, stats.mixed]).toEqual([0, 0]);
      // The race was real: both readers ran many times and saw many generations go by.
      expect(stats.sync).toBeGreaterThan(10);
      expect(stats.async).toBeGreaterThan(10);
      expect(stats.generations).toBeGreaterThan(10);
    });
  }
});
