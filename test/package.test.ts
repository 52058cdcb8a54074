// The built package, as a user gets it: packed by npm, installed under node_modules, imported by its name.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedEnv } from './support.js';

const root = fileURLToPath(new URL('..', import.meta.url));
let app: string;
let tarball: string;

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'kube-downward-e2e-'));
  tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', app], { cwd: root, encoding: 'utf8' }).trim();
  const installed = join(app, 'node_modules', 'kube-downward');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(app, tarball), '-C', installed, '--strip-components=1']);
  // Only the runtime dependency: an app that just reads its identity must not need rxjs or chokidar installed.
  symlinkSync(join(root, 'node_modules', 'zod'), join(app, 'node_modules', 'zod'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
}, 60_000);

afterAll(() => {
  rmSync(app, { recursive: true, force: true });
});

function run(file: string, source: string, env: Record<string, string> = {}): string {
  writeFileSync(join(app, file), source);
  return execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', ...env } });
}

describe('the published package', () => {
  it('ships only the build output, the README and package.json', () => {
    const files = execFileSync('tar', ['-tzf', join(app, tarball)], { encoding: 'utf8' }).trim().split('\n');
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/README.md');
    expect(files.filter((f) => !f.startsWith('package/dist/') && !['package/package.json', 'package/README.md'].includes(f))).toEqual([]);
    expect(files.some((f) => f.endsWith('.map'))).toBe(false);
  });

  it('reads the seed pod when imported by its name, without rxjs or chokidar installed', () => {
    const out = run(
      'read.mjs',
      `import { readPodMetadataSync } from 'kube-downward';
       const pod = readPodMetadataSync();
       console.log(JSON.stringify({ name: pod.name, cpu: String(pod.resources['requests.cpu'].millicores), mem: String(pod.resources['limits.memory'].bytes) }));`,
      seedEnv,
    );
    expect(JSON.parse(out)).toEqual({ name: 'downward', cpu: '15', mem: '4194304' });
  });

  it('has types that resolve for a TypeScript consumer that has rxjs', () => {
    symlinkSync(join(root, 'node_modules', 'rxjs'), join(app, 'node_modules', 'rxjs'));
    writeFileSync(
      join(app, 'consumer.ts'),
      `import { readPodMetadataSync, type PodMetadata, DownwardApiError } from 'kube-downward';
       import { watchPodMetadata } from 'kube-downward/rxjs';
       import { createDownwardVolume } from 'kube-downward/testing';
       import type { Observable } from 'rxjs';
       const pod: PodMetadata = readPodMetadataSync({ env: {} });
       const cpu: bigint | undefined = pod.resources['requests.cpu']?.millicores;
       const e: DownwardApiError['code'] = 'INVALID_METADATA';
       const live: Observable<PodMetadata> = watchPodMetadata({ volume: createDownwardVolume().directory });
       export { cpu, e, live };`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: [] }, files: ['consumer.ts'] }),
    );
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
  });
});

