// The guest programs of the shared case list, bundled by Vite like workers so that they run from
// the dev server and from a built site alike.
import pair from '../../test/programs/pair.ts?program';
import serverCase from '../../test/programs/server-case.ts?program';
import pingPong from '../../test/programs/ping-pong.ts?program';
import echo from '../../test/programs/echo.ts?program';
import fails from '../../test/programs/fails.ts?program';

const programs: Record<string, string> = { pair, 'server-case': serverCase, 'ping-pong': pingPong, echo, fails };

export function programUrl(name: string): string {
  const url = programs[name];
  if (!url) throw new Error(`no guest program called ${name}`);
  return new URL(url, location.href).href;
}
