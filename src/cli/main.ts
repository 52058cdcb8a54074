#!/usr/bin/env node
// The kube-downward command: one module per subcommand. Errors go to stderr; exit codes are in the usage text.

import { check } from './check.js';
import { EXIT, failure, type Command } from './common.js';
import { demo } from './demo.js';
import { exec } from './exec.js';
import { manifest } from './manifest.js';
import { show } from './show.js';
import { watch } from './watch.js';

const COMMANDS: readonly Command[] = [show, watch, check, manifest, exec, demo];

const USAGE = `Usage: kube-downward <command> [options]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(8)}  ${command.summary}`).join('\n')}

Run "kube-downward <command> --help" for a command's options.

Exit codes: 0 success, 1 invalid or missing values (or input files), 2 bad usage, 3 not running in Kubernetes.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '-h' || name === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    process.stderr.write(`kube-downward: ${name === undefined ? 'a command is needed' : `unknown command: ${name}`}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    return failure(error);
  }
}

process.exitCode = await main(process.argv.slice(2));
