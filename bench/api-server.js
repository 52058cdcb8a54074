// Benchmarks of the API-server source: run with `npm run build && node bench/api-server.js`. Each figure is printed
// next to a baseline measured in the same run, on the same machine. Nothing here asserts timings; read the numbers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchPodMetadata, watchPodFromApiServer } from '../dist/index.js';
import { median } from './measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function timeProcess(code, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, env: { PATH: process.env.PATH, POD_NAME: 'web-0', POD_NAMESPACE: 'shop' } });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

console.log('kube-downward API-server benchmarks (median of runs; baseline in the same run)\n');

// 1. What importing the package costs an app that never asks the API server: node:https is loaded on first use.
const runs = 15;
const importOnly = timeProcess("await import('kube-downward');", runs);
const importAndTls = timeProcess("await import('kube-downward'); await import('node:https');", runs);
console.log('start-up: import the package');
console.log(`  import 'kube-downward'                       ${importOnly.toFixed(1)} ms`);
console.log(`  the same, loading node:https as well          ${importAndTls.toFixed(1)} ms  (what an eager import would add: ${(importAndTls - importOnly).toFixed(1)} ms)\n`);

// A local API server over TLS with a CA made now.
const dir = mkdtempSync(join(tmpdir(), 'kube-downward-bench-'));
const ssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=ca', '-addext', 'basicConstraints=critical,CA:TRUE');
ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=server');
writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\n');
ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'ext');
const sa = join(dir, 'sa');
execFileSync('mkdir', [sa]);
writeFileSync(join(sa, 'token'), 'bench-token');
writeFileSync(join(sa, 'namespace'), 'shop');
writeFileSync(join(sa, 'ca.crt'), readFileSync(join(dir, 'ca.crt')));

const podJson = (rv) =>
  JSON.stringify({
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name: 'web-0', namespace: 'shop', uid: '6f1a2b3c-4d5e-4f60-8172-93a4b5c6d7e8', resourceVersion: String(rv), labels: { app: 'web' }, ownerReferences: [] },
    spec: { nodeName: 'node-1', containers: [{ name: 'main', resources: { requests: { cpu: '250m', memory: '64Mi' } } }] },
    status: { phase: 'Running', podIP: '10.1.2.3' },
  });
const EVENTS = 5000;
const server = https.createServer({ key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.crt')) }, (req, res) => {
  const url = new URL(req.url, 'https://x');
  if (url.pathname.endsWith('/pods/web-0')) {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(podJson(1));
  }
  if (url.searchParams.get('watch') !== 'true') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(`{"kind":"PodList","metadata":{"resourceVersion":"1"},"items":[${podJson(1)}]}`);
  }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  let body = '';
  for (let rv = 2; rv <= EVENTS + 1; rv++) body += `{"type":"MODIFIED","object":${podJson(rv)}}\n`;
  res.end(body);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const apiServerUrl = `https://127.0.0.1:${server.address().port}`;
const options = { apiServerUrl, serviceAccountDirectory: sa, env: { POD_NAME: 'web-0' }, volume: sa };

// 2. One fetch: each call makes its own client, so each pays a TLS handshake, as a start-up fetch does.
const fetches = 50;
const agent = new https.Agent({ ca: readFileSync(join(dir, 'ca.crt')) });
const rawGet = () =>
  new Promise((resolve, reject) => {
    https.get(`${apiServerUrl}/api/v1/namespaces/shop/pods/web-0`, { agent, headers: { Authorization: 'Bearer bench-token' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c)).on('end', () => resolve(JSON.parse(text)));
    }).on('error', reject);
  });
const time = async (fn) => {
  const times = [];
  for (let i = 0; i < fetches; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return median(times);
};
const raw = await time(rawGet);
const ours = await time(() => fetchPodMetadata(options));
console.log(`fetch the pod over TLS (median of ${fetches}, a new connection each time)`);
console.log(`  baseline  https.get + JSON.parse             ${raw.toFixed(2)} ms`);
console.log(`  fetchPodMetadata()                           ${ours.toFixed(2)} ms  (${(ours / raw).toFixed(2)}x)\n`);

// 3. Watch throughput: events of one stream turned into frozen ApiPodMetadata.
const start = performance.now();
const controller = new AbortController();
let seen = 0;
for await (const event of watchPodFromApiServer({ ...options, signal: controller.signal, watchTimeoutSeconds: 60 })) {
  if (event.type === 'pod' && ++seen === EVENTS + 1) controller.abort();
}
const ms = performance.now() - start;
const parseStart = performance.now();
for (let rv = 2; rv <= EVENTS + 1; rv++) JSON.parse(`{"type":"MODIFIED","object":${podJson(rv)}}`);
const parseMs = performance.now() - parseStart;
console.log(`watch: ${EVENTS} MODIFIED events on one stream`);
console.log(`  baseline  JSON.parse of the same lines       ${((EVENTS / parseMs) * 1000).toFixed(0)} events/s`);
console.log(`  watchPodFromApiServer (list + stream)        ${((EVENTS / ms) * 1000).toFixed(0)} events/s`);

server.closeAllConnections();
server.close();
rmSync(dir, { recursive: true, force: true });
