// Bundles the entry points that `tsc` compiled file by file. Node's ESM loader costs about 1.5 ms of start-up per
// module file, and the main entry reaches some 35 of them: an app that reads its identity at start-up would pay
// for the layout of our sources. So each public entry becomes one file, with what several entries share in
// dist/chunks/ (one copy of every class and registry, whichever entries an app imports), and the optional
// packages (rxjs, zod, chokidar, yaml, OpenTelemetry) stay outside, loaded where and when they are needed.
// The command line runs in a process of its own and is bundled whole. The declaration files stay as tsc wrote
// them; the file-by-file JavaScript beside them is for tests and benchmarks that reach inside, and is not packed.
import { build } from 'esbuild';

const common = { bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', outdir: 'dist', allowOverwrite: true, logLevel: 'warning' };

await build({
  ...common,
  entryPoints: {
    index: 'src/index.ts',
    rxjs: 'src/rxjs.ts',
    'testing/index': 'src/testing/index.ts',
    'integrations/opentelemetry/index': 'src/integrations/opentelemetry/index.ts',
  },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});
await build({ ...common, entryPoints: { 'cli/main': 'src/cli/main.ts' } });
