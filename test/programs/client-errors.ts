// Takes the server's messages that have arrived and returns what the device's protocol client
// reported about them (QEMU's error_report lines), and the peers it knows.
import type { Guest } from '../../src/index.ts';

export default async function main(vm: Guest) {
  const peers = vm.peers().map((p) => p.id);
  return { errors: vm.device.internals.client?.errors ?? [], peers };
}
