// Bundles the entry points that `tsc` compiled file by file, for start-up: Node's ES module loader costs about
// 3 ms per module file an import reaches (bench/README.md), and an app reads its identity as it starts.
//
// - The main entry, dist/index.js, is one file holding everything it exports, and imports no other file of ours.
// - Code the main entry needs only in an asynchronous function it exports (the API-server client) is a file of
//   dist/chunks/ of its own, which that function imports on its first call.
// - The other entries (rxjs, testing, opentelemetry) hold only their own code, with what they share in
//   dist/chunks/. What they use of the main entry's code they import from dist/index.js itself, so an app that
//   imports several entries has one copy of every class, registry and default: for that, dist/index.js also
//   exports the internals the other files use, under names starting with `__internal$`. They are in no
//   declaration file and no API report, and are no part of the API.
// - The optional packages (rxjs, zod, chokidar, yaml, OpenTelemetry) stay outside, loaded where and when needed.
// - The command line runs in a process of its own and is bundled whole.
//
// The declaration files stay as tsc wrote them; the file-by-file JavaScript beside them is for tests and
// benchmarks that reach inside, and is not packed.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const common = { bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', absWorkingDir: root, logLevel: 'warning' };
// The other entries; the main entry's lazily loaded files join them below.
const others = {
  rxjs: 'src/rxjs.ts',
  'testing/index': 'src/testing/index.ts',
  'integrations/opentelemetry/index': 'src/integrations/opentelemetry/index.ts',
};
/** Stands for dist/index.js in the other entries' imports until each output file's relative path is known. */
const MAIN = 'kube-downward:main-entry';

/** The path, relative to the root, of the module an import in a plugin's `onResolve` names. */
async function resolved(b, args) {
  const found = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'resolving' });
  return relative(root, found.path);
}

// 1. Which modules the main entry holds, which it loads on first use (a dynamic import: each becomes a file of
// dist/chunks/ that the main entry imports when it needs it), and which of its modules the other files import.
const lazy = new Map(); // module path -> its file, relative to dist/
const lazyChunks = {
  name: 'lazy-chunks',
  setup(b) {
    b.onResolve({ filter: /^\./ }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.pluginData === 'resolving') return undefined;
      const path = await resolved(b, args);
      const file = `chunks/${path.replace(/^src\//, '').replace(/\.ts$/, '').replace(/\//g, '-')}`;
      lazy.set(path, file);
      return { path: `./${file}.js`, external: true };
    });
  },
};
const mainInputs = Object.keys((await build({ ...common, entryPoints: ['src/index.ts'], write: false, metafile: true, outdir: 'dist', plugins: [lazyChunks] })).metafile.inputs);
const inMain = new Set(mainInputs);
for (const [path, file] of lazy) others[file] = path;
const probe = await build({ ...common, entryPoints: others, splitting: true, write: false, metafile: true, outdir: 'dist' });
const shared = new Set(
  Object.entries(probe.metafile.inputs)
    .filter(([path]) => !inMain.has(path))
    .flatMap(([, input]) => input.imports.map((edge) => edge.path).filter((path) => inMain.has(path))),
);

// 2. The exports of each shared module, and the name dist/index.js gives each of them.
const exportsOf = await build({ ...common, entryPoints: [...shared].sort(), splitting: true, write: false, metafile: true, outdir: 'shared' });
const internalName = new Map(); // module path -> export name -> name in dist/index.js
for (const output of Object.values(exportsOf.metafile.outputs)) {
  if (output.entryPoint === undefined) continue;
  const slug = output.entryPoint.replace(/^src\//, '').replace(/\.ts$/, '').replace(/[^A-Za-z0-9]+/g, '_');
  internalName.set(output.entryPoint, new Map(output.exports.map((name) => [name, `__internal$${slug}$${name}`])));
}

// 3. The main entry: its public exports, and the shared internals under their internal names.
const reexports = [...internalName].map(
  ([path, names]) => `export { ${[...names].map(([name, as]) => `${name} as ${as}`).join(', ')} } from './${path}';`,
);
await build({
  ...common,
  stdin: { contents: [`export * from './src/index.ts';`, ...reexports].join('\n'), resolveDir: root, sourcefile: 'main-entry.ts', loader: 'ts' },
  outfile: 'dist/index.js',
  allowOverwrite: true,
  plugins: [lazyChunks],
});

// 4. The other entries, each shared module replaced by the same names taken from dist/index.js.
const fromMain = {
  name: 'from-main-entry',
  setup(b) {
    b.onResolve({ filter: /^\./ }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      const path = await resolved(b, args);
      return internalName.has(path) ? { path, namespace: 'main-entry' } : undefined;
    });
    b.onResolve({ filter: new RegExp(`^${MAIN}$`) }, () => ({ path: MAIN, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'main-entry' }, (args) => {
      const names = internalName.get(args.path);
      return { contents: `export { ${[...names].map(([name, as]) => `${as} as ${name}`).join(', ')} } from '${MAIN}';`, loader: 'js' };
    });
  },
};
const result = await build({ ...common, entryPoints: others, splitting: true, chunkNames: 'chunks/[name]-[hash]', outdir: 'dist', write: false, plugins: [fromMain] });
for (const file of result.outputFiles) {
  const specifier = relative(dirname(file.path), resolve(root, 'dist/index.js'));
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.text.replaceAll(`"${MAIN}"`, JSON.stringify(specifier.startsWith('.') ? specifier : `./${specifier}`)));
}

await build({ ...common, entryPoints: { 'cli/main': 'src/cli/main.ts' }, outdir: 'dist', allowOverwrite: true });
