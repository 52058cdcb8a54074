// rxjs is an optional peer: a consumer that installs only kube-downward (from the packed tarball, as from the
// registry) iterates, waits, runs the CLI's show, check, watch and demo, type-checks with skipLibCheck off, and gets one clear
// error from the Observable functions, which alone need rxjs.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDownwardVolume, downwardEnv, seedPod } from '../src/testing/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
let app: string;
const env = { PATH: process.env['PATH'] ?? '' };

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'kube-downward-no-rxjs-'));
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', app], { cwd: root, encoding: 'utf8' }).trim();
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
  // npm installs the dependencies (from its cache when it can) and leaves the optional peer out.
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', `./${tarball}`], { cwd: app, encoding: 'utf8' });
}, 180_000);

afterAll(() => {
  rmSync(app, { recursive: true, force: true });
});

function node(file: string, source: string): string {
  writeFileSync(join(app, file), source);
  return execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8', env, timeout: 20_000 });
}

describe('installed without rxjs', () => {
  it('has no rxjs, and no file watcher library, in the consumer', () => {
    expect(existsSync(join(app, 'node_modules', 'kube-downward', 'dist', 'rxjs.js'))).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'rxjs'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'chokidar'))).toBe(false);
  });

  it('iterates and waits for snapshots, then exits by itself', () => {
    const out = node(
      'live.mjs',
      `import { iteratePodMetadata, waitForPodMetadata } from 'kube-downward';
       import { createDownwardVolume, downwardEnv, seedPod } from 'kube-downward/testing';
       const volume = createDownwardVolume({ pod: { ...seedPod, labels: { n: '0' } } });
       const options = { env: downwardEnv(seedPod), volume: volume.directory };
       const seen = [];
       for await (const pod of iteratePodMetadata(options)) {
         seen.push(pod.labels.n);
         if (seen.length === 2) break;
         volume.update({ labels: { n: '1' } });
       }
       const ready = waitForPodMetadata((pod) => pod.labels.ready === 'true', options);
       volume.update({ labels: { n: '1', ready: 'true' } });
       seen.push((await ready).labels.ready);
       volume.remove();
       console.log(JSON.stringify(seen));`,
    );
    expect(JSON.parse(out)).toEqual(['0', '1', 'true']);
  });

  it('throws one clear error from the Observable functions, which alone need rxjs', () => {
    const out = node(
      'observable.mjs',
      `import { watchPodMetadata, watchPodMetadataEvents } from 'kube-downward/rxjs';
       const messages = [];
       for (const watch of [watchPodMetadata, watchPodMetadataEvents]) {
         try { watch(); messages.push('no error'); } catch (error) { messages.push(error.message); }
       }
       console.log(JSON.stringify(messages));`,
    );
    const messages = JSON.parse(out) as string[];
    expect(messages).toHaveLength(2);
    for (const message of messages) {
      expect(message).toContain('needs the rxjs package');
      expect(message).toContain('npm install rxjs');
    }
  });

  it.each(['show', 'check'])('runs the CLI %s', (command) => {
    const volume = createDownwardVolume({ pod: seedPod });
    try {
      const out = execFileSync(process.execPath, [join(app, 'node_modules', 'kube-downward', 'dist', 'cli', 'main.js'), command], {
        cwd: app,
        encoding: 'utf8',
        env: { ...env, ...downwardEnv(seedPod), KUBE_DOWNWARD_VOLUME: volume.directory },
        timeout: 20_000,
      });
      expect(out).toContain(command === 'show' ? 'downward' : 'ok');
    } finally {
      volume.remove();
    }
  });

  it('runs the CLI demo', () => {
    const out = execFileSync(process.execPath, [join(app, 'node_modules', 'kube-downward', 'dist', 'cli', 'main.js'), 'demo'], { cwd: app, encoding: 'utf8', env, timeout: 20_000 });
    expect(out).toContain('Two kubelet updates, two new snapshots');
  });

  it('runs the CLI watch until SIGTERM', async () => {
    const volume = createDownwardVolume({ pod: seedPod });
    try {
      const child = spawn(process.execPath, [join(app, 'node_modules', 'kube-downward', 'dist', 'cli', 'main.js'), 'watch', '--json'], {
        cwd: app,
        env: { ...env, ...downwardEnv(seedPod), KUBE_DOWNWARD_VOLUME: volume.directory },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      await vi.waitFor(() => expect(out.split('\n').filter(Boolean)).toHaveLength(1), { timeout: 10_000 });
      volume.update({ labels: { ...seedPod.labels, tier: 'web' } });
      await vi.waitFor(() => expect(out.split('\n').filter(Boolean)).toHaveLength(2), { timeout: 10_000 });
      expect(JSON.parse(out.split('\n')[1] ?? '{}').labels).toMatchObject({ tier: 'web' });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(err).toBe('');
    } finally {
      volume.remove();
    }
  });

  it('type-checks with skipLibCheck off', () => {
    writeFileSync(
      join(app, 'consumer.ts'),
      `import { iteratePodMetadata, readPodMetadataSync, waitForPodMetadata, type PodMetadata, type PodMetadataEvent, type WatchPodMetadataOptions } from 'kube-downward';
       import { createDownwardVolume } from 'kube-downward/testing';
       const options: WatchPodMetadataOptions = { volume: createDownwardVolume().directory, pollIntervalMs: 500 };
       const pod: PodMetadata = readPodMetadataSync({ env: {} });
       const next: Promise<IteratorResult<PodMetadata>> = iteratePodMetadata(options).next();
       const ready: Promise<PodMetadata> = waitForPodMetadata((p) => p.labels['ready'] === 'true', options);
       const event: PodMetadataEvent | undefined = undefined;
       export { pod, next, ready, event };`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
  }, 60_000);
});
