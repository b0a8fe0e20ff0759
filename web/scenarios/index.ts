// The scenarios menu, in order. Add a scenario: one file in web/scenarios/ exporting a Scenario,
// listed here.
import type { Scenario } from './scenario.ts';
import { tokenRing } from './token-ring.ts';
import { pingPong } from './ping-pong.ts';
import { broadcastStorm } from './broadcast.ts';
import { maskedVector } from './masked-vector.ts';
import { peerDies } from './peer-dies.ts';
import { frameRelay } from './frame-relay.tsx';
import { ringStream } from './ring-stream.ts';
import { sdmMasterSlaves } from './sdm.ts';
import { threeWays } from './three-ways.ts';
import { limits } from './limits.tsx';
import { virtqueue } from './virtqueue.ts';
import { flatMcus } from './flat-mcus.ts';
import { jailhouseCells } from './jailhouse-cells.ts';
import { linuxPair, linuxAndJs } from './linux.tsx';

export const SCENARIOS: Scenario[] = [tokenRing, threeWays, pingPong, broadcastStorm, maskedVector, peerDies, limits, frameRelay, ringStream, virtqueue, sdmMasterSlaves, flatMcus, jailhouseCells, linuxPair, linuxAndJs];
