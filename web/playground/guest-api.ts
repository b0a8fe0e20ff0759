// The guest API as the playground's editor explains it: completion after `vm.` and after any member
// reached from it (`vm.device.memoryBar.`, `vm.device.bar(2).`, `vm.sdm.`), and the same text on
// hover. guest-api.json is generated from the API's own types and doc comments
// (scripts/guest-api.ts, `npm run gen:guest-api`; test/node/guest-api.test.ts keeps it current).
import generated from './guest-api.json';

/** A member as the editor shows it; `of` names the type its value (a method's result) has, when that has members. */
export interface ApiDoc { label: string; type: 'property' | 'method'; detail: string; info: string; of?: string }
/** Each type's members by the type's name; `vm` is the type of the program's first argument. */
export interface GuestApi { vm: string; types: Record<string, ApiDoc[]> }

export const GUEST_API = generated as GuestApi;

/** What a program usually calls the objects it keeps in a variable (`const dev = vm.device`). */
const NAMES: Record<string, string> = { vm: GUEST_API.vm, device: 'Device', dev: 'Device', driver: 'driver', sdm: 'GuestSdm' };

/** How the editor names a type: the program's `vm`, else the type's own name. */
export const shownName = (type: string): string => (type === GUEST_API.vm ? 'vm' : type);

/**
 * The type whose members may follow `before` (the text up to a member access's dot): a chain of
 * members from `vm` (or a usual variable name), calls with their arguments dropped.
 */
export function typeBefore(before: string): string | undefined {
  let text = before;
  // drop call arguments, innermost first: vm.device.bar(2). → vm.device.bar().
  for (let last = ''; last !== text;) { last = text; text = text.replace(/\([^()]*\)/g, '\u0000'); }
  const chain = /(?:^|[^\w$.\u0000])([A-Za-z_$][\w$]*(?:\u0000?\.[A-Za-z_$][\w$]*)*\u0000?)\.$/.exec(text)?.[1];
  if (!chain) return undefined;
  const [head, ...rest] = chain.split('.');
  let type = head.endsWith('\u0000') ? undefined : NAMES[head];
  for (const part of rest) {
    if (type === undefined) return undefined;
    const call = part.endsWith('\u0000');
    const member = GUEST_API.types[type]?.find((d) => d.label === (call ? part.slice(0, -1) : part));
    if (!member || (member.type === 'method') !== call) return undefined;
    type = member.of;
  }
  return type && GUEST_API.types[type] ? type : undefined;
}
