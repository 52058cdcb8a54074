// A stand-in API server for the cluster tests: real TLS with a CA made by openssl at test time, the list/watch wire
// format (chunked newline-delimited JSON events), Status bodies, and the faults a network gives (resets, silence).
// And the service-account directory, written with the kubelet's atomic-writer sequence.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtomicWriter } from '../src/testing/atomic-writer.js';

export interface Certificates {
  readonly dir: string;
  readonly caCert: string;
  readonly serverKey: string;
  readonly serverCert: string;
  /** A second CA that signed nothing the server uses. */
  readonly otherCaCert: string;
}

/** A CA, and a server certificate it signs for 127.0.0.1 and localhost, made by openssl. */
export function makeCertificates(): Certificates {
  const dir = fs.mkdtempSync(join(tmpdir(), 'kube-downward-tls-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ca = (name: string) =>
    run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '1', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ca('ca');
  ca('other-ca');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver');
  fs.writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'server.ext');
  const read = (file: string) => fs.readFileSync(join(dir, file), 'utf8');
  return { dir, caCert: read('ca.crt'), serverKey: read('server.key'), serverCert: read('server.crt'), otherCaCert: read('other-ca.crt') };
}

/** One request the server saw. */
export interface SeenRequest {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
}

export type Handler = (request: http.IncomingMessage, response: http.ServerResponse, seen: SeenRequest, index: number) => void;

/** An API server on 127.0.0.1 whose answers the test scripts, request by request. */
export class FakeApiServer {
  readonly seen: SeenRequest[] = [];
  handler: Handler = (_req, res) => status(res, 500, 'InternalError', 'no handler');
  readonly #server: http.Server;
  readonly #waiters: { count: number; resolve: () => void }[] = [];

  private constructor(server: http.Server) {
    this.#server = server;
    server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
      const url = new URL(request.url ?? '/', 'http://x');
      const seen = { path: url.pathname, query: url.searchParams, authorization: request.headers.authorization };
      this.seen.push(seen);
      this.handler(request, response, seen, this.seen.length - 1);
      for (const waiter of this.#waiters.filter((w) => this.seen.length >= w.count)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  }

  static async start(tls: Certificates | undefined): Promise<FakeApiServer> {
    const server = tls === undefined ? http.createServer() : https.createServer({ key: tls.serverKey, cert: tls.serverCert });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new FakeApiServer(server);
  }

  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `${this.#server instanceof https.Server ? 'https' : 'http'}://127.0.0.1:${port}`;
  }

  /** Resolves once `count` requests have arrived. */
  requests(count: number): Promise<void> {
    if (this.seen.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export function json(res: http.ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** A metav1.Status body, as the API server sends with every error. */
export function status(res: http.ServerResponse, code: number, reason: string, message: string): void {
  json(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

/** A watch response: chunked, one JSON event per line, flushed as written. */
export function watchStream(res: http.ServerResponse) {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  return {
    event(type: string, object: unknown): void {
      res.write(`${JSON.stringify({ type, object })}\n`);
    },
    bookmark(resourceVersion: string): void {
      res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion } } })}\n`);
    },
    /** The ERROR event the API server sends when the resourceVersion is older than its watch cache. */
    gone(): void {
      res.write(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (100)', reason: 'Expired', code: 410 } })}\n`);
    },
    end(): void {
      res.end();
    },
    /** The connection dies under the response: no last chunk. */
    reset(): void {
      res.socket?.destroy();
    },
  };
}

export interface PodOptions {
  readonly name?: string;
  readonly namespace?: string;
  readonly resourceVersion: string;
  readonly labels?: Record<string, string>;
  readonly phase?: string;
}

/** A Pod object as the API server serves it, with two containers and an owner. */
export function pod(options: PodOptions) {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name: options.name ?? 'web-0',
      namespace: options.namespace ?? 'shop',
      uid: '6f1a2b3c-4d5e-4f60-8172-93a4b5c6d7e8',
      resourceVersion: options.resourceVersion,
      labels: options.labels ?? { app: 'web' },
      annotations: { 'kubernetes.io/config.seen': '2026-11-30T09:00:00Z' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: '0b1c2d3e-4f50-4172-8394-a5b6c7d8e9f0', controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      nodeName: 'node-1',
      serviceAccountName: 'web',
      containers: [
        { name: 'main', image: 'app', resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } } },
        { name: 'sidecar', image: 'proxy', resources: { requests: { cpu: '0.01' } } },
      ],
    },
    status: {
      phase: options.phase ?? 'Running',
      podIP: '10.1.2.3',
      podIPs: [{ ip: '10.1.2.3' }, { ip: 'fd00::3' }],
      hostIP: '192.168.0.7',
      hostIPs: [{ ip: '192.168.0.7' }],
    },
  };
}

export function podList(resourceVersion: string, items: unknown[]) {
  return { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion }, items };
}

/** A service-account directory written and rotated as the kubelet's projected volume is: a `..data` swap. */
export class ServiceAccountDirectory {
  readonly dir = fs.mkdtempSync(join(tmpdir(), 'kube-downward-sa-'));
  readonly #writer = new AtomicWriter(fs, this.dir, { clock: () => new Date(), random: () => Math.floor(Math.random() * 2 ** 32), renameSwitch: true });

  constructor(private files: { token: string; namespace?: string; ca?: string }) {
    this.#write();
  }

  /** Rotates the token: a new generation, published by renaming `..data_tmp` over `..data`. */
  rotate(token: string): void {
    this.files = { ...this.files, token };
    this.#write();
  }

  #write(): void {
    const encode = (text: string) => ({ data: new TextEncoder().encode(text), mode: 0o644 });
    const payload = new Map([['token', encode(this.files.token)]]);
    if (this.files.namespace !== undefined) payload.set('namespace', encode(this.files.namespace));
    if (this.files.ca !== undefined) payload.set('ca.crt', encode(this.files.ca));
    this.#writer.write(payload);
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
