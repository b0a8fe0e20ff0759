// virtio-sdm over the socket channel: devices on two hosts (each its own shared memory, as two
// browser tabs or processes would be) signal each other through a real relay process, with the
// same device behaviour as the local channel; the relay is restarted under them and they carry on.
import { afterEach, describe, expect, test } from 'vitest';
import { Host, QemuError } from '../../src/index.ts';
import { until } from '../cases/helpers.ts';
import { SDM_BOOT, SDM_IRQ, driverOf } from './sdm-fixture.ts';
import { startRelay, type RelayProcess } from './sdm-relay-process.ts';

const program = (name: string) => new URL(`../programs/${name}.ts`, import.meta.url).href;
const relays: RelayProcess[] = [];
const hosts: Host[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.shutdown()));
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});

async function twoHosts(url: string, room = 'lab') {
  const a = await Host.create({ memory: '32M' });
  const b = await Host.create({ memory: '32M' });
  hosts.push(a, b);
  for (const h of [a, b]) h.addSdmSocket({ id: 'relay', url, room, token: 'secret' });
  return { a, b };
}

describe('virtio-sdm over the relay (socket channel)', () => {
  test('a master on one host, a slave device and a slave VM on another: IRQs and BOOT both ways', async () => {
    const relay = await startRelay();
    relays.push(relay);
    const { a, b } = await twoHosts(relay.url);
    const master = a.realize('virtio-sdm,id=m,master=on,max_slaves=4,chardev=relay');
    await master.sdm!.channel!.ready;
    const slave = b.realize('virtio-sdm,id=s,chardev=relay');
    await slave.sdm!.channel!.ready;
    expect(slave.sdm!.id).toBe(1);
    const vm = await b.spawn({ device: 'virtio-sdm,id=v,chardev=relay', program: program('sdm-slave'), arg: { rounds: 2 }, boot: 'sdm' });
    await vm.device.sdm!.channel!.ready;
    expect(vm.device.sdm!.id).toBe(2);
    await until(() => master.sdm!.currentSlaves === 2, 'both slaves seen by the master', 20_000);
    const m = driverOf(a, master);
    const s = driverOf(b, slave);
    m.setup();
    s.setup();
    expect(s.config).toMatchObject({ master: false, maxSlaves: 4, currentSlaves: 2 });
    m.irq(1, [0x11, 0x22]);
    let got;
    await until(() => (got = s.poll()) !== undefined, 'the IRQ across the relay', 20_000);
    expect(got).toEqual({ type: SDM_IRQ, slave: 0, payload: [0x11, 0x22] });
    s.irq(0, [0x33, 0x44]);
    await until(() => (got = m.poll()) !== undefined, 'the reply across the relay', 20_000);
    expect(got).toEqual({ type: SDM_IRQ, slave: 1, payload: [0x33, 0x44] });
    // Boot the VM across the relay, then two rounds with it.
    m.boot(2, [0xb007, 2]);
    await until(() => vm.log.length > 0, 'the VM booting', 30_000);
    expect(vm.log[0]).toBe('slave 2 booted with 45063,2');
    for (let round = 1; round <= 2; round++) {
      m.irq(2, [round * 10, 0]);
      await until(() => (got = m.poll()) !== undefined, 'the VM answering', 30_000);
      expect(got).toEqual({ type: SDM_IRQ, slave: 2, payload: [round * 10 + 1, 2] });
    }
    expect(await vm.result).toMatchObject({ answered: 2, boot: [0xb007, 2] });
    // The device's rules hold on this channel too: nothing invalid leaves the device.
    s.irq(2);
    s.signal(9, 0);
    m.irq(3);
    expect(slave.sdm!.counters.rejected).toMatchObject({ 'slave-to-slave': 1, type: 1 });
    expect(master.sdm!.counters.rejected.absent).toBe(1);
    expect(master.sdm!.counters.received).toBe(3);
    expect(SDM_BOOT).toBe(1);
  }, 90_000);

  test('a relay restart is survived: the devices reconnect, keep their ids, report it, and signal again', async () => {
    const first = await startRelay();
    relays.push(first);
    const { a, b } = await twoHosts(first.url);
    const master = a.realize('virtio-sdm,id=m,master=on,max_slaves=2,chardev=relay');
    await master.sdm!.channel!.ready;
    const slave = b.realize('virtio-sdm,id=s,chardev=relay');
    await slave.sdm!.channel!.ready;
    const m = driverOf(a, master);
    const s = driverOf(b, slave);
    m.setup();
    s.setup();
    await first.stop();
    await until(() => master.sdm!.channel!.state === 'reconnecting' && slave.sdm!.channel!.state === 'reconnecting', 'both noticing', 20_000);
    // Sent while the relay is down: waits in the outbox.
    m.irq(1, [1, 2]);
    const second = await startRelay([], first.port);
    relays.push(second);
    await until(() => master.sdm!.channel!.reconnects === 1 && slave.sdm!.channel!.reconnects === 1, 'both reconnecting', 30_000);
    expect(slave.sdm!.channel!.state).toBe('connected');
    expect(slave.sdm!.id).toBe(1);
    expect(master.sdm!.channel!.log.some((line) => line.startsWith('lost the relay'))).toBe(true);
    expect(slave.sdm!.channel!.log.at(-1)).toBe(`reconnected to ${first.url}/ (room lab, id 1)`);
    let got;
    await until(() => (got = s.poll()) !== undefined, 'the IRQ sent during the restart', 20_000);
    expect(got).toEqual({ type: SDM_IRQ, slave: 0, payload: [1, 2] });
    s.irq(0, [3, 4]);
    await until(() => (got = m.poll()) !== undefined, 'a reply after the restart', 20_000);
    expect(got).toEqual({ type: SDM_IRQ, slave: 1, payload: [3, 4] });
  }, 90_000);

  test('joining a full room is refused with a clear error; a master changing max_slaves tells the relay', async () => {
    const relay = await startRelay();
    relays.push(relay);
    const { a, b } = await twoHosts(relay.url);
    const master = a.realize('virtio-sdm,id=m,master=on,max_slaves=1,chardev=relay');
    await master.sdm!.channel!.ready;
    await b.realize('virtio-sdm,id=s1,chardev=relay').sdm!.channel!.ready;
    const extra = b.realize('virtio-sdm,id=s2,chardev=relay');
    await expect(extra.sdm!.channel!.ready).rejects.toThrow(new QemuError("virtio-sdm: the relay refused the device: room 'lab' is full: max_slaves is 1"));
    expect(extra.sdm!.channel!.state).toBe('refused');
    extra.unrealize();
    const m = driverOf(a, master);
    m.setup();
    m.setMaxSlaves(2);
    const late = b.realize('virtio-sdm,id=s3,chardev=relay');
    await late.sdm!.channel!.ready;
    expect(late.sdm!.id).toBe(2);
    await until(() => master.sdm!.currentSlaves === 2, 'the master seeing slave 2', 20_000);
  }, 60_000);

  test('a wrong token is refused', async () => {
    const relay = await startRelay();
    relays.push(relay);
    const { a, b } = await twoHosts(relay.url);
    await a.realize('virtio-sdm,id=m,master=on,chardev=relay').sdm!.channel!.ready;
    b.addSdmSocket({ id: 'wrong', url: relay.url, room: 'lab', token: 'guess' });
    const d = b.realize('virtio-sdm,id=s,chardev=wrong');
    await expect(d.sdm!.channel!.ready).rejects.toThrow("wrong token for room 'lab'");
    expect(() => b.addSdmSocket({ id: 'bad', url: 'http://x', room: 'lab', token: 't' })).toThrow(QemuError);
    expect(() => b.addSdmSocket({ id: 'relay', url: relay.url, room: 'lab', token: 't' })).toThrow(QemuError);
  }, 60_000);
});
