import { metrics, trace } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import nock from 'nock';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KvixiStrategy, type KvixiVerify } from '../lib/index.js';
import { buildApp } from './support/app.js';
import { APP_ID, APP_SECRET, AUTH_KEY, BASE_URL, mockPostExchange, mockSuccessfulLogin, providerError } from './support/provider.js';

// The README's OpenTelemetry recipe (test/recipes/opentelemetry.ts), run as written against
// the SDK's in-memory exporters.

const spanExporter = new InMemorySpanExporter();
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });

beforeAll(async () => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] }));
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  await import('./recipes/opentelemetry.js');
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  trace.disable();
  metrics.disable();
});

const verify: KvixiVerify = (_tokens, profile, done) => done(null, { id: profile.id });

describe('the OpenTelemetry recipe', () => {
  it('turns logins into spans per phase and a counter by outcome and code', async () => {
    const app = buildApp(new KvixiStrategy({ appId: APP_ID, appSecret: APP_SECRET, baseURL: BASE_URL, callbackURL: '/auth/kvixi/callback' }, verify));
    const agent = request.agent(app);
    await agent.get('/auth/kvixi').expect(302);
    mockSuccessfulLogin();
    await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`).expect(200);
    await request(app).get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`).expect(403); // forged: no session
    await agent.post('/logout').expect(200);
    await agent.get('/auth/kvixi').expect(302);
    mockPostExchange({}, providerError('Bad Request, invalid app_secret'));
    await agent.get(`/auth/kvixi/callback?auth_key=${AUTH_KEY}`).expect(500);

    const spans = spanExporter.getFinishedSpans().map((span) => ({ name: span.name, status: span.status.code, attributes: span.attributes }));
    expect(spans.map((span) => span.name)).toEqual([
      'kvixi.start',
      'kvixi.exchange',
      'kvixi.userInfo',
      'kvixi.verify',
      'kvixi.callback',
      'kvixi.callback',
      'kvixi.start',
      'kvixi.exchange',
      'kvixi.callback',
    ]);
    expect(spans[0]!.attributes).toEqual({ 'kvixi.strategy': 'kvixi', 'server.address': BASE_URL });
    expect(spans.filter((span) => span.status === 2).map((span) => span.name)).toEqual(['kvixi.exchange', 'kvixi.callback']);

    await reader.forceFlush();
    const points = metricExporter
      .getMetrics()
      .flatMap((m) => m.scopeMetrics)
      .flatMap((s) => s.metrics)
      .filter((m) => m.descriptor.name === 'kvixi.logins')
      .at(-1)!.dataPoints.map((point) => ({ ...point.attributes, count: point.value }));
    expect(points).toEqual(
      expect.arrayContaining([
        { outcome: 'success', code: 'none', count: 1 },
        { outcome: 'failure', code: 'ERR_KVIXI_NO_PENDING_LOGIN', count: 1 },
        { outcome: 'error', code: 'ERR_KVIXI_API', count: 1 },
      ]),
    );
    expect(points).toHaveLength(3);
  });
});
