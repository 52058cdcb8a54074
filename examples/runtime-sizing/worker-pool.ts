// A job runner started by `kube-downward exec -- node worker-pool.js`: exec sized its V8 heap and libuv thread pool
// from the container's limits before it started, and it sizes its own pool of concurrent jobs from the CPU limit,
// following an in-place resize (kubectl patch pod ... --subresource resize) without a restart.
import v8 from 'node:v8';
import { iteratePodMetadata, specFor, type PodMetadata } from 'kube-downward';

/** Runs at most `size` jobs at once; a new size applies as running jobs finish. */
class JobPool {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(public size: number) {}

  resize(size: number): void {
    this.size = size;
    while (this.running < this.size && this.waiting.length > 0) this.start();
  }

  run<T>(job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push(() => job().then(resolve, reject).finally(() => this.done()));
      if (this.running < this.size) this.start();
    });
  }

  private start(): void {
    this.running += 1;
    this.waiting.shift()?.();
  }

  private done(): void {
    this.running -= 1;
    if (this.running < this.size && this.waiting.length > 0) this.start();
  }
}

/** One job per CPU of the limit, rounded up; two when the container has no CPU limit in the volume. */
function poolSize(pod: PodMetadata): number {
  const millicores = pod.resources['limits.cpu']?.millicores;
  return millicores === undefined ? 2 : Math.max(1, Math.ceil(Number(millicores) / 1000));
}

// Fixed when node started: what exec chose, or the defaults.
const heapMiB = Math.round(v8.getHeapStatistics().heap_size_limit / 1024 / 1024);
console.log(`heap limit ${heapMiB} MiB, libuv thread pool ${process.env['UV_THREADPOOL_SIZE'] ?? 'default (4)'}`);

const pool = new JobPool(1);
// Stand-in work: a job every 100 ms that takes 50 ms.
const jobs = setInterval(() => void pool.run(() => new Promise<void>((resolve) => setTimeout(resolve, 50))), 100);
const stop = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort());

// The default spec, and the container's CPU limit as a volume file: what `kube-downward manifest --for
// runtime-sizing` gives the pod.
for await (const pod of iteratePodMetadata({ spec: specFor(['runtime-sizing']), signal: stop.signal })) {
  const size = poolSize(pod);
  if (size !== pool.size) {
    pool.resize(size);
    console.log(`job pool size ${size} (limits.cpu ${pod.resources['limits.cpu']?.millicores ?? 'unset'}m)`);
  }
}
clearInterval(jobs);
console.log('stopped');
