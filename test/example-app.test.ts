// examples/app: its manifest matches the generator, and the app itself runs against a kubelet-written volume.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterEach, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { downwardPodSpec } from '../src/spec/manifest.js';
import { createDownwardVolume, downwardEnv, seedPod } from '../src/testing/index.js';
import { asKubernetesReadsIt } from './support.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

it('has a Deployment whose Downward API entries are what `kube-downward manifest` prints', () => {
  const deployment = parse(readFileSync(join(root, 'examples/app/deployment.yaml'), 'utf8'));
  const { containers, volumes } = downwardPodSpec({ includeOptional: true });
  const [container] = deployment.spec.template.spec.containers;
  expect(asKubernetesReadsIt({ name: container.name, env: container.env, volumeMounts: container.volumeMounts })).toEqual(asKubernetesReadsIt(containers[0]));
  expect(asKubernetesReadsIt(deployment.spec.template.spec.volumes)).toEqual(asKubernetesReadsIt(volumes));
});

it('serves its pod identity and goes into maintenance when labelled, without a restart', async () => {
  const volume = createDownwardVolume({ pod: { ...seedPod, labels: { app: 'downward-demo' } } });
  cleanup.push(() => volume.remove());
  const app = start({ KUBE_DOWNWARD_VOLUME: volume.directory, ...downwardEnv(seedPod) });
  const url = await app.url;
  expect(app.stdout()).toContain('default/downward listening');
  const body = await (await fetch(url)).json();
  expect(body).toEqual({ pod: 'downward', namespace: 'default', node: 'gke-kubia-default-pool-32a2cac8-sgl7', version: null, memoryLimitBytes: '4194304' });

  volume.update({ labels: { app: 'downward-demo', maintenance: 'on' } });
  await vi.waitFor(async () => expect((await fetch(url)).status).toBe(503), { timeout: 10_000, interval: 20 });

  app.child.kill('SIGTERM');
  expect(await app.exited).toBe(0);
});

/** Runs examples/app/server.js as it is, with Node.js: no build step of its own. */
function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [join(root, 'examples/app/server.js')], { cwd: root, env: { PATH: process.env['PATH'] ?? '', PORT: '0', ...env } });
  cleanup.push(() => child.kill('SIGKILL'));
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const url = vi
    .waitFor(() => expect(stdout).toMatch(/listening on \d+/), { timeout: 10_000 })
    .then(() => `http://127.0.0.1:${/listening on (\d+)/.exec(stdout)?.[1]}/`);
  return { child, exited, url, stdout: () => stdout };
}

it('runs with the documented command against the committed seed volume, with no env vars at all', async () => {
  const script = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.example;
  expect(script).toBe('npm run build --silent && KUBE_DOWNWARD_VOLUME=fixtures/volumes/seed node examples/app/server.js');
  expect(readFileSync(join(root, 'examples/app/README.md'), 'utf8')).toContain('npm run example');
  const app = start({ KUBE_DOWNWARD_VOLUME: join(root, 'fixtures/volumes/seed') });
  const body = await (await fetch(await app.url)).json();
  expect(body).toEqual({ pod: 'downward', namespace: 'default', node: null, version: null, memoryLimitBytes: '4194304' });
  app.child.kill('SIGTERM');
  expect(await app.exited).toBe(0);
});

it('type-checks (// @ts-check) against the built package', () => {
  const program = ts.createProgram([join(root, 'examples/app/server.js')], {
    allowJs: true,
    checkJs: true,
    noEmit: true,
    skipLibCheck: true,
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: ['node'],
    typeRoots: [join(root, 'node_modules/@types')],
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  expect(diagnostics).toEqual([]);
}, 60_000);
