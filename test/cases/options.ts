// Bad option strings get QEMU's message and change nothing: no device, no object, no connection.
import { expect } from 'chai';
import { QemuError, type Host } from '../../src/index.ts';
import type { CaseGroup } from './case.ts';
import { machineOf } from '../../src/host.ts';

async function prepared(host: Host) {
  host.addObject('memory-backend-ram,id=m1,size=1M');
  host.addObject('memory-backend-ram,id=odd,size=3M');
  const server = host.addServer({ id: 'srv', size: '1M', vectors: 2 });
  host.realize('ivshmem-plain,memdev=m1,id=taken');
  return server;
}

function world(host: Host) {
  return JSON.stringify({
    devices: host.devices.length,
    objects: [...machineOf(host).objects.keys()],
    busy: [...machineOf(host).objects.values()].map((o) => !!o.mappedBy),
    peers: [...machineOf(host).servers.values()].map((s) => ('peerIds' in s ? (s as { peerIds: number[] }).peerIds : [])),
    files: [...machineOf(host).files.keys()],
  });
}

const DEVICE_ERRORS: [string, string][] = [
  ['', "Parameter 'driver' is missing"],
  ['nonsense', "'nonsense' is not a valid device model name"],
  ['ivshmem-plain', "You must specify a 'memdev'"],
  ['ivshmem-plain,memdev=nope', "Device 'nope' not found"],
  ['ivshmem-plain,memdev=m1', "can't use already busy memdev: m1"],
  ['ivshmem-plain,memdev=odd', "pci_register_bar: Assertion `is_power_of_2(size)' failed."],
  ['ivshmem-plain,memdev=odd,vectors=2', "Property 'ivshmem-plain.vectors' not found"],
  ['ivshmem-plain,memdev=odd,master=maybe', "Parameter 'master' does not accept value 'maybe'"],
  ['ivshmem-plain,memdev=m1,id=taken', "Duplicate ID 'taken' for device"],
  ['ivshmem-plain,memdev=m1,id=1bad', "Parameter 'id' expects an identifier"],
  ['ivshmem-plain,memdev=m1,', "Invalid parameter ''"],
  ['ivshmem-plain,memdev=m1,,x', "Device 'm1,x' not found"],
  ['ivshmem-doorbell', "You must specify a 'chardev'"],
  ['ivshmem-doorbell,chardev=nope', "Property 'ivshmem-doorbell.chardev' can't find value 'nope'"],
  ['ivshmem-doorbell,chardev=srv,vectors=0', 'Failed to initialize interrupts: The number of MSI-X vectors is invalid'],
  ['ivshmem-doorbell,chardev=srv,vectors=2049', 'Failed to initialize interrupts: The number of MSI-X vectors is invalid'],
  // QEMU 7.2 reads integers with base 0 (qemu_strtou64) and then checks the range
  ['ivshmem-doorbell,chardev=srv,vectors=two', "Parameter 'vectors' expects integer"],
  ['ivshmem-doorbell,chardev=srv,vectors=1e3', "Parameter 'vectors' expects integer"],
  ['ivshmem-doorbell,chardev=srv,vectors=08', "Parameter 'vectors' expects integer"],
  ['ivshmem-doorbell,chardev=srv,vectors=', "Parameter 'vectors' expects integer"],
  ['ivshmem-doorbell,chardev=srv,vectors=-1', "Parameter 'vectors' expects uint32_t"],
  ['ivshmem-doorbell,chardev=srv,vectors=4294967296', "Parameter 'vectors' expects uint32_t"],
  ['ivshmem-doorbell,chardev=srv,vectors=0x801', 'Failed to initialize interrupts: The number of MSI-X vectors is invalid'],
  // several bad properties: QEMU 7.2 sets them in its QDict's order (by the key's hash), not as written
  ['ivshmem-doorbell,foo=1,vectors=abc', "Parameter 'vectors' expects integer"],
  ['ivshmem-doorbell,master=xyz,ioeventfd=maybe', "Parameter 'ioeventfd' expects 'on' or 'off'"],
  ['ivshmem-doorbell,bar=2,foo=1', "Property 'ivshmem-doorbell.bar' not found"],
  ['ivshmem-doorbell,chardev=nope,vectors=abc', "Property 'ivshmem-doorbell.chardev' can't find value 'nope'"],
  // a missing memdev is a property error, a busy one a realize error (after every property)
  ['ivshmem-plain,master=xyz,memdev=m1', "Parameter 'master' does not accept value 'xyz'"],
  ['ivshmem-plain,memdev=nope,master=xyz', "Device 'nope' not found"],
  ['ivshmem-doorbell,addr=zz,vectors=abc', "Property 'ivshmem-doorbell.addr' doesn't take value 'zz'"],
  ['ivshmem-doorbell,vectors=abc,id=1x', "Parameter 'id' expects an identifier"],
  ['ivshmem-doorbell,chardev=srv,ioeventfd=maybe', "Parameter 'ioeventfd' expects 'on' or 'off'"],
  ['ivshmem-doorbell,chardev=srv,memdev=m1', "Property 'ivshmem-doorbell.memdev' not found"],
  ['ivshmem', "You must specify either 'shm' or 'chardev'"],
  ['ivshmem,shm=a,chardev=srv', "You must specify either 'shm' or 'chardev'"],
  ['ivshmem,shm=a,size=3M', 'Invalid size 3M'],
  ['ivshmem,shm=a,size=0', 'Invalid size 0'],
  ['ivshmem,shm=a,size=lots', 'Invalid size lots'],
  ['ivshmem,shm=a,role=boss', "'role' must be 'peer' or 'master'"],
  ['ivshmem,chardev=srv,msi=off,ioeventfd=on', 'ioeventfd/irqfd requires MSI'],
  ['ivshmem-plain,memdev=m1,bus=pci.9', "Bus 'pci.9' not found"],
  ['ivshmem-plain,memdev=odd,addr=zz', "Property 'ivshmem-plain.addr' doesn't take value 'zz'"],
  ['ivshmem-2010,size=1', 'ivshmem: a shared memory object name or unix:path is required'],
];

const OBJECT_ERRORS: [string, string][] = [
  ['memory-backend-ram,size=1M', "Parameter 'id' is missing"],
  ['memory-backend-ram,id=m1,size=1M', "attempt to add duplicate property 'm1' to object (type 'container')"],
  ['memory-backend-ram,id=z', "can't create backend with size 0"],
  ['memory-backend-ram,id=z,size=0', "can't create backend with size 0"],
  ['memory-backend-ram,id=z,size=1Q', "Parameter 'size' expects a non-negative number below 2^64"],
  ['memory-backend-ram,id=z,size=-1', "Parameter 'size' expects a non-negative number below 2^64"],
  ['memory-backend-ram,id=z,size=1M,share=maybe', "Parameter 'share' expects 'on' or 'off'"],
  ['memory-backend-ram,id=z,size=1M,colour=red', "Property 'memory-backend-ram.colour' not found"],
  ['memory-backend-file,id=z,size=1M', 'mem-path property not set'],
  ['memory-backend-gpu,id=z,size=1M', 'invalid object type: memory-backend-gpu'],
  ['memory-backend-ram,id=z,size=1G', "cannot set up guest memory 'z': Cannot allocate memory"],
];

export const options: CaseGroup = {
  group: 'options and their errors',
  cases: [
    {
      name: 'bad -device strings: QEMU\'s messages, and nothing changes',
      async run(env) {
        const host = await env.host();
        await prepared(host);
        const before = world(host);
        for (const [text, message] of DEVICE_ERRORS) {
          expect(() => host.realize(text), text).to.throw(QemuError, message);
          expect(world(host), `${text} changed something`).to.equal(before);
        }
      },
    },
    {
      name: 'integer properties are read with base 0: vectors=010 is 8, 0x10 is 16',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '1M', vectors: 1 });
        expect(host.realize('ivshmem-doorbell,chardev=srv,vectors=010').vectors).to.equal(8);
        expect(host.realize('ivshmem-doorbell,chardev=srv,vectors=0x10').vectors).to.equal(16);
        expect(host.realize('ivshmem-doorbell,chardev=srv,vectors= +3').vectors).to.equal(3);
      },
    },
    {
      name: 'bad -object strings: QEMU\'s messages, and nothing changes',
      async run(env) {
        const host = await env.host();
        await prepared(host);
        const before = world(host);
        for (const [text, message] of OBJECT_ERRORS) {
          expect(() => host.addObject(text), text).to.throw(QemuError, message);
          expect(world(host), `${text} changed something`).to.equal(before);
        }
      },
    },
    {
      name: 'a server or backend larger than the free memory is refused and changes nothing',
      async run(env) {
        const host = await env.host();
        await prepared(host);
        const before = world(host);
        expect(() => host.addServer({ id: 'huge', size: '512M', socket: '/tmp/huge', shm: 'huge' })).to.throw(QemuError, /Cannot allocate memory/);
        expect(() => host.addObject('memory-backend-file,id=big,size=512M,share=on,mem-path=/dev/shm/big')).to.throw(QemuError, /Cannot allocate memory/);
        expect(world(host)).to.equal(before);
        expect(machineOf(host).servers.has('huge')).to.equal(false);
      },
    },
    {
      name: 'a file backend larger than the file already there is refused; share=off maps a private copy',
      async run(env) {
        const host = await env.host();
        host.addObject('memory-backend-file,id=f1,size=1M,share=on,mem-path=/dev/shm/f');
        expect(() => host.addObject('memory-backend-file,id=f2,size=2M,share=on,mem-path=/dev/shm/f'))
          .to.throw(QemuError, "backing store size 0x100000 does not match 'size' option 0x200000");
        const shared = host.realize('ivshmem-plain,memdev=f1');
        shared.bar(2).bytes![0] = 9;
        host.addObject('memory-backend-file,id=f3,size=1M,share=off,mem-path=/dev/shm/f');
        const copy = host.realize('ivshmem-plain,memdev=f3');
        expect(copy.bar(2).bytes![0], 'the file contents at mapping time').to.equal(9);
        copy.bar(2).bytes![0] = 1;
        expect(shared.bar(2).bytes![0], 'private: writes stay private').to.equal(9);
      },
    },
    {
      name: 'option syntax: doubled commas, bare keys mean on, sizes with suffixes and fractions',
      async run(env) {
        const host = await env.host();
        const backend = host.addObject('memory-backend-file,id=f,size=0.5M,share,mem-path=/dev/shm/a,,b');
        expect(backend.options.memPath).to.equal('/dev/shm/a,b');
        expect(backend.options.share).to.equal(true);
        expect(backend.size).to.equal(512 * 1024);
        expect(host.addObject('memory-backend-ram,id=k,size=64k').size).to.equal(65536);
        expect(host.addObject('memory-backend-ram,id=h,size=0x10000').size).to.equal(65536);
      },
    },
    {
      name: 'host options: memory size limits and the machine type are checked',
      async run(env) {
        let error: unknown;
        await env.host({ memory: '1K' }).catch((e) => { error = e; });
        expect(String(error)).to.match(/below the minimum/);
        error = undefined;
        await env.host({ memory: '8G' }).catch((e) => { error = e; });
        expect(String(error)).to.match(/above what a WebAssembly memory can hold/);
        error = undefined;
        await env.host({ machine: 'virt' as 'pc' }).catch((e) => { error = e; });
        expect(String(error)).to.match(/unsupported machine type: virt/);
      },
    },
  ],
};
