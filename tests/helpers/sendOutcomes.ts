/**
 * How sends made while a mobile node (or group) moved ended, checked against what the receivers
 * counted: a send that resolved arrived exactly once; one that failed did so by name (undeliverable or
 * timed out) and arrived at most once. Nothing ends any other way.
 */
import { TimeoutError, UndeliverableError } from '../../errors';

export function tallySendOutcomes(
  outcomes: ReadonlyArray<PromiseSettledResult<unknown>>,
  keys: readonly string[],
  received: ReadonlyMap<string, number>,
): { delivered: number; rejected: number } {
  let delivered = 0;
  let rejected = 0;
  outcomes.forEach((o, i) => {
    const got = received.get(keys[i]) ?? 0;
    expect(got).toBeLessThanOrEqual(1);
    if (o.status === 'fulfilled') {
      delivered++;
      expect(got).toBe(1);
    } else {
      rejected++;
      expect(o.reason instanceof UndeliverableError || o.reason instanceof TimeoutError).toBe(true);
    }
  });
  return { delivered, rejected };
}
