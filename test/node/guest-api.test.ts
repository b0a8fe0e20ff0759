// The playground's completion and hover text is what the guest API's types and doc comments say:
// web/playground/guest-api.json, regenerated here from the types, is unchanged, and every member
// reached from `vm` has its documentation.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { guestApi, OUTPUT, render } from '../../scripts/guest-api.ts';
import { GUEST_API, typeBefore } from '../../web/playground/guest-api.ts';

test('guest-api.json is generated from the current types (npm run gen:guest-api)', { timeout: 120_000 }, () => {
  const api = guestApi();
  expect(readFileSync(OUTPUT, 'utf8'), 'web/playground/guest-api.json is stale: run npm run gen:guest-api').toBe(render(api));
  const members = (type: string) => api.types[type].map((d) => d.label);
  // what a guest program reaches: vm's own members, the device one level down and further
  expect(members(api.vm)).toEqual(expect.arrayContaining(['id', 'ring', 'wait', 'waitAsync', 'bringUp', 'peers', 'log', 'device', 'driver', 'sdm', 'roundTrip', 'stopRequested']));
  expect(members(api.vm)).not.toContain('pump');
  expect(members(api.vm)).not.toContain('ready');
  expect(members('Bar')).toEqual(['bytes', 'index', 'read', 'size', 'write']);
  expect(members('driver')).toEqual(expect.arrayContaining(['enableDevice', 'enableMsix', 'maskVector', 'unmaskVector', 'msixPending', 'ring']));
  expect(members('GuestSdm')).toEqual(expect.arrayContaining(['signal', 'irq', 'boot', 'next', 'nextAsync']));
  for (const [type, docs] of Object.entries(api.types)) for (const d of docs) expect(d.info, `${type}.${d.label} has no doc comment`).not.toBe('');
});

test('a member chain from vm names the type whose members complete it', () => {
  expect(typeBefore('  vm.')).toBe(GUEST_API.vm);
  expect(typeBefore('const b = vm.device.memoryBar.')).toBe('Bar');
  expect(typeBefore('vm.device.bar(2).')).toBe('Bar');
  expect(typeBefore('vm.device.bar(Math.max(1, 2)).')).toBe('Bar');
  expect(typeBefore('vm.device.interrupts.')).toBe('InterruptView');
  expect(typeBefore('vm.sdm.')).toBe('GuestSdm');
  expect(typeBefore('dev.')).toBe('Device');
  // not the API: another object, a method used as a property, a member that does not exist
  expect(typeBefore('myvm.')).toBeUndefined();
  expect(typeBefore('vm.device.bar.')).toBeUndefined();
  expect(typeBefore('vm.nothing.')).toBeUndefined();
});
