/** tapestry-overlay: the public API. */
export { createNode, TapestryNode } from './api/node';
export type { NodeOptions, RouteOptions, NodeStatus, NodeStats, UdpOptions } from './api/node';
export { createTestnet, Testnet } from './testing/testnet';
export type { TestnetOptions } from './testing/testnet';
export { DEFAULTS } from './defaults';
export * from './errors';
export { Guid, idSpace, sharedPrefixLength, type IdSpace } from './routing/guid';
export { RoutingTable } from './routing/routingTable';
export type { UpcallModule, ForwardContext, Delivery, DeliverResult, ForwardVerdict, ModuleContext, LocatedReplica, RoutingTableView, LeafSetView } from './upcalls/contract';
export type { NodeHandle } from './routing/handle';
export type { Address, Transport, Clock } from './transport/types';
export { SimNetwork } from './transport/simNetwork';
export { openUdpTransport } from './transport/udp';
export { StaticBootstrap } from './bootstrap/staticList';
export { PersistedPeers } from './bootstrap/persistedPeers';
export { ChainedBootstrap, type BootstrapProvider } from './bootstrap/provider';
export type { LocateResult, LocateOptions, SendToObjectOptions, LeafSetListener, RequestOptions, RequestReply } from './api/node';
