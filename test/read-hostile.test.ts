// The volume reader against hostile volumes on a real file system: pseudo files, FIFOs, devices, sockets, files
// that grow between fstat and read, and links that lead out of the volume. Each read must return (not hang, not read
// without end) with a coded problem, and never copy what lies outside the volume into its error.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isDownwardApiError, type DownwardApiError } from '../src/errors.js';
import { DEFAULT_MAX_FILE_BYTES, readPodMetadata, readPodMetadataSync, type ReadPodMetadataOptions } from '../src/sources/read.js';
import { readVolume, runAsync, runSync, type VolumeFileSystem } from '../src/sources/volume.js';
import { defineSpec } from '../src/spec/spec.js';
import { intercept } from './intercept-fs.js';

const GENERATION = '..2026_11_26_09_21_53.2889837243';
const labelsSpec = defineSpec({ env: [], volume: { mountPath: '/etc/downward', items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } });
const nestedSpec = defineSpec({ env: [], volume: { mountPath: '/etc/downward', items: [{ path: 'sub/labels', fieldRef: { fieldPath: 'metadata.labels' } }] } });

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(join(tmpdir(), 'kd-hostile-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let count = 0;
/** A volume in the kubelet's layout; `entries` are created inside the generation directory by the caller. */
function volume(make: (generation: string) => void = (g) => fs.writeFileSync(join(g, 'labels'), 'app="web"')): string {
  const dir = join(root, `v${++count}`);
  const generation = join(dir, GENERATION);
  fs.mkdirSync(generation, { recursive: true });
  make(generation);
  fs.symlinkSync(GENERATION, join(dir, '..data'));
  fs.symlinkSync('..data/labels', join(dir, 'labels'));
  return dir;
}

/** The DownwardApiError both readers throw for the same volume, checked to be alike. */
async function bothFail(options: ReadPodMetadataOptions): Promise<DownwardApiError> {
  const caught = (error: unknown): DownwardApiError => {
    if (isDownwardApiError(error)) return error;
    throw error;
  };
  let sync: DownwardApiError | undefined;
  try {
    readPodMetadataSync({ spec: labelsSpec, env: {}, ...options });
  } catch (error) {
    sync = caught(error);
  }
  const async = await readPodMetadata({ spec: labelsSpec, env: {}, ...options }).then(
    () => undefined,
    (error: unknown) => caught(error),
  );
  if (sync === undefined || async === undefined) throw new Error('expected both readers to fail');
  expect(async.problems).toEqual(sync.problems);
  return sync;
}

const codes = (error: DownwardApiError) => error.problems.map((p) => [p.code, p.source.kind === 'file' ? p.source.path : '']);

describe('bounded: only a regular file is read, and never much more than maxFileBytes of it', () => {
  it('reads a size-0 pseudo file only up to the bound (/proc/self/pagemap)', async () => {
    const spec = defineSpec({ env: [], volume: { mountPath: '/proc/self', items: [{ path: 'pagemap', fieldRef: { fieldPath: 'metadata.labels' } }] } });
    const error = await bothFail({ spec, volume: '/proc/self' });
    expect(codes(error)).toEqual([['FILE_TOO_LARGE', '/proc/self/pagemap']]);
    expect(error.problems[0]?.rule).toBe(`at most ${DEFAULT_MAX_FILE_BYTES} bytes (it has more than that, though its size said 0)`);
  });

  it('asks a pseudo file for no more than maxFileBytes + 1 bytes, rounded up to a multiple of 8 (/proc/self/pagemap)', async () => {
    const spec = defineSpec({ env: [], volume: { mountPath: '/proc/self', items: [{ path: 'pagemap', fieldRef: { fieldPath: 'metadata.labels' } }] } });
    for (const maxFileBytes of [1000, 4093, 100_000]) {
      let asked = 0;
      const counting = {
        ...fs,
        readSync: (fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null) => {
          asked += length;
          return fs.readSync(fd, buffer, offset, length, position);
        },
      } as unknown as VolumeFileSystem;
      const error = await bothFail({ spec, volume: '/proc/self', maxFileBytes, fs: counting });
      expect(codes(error)).toEqual([['FILE_TOO_LARGE', '/proc/self/pagemap']]);
      expect(asked).toBeGreaterThan(maxFileBytes);
      expect(asked).toBeLessThanOrEqual(Math.ceil((maxFileBytes + 1) / 8) * 8);
    }
  });

  it('refuses a FIFO without waiting for a writer', async () => {
    const dir = volume((g) => execFileSync('mkfifo', [join(g, 'labels')]));
    const error = await bothFail({ volume: dir });
    expect(codes(error)).toEqual([['VOLUME_UNREADABLE', join(dir, 'labels')]]);
    expect(error.problems[0]?.rule).toBe('a regular file (it is a FIFO)');
  });

  it('refuses a character device (/dev/zero)', async () => {
    const spec = defineSpec({ env: [], volume: { mountPath: '/dev', items: [{ path: 'zero', fieldRef: { fieldPath: 'metadata.labels' } }] } });
    const error = await bothFail({ spec, volume: '/dev' });
    expect(error.problems.map((p) => [p.code, p.rule])).toEqual([['VOLUME_UNREADABLE', 'a regular file (it is a character device)']]);
  });

  it('refuses a directory where a file should be', async () => {
    const dir = volume((g) => fs.mkdirSync(join(g, 'labels')));
    const error = await bothFail({ volume: dir });
    expect(error.problems.map((p) => [p.code, p.rule])).toEqual([['VOLUME_UNREADABLE', 'a regular file (it is a directory)']]);
  });

  describe('a socket', () => {
    let server: Server | undefined;
    afterEach(() => server?.close());

    it('is refused', async () => {
      const dir = volume();
      const socket = join(dir, GENERATION, 'labels');
      fs.rmSync(socket);
      server = createServer();
      await new Promise<void>((resolve) => server?.listen(socket, resolve));
      const error = await bothFail({ volume: dir });
      expect(codes(error)).toEqual([['VOLUME_UNREADABLE', join(dir, 'labels')]]);
      expect(error.problems[0]?.rule).toMatch(/^a regular file \(it is a socket/);
    });
  });

  const HUGE = 400 * 1024 * 1024;

  it('stops at the bound when the file grows to 400 MiB between fstat and read', async () => {
    for (const run of ['sync', 'async'] as const) {
      const dir = volume();
      const file = join(dir, GENERATION, 'labels');
      const growing = intercept(fs, (call, path) => {
        if (call === 'read' && path === file && fs.statSync(file).size < HUGE) fs.truncateSync(file, HUGE); // sparse: no disk used
      });
      const options = { spec: labelsSpec, env: {}, volume: dir, fs: growing };
      const error = await (run === 'sync' ? Promise.resolve().then(() => readPodMetadataSync(options)) : readPodMetadata(options)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isDownwardApiError(error) && error.problems.map((p) => [p.code, p.rule])).toEqual([
        ['FILE_TOO_LARGE', `at most ${DEFAULT_MAX_FILE_BYTES} bytes (it has more than that, though its size said 9)`],
      ]);
    }
  });

  it('reads the file it opened when a 400 MiB file is renamed over it before the read', async () => {
    for (const run of ['sync', 'async'] as const) {
      const dir = volume();
      const file = join(dir, GENERATION, 'labels');
      const swapping = intercept(fs, (call, path) => {
        if (call === 'fstat' && path === file) {
          fs.writeFileSync(`${file}.big`, '');
          fs.truncateSync(`${file}.big`, HUGE);
          fs.renameSync(`${file}.big`, file);
        }
      });
      const options = { spec: labelsSpec, env: {}, volume: dir, fs: swapping };
      const meta = run === 'sync' ? readPodMetadataSync(options) : await readPodMetadata(options);
      expect({ ...meta.labels }).toEqual({ app: 'web' });
    }
  });

  it('refuses a file whose size is over the bound without reading it', async () => {
    const dir = volume((g) => {
      fs.writeFileSync(join(g, 'labels'), '');
      fs.truncateSync(join(g, 'labels'), HUGE);
    });
    const reads: string[] = [];
    const error = await bothFail({ volume: dir, fs: intercept(fs, (call, path) => call === 'read' && reads.push(path)) });
    expect(error.problems.map((p) => [p.code, p.rule])).toEqual([['FILE_TOO_LARGE', `at most ${DEFAULT_MAX_FILE_BYTES} bytes (it has ${HUGE})`]]);
    expect(reads).toEqual([]);
  });
});

describe('confined: nothing outside the volume is read', () => {
  it('refuses ..data pointing outside the volume, and reports none of what is there', async () => {
    const dir = join(root, `v${++count}`);
    fs.mkdirSync(join(root, 'outside'), { recursive: true });
    fs.writeFileSync(join(root, 'outside', 'labels'), 'secret="outside-the-volume-7f3a"\nbroken');
    fs.mkdirSync(dir);
    fs.symlinkSync('../outside', join(dir, '..data'));
    fs.symlinkSync('..data/labels', join(dir, 'labels'));
    const error = await bothFail({ volume: dir });
    expect(error.problems.map((p) => [p.code, p.source, p.value])).toEqual([['UNSAFE_LINK', { kind: 'file', path: join(dir, '..data') }, '../outside']]);
    expect(error.message).not.toContain('outside-the-volume-7f3a');
    expect(error.problems[0]?.hint).toContain('not written by the kubelet');
  });

  it('refuses an absolute ..data target as escaping, instead of joining it under the volume', async () => {
    const dir = join(root, `v${++count}`);
    fs.mkdirSync(join(dir, 'etc'), { recursive: true });
    fs.symlinkSync('/etc', join(dir, '..data'));
    const error = await bothFail({ volume: dir });
    expect(error.problems.map((p) => [p.code, p.value])).toEqual([['UNSAFE_LINK', '/etc']]);
  });

  it('refuses ..data naming a link to a directory elsewhere, or a file', async () => {
    for (const make of [(d: string) => fs.symlinkSync('/etc', join(d, '..gen')), (d: string) => fs.writeFileSync(join(d, '..gen'), 'x')]) {
      const dir = join(root, `v${++count}`);
      fs.mkdirSync(dir);
      make(dir);
      fs.symlinkSync('..gen', join(dir, '..data'));
      const error = await bothFail({ volume: dir });
      expect(error.problems.map((p) => p.code)).toEqual(['UNSAFE_LINK']);
      expect(error.problems[0]?.rule).toMatch(/\(it names a (link|regular file)\)$/);
    }
  });

  it('refuses items linked to /etc/passwd, /proc/self/pagemap or /dev/zero without opening them', async () => {
    for (const target of ['/etc/passwd', '/proc/self/pagemap', '/dev/zero']) {
      const dir = volume((g) => fs.symlinkSync(target, join(g, 'labels')));
      const opened: string[] = [];
      const error = await bothFail({ volume: dir, fs: intercept(fs, (call, path) => call === 'fstat' && opened.push(path)) });
      expect(error.problems.map((p) => [p.code, p.value, p.rule])).toEqual([
        ['UNSAFE_LINK', target, `a regular file inside the generation ${GENERATION}, reached without following a link`],
      ]);
      expect(error.message).not.toContain('root:');
      expect(opened).toEqual([]);
    }
  });

  it('refuses a nested item whose directory is a link out of the generation', async () => {
    const dir = volume((g) => fs.symlinkSync('/etc', join(g, 'sub')));
    const error = await bothFail({ spec: nestedSpec, volume: dir });
    expect(error.problems.map((p) => [p.code, p.source, p.value])).toEqual([['UNSAFE_LINK', { kind: 'file', path: join(dir, 'sub/labels') }, '/etc']]);
  });

  it('refuses a link in a plain directory', async () => {
    const dir = join(root, `v${++count}`);
    fs.mkdirSync(dir);
    fs.symlinkSync('/etc/hostname', join(dir, 'labels'));
    const error = await bothFail({ volume: dir });
    expect(error.problems.map((p) => [p.code, p.rule])).toEqual([['UNSAFE_LINK', 'a regular file inside the volume directory, reached without following a link']]);
  });

  it('never puts the content of /proc/self/environ in an error, even with a secret in the env', () => {
    const dir = volume((g) => fs.symlinkSync('/proc/self/environ', join(g, 'labels')));
    const plain = join(root, `v${++count}`);
    fs.mkdirSync(plain);
    fs.symlinkSync('/proc/self/environ', join(plain, 'labels'));
    const secret = 'kd-secret-6c1e0f2b9a';
    const script = `
      import { readPodMetadata, readPodMetadataSync, defineSpec } from './dist/index.js';
      const spec = defineSpec(${JSON.stringify(labelsSpec)});
      const out = [];
      for (const volume of process.argv.slice(1)) {
        try { readPodMetadataSync({ spec, env: {}, volume }); } catch (error) { out.push(String(error.stack), JSON.stringify(error.problems)); }
        await readPodMetadata({ spec, env: {}, volume }).catch((error) => out.push(String(error.stack), JSON.stringify(error.problems)));
      }
      process.stdout.write(out.join('\\n'));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, dir, plain], {
      cwd: new URL('..', import.meta.url),
      env: { PATH: process.env['PATH'], KD_SECRET: secret },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.stdout.match(/UNSAFE_LINK/g)?.length).toBeGreaterThanOrEqual(4);
    expect(run.stdout).not.toContain(secret);
    expect(run.stdout).not.toContain('KD_SECRET');
  });
});

describe('swaps and flips met during a read', () => {
  it('waits out a remove-then-relink switch (..data missing for a moment) instead of reporting items missing', async () => {
    for (const run of ['sync', 'async'] as const) {
      const dir = volume();
      let relinked = false;
      const switching = intercept(fs, (call, path) => {
        if (call === 'readlink' && path === join(dir, '..data') && !relinked && !fs.existsSync(join(dir, '..data_tmp'))) {
          // The Windows order: ..data_tmp made, ..data removed; the reader meets this state once.
          fs.symlinkSync(GENERATION, join(dir, '..data_tmp'));
          fs.unlinkSync(join(dir, '..data'));
        } else if (call === 'readlink' && path === join(dir, 'labels') && !relinked) {
          relinked = true;
          fs.symlinkSync(GENERATION, join(dir, '..data'));
          fs.unlinkSync(join(dir, '..data_tmp'));
        }
      });
      const options = { spec: labelsSpec, env: {}, volume: dir, fs: switching };
      const meta = run === 'sync' ? readPodMetadataSync(options) : await readPodMetadata(options);
      expect({ ...meta.labels }).toEqual({ app: 'web' });
      expect(relinked).toBe(true);
    }
  });

  it('names a switch that never finishes, once its time budget is spent', async () => {
    const dir = volume();
    fs.unlinkSync(join(dir, '..data'));
    const items = labelsSpec.volume?.items ?? [];
    for (const result of [
      runSync(readVolume(dir, items, { maxFileBytes: 1024, swapBudgetMs: 40 }), fs as VolumeFileSystem),
      await runAsync(readVolume(dir, items, { maxFileBytes: 1024, swapBudgetMs: 40 }), fs as VolumeFileSystem),
    ]) {
      expect(result.present && result.problems.map((p) => [p.code, p.source])).toEqual([['VOLUME_UNREADABLE', { kind: 'file', path: dir }]]);
      expect(result.present && result.problems[0]?.hint).toContain('..data stayed missing for 40 ms');
    }
  });

  it('names a generation that vanished while ..data still points to it, once, instead of every item as missing', async () => {
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
    for (const run of ['sync', 'async'] as const) {
      const dir = volume((g) => fs.writeFileSync(join(g, 'annotations'), ''));
      const vanishing = intercept(fs, (call) => {
        if (call === 'open') fs.rmSync(join(dir, GENERATION), { recursive: true, force: true });
      });
      const options = { spec, env: {}, volume: dir, fs: vanishing };
      const outcome = await (run === 'sync' ? Promise.resolve().then(() => readPodMetadataSync(options)) : readPodMetadata(options)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isDownwardApiError(outcome) && outcome.problems.map((p) => [p.code, p.source, p.value])).toEqual([
        ['MISSING', { kind: 'file', path: join(dir, '..data') }, GENERATION],
      ]);
    }
  });

  it('reports, never throws, when the volume turns into a file mid-read', async () => {
    for (const run of ['sync', 'async'] as const) {
      const dir = volume();
      const flipping = intercept(fs, (call, path) => {
        if (call === 'open' && path.endsWith('/labels') && fs.statSync(dir).isDirectory()) {
          fs.rmSync(dir, { recursive: true });
          fs.writeFileSync(dir, 'now a file');
        }
      });
      const options = { spec: labelsSpec, env: {}, volume: dir, fs: flipping };
      const outcome = await (run === 'sync' ? Promise.resolve().then(() => readPodMetadataSync(options)) : readPodMetadata(options)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isDownwardApiError(outcome) && outcome.problems.map((p) => [p.code, p.rule])).toEqual([['VOLUME_UNREADABLE', 'readable (ENOTDIR)']]);
    }
  });
});

describe('permissions, for a user that file modes apply to', () => {
  it('reports a file or generation it may not read, with the errno code and a hint about modes', () => {
    fs.chmodSync(root, 0o755);
    const unreadableFile = volume();
    fs.chmodSync(join(unreadableFile, GENERATION, 'labels'), 0o600);
    const closedGeneration = volume();
    fs.chmodSync(join(closedGeneration, GENERATION), 0o700);
    const script = `
      import { readPodMetadataSync, readPodMetadata, defineSpec } from './dist/index.js';
      const spec = defineSpec(${JSON.stringify(labelsSpec)});
      const out = [];
      for (const volume of process.argv.slice(1)) {
        try { readPodMetadataSync({ spec, env: {}, volume }); out.push('read'); } catch (error) { out.push(error.problems); }
        out.push(await readPodMetadata({ spec, env: {}, volume }).then(() => 'read', (error) => error.problems));
      }
      process.stdout.write(JSON.stringify(out));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, unreadableFile, closedGeneration], {
      cwd: new URL('..', import.meta.url),
      env: { PATH: process.env['PATH'] },
      encoding: 'utf8',
      ...(process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}),
    });
    expect(run.stderr).toBe('');
    const results = JSON.parse(run.stdout) as { code: string; source: { path: string }; rule: string; hint: string }[][];
    expect(results.map((problems) => problems.map((p) => [p.code, p.source.path, p.rule]))).toEqual([
      [['VOLUME_UNREADABLE', join(unreadableFile, 'labels'), 'readable (EACCES)']],
      [['VOLUME_UNREADABLE', join(unreadableFile, 'labels'), 'readable (EACCES)']],
      [['VOLUME_UNREADABLE', join(closedGeneration, 'labels'), 'readable (EACCES)']],
      [['VOLUME_UNREADABLE', join(closedGeneration, 'labels'), 'readable (EACCES)']],
    ]);
    expect(results[0]?.[0]?.hint).toContain('file modes');
  });
});

describe('the command line on a hostile volume', () => {
  it('prints the coded problems on one screen, no stack trace, and exits 1', () => {
    const dir = volume((g) => fs.symlinkSync('/etc/passwd', join(g, 'labels')));
    const spec = join(root, 'labels-spec.json');
    fs.writeFileSync(spec, JSON.stringify(labelsSpec));
    for (const command of ['show', 'check']) {
      const run = spawnSync(process.execPath, ['dist/cli/main.js', command, '--volume', dir, '--spec', spec], {
        cwd: new URL('..', import.meta.url),
        env: { PATH: process.env['PATH'] },
        encoding: 'utf8',
      });
      expect(run.status).toBe(1);
      expect(run.stdout + run.stderr).toContain('[UNSAFE_LINK]');
      expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stdout + run.stderr).not.toContain('root:');
    }
  });
});
