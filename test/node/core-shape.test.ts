// CoreExports, written by hand in src/core/core.ts, says exactly what the compiled core exports: the
// same functions, each with the same parameters and result. (That assembly/ has no import cycle is
// test/node/imports.test.ts's.)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import ts from 'typescript';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const assembly = `${root}assembly/`;

/** A signature as JavaScript sees it: parameter types and result, e.g. '(number, bigint) => number'. */
type Signatures = Map<string, string>;

// A raw export's JavaScript types follow from its wasm types: i64 is a BigInt, the rest numbers
// (a bool is an i32 here; asc's bindings, which this project does not use, would make it a boolean).
function rawType(wasm: string): string {
  if (wasm === 'i64' || wasm === 'u64') return 'bigint';
  if (/^(bool|[iu](8|16|32)|[iu]size|f32|f64)$/.test(wasm)) return 'number';
  throw new Error(`an export takes or returns ${wasm}, which is no plain number`);
}

/** What the compiled core exports, from the declarations asc generates (in memory: nothing is written). */
async function coreSignatures(): Promise<{ functions: Signatures; others: string[] }> {
  let declarations = '';
  const stderr = asc.createMemoryStream();
  const { error } = await asc.main(
    // the exports do not depend on optimisation; -O0 keeps this quick
    ['assembly/index.ts', '--config', 'asconfig.json', '--baseDir', root, '--optimizeLevel', '0', '--shrinkLevel', '0'],
    {
      writeFile: (name, contents) => {
        if (name.endsWith('.d.ts')) declarations = String(contents);
      },
      stdout: asc.createMemoryStream(),
      stderr,
    },
  );
  if (error) throw new Error(`the core does not compile: ${error.message}\n${stderr.toString()}`);
  const source = ts.createSourceFile('core.d.ts', declarations, ts.ScriptTarget.Latest, true);
  const functions: Signatures = new Map();
  const others: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionDeclaration(node) && node.name && node.name.text !== 'instantiate') {
      // asc writes each export's wasm types into its doc comment: @param x `u32`, @returns `i32`
      const tags = ts.getJSDocTags(node);
      const wasm = (tag: ts.JSDocTag) => (ts.getTextOfJSDocComment(tag.comment) ?? '').replace(/`/g, '').trim();
      const params = tags.filter((tag) => tag.tagName.text === 'param').map((tag) => rawType(wasm(tag)));
      const result = tags.find((tag) => tag.tagName.text === 'returns');
      expect(params.length, `${node.name.text}: one @param per parameter`).toBe(node.parameters.length);
      functions.set(node.name.text, `(${params.join(', ')}) => ${result ? rawType(wasm(result)) : 'void'}`);
    } else if (ts.isVariableStatement(node)) {
      others.push(...node.declarationList.declarations.map((d) => d.name.getText(source)));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { functions, others };
}

/** CoreExports (with what it extends), as the TypeScript checker sees it. */
function interfaceSignatures(): Signatures {
  const config = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.json`, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  });
  const file = `${root}src/core/core.ts`;
  // its types are primitives, which need no library (and loading the DOM's takes seconds)
  const program = ts.createProgram([file], { ...config!.options, noLib: true, types: [] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file)!;
  const declaration = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'CoreExports');
  if (!declaration) throw new Error('src/core/core.ts declares no CoreExports');
  const signatures: Signatures = new Map();
  for (const member of checker.getPropertiesOfType(checker.getTypeAtLocation(declaration))) {
    const calls = checker.getTypeOfSymbolAtLocation(member, declaration).getCallSignatures();
    expect(calls.length, `CoreExports.${member.name} is one function`).toBe(1);
    const [call] = calls;
    const params = call.getParameters().map((p) => checker.typeToString(checker.getTypeOfSymbolAtLocation(p, declaration)));
    signatures.set(member.name, `(${params.join(', ')}) => ${checker.typeToString(call.getReturnType())}`);
  }
  return signatures;
}

test('CoreExports is what the compiled core exports: no export missing or extra, the same parameters and result', async () => {
  const core = await coreSignatures();
  const declared = interfaceSignatures();
  expect(core.functions.size).toBeGreaterThan(40);
  // the memory the core imports, exported back; the host keeps its own handle on it
  expect(core.others).toEqual(['memory']);
  const differences: string[] = [];
  for (const [name, signature] of core.functions) {
    const mine = declared.get(name);
    if (mine === undefined) differences.push(`${name}: exported by the core, missing from CoreExports`);
    else if (mine !== signature) differences.push(`${name}: the core has ${signature}, CoreExports says ${mine}`);
  }
  for (const name of declared.keys()) {
    if (!core.functions.has(name)) differences.push(`${name}: in CoreExports, not exported by the core`);
  }
  expect(differences).toEqual([]);
}, 60_000);
