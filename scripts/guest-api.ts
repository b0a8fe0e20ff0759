// The playground's completion and hover text, generated from the guest API's own types: the
// members of the `vm` a program receives (WorkbenchGuest: src/vm/guest.ts with what the models
// and the runner add), and of every project type reached from it (vm.device, its BARs, vm.driver,
// vm.sdm...), each with its signature and its doc comment. `npm run gen:guest-api` writes
// web/playground/guest-api.json; test/node/guest-api.test.ts fails when that file is not what the
// types say, so the editor's help cannot drift from the API.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { ApiDoc, GuestApi } from '../web/playground/guest-api.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
export const OUTPUT = `${root}web/playground/guest-api.json`;
const RUNNER = `${root}web/guest/runner.ts`;

const internal = (symbol: ts.Symbol) => symbol.getJsDocTags().some((tag) => tag.name === 'internal');
const hidden = (symbol: ts.Symbol) => symbol.name.startsWith('_') || symbol.name === 'prototype' || internal(symbol) || (symbol.declarations ?? []).some((d) =>
  ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected) || (ts.isPropertyDeclaration(d) || ts.isMethodDeclaration(d)) && d.name.kind === ts.SyntaxKind.PrivateIdentifier);
/** A type worth listing members of: one of the project's own object types (not a builtin, not a function). */
const ours = (type: ts.Type) => !!type.getSymbol()?.declarations?.some((d) => !d.getSourceFile().fileName.includes('node_modules'))
  && type.getCallSignatures().length === 0 && type.getProperties().length > 0;

/** The doc comment of `export * as name from` (TypeScript gives the namespace's symbol none). */
const exportDoc = (decl: ts.Declaration | undefined) => (decl && ts.isNamespaceExport(decl)
  ? ts.getJSDocCommentsAndTags(decl.parent).map((doc) => (ts.isJSDoc(doc) ? ts.getTextOfJSDocComment(doc.comment) ?? '' : '')).join(' ').trim()
  : '');

export function guestApi(): GuestApi {
  const config = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  const program = ts.createProgram([RUNNER], config.options);
  const checker = program.getTypeChecker();
  const runner = checker.getSymbolAtLocation(program.getSourceFile(RUNNER)!)!;
  const guest = checker.getExportsOfModule(runner).find((s) => s.name === 'WorkbenchGuest')!;
  const types: Record<string, ApiDoc[]> = {};
  const text = (parts: ts.SymbolDisplayPart[]) => ts.displayPartsToString(parts).replace(/\s+/g, ' ').trim();
  // a module's namespace (vm.driver) is named after the member that holds it
  const nameOf = (type: ts.Type, holder: string) => (type.getSymbol()!.flags & ts.SymbolFlags.ValueModule ? holder : checker.typeToString(type));

  const walk = (name: string, type: ts.Type) => {
    if (types[name]) return;
    const docs: ApiDoc[] = [];
    types[name] = docs;
    for (const member of checker.getPropertiesOfType(type)) {
      if (hidden(member)) continue;
      const decl = member.valueDeclaration ?? member.declarations?.[0];
      const memberType = checker.getNonNullableType(decl ? checker.getTypeOfSymbolAtLocation(member, decl) : checker.getDeclaredTypeOfSymbol(member));
      const signature = memberType.getCallSignatures()[0];
      const method = signature !== undefined && !ours(memberType);
      const value = method ? checker.getNonNullableType(signature.getReturnType()) : memberType;
      // a module's namespace (driver.v2) by its name: its type's text would be its file's path
      const namespace = !!((memberType.getSymbol()?.flags ?? 0) & ts.SymbolFlags.ValueModule);
      const doc: ApiDoc = {
        label: member.name,
        type: method ? 'method' : 'property',
        detail: method ? checker.signatureToString(signature, undefined, ts.TypeFormatFlags.NoTruncation)
          : namespace ? `namespace ${member.name}` : checker.typeToString(checker.getTypeOfSymbol(member), undefined, ts.TypeFormatFlags.NoTruncation),
        info: text(member.getDocumentationComment(checker)) || (signature ? text(signature.getDocumentationComment(checker)) : '') || exportDoc(decl),
      };
      if (ours(value)) {
        doc.of = nameOf(value, member.name);
        walk(doc.of, value);
      }
      docs.push(doc);
    }
    docs.sort((a, b) => a.label.localeCompare(b.label));
  };
  walk('WorkbenchGuest', checker.getDeclaredTypeOfSymbol(guest));
  return { vm: 'WorkbenchGuest', types };
}

export const render = (api: GuestApi) => `${JSON.stringify(api, null, 1)}\n`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) writeFileSync(OUTPUT, render(guestApi()));
