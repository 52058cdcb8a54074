// The OpenTelemetry detector through the real SDK: detectResources, a tracer provider, an in-memory exporter, and
// the resource of the span it exports. Volumes are written by the testing kit, env vars as the kubelet injects them.
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { detectResources, envDetector, type Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { downwardApiDetector, type DownwardApiDetectorOptions } from '../src/integrations/opentelemetry/index.js';
import { createDownwardVolume, downwardEnv, seedPod, type PodDescription } from '../src/testing/index.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  cleanup.splice(0).forEach((f) => f());
  diag.disable();
});

const uid = '9d1b5d4e-0f3c-4a7b-9a53-7c1d2e3f4a5b';
const pod: PodDescription = {
  ...seedPod,
  uid,
  labels: { app: 'shop', 'app.kubernetes.io/version': '1.4.2', tier: 'web' },
  annotations: { team: 'payments', 'vault.example.com/token': 's3cr3t' },
};

function volumeOf(description: PodDescription): string {
  const volume = createDownwardVolume({ pod: description });
  cleanup.push(() => volume.remove());
  return volume.directory;
}

/** The resource attributes of a span exported by a real tracer provider whose resource comes from detection. */
async function exported(detection: Resource): Promise<Record<string, unknown>> {
  await detection.waitForAsyncAttributes?.();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: detection, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.getTracer('test').startSpan('work').end();
  await provider.forceFlush();
  const [span] = exporter.getFinishedSpans();
  await provider.shutdown();
  return { ...span?.resource.attributes };
}

function detect(options: DownwardApiDetectorOptions): Promise<Record<string, unknown>> {
  return exported(detectResources({ detectors: [downwardApiDetector(options)] }));
}

function warnings(): string[] {
  const seen: string[] = [];
  const record = (message: string): void => {
    seen.push(message);
  };
  const logger: DiagLogger = { error: record, warn: record, info: record, debug: record, verbose: record };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return seen;
}

describe('downwardApiDetector through the OpenTelemetry SDK', () => {
  it('fills the k8s.* attributes, and labels and annotations only for the keys allowed', async () => {
    const env = { ...downwardEnv(pod), KUBE_DOWNWARD_CONTAINER_NAME: 'main' };
    const attributes = await detect({ env, volume: volumeOf(pod), labels: ['app', 'app.kubernetes.io/version', 'absent'], annotations: ['team'] });
    expect(attributes).toEqual({
      'k8s.pod.name': 'downward',
      'k8s.pod.uid': uid,
      'k8s.namespace.name': 'default',
      'k8s.node.name': 'gke-kubia-default-pool-32a2cac8-sgl7',
      'k8s.container.name': 'main',
      'k8s.pod.label.app': 'shop',
      'k8s.pod.label.app.kubernetes.io/version': '1.4.2',
      'k8s.pod.annotation.team': 'payments',
    });
  });

  it('merges with the other detectors, the env detector included', async () => {
    const env = downwardEnv(pod);
    process.env['OTEL_RESOURCE_ATTRIBUTES'] = 'service.name=checkout';
    cleanup.push(() => delete process.env['OTEL_RESOURCE_ATTRIBUTES']);
    const attributes = await exported(detectResources({ detectors: [envDetector, downwardApiDetector({ env, volume: volumeOf(pod) })] }));
    expect(attributes).toMatchObject({ 'service.name': 'checkout', 'k8s.pod.name': 'downward', 'k8s.namespace.name': 'default' });
  });

  it('gives an empty resource outside Kubernetes, without a word', async () => {
    const seen = warnings();
    expect(await detect({ env: {}, labels: ['app', 'constructor'], annotations: ['team', 'toString'] })).toEqual({});
    expect(seen).toEqual([]);
  });

  it('leaves out what is invalid, says so through diag, and keeps the rest', async () => {
    const seen = warnings();
    const env = { ...downwardEnv(pod), POD_NAME: 'Not_A_Name', NODE_NAME: '', KUBE_DOWNWARD_CONTAINER_NAME: 'Main!' };
    const volume = volumeOf(pod);
    writeFileSync(join(volume, 'stray'), ''); // an unrelated file does not matter
    const attributes = await detect({ env, volume, labels: ['app'] });
    // POD_NAME is invalid: the name is left out, not taken from the volume's podName alone.
    expect(attributes).toEqual({ 'k8s.pod.uid': uid, 'k8s.namespace.name': 'default', 'k8s.pod.label.app': 'shop' });
    expect(seen.join('\n')).toMatch(/k8s\.pod\.name not detected: [^]*env POD_NAME = "Not_A_Name"/);
    expect(seen.join('\n')).toMatch(/k8s\.node\.name not detected/);
    expect(seen.join('\n')).toMatch(/k8s\.container\.name not detected: KUBE_DOWNWARD_CONTAINER_NAME is "Main!"/);
  });

  it('never throws when detecting, even on a volume that is not one', async () => {
    const seen = warnings();
    const broken = join(volumeOf(pod), 'elsewhere');
    mkdirSync(broken);
    symlinkSync('/nonexistent', join(broken, '..data'));
    const detector = downwardApiDetector({ env: {}, volume: broken, labels: ['app', 'constructor'] });
    expect(() => detector.detect()).not.toThrow();
    expect(await exported(detectResources({ detectors: [detector] }))).toEqual({});
    expect(seen.length).toBeGreaterThan(0);
  });

  it('takes k8s.container.name from the option, else KUBE_DOWNWARD_CONTAINER_NAME, else a spec passed in, never the default spec\'s stand-in', async () => {
    const env = downwardEnv(pod);
    expect(await detect({ env, containerName: 'web' })).toMatchObject({ 'k8s.container.name': 'web' });
    expect(await detect({ env: { ...env, KUBE_DOWNWARD_CONTAINER_NAME: 'api' } })).toMatchObject({ 'k8s.container.name': 'api' });
    expect(await detect({ env })).not.toHaveProperty('k8s.container.name');
    const spec = {
      env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      volume: { mountPath: '/etc/podinfo', items: [{ path: 'cpu', resourceFieldRef: { containerName: 'worker', resource: 'limits.cpu' } }] },
    };
    expect(await detect({ env: { POD_NAME: 'downward' }, spec })).toEqual({ 'k8s.pod.name': 'downward', 'k8s.container.name': 'worker' });
  });

  it('rejects invalid options when it is created', () => {
    expect(() => downwardApiDetector({ labels: ['has space'] })).toThrow(RangeError);
    expect(() => downwardApiDetector({ annotations: [''] })).toThrow(RangeError);
    expect(() => downwardApiDetector({ labels: 'app' as unknown as string[] })).toThrow(TypeError);
    expect(() => downwardApiDetector({ containerName: 'Web' })).toThrow(RangeError);
    expect(() => downwardApiDetector({ spec: { env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } }] } })).toThrow(/not valid/);
  });
});
