// A traced app whose spans carry its pod's identity: the resource comes from OpenTelemetry's env detector
// (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) and kube-downward's Downward API detector.
import { detectResources, envDetector } from '@opentelemetry/resources';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { downwardApiDetector } from 'kube-downward/opentelemetry';

const resource = detectResources({
  detectors: [envDetector, downwardApiDetector({ labels: ['app.kubernetes.io/version'] })],
});
console.log(`resource ${JSON.stringify(resource.attributes)}`);

// In production, an OTLP exporter to your collector; the console shows what would be sent.
const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] });
provider.getTracer('otel-demo').startSpan('startup').end();
await provider.shutdown();
