// The scenarios menu, in order. Add a scenario: one file in web/scenarios/ exporting a Scenario,
// listed here.
import type { Scenario } from './scenario.ts';
import { tokenRing } from './token-ring.ts';

export const SCENARIOS: Scenario[] = [tokenRing];
