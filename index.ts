/** tapestry-overlay: the public API. */
export { createNode, TapestryNode } from './api/node';
export type { NodeOptions, RouteOptions, NodeStatus, NodeStats, UdpOptions } from './api/node';
export { createTestnet, Testnet } from './testing/testnet';
export type { TestnetOptions } from './testing/testnet';
export { DEFAULTS } from './defaults';
export * from './errors';
export { Guid, idSpace, sharedPrefixLength, type IdSpace } from './routing/guid';
export { RoutingTable } from './routing/routingTable';
export type { UpcallModule, ModuleWithApi, ForwardContext, Delivery, DeliverResult, ForwardVerdict, ModuleContext, LocatedReplica, RoutingTableView, LeafSetView } from './upcalls/contract';
export type { NodeHandle } from './routing/handle';
export type { Address, Transport, Clock } from './transport/types';
export { SimNetwork } from './transport/simNetwork';
export { openUdpTransport } from './transport/udp';
export { formatAddress, parseAddress } from './transport/addressText';
export { StaticBootstrap } from './bootstrap/staticList';
export { PersistedPeers } from './bootstrap/persistedPeers';
export { ChainedBootstrap, type BootstrapProvider } from './bootstrap/provider';
export type { LocateResult, LocateOptions, PublishOptions, SendToObjectOptions, LeafSetListener, RequestOptions, RequestReply } from './api/node';
/*
 * Types that the public signatures above name (options, results, stats, the objects some functions
 * return), exported so a caller can name them too and the API reference can show them.
 */
export type { RoutingEntry, AddResult, RoutingTableOptions, RoutingTableStats } from './routing/routingTable';
export type { FragmentInfo } from './routing/handle';
export type { ReceiveHandler, TransportStats } from './transport/types';
export type { LatencyModel } from './transport/latency';
export type { SimNetworkOptions, SimNetworkStats } from './transport/simNetwork';
export type { SimLoadOptions } from './sim/load';
export type { DelayDistribution, ExponentialDelay, FixedDelay, LogNormalDelay, ParetoDelay } from './sim/delayDistribution';
export { SimTransport } from './transport/simNetwork';
export type { UdpTransportOptions } from './transport/udp';
export { UdpTransport } from './transport/udp';
export type { ChainedBootstrapStats } from './bootstrap/provider';
export type { PersistedPeersOptions, PersistedPeersStats } from './bootstrap/persistedPeers';
export type { DropStats } from './api/dropStats';
export type { SecurityStats } from './api/node';
export type { RouterStats } from './actors/routerTypes';
export type { HopStats } from './routing/reliableHops';
export type { PingStats } from './routing/pings';
export type { DuplicateStats } from './routing/duplicates';
export type { UpcallStats } from './upcalls/host';
export type { LocatorStats } from './actors/locatorRuntime';
export type { MembershipStats } from './membership/port';
export type { LeafChange } from './membership/leafSet';
export type { Pointer, SignedPart } from './location/pointerStore';
export type { GrindCost, GroundIdentity, RandomBytes } from './security/identity';
export { Identity } from './security/identity';
export type { SecurityProvider } from './security/provider';
export type { SecurityProviderChoice } from './security/choose';
export { ownedObjectGuid } from './security/ownership';
export type { OwnerGrant } from './actors/ownerClaims';
export type { OwnerClaim, OwnerGrantProof } from './location/messages';
export type { OwnershipStats } from './location/ownership';
export { anycast, type Anycast, type AnycastOptions, type AnycastDelivery, type AnycastJoinOptions, type AnycastSendOptions, type AnycastStats } from './upcalls/anycast';
export { mobile, type Mobile, type MobileOptions, type MobileAttachOptions, type MobileDelivery, type MobileSendOptions, type MobileSendResult, type MobileStats } from './upcalls/mobile';
