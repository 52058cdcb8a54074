// RxJS is an optional peer, loaded on first use of an Observable function, never on import: an app without it
// reads, iterates and waits, and only the Observable functions ask for it, with an error that says what to do.
// In Node, rxjs 7 resolves `import` and `require` to the same CommonJS build, so this is the app's own copy.
import { createRequire } from '../builtins.js';
import type * as Rx from 'rxjs';
import { errorCode } from '../errors.js';

let loaded: typeof Rx | undefined;

export function rxjs(): typeof Rx {
  if (loaded !== undefined) return loaded;
  try {
    loaded = createRequire(import.meta.url)('rxjs') as typeof Rx;
  } catch (error) {
    if (errorCode(error) !== 'MODULE_NOT_FOUND') throw error;
    throw new Error(
      "kube-downward/rxjs needs the rxjs package, which is not installed: run `npm install rxjs` (version 7.8 or later). " +
        "Without RxJS, use iteratePodMetadata or waitForPodMetadata from 'kube-downward'.",
      { cause: error },
    );
  }
  return loaded;
}
