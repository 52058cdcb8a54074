// A small web app that knows which pod it runs in, and goes into maintenance when the pod is labelled
// `maintenance=on` (kubectl label pod <name> maintenance=on), without a restart.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readPodMetadataSync, type PodMetadata } from 'kube-downward';
import { watchPodMetadataEvents } from 'kube-downward/rxjs';

// Identity first, synchronously: a misconfigured pod fails here, at start-up, with every problem listed.
let pod: PodMetadata = readPodMetadataSync();

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
      node: pod.nodeName,
      version: pod.labels['app.kubernetes.io/version'] ?? null,
      // bigint is exact; JSON needs it as text.
      memoryLimitBytes: pod.resources['limits.memory']?.bytes.toString() ?? null,
    }),
  );
});

server.listen(Number(process.env['PORT'] ?? 8080), () => {
  console.log(`${pod.namespace}/${pod.name} listening on ${(server.address() as AddressInfo).port}`);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    subscription.unsubscribe();
    server.close();
  });
}
