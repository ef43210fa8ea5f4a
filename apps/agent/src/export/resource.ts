import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Attrs } from '@perf/metrics';
import type { Config } from '../config.js';

/**
 * The process's resource attributes: OTEL_RESOURCE_ATTRIBUTES, then service.name, a per-process
 * service.instance.id (a fresh UUID: each cluster worker is its own instance), host.name and process.pid.
 */
export function resourceAttributes(config: Config): Record<string, string | number> {
  return {
    'telemetry.sdk.name': 'perf-agent',
    'telemetry.sdk.language': 'nodejs',
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    ...config.resourceAttributes,
    [Attrs.serviceName]: config.serviceName,
    [Attrs.serviceInstanceId]: config.resourceAttributes[Attrs.serviceInstanceId] ?? randomUUID(),
    [Attrs.hostName]: config.resourceAttributes[Attrs.hostName] ?? hostname(),
    [Attrs.processPid]: process.pid,
  };
}
