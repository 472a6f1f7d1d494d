/**
 * Ping and Pong bodies, both ways, and the padding field a message carries to be as large as what
 * it may draw.
 */
import { DEFAULTS } from '../defaults';
import type { Ping, Pong } from '../routing/messages';
import { fail } from './decodeError';
import type { WirePing, WirePong } from './frameSchema';

/**
 * A padding field's length, within DEFAULTS.maxPaddingBytes: only its length matters (a message is
 * padded to be as large as what it may draw), so the bytes are never kept. Absent or empty: {}.
 */
export function paddingFromWire(p: Uint8Array | undefined): { padding?: number } {
  const n = p?.length ?? 0;
  if (n > DEFAULTS.maxPaddingBytes) fail('tooLarge', `padding of ${n} bytes over ${DEFAULTS.maxPaddingBytes}`);
  return n > 0 ? { padding: n } : {};
}

// Ping and Pong: the security fields travel only when the provider authenticates, so with `none`
// a ping stays the few bytes it always was. Only lengths are checked here ('tooLarge' over a bound,
// 'missing' for a credential without its proof or the reverse); what they prove is the security
// provider's question (security/provider.ts). A challenge shorter than a fresh nonce is not an
// error: the provider simply does not answer it.

/** A Ping body read from the wire, its security fields checked for length. */
export function pingFromWire(p: WirePing): Ping {
  const c = p.challenge;
  const admission = p.admission ? { admission: true } : undefined;
  const padding = paddingFromWire(p.padding);
  if (c === undefined || c.length === 0) return { nonce: p.nonce, ...admission, ...padding };
  if (c.length > DEFAULTS.maxNonceBytes) fail('tooLarge', `challenge of ${c.length} bytes over ${DEFAULTS.maxNonceBytes}`);
  return { nonce: p.nonce, challenge: c.slice(), ...admission, ...padding };
}

/** A Pong body read from the wire: a credential and a proof together or neither, each within its bound. */
export function pongFromWire(p: WirePong): Pong {
  const credential = p.credential ?? EMPTY;
  const proof = p.proof ?? EMPTY;
  const admit = p.admitBelowUs ? { admitBelowUs: p.admitBelowUs } : undefined;
  if (credential.length === 0 && proof.length === 0) return { nonce: p.nonce, ...admit };
  if (credential.length === 0 || proof.length === 0) fail('missing', 'a pong carries a credential and a proof together or neither');
  if (credential.length > DEFAULTS.maxCredentialBytes) fail('tooLarge', `credential of ${credential.length} bytes over ${DEFAULTS.maxCredentialBytes}`);
  if (proof.length > DEFAULTS.maxSignatureBytes) fail('tooLarge', `proof of ${proof.length} bytes over ${DEFAULTS.maxSignatureBytes}`);
  return { nonce: p.nonce, credential: credential.slice(), proof: proof.slice(), ...admit };
}

/** A Ping body as the wire carries it. */
export function pingToWire(p: Ping): WirePing {
  const admission = p.admission === true;
  const wire: WirePing = p.challenge === undefined ? { nonce: p.nonce, admission } : { nonce: p.nonce, challenge: p.challenge, admission };
  if (p.padding) wire.padding = new Uint8Array(p.padding);
  return wire;
}

/** A Pong body as the wire carries it. */
export function pongToWire(p: Pong): WirePong {
  const admitBelowUs = p.admitBelowUs ?? 0;
  return p.credential === undefined || p.proof === undefined
    ? { nonce: p.nonce, admitBelowUs }
    : { nonce: p.nonce, credential: p.credential, proof: p.proof, admitBelowUs };
}

const EMPTY = new Uint8Array(0);
