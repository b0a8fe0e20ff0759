// -device strings given to a real QEMU and to host.realize(): the first error each reports
// (or "ok"). Both start from the same world: memory backends m1 (1M, in use by a device with id
// "taken") and odd (3M), and a server on chardev srv; "peer first: " strings meet a server that
// already has a client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Host } from '../../src/index.ts';
import { Qtest } from './qtest.ts';
import type { Release } from './install.ts';
import { PyServer } from './py-server.ts';

export const DEVICE_STRINGS = [
  'ivshmem-plain',
  'ivshmem-plain,memdev=nope',
  'ivshmem-plain,memdev=m1',
  'ivshmem-plain,memdev=odd',
  'ivshmem-plain,memdev=odd,vectors=2',
  'ivshmem-plain,memdev=odd,master=maybe',
  'ivshmem-plain,memdev=odd,id=taken',
  'ivshmem-plain,memdev=odd,id=1bad',
  'ivshmem-plain,memdev=odd,bus=pci.9',
  'ivshmem-plain,memdev=odd,addr=zz',
  'ivshmem-plain,master=xyz,memdev=m1',
  'ivshmem-plain,memdev=odd,foo=1,bar=2',
  'ivshmem-doorbell',
  'ivshmem-doorbell,chardev=nope',
  'ivshmem-doorbell,chardev=srv,vectors=0',
  'ivshmem-doorbell,chardev=srv,vectors=2049',
  'ivshmem-doorbell,chardev=srv,vectors=0x801',
  'ivshmem-doorbell,chardev=srv,vectors=two',
  'ivshmem-doorbell,chardev=srv,vectors=1e3',
  'ivshmem-doorbell,chardev=srv,vectors=08',
  'ivshmem-doorbell,chardev=srv,vectors=',
  'ivshmem-doorbell,chardev=srv,vectors=-1',
  'ivshmem-doorbell,chardev=srv,vectors=4294967296',
  'ivshmem-doorbell,chardev=srv,vectors=99999999999999999999',
  'ivshmem-doorbell,chardev=srv,vectors=010',
  'ivshmem-doorbell,chardev=srv,vectors=0x10',
  'ivshmem-doorbell,chardev=srv,ioeventfd=maybe',
  'ivshmem-doorbell,chardev=srv,ioeventfd=yes',
  'ivshmem-doorbell,chardev=srv,memdev=m1',
  'ivshmem-doorbell,chardev=srv,master=on',
  'ivshmem-doorbell,foo=1,vectors=abc',
  'ivshmem-doorbell,master=xyz,ioeventfd=maybe',
  'ivshmem-doorbell,bar=2,foo=1',
  'ivshmem-doorbell,chardev=nope,vectors=abc',
  'ivshmem-doorbell,vectors=abc,id=1x',
  'ivshmem-doorbell,bus=zz,vectors=abc',
  'ivshmem-doorbell,addr=zz,vectors=abc',
  'ivshmem-doorbell,vectors=0',
  'ivshmem-plain,memdev=nope,master=xyz',
  'peer first: ivshmem-doorbell,chardev=srv,master=on',
  'peer first: ivshmem-doorbell,chardev=srv,master=on,vectors=0',
  'ivshmem-flat,chardev=srv,shmem-size=1048576',
];

const PEER_FIRST = 'peer first: ';

async function qemuAnswer(release: Release, text: string, socket: string): Promise<string> {
  const args = [
    '-object', 'memory-backend-ram,id=m1,size=1M,share=on',
    '-object', 'memory-backend-ram,id=odd,size=3M,share=on',
    '-chardev', `socket,id=srv,path=${socket}`,
    '-device', 'ivshmem-plain,memdev=m1,id=taken',
    '-device', text,
  ];
  try {
    const vm = await Qtest.start(release, args);
    await vm.quit();
    return 'ok';
  } catch (error) {
    // QEMU prefixes its errors with its program name and the option it refuses
    const prefix = `${basename(release.binary)}:`;
    const line = (error as Error).message.split('\n').find((l) => l.includes(prefix)) ?? (error as Error).message;
    return line.slice(line.indexOf(prefix)).replace(`${prefix} -device ${text}: `, '').replace(`${prefix} `, '').trim();
  }
}

async function projectAnswer(text: string, peerFirst: boolean): Promise<string> {
  const host = await Host.create({ memory: '32M' });
  try {
    host.addObject('memory-backend-ram,id=m1,size=1M,share=on');
    host.addObject('memory-backend-ram,id=odd,size=3M,share=on');
    host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    if (peerFirst) host.connectClient('srv');
    host.realize('ivshmem-plain,memdev=m1,id=taken');
    host.realize(text);
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await host.shutdown();
  }
}

/** Every string's answer from this QEMU and from the project. */
export async function compareOptions(release: Release): Promise<{ text: string; qemu: string; project: string }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ivshmem-options-'));
  const results = [];
  try {
    for (const line of DEVICE_STRINGS) {
      const peerFirst = line.startsWith(PEER_FIRST);
      const text = peerFirst ? line.slice(PEER_FIRST.length) : line;
      // a fresh server each time, so that master=on meets the same server in both worlds
      const socket = join(dir, 'srv.sock');
      const server = await PyServer.start(socket, { size: 1 << 20, vectors: 1 });
      if (peerFirst) await server.join();
      const qemu = await qemuAnswer(release, text, socket);
      await server.quit();
      rmSync(socket, { force: true });
      results.push({ text: line, qemu, project: await projectAnswer(text, peerFirst) });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
