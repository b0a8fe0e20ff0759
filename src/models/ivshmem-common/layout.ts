// The PCI function every QEMU ivshmem since 1.x is: BAR0 256 bytes of 32-bit registers, BAR1 the
// MSI-X table and PBA when it has MSI-X, BAR2 the shared memory (64-bit prefetchable unless
// use64=0); vendor 1af4, device 1110, class 0500.
import * as L from '../../../assembly/layout.ts';
import { msixBar, type BarLayout, type DeviceLayout } from '../../device/layout.ts';
import type { Extensions } from './properties.ts';

export interface IvshmemFunction {
  revision: 0 | 1;
  interruptPin: 0 | 1;
  msix: boolean;
  intx: boolean;
  vectors: number;
  memorySize: number;
  use64: boolean;
  extensions?: Extensions;
}

export function ivshmemLayout(f: IvshmemFunction): DeviceLayout {
  const bars: BarLayout[] = [{ index: 0, kind: 'registers', size: L.BAR0_SIZE, type: 0 }];
  let pbaOffset = 0;
  if (f.msix) {
    const bar = msixBar(f.vectors);
    pbaOffset = bar.pbaOffset;
    bars.push({ index: 1, kind: 'msix', size: bar.size, type: 0 });
  }
  const type = L.PCI_BASE_ADDRESS_MEM_PREFETCH | (f.use64 ? L.PCI_BASE_ADDRESS_MEM_TYPE_64 : 0);
  bars.push({ index: 2, kind: 'memory', size: f.memorySize, type });
  const x = f.extensions ?? {};
  return {
    transport: 'pci',
    revision: f.revision,
    interruptPin: f.interruptPin,
    msix: f.msix,
    intx: f.intx,
    vectors: f.vectors,
    bars,
    pbaOffset,
    memoryBar: 2,
    extensions: (x.xPoll ? L.FEATURE_X_POLL : 0) | (x.xPeers ? L.FEATURE_X_PEERS : 0) | (x.xName !== undefined ? L.FEATURE_X_NAME : 0),
    name: x.xName,
  };
}
