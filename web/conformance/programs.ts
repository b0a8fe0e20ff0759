// The guest programs of the shared case list, bundled by Vite like workers so that they run from
// the dev server and from a built site alike.
import pair from '../../test/programs/pair.ts?worker&url';
import serverCase from '../../test/programs/server-case.ts?worker&url';
import pingPong from '../../test/programs/ping-pong.ts?worker&url';
import echo from '../../test/programs/echo.ts?worker&url';
import fails from '../../test/programs/fails.ts?worker&url';

const programs: Record<string, string> = { pair, 'server-case': serverCase, 'ping-pong': pingPong, echo, fails };

export function programUrl(name: string): string {
  const url = programs[name];
  if (!url) throw new Error(`no guest program called ${name}`);
  return new URL(url, location.href).href;
}
