// The built package: `import { Host } from 'ivshmem-wasm'` resolves through the exports map to
// dist/, whose core and VM worker run as plain JavaScript (no TypeScript loader).
import { execFileSync } from 'node:child_process';
import { beforeAll, expect, test } from 'vitest';

const root = new URL('../../', import.meta.url);

beforeAll(() => {
  execFileSync('npm', ['run', 'build:lib'], { cwd: root, stdio: 'pipe' });
}, 120_000);

test("import { Host } from 'ivshmem-wasm' works after the build, VM workers included", () => {
  const program = new URL('../fixtures/double.mjs', import.meta.url).href;
  const script = `
    import { Host } from 'ivshmem-wasm';
    const host = await Host.create({ memory: '16M' });
    host.addServer({ id: 'srv', size: '1M' });
    const dev = host.realize('ivshmem-doorbell,chardev=srv');
    const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: ${JSON.stringify(program)}, arg: 21 });
    console.log(JSON.stringify({ vendor: dev.config.read(0, 2), result: await vm.result, log: vm.log, id: vm.id }));
    await vm.terminate();
  `;
  const out = execFileSync('node', ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ vendor: 0x1af4, result: 42, log: ['double from 1'], id: 1 });
}, 60_000);
