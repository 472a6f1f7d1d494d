/**
 * A message classifier for link stress counting (sim/linkStress.ts) that names a datagram by the
 * upcall module it carries: the module id of its RouteMsg or DirectMsg. A fragment carries its
 * message's module id, so the pieces of a large message count as their module.
 */
import { LOCATION_MODULE_ID } from '../location/messages';
import { MEMBERSHIP_MODULE_ID } from '../membership/messages';
import { ROUTE_CONFIRM_MODULE_ID } from '../routing/routeConfirms';
import type { MessageClassifier } from '../sim/linkStress';
import { MODULE_IDS } from '../upcalls/moduleIds';
import { decodeFrame } from '../wire/codec';

/** Options of {@link moduleClassifier}. */
export interface ModuleClassifierOptions {
  /**
   * Class name per module id, over the built-in names: the shipped modules' names of MODULE_IDS
   * ('bayeux', 'anycast', ...), 'location', 'membership' and 'routeConfirm'. Any other id is
   * `module-<id>` (decimal).
   */
  readonly names?: Readonly<Record<number, string>>;
  /** Count only these module ids (others are not counted). Default: every module. */
  readonly only?: readonly number[];
  /** Also count the control datagrams, as 'ping', 'pong' and 'hopAck'. Default false: not counted. */
  readonly control?: boolean;
}

/** The names a module id gets by default. */
const BUILT_IN_NAMES: Readonly<Record<number, string>> = {
  ...Object.fromEntries(Object.entries(MODULE_IDS).map(([name, id]) => [id, name])),
  [LOCATION_MODULE_ID]: 'location',
  [MEMBERSHIP_MODULE_ID]: 'membership',
  [ROUTE_CONFIRM_MODULE_ID]: 'routeConfirm',
};

/**
 * Classifies a datagram by the module id of its route or direct message (see ModuleClassifierOptions);
 * a datagram that does not decode as a frame is not counted.
 */
export function moduleClassifier(opts: ModuleClassifierOptions = {}): MessageClassifier {
  const names: Record<number, string> = { ...BUILT_IN_NAMES, ...opts.names };
  const only = opts.only ? new Set(opts.only) : undefined;
  const control = opts.control ?? false;
  const nameOf = (id: number): string | undefined => (only && !only.has(id) ? undefined : (names[id] ?? `module-${id}`));
  return (bytes) => {
    let body;
    try {
      body = decodeFrame(bytes).body;
    } catch {
      return undefined;
    }
    switch (body.kind) {
      case 'route':
        return nameOf(body.route.moduleId);
      case 'direct':
        return nameOf(body.direct.moduleId);
      case 'ping':
        return control ? 'ping' : undefined;
      case 'pong':
        return control ? 'pong' : undefined;
      case 'ack':
        return control ? 'hopAck' : undefined;
    }
  };
}
