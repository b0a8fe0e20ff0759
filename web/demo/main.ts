// The demo: VMs pass a token around through their doorbells. The page only watches: counters come
// straight from the devices' state in shared memory (the workers are never asked), the chart is
// interrupts per second per VM, and the server log shows the wire protocol as VMs come and go.
// When the token is lost (its holder was killed), a host-side ivshmem-client puts a new one in.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { Host, type IvshmemClient, type Server, type Vm, type WaitMode } from '../../src/index.ts';
import tokenRing from './token-ring.ts?program';

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const HISTORY = 120;
const SAMPLE_MS = 250;

interface Running {
  host: Host;
  server: Server;
  client: IvshmemClient;
  vms: Vm[];
  names: Map<Vm, string>;
  last: Map<Vm, number>;
  series: Map<Vm, number[]>;
  times: number[];
  timer: ReturnType<typeof setInterval>;
  plot: uPlot | undefined;
}

let running: Running | undefined;

function settings(): { mode: WaitMode; holdUs: number } {
  return { mode: $<HTMLSelectElement>('#mode').value as WaitMode, holdUs: Number($<HTMLInputElement>('#hold').value) };
}

async function addVm(r: Running): Promise<void> {
  const vm = await r.host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: new URL(tokenRing, location.href).href, arg: settings() });
  r.vms.push(vm);
  r.names.set(vm, `VM ${vm.id}`);
  r.last.set(vm, 0);
  r.series.set(vm, new Array(r.times.length).fill(null));
  void vm.result.catch(() => {});
  rebuildPlot(r);
}

function rebuildPlot(r: Running): void {
  r.plot?.destroy();
  const chart = $('#chart');
  r.plot = new uPlot({
    width: Math.min(chart.clientWidth || 900, 1100),
    height: 220,
    title: 'interrupts per second',
    scales: { x: { time: false } },
    axes: [{ label: 'seconds' }, { size: 70 }],
    series: [{ label: 's' }, ...r.vms.map((vm, i) => ({ label: r.names.get(vm)!, stroke: `hsl(${(i * 67) % 360} 70% 45%)`, width: 2 }))],
  }, [r.times, ...r.vms.map((vm) => r.series.get(vm)!)] as uPlot.AlignedData, chart);
}

function render(r: Running): void {
  const cards = $('#vms');
  cards.replaceChildren(...r.vms.map((vm) => {
    const div = document.createElement('div');
    div.className = 'vm';
    const c = vm.counters;
    div.innerHTML = `<strong></strong> <button>kill</button><div class="figure">${c.delivered[0].toLocaleString()}</div>
      interrupts delivered · ${c.dropped} dropped<br><small></small>`;
    div.querySelector('strong')!.textContent = r.names.get(vm)!;
    div.querySelector('small')!.textContent = vm.log.at(-1) ?? '';
    div.querySelector('button')!.addEventListener('click', () => void kill(r, vm));
    return div;
  }));
  const log = $('#log');
  const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
  log.textContent = r.server.log.slice(-300).map((e) => (e.meaning ? `${e.text.padEnd(34)} ${e.meaning}` : e.text)).join('\n');
  if (atBottom) log.scrollTop = log.scrollHeight;
  $('#status').textContent = `${r.vms.length} VMs · ${r.server.peerIds.length} clients on the server (the page's ivshmem-client included)`;
}

async function kill(r: Running, vm: Vm): Promise<void> {
  r.vms = r.vms.filter((v) => v !== vm);
  await vm.terminate();
  rebuildPlot(r);
  render(r);
}

function sample(r: Running): void {
  r.times.push(r.times.length ? r.times[r.times.length - 1] + SAMPLE_MS / 1000 : 0);
  let moving = false;
  for (const vm of r.vms) {
    const delivered = vm.counters.delivered[0];
    const rate = ((delivered - r.last.get(vm)!) * 1000) / SAMPLE_MS;
    if (delivered !== r.last.get(vm)) moving = true;
    r.last.set(vm, delivered);
    r.series.get(vm)!.push(rate);
  }
  if (r.times.length > HISTORY) {
    r.times.shift();
    for (const s of r.series.values()) s.shift();
  }
  // A lost token (its holder was killed mid-flight): the client puts a new one in.
  if (!moving && r.vms.length > 0) r.client.notify(r.vms[0].id, 0);
  r.plot?.setData([r.times, ...r.vms.map((vm) => r.series.get(vm)!)] as uPlot.AlignedData);
  render(r);
}

async function start(): Promise<void> {
  $<HTMLButtonElement>('#start').disabled = true;
  const host = await Host.create({ memory: '64M' });
  const server = host.addServer({ id: 'srv', size: '1M', vectors: 1 });
  const client = host.connectClient('srv');
  const r: Running = {
    host, server, client, vms: [], names: new Map(), last: new Map(), series: new Map(), times: [],
    timer: setInterval(() => sample(r), SAMPLE_MS), plot: undefined,
  };
  running = r;
  const count = Math.max(2, Math.min(8, Number($<HTMLInputElement>('#count').value)));
  for (let i = 0; i < count; i++) await addVm(r);
  $<HTMLButtonElement>('#add').disabled = false;
  $<HTMLButtonElement>('#stop').disabled = false;
  render(r);
}

async function stop(): Promise<void> {
  const r = running;
  if (!r) return;
  running = undefined;
  clearInterval(r.timer);
  r.vms.forEach((vm) => vm.stop());
  await Promise.all(r.vms.map((vm) => vm.result.catch(() => undefined)));
  render(r);
  r.client.close();
  await r.host.shutdown();
  $<HTMLButtonElement>('#start').disabled = false;
  $<HTMLButtonElement>('#add').disabled = true;
  $<HTMLButtonElement>('#stop').disabled = true;
}

declare global {
  interface Window {
    demo: { running(): Running | undefined; start(): Promise<void>; stop(): Promise<void>; add(): Promise<void>; kill(index: number): Promise<void> };
  }
}

window.demo = {
  running: () => running,
  start,
  stop,
  add: async () => { if (running) await addVm(running); },
  kill: async (index) => { if (running) await kill(running, running.vms[index]); },
};

$('#start').addEventListener('click', () => void start());
$('#stop').addEventListener('click', () => void stop());
$('#add').addEventListener('click', () => void window.demo.add());
if (!crossOriginIsolated) $('#log').textContent = 'This page is not cross-origin isolated: SharedArrayBuffer is unavailable (see the README).';
