/**
 * How a proxy answers an attach or a detach. An accepted one is answered once its salted roots
 * acknowledged the publish or unpublish it starts, so a send issued after attach() resolves finds
 * this proxy and none finds it after detach(); but no later than the channel's wait (half the
 * mobile node's request timeout), and a wait that ran out still answers ok: the node stays
 * published or withdrawn as soft state, and a detached proxy's forwarding entry covers the pointers
 * left until they expire. A refused one is answered at once.
 */
import type { ReplyStatus } from './messages';

/** What answering needs from the module: a timer, the wait bound and the reply itself. */
export interface ReplyChannel {
  /** Runs `fn` after `ms` of the node's time; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
  /** The longest the answer waits for the roots (ms). */
  readonly waitMs: number;
  /** Sends the reply (nothing once the module closed). */
  send(status: ReplyStatus): void;
}

/** Answers once: when `withRoots` settles or the wait runs out, whichever comes first. */
export function replyWhenAcknowledged(channel: ReplyChannel, status: ReplyStatus, withRoots: () => Promise<unknown>): void {
  let replied = false;
  const reply = (): void => {
    if (replied) return;
    replied = true;
    channel.send(status);
  };
  if (status !== 'ok') return reply();
  const cancel = channel.after(channel.waitMs, reply);
  const answer = (): void => (cancel(), reply());
  withRoots().then(answer, answer).catch(() => undefined);
}
