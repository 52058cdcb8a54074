import { DownwardApiError, problem, type DownwardApiProblem } from '../errors.js';

/**
 * Reads an env file as `docker run --env-file` does: one `NAME=value` per line, the first `=` splits, the value is
 * taken literally (no quotes, no escapes, since Downward API values never need them), blank lines and lines starting
 * with `#` are skipped. A name without `=` is an error here rather than docker's "inherit from the host", so that
 * a fixture never depends on the machine it runs on.
 */
export function parseEnvFile(text: string, path: string): Record<string, string> {
  const env: Record<string, string> = Object.create(null);
  const problems: DownwardApiProblem[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      problems.push(
        problem('MISSING_SEPARATOR', { kind: 'file', path, line: index + 1, column: 1 }, line, 'a line NAME=value', 'Write one NAME=value per line.'),
      );
      return;
    }
    env[line.slice(0, eq)] = line.slice(eq + 1);
  });
  if (problems.length > 0) {
    throw new DownwardApiError({ code: 'MISSING_SEPARATOR', summary: `${path} is not an env file.`, problems });
  }
  return env;
}
