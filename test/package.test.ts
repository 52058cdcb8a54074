// The published package, as a user gets it: packed by npm, installed by npm (offline, from the cache `npm ci`
// filled) into a fresh consumer project that has only kube-downward and its dependencies (no rxjs), imported by its
// name, its command run from node_modules/.bin. Each describe block is one concern; add cases to the one that fits.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDownwardVolume, downwardEnv, seedPod } from '../src/testing/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const seedEnvText = readFileSync(join(root, 'fixtures/env/seed.env'), 'utf8');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A fresh project that installed the packed tarball, and the ways a user runs things in it. */
class Consumer {
  readonly dir = mkdtempSync(join(tmpdir(), 'kube-downward-consumer-'));
  tarball = '';

  install(): void {
    this.tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', this.dir], { cwd: root, encoding: 'utf8' }).trim();
    const dependencies = { 'kube-downward': `file:${this.tarball}` };
    this.write('package.json', JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies }, undefined, 2));
    this.write('package-lock.json', JSON.stringify(this.lockfile(dependencies), undefined, 2));
    // The lockfile pins the dependencies to the versions (and integrity) of this repository's own lockfile, whose
    // tarballs `npm ci` left in the cache: no network needed.
    execFileSync('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: this.dir, encoding: 'utf8', stdio: 'pipe' });
  }

  /** kube-downward from the tarball, and its dependencies, transitively, as this repository's lockfile has them. */
  private lockfile(dependencies: Record<string, string>) {
    const repoLock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
    const integrity = `sha512-${createHash('sha512').update(readFileSync(join(this.dir, this.tarball))).digest('base64')}`;
    const { version, license, bin, engines, peerDependencies, peerDependenciesMeta } = pkg;
    const packages: Record<string, unknown> = {
      '': { name: 'consumer', dependencies },
      'node_modules/kube-downward': { version, resolved: `file:${this.tarball}`, integrity, license, dependencies: pkg.dependencies, bin, engines, peerDependencies, peerDependenciesMeta },
    };
    const pending = Object.keys(pkg.dependencies);
    while (pending.length > 0) {
      const name = pending.pop() as string;
      const entry = repoLock.packages[`node_modules/${name}`];
      if (entry === undefined) throw new Error(`package-lock.json has no top-level ${name}`);
      if (packages[`node_modules/${name}`] !== undefined) continue;
      packages[`node_modules/${name}`] = entry;
      pending.push(...Object.keys(entry.dependencies ?? {}));
    }
    return { name: 'consumer', lockfileVersion: 3, requires: true, packages };
  }

  write(file: string, text: string): string {
    const path = join(this.dir, file);
    writeFileSync(path, text);
    return path;
  }

  /** Runs `source` as an ES module of the consumer, with only PATH and `env` in its environment. */
  node(file: string, source: string, env: Record<string, string> = {}, shell?: string): Run {
    this.write(file, source);
    const command = shell === undefined ? [process.execPath, file] : ['sh', '-c', `${shell} && exec "${process.execPath}" ${file}`];
    const [bin = '', ...args] = command;
    const result = spawnSync(bin, args, { cwd: this.dir, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', ...env } });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** Runs the `kube-downward` command npm linked into node_modules/.bin. */
  cli(args: string[], env: Record<string, string> = {}): Run {
    const result = spawnSync(join(this.dir, 'node_modules/.bin/kube-downward'), args, { cwd: this.dir, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', ...env } });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** Type-checks `source` as a strict TypeScript consumer would. */
  tsc(source: string, compilerOptions: Record<string, unknown> = {}): string {
    this.write('consumer.ts', source);
    this.write(
      'tsconfig.json',
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, exactOptionalPropertyTypes: true, noEmit: true, types: [], ...compilerOptions }, files: ['consumer.ts'] }),
    );
    const result = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: this.dir, encoding: 'utf8' });
    return result.stdout + result.stderr;
  }
}

const consumer = new Consumer();
const seedEnv = Object.fromEntries(seedEnvText.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));

beforeAll(() => consumer.install(), 120_000);
afterAll(() => rmSync(consumer.dir, { recursive: true, force: true }));

describe('the tarball', () => {
  it('ships the build output, the README, the LICENSE and package.json, nothing else', () => {
    const files = execFileSync('tar', ['-tzf', join(consumer.dir, consumer.tarball)], { encoding: 'utf8' }).trim().split('\n');
    expect(files).toEqual(expect.arrayContaining(['package/dist/index.js', 'package/dist/index.d.ts', 'package/README.md', 'package/LICENSE']));
    expect(files.filter((f) => !f.startsWith('package/dist/') && !['package/package.json', 'package/README.md', 'package/LICENSE'].includes(f))).toEqual([]);
    expect(files.some((f) => f.endsWith('.map'))).toBe(false);
  });

  it('is Apache-2.0, with the license text', () => {
    expect(pkg.license).toBe('Apache-2.0');
    const text = readFileSync(join(consumer.dir, 'node_modules/kube-downward/LICENSE'), 'utf8');
    expect(text).toContain('Apache License');
    expect(text).toContain('Version 2.0, January 2004');
    expect(text).toContain('END OF TERMS AND CONDITIONS');
  });

  it('was installed without rxjs, an optional peer, and without a file-watching library', () => {
    const resolve = createRequire(join(consumer.dir, 'package.json')).resolve;
    expect(() => resolve('rxjs')).toThrow();
    expect(() => resolve('chokidar')).toThrow();
  });
});

describe('reading with zero configuration', () => {
  it('reads every pod shape with no options: env only, volume only, labels and annotations only, a mix', () => {
    const out = consumer.node(
      'shapes.mjs',
      `import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
       import { tmpdir } from 'node:os';
       import { join } from 'node:path';
       import { readPodMetadataSync } from 'kube-downward';
       import { createDownwardVolume, seedPod } from 'kube-downward/testing';
       const field = (path, fieldPath) => ({ path, fieldRef: { fieldPath } });
       const resource = (path, res, divisor) => ({ path, resourceFieldRef: { containerName: 'main', resource: res, divisor } });
       const seedVolumeItems = [field('podName', 'metadata.name'), field('podNamespace', 'metadata.namespace'), field('labels', 'metadata.labels'),
         field('annotations', 'metadata.annotations'), resource('containerCpuRequestMilliCores', 'requests.cpu', '1m'), resource('containerMemoryLimitBytes', 'limits.memory', '1')];
       const show = (pod) => ({ name: pod.name, namespace: pod.namespace, node: pod.nodeName, labels: { ...pod.labels },
         cpu: pod.resources['requests.cpu']?.millicores.toString(), memory: pod.resources['limits.memory']?.bytes.toString(), nameFrom: pod.sources.name });
       const envOnly = show(readPodMetadataSync());
       const saved = { ...process.env };
       for (const key of Object.keys(process.env)) if (key !== 'PATH') delete process.env[key];
       const volume = createDownwardVolume({ pod: seedPod, items: seedVolumeItems });
       process.env.KUBE_DOWNWARD_VOLUME = volume.directory;
       const volumeOnly = show(readPodMetadataSync());
       const maps = createDownwardVolume({ pod: seedPod, items: [field('labels', 'metadata.labels'), field('annotations', 'metadata.annotations')] });
       const serviceAccount = mkdtempSync(join(tmpdir(), 'sa-'));
       writeFileSync(join(serviceAccount, 'namespace'), 'shop');
       Object.assign(process.env, { KUBE_DOWNWARD_VOLUME: maps.directory, HOSTNAME: 'web-0' });
       const mapsOnly = show(readPodMetadataSync({ serviceAccountDirectory: serviceAccount }));
       Object.assign(process.env, { POD_NAME: 'downward', NODE_NAME: saved.NODE_NAME });
       const mixed = show(readPodMetadataSync({ serviceAccountDirectory: serviceAccount }));
       for (const v of [volume, maps]) v.remove();
       console.log(JSON.stringify({ envOnly, volumeOnly, mapsOnly, mixed }));`,
      seedEnv,
    );
    expect(out.stderr).toBe('');
    const node = seedEnv['NODE_NAME'];
    expect(JSON.parse(out.stdout)).toEqual({
      envOnly: { name: 'downward', namespace: 'default', node, labels: {}, cpu: '15', memory: '4194304', nameFrom: { kind: 'env', name: 'POD_NAME' } },
      volumeOnly: { name: 'downward', namespace: 'default', labels: { foo: 'bar' }, cpu: '15', memory: '4194304', nameFrom: { kind: 'file', path: expect.stringMatching(/\/podName$/) } },
      mapsOnly: { name: 'web-0', namespace: 'shop', labels: { foo: 'bar' }, nameFrom: { kind: 'env', name: 'HOSTNAME', fallback: true } },
      mixed: { name: 'downward', namespace: 'shop', node, labels: { foo: 'bar' }, nameFrom: { kind: 'env', name: 'POD_NAME' } },
    });
  });

  it('tells a process outside Kubernetes what a package user can do about it', () => {
    const out = consumer.node(
      'outside.mjs',
      `import { readPodMetadataSync, isNotInKubernetesError } from 'kube-downward';
       try { readPodMetadataSync(); } catch (error) { console.log(JSON.stringify({ outside: isNotInKubernetesError(error), message: error.message })); }`,
    );
    const { outside, message } = JSON.parse(out.stdout);
    expect(outside).toBe(true);
    expect(message).toContain('kube-downward/testing');
    expect(message).not.toMatch(/fixtures\/|seed\.env/);
  });
});

describe('snapshots', () => {
  it('go through JSON and back, and print plainly', () => {
    const out = consumer.node(
      'json.mjs',
      `import { inspect } from 'node:util';
       import { readPodMetadataSync, parsePodMetadataJson } from 'kube-downward';
       import { createDownwardVolume, seedPod } from 'kube-downward/testing';
       const volume = createDownwardVolume({ pod: seedPod });
       const pod = readPodMetadataSync({ volume: volume.directory });
       volume.remove();
       const text = JSON.stringify(pod);
       const back = parsePodMetadataJson(text);
       console.log(JSON.stringify({ same: JSON.stringify(back) === text, cpu: typeof back.resources['requests.cpu'].millicores, labels: inspect(back.labels) }));`,
      seedEnv,
    );
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toEqual({ same: true, cpu: 'bigint', labels: "{ foo: 'bar' }" });
  });
});

describe('start-up', () => {
  // Records every ES module resolved, through the module hooks; CommonJS modules show in require.cache.
  const hooks = `let port;
    export function initialize(data) { port = data.port; }
    export async function resolve(specifier, context, next) { const result = await next(specifier, context); port.postMessage(result.url); return result; }`;
  const record = `import { register } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    const { port1, port2 } = new MessageChannel();
    globalThis.resolved = new Set();
    port1.on('message', (url) => globalThis.resolved.add(url));
    port1.unref();
    register('./hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });`;

  it('loads no rxjs, chokidar, yaml or zod, and neither the CLI nor the testing kit, to read a snapshot', () => {
    consumer.write('hooks.mjs', hooks);
    consumer.write('record.mjs', record);
    consumer.write(
      'loaded.mjs',
      `import { createRequire } from 'node:module';
       import { readPodMetadataSync } from 'kube-downward';
       const pod = readPodMetadataSync();
       await new Promise((resolve) => setTimeout(resolve, 100));
       const urls = [...globalThis.resolved].filter((url) => url.startsWith('file:'));
       console.log(JSON.stringify({ name: pod.name, esm: urls.map((url) => url.replace(/.*\\/node_modules\\//, '')), cjs: Object.keys(createRequire(import.meta.url).cache) }));`,
    );
    const result = spawnSync(process.execPath, ['--import', './record.mjs', 'loaded.mjs'], { cwd: consumer.dir, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', ...seedEnv } });
    expect(result.stderr).toBe('');
    const { name, esm, cjs } = JSON.parse(result.stdout);
    expect(name).toBe('downward');
    // One file: Node's ES module loader costs some 3 ms of start-up per file an import reaches.
    expect(esm.filter((file: string) => !file.endsWith('loaded.mjs'))).toEqual(['kube-downward/dist/index.js']);
    expect(cjs).toEqual([]);
  });

  it("loads none of Node's own modules that importing an empty ES module does not", () => {
    consumer.write('empty.mjs', '');
    const loaded = (code: string): string[] => {
      const out = consumer.node('modules.mjs', `${code}\nconsole.log(JSON.stringify(process.moduleLoadList));`, seedEnv);
      expect(out.stderr).toBe('');
      return JSON.parse(out.stdout) as string[];
    };
    const empty = new Set(loaded(`import './empty.mjs';`));
    const read = loaded(`import { readPodMetadataSync } from 'kube-downward';\nreadPodMetadataSync();`);
    // An ES import of node:fs, node:buffer or node:module would load streams, blobs or source maps here.
    expect(read.filter((name) => !empty.has(name))).toEqual([]);
  });

  it('has one copy of the code the entries share: the testing kit throws the main entry\'s DownwardApiError', () => {
    const out = consumer.node(
      'shared.mjs',
      `import { DownwardApiError } from 'kube-downward';
       import { createDownwardVolume } from 'kube-downward/testing';
       try {
         createDownwardVolume({ items: [{ path: 'cpu', resourceFieldRef: { containerName: 'main', resource: 'limits.cpu', divisor: '3' } }] });
       } catch (error) {
         console.log(error instanceof DownwardApiError, error.code);
       }`,
    );
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('true INVALID_SPEC\n');
  });

  it('loads the API-server client on first use, sharing the main entry\'s classes', () => {
    const out = consumer.node(
      'api-server.mjs',
      `import { KubernetesApiError, fetchPodMetadata, watchPodFromApiServer } from 'kube-downward';
       const where = { apiServerUrl: 'http://127.0.0.1:1', name: 'web-0', namespace: 'shop' };
       await fetchPodMetadata(where).catch((error) => console.log(error instanceof KubernetesApiError, error.code));
       const stop = new AbortController();
       for await (const event of watchPodFromApiServer({ ...where, signal: stop.signal })) {
         console.log(event.type, event.error instanceof KubernetesApiError, event.error.code);
         stop.abort();
       }`,
    );
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('true CONNECTION\nproblem true CONNECTION\n');
  });

  it('sizes the runtime without loading zod: the integrations build their specs from validated parts', () => {
    const out = consumer.node(
      'sizing.mjs',
      `import { createRequire } from 'node:module';
       import { runtimeSizing } from 'kube-downward';
       const sizing = runtimeSizing({ env: { CONTAINER_MEMORY_LIMIT_KIBIBYTES: '262144' }, cgroupRoot: '/nonexistent' });
       console.log(sizing.maxOldSpaceSizeMiB.source, Object.keys(createRequire(import.meta.url).cache).length);`,
    );
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('downward-api 0\n');
  });

  it('reads with `ulimit -n 64`, with the default spec and with a spec of your own', () => {
    const out = consumer.node(
      'ulimit.mjs',
      `import { defineSpec, readPodMetadataSync } from 'kube-downward';
       const spec = defineSpec({ env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] });
       console.log(readPodMetadataSync().name, readPodMetadataSync({ spec }).name);`,
      seedEnv,
      'ulimit -n 64',
    );
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('downward downward\n');
  });
});

describe('the kube-downward command', () => {
  const envFile = () => consumer.write('seed.env', seedEnvText);

  it('shows the pod from an env file (--env-from)', () => {
    const { code, stdout, stderr } = consumer.cli(['show', '--env-from', envFile()]);
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout).toMatch(/name\s+downward/);
  });

  it('checks: exit 0 for the seed pod, 1 for a misconfigured one with every problem, 1 outside Kubernetes', () => {
    expect(consumer.cli(['check', '--env-from', envFile()]).code).toBe(0);
    const bad = consumer.cli(['check', '--env-from', consumer.write('bad.env', 'POD_NAME=Bad_Name\nKUBERNETES_SERVICE_HOST=10.0.0.1\n')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('env POD_NAME = "Bad_Name": [INVALID_NAME]');
    expect(bad.stderr).toContain('env NODE_NAME: [MISSING]');
    expect(bad.stderr).toContain('`kube-downward manifest` prints the entries');
    expect(consumer.cli(['check']).code).toBe(1);
  });

  it('exits 3 outside Kubernetes with a hint that names what the package offers', () => {
    const { code, stderr } = consumer.cli(['show']);
    expect(code).toBe(3);
    expect(stderr).toContain('kube-downward/testing');
    expect(stderr).toContain('--env-from FILE');
    expect(stderr).not.toMatch(/fixtures\/|seed\.env|\n\s+at /);
  });
});

describe('live updates without rxjs', () => {
  it('iterates and waits for snapshots, then exits by itself', () => {
    const out = consumer.node(
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
    expect([out.code, out.stderr]).toEqual([0, '']);
    expect(JSON.parse(out.stdout)).toEqual(['0', '1', 'true']);
  });

  it('throws one clear error from the Observable functions of kube-downward/rxjs, which alone need rxjs', () => {
    const out = consumer.node(
      'observable.mjs',
      `import { watchPodMetadata, watchPodMetadataEvents } from 'kube-downward/rxjs';
       const messages = [];
       for (const watch of [watchPodMetadata, watchPodMetadataEvents]) {
         try { watch(); messages.push('no error'); } catch (error) { messages.push(error.message); }
       }
       console.log(JSON.stringify(messages));`,
    );
    const messages = JSON.parse(out.stdout) as string[];
    expect(messages).toHaveLength(2);
    for (const message of messages) {
      expect(message).toContain('needs the rxjs package');
      expect(message).toContain('npm install rxjs');
    }
  });

  it('runs the CLI demo', () => {
    const { code, stdout } = consumer.cli(['demo']);
    expect(code).toBe(0);
    expect(stdout).toContain('Two kubelet updates, two new snapshots');
  });

  it('runs the CLI watch until SIGTERM', async () => {
    const volume = createDownwardVolume({ pod: seedPod });
    try {
      const child = spawn(join(consumer.dir, 'node_modules/.bin/kube-downward'), ['watch', '--json'], {
        cwd: consumer.dir,
        env: { PATH: process.env['PATH'] ?? '', ...downwardEnv(seedPod), KUBE_DOWNWARD_VOLUME: volume.directory },
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
});

describe('types', () => {
  it('type-check the README examples for a strict consumer without rxjs, with skipLibCheck off', () => {
    const errors = consumer.tsc(
      `import { iteratePodMetadata, parsePodMetadataJson, parseResourceValue, readPodMetadataSync, waitForPodMetadata, type PodMetadata,
         type PodMetadataEvent, type PodMetadataSource, type WatchPodMetadataOptions } from 'kube-downward';
       import { createDownwardVolume } from 'kube-downward/testing';
       const pod: PodMetadata = readPodMetadataSync();
       const cpu: bigint | undefined = pod.resources['requests.cpu']?.millicores;
       const memory: bigint | undefined = pod.resources['limits.memory']?.bytes;
       const parsed: bigint = parseResourceValue({ resource: 'requests.cpu', value: '1', divisor: '1' }).millicores;
       const hugepages: bigint = parseResourceValue({ resource: 'limits.hugepages-2Mi', value: '1', divisor: '1Mi' }).bytes;
       const from: PodMetadataSource | undefined = pod.sources.name;
       const copy: PodMetadata = parsePodMetadataJson(JSON.stringify(pod));
       const options: WatchPodMetadataOptions = { volume: createDownwardVolume().directory, pollIntervalMs: 500 };
       const next: Promise<IteratorResult<PodMetadata>> = iteratePodMetadata(options).next();
       const ready: Promise<PodMetadata> = waitForPodMetadata((p) => p.labels['ready'] === 'true', options);
       const event: PodMetadataEvent | undefined = undefined;
       export { cpu, memory, parsed, hugepages, from, copy, next, ready, event };`,
      { skipLibCheck: false, types: ['node'], typeRoots: [join(root, 'node_modules/@types')] },
    );
    expect(errors).toBe('');
  }, 120_000);

  it('type-check the Observable API for a consumer that has rxjs (a project of its own beside the first)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-downward-consumer-rxjs-'));
    try {
      mkdirSync(join(dir, 'node_modules'));
      // A copy, not a link: TypeScript resolves a linked package's imports from where the link points.
      cpSync(join(consumer.dir, 'node_modules/kube-downward'), join(dir, 'node_modules/kube-downward'), { recursive: true });
      symlinkSync(join(root, 'node_modules/rxjs'), join(dir, 'node_modules/rxjs'));
      writeFileSync(
        join(dir, 'consumer.ts'),
        `import type { PodMetadata } from 'kube-downward';
         import { watchPodMetadata } from 'kube-downward/rxjs';
         import { createDownwardVolume } from 'kube-downward/testing';
         import type { Observable } from 'rxjs';
         const live: Observable<PodMetadata> = watchPodMetadata({ volume: createDownwardVolume().directory });
         export { live };`,
      );
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: [] }, files: ['consumer.ts'] }));
      const result = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
      expect(result.stdout + result.stderr).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('kube-downward/opentelemetry', () => {
  it('detects the pod for an app that has the OpenTelemetry SDK (a project of its own beside the first)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-downward-consumer-otel-'));
    try {
      mkdirSync(join(dir, 'node_modules', '@opentelemetry'), { recursive: true });
      cpSync(join(consumer.dir, 'node_modules/kube-downward'), join(dir, 'node_modules/kube-downward'), { recursive: true });
      for (const name of ['api', 'resources', 'core', 'semantic-conventions']) {
        symlinkSync(join(root, 'node_modules/@opentelemetry', name), join(dir, 'node_modules/@opentelemetry', name));
      }
      symlinkSync(join(consumer.dir, 'node_modules/zod'), join(dir, 'node_modules/zod'));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'otel-consumer', private: true, type: 'module' }));
      writeFileSync(
        join(dir, 'otel.mjs'),
        `import { detectResources } from '@opentelemetry/resources';
         import { downwardApiDetector } from 'kube-downward/opentelemetry';
         const resource = detectResources({ detectors: [downwardApiDetector()] });
         console.log(JSON.stringify(resource.attributes));`,
      );
      const result = spawnSync(process.execPath, ['otel.mjs'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', ...seedEnv } });
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toMatchObject({ 'k8s.pod.name': 'downward', 'k8s.namespace.name': 'default' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
