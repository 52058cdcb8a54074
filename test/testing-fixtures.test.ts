// The committed volume fixtures are exactly what fixtures/volumes/generate.mjs writes with the built testing kit.
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const committed = join(root, 'fixtures', 'volumes');
const fixtures = ['seed', 'last-applied-configuration', 'escapes', 'unicode', 'empty-maps', 'nested-items'];
let regenerated: string;

beforeAll(() => {
  regenerated = mkdtempSync(join(tmpdir(), 'kube-downward-fixtures-'));
  execFileSync(process.execPath, [join(committed, 'generate.mjs'), regenerated], { stdio: 'pipe' });
});

afterAll(() => {
  rmSync(regenerated, { recursive: true, force: true });
});

/** Every entry under a directory, links not followed: `link -> target`, `file <bytes in hex>`, or `dir/`. */
function tree(dir: string, prefix = ''): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      const entry = lstatSync(path);
      if (entry.isSymbolicLink()) return [`${prefix}${name} -> ${readlinkSync(path)}`];
      if (entry.isDirectory()) return [`${prefix}${name}/`, ...tree(path, `${prefix}${name}/`)];
      return [`${prefix}${name} ${readFileSync(path).toString('hex')}`];
    });
}

describe('fixtures/volumes', () => {
  it('holds every fixture the generator writes, and nothing else', () => {
    expect(readdirSync(regenerated).sort()).toEqual([...fixtures].sort());
    expect(readdirSync(committed).sort()).toEqual([...fixtures, 'README.md', 'generate.mjs'].sort());
  });

  it.each(fixtures)('%s regenerates to the committed tree', (name) => {
    expect(tree(join(regenerated, name))).toEqual(tree(join(committed, name)));
  });

  it('are in the kubelet layout', () => {
    const seed = join(committed, 'seed');
    expect(readlinkSync(join(seed, '..data'))).toBe('..2026_11_26_09_21_53.2889837243');
    expect(readFileSync(join(seed, 'annotations'), 'utf8')).toBe(
      'key1="value1"\nkey2="multi\\nline\\nvalue\\n"\n' +
        'kubernetes.io/config.seen="2026-11-26T09:21:53.288983724Z"\nkubernetes.io/config.source="api"',
    );
    expect(readFileSync(join(seed, 'containerCpuRequestMilliCores'), 'utf8')).toBe('15');
    expect(readFileSync(join(seed, 'containerMemoryLimitBytes'), 'utf8')).toBe('4194304');
    expect(lstatSync(join(committed, 'empty-maps', 'labels')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(committed, 'empty-maps', 'annotations'))).toHaveLength(0);
    expect(readlinkSync(join(committed, 'nested-items', 'sub'))).toBe('..data/sub');
    expect(readFileSync(join(committed, 'last-applied-configuration', 'annotations')).length).toBeGreaterThan(20_000);
  });
});
