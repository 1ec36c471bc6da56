// One log line per login outcome, read from the strategy's diagnostics channel as any app can:
// the outcome, its code and reason, and how long it took. Never a secret or personal data.
import diagnostics_channel from 'node:diagnostics_channel';
import { KVIXI_CHANNELS, type KvixiLoginOutcome } from 'passport-kvixi';

export function logLoginOutcomes(write: (line: string) => void = (line) => console.log(line)): () => void {
  const listener = (message: unknown) => {
    const { outcome, code, reason, durationMs } = message as KvixiLoginOutcome;
    write(`kvixi login ${outcome}${code ? ` ${code}` : ''}${reason ? ` (${reason})` : ''} ${durationMs.toFixed(0)} ms`);
  };
  diagnostics_channel.subscribe(KVIXI_CHANNELS.outcome, listener);
  return () => diagnostics_channel.unsubscribe(KVIXI_CHANNELS.outcome, listener);
}
