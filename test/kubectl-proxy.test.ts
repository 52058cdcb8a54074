// The http:// path as users meet it: a real `kubectl proxy` (what an ambassador sidecar runs) in front of the test
// API server, holding the credentials in a kubeconfig made for it; the client sends no token of its own.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchPodMetadata } from '../src/cluster/api-pod.js';
import { watchPodFromApiServer, type ApiPodEvent } from '../src/cluster/api-watch.js';
import { FakeApiServer, json, makeCertificates, pod, podList, watchStream } from './api-server-support.js';

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
const reason = hasKubectl ? '' : ' (NOT RUN: kubectl is not installed on this machine)';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Starts `kubectl proxy` on a free port in front of `server`, with a kubeconfig holding `token` and the CA. */
async function kubectlProxy(server: FakeApiServer, caCert: string, token: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kube-downward-kubeconfig-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server: server.url, 'certificate-authority-data': Buffer.from(caCert).toString('base64') } }],
      users: [{ name: 'test', user: { token } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'test' } }],
      'current-context': 'test',
    }),
  );
  const child: ChildProcess = spawn('kubectl', ['proxy', '--port=0', '--address=127.0.0.1', `--kubeconfig=${kubeconfig}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill()))));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const port = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(out)?.[1];
      if (port !== undefined) resolve(`http://127.0.0.1:${port}`);
    });
    child.once('exit', (code) => reject(new Error(`kubectl proxy exited with ${code}: ${out}`)));
  });
}

describe('kubectl proxy in front of the API server', () => {
  it.runIf(hasKubectl)(`fetches and watches the pod through it, the proxy adding its own token${reason}`, async () => {
    const tls = makeCertificates();
    cleanups.push(() => rmSync(tls.dir, { recursive: true, force: true }));
    const server = await FakeApiServer.start(tls);
    cleanups.push(() => server.close());
    const proxy = await kubectlProxy(server, tls.caCert, 'proxy-token');
    let lists = 0;
    server.handler = (_req, res, seen) => {
      if (seen.path === '/version') return json(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.4' }); // kubectl's own check
      if (seen.path.endsWith('/pods/web-0')) return json(res, 200, pod({ resourceVersion: '5' }));
      if (seen.query.get('watch') !== 'true') {
        lists += 1;
        return json(res, 200, lists === 1 ? podList('100', [pod({ resourceVersion: '90' })]) : podList('200', [pod({ resourceVersion: '200' })]));
      }
      const stream = watchStream(res);
      if (seen.query.get('resourceVersion') === '100') {
        stream.bookmark('101');
        stream.event('MODIFIED', pod({ resourceVersion: '110', labels: { app: 'web', rollout: '2' } }));
        stream.gone();
        return stream.end();
      }
      return stream.event('DELETED', pod({ resourceVersion: '210' }));
    };
    const env = { POD_NAME: 'web-0', POD_NAMESPACE: 'shop' };
    const meta = await fetchPodMetadata({ apiServerUrl: proxy, env, serviceAccountDirectory: '/nonexistent' });
    expect(meta.ownerReferences[0]?.kind).toBe('StatefulSet');

    const controller = new AbortController();
    const events: ApiPodEvent[] = [];
    for await (const event of watchPodFromApiServer({ apiServerUrl: proxy, env, serviceAccountDirectory: '/nonexistent', backoff: { initialMs: 10, maxMs: 20 }, signal: controller.signal })) {
      events.push(event);
      if (event.type === 'deleted') controller.abort();
    }
    expect(events.map((e) => (e.type === 'pod' ? e.pod.resourceVersion : e.type === 'problem' ? e.error.code : e.type))).toEqual(['90', '110', 'GONE', '200', 'deleted']);
    // The client sent no token; every request reached the server with the proxy's.
    expect(server.seen.map((s) => s.authorization)).toEqual(Array(server.seen.length).fill('Bearer proxy-token'));
    const api = server.seen.filter((s) => s.path !== '/version');
    expect(api.map((s) => s.query.get('resourceVersion'))).toEqual([null, null, '100', null, '200']);
    expect(api[2]?.query.get('allowWatchBookmarks')).toBe('true');
  });
});
