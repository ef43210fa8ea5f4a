import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { isMainThread, threadId } from 'node:worker_threads';
import { Attrs } from '@perf/metrics';
import type { Config } from '../config.js';
import { warnOnce } from '../warn.js';

/**
 * The process's resource attributes: OTEL_RESOURCE_ATTRIBUTES, then service.name, a per-process
 * service.instance.id (a fresh UUID: each cluster worker is its own instance), host.name and process.pid.
 * An id set for the app (the host's name, say) is inherited by every node:cluster worker and worker thread: each
 * gets its number appended (`web-vm-w1`, `web-vm-t2`), or two processes would export as one instance (an outside
 * audit's two workers were one node, half their requests refused as the other's series).
 */
export function resourceAttributes(config: Config): Record<string, string | number> {
  return {
    'telemetry.sdk.name': 'perf-agent',
    'telemetry.sdk.language': 'nodejs',
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    ...config.resourceAttributes,
    [Attrs.serviceName]: config.serviceName,
    [Attrs.serviceInstanceId]: instanceId(config.resourceAttributes[Attrs.serviceInstanceId]),
    [Attrs.hostName]: config.resourceAttributes[Attrs.hostName] ?? hostname(),
    [Attrs.processPid]: process.pid,
  };
}

function instanceId(given: string | undefined): string {
  if (given === undefined) return randomUUID();
  if (given.trim() === '') {
    // every process so configured would be one instance (outside audit AA5)
    warnOnce('PERF_AGENT_EMPTY_INSTANCE_ID', 'OTEL_RESOURCE_ATTRIBUTES sets service.instance.id to nothing; using a fresh id for this process.');
    return randomUUID();
  }
  if (!isMainThread) return `${given}-t${threadId}`;
  return cluster.isWorker && cluster.worker !== undefined ? `${given}-w${cluster.worker.id}` : given;
}
