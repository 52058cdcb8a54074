// examples/app: its manifest matches the generator, and the app itself runs against a kubelet-written volume.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  const dir = join(root, 'temp', 'example-app');
  mkdirSync(dir, { recursive: true });
  const source = readFileSync(join(root, 'examples/app/server.ts'), 'utf8');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  writeFileSync(join(dir, 'server.mjs'), js);

  const env = { PATH: process.env['PATH'] ?? '', PORT: '0', KUBE_DOWNWARD_VOLUME: volume.directory, ...downwardEnv(seedPod) };
  const app = spawn(process.execPath, [join(dir, 'server.mjs')], { cwd: dir, env });
  cleanup.push(() => app.kill('SIGKILL'));
  let stdout = '';
  app.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => app.on('exit', resolve));

  await vi.waitFor(() => expect(stdout).toMatch(/listening on \d+/), { timeout: 10_000 });
  const url = `http://127.0.0.1:${/listening on (\d+)/.exec(stdout)?.[1]}/`;
  expect(stdout).toContain('default/downward listening');
  const body = await (await fetch(url)).json();
  expect(body).toEqual({ pod: 'downward', namespace: 'default', node: 'gke-kubia-default-pool-32a2cac8-sgl7', version: null, memoryLimitBytes: '4194304' });

  volume.update({ labels: { app: 'downward-demo', maintenance: 'on' } });
  await vi.waitFor(async () => expect((await fetch(url)).status).toBe(503), { timeout: 10_000, interval: 20 });

  app.kill('SIGTERM');
  expect(await exited).toBe(0);
});
