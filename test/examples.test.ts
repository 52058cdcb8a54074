// Every @example in the public TSDoc is type-checked against the built package and run with node, importing
// 'kube-downward' and 'kube-downward/testing' by name (the package refers to itself through its "exports").
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedEnv } from './support.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'temp', 'examples');

interface Example {
  readonly id: string;
  readonly code: string;
}

function examples(): Example[] {
  const found: Example[] = [];
  const files = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const text = readFileSync(join(root, 'src', file), 'utf8');
    for (const match of text.matchAll(/@example\s*\n((?:\s*\*.*\n)*?)\s*\*\s*(?:@|\/)/g)) {
      const body = (match[1] ?? '').replace(/^\s*\* ?/gm, '');
      const code = /```ts\n([\s\S]*?)```/.exec(body)?.[1];
      if (code === undefined) continue;
      const line = text.slice(0, match.index).split('\n').length;
      found.push({ id: `${file.replace(/\.ts$/, '').replaceAll('/', '-')}-${line}`, code });
    }
  }
  return found;
}

const all = examples();

beforeAll(() => {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const example of all) writeFileSync(join(out, `${example.id}.mts`), example.code);
});

describe('TSDoc examples', () => {
  it('exist for every public symbol of every entry', () => {
    const withoutExample: string[] = [];
    for (const file of readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(root, 'src', file), 'utf8');
      for (const match of text.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*?@public(?:(?!\*\/)[\s\S])*?)\*\/\s*export\s+(?:declare\s+)?(?:async\s+)?(?:function|class|interface|type|const)\s+(\w+)/g)) {
        if (!(match[1] ?? '').includes('@example')) withoutExample.push(`${file}: ${match[2]}`);
      }
    }
    expect(withoutExample).toEqual([]);
    expect(all.filter((e) => e.id.startsWith('testing-')).length).toBeGreaterThanOrEqual(12);
    expect(all.filter((e) => e.id.startsWith('integrations-opentelemetry-')).length).toBeGreaterThanOrEqual(2);
  });

  it('type-check against the built package', () => {
    const program = ts.createProgram(
      all.map((e) => join(out, `${e.id}.mts`)),
      {
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2022,
        strict: true,
        exactOptionalPropertyTypes: true,
        noEmit: true,
        types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')],
      },
    );
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${d.file.fileName.slice(out.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(diagnostics).toEqual([]);
  }, 60_000);

  it.each(all.map((e) => [e.id, e] as const))('%s runs', (_id, example) => {
    const js = ts.transpileModule(example.code, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const file = join(out, `${example.id}.mjs`);
    writeFileSync(file, js);
    const run = spawnSync(process.execPath, [file], { cwd: out, env: { PATH: process.env['PATH'] ?? '', ...seedEnv }, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
