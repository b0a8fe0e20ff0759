// Joining an SDM room on a relay: this page's virtio-sdm VM meets VMs of other pages (or Node
// processes) in a room of the SDM relay (the dev server's /sdm-relay by default, or
// `npm run relay`'s). A master waits for its slaves, boots each with SDM_BOOT and sends them IRQs;
// a slave is held back until a master, wherever it is, boots it. Each VM joined here is listed
// with its connection: state, SDM id, reconnections and the channel's last word. The VMs
// themselves are the workbench's, drawn in the topology and the timeline like any other.
import { useState } from 'preact/hooks';
import type { Workbench } from '../app/workbench.ts';
import type { VmEntry } from '../app/vm-entry.ts';
import program from '../scenarios/sdm.guest.ts?program';
import type { SdmArg } from '../scenarios/sdm.guest.ts';

type Role = 'master' | 'slave';

/** The relay the page's own server runs (vite.config.ts's /sdm-relay). */
function ownRelay(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sdm-relay`;
}

let joins = 0;

/** The VMs of this workbench whose device reaches its group through a relay. */
function relayed(wb: Workbench): VmEntry[] {
  return wb.vms.value.filter((e) => !e.ended.value && e.model === 'virtio-sdm' && e.vm.device.sdm?.channel !== undefined);
}

export function SdmRoom({ wb }: { wb: Workbench }) {
  wb.frame.value;
  const [url, setUrl] = useState(ownRelay);
  const [room, setRoom] = useState('lab');
  const [token, setToken] = useState('');
  const [role, setRole] = useState<Role>('master');
  const [slaves, setSlaves] = useState(1);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const join = async (event: Event) => {
    event.preventDefault();
    const host = wb.host;
    if (!host) return;
    setBusy(true);
    setError(undefined);
    try {
      const n = ++joins;
      const chardev = `relay${n}`;
      host.addSdmSocket({ id: chardev, url, room, token });
      const arg: SdmArg = { role, slaves, everyMs: Math.max(wb.pace.value * 2, 40) };
      const device = role === 'master'
        ? `virtio-sdm,id=room${n},master=on,max_slaves=${Math.max(slaves, 1)},chardev=${chardev}`
        : `virtio-sdm,id=room${n},chardev=${chardev}`;
      await wb.addVm(device, { kind: 'url', url: program, name: `${role}.ts`, arg }, role === 'slave' ? { boot: 'sdm' } : {});
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const joined = relayed(wb);
  return (
    <section class="sdm-room" aria-label="SDM room on a relay">
      <h2>SDM room on a relay</h2>
      <p class="hint">Join the same room from another tab, another browser or a Node process (docs/sdm.md) and their virtio-sdm VMs signal this one's: a master boots its slaves with SDM_BOOT and sends them IRQs, each slave answers.</p>
      <form class="add-vm" onSubmit={join} aria-label="Join an SDM room">
        <label class="grow">relay <input class="mono" value={url} spellcheck={false} onInput={(e) => setUrl(e.currentTarget.value)} /></label>
        <label>room <input class="mono" value={room} spellcheck={false} onInput={(e) => setRoom(e.currentTarget.value)} /></label>
        <label>token <input type="password" value={token} autocomplete="off" onInput={(e) => setToken(e.currentTarget.value)} /></label>
        <label>role{' '}
          <select value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            <option value="master">master</option>
            <option value="slave">slave</option>
          </select>
        </label>
        {role === 'master' ? (
          <label>slaves to wait for <input type="number" min={1} max={64} value={slaves} onInput={(e) => setSlaves(Math.min(64, Math.max(1, Number(e.currentTarget.value) || 1)))} /></label>
        ) : null}
        <button type="submit" disabled={busy || !wb.host}>Join</button>
        <p class="error" role="status">{error ?? ''}</p>
      </form>
      {joined.length ? (
        <table class="connections" aria-label="Relay connections">
          <thead><tr><th>VM</th><th>room</th><th>state</th><th>SDM id</th><th>reconnects</th><th>last word</th><th /></tr></thead>
          <tbody>
            {joined.map((entry) => {
              const sdm = entry.vm.device.sdm!;
              const channel = sdm.channel!;
              return (
                <tr key={entry.vm.key} data-state={channel.state} data-sdm={sdm.id}>
                  <td>{entry.device.split(',')[1]?.slice(3) ?? entry.device}</td>
                  <td>{channel.chardev.room} at {channel.url}</td>
                  <td class={channel.state === 'connected' ? '' : 'hot'}>{channel.state}</td>
                  <td>{sdm.id >= 0 ? (sdm.master ? '0 (master)' : sdm.id) : '-'}</td>
                  <td>{channel.reconnects}</td>
                  <td class="last-log">{channel.log.at(-1) ?? ''}</td>
                  <td><button type="button" class="danger" onClick={() => void wb.kill(entry)}>Leave</button></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
