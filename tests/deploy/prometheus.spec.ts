/**
 * Static checks of the metrics stack: the compose Prometheus service, its scrape config pointing
 * at the app's /metrics, Grafana's provisioned Prometheus datasource and the operations dashboard
 * (every panel on that datasource, every metric it queries is one src/metrics.ts registers).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { createMetrics } from '../../src/metrics.js';

const root = path.resolve(import.meta.dirname, '../..');
const read = (p: string): string => readFileSync(path.join(root, p), 'utf8');

const compose = z.object({ services: z.record(z.string(), z.object({
  image: z.string().optional(), volumes: z.array(z.string()).optional(), ports: z.array(z.string()).optional(),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(), command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string()).optional(),
}).loose()), volumes: z.record(z.string(), z.unknown()) }).parse(parse(read('docker-compose.yml')));

describe('Prometheus in the compose stack', () => {
  const prom = compose.services.prometheus!;

  it('runs a pinned prom/prometheus with deploy/prometheus.yml mounted and its data on a volume', () => {
    expect(prom.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    const mount = prom.volumes!.find((v) => v.startsWith('./deploy/prometheus.yml:'));
    expect(mount).toBe('./deploy/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(prom.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    expect(prom.volumes).toContain('prometheus-data:/prometheus');
    expect(compose.volumes).toHaveProperty('prometheus-data');
    for (const p of prom.ports ?? []) expect(p).toMatch(/^127\.0\.0\.1:/);
    expect(compose.services.grafana!.depends_on?.prometheus?.condition).toBe('service_healthy');
  });

  it('scrapes the app service on its API port at /metrics', () => {
    const cfg = z.object({ scrape_configs: z.array(z.object({ job_name: z.string(), metrics_path: z.string(), static_configs: z.array(z.object({ targets: z.array(z.string()) })) })) }).parse(parse(read('deploy/prometheus.yml')));
    const job = cfg.scrape_configs.find((j) => j.job_name === 'arbstream')!;
    expect(job.metrics_path).toBe('/metrics');
    const appPort = compose.services.app!.environment!.API_PORT;
    expect(job.static_configs[0]!.targets).toEqual([`app:${appPort}`]);
  });
});

describe('Grafana: Prometheus datasource and the operations dashboard', () => {
  const ds = z.object({ apiVersion: z.literal(1), datasources: z.array(z.object({ uid: z.string(), type: z.literal('prometheus'), url: z.string() }).loose()) })
    .parse(parse(read('grafana/provisioning/datasources/prometheus.yml'))).datasources[0]!;

  it('the datasource points at the compose prometheus service', () => {
    expect(ds.url).toBe('http://prometheus:9090');
  });

  it('ops.json: every panel queries the Prometheus datasource, and only metrics src/metrics.ts registers', async () => {
    expect(existsSync(path.join(root, 'grafana/dashboards/ops.json'))).toBe(true);
    const dash = JSON.parse(read('grafana/dashboards/ops.json')) as { uid: string; panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string; datasource: { uid: string } }[] }[] };
    expect(dash.uid).toBe('arbstream-ops');
    const known = new Set((await createMetrics({ defaultMetrics: false }).registry.getMetricsAsJSON()).map((m) => m.name));
    const panels = dash.panels.filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(10);
    const used = new Set<string>();
    for (const p of panels) {
      expect(p.datasource?.uid, p.title).toBe(ds.uid);
      for (const t of p.targets ?? []) {
        expect(t.datasource.uid, p.title).toBe(ds.uid);
        for (const m of t.expr.match(/arbstream_[a-z_]+/g) ?? []) used.add(m.replace(/_(bucket|sum|count)$/, ''));
      }
    }
    for (const m of used) expect(known.has(m), `${m} is registered in src/metrics.ts`).toBe(true);
    for (const m of ['arbstream_feed_messages_total', 'arbstream_risk_decisions_total', 'arbstream_persister_rows_inserted_total', 'arbstream_book_to_decision_seconds']) expect(used).toContain(m);
  });
});
