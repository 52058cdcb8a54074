import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { downwardPodSpec } from '../src/spec/manifest.js';
import { asKubernetesReadsIt } from './support.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

it("shows test/readme-example.test.ts as the README's example test", () => {
  const example = readFileSync(new URL('./readme-example.test.ts', import.meta.url), 'utf8');
  const body = example.slice(example.indexOf('\n') + 1);
  expect(readme).toContain('```ts\n' + body + '```');
});

it("has a quickstart pod with exactly the default spec's env vars, volume and mount", () => {
  const yaml = /```yaml\n(apiVersion: v1\nkind: Pod[\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const pod = parse(yaml);
  const [container] = pod.spec.containers;
  const expected = downwardPodSpec({ includeOptional: true });
  expect(asKubernetesReadsIt({ name: container.name, env: container.env, volumeMounts: container.volumeMounts })).toEqual(asKubernetesReadsIt(expected.containers[0]));
  expect(asKubernetesReadsIt(pod.spec.volumes)).toEqual(asKubernetesReadsIt(expected.volumes));
});
