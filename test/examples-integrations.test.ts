// examples/opentelemetry and examples/runtime-sizing: their Deployments match the manifest generator, and the apps
// run against volumes and env vars written by the testing kit, the job runner through the real `kube-downward exec`.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { maxOldSpaceSizeFor } from '../src/integrations/runtime-sizing.js';
import { downwardPodSpec, type DownwardPodSpec } from '../src/spec/manifest.js';
import type { DownwardEnvVar } from '../src/spec/spec.js';
import type { DownwardIntegration } from '../src/spec/integrations.js';
import { createDownwardVolume, downwardEnv, seedPod, type PodDescription } from '../src/testing/index.js';
import { asKubernetesReadsIt } from './support.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

/** The example's TypeScript as the JavaScript node runs, inside the repository so that it imports the package by name. */
function transpiled(example: string, file: string): string {
  const dir = join(root, 'temp', `example-${example}`);
  mkdirSync(dir, { recursive: true });
  const source = readFileSync(join(root, 'examples', example, file), 'utf8');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const out = join(dir, file.replace(/\.ts$/, '.mjs'));
  writeFileSync(out, js);
  return out;
}

function manifestOf(integrations: DownwardIntegration[]): DownwardPodSpec {
  return downwardPodSpec({ container: 'app', integrations });
}

/** The env and volume the kubelet gives the example's container. */
function kubeletView(manifest: DownwardPodSpec, pod: PodDescription): { env: Record<string, string>; volume: ReturnType<typeof createDownwardVolume> } {
  const entries = manifest.containers[0]?.env ?? [];
  const downward = entries.flatMap((entry) => ('valueFrom' in entry ? [entry as DownwardEnvVar] : []));
  const plain = Object.fromEntries(entries.flatMap((entry) => ('value' in entry ? [[entry.name, entry.value]] : [])));
  const volume = createDownwardVolume({ pod, items: manifest.volumes?.[0]?.downwardAPI.items ?? [] });
  cleanup.push(() => volume.remove());
  const env = { ...downwardEnv(pod, { spec: { env: downward } }), ...plain, KUBE_DOWNWARD_VOLUME: volume.directory, PATH: process.env['PATH'] ?? '' };
  return { env, volume };
}

describe.each([
  ['opentelemetry', ['opentelemetry']],
  ['runtime-sizing', ['runtime-sizing']],
] as const)('examples/%s', (example, integrations) => {
  it('has a Deployment whose Downward API entries are what `kube-downward manifest --for` prints', () => {
    const deployment = parse(readFileSync(join(root, 'examples', example, 'deployment.yaml'), 'utf8'));
    const { containers, volumes } = manifestOf([...integrations]);
    const [container] = deployment.spec.template.spec.containers;
    const names = new Set(containers[0]?.env.map((entry) => entry.name));
    const env = container.env.filter((entry: { name: string }) => names.has(entry.name));
    expect(asKubernetesReadsIt({ name: container.name, env, volumeMounts: container.volumeMounts })).toEqual(asKubernetesReadsIt(containers[0]));
    expect(asKubernetesReadsIt(deployment.spec.template.spec.volumes)).toEqual(asKubernetesReadsIt(volumes));
  });
});

describe('examples/opentelemetry', () => {
  it('exports a span whose resource is the pod', () => {
    const uid = '5a0b6c1d-2e3f-4a5b-8c7d-9e0f1a2b3c4d';
    const pod: PodDescription = { ...seedPod, name: 'otel-demo-7d9f8-abcde', uid, labels: { app: 'otel-demo', 'app.kubernetes.io/version': '1.0.0' }, containers: [{ name: 'app' }] };
    const { env } = kubeletView(manifestOf(['opentelemetry']), pod);
    const run = spawnSync(process.execPath, [transpiled('opentelemetry', 'tracing.ts')], { env: { ...env, OTEL_SERVICE_NAME: 'otel-demo' }, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const line = run.stdout.split('\n').find((l) => l.startsWith('resource '));
    expect(JSON.parse(line?.slice('resource '.length) ?? '{}')).toEqual({
      'service.name': 'otel-demo',
      'k8s.pod.name': 'otel-demo-7d9f8-abcde',
      'k8s.pod.uid': uid,
      'k8s.namespace.name': 'default',
      'k8s.node.name': 'gke-kubia-default-pool-32a2cac8-sgl7',
      'k8s.container.name': 'app',
      'k8s.pod.label.app.kubernetes.io/version': '1.0.0',
    });
    // The span the console exporter printed carries the same resource.
    expect(run.stdout).toContain("'k8s.pod.uid': '5a0b6c1d-2e3f-4a5b-8c7d-9e0f1a2b3c4d'");
  });
});

describe('examples/runtime-sizing', () => {
  it('starts through kube-downward exec sized from the limits, and resizes its job pool on an in-place CPU resize', async () => {
    const resources = (cpu: string) => ({ requests: { cpu: '2', memory: '512Mi' }, limits: { cpu, memory: '512Mi' } });
    const pod: PodDescription = { ...seedPod, containers: [{ name: 'app', resources: resources('4') }] };
    const { env, volume } = kubeletView(manifestOf(['runtime-sizing']), pod);
    const cgroup = mkdtempSync(join(tmpdir(), 'kube-downward-cgroup-'));
    cleanup.push(() => rmSync(cgroup, { recursive: true, force: true }));
    const app = transpiled('runtime-sizing', 'worker-pool.ts');

    const exec = spawn(process.execPath, [join(root, 'dist/cli/main.js'), 'exec', '--cgroup', cgroup, '--', process.execPath, app], { env });
    cleanup.push(() => exec.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    exec.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    exec.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => exec.on('exit', resolve));

    await vi.waitFor(() => expect(stdout).toContain('job pool size 4 (limits.cpu 4000m)'), { timeout: 10_000 });
    const [, old, reserved] = /--max-old-space-size=(\d+) from limits\.memory 512 MiB \(Downward API\) less (\d+) MiB reserved/.exec(stderr) ?? [];
    expect(Number(old)).toBe(maxOldSpaceSizeFor(512n * 1024n * 1024n, BigInt(reserved ?? 0) * 1024n * 1024n));
    const heap = Number(execFileSync(process.execPath, [`--max-old-space-size=${old}`, '-p', 'v8.getHeapStatistics().heap_size_limit'], { encoding: 'utf8' }));
    expect(stdout).toContain(`heap limit ${Math.round(heap / 1024 / 1024)} MiB, libuv thread pool 4`);

    volume.update({ containers: [{ name: 'app', resources: resources('6') }] }); // as the kubelet does after a resize
    await vi.waitFor(() => expect(stdout).toContain('job pool size 6 (limits.cpu 6000m)'), { timeout: 10_000, interval: 20 });

    exec.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toContain('stopped');
  });
});
