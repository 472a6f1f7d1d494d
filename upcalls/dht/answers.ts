/**
 * How an operation settles from its roots' answers (pure): which record a get answers with, and which
 * refusal a put or remove that no root took rejects with.
 */
import { RecordRejectedError } from '../../errors';
import type { Guid } from '../../routing/guid';
import type { DhtValidator } from './api';
import type { AckStatus, DhtMsg } from './messages';
import { compareRecords } from './recordStore';

/** The answer a get settles on, among those with a record: the validator's `select`, else the newest version. */
export function chooseAnswer(key: Guid, withRecords: readonly DhtMsg[], select: DhtValidator['select']): DhtMsg | undefined {
  if (withRecords.length === 0) return undefined;
  const byNewest = [...withRecords].sort((a, b) => compareRecords(b.record!, a.record!));
  if (!select) return byNewest[0];
  try {
    const i = select(key, byNewest.map((a) => a.record!.value));
    return Number.isInteger(i) && i >= 0 && i < byNewest.length ? byNewest[i] : byNewest[0];
  } catch {
    return byNewest[0];
  }
}

/** Ack statuses that refuse a put or remove (RecordRejectedError's reasons). */
const REFUSALS: ReadonlySet<AckStatus> = new Set(['older', 'full', 'notPublisher', 'invalid', 'notOwner', 'forged']);

/** The error a put or remove of `key` that no root took rejects with: the first refusal answered, if any. */
export function refusalOf(key: Guid, answers: readonly DhtMsg[]): RecordRejectedError | undefined {
  const status = answers.find((a) => a.status !== undefined && REFUSALS.has(a.status))?.status;
  return status ? new RecordRejectedError(status as RecordRejectedError['reason'], refusalText(status, key)) : undefined;
}

function refusalText(status: AckStatus, key: Guid): string {
  if (status === 'older') return `the roots of key ${key.hex} hold a newer version`;
  if (status === 'notOwner') return `key ${key.hex} is owned by another publisher at its roots (until it removes its record or the record lapses)`;
  if (status === 'forged') return `the roots of key ${key.hex} refused the record's signature or credential`;
  if (status === 'invalid') return `the roots of key ${key.hex} refused the value (their validator)`;
  if (status === 'full') return `the roots of key ${key.hex} hold as many records as they may`;
  return `key ${key.hex} was published by another node`;
}
