// fetchPodMetadata and watchPodFromApiServer against a real HTTPS server that speaks the API's wire format.
import { rmSync } from 'node:fs';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isKubernetesApiError, KubernetesApiError } from '../src/cluster/api-error.js';
import { fetchPodMetadata } from '../src/cluster/api-pod.js';
import { watchPodFromApiServer, type ApiPodEvent, type WatchPodFromApiServerOptions } from '../src/cluster/api-watch.js';
import { createServiceAccountTokenSource } from '../src/cluster/service-account.js';
import { FakeApiServer, ServiceAccountDirectory, json, makeCertificates, pod, podList, status, watchStream, type Certificates } from './api-server-support.js';

let tls: Certificates;
beforeAll(() => {
  tls = makeCertificates();
});

let server: FakeApiServer;
let sa: ServiceAccountDirectory;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => rmSync(tls.dir, { recursive: true, force: true }));

async function start(plain = false): Promise<FakeApiServer> {
  server = await FakeApiServer.start(plain ? undefined : tls);
  cleanups.push(() => server.close());
  sa = new ServiceAccountDirectory({ token: 'token-a', namespace: 'shop', ca: tls.caCert });
  cleanups.push(() => sa.remove());
  return server;
}

/** The options of a pod named by the Downward API (POD_NAME) in the service account's namespace. */
function options(extra: Partial<WatchPodFromApiServerOptions> = {}): WatchPodFromApiServerOptions {
  return { apiServerUrl: server.url, serviceAccountDirectory: sa.dir, env: { POD_NAME: 'web-0' }, volume: sa.dir, ...extra };
}

async function expectApiError(promise: Promise<unknown>): Promise<KubernetesApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isKubernetesApiError(error)) throw new Error(`expected a KubernetesApiError, got ${inspect(error)}`);
  return error;
}

/** Collects a watch's events until `until` says stop, then aborts it. */
async function collect(opts: WatchPodFromApiServerOptions, until: (events: ApiPodEvent[]) => boolean): Promise<ApiPodEvent[]> {
  const controller = new AbortController();
  const events: ApiPodEvent[] = [];
  for await (const event of watchPodFromApiServer({ ...opts, signal: controller.signal })) {
    events.push(event);
    if (until(events)) controller.abort();
  }
  return events;
}

const fast = { backoff: { initialMs: 10, maxMs: 40 }, idleTimeoutMs: 2_000, watchTimeoutSeconds: 60 } as const;
const pods = (events: ApiPodEvent[]) => events.flatMap((e) => (e.type === 'pod' ? [e.pod.resourceVersion] : []));

describe('fetchPodMetadata', () => {
  it('GETs the own pod over HTTPS with the token, trusting the service account CA, in the PodMetadata shape', async () => {
    await start();
    server.handler = (_req, res) => json(res, 200, pod({ resourceVersion: '42' }));
    const meta = await fetchPodMetadata(options({ container: 'main' }));
    expect(server.seen.map((s) => [s.path, s.authorization])).toEqual([['/api/v1/namespaces/shop/pods/web-0', 'Bearer token-a']]);
    expect(meta).toMatchObject({
      name: 'web-0',
      namespace: 'shop',
      uid: '6f1a2b3c-4d5e-4f60-8172-93a4b5c6d7e8',
      nodeName: 'node-1',
      serviceAccountName: 'web',
      podIP: '10.1.2.3',
      podIPs: ['10.1.2.3', 'fd00::3'],
      hostIP: '192.168.0.7',
      hostIPs: ['192.168.0.7'],
      labels: { app: 'web' },
      resourceVersion: '42',
      phase: 'Running',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: '0b1c2d3e-4f50-4172-8394-a5b6c7d8e9f0', controller: true }],
    });
    expect(meta.resources['requests.cpu']?.millicores).toBe(250n);
    expect(meta.resources['limits.cpu']?.millicores).toBe(1000n);
    expect(meta.resources['requests.memory']?.bytes).toBe(64n * 1024n * 1024n);
    expect(meta.containers['sidecar']?.['requests.cpu']?.millicores).toBe(10n);
    expect(Object.isFrozen(meta)).toBe(true);
  });

  it('sends no token to an http:// URL (kubectl proxy, ambassador) and needs no service account', async () => {
    await start(true);
    server.handler = (_req, res) => json(res, 200, pod({ resourceVersion: '1' }));
    const meta = await fetchPodMetadata({ apiServerUrl: server.url, env: { POD_NAME: 'web-0', POD_NAMESPACE: 'shop' }, serviceAccountDirectory: '/nonexistent' });
    expect(meta.name).toBe('web-0');
    expect(server.seen[0]?.authorization).toBeUndefined();
  });

  it('refuses a server whose certificate the service account CA did not sign', async () => {
    await start();
    const other = new ServiceAccountDirectory({ token: 'token-a', namespace: 'shop', ca: tls.otherCaCert });
    cleanups.push(() => other.remove());
    server.handler = (_req, res) => json(res, 200, pod({ resourceVersion: '1' }));
    const error = await expectApiError(fetchPodMetadata(options({ serviceAccountDirectory: other.dir })));
    expect(error.code).toBe('CONNECTION');
    expect(server.seen).toEqual([]);
  });

  it('falls back to HOSTNAME for the name, and a 404 then explains the 63-character truncation', async () => {
    await start();
    const hostname = 'a'.repeat(63);
    server.handler = (_req, res) => status(res, 404, 'NotFound', `pods "${hostname}" not found`);
    const error = await expectApiError(fetchPodMetadata(options({ env: { HOSTNAME: hostname } })));
    expect(server.seen[0]?.path).toBe(`/api/v1/namespaces/shop/pods/${hostname}`);
    expect(error).toMatchObject({ code: 'NOT_FOUND', status: 404, reason: 'NotFound' });
    expect(error.message).toContain('HOSTNAME, which is the pod name cut to 63 characters');
  });

  it('on 403 names the RBAC rule the service account needs', async () => {
    await start();
    server.handler = (_req, res) =>
      status(res, 403, 'Forbidden', 'pods "web-0" is forbidden: User "system:serviceaccount:shop:web" cannot get resource "pods" in API group "" in the namespace "shop"');
    const error = await expectApiError(fetchPodMetadata(options()));
    expect(error).toMatchObject({ code: 'FORBIDDEN', status: 403, reason: 'Forbidden' });
    expect(error.message).toContain('system:serviceaccount:shop:web');
    expect(error.message).toContain('Role in namespace shop with the rule { apiGroups: [""], resources: ["pods"], verbs: ["get"] }');
    expect(error.message).toContain('kube-downward manifest --api-server');
  });

  it('on 401 reads the rotated token once and retries with it', async () => {
    await start();
    server.handler = (_req, res, seen) => (seen.authorization === 'Bearer token-b' ? json(res, 200, pod({ resourceVersion: '7' })) : status(res, 401, 'Unauthorized', 'Unauthorized'));
    // The kubelet rotated the token after the source read it; the cached copy is stale until the 401.
    const tokenSource = createServiceAccountTokenSource({ serviceAccountDirectory: sa.dir });
    sa.rotate('token-b');
    const meta = await fetchPodMetadata(options({ tokenSource }));
    expect(meta.resourceVersion).toBe('7');
    expect(server.seen.map((s) => s.authorization)).toEqual(['Bearer token-a', 'Bearer token-b']);
  });

  it('gives up after one retry when the new token is refused too, without showing it', async () => {
    await start();
    server.handler = (_req, res) => status(res, 401, 'Unauthorized', 'Unauthorized');
    const error = await expectApiError(fetchPodMetadata(options()));
    expect(error.code).toBe('UNAUTHORIZED');
    expect(server.seen).toHaveLength(2);
    expect(`${error.message} ${inspect(error)} ${JSON.stringify(error)}`).not.toContain('token-a');
  });

  it('says clearly when the name is unknown or there is no API server', async () => {
    await start();
    await expect(fetchPodMetadata(options({ env: {} }))).rejects.toThrow(/pod's name is not known/);
    const error = await expectApiError(fetchPodMetadata({ name: 'web-0', namespace: 'shop', env: {} }));
    expect(error.code).toBe('NO_API_SERVER');
    await expect(fetchPodMetadata(options({ apiServerUrl: 'ftp://x' }))).rejects.toThrow(TypeError);
  });

  it('gives up on a server that never answers (half-open) after requestTimeoutMs', async () => {
    await start();
    server.handler = () => {};
    const error = await expectApiError(fetchPodMetadata(options({ requestTimeoutMs: 100 })));
    expect(error.code).toBe('TIMEOUT');
  });
});

describe('watchPodFromApiServer', () => {
  it('lists, watches with bookmarks, resumes from the last resourceVersion, and re-lists after a 410 ERROR event', async () => {
    await start();
    server.handler = (_req, res, seen, index) => {
      const watching = seen.query.get('watch') === 'true';
      if (index === 0) return json(res, 200, podList('100', [pod({ resourceVersion: '90' })]));
      if (index === 1) {
        const stream = watchStream(res);
        stream.bookmark('105');
        stream.event('MODIFIED', pod({ resourceVersion: '110', labels: { app: 'web', tier: 'a' } }));
        stream.bookmark('120');
        return stream.end(); // the server's timeoutSeconds ran out
      }
      if (index === 2) {
        const stream = watchStream(res);
        stream.gone();
        return stream.end();
      }
      if (index === 3 && !watching) return json(res, 200, podList('200', [pod({ resourceVersion: '150' })]));
      if (index === 4) {
        const stream = watchStream(res);
        return stream.event('DELETED', pod({ resourceVersion: '210' }));
      }
      return status(res, 500, 'InternalError', `unexpected request ${index}`);
    };
    const events = await collect(options(fast), (e) => e.at(-1)?.type === 'deleted');
    expect(events.map((e) => e.type)).toEqual(['pod', 'pod', 'problem', 'pod', 'deleted']);
    expect(pods(events)).toEqual(['90', '110', '150']);
    const second = events[1];
    expect(second?.type === 'pod' && second.pod.labels).toEqual({ app: 'web', tier: 'a' });
    expect(events[2]).toMatchObject({ type: 'problem', error: { code: 'GONE', status: 410, reason: 'Expired' }, retryInMs: 0 });
    expect(events[4]).toEqual({ type: 'deleted', resourceVersion: '210' });

    const queries = server.seen.map((s) => Object.fromEntries(s.query));
    expect(server.seen.every((s) => s.path === '/api/v1/namespaces/shop/pods' && s.authorization === 'Bearer token-a')).toBe(true);
    expect(queries[0]).toEqual({ fieldSelector: 'metadata.name=web-0' });
    expect(queries[1]).toEqual({ fieldSelector: 'metadata.name=web-0', watch: 'true', allowWatchBookmarks: 'true', resourceVersion: '100', timeoutSeconds: '60' });
    expect(queries[2]?.['resourceVersion']).toBe('120'); // the last bookmark
    expect(queries[3]).toEqual({ fieldSelector: 'metadata.name=web-0' }); // a fresh list, after 410
    expect(queries[4]?.['resourceVersion']).toBe('200'); // from the new list
  });

  it('re-lists after an HTTP 410 on the watch request', async () => {
    await start();
    server.handler = (_req, res, seen, index) => {
      if (seen.query.get('watch') !== 'true') return json(res, 200, podList(index === 0 ? '100' : '300', [pod({ resourceVersion: index === 0 ? '90' : '290' })]));
      if (seen.query.get('resourceVersion') === '100') return status(res, 410, 'Expired', 'too old resource version: 100 (250)');
      return watchStream(res).event('MODIFIED', pod({ resourceVersion: '310' }));
    };
    const events = await collect(options(fast), (e) => pods(e).includes('310'));
    expect(pods(events)).toEqual(['90', '290', '310']);
    expect(server.seen.map((s) => s.query.get('resourceVersion'))).toEqual([null, '100', null, '300']);
  });

  it('backs off when every new watch is answered with 410, instead of listing in a tight loop', async () => {
    await start();
    server.handler = (_req, res, seen) => {
      if (seen.query.get('watch') !== 'true') return json(res, 200, podList('100', [pod({ resourceVersion: '90' })]));
      return status(res, 410, 'Expired', 'too old resource version');
    };
    const events = await collect(options(fast), (e) => e.filter((x) => x.type === 'problem').length === 3);
    const delays = events.flatMap((e) => (e.type === 'problem' ? [e.retryInMs] : []));
    expect(delays[0]).toBe(0);
    expect(delays[1]).toBeGreaterThanOrEqual(10); // the second step: 20 ms with equal jitter
    expect(delays[2]).toBeGreaterThanOrEqual(20);
    expect(pods(events)).toEqual(['90']);
  });

  it('reconnects with backoff after a reset, a 5xx and a half-open connection, resuming where it was', async () => {
    await start();
    server.handler = (_req, res, seen, index) => {
      if (seen.query.get('watch') !== 'true') return json(res, 200, podList('100', [pod({ resourceVersion: '90' })]));
      if (index === 3) return res.socket?.destroy(); // no status line at all
      if (index === 4) return status(res, 503, 'ServiceUnavailable', 'etcd is unavailable');
      const stream = watchStream(res);
      if (index === 1) {
        stream.event('MODIFIED', pod({ resourceVersion: '110' }));
        return setTimeout(() => stream.reset(), 20);
      }
      if (index === 2) return stream.reset();
      if (index === 5) return; // headers, then silence: half-open
      return stream.event('MODIFIED', pod({ resourceVersion: '130' }));
    };
    // Long enough for a TLS handshake on a loaded machine, short enough for a test.
    const events = await collect(options({ ...fast, idleTimeoutMs: 500 }), (e) => pods(e).includes('130'));
    expect(pods(events)).toEqual(['90', '110', '130']);
    const problems = events.flatMap((e) => (e.type === 'problem' ? [e] : []));
    expect(problems.map((p) => p.error.code)).toEqual(['CONNECTION', 'CONNECTION', 'CONNECTION', 'SERVER_ERROR', 'TIMEOUT']);
    // Equal jitter: each delay lies in [step / 2, step], the step doubling from 10 ms up to 40 ms.
    const steps = [10, 20, 40, 40, 40];
    problems.forEach((p, i) => {
      expect(p.retryInMs).toBeGreaterThanOrEqual((steps[i] ?? 0) / 2);
      expect(p.retryInMs).toBeLessThanOrEqual(steps[i] ?? 0);
    });
    // Every reconnect resumed from the last resourceVersion seen, without listing again.
    expect(server.seen.slice(2).map((s) => s.query.get('resourceVersion'))).toEqual(['110', '110', '110', '110', '110']);
  });

  it('reads an event split across chunks, a multi-byte character cut in two', async () => {
    await start();
    server.handler = (_req, res, seen) => {
      if (seen.query.get('watch') !== 'true') return json(res, 200, podList('100', [pod({ resourceVersion: '90' })]));
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      const line = Buffer.from(`${JSON.stringify({ type: 'MODIFIED', object: pod({ resourceVersion: '110', labels: { app: 'web' } }) }).replace('"app":"web"', '"app":"wéb"')}\n`);
      const cut = line.indexOf(Buffer.from('é')) + 1; // between the two bytes of é
      res.write(line.subarray(0, cut));
      setTimeout(() => res.write(line.subarray(cut)), 30);
    };
    const events = await collect(options(fast), (e) => pods(e).includes('110'));
    const last = events.at(-1);
    expect(last?.type === 'pod' && last.pod.labels).toEqual({ app: 'wéb' });
  });

  it('retries after an ERROR event that is not 410, from the same resourceVersion', async () => {
    await start();
    server.handler = (_req, res, seen, index) => {
      if (seen.query.get('watch') !== 'true') return json(res, 200, podList('100', [pod({ resourceVersion: '90' })]));
      const stream = watchStream(res);
      if (index === 1) {
        stream.event('ERROR', { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'etcdserver: request timed out', reason: 'InternalError', code: 500 });
        return stream.end();
      }
      return stream.event('MODIFIED', pod({ resourceVersion: '120' }));
    };
    const events = await collect(options(fast), (e) => pods(e).includes('120'));
    expect(events.map((e) => (e.type === 'problem' ? e.error.code : e.type))).toEqual(['pod', 'SERVER_ERROR', 'pod']);
    expect(server.seen.map((s) => s.query.get('resourceVersion'))).toEqual([null, '100', '100']);
  });

  it('ends with a FORBIDDEN error naming get, list and watch', async () => {
    await start();
    server.handler = (_req, res) => status(res, 403, 'Forbidden', 'pods is forbidden: User "system:serviceaccount:shop:default" cannot list resource "pods"');
    const error = await expectApiError(collect(options(fast), () => false));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toContain('verbs: ["get", "list", "watch"]');
    expect(error.message).toContain('resourceNames: ["web-0"]');
  });

  it('sends the rotated token on the next request when the kubelet swaps it mid-watch', async () => {
    await start();
    const tokenSource = createServiceAccountTokenSource({ serviceAccountDirectory: sa.dir, refreshIntervalMs: 0 });
    server.handler = (_req, res, seen, index) => {
      if (index === 0) return json(res, 200, podList('100', [pod({ resourceVersion: '90' })]));
      const stream = watchStream(res);
      if (index === 1) {
        sa.rotate('token-b'); // the kubelet's ..data swap while this watch is open
        stream.event('MODIFIED', pod({ resourceVersion: '110' }));
        return stream.end();
      }
      return stream.event('MODIFIED', pod({ resourceVersion: seen.authorization === 'Bearer token-b' ? '120' : '666' }));
    };
    const events = await collect(options({ ...fast, tokenSource }), (e) => pods(e).length === 3);
    expect(pods(events)).toEqual(['90', '110', '120']);
    expect(server.seen.map((s) => s.authorization)).toEqual(['Bearer token-a', 'Bearer token-a', 'Bearer token-b']);
  });

  it('answers a 401 mid-watch by reading the rotated token and carrying on', async () => {
    await start();
    server.handler = (_req, res, seen, index) => {
      if (index === 0) return json(res, 200, podList('100', [pod({ resourceVersion: '90' })]));
      if (seen.authorization !== 'Bearer token-b') return status(res, 401, 'Unauthorized', 'Unauthorized');
      return watchStream(res).event('MODIFIED', pod({ resourceVersion: '120' }));
    };
    const tokenSource = createServiceAccountTokenSource({ serviceAccountDirectory: sa.dir });
    const controller = new AbortController();
    const events: ApiPodEvent[] = [];
    for await (const event of watchPodFromApiServer({ ...options(fast), tokenSource, signal: controller.signal })) {
      events.push(event);
      if (events.length === 1) sa.rotate('token-b');
      if (pods(events).includes('120')) controller.abort();
    }
    expect(server.seen.map((s) => s.authorization)).toEqual(['Bearer token-a', 'Bearer token-a', 'Bearer token-b']);
  });

  it('stops and closes its connection when the signal aborts mid-watch', async () => {
    await start();
    let closed!: () => void;
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
    server.handler = (req, res, _seen, index) => {
      if (index === 0) return json(res, 200, podList('100', [pod({ resourceVersion: '90' })]));
      req.socket.on('close', () => closed());
      watchStream(res).bookmark('101');
    };
    const controller = new AbortController();
    const iteration = (async () => {
      const events: ApiPodEvent[] = [];
      for await (const event of watchPodFromApiServer({ ...options(fast), signal: controller.signal })) events.push(event);
      return events;
    })();
    await server.requests(2);
    controller.abort();
    expect(pods(await iteration)).toEqual(['90']);
    await connectionClosed;
  });

  it('stops cleanly when aborted after the server has sent and ended the whole response', async () => {
    await start();
    server.handler = (_req, res, seen) => {
      if (seen.query.get('watch') !== 'true') return json(res, 200, podList('100', [pod({ resourceVersion: '90' })]));
      const stream = watchStream(res);
      for (const rv of ['110', '120', '130']) stream.event('MODIFIED', pod({ resourceVersion: rv }));
      stream.end();
    };
    const controller = new AbortController();
    const events: ApiPodEvent[] = [];
    for await (const event of watchPodFromApiServer({ ...options(fast), signal: controller.signal })) {
      events.push(event);
      // The last event: the body has been read to its end and the socket has gone back to the agent's pool.
      if (pods(events).includes('130')) controller.abort();
    }
    expect(pods(events)).toEqual(['90', '110', '120', '130']);
    await new Promise((resolve) => setTimeout(resolve, 50)); // an error on the pooled socket would surface here
  });

  it('reports a pod that does not exist as deleted, once', async () => {
    await start();
    server.handler = (_req, res, seen) => {
      if (seen.query.get('watch') !== 'true') return json(res, 200, podList('100', []));
      const stream = watchStream(res);
      stream.bookmark(String(100 + server.seen.length));
      stream.end();
    };
    const controller = new AbortController();
    const iteration = (async () => {
      const events: ApiPodEvent[] = [];
      for await (const event of watchPodFromApiServer({ ...options(fast), signal: controller.signal })) events.push(event);
      return events;
    })();
    await server.requests(4);
    controller.abort();
    expect(await iteration).toEqual([{ type: 'deleted', resourceVersion: '100' }]);
  });
});
