// What several figures ring and read: host-side devices set up as a guest driver would.
import { driver, type Device, type Host } from '../../src/index.ts';

/** A server `srv` and two ivshmem-doorbell devices on it with one vector each, brought up (enabled, MSI-X on, unmasked). */
export function doorbellPair(host: Host): { a: Device; b: Device } {
  host.addServer({ id: 'srv', size: '1M', vectors: 1 });
  const a = host.realize('ivshmem-doorbell,chardev=srv');
  const b = host.realize('ivshmem-doorbell,chardev=srv');
  driver.bringUpDoorbell(a);
  driver.bringUpDoorbell(b);
  return { a, b };
}
