// Guest programs typed in the playground are TypeScript or JavaScript; sucrase strips the types
// in the page (small and fast, and it keeps line numbers, so an error's line is the editor's).
import { transform } from 'sucrase';

export type Transpiled = { ok: true; code: string } | { ok: false; error: string; line?: number };

export function transpile(source: string): Transpiled {
  try {
    return { ok: true, code: transform(source, { transforms: ['typescript'], disableESTransforms: true, keepUnusedImports: false }).code };
  } catch (error) {
    const e = error as Error & { loc?: { line: number } };
    const line = e.loc?.line;
    return { ok: false, error: `SyntaxError: ${e.message}`, line };
  }
}
