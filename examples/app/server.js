// @ts-check
// A small web app that knows which pod it runs in, and goes into maintenance when the pod is labelled
// `maintenance=on` (kubectl label pod <name> maintenance=on), without a restart. Plain JavaScript, so that Node.js
// runs it as it is; `// @ts-check` and the JSDoc types keep it checked against kube-downward's types.
import { createServer } from 'node:http';
import { readPodMetadataSync } from 'kube-downward';
import { watchPodMetadataEvents } from 'kube-downward/rxjs';

// Identity first, synchronously: a pod whose values are invalid fails here, at start-up, with every problem listed.
/** @type {import('kube-downward').PodMetadata} */
let pod = readPodMetadataSync();

const subscription = watchPodMetadataEvents().subscribe((event) => {
  if (event.type === 'snapshot') pod = event.metadata;
  else console.warn(`downward API: ${event.error.message}`); // the last good snapshot stays in use
});

const server = createServer((_request, response) => {
  if (pod.labels['maintenance'] === 'on') {
    response.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance\n');
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' }).end(
    JSON.stringify({
      pod: pod.name,
      namespace: pod.namespace,
      node: pod.nodeName ?? null,
      version: pod.labels['app.kubernetes.io/version'] ?? null,
      // bigint is exact; JSON needs it as text.
      memoryLimitBytes: pod.resources['limits.memory']?.bytes.toString() ?? null,
    }),
  );
});

server.listen(Number(process.env['PORT'] ?? 8080), () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  console.log(`${pod.namespace}/${pod.name} listening on ${address.port}`);
});

for (const signal of /** @type {const} */ (['SIGTERM', 'SIGINT'])) {
  process.once(signal, () => {
    subscription.unsubscribe();
    server.close();
  });
}
