import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layers of src/ and the arrows between them: each folder may import only the folders listed for it.
// Adding a layer means adding a row here, which is where a reviewer sees the direction chosen.
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  format: ['errors', 'builtins'],
  spec: ['errors', 'builtins', 'format'],
  sources: ['errors', 'builtins', 'format', 'spec'],
  live: ['errors', 'builtins', 'format', 'spec', 'sources'],
  cluster: ['errors', 'builtins', 'format', 'spec', 'sources', 'live'],
  integrations: ['errors', 'builtins', 'format', 'spec', 'sources', 'live', 'cluster'],
  testing: ['errors', 'builtins', 'format', 'spec', 'sources'],
  cli: ['errors', 'builtins', 'format', 'spec', 'sources', 'live', 'cluster', 'integrations', 'testing'],
  index: ['errors', 'builtins', 'format', 'spec', 'sources', 'live', 'cluster', 'integrations'],
  rxjs: ['errors', 'builtins', 'format', 'spec', 'sources', 'live'],
  errors: [],
  builtins: [],
};

const src = fileURLToPath(new URL('../src/', import.meta.url));

function layerOf(file: string): string {
  const [first] = relative(src, file).split('/');
  return (first ?? '').replace(/\.[jt]s$/, '');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('src/ layers', () => {
  const files = sourceFiles(src);

  it.each(files.map((file) => [relative(src, file), file]))('%s imports only the layers below it', (_name, file) => {
    const from = layerOf(file);
    expect(Object.keys(ALLOWED)).toContain(from);
    const text = readFileSync(file, 'utf8');
    const imported = [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((match) => layerOf(resolve(dirname(file), match[1] ?? '')));
    const outside = imported.filter((layer) => layer !== from && !(ALLOWED[from] ?? []).includes(layer));
    expect(outside, `${relative(src, file)} imports ${outside.join(', ')}`).toEqual([]);
  });
});
