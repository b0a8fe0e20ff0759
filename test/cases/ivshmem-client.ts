// The sample client (contrib/ivshmem-client) on the host: its prompt's commands and messages,
// ringing a device, and hearing one.
import { expect } from 'chai';
import { QemuError } from '../../src/index.ts';
import { driver, until } from './helpers.ts';
import type { CaseGroup } from './case.ts';

export const ivshmemClient: CaseGroup = {
  group: 'ivshmem-client',
  cases: [
    {
      name: 'dump, help, int errors and unknown commands read as the sample client prints them',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '1M', vectors: 2 });
        host.realize('ivshmem-doorbell,chardev=srv,vectors=2');
        const client = host.connectClient('/tmp/ivshmem_socket');
        expect(client.id).to.equal(1);
        expect(client.dump().split('\n').filter((l) => !l.startsWith('  vector'))).to.deep.equal(['our_id = 1', 'peer_id = 0', '  (ourself)']);
        expect(client.dump().match(/vector \d is enabled/g)).to.have.length(4);
        expect(client.command('?')).to.match(/^available commands:/);
        expect(client.command('int 7 0')).to.equal('cannot find peer_id = 7');
        expect(client.command('int 0 9')).to.equal('cannot notify peer_id = 0 vector = 9');
        expect(client.command('reboot')).to.equal('invalid command, type help');
        expect(client.bytes!.length).to.equal(1 << 20);
        expect(() => host.connectClient('nowhere')).to.throw(QemuError, "Failed to connect to 'nowhere'");
      },
    },
    {
      name: 'int <peer> <vector> rings a device; a device ringing the client is a notification',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '1M', vectors: 2 });
        const dev = host.realize('ivshmem-doorbell,chardev=srv,vectors=2');
        driver.bringUpDoorbell(dev);
        const client = host.connectClient('srv');
        client.command('int 0 1');
        expect([dev.interrupts.delivered(0), dev.interrupts.delivered(1)]).to.deep.equal([0, 1]);
        client.command('int 0 all');
        client.command('int all');
        expect([dev.interrupts.delivered(0), dev.interrupts.delivered(1)]).to.deep.equal([2, 3]);
        driver.ring(dev, client.id, 1);
        await until(() => client.notifications.length === 1);
        expect(client.notifications[0]).to.deep.equal({ peer: client.id, vector: 1, count: 1 });
        expect(client.output.at(-1)).to.equal(`receive notification from peer_id=${client.id} vector=1`);
        client.close();
        expect(dev.peers().map((p) => p.id), 'the server told the device the client left').to.deep.equal([0]);
      },
    },
  ],
};
