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
        const server = host.addServer({ id: 'srv', size: '1M', vectors: 2 });
        host.realize('ivshmem-doorbell,chardev=srv,vectors=2');
        const client = host.connectClient('/tmp/ivshmem_socket');
        expect(client.id).to.equal(1);
        // contrib/ivshmem-client: ivshmem_client_dump, ivshmem_client_cmdline_help, main.c's parser
        const [a0, a1] = server.eventfdsOf(0)!;
        const [own0, own1] = server.eventfdsOf(1)!;
        expect(client.command('dump')).to.equal([
          'our_id = 1', `  vector 0 is enabled (fd=${own0})`, `  vector 1 is enabled (fd=${own1})`,
          'peer_id = 0', `  vector 0 is enabled (fd=${a0})`, `  vector 1 is enabled (fd=${a1})`,
        ].join('\n'));
        const help = [
          'dump: dump peers (including us)',
          'int <peer> <vector>: notify one vector on a peer',
          'int <peer> all: notify all vectors of a peer',
          'int all: notify all vectors of all peers (excepting us)',
        ].join('\n');
        expect(client.command('help')).to.equal(help);
        expect(client.command('?'), '"?" prints the help and, matching no command after it, "invalid command"').to.equal(`${help}\ninvalid command, type help`);
        expect(client.command('int 7 0')).to.equal('cannot find peer_id = 7');
        expect(client.command('int 0 9'), 'a bad vector is reported only in verbose mode').to.equal('');
        expect(client.command('reboot')).to.equal('invalid command, type help');
        expect(client.command(' dump'), 'strcmp: no trimming').to.equal('invalid command, type help');
        expect(client.command('int 7 all;reboot'), 'commands split on ;').to.equal('cannot find peer_id = 7\ninvalid command, type help');
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
