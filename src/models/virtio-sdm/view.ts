// What the host sees of a virtio-sdm device, read straight from its block in the shared memory
// (assembly/sdm-layout.ts draws it): its id, the config bytes, the signal counters, the boot state.
import * as L from '../../../assembly/layout.ts';
import { REJECT_REASONS, type RejectReason } from '../../trace/event.ts';
import { channelOf, type SdmSocketChannel } from './socket-channel.ts';

export interface SdmCounters {
  /** signals this device's driver sent that were delivered or queued for their destination */
  sent: number;
  /** signals that reached this device (SDM_IRQ and SDM_BOOT) */
  received: number;
  /** signals lost: the pending queue or the outbox was full, or a reset discarded them */
  dropped: number;
  /** SDM_BOOT signals received */
  boots: number;
  /** invalid signals, by reason, never delivered */
  rejected: Record<RejectReason, number>;
}

export class SdmView {
  /** @internal */
  constructor(private readonly view: DataView, private readonly block: number) {}

  private word(offset: number): number {
    return this.view.getInt32(this.block + offset, true);
  }

  /** 0 for the master, 1..max_slaves for a slave, -1 while a slave has no id. */
  get id(): number { return this.word(L.DEV_VM_ID); }
  /** It is its group's master (the config's master byte). */
  get master(): boolean { return this.view.getUint8(this.block + L.SDM_CONFIG + L.SDM_CFG_MASTER) !== 0; }
  /** the device's own copy of the config (a local slave's driver reads its master's) */
  get maxSlaves(): number { return this.view.getUint16(this.block + L.SDM_CONFIG + L.SDM_CFG_MAX_SLAVES, true); }
  /** Slaves in its group now (the config's current_slaves). */
  get currentSlaves(): number { return this.view.getUint16(this.block + L.SDM_CONFIG + L.SDM_CFG_CURRENT_SLAVES, true); }
  /** whether its guest program may run (false until an SDM_BOOT for a VM spawned with boot: 'sdm') */
  get booted(): boolean { return this.word(L.SDM_BOOTED) !== 0; }
  /** the payload of the SDM_BOOT that booted it */
  get bootPayload(): [number, number] {
    return [this.word(L.SDM_BOOT_PAYLOAD) >>> 0, this.word(L.SDM_BOOT_PAYLOAD + 4) >>> 0];
  }
  /** the device status register (NEEDS_RESET = 64 after a broken ring) */
  get status(): number { return this.word(L.VMMIO_STATUS); }
  /**
   * Its group, as the key of the group's master device (Device.key): its own for a master, its
   * master's for a slave of a local group; undefined for a slave whose master is across the relay.
   */
  get group(): number | undefined {
    if (this.master) return this.view.getUint32(this.block + L.DEV_KEY, true);
    const link = this.view.getUint32(this.block + L.SDM_MASTER_LINK, true);
    return link > L.SDM_REMOTE ? this.view.getUint32(link + L.DEV_KEY, true) : undefined;
  }

  /** the guest RAM the driver's rings live in: guest address 0 is `offset` in the shared memory */
  get ram(): {
    /** where guest address 0 is in the shared memory */
    offset: number;
    /** its size in bytes */
    size: number;
  } { return { offset: this.block + L.SDM_RAM, size: L.SDM_RAM_SIZE }; }

  /** Its signal counters: sent, received, dropped, boots, rejected by reason. */
  get counters(): SdmCounters {
    const rejected = {} as Record<RejectReason, number>;
    for (const [name, index] of Object.entries(REJECT_REASONS)) rejected[name as RejectReason] = this.word(L.SDM_REJECTED + index * 4);
    return {
      sent: this.word(L.SDM_SENT),
      received: this.word(L.SDM_RECEIVED),
      dropped: this.word(L.SDM_DROPPED),
      boots: this.word(L.SDM_BOOTS),
      rejected,
    };
  }

  /** the socket channel to the relay (state, reconnects, ready, log), for a group across hosts */
  get channel(): SdmSocketChannel | undefined {
    return channelOf(this.block);
  }

  /** invalid signals, all reasons together */
  get rejectedTotal(): number {
    return Object.values(this.counters.rejected).reduce((a, b) => a + b, 0);
  }
}
