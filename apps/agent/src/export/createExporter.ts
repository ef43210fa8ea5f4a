import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { Config } from '../config.js';

/** The official OTLP/HTTP exporter for the configured protocol (protobuf by default, JSON on request). */
export function createOtlpExporter(config: Config): PushMetricExporter {
  const options = {
    url: config.endpoint,
    headers: config.headers,
    compression: config.compression as never, // 'gzip' | 'none': the CompressionAlgorithm enum's values
    timeoutMillis: config.exportTimeoutMillis,
    // GuardedExporter keeps one export in flight; 2 leaves room for the final flush on shutdown
    concurrencyLimit: 2,
  };
  return config.protocol === 'http/json' ? new JsonExporter(options) : new ProtoExporter(options);
}
