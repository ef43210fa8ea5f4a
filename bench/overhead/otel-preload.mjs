// The OpenTelemetry NodeSDK with instrumentation-http, preloaded with --import the way its docs set it up,
// so node:http is patched before the app loads it. Metrics export every second to the benchmark's sink.
import { createRequire } from 'node:module';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';

const sdk = new NodeSDK({
  instrumentations: [new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => req.url === '/__stats' })],
  metricReader: new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: process.env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT }), exportIntervalMillis: 1000 }),
});
sdk.start();
// require-in-the-middle patches node:http when it is required: do it now, so the ESM app's import sees the patched module
createRequire(import.meta.url)('node:http');
