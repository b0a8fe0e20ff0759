// The source of a program the workbench runs from a URL (a scenario's guest program, the driver
// of an added VM), for the playground's editor: the playground shows what a VM actually runs. A
// `?program` URL ends in the file's name (`/@fs/.../token-ring.guest.ts` served, or
// `./programs/token-ring.guest.js` built: vite.config.ts), which names the source here.
const SOURCES = import.meta.glob(['../scenarios/*.guest.ts', '../../programs/*.guest.ts', '../guest/idle.guest.ts'], { query: '?raw', import: 'default' }) as Record<string, () => Promise<string>>;

const baseName = (path: string) => path.split('/').pop()!.replace(/[?#].*$/, '').replace(/\.[cm]?[jt]s$/, '');
const BY_NAME = new Map(Object.entries(SOURCES).map(([path, load]) => [baseName(path), load]));

/** The TypeScript source of the program at `url`, if it is one of the app's own. */
export function programSource(url: string): Promise<string> | undefined {
  return BY_NAME.get(baseName(url))?.();
}
