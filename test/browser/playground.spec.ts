// The playground, driven as a person would: edit a VM's program and run it, see its console and
// an error at its line; stop a loop that never waits without reloading; open a session from a
// link (built here with Node's own deflate, independently of the page's encoder) and see that
// nothing runs until Run; a damaged or oversized link gets a clear message and a working page.
import { deflateRawSync } from 'node:zlib';
import { expect, test, type Page } from '@playwright/test';
import { watchErrors } from './workbench-helpers.ts';

const program = (page: Page, id: number) => page.getByRole('region', { name: `VM ${id} program` });

async function typeProgram(page: Page, id: number, source: string): Promise<void> {
  const editor = program(page, id).locator('.cm-content');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(source);
}

function link(session: unknown): string {
  return deflateRawSync(Buffer.from(JSON.stringify(session))).toString('base64url');
}

test('edit a program, run it, see its console; an error shows at its line', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await page.goto('/index.html');
  await expect(page.locator('main[data-status="running"]')).toBeVisible({ timeout: 30_000 });
  await page.getByRole('tab', { name: 'Playground' }).click();
  await expect(program(page, 1)).toBeVisible();
  await typeProgram(page, 1, 'export default async function main(vm: any) {\n  const n: number = vm.peers().length;\n  vm.log(`hello from VM ${vm.id}, ${n} peers`);\n}\n');
  await program(page, 1).getByRole('button', { name: /^(Run|Restart)$/ }).click();
  const console1 = program(page, 1).getByLabel('VM 1 console');
  await expect(console1).toContainText('hello from VM 1, 4 peers', { timeout: 30_000 });

  await typeProgram(page, 2, 'export default async function main(vm: any) {\n  vm.log("about to fail");\n  throw new Error("boom");\n}\n');
  await program(page, 2).getByRole('button', { name: /^(Run|Restart)$/ }).click();
  await expect(program(page, 2).getByLabel('VM 2 console')).toContainText('line 3: Error: boom', { timeout: 30_000 });
  await expect(program(page, 2).locator('.cm-lintRange-error')).toHaveCount(1);

  await typeProgram(page, 3, 'export default async function main(vm) {\n  vm.log(;\n}\n');
  await program(page, 3).getByRole('button', { name: /^(Run|Restart)$/ }).click();
  await expect(program(page, 3).getByLabel('VM 3 console')).toContainText('line 2: SyntaxError', { timeout: 30_000 });
  expect(errors).toEqual([]);
});

test('a loop that never waits is stopped without reloading the page', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await page.goto('/index.html');
  await expect(page.locator('main[data-status="running"]')).toBeVisible({ timeout: 30_000 });
  await page.getByRole('tab', { name: 'Playground' }).click();
  await typeProgram(page, 1, 'export default async function main(vm: any) {\n  vm.log("spinning");\n  for (;;) {}\n}\n');
  await program(page, 1).getByRole('button', { name: /^(Run|Restart)$/ }).click();
  await expect(program(page, 1).getByLabel('VM 1 console')).toContainText('spinning', { timeout: 30_000 });
  await program(page, 1).getByRole('button', { name: 'Stop' }).click();
  // VM 1 is replaced by a fresh VM (the server gives it a new ID); its console says why.
  await expect(program(page, 1)).toHaveCount(0, { timeout: 30_000 });
  const fresh = page.locator('section.program', { hasText: 'did not stop within' });
  await expect(fresh).toHaveCount(1, { timeout: 30_000 });
  await expect(fresh.getByRole('button', { name: 'Run' })).toBeEnabled();
  // The page never blocked: the other VMs' programs (the scenario's own) can still be run again.
  await program(page, 2).getByRole('button', { name: /^(Run|Restart)$/ }).click();
  await expect(program(page, 2).getByLabel('VM 2 console').locator('div').filter({ hasText: 'VM 2 joined the ring' })).toHaveCount(2, { timeout: 30_000 });
  expect(errors).toEqual([]);
});

test('a session opened from a link shows its programs and runs nothing until Run', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  const session = {
    version: 1,
    setup: { vectors: 2, size: '4M', accel: 'kvm' },
    vms: [
      { device: 'ivshmem-doorbell,chardev=srv,vectors=2', source: 'export default async function main(vm: any, arg: any) {\n  vm.log(`first program ran with ${JSON.stringify(arg)}`);\n}\n', arg: { holdMs: 7 } },
      { device: 'ivshmem,chardev=srv,msi=off', source: '// second\nexport default async function main(vm: any) {\n  vm.log("second program ran");\n}\n' },
    ],
  };
  await page.goto(`/index.html#session=${link(session)}`);
  await expect(page.locator('main[data-status="loaded"]')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('alert').filter({ hasText: 'nothing runs until you press Run' })).toBeVisible();
  await expect(program(page, 1)).toContainText('first program ran');
  await expect(program(page, 2)).toContainText('// second');
  await expect(program(page, 2)).toContainText('ivshmem,chardev=srv,msi=off');
  await expect(program(page, 1).getByLabel('VM 1 console')).toBeEmpty();
  await expect(program(page, 2).getByLabel('VM 2 console')).toBeEmpty();
  await program(page, 1).getByRole('button', { name: 'Run' }).click();
  // the session kept the program's argument (a scenario program's, say) and Run passes it
  await expect(program(page, 1).getByLabel('VM 1 console')).toContainText('first program ran with {"holdMs":7}', { timeout: 30_000 });
  await expect(program(page, 2).getByLabel('VM 2 console')).toBeEmpty();
  // The session's accelerator is the host's.
  await page.getByRole('tab', { name: 'Workbench' }).click();
  await expect(page.getByLabel('accelerator', { exact: true })).toHaveValue('kvm');
  await expect(page.locator('.topology')).toContainText('-accel kvm');
  expect(errors).toEqual([]);
});

test('a damaged or oversized link gets a clear message and the page still works', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  for (const [fragment, message] of [
    ['!!not-base64!!', 'its session is not base64url text'],
    [Buffer.from('hello').toString('base64url'), 'does not unpack'],
    [link({ version: 7 }), 'unknown session version 7'],
    ['A'.repeat(70_000), 'the link is too long'],
  ]) {
    await page.goto('/index.html');
    await page.goto(`/index.html#session=${fragment}`);
    await page.reload();
    await expect(page.getByRole('alert').filter({ hasText: "This link's session could not be loaded" })).toContainText(message, { timeout: 30_000 });
    await expect(page.locator('main[data-status="running"]')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole('region', { name: 'VM 1', exact: true })).toBeVisible();
  }
  expect(errors).toEqual([]);
});

test('a scenario VM opens with the program it runs (the scenario\'s own), and Run runs it again with its argument', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await page.goto('/index.html');
  await expect(page.locator('main[data-status="running"]')).toBeVisible({ timeout: 30_000 });
  await page.getByRole('tab', { name: 'Playground' }).click();
  // web/scenarios/token-ring.guest.ts, not a starter.
  const editor = program(page, 2).locator('.cm-content');
  await expect(editor).toContainText('function nextMember(vm: WorkbenchGuest)', { timeout: 30_000 });
  await expect(editor).toContainText('export interface TokenRingArg { holdMs: number }');
  await program(page, 2).getByRole('button', { name: /^(Run|Restart)$/ }).click();
  const console2 = program(page, 2).getByLabel('VM 2 console');
  await expect(console2).toContainText('--- run', { timeout: 30_000 });
  await expect(console2.locator('div').filter({ hasText: 'VM 2 joined the ring' })).toHaveCount(2, { timeout: 30_000 });
  expect(errors).toEqual([]);
});

test('a scenario program that imports a file runs again from the editor while unchanged; edited, it says why it cannot', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await page.goto('/index.html');
  await page.getByRole('combobox', { name: 'Scenario' }).selectOption('frame-relay');
  await expect(page.locator('main[data-status="running"]')).toBeVisible({ timeout: 60_000 });
  await page.getByRole('tab', { name: 'Playground' }).click();
  // programs/frame-relay.guest.ts imports its layout from ./frame-relay.layout.ts
  const editor = program(page, 1).locator('.cm-content');
  await expect(editor).toContainText("from './frame-relay.layout.ts'", { timeout: 30_000 });
  const console1 = program(page, 1).getByLabel('VM 1 console');
  await program(page, 1).getByRole('button', { name: /^(Run|Restart)$/ }).click();
  await expect(console1).toContainText('--- run', { timeout: 30_000 });
  await expect(program(page, 1).locator('.state')).toHaveText('running', { timeout: 30_000 });
  await expect(console1.locator('.err')).toHaveCount(0);
  // Frames still flow: the consumer's count moves on after the producer's restart.
  await page.getByRole('tab', { name: 'Workbench' }).click();
  const frames = async () => Number(await page.locator('[data-fps]').getAttribute('data-fps'));
  await expect.poll(frames, { timeout: 60_000 }).toBeGreaterThan(0);
  await page.getByRole('tab', { name: 'Playground' }).click();
  await editor.click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.insertText('\n// edited\n');
  await program(page, 1).getByRole('button', { name: /^(Run|Restart)$/ }).click();
  await expect(console1).toContainText('cannot import ./frame-relay.layout.ts', { timeout: 30_000 });
  expect(errors).toEqual([]);
});

// The rough edges a newcomer hit, one test each.
async function openPlayground(page: Page): Promise<void> {
  await page.goto('/index.html');
  await expect(page.locator('main[data-status="running"]')).toBeVisible({ timeout: 60_000 });
  await page.getByRole('tab', { name: 'Playground' }).click();
  await expect(program(page, 1).locator('.cm-content')).toBeVisible({ timeout: 30_000 });
}

test('Ctrl+Enter in an editor runs its program (it does not insert a newline)', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await openPlayground(page);
  const source = 'export default async function main(vm: any) {\n  vm.log(`keyboard ${vm.id}`);\n}\n';
  await typeProgram(page, 1, source);
  await page.keyboard.press('Control+Enter');
  await expect(program(page, 1).getByLabel('VM 1 console')).toContainText('keyboard 1', { timeout: 30_000 });
  // The text is as typed: no blank line was inserted.
  expect(await program(page, 1).locator('.cm-content').evaluate((el) => (el as HTMLElement).innerText.replace(/\n+$/, ''))).toBe(source.replace(/\n+$/, ''));
  expect(errors).toEqual([]);
});

test('completion and hover come from the guest API\'s types, all the way down', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await openPlayground(page);
  await typeProgram(page, 1, 'export default async function main(vm: any) {\n  const b = ');
  const list = page.locator('.cm-tooltip-autocomplete');
  // two levels below vm: the BAR's members, where read, write and bytes are needed
  await page.keyboard.type('vm.device.memoryBar.');
  await expect(list).toContainText('bytes', { timeout: 30_000 });
  await expect(list).toContainText('read');
  await expect(list).toContainText('write');
  await page.keyboard.press('Escape');
  await page.keyboard.type(';\n  const s = vm.sdm.');
  await expect(list).toContainText('nextAsync', { timeout: 30_000 });
  await expect(list).toContainText('signal');
  await page.keyboard.press('Escape');
  await page.keyboard.type('next;\n}\n');
  // hovering a member shows its type and its doc comment
  const word = await program(page, 1).locator('.cm-content').evaluate((content) => {
    const walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.textContent!.indexOf('memoryBar');
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at + 2);
      range.setEnd(node, at + 4);
      const { x, y, width, height } = range.getBoundingClientRect();
      return { x: x + width / 2, y: y + height / 2 };
    }
    return undefined;
  });
  await page.mouse.move(word!.x, word!.y);
  const tip = page.locator('.cm-tooltip-hover .api-doc');
  await expect(tip).toContainText('Device.memoryBar: Bar', { timeout: 30_000 });
  await expect(tip).toContainText('The BAR that maps the shared memory');
  expect(errors).toEqual([]);
});

test('a program that returns shows its value at once and that its VM still serves the page', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await openPlayground(page);
  await typeProgram(page, 1, 'export default async function main(vm: any) {\n  vm.bringUp();\n  vm.log("working");\n  return 42;\n}\n');
  await program(page, 1).getByRole('button', { name: /^(Run|Restart)$/ }).click();
  const console1 = program(page, 1).getByLabel('VM 1 console');
  await expect(console1).toContainText('program returned 42', { timeout: 30_000 });
  await expect(program(page, 1).locator('.state')).toHaveAttribute('data-state', 'finished');
  // No Stop was pressed: the value came when the program returned, after its own line.
  const lines = await console1.locator('div').allTextContents();
  expect(lines.findIndex((l) => l.includes('working'))).toBeLessThan(lines.findIndex((l) => l.includes('program returned 42')));
  // It still carries out the page's commands: its driver masks a vector when the panel asks.
  await page.getByRole('tab', { name: 'Workbench' }).click();
  const mask = page.getByRole('region', { name: 'VM 1', exact: true }).getByRole('checkbox', { name: 'VM 1 mask vector 0' });
  await expect(mask).not.toBeChecked();
  await mask.click();
  await expect(mask).toBeChecked({ timeout: 30_000 });
  expect(errors).toEqual([]);
});

test('console lines stay in order: a runtime error comes after the lines the program wrote before it', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await openPlayground(page);
  await typeProgram(page, 2, 'export default async function main(vm: any) {\n  vm.log("first");\n  vm.log("second");\n  throw new Error("third");\n}\n');
  await program(page, 2).getByRole('button', { name: /^(Run|Restart)$/ }).click();
  const console2 = program(page, 2).getByLabel('VM 2 console');
  await expect(console2).toContainText('Error: third', { timeout: 30_000 });
  const lines = (await console2.locator('div').allTextContents()).filter((l) => /first|second|third/.test(l));
  expect(lines).toEqual(['first', 'second', 'line 4: Error: third']);
  expect(errors).toEqual([]);
});

test('on a laptop the editors hold 100 columns of code, with the topology and the timeline beside them', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await openPlayground(page);
  await typeProgram(page, 1, `// ${'x'.repeat(97)}\nexport default async function main() {}\n`);
  const scroller = program(page, 1).locator('.cm-scroller');
  const { scrollWidth, clientWidth } = await scroller.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
  const side = page.getByRole('complementary', { name: 'What the VMs do' });
  await expect(side.locator('.topology svg')).toBeInViewport();
  await expect(side.getByRole('region', { name: 'Protocol timeline' })).toBeInViewport();
  expect(errors).toEqual([]);
});

test('the file import control reads "Import file", not a cut-off "No file chosen", and imports', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await openPlayground(page);
  const input = page.locator('.playground input[type="file"]');
  // The browser's own picker (its button and "No file chosen") is not what shows: the label is.
  expect(await input.evaluate((el) => el.getBoundingClientRect().width)).toBeLessThanOrEqual(1);
  await expect(page.locator('label.file')).toHaveText('Import file');
  const session = { version: 1, setup: { vectors: 1, size: '4M' }, vms: [{ device: 'ivshmem-doorbell,chardev=srv,vectors=1', source: '// imported\nexport default async function main() {}\n' }] };
  await input.setInputFiles({ name: 'session.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(session)) });
  await expect(page.locator('main[data-status="loaded"]')).toBeVisible({ timeout: 60_000 });
  await expect(program(page, 1)).toContainText('// imported');
  expect(errors).toEqual([]);
});
