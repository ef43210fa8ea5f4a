import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import type { ExportResult } from '@opentelemetry/core';
import { DataPointType, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Agent as HttpAgent } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../config.js';

/** With compression `auto`, exports estimated at this many bytes or more (uncompressed) are gzipped. */
export const GZIP_FROM_BYTES = 16 * 1024;

/**
 * The official OTLP/HTTP exporter for the configured protocol (protobuf by default, JSON on request). With
 * compression `auto` (the default), two of them, and each export goes through the gzip one only when it
 * is large enough for compression to pay: gzip runs on the thread pool, and for the few KB a small node
 * sends a second, the round trip costs the host more CPU than the bytes it saves.
 */
export function createOtlpExporter(config: Config, agents?: AgentFactory): PushMetricExporter {
  if (config.compression === 'auto') {
    return new CompressWhenItPays(exporter(config, 'gzip', agents), exporter(config, 'none', agents));
  }
  return exporter(config, config.compression, agents);
}

/** Makes the HTTP agent an exporter sends through, for the endpoint's protocol ('http:' or 'https:'). */
export type AgentFactory = (protocol: string) => Promise<HttpAgent>;

function exporter(config: Config, compression: 'gzip' | 'none', agents?: AgentFactory): PushMetricExporter {
  const options = {
    url: config.endpoint,
    headers: config.headers,
    compression: compression as never, // 'gzip' | 'none': the CompressionAlgorithm enum's values
    timeoutMillis: config.exportTimeoutMillis,
    // GuardedExporter keeps one export in flight; 2 leaves room for the final flush on shutdown
    concurrencyLimit: 2,
    ...(agents ? { httpAgentOptions: agents } : {}),
  };
  return config.protocol === 'http/json' ? new JsonExporter(options) : new ProtoExporter(options);
}

/** Sends each export through `gzip` when its estimated size reaches GZIP_FROM_BYTES, else through `plain`. */
export class CompressWhenItPays implements PushMetricExporter {
  constructor(
    private readonly gzip: PushMetricExporter,
    private readonly plain: PushMetricExporter,
  ) {}

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    (estimateBytes(metrics) >= GZIP_FROM_BYTES ? this.gzip : this.plain).export(metrics, resultCallback);
  }

  async forceFlush(): Promise<void> {
    await Promise.all([this.gzip.forceFlush(), this.plain.forceFlush()]);
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.gzip.shutdown(), this.plain.shutdown()]);
  }
}

/**
 * A cheap upper-side estimate of the OTLP protobuf body: per metric its descriptor, per point its attributes
 * and fixed fields, per histogram bucket ≈ 2 bytes (a varint count); within ~20% of the encoder's output for
 * the agent's exports, which is all a threshold needs.
 */
export function estimateBytes(metrics: ResourceMetrics): number {
  let bytes = 100;
  for (const scope of metrics.scopeMetrics) {
    for (const m of scope.metrics) {
      bytes += 20 + m.descriptor.name.length + m.descriptor.description.length + m.descriptor.unit.length;
      for (const p of m.dataPoints) {
        bytes += 40;
        for (const [k, v] of Object.entries(p.attributes)) bytes += 8 + k.length + String(v).length;
        if (m.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM) {
          const v = p.value as { positive: { bucketCounts: number[] }; negative: { bucketCounts: number[] } };
          bytes += 40 + 2 * (v.positive.bucketCounts.length + v.negative.bucketCounts.length);
        } else if (m.dataPointType === DataPointType.HISTOGRAM) {
          const v = p.value as { buckets: { boundaries: number[]; counts: number[] } };
          bytes += 40 + 9 * v.buckets.boundaries.length + 2 * v.buckets.counts.length;
        }
      }
    }
  }
  return bytes;
}

/** Errors of a connection that mean nothing answers at the endpoint now (retrying in a second would not help a process about to exit). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * HTTP agents (without keep-alive: one request) that call `unreachable` when a connection fails in a way that
 * means the dashboard is not there. The exporter itself retries such a failure for up to its timeout.
 */
export function watchUnreachable(unreachable: (error: Error) => void): AgentFactory {
  return async (protocol) => {
    const { Agent } = protocol === 'https:' ? await import('node:https') : await import('node:http');
    const agent = new Agent({ keepAlive: false });
    const connect = (agent as unknown as { createConnection: (...args: unknown[]) => Socket }).createConnection;
    (agent as unknown as { createConnection: (...args: unknown[]) => Socket }).createConnection = function (this: unknown, ...args: unknown[]) {
      const socket = connect.apply(this, args);
      socket.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== undefined && UNREACHABLE.has(error.code)) unreachable(error);
      });
      return socket;
    };
    return agent;
  };
}
