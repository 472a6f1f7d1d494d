/** Churn (JSAC 2004 §V-C.3), a node every 10 s, mean lifetime 2 minutes: see helpers/churnScenario.ts. */
import { churnScenario } from '../helpers/churnScenario';

test('churn: a node every 10 s, mean lifetime 2 minutes, 30 virtual minutes', () => churnScenario(10_000, 120_000), 600_000);
