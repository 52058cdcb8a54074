import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, inspect } from 'node:util';
import { memfs } from 'memfs';
import { afterEach, describe, expect, it } from 'vitest';
import { createServiceAccountTokenSource, readServiceAccount, ServiceAccountToken, type ServiceAccountFileSystem } from '../src/cluster/service-account.js';
import { isKubernetes } from '../src/cluster/identity.js';
import { ServiceAccountDirectory } from './api-server-support.js';
import { failure } from './support.js';

const SECRET = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0.c2lnbmF0dXJl';
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

const directories: ServiceAccountDirectory[] = [];
function account(files: { token: string; namespace?: string; ca?: string }): ServiceAccountDirectory {
  const dir = new ServiceAccountDirectory(files);
  directories.push(dir);
  return dir;
}
afterEach(() => directories.splice(0).forEach((d) => d.remove()));

describe('readServiceAccount', () => {
  it('reads namespace, trimmed token, CA bundle and the API server URL', () => {
    const sa = account({ token: `${SECRET}\n`, namespace: 'shop', ca: CA });
    const read = readServiceAccount({ serviceAccountDirectory: sa.dir, env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' } });
    expect(read.namespace).toBe('shop');
    expect(read.token.reveal()).toBe(SECRET);
    expect(read.caBundle).toBe(CA);
    expect(read.apiServerUrl).toBe('https://10.96.0.1:443');
  });

  it('reads through an injected file system (memfs)', () => {
    const { fs: memory } = memfs({ '/sa/token': ' tok\n', '/sa/namespace': 'shop', '/sa/ca.crt': CA });
    const read = readServiceAccount({ serviceAccountDirectory: '/sa', fs: memory as ServiceAccountFileSystem, env: {} });
    expect([read.namespace, read.token.reveal(), read.caBundle, read.apiServerUrl]).toEqual(['shop', 'tok', CA, undefined]);
  });

  it('puts an IPv6 API server host in brackets, and has no URL without both variables', () => {
    const sa = account({ token: SECRET, namespace: 'shop', ca: CA });
    const read = (env: Record<string, string>) => readServiceAccount({ serviceAccountDirectory: sa.dir, env }).apiServerUrl;
    expect(read({ KUBERNETES_SERVICE_HOST: 'fd00:10:96::1', KUBERNETES_SERVICE_PORT: '6443' })).toBe('https://[fd00:10:96::1]:6443');
    expect(read({ KUBERNETES_SERVICE_HOST: '10.96.0.1' })).toBeUndefined();
    expect(read({})).toBeUndefined();
    const bad = failure(() => read({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: 'https' }));
    expect(bad.message).toContain('env KUBERNETES_SERVICE_PORT');
  });

  it('refuses an empty token file, naming the file', () => {
    const sa = account({ token: ' \n', namespace: 'shop', ca: CA });
    const error = failure(() => readServiceAccount({ serviceAccountDirectory: sa.dir }));
    expect(error.code).toBe('MISSING');
    expect(error.problems[0]?.source).toEqual({ kind: 'file', path: join(sa.dir, 'token') });
    expect(error.message).toContain('non-empty bearer token');
  });

  it('says which file is missing and how to mount it', () => {
    const error = failure(() => readServiceAccount({ serviceAccountDirectory: join(tmpdir(), 'no-such-service-account') }));
    expect(error.code).toBe('MISSING');
    expect(error.message).toContain('automountServiceAccountToken');
    const sa = account({ token: SECRET, ca: CA });
    expect(failure(() => readServiceAccount({ serviceAccountDirectory: sa.dir })).problems[0]?.source).toEqual({ kind: 'file', path: join(sa.dir, 'namespace') });
  });

  it('reports an unreadable token as VOLUME_UNREADABLE when run as a user who may not read it', () => {
    const sa = account({ token: SECRET, namespace: 'shop', ca: CA });
    fs.chmodSync(sa.dir, 0o755);
    const generation = fs.readlinkSync(join(sa.dir, '..data'));
    fs.chmodSync(join(sa.dir, generation, 'token'), 0o600);
    const script = `import { readServiceAccount } from ${JSON.stringify(new URL('../dist/cluster/service-account.js', import.meta.url).href)};
try { readServiceAccount({ serviceAccountDirectory: ${JSON.stringify(sa.dir)} }); } catch (e) { process.stdout.write(JSON.stringify({ code: e.code, message: e.message })); }`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
    const { code, message } = JSON.parse(out) as { code: string; message: string };
    expect(code).toBe('VOLUME_UNREADABLE');
    expect(message).toContain(`${join(sa.dir, 'token')}`);
    expect(message).toContain('EACCES');
  });
});

describe('the token never shows', () => {
  const token = new ServiceAccountToken(SECRET);

  it('in String(), template literals, JSON.stringify, util.inspect and console.log formatting', () => {
    const holder = { account: { token }, list: [token] };
    const printed = [
      String(token),
      `${token}`,
      JSON.stringify(holder),
      inspect(holder, { depth: 10 }),
      inspect(token, { showHidden: true }),
      inspect(token, { customInspect: false, showHidden: true }),
      format('%s %o %O %j', token, holder, holder, holder),
    ];
    for (const text of printed) expect(text).not.toContain('c2VjcmV0');
    expect(JSON.stringify(holder)).toBe('{"account":{"token":"[redacted]"},"list":["[redacted]"]}');
    expect(inspect(token)).toBe('ServiceAccountToken [redacted]');
    expect(token.reveal()).toBe(SECRET);
  });

  it('in the read service account and in errors about it', () => {
    const sa = account({ token: SECRET, namespace: 'Not A Namespace', ca: CA });
    const error = failure(() => readServiceAccount({ serviceAccountDirectory: sa.dir }));
    expect(`${error.message} ${inspect(error)} ${JSON.stringify(error)}`).not.toContain('c2VjcmV0');
    sa.rotate(SECRET);
    const good = account({ token: SECRET, namespace: 'shop', ca: CA });
    const read = readServiceAccount({ serviceAccountDirectory: good.dir });
    expect(`${inspect(read)} ${JSON.stringify(read)} ${format('%o', read)}`).not.toContain('c2VjcmV0');
  });
});

describe('createServiceAccountTokenSource', () => {
  it('re-reads the token after the kubelet swaps ..data, once the refresh interval has passed', () => {
    const sa = account({ token: 'first', namespace: 'shop', ca: CA });
    const cached = createServiceAccountTokenSource({ serviceAccountDirectory: sa.dir, refreshIntervalMs: 60_000 });
    const fresh = createServiceAccountTokenSource({ serviceAccountDirectory: sa.dir, refreshIntervalMs: 0 });
    sa.rotate('second\n');
    expect(fresh.current().reveal()).toBe('second');
    expect(cached.current().reveal()).toBe('first');
    expect(cached.refresh().reveal()).toBe('second');
  });

  it('keeps the last good token when a read fails, and says why', () => {
    const sa = account({ token: 'good', namespace: 'shop', ca: CA });
    const tokens = createServiceAccountTokenSource({ serviceAccountDirectory: sa.dir, refreshIntervalMs: 0 });
    sa.rotate('');
    expect(tokens.current().reveal()).toBe('good');
    expect(tokens.lastError?.code).toBe('MISSING');
    fs.rmSync(sa.dir, { recursive: true });
    expect(tokens.current().reveal()).toBe('good');
    expect(tokens.lastError?.message).toContain(join(sa.dir, 'token'));
    fs.mkdirSync(sa.dir);
    fs.writeFileSync(join(sa.dir, 'token'), 'better');
    expect(tokens.current().reveal()).toBe('better');
    expect(tokens.lastError).toBeUndefined();
  });

  it('tells subscribers about each rotation as the ..data swap happens', async () => {
    const sa = account({ token: 'one', namespace: 'shop', ca: CA });
    const tokens = createServiceAccountTokenSource({ serviceAccountDirectory: sa.dir, refreshIntervalMs: 60_000 });
    const seen: string[] = [];
    let notify = () => {};
    const stop = tokens.subscribe((token) => {
      seen.push(token.reveal());
      notify();
    });
    for (const next of ['two', 'three']) {
      const arrived = new Promise<void>((resolve) => (notify = resolve));
      sa.rotate(next);
      await arrived;
    }
    stop();
    sa.rotate('four');
    expect(seen).toEqual(['two', 'three']);
    expect(tokens.current().reveal()).toBe('three');
  });

  it('throws when the first read fails', () => {
    expect(failure(() => createServiceAccountTokenSource({ serviceAccountDirectory: join(tmpdir(), 'no-such-sa') })).code).toBe('MISSING');
    expect(() => createServiceAccountTokenSource({ refreshIntervalMs: -1 })).toThrow(RangeError);
  });
});

describe('isKubernetes', () => {
  it('lists every piece of evidence, and takes the namespace from the Downward API before the service account', () => {
    const sa = account({ token: SECRET, namespace: 'from-sa', ca: CA });
    const found = isKubernetes({
      env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', POD_NAMESPACE: 'from-env' },
      serviceAccountDirectory: sa.dir,
      volume: join(tmpdir(), 'no-such-volume'),
    });
    expect(found.inKubernetes).toBe(true);
    expect(found.evidence).toEqual([
      { kind: 'env', name: 'KUBERNETES_SERVICE_HOST' },
      { kind: 'env', name: 'KUBERNETES_SERVICE_PORT' },
      { kind: 'service-account', path: join(sa.dir, 'token') },
      { kind: 'service-account', path: join(sa.dir, 'ca.crt') },
      { kind: 'service-account', path: join(sa.dir, 'namespace') },
      { kind: 'downward-env', name: 'POD_NAMESPACE' },
    ]);
    expect(found.namespace).toEqual({ value: 'from-env', from: 'downward-api', source: { kind: 'env', name: 'POD_NAMESPACE' } });
    const fromFile = isKubernetes({ env: {}, serviceAccountDirectory: sa.dir, volume: join(tmpdir(), 'no-such-volume') });
    expect(fromFile.namespace).toEqual({ value: 'from-sa', from: 'service-account', source: { kind: 'file', path: join(sa.dir, 'namespace') } });
  });

  it('reads the namespace from the downwardAPI volume when no env var holds it', () => {
    const volume = fs.mkdtempSync(join(tmpdir(), 'kube-downward-volume-'));
    fs.writeFileSync(join(volume, 'podNamespace'), 'from-volume');
    const found = isKubernetes({ env: {}, volume, serviceAccountDirectory: join(tmpdir(), 'no-such-sa') });
    fs.rmSync(volume, { recursive: true });
    expect(found.inKubernetes).toBe(false);
    expect(found.evidence).toEqual([{ kind: 'downward-volume', path: join(volume, 'podNamespace') }]);
    expect(found.namespace?.value).toBe('from-volume');
  });

  it('finds nothing outside a pod', () => {
    expect(isKubernetes({ env: {}, serviceAccountDirectory: join(tmpdir(), 'no-such-sa'), volume: join(tmpdir(), 'no-such-volume') })).toEqual({
      inKubernetes: false,
      evidence: [],
      namespace: undefined,
    });
  });
});
