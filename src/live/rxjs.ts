// RxJS is loaded on first use, not on import: an app that only reads its identity at start-up pays nothing for it.
// In Node, rxjs 7 resolves `import` and `require` to the same CommonJS build, so this is the app's own copy.
import { createRequire } from 'node:module';
import type * as Rx from 'rxjs';

let loaded: typeof Rx | undefined;

export function rxjs(): typeof Rx {
  loaded ??= createRequire(import.meta.url)('rxjs') as typeof Rx;
  return loaded;
}
