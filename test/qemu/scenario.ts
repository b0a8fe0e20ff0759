// The scenario format both backends execute: a list of guest-visible accesses on one or more
// devices, each device being one VM (one QEMU process, or one device on the project's Host).
// Every step yields a text (a value read, "ok" for a write, or the error it raised), and the
// runner compares the two backends step by step.

export type Width = 1 | 2 | 4 | 8;

export interface ScenarioServer {
  size: number;
  vectors: number;
}

export interface Scenario {
  name: string;
  /** one -device per VM, without memdev=/chardev=/addr= (the backends add those) */
  devices: string[];
  /** the memory-backend size of each ivshmem-plain (1 MiB unless given) */
  memory?: number;
  /** an ivshmem-server for the doorbell devices */
  server?: ScenarioServer;
  /** the host accelerator the scenario's QEMU behaviour corresponds to (qtest runs as TCG) */
  accel?: 'tcg';
  steps: Step[];
}

export type Step =
  /** config space read (no value) or write */
  | { op: 'cfg'; dev?: number; offset: number; width: 1 | 2 | 4; value?: number }
  /** BAR read (no value) or write, at the address `map` gave the BAR */
  | { op: 'bar'; dev?: number; bar: number; offset: number; width: Width; value?: number | bigint }
  /** what a driver does first: BARs at fixed addresses, then Command = `command` (0x6 unless given) */
  | { op: 'map'; dev?: number; command?: number }
  /** MSI-X entry `vector` pointed at guest RAM, data 0xa000 + vector, unmasked unless `masked` */
  | { op: 'msix-entry'; dev?: number; vector: number; masked?: boolean }
  /** 1 if an MSI-X message of this vector landed in guest RAM since the last look, else 0 */
  | { op: 'msi'; dev?: number; vector: number }
  /** Doorbell of device `from` rung with (ID of device `to` << 16) | vector */
  | { op: 'ring'; from: number; to: number; vector: number; width?: Width; offset?: number }
  /** the destination devices have taken every doorbell and server message sent so far */
  | { op: 'sync' }
  /** a system reset (PIIX3 reset control, port 0xcf9 in QEMU) */
  | { op: 'reset'; dev?: number }
  /** a host-side client joins the server (as contrib/ivshmem-client): yields its ID */
  | { op: 'join' }
  /** the host-side client's own vectors: how many were signalled since the last look (0/1 each) */
  | { op: 'client-take'; client: number }
  /** the host-side client rings vector `vector` of device `to` */
  | { op: 'client-ring'; client: number; to: number; vector: number }
  /** the host-side client leaves */
  | { op: 'client-leave'; client: number };

/** BAR addresses `map` writes (below 4 GiB, in pc's PCI hole); MSI-X messages land in RAM at MSI_RAM. */
export const BAR_BASE: Record<number, number> = { 0: 0xc000_0000, 1: 0xc000_1000, 2: 0xe000_0000 };
export const MSI_RAM = 0x0010_0000;
export const MSI_DATA = 0xa000;

export function msiAddress(vector: number): number {
  return MSI_RAM + vector * 4;
}

/** A backend runs one scenario at a time. */
export interface Backend {
  readonly name: string;
  start(scenario: Scenario): Promise<void>;
  step(step: Step): Promise<string>;
  stop(): Promise<void>;
}

export function describe(step: Step): string {
  const dev = 'dev' in step ? `dev${step.dev ?? 0} ` : '';
  const hex = (v: number | bigint) => `0x${v.toString(16)}`;
  switch (step.op) {
    case 'cfg':
      return `${dev}config ${step.value === undefined ? 'read' : `write ${hex(step.value)}`} ${step.width}@${hex(step.offset)}`;
    case 'bar':
      return `${dev}BAR${step.bar} ${step.value === undefined ? 'read' : `write ${hex(step.value)}`} ${step.width}@${hex(step.offset)}`;
    case 'map':
      return `${dev}map BARs, Command ${hex(step.command ?? 6)}`;
    case 'msix-entry':
      return `${dev}MSI-X entry ${step.vector}${step.masked ? ' masked' : ''}`;
    case 'msi':
      return `${dev}MSI-X message of vector ${step.vector}?`;
    case 'ring':
      return `dev${step.from} rings dev${step.to} vector ${step.vector}${step.width ? ` (${step.width}-byte at ${hex(step.offset ?? 12)})` : ''}`;
    case 'sync':
      return 'sync';
    case 'reset':
      return `${dev}system reset`;
    case 'join':
      return 'a client joins';
    case 'client-take':
      return `client${step.client} takes its vectors`;
    case 'client-ring':
      return `client${step.client} rings dev${step.to} vector ${step.vector}`;
    case 'client-leave':
      return `client${step.client} leaves`;
  }
}

export function hexValue(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}
