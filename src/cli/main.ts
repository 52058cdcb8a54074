#!/usr/bin/env node
// The kube-downward command: one module per subcommand, imported only when it runs (or when the command list is
// printed), so that `show` and `check` load neither the watch nor the testing kit. Errors go to stderr; exit codes
// are in the usage text.

import { EXIT, endQuietlyOnClosedOutput, failure, type Command } from './common.js';

const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  show: async () => (await import('./show.js')).show,
  watch: async () => (await import('./watch.js')).watch,
  check: async () => (await import('./check.js')).check,
  manifest: async () => (await import('./manifest.js')).manifest,
  exec: async () => (await import('./exec.js')).exec,
  demo: async () => (await import('./demo.js')).demo,
};

async function usage(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  return `Usage: kube-downward <command> [options]

Commands:
${commands.map((command) => `  ${command.name.padEnd(8)}  ${command.summary}`).join('\n')}

Run "kube-downward <command> --help" for a command's options.

Exit codes: 0 success, 1 invalid or missing values (or input files), 2 bad usage, 3 not running in Kubernetes.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '-h' || name === '--help') {
    process.stdout.write(`${await usage()}\n`);
    return EXIT.ok;
  }
  const load = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (load === undefined) {
    process.stderr.write(`kube-downward: ${name === undefined ? 'a command is needed' : `unknown command: ${name}`}\n\n${await usage()}\n`);
    return EXIT.usage;
  }
  try {
    return await (await load()).run(rest);
  } catch (error) {
    return failure(error);
  }
}

endQuietlyOnClosedOutput();
process.exitCode = await main(process.argv.slice(2));
