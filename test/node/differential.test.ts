// The project against the reference model (test/model/): random sequences, identical results.
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import * as api from '../../src/index.ts';
import { differentialProperty, runScenario, type Scenario } from '../model/differential.ts';
import { seedFor } from './seed.ts';

describe('differential: the project against the reference model', () => {
  test('random config, BAR, doorbell, reset, join/leave and migration sequences agree step by step', async () => {
    const seed = seedFor('differential');
    await fc.assert(differentialProperty(api), { numRuns: 300, seed });
  }, 120_000);
});

// Shrunk failures, kept as named cases (each replays one scenario against the model).
const named: Record<string, Scenario> = {
  // A device with fewer vectors than the server refuses its own extra eventfds ("Too many eventfd
  // received"); a peer that rings that vector rings an eventfd nobody watches: nothing happens.
  'a doorbell on a vector its owner refused reaches nobody': {
    serverVectors: 2,
    ops: [
      { op: 'realize', kind: 'doorbell', vectors: 1, master: false },
      { op: 'realize', kind: 'doorbell', vectors: 2, master: false },
      { op: 'bringUp', pick: 0 },
      { op: 'bringUp', pick: 1 },
      { op: 'barWrite', pick: 1, bar: 0, width: 4, offset: 12, value: 1 },
      { op: 'barWrite', pick: 1, bar: 0, width: 4, offset: 12, value: 0 },
    ],
  },
  // The server sends its own eventfds after the shared memory, so QEMU's realize is over when the
  // second one is refused: it is reported (error_report_err) and the device works on one vector.
  'own eventfds beyond the device\'s vectors are refused after setup, realize succeeds': {
    serverVectors: 2,
    ops: [{ op: 'realize', kind: 'doorbell', vectors: 1, master: false }, { op: 'take', pick: 0 }],
  },
  // Two clients of one server map the same memory: one writes through its BAR2, the other reads
  // it back (the model once gave each device a memory of its own).
  'the server\'s clients share one BAR2': {
    serverVectors: 1,
    ops: [
      { op: 'realize', kind: 'doorbell', vectors: 1, master: false },
      { op: 'realize', kind: 'legacy-intx', vectors: 1, master: false },
      { op: 'bringUp', pick: 0 },
      { op: 'bringUp', pick: 1 },
      { op: 'barWrite', pick: 0, bar: 2, width: 4, offset: 12, value: 1 },
      { op: 'barRead', pick: 1, bar: 2, width: 8, offset: 8 },
    ],
  },
  // A ring while the function is masked waits in the PBA; clearing Function Mask sends it.
  'clearing the function mask sends what is pending': {
    serverVectors: 1,
    ops: [
      { op: 'realize', kind: 'doorbell', vectors: 1, master: false },
      { op: 'bringUp', pick: 0 },
      { op: 'configWrite', pick: 0, width: 2, offset: 0x42, value: 0xc000 },
      { op: 'barWrite', pick: 0, bar: 0, width: 4, offset: 12, value: 0 },
      { op: 'configWrite', pick: 0, width: 2, offset: 0x42, value: 0x8000 },
      { op: 'take', pick: 0 },
    ],
  },
};

describe('differential: named cases from shrunk failures', () => {
  for (const [name, scenario] of Object.entries(named)) test(name, () => runScenario(api, scenario));
});
