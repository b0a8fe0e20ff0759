// The demo: two VMs ping-pong through ivshmem-doorbell; the page watches their devices' counters
// in the shared memory (it never asks the workers) and shows the server's wire protocol.
import { Host, type Vm, type WaitMode } from '../../src/index.ts';
import pingPong from '../../test/programs/ping-pong.ts?program';

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

function card(vm: Vm, name: string): () => void {
  const div = document.createElement('div');
  div.className = 'vm';
  $('#vms').append(div);
  return () => {
    const c = vm.counters;
    div.innerHTML = `<strong>${name}</strong> · peer ID ${vm.id}<div class="figure">${c.delivered[0].toLocaleString()}</div>
      interrupts delivered · ${c.pending[0] ? 'PBA bit set' : 'nothing pending'}<br><small>${vm.log.at(-1) ?? ''}</small>`;
  };
}

async function start(): Promise<void> {
  const button = $<HTMLButtonElement>('#start');
  button.disabled = true;
  $('#vms').replaceChildren();
  const rounds = Number($<HTMLInputElement>('#rounds').value);
  const mode = $<HTMLSelectElement>('#mode').value as WaitMode;
  const host = await Host.create({ memory: '32M' });
  const server = host.addServer({ id: 'srv', size: '1M', vectors: 1 });
  const program = new URL(pingPong, location.href).href;
  const a = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program, arg: { rounds, serve: false, mode } });
  const b = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program, arg: { rounds, serve: true, mode } });
  const views = [card(a, 'VM A'), card(b, 'VM B')];
  const timer = setInterval(() => views.forEach((v) => v()), 100);
  const showLog = (summary: string) => { $('#log').textContent = `${summary}\n\n${server.log.map((e) => (e.meaning ? `${e.text.padEnd(34)} ${e.meaning}` : e.text)).join('\n')}`; };
  showLog('running…');
  try {
    const [ra] = (await Promise.all([a.result, b.result])) as { elapsedMs: number }[];
    views.forEach((v) => v());
    const rtt = (ra.elapsedMs * 1000) / rounds;
    await Promise.all([a.terminate(), b.terminate()]);
    showLog(`${rounds} round trips in ${ra.elapsedMs.toFixed(0)} ms: ${rtt.toFixed(2)} us per round trip (${mode})`);
  } catch (error) {
    await Promise.all([a.terminate(), b.terminate()]);
    showLog(`failed: ${error}`);
  } finally {
    clearInterval(timer);
    button.disabled = false;
  }
}

$('#start').addEventListener('click', () => void start());
if (!crossOriginIsolated) $('#log').textContent = 'This page is not cross-origin isolated: SharedArrayBuffer is unavailable (see the README).';
