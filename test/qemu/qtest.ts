// One QEMU process driven as QEMU's own qtests drive it (tests/qtest/libqtest.c): no guest code,
// `-S` so the firmware never runs, and the qtest protocol on stdio: `outl 0xcf8 ADDR` / `inl 0xcfc`
// for config space, `readl ADDR` / `writel ADDR VAL` for memory (BARs and guest RAM). Every
// command gets one reply line, "OK [value]" or "FAIL reason".
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Release } from './install.ts';

export class QtestError extends Error {}

export class Qtest {
  private readonly replies: ((line: string) => void)[] = [];
  private readonly stderr: string[] = [];
  private exited: string | undefined;
  private readonly child: ChildProcessWithoutNullStreams;

  private constructor(release: Release, args: string[]) {
    const all = [...release.args, '-machine', 'pc', '-S', '-qtest', 'stdio', '-qtest-log', '/dev/null', '-display', 'none', '-nodefaults', ...args];
    this.child = spawn(release.binary, all, { stdio: 'pipe' });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (line.startsWith('IRQ ')) return;
      this.replies.shift()?.(line);
    });
    this.child.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
    this.child.on('exit', (code, signal) => {
      this.exited = `QEMU exited (${signal ?? code}): ${this.stderr.join('').trim()}`;
      for (const reply of this.replies.splice(0)) reply(`FAIL ${this.exited}`);
    });
    this.child.on('error', (error) => {
      this.exited = `QEMU did not start: ${error.message}`;
      for (const reply of this.replies.splice(0)) reply(`FAIL ${this.exited}`);
    });
  }

  /** Starts this QEMU with these extra arguments; fails with QEMU's own message if it refuses them. */
  static async start(release: Release, args: string[]): Promise<Qtest> {
    const q = new Qtest(release, args);
    await q.command('endianness').catch((error: Error) => {
      throw new QtestError(error.message);
    });
    return q;
  }

  /** What QEMU printed on stderr so far (error_report output). */
  get errors(): string {
    return this.stderr.join('');
  }

  command(line: string): Promise<string> {
    if (this.exited) return Promise.reject(new QtestError(this.exited));
    return new Promise((resolve, reject) => {
      this.replies.push((reply) => {
        if (reply.startsWith('OK')) resolve(reply.slice(2).trim());
        else reject(new QtestError(`${line}: ${reply}`));
      });
      this.child.stdin.write(`${line}\n`);
    });
  }

  async read(op: string, address: number): Promise<bigint> {
    return BigInt(await this.command(`${op} 0x${address.toString(16)}`));
  }

  async write(op: string, address: number, value: number | bigint): Promise<void> {
    await this.command(`${op} 0x${address.toString(16)} 0x${value.toString(16)}`);
  }

  /** A config-space read through ports 0xcf8/0xcfc (mechanism #1), as qpci_pc_config_read* do. */
  async configRead(devfn: number, offset: number, width: 1 | 2 | 4): Promise<number> {
    await this.write('outl', 0xcf8, configAddress(devfn, offset));
    const op = { 1: 'inb', 2: 'inw', 4: 'inl' }[width];
    return Number(await this.read(op, 0xcfc + (offset & 3)));
  }

  async configWrite(devfn: number, offset: number, width: 1 | 2 | 4, value: number): Promise<void> {
    await this.write('outl', 0xcf8, configAddress(devfn, offset));
    const op = { 1: 'outb', 2: 'outw', 4: 'outl' }[width];
    await this.write(op, 0xcfc + (offset & 3), value);
  }

  async memRead(address: number, width: 1 | 2 | 4 | 8): Promise<bigint> {
    return this.read({ 1: 'readb', 2: 'readw', 4: 'readl', 8: 'readq' }[width], address);
  }

  async memWrite(address: number, width: 1 | 2 | 4 | 8, value: number | bigint): Promise<void> {
    await this.write({ 1: 'writeb', 2: 'writew', 4: 'writel', 8: 'writeq' }[width], address, value);
  }

  async quit(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    this.child.kill('SIGTERM');
    await gone;
  }
}

function configAddress(devfn: number, offset: number): number {
  return (0x80000000 | (devfn << 8) | (offset & 0xfc)) >>> 0;
}
