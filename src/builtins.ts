// Node's built-in modules for the package's code, taken with process.getBuiltinModule (Node 20.16) rather than
// imported. An ES import of a built-in builds a module facade that reads each of its exports, and for node:fs,
// node:buffer and node:module that loads Node's stream, blob and source-map code: about 5 ms of start-up
// (bench/README.md) that reading the pod never runs. The modules Node has not loaded by then (child_process,
// crypto, os) are taken where they are used, so that only the commands that need them load them.

/** The `node:fs` module, as `import * as nodeFs from 'node:fs'` would give it. */
export const nodeFs = process.getBuiltinModule('node:fs');
export const { basename, dirname, join, posix } = process.getBuiltinModule('node:path');
export const { isUtf8 } = process.getBuiltinModule('node:buffer');
/** `os.tmpdir()`; node:os is not loaded at start-up, and only the testing kit needs it. */
export const tmpdir = (): string => process.getBuiltinModule('node:os').tmpdir();
/** `require` for the optional packages (zod, rxjs), taken when one is first needed. */
export const createRequire = (url: string | URL): NodeJS.Require => process.getBuiltinModule('node:module').createRequire(url);

/** Milliseconds on a monotonic clock; `performance.now()` would load Node's perf_hooks on first use. */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;
