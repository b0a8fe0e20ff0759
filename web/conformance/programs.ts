// The guest programs of the shared case list, as URLs a VM worker can import, from the dev server
// and from a built site alike (see guestPrograms in vite.config.ts).
import pair from '../../test/programs/pair.ts?program';
import serverCase from '../../test/programs/server-case.ts?program';
import pingPong from '../../test/programs/ping-pong.ts?program';
import echo from '../../test/programs/echo.ts?program';
import fails from '../../test/programs/fails.ts?program';
import intxPingPong from '../../test/programs/intx-ping-pong.ts?program';
import newcomer from '../../test/programs/newcomer.ts?program';
import ringStream from '../../test/programs/ring-stream.ts?program';
import ringVirtqueue from '../../test/programs/ring-virtqueue.ts?program';
import ringHostile from '../../test/programs/ring-hostile.ts?program';
import waitOnce from '../../test/programs/wait-once.mjs?program';
import sdmMaster from '../../test/programs/sdm-master.ts?program';
import sdmSlave from '../../test/programs/sdm-slave.ts?program';
import flatPingPong from '../../test/programs/flat-ping-pong.ts?program';
import flatRing from '../../test/programs/flat-ring.ts?program';
import v2Net from '../../test/programs/v2-net.ts?program';
import bringUpWait from '../../test/programs/bring-up-wait.ts?program';

const programs: Record<string, string> = {
  pair, 'server-case': serverCase, 'ping-pong': pingPong, echo, fails, 'intx-ping-pong': intxPingPong, newcomer,
  'ring-stream': ringStream, 'ring-virtqueue': ringVirtqueue, 'ring-hostile': ringHostile, 'wait-once': waitOnce,
  'sdm-master': sdmMaster, 'sdm-slave': sdmSlave, 'flat-ping-pong': flatPingPong, 'flat-ring': flatRing, 'v2-net': v2Net, 'bring-up-wait': bringUpWait,
};

export function programUrl(name: string): string {
  const url = programs[name];
  if (!url) throw new Error(`no guest program called ${name}`);
  return new URL(url, location.href).href;
}
