// Types of bench/swap-race.js, for the test that runs it.
export interface RaceStats {
  readonly sync: number;
  readonly async: number;
  readonly failed: number;
  readonly mixed: number;
  readonly generations: number;
  readonly slowestMs: number;
  readonly firstFailure: string | undefined;
}

export function race(run: {
  readonly dir: string;
  readonly order: 'rename' | 'relink';
  readonly swaps: number;
  readonly readSync: (options: never) => unknown;
  readonly read: (options: never) => Promise<unknown>;
  readonly spec?: object;
}): Promise<RaceStats>;
