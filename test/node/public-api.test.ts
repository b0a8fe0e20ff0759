// The public API is the package's one door. The declarations the build ships (tsconfig.build.json,
// with stripInternal) are emitted here and read with TypeScript's checker, as a user's editor
// reads them: every type a public signature reaches is public (no CoreExports, no host machine,
// no device block), Host keeps the user's verbs, and Device its device API.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Types of the library's own modules that no public signature may name.
const INTERNAL_TYPES = [
  'CoreExports', 'HostMachine', 'MachineContext', 'ServerHost', 'BackendHost', 'TraceHost', 'DeviceHost', 'DeviceKind',
  'DeviceInternals', 'DeviceModel', 'DevicePlan', 'ResolveContext', 'AcquireContext', 'GuestContext', 'GuestOffer',
  'Transaction', 'Lease', 'ServerClient', 'ProtocolClient', 'DeviceClient', 'ClientDevice', 'BlockView', 'VmLink', 'VmInit', 'VmApi', 'RegionOwner', 'Topology',
  'InboxWriter', 'InboxReader', 'DeviceBlocks', 'RegionAllocator', 'EventfdSlots', 'WorkerThread', 'Planned', 'Acquired',
];

let outDir: string;
let checker: ts.TypeChecker;
let exports: ts.Symbol[];

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), 'ivshmem-wasm-dts-'));
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const build = ts.createProgram({
    rootNames: [join(root, 'src/index.ts')],
    options: { ...config.options, outDir, emitDeclarationOnly: true, sourceMap: false, declarationMap: false },
  });
  const emitted = build.emit();
  expect(emitted.diagnostics).toEqual([]);
  const shipped = ts.createProgram({ rootNames: [join(outDir, 'src/index.d.ts')], options: { strict: true, skipLibCheck: false, noEmit: true, allowImportingTsExtensions: true, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, target: ts.ScriptTarget.ES2022, lib: ['lib.es2024.d.ts', 'lib.dom.d.ts'], types: ['node'] } });
  checker = shipped.getTypeChecker();
  const entry = shipped.getSourceFile(join(outDir, 'src/index.d.ts'))!;
  exports = checker.getExportsOfModule(checker.getSymbolAtLocation(entry)!);
}, 120_000);

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

const isPublic = (symbol: ts.Symbol) => !(symbol.declarations ?? []).some((d) => {
  const flags = ts.getCombinedModifierFlags(d as ts.Declaration);
  return (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 || (d as ts.NamedDeclaration).name?.kind === ts.SyntaxKind.PrivateIdentifier;
});

/** The public members of an exported class's instances. */
function members(name: string): string[] {
  const symbol = exports.find((s) => s.name === name)!;
  const type = checker.getDeclaredTypeOfSymbol(checker.getAliasedSymbol(symbol));
  return checker.getPropertiesOfType(type).filter(isPublic).map((p) => p.name).sort();
}

test('no public signature reaches an internal type', () => {
  const offences = new Set<string>();
  const seen = new Set<ts.Type>();
  const visit = (type: ts.Type, path: string): void => {
    if (seen.has(type)) return;
    seen.add(type);
    const symbol = type.aliasSymbol ?? type.getSymbol();
    if (symbol && INTERNAL_TYPES.includes(symbol.name)) offences.add(`${path}: ${symbol.name}`);
    if (type.isUnionOrIntersection()) type.types.forEach((t) => visit(t, path));
    for (const argument of (type as ts.TypeReference).typeArguments ?? type.aliasTypeArguments ?? []) visit(argument, path);
    if (symbol && (symbol.flags & (ts.SymbolFlags.Enum | ts.SymbolFlags.EnumMember))) return;
    for (const property of checker.getPropertiesOfType(type).filter(isPublic)) {
      const declaration = property.valueDeclaration ?? property.declarations?.[0];
      if (!declaration || declaration.getSourceFile().isDeclarationFile === false) continue;
      if (!declaration.getSourceFile().fileName.startsWith(outDir)) continue;
      visit(checker.getTypeOfSymbolAtLocation(property, declaration), `${path}.${property.name}`);
    }
    for (const signature of [...type.getCallSignatures(), ...type.getConstructSignatures()]) {
      for (const parameter of signature.parameters) {
        visit(checker.getTypeOfSymbolAtLocation(parameter, parameter.valueDeclaration!), `${path}(${parameter.name})`);
      }
      visit(signature.getReturnType(), `${path}()`);
    }
  };
  for (const symbol of exports) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    if (target.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) visit(checker.getDeclaredTypeOfSymbol(target), symbol.name);
    if (target.flags & (ts.SymbolFlags.Value)) visit(checker.getTypeOfSymbol(target), symbol.name);
  }
  expect([...offences].sort()).toEqual([]);
});

test('Host keeps the user\'s verbs, and nothing of the machine behind them', () => {
  expect(members('Host')).toEqual([
    'accel', 'addChardev', 'addObject', 'addSdmSocket', 'addServer', 'addServer2', 'connectClient', 'deleteObject', 'devices', 'machine',
    'maxPeers', 'prepareVm', 'realize', 'resources', 'ringContext', 'shutdown', 'spawn', 'trace', 'unplug', 'vms',
  ]);
});

test('Device is the device API: registers, interrupts, memory, migration, identity; no block, core or spec', () => {
  expect(members('Device')).toEqual([
    'bar', 'config', 'id', 'interrupts', 'ivPosition', 'key', 'layout', 'load', 'memoryBar', 'model', 'name', 'peers',
    'plugged', 'ready', 'reset', 'save', 'sdm', 'sharedMemory', 'snapshot', 'unrealize', 'v2', 'vectors',
  ]);
});

test('Vm, Guest and Tracer show no internal member', () => {
  expect(members('Vm')).not.toEqual(expect.arrayContaining(['link', 'memory']));
  expect(members('Vm')).toContain('key');
  expect(members('Guest').filter((m) => ['pump', 'ready', 'core', 'offer'].includes(m))).toEqual([]);
  expect(members('Guest')).toContain('sdm');
  expect(members('Tracer').filter((m) => ['openThread', 'closeThread', 'server', 'host'].includes(m))).toEqual([]);
});
