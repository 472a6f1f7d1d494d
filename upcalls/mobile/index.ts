/** Mobile Tapestry (Tapestry spec §9; Zhao et al., "Supporting Rapid Mobility via Locality in an Overlay Network") as an upcall module. */
import type { ModuleWithApi } from '../contract';
import type { Mobile } from './api';
import { mobileModule } from './module';
import { parseMobileOptions, type MobileOptions } from './options';

export type { Mobile, MobileAttachOptions, MobileDelivery, MobileGroupJoinOptions, MobileSendOptions, MobileSendResult, MobileStats } from './api';
export type { MobileOptions } from './options';

/**
 * The Mobile Tapestry module: `const mob = node.register(mobile())` gives its API. Every node that
 * may be a mobile node, a proxy or a sender registers it.
 */
export function mobile(options: MobileOptions = {}): ModuleWithApi<Mobile> {
  return mobileModule(parseMobileOptions(options));
}
