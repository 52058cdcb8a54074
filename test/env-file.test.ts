import { describe, expect, it } from 'vitest';
import { parseEnvFile } from '../src/cli/env-file.js';
import { isDownwardApiError } from '../src/errors.js';

describe('parseEnvFile', () => {
  it('splits on the first = and keeps the value literally', () => {
    const env = parseEnvFile('# comment\n\nA=1\nB=x=y\nC="quoted"\r\nD=\n', 'test.env');
    expect({ ...env }).toEqual({ A: '1', B: 'x=y', C: '"quoted"', D: '' });
  });

  it('reports every line without = with its line number', () => {
    try {
      parseEnvFile('A=1\nBROKEN\nC=3\nALSO', 'bad.env');
      expect.unreachable();
    } catch (error) {
      expect(isDownwardApiError(error)).toBe(true);
      if (!isDownwardApiError(error)) return;
      expect(error.problems.map((p) => p.source)).toEqual([
        { kind: 'file', path: 'bad.env', line: 2, column: 1 },
        { kind: 'file', path: 'bad.env', line: 4, column: 1 },
      ]);
      expect(error.message).toContain('bad.env:2:1');
    }
  });
});
