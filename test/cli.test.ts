// The kube-downward command, run as a user runs it: the built bin in a process of its own.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { downwardPodSpec } from '../src/spec/manifest.js';
import { createDownwardVolume, downwardEnv, seedPod, type DownwardVolume, type DownwardVolumeItem } from '../src/testing/index.js';
import { asKubernetesReadsIt } from './support.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'cli', 'main.js');
const seedEnvFile = join(root, 'fixtures', 'env', 'seed.env');
const seedVolume = join(root, 'fixtures', 'volumes', 'seed');
const baseEnv = { PATH: process.env['PATH'] ?? '' };
/** The items of the seed's volume-only pod (fixtures/manifests/seed-volume-pod.yaml). */
const volumeOnlyItems = asKubernetesReadsIt(parse(readFileSync(join(root, 'fixtures/manifests/seed-volume-pod.yaml'), 'utf8')).spec.volumes[0].downwardAPI.items) as DownwardVolumeItem[];

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, env: { ...baseEnv, ...env }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

function tempFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kube-downward-cli-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

describe('usage', () => {
  it.each(['show', 'watch', 'check', 'manifest', 'demo'])('%s --help prints its usage and exits 0', (command) => {
    const { code, stdout } = run([command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: kube-downward ${command}`);
  });

  it('lists the commands with --help', () => {
    const { code, stdout } = run(['--help']);
    expect(code).toBe(0);
    for (const command of ['show', 'watch', 'check', 'manifest', 'demo']) expect(stdout).toContain(`  ${command} `);
  });

  it.each([[[]], [['bogus']], [['toString']], [['show', '--nope']], [['show', 'extra']], [['watch', '--debounce-ms', 'soon']], [['manifest', '--container', 'Bad_Name']]])(
    'gives usage, not a stack trace, for %j (exit 2)',
    (args) => {
      const { code, stderr } = run(args);
      expect(code).toBe(2);
      expect(stderr).toContain('Usage: kube-downward');
      expect(stderr).not.toMatch(/\n\s+at /);
    },
  );
});

describe('show', () => {
  it('prints the seed snapshot as a table', () => {
    const { code, stdout } = run(['show', '--env-from', seedEnvFile]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/name\s+downward/);
    expect(stdout).toMatch(/requests\.cpu\s+15 millicores \(divisor 1m\)/);
    expect(stdout).toMatch(/limits\.memory\s+4194304 bytes \(divisor 1Ki\)/);
  });

  it('prints JSON with exact integers as strings, merging a volume', () => {
    const { code, stdout } = run(['show', '--json', '--env-from', seedEnvFile, '--volume', seedVolume]);
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.labels).toEqual({ foo: 'bar' });
    expect(json.resources['requests.cpu'].millicores).toBe('15');
    expect(json.resources['limits.memory']).toEqual({ resource: 'limits.memory', divisor: '1', bytes: '4194304', interval: { above: '4194303', atMost: '4194304' } });
  });

  it('reads a spec in YAML', () => {
    const spec = tempFile('spec.yaml', 'env:\n- name: POD_NAME\n  valueFrom:\n    fieldRef:\n      fieldPath: metadata.name\n');
    const { code, stdout } = run(['show', '--json', '--spec', spec], { POD_NAME: 'web-0' });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).name).toBe('web-0');
  });

  it('exits 3 outside Kubernetes, 1 for a file it cannot read or an invalid spec', () => {
    expect(run(['show']).code).toBe(3);
    // Not --env-file: Node 20 itself also reads that flag, after the script too, and stops on a missing file.
    const missing = run(['show', '--spec', '/nonexistent/spec.yaml']);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('cannot read /nonexistent/spec.yaml')]);
    const badSpec = run(['show', '--spec', tempFile('spec.yaml', 'env: [{ name: X, valueFrom: { fieldRef: { fieldPath: metadata.labels } } }]')]);
    expect([badSpec.code, badSpec.stderr]).toEqual([1, expect.stringContaining('spec env[0].valueFrom.fieldRef.fieldPath')]);
  });
});

describe('check', () => {
  it('exits 0 when everything holds', () => {
    const { code, stdout } = run(['check', '--env-from', seedEnvFile, '--volume', seedVolume]);
    expect(code).toBe(0);
    expect(stdout).toContain('ok');
  });

  it('prints every problem with its hint and exits 1', () => {
    const env = tempFile('bad.env', 'POD_NAME=Bad_Name\nPOD_NAMESPACE=default\nPOD_IP=10.0.0.300\nNODE_NAME=n\nSERVICE_ACCOUNT=default\nCONTAINER_CPU_REQUEST_MILLICORES=15\n');
    const { code, stderr } = run(['check', '--env-from', env]);
    expect(code).toBe(1);
    expect(stderr).toContain('env POD_NAME = "Bad_Name": [INVALID_NAME]');
    expect(stderr).toContain('env POD_IP = "10.0.0.300": [INVALID_IP]');
    expect(stderr).toContain('env CONTAINER_MEMORY_LIMIT_KIBIBYTES: [MISSING]');
    expect(stderr).toContain('Check that POD_IP is set from valueFrom.fieldRef.fieldPath status.podIP');
  });

  it('exits 1 outside Kubernetes too', () => {
    expect(run(['check']).code).toBe(1);
  });

  it("is strict: the volume-only pod lacks the default spec's env vars, unless --lenient", () => {
    const v = createDownwardVolume({ pod: seedPod, items: volumeOnlyItems });
    cleanup.push(() => v.remove());
    const strict = run(['check', '--volume', v.directory]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('env POD_NAME: [MISSING]');
    const lenient = run(['check', '--lenient', '--volume', v.directory]);
    expect([lenient.code, lenient.stdout]).toEqual([0, 'ok: every value present is valid\n']);
  });
});

describe('zero configuration', () => {
  it('shows the volume-only pod with no env vars at all', () => {
    const v = createDownwardVolume({ pod: seedPod, items: volumeOnlyItems });
    cleanup.push(() => v.remove());
    const { code, stdout } = run(['show', '--json', '--volume', v.directory]);
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect([json.name, json.namespace, json.labels, json.resources['requests.cpu'].millicores]).toEqual(['downward', 'default', { foo: 'bar' }, '15']);
    expect(json.sources.name).toEqual({ kind: 'file', path: join(v.directory, 'podName') });
  });

  it('says which values are fallbacks', () => {
    const { code, stdout } = run(['show'], { HOSTNAME: 'web-0', KUBERNETES_SERVICE_HOST: '10.96.0.1' });
    expect(code).toBe(0);
    expect(stdout).toMatch(/name\s+web-0 \(a fallback: from env HOSTNAME\)/);
  });

  it('requires the entries with --strict', () => {
    const { code, stderr } = run(['show', '--strict'], { HOSTNAME: 'web-0', KUBERNETES_SERVICE_HOST: '10.96.0.1' });
    expect(code).toBe(1);
    expect(stderr).toContain('env POD_NAME: [MISSING]');
  });
});

describe('the env file flag', () => {
  it('still takes the old name --env-file, with a notice', () => {
    const { code, stdout, stderr } = run(['show', '--env-file', seedEnvFile]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/name\s+downward/);
    expect(stderr).toContain('--env-file is now --env-from');
  });

  it('is not intercepted by Node.js when the file is missing', () => {
    const { code, stderr } = run(['show', '--env-from', '/nonexistent/seed.env']);
    expect([code, stderr]).toEqual([1, expect.stringContaining('cannot read /nonexistent/seed.env')]);
  });
});

describe('as a Unix tool', () => {
  /** A private TMPDIR, so that a temp directory left behind is seen. */
  function privateTmp(): string {
    const dir = mkdtempSync(join(tmpdir(), 'kube-downward-tmp-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  it('ends quietly, leaving no temp directory, when `| head -1` closes its output', () => {
    const tmp = privateTmp();
    const result = spawnSync('bash', ['-c', `"${process.execPath}" "${cli}" demo 2>"${tmp}.err" | head -1; echo "\${PIPESTATUS[0]}"`], { cwd: root, env: { ...baseEnv, TMPDIR: tmp }, encoding: 'utf8' });
    cleanup.push(() => rmSync(`${tmp}.err`, { force: true }));
    const [first, code] = result.stdout.trim().split('\n');
    expect(first).toContain('A downwardAPI volume for pod "downward"');
    expect(code).toBe('0');
    expect(readFileSync(`${tmp}.err`, 'utf8')).toBe('');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('ends quietly when the reader closes the pipe before the next write (demo, watch)', async () => {
    const tmp = privateTmp();
    const v = createDownwardVolume({ pod: seedPod });
    cleanup.push(() => v.remove());
    for (const args of [['demo'], ['watch', '--json', '--volume', v.directory, '--debounce-ms', '5']]) {
      const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...baseEnv, ...downwardEnv(seedPod), TMPDIR: tmp } });
      cleanup.push(() => child.kill('SIGKILL'));
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      await new Promise((resolve) => child.stdout.once('data', resolve));
      child.stdout.destroy();
      if (args[0] === 'watch') v.update({ labels: { foo: `closed-${Date.now()}` } });
      expect(await exited).toBe(0);
      expect(stderr).toBe('');
    }
    expect(readdirSync(tmp)).toEqual([]);
  });

  it.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('cleans up the demo on %s', async (signal, expected) => {
    const tmp = privateTmp();
    const child = spawn(process.execPath, [cli, 'demo'], { cwd: root, env: { ...baseEnv, TMPDIR: tmp } });
    cleanup.push(() => child.kill('SIGKILL'));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise((resolve) => child.stdout.once('data', resolve));
    child.kill(signal);
    // The demo may have finished on its own in the meantime; either way it ends cleanly.
    expect([expected, 0]).toContain(await exited);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe('manifest', () => {
  it('prints the YAML of downwardPodSpec, merged into a pod spec', () => {
    const { code, stdout } = run(['manifest']);
    expect(code).toBe(0);
    expect(parse(stdout)).toEqual(JSON.parse(JSON.stringify({ spec: downwardPodSpec() })));
    expect(stdout).toContain('fieldPath: metadata.name');
  });

  it('takes the container, the volume name, the optional vars and JSON', () => {
    const { code, stdout } = run(['manifest', '--container', 'web', '--volume-name', 'podinfo', '--with-optional', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify({ spec: downwardPodSpec({ container: 'web', volumeName: 'podinfo', includeOptional: true }) })));
  });
});

describe('watch', () => {
  function start(args: string[], env: Record<string, string>) {
    const child = spawn(process.execPath, [cli, 'watch', ...args], { cwd: root, env: { ...baseEnv, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    cleanup.push(() => child.kill('SIGKILL'));
    return { child, exited, out: () => stdout, err: () => stderr };
  }

  function volume(): DownwardVolume {
    const v = createDownwardVolume({ pod: seedPod });
    cleanup.push(() => v.remove());
    return v;
  }

  it('prints one NDJSON line per emission and exits 0 on SIGTERM', async () => {
    const v = volume();
    const watch = start(['--json', '--volume', v.directory, '--debounce-ms', '5'], downwardEnv(seedPod));
    await vi.waitFor(() => expect(watch.out().split('\n').filter(Boolean)).toHaveLength(1), { timeout: 10_000 });
    v.update({ labels: { foo: 'baz' } });
    await vi.waitFor(() => expect(watch.out().split('\n').filter(Boolean)).toHaveLength(2), { timeout: 10_000 });
    const lines = watch.out().split('\n').filter(Boolean).map((line) => JSON.parse(line));
    expect(lines.map((l) => l.labels.foo)).toEqual(['bar', 'baz']);
    watch.child.kill('SIGTERM');
    expect(await watch.exited).toBe(0);
    expect(watch.err()).toBe('');
  });

  it("prints snapshots of the seed's volume-only pod, with no env vars and no options but the volume", async () => {
    const v = createDownwardVolume({ pod: seedPod, items: volumeOnlyItems });
    cleanup.push(() => v.remove());
    const watch = start(['--json', '--volume', v.directory, '--debounce-ms', '5'], {});
    await vi.waitFor(() => expect(watch.out().split('\n').filter(Boolean)).toHaveLength(1), { timeout: 10_000 });
    v.update({ labels: { foo: 'baz' } });
    await vi.waitFor(() => expect(watch.out().split('\n').filter(Boolean)).toHaveLength(2), { timeout: 10_000 });
    expect(watch.out().split('\n').filter(Boolean).map((line) => JSON.parse(line).labels.foo)).toEqual(['bar', 'baz']);
    watch.child.kill('SIGTERM');
    expect(await watch.exited).toBe(0);
    expect(watch.err()).toBe('');
  });

  it('says what changed, and exits 0 on SIGINT', async () => {
    const v = volume();
    const watch = start(['--volume', v.directory, '--debounce-ms', '5'], downwardEnv(seedPod));
    await vi.waitFor(() => expect(watch.out()).toContain('snapshot:'), { timeout: 10_000 });
    v.update({ labels: { foo: 'bar', tier: 'web' } });
    await vi.waitFor(() => expect(watch.out()).toContain('label tier added: "web"'), { timeout: 10_000 });
    v.update({ containers: [{ name: 'main', resources: { requests: { cpu: '20m', memory: '100Ki' }, limits: { cpu: '100m', memory: '4Mi' } } }] });
    await vi.waitFor(() => expect(watch.out()).toContain('resource requests.cpu changed: 15 millicores -> 20 millicores'), { timeout: 10_000 });
    watch.child.kill('SIGINT');
    expect(await watch.exited).toBe(0);
  });
});

describe('demo', () => {
  it('writes, watches and updates a volume, printing each change, and exits 0', () => {
    const { code, stdout } = run(['demo']);
    expect(code).toBe(0);
    expect(stdout).toContain('label foo changed: "bar" -> "baz"');
    expect(stdout).toContain('annotation key1 changed: "value1" -> "value2"');
  });
});
