/**
 * Per-datagram detail at debug level: what the router received, sent and dropped, one short record
 * each (kind, peer, size). Free when debug is off: callers test `on` (bunyan's level check, a field
 * comparison) before building anything.
 */
import type bunyan from 'bunyan';
import type { Address } from '../transport/types';
import { formatEndpoint } from '../bootstrap/staticList';

export class MessageLog {
  constructor(private readonly log: bunyan) {}

  /** True when debug records are written; test it before calling the others. */
  get on(): boolean {
    return this.log.debug();
  }

  received(kind: string, from: Address, bytes: number): void {
    this.log.debug({ kind, from: formatEndpoint(from), bytes }, 'received');
  }

  sent(kind: string, to: Address, bytes: number): void {
    this.log.debug({ kind, to: formatEndpoint(to), bytes }, 'sent');
  }

  dropped(reason: string, from: Address): void {
    this.log.debug({ reason, from: formatEndpoint(from) }, 'dropped');
  }
}
