// The README's example test, verbatim: test/readme.test.ts checks that the README shows exactly this file.
import { createDownwardVolume, downwardEnv, seedPod } from 'kube-downward/testing';
import { waitForPodMetadata } from 'kube-downward';
import { afterEach, expect, it } from 'vitest';

const volumes: { remove(): void }[] = [];
afterEach(() => volumes.splice(0).forEach((v) => v.remove()));

it('turns maintenance mode on when the pod is labelled', async () => {
  const volume = createDownwardVolume({ pod: { ...seedPod, labels: { app: 'web' } } });
  volumes.push(volume);
  const options = { env: downwardEnv(seedPod), volume: volume.directory, signal: AbortSignal.timeout(5000) };

  const inMaintenance = waitForPodMetadata((pod) => pod.labels.maintenance === 'on', options);
  volume.update({ labels: { app: 'web', maintenance: 'on' } }); // as the kubelet's next sync would
  expect((await inMaintenance).labels).toEqual({ app: 'web', maintenance: 'on' });
});
