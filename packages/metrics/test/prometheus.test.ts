// OpenTelemetry → Prometheus names, shared by the agent's /metrics and the dashboard's Prometheus mode.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prometheusLabel, prometheusName } from '../src/index.js';

test('Prometheus names follow the OpenTelemetry compatibility rules', () => {
  assert.equal(prometheusName('http.server.request.duration', 's', false), 'http_server_request_duration_seconds');
  assert.equal(prometheusName('v8js.memory.heap.used', 'By', false), 'v8js_memory_heap_used_bytes');
  assert.equal(prometheusName('process.cpu.utilization', '1', false), 'process_cpu_utilization_ratio');
  assert.equal(prometheusName('system.network.listen.drops', '{connection}', true), 'system_network_listen_drops_total');
  assert.equal(prometheusName('nodejs.eventloop.run_delay', 's', true), 'nodejs_eventloop_run_delay_seconds_total');
  assert.equal(prometheusName('nodejs.active_handles', '{handle}', false), 'nodejs_active_handles');
  assert.equal(prometheusName('a.b_seconds', 's', false), 'a_b_seconds', 'a suffix already there is not doubled');
  assert.equal(prometheusLabel('http.response.status_code'), 'http_response_status_code');
});
