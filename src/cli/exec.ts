import { runtimeSizing } from '../integrations/runtime-sizing.js';
import { EXIT, UsageError, loadSpec, parse, type Command } from './common.js';

export const exec: Command = {
  name: 'exec',
  summary: 'run a command with the V8 heap and libuv thread pool sized from the container\'s limits',
  help: `Usage: kube-downward exec [--volume DIR] [--spec FILE] [--cgroup DIR] -- COMMAND [ARG...]

Runs COMMAND with --max-old-space-size (in NODE_OPTIONS) from the container's memory limit and UV_THREADPOOL_SIZE
from its CPU limit or request, read from the Downward API, else from cgroup v2, else left at the runtime's
defaults. Each setting and its source are printed once on stderr. A --max-old-space-size already in NODE_OPTIONS
or on the command line, and a UV_THREADPOOL_SIZE already set, are left alone. Signals are passed on to COMMAND,
and its exit code (or the signal that ended it) becomes kube-downward's.

Heap: 75% of the limit (less what this process holds while the app runs) less V8's young generation (48 MiB), at
least 16 MiB; the rest is for memory outside the heap. Thread pool: one thread per CPU rounded up, at least libuv's default 4, at most 1024.

Options:
  --volume DIR   the downwardAPI volume's mount path (default: KUBE_DOWNWARD_VOLUME, else the spec's mountPath)
  --spec FILE    the spec as YAML or JSON (default: the built-in default spec)
  --cgroup DIR   the container's cgroup v2 directory (default: /sys/fs/cgroup)
  -h, --help     show this help`,
  run,
};

const MIB = 1024 * 1024;

/** The signals a process manager sends to stop or poke the app; SIGKILL and SIGSTOP cannot be caught. */
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'] as const;

function say(line: string): void {
  process.stderr.write(`kube-downward exec: ${line}\n`);
}

async function run(args: string[]): Promise<number> {
  const split = args.indexOf('--');
  const values = parse(exec, split === -1 ? args : args.slice(0, split), {
    volume: { type: 'string' },
    spec: { type: 'string' },
    cgroup: { type: 'string' },
  });
  if (values === undefined) return EXIT.ok;
  const command = split === -1 ? [] : args.slice(split + 1);
  const [file, ...rest] = command;
  if (file === undefined) throw new UsageError(`exec: a command is needed after --\n\n${exec.help}`);
  const spec = await loadSpec(values['spec'] as string | undefined);
  const volume = values['volume'] as string | undefined;
  const cgroupRoot = values['cgroup'] as string | undefined;

  const sizing = runtimeSizing({
    env: process.env,
    args: command,
    ...(spec === undefined ? {} : { spec }),
    ...(volume === undefined ? {} : { volume }),
    ...(cgroupRoot === undefined ? {} : { cgroupRoot }),
    // This process stays while the app runs, and its memory counts against the same limit. Whole MiB, so that the
    // line printed gives the numbers the heap was sized from.
    reservedBytes: Math.ceil(process.memoryUsage.rss() / MIB) * MIB,
  });
  // A missing volume is one problem for every resource; say it once.
  for (const message of new Set(sizing.problems.map((problem) => problem.message))) say(`not sizing from these Downward API values: ${message}`);
  say(sizing.maxOldSpaceSizeMiB.description);
  say(sizing.uvThreadpoolSize.description);

  const env = { ...process.env };
  const heap = sizing.maxOldSpaceSizeMiB.value;
  // NODE_OPTIONS reaches node however it is started (npm start, npx, a shell script), and a flag given on node's
  // command line still wins over it.
  if (heap !== undefined) env['NODE_OPTIONS'] = [env['NODE_OPTIONS'], `--max-old-space-size=${heap}`].filter((part) => part !== undefined && part !== '').join(' ');
  const threads = sizing.uvThreadpoolSize.value;
  if (threads !== undefined) env['UV_THREADPOOL_SIZE'] = String(threads);

  const child = process.getBuiltinModule('node:child_process').spawn(file, rest, { stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);
  const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | Error>((resolve) => {
    child.once('error', resolve);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  for (const signal of FORWARDED) process.off(signal, forward);

  if (ended instanceof Error) {
    say(`cannot run ${file}: ${ended.message}`);
    // The shell's codes: 127 for a command not found, 126 for one that cannot be executed.
    return (ended as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 126;
  }
  if (ended.signal !== null) {
    // Die of the same signal, so that whoever waits for us sees what happened to the app. As PID 1 of a container
    // the kernel ignores it; then the shell's convention, 128 + the signal's number, says it.
    // SIGUSR1 is the exception: Node would open its inspector instead.
    if (ended.signal !== 'SIGUSR1') process.kill(process.pid, ended.signal);
    return 128 + (process.getBuiltinModule('node:os').constants.signals[ended.signal] ?? 0);
  }
  return ended.code ?? EXIT.ok;
}
