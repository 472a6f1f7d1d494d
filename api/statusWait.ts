/** node.whenStatus(): a promise of the node reaching a status, from its status listener. */
import { ClosedError } from '../errors';
import type { NodeStatus } from '../actors/nodeMachine';

/**
 * Resolves when the status is `wanted` (at once if `now` is); rejects with ClosedError once the node
 * is CLOSED, since nothing follows CLOSED and the wait would never settle.
 */
export function whenStatus(now: NodeStatus, onStatus: (listener: (s: NodeStatus) => void) => () => void, wanted: NodeStatus): Promise<void> {
  if (now === wanted) return Promise.resolve();
  if (now === 'CLOSED') return Promise.reject(new ClosedError(`node is closed; it will never be ${wanted}`));
  return new Promise((resolve, reject) => {
    const stop = onStatus((s) => {
      if (s === wanted) {
        stop();
        resolve();
      } else if (s === 'CLOSED') {
        stop();
        reject(new ClosedError(`node closed before it was ${wanted}`));
      }
    });
  });
}
