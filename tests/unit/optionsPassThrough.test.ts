/** Parsing options never changes the caller's objects: a provider or an address list is used as given. */
import { nodeOptionsSchema } from '../../api/options/nodeOptions';
import { testnetOptionsSchema } from '../../api/options/testnetOptions';
import { PersistedPeers } from '../../bootstrap/persistedPeers';
import { Guid } from '../../routing/guid';

it('a bootstrap provider is passed through unfrozen (it keeps state of its own)', () => {
  const provider = new PersistedPeers('/tmp/never-written-peers.json');
  const out = nodeOptionsSchema.parse({ bootstrap: provider });
  expect(out.bootstrap).toBe(provider);
  expect(Object.isFrozen(provider)).toBe(false);
});

it("the caller's address list and GUID list stay the caller's, unfrozen", () => {
  const list = ['127.0.0.1:4000'];
  nodeOptionsSchema.parse({ bootstrap: list });
  expect(Object.isFrozen(list)).toBe(false);
  const guids = [Guid.fromName('a')];
  testnetOptionsSchema.parse({ nodes: 1, guids });
  expect(Object.isFrozen(guids)).toBe(false);
  list.push('127.0.0.1:4001'); // would throw in strict mode if frozen
  expect(list).toHaveLength(2);
});
