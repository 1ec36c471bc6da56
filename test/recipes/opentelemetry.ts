// The README's OpenTelemetry recipe, run by test/opentelemetry.test.ts after the test has
// registered in-memory tracer and meter providers, as an app registers its SDK first.
// #region recipe: opentelemetry
import diagnostics_channel from 'node:diagnostics_channel';
import { metrics, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { KVIXI_CHANNELS, type KvixiLoginOutcome, type KvixiPhaseContext } from 'passport-kvixi';

const tracer = trace.getTracer('passport-kvixi');
const logins = metrics.getMeter('passport-kvixi').createCounter('kvixi.logins', {
  description: 'Kvixi logins by outcome and code',
});
const spans = new WeakMap<object, Span>();

// A span per phase: start, callback, exchange, userInfo, verify.
for (const [phase, name] of Object.entries(KVIXI_CHANNELS)) {
  if (phase === 'outcome') continue;
  diagnostics_channel.tracingChannel<KvixiPhaseContext, KvixiPhaseContext>(name).subscribe({
    start(context) {
      const attributes = { 'kvixi.strategy': context.strategy, 'server.address': context.origin };
      spans.set(context, tracer.startSpan(`kvixi.${phase}`, { attributes }));
    },
    error(context) {
      spans.get(context)?.setStatus({ code: SpanStatusCode.ERROR, message: String(context.error) });
    },
    asyncEnd(context) {
      spans.get(context)?.end();
    },
    end() {},
    asyncStart() {},
  });
}

// A counter of logins by outcome (success, failure, error) and code.
diagnostics_channel.subscribe(KVIXI_CHANNELS.outcome, (message) => {
  const { outcome, code = 'none' } = message as KvixiLoginOutcome;
  logins.add(1, { outcome, code });
});
// #endregion
