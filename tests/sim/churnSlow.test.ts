/** Churn (JSAC 2004 §V-C.3), a node every 20 s, mean lifetime 4 minutes: see helpers/churnScenario.ts. */
import { churnScenario } from '../helpers/churnScenario';

test('churn: a node every 20 s, mean lifetime 4 minutes, 30 virtual minutes', () => churnScenario(20_000, 240_000), 600_000);
