// The shape of the sources, as the import statements say it: no cycle between files or folders,
// the generic device, VM and host code never names a device model (models declare themselves in
// src/models/ and are found through the registry), and the app and the benchmarks reach the
// library only through its public entry, as a user of the package does.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, test } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

// Every import, export-from and import('...') of a file, as TypeScript reads them (type-only
// imports count: a type is a dependency of the code that names it); `?query` suffixes dropped.
function imports(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
  const found: string[] = [];
  for (const { fileName } of importedFiles) {
    const spec = fileName.replace(/\?.*$/, '');
    if (!spec.startsWith('.')) continue;
    const base = join(dirname(file), spec);
    const target = [base, `${base}.ts`, `${base}.tsx`].find((p) => { try { return statSync(join(root, p)).isFile(); } catch { return false; } });
    if (target) found.push(target);
  }
  return found;
}

/** The first cycle in a graph, as a list of nodes, or undefined. */
function cycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const found = visit(next);
      if (found) return found;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const found = visit(node);
    if (found) return found;
  }
  return undefined;
}

const library = [...sources('src'), ...sources('assembly')];
const graph = new Map(library.map((file) => [file, new Set(imports(file).filter((t) => library.includes(t)))]));

/**
 * A file's folder: src/device, src/models/virtio-sdm, assembly. A file directly in src/ (the entry,
 * the host, the errors) stands for itself: it is in no folder.
 */
const folder = (file: string) => (dirname(file) === 'src' ? file : dirname(file));


test('no import cycle between files of src/ and assembly/', () => {
  expect(cycle(graph)).toBeUndefined();
});

test('no import cycle between folders of src/ and assembly/', () => {
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = folder(file);
    if (!folders.has(from)) folders.set(from, new Set());
    for (const target of targets) if (folder(target) !== from) folders.get(from)!.add(folder(target));
  }
  expect(cycle(folders)).toBeUndefined();
});

const MODELS_DIR = 'src/models';
const modelFolders = readdirSync(join(root, MODELS_DIR)).filter((name) => statSync(join(root, MODELS_DIR, name)).isDirectory());
const modelNames = [...readFileSync(join(root, MODELS_DIR, 'index.ts'), 'utf8').matchAll(/from '\.\/([^/']+)\//g)].map((m) => m[1]);

test('the registry lists every model folder, and each folder is named after its model', async () => {
  const { MODELS } = await import('../../src/models/index.ts');
  const registered = MODELS.map((m) => m.name).sort();
  // ivshmem-common is QEMU's abstract parent type (TYPE_IVSHMEM_COMMON): shared, never registered
  expect(modelFolders.filter((name) => name !== 'ivshmem-common').sort()).toEqual(registered);
  expect([...new Set(modelNames)].sort()).toEqual(registered);
});

/** The entry points: the host's, and each kind of VM worker's. */
const ENTRIES = ['src/host.ts', 'src/vm-worker.ts', 'src/linux-worker.ts'];

test('the generic device, realize, VM, machine and host code never names a model, and only the entry points reach the registry', async () => {
  const { MODELS } = await import('../../src/models/index.ts');
  const generic = library.filter((f) => /^src\/(device|vm|machine|realize|linux)\//.test(f) || ENTRIES.includes(f));
  const offences: string[] = [];
  for (const file of generic) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const { name } of MODELS) {
      if (text.includes(`'${name}'`) || text.includes(`"${name}"`)) offences.push(`${file} names '${name}'`);
    }
    for (const m of text.matchAll(/\bMODEL_[A-Z0-9_]+/g)) offences.push(`${file} uses ${m[0]}`);
    for (const target of graph.get(file) ?? []) {
      const entry = ENTRIES.includes(file);
      if (target.startsWith(`${MODELS_DIR}/`) && !(entry && target === 'src/models/index.ts')) {
        offences.push(`${file} imports ${target}`);
      }
    }
  }
  expect(offences).toEqual([]);
});

test('web/ and bench/ reach the library only through its public entry', () => {
  const offences: string[] = [];
  for (const file of [...sources('web'), ...sources('bench')]) {
    for (const target of imports(file)) {
      if ((target.startsWith('src/') && target !== 'src/index.ts') || target.startsWith('assembly/')) {
        offences.push(`${file} imports ${relative(root, join(root, target))}`);
      }
    }
  }
  expect(offences).toEqual([]);
});
