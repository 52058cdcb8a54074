import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

it("shows test/readme-example.test.ts as the README's example test", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const example = readFileSync(new URL('./readme-example.test.ts', import.meta.url), 'utf8');
  const body = example.slice(example.indexOf('\n') + 1);
  expect(readme).toContain('```ts\n' + body + '```');
});
