// What the benchmarks share: a median, and operations per second over a minimum time.

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export function opsPerSecond(fn, minMs = 500) {
  let ops = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    fn();
    ops++;
  }
  return ops / ((performance.now() - start) / 1000);
}
