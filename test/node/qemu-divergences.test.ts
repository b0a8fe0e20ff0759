// `npm run conformance:qemu` documents a difference only for the QEMU releases it names: the same
// answer from another release is undocumented there (test/qemu/divergences.ts).
import { expect, test } from 'vitest';
import { documented } from '../qemu/divergences.ts';

test('a divergence is documented for the releases it names and no other', () => {
  const access = '-device ivshmem-flat,chardev=srv,shmem-size=1048576';
  const notPluggable = "Parameter 'driver' expects a pluggable device type";
  const unknown = "'ivshmem-flat' is not a valid device model name";
  expect(documented('10.0', 'options', access, notPluggable, 'ok')).toBeDefined();
  expect(documented('7.2', 'options', access, notPluggable, 'ok')).toBeUndefined();
  expect(documented('7.2', 'options', access, unknown, 'ok')).toBeDefined();
  expect(documented('10.0', 'options', access, unknown, 'ok')).toBeUndefined();
  const memorySpace = ['Memory Space Enable clear: BAR accesses', 'BAR0 read 4@0x8', '0x0', 'AccessError: ivshmem-doorbell BAR0 is not decoded: Memory Space Enable (bit 1 of the Command register) is clear'] as const;
  expect(documented('7.2', ...memorySpace)).toBeDefined();
  expect(documented('10.0', ...memorySpace)).toBeDefined();
});
