/** The security layer: identities, the provider interface and its two built-in providers, signed records. */
export { CHALLENGE_DOMAIN, CHALLENGE_DOMAIN_BOUND, challengeMessage, createNonce, isAnswerableNonce } from './challenge';
export { CorruptIdentityFileError, IdentityFileError } from './errors';
export { guidFromPublicKey, Identity, secureRandom, type RandomBytes } from './identity';
export { createIdentityFile, formatIdentity, loadOrCreateIdentity, parseIdentity, readIdentityFile, type IdentityFileOptions } from './identityFile';
export { KeyCache, PUBLIC_KEY_BYTES, SEED_BYTES, SIGNATURE_BYTES, sharedKeyCache, type KeyCacheStats } from './keys';
export { NoneSecurityProvider, noneProvider } from './noneProvider';
export { ProvenPeers } from './provenPeers';
export { provesIdentity, type SecurityProvider } from './provider';
export { signRecord, verifyRecord } from './recordSigning';
export { decodeRecord, encodeRecord, RECORD_DOMAIN, recordOrder, type LocationRecord, type PublishRecord, type UnpublishRecord } from './records';
export { ReplayGuard, type ReplayGuardLimits, type ReplayGuardStats, type ReplayVerdict } from './replayGuard';
export { SignedSecurityProvider, type SignedProviderOptions } from './signedProvider';
export { createSecurityProvider, type SecurityProviderChoice } from './choose';
