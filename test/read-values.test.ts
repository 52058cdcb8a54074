// Values read from the volume are checked as the API server checks them: label values of the labels file, and
// resources given twice by the same kind of source. An env var and a file of one resource need not agree (resize).
import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { readPodMetadataSync } from '../src/sources/read.js';
import { defineSpec } from '../src/spec/spec.js';
import type { VolumeFileSystem } from '../src/sources/volume.js';
import { failure } from './support.js';

/** A volume in memfs, whose `fs` is a VolumeFileSystem as it is (no cast). */
function volume(files: Record<string, string>): VolumeFileSystem {
  const { fs } = memfs({});
  for (const [path, text] of Object.entries(files)) {
    fs.mkdirSync(`/etc/downward/..2026_11_26_09_21_53.1/${path}/..`, { recursive: true });
    fs.writeFileSync(`/etc/downward/..2026_11_26_09_21_53.1/${path}`, text);
  }
  fs.symlinkSync('..2026_11_26_09_21_53.1', '/etc/downward/..data');
  return fs;
}

const labelsSpec = defineSpec({ env: [], volume: { mountPath: '/etc/downward', items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } });

describe('label values of the labels file', () => {
  it('are checked like label values anywhere: at most 63 characters of the label shape', () => {
    const long = 'x'.repeat(64);
    const error = failure(() =>
      readPodMetadataSync({ spec: labelsSpec, env: {}, fs: volume({ labels: `app="web"\nfoo="has space"\nlong="${long}"\nok="${'y'.repeat(63)}"` }) }),
    );
    expect(error.problems.map((p) => [p.code, p.source, p.value])).toEqual([
      ['INVALID_LABEL_VALUE', { kind: 'file', path: '/etc/downward/labels', line: 2, column: 5 }, 'has space'],
      ['INVALID_LABEL_VALUE', { kind: 'file', path: '/etc/downward/labels', line: 3, column: 6 }, long],
    ]);
    expect(error.problems[0]?.rule).toContain('at most 63 characters');
  });

  it('may be empty, and annotation values are free text', () => {
    const spec = defineSpec({
      env: [],
      volume: {
        mountPath: '/etc/downward',
        items: [
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
        ],
      },
    });
    const meta = readPodMetadataSync({ spec, env: {}, fs: volume({ labels: 'empty=""', annotations: 'note="has space, and is long: ' + 'z'.repeat(100) + '"' }) });
    expect(meta.labels['empty']).toBe('');
    expect(meta.annotations['note']).toContain('has space');
  });
});

describe('one resource from two sources', () => {
  const cpu = (path: string, divisor: string) => ({ path, resourceFieldRef: { containerName: 'main', resource: 'requests.cpu', divisor } });

  it('must overlap when both are files of one generation', () => {
    const spec = defineSpec({ env: [], volume: { mountPath: '/etc/downward', items: [cpu('cpu-m', '1m'), cpu('cpu', '1')] } });
    expect(readPodMetadataSync({ spec, env: {}, fs: volume({ 'cpu-m': '250', cpu: '1' }) }).resources['requests.cpu']?.millicores).toBe(250n);
    const error = failure(() => readPodMetadataSync({ spec, env: {}, fs: volume({ 'cpu-m': '2500', cpu: '1' }) }));
    expect(error.problems.map((p) => [p.code, p.source])).toEqual([['CONFLICT', { kind: 'file', path: '/etc/downward/cpu' }]]);
  });

  it('is taken from the file when the env var (fixed at container start) disagrees, as after an in-place resize', () => {
    const spec = defineSpec({
      env: [{ name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } }],
      volume: { mountPath: '/etc/downward', items: [cpu('cpu', '1m')] },
    });
    expect(readPodMetadataSync({ spec, env: { CPU: '999' }, fs: volume({ cpu: '15' }) }).resources['requests.cpu']?.millicores).toBe(15n);
  });
});
