/**
 * Locate answers under the node's provider: a server signs each LocateFound it sends
 * (security/locateAnswer.ts), and the origin takes an answer only when it proves the server it
 * names. Under `none` answers carry nothing extra and every matching one counts, as before.
 *
 * What the check buys: the answer's 64-bit id is known only on the locate's path, and the signature
 * is the named server's over that id, the object, the origin and its own handle — so a LocateFound
 * from anyone else (an off-path sprayer, a node on the path forging a server, a replay of another
 * locate's answer) is dropped. The frame's claimed sender must also be the named server.
 */
import type { NodeHandle } from '../routing/handle';
import type { LocateFound, LocateMsg } from '../location/messages';
import { signAnswer, verifyAnswer } from '../security/locateAnswer';
import type { SecurityProvider } from '../security/provider';

export class LocateAnswers {
  constructor(
    private readonly provider: SecurityProvider,
    private readonly self: NodeHandle,
  ) {}

  get authenticates(): boolean {
    return this.provider.authenticates;
  }

  /** This server's answer to a diverted locate, signed when the provider authenticates. */
  answer(l: LocateMsg, tag: string, hops: number): LocateFound {
    const found: LocateFound = {
      locateId: l.locateId, locateKey: l.locateKey, object: l.object, server: this.self, tag, hops, pathLatency: l.pathLatency,
    };
    if (!this.provider.authenticates) return found;
    return { ...found, serverKey: this.provider.credential(), signature: signAnswer(this.provider, found, l.origin.guid) };
  }

  /**
   * Whether an answer to one of this node's locates proves its server: credential standing for the
   * server's GUID and its signature of this answer for this origin. Never throws.
   */
  holds(f: LocateFound, from?: NodeHandle): boolean {
    if (!this.provider.authenticates) return true;
    if (f.serverKey === undefined || f.signature === undefined) return false;
    if (from !== undefined && !from.guid.equals(f.server.guid)) return false;
    return verifyAnswer(this.provider, f.serverKey, f, this.self.guid, f.signature);
  }
}
