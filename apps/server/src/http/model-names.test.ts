/**
 * @module http/model-names.test
 * "Nothing else in Atlas names a model": model ids live in `packages/protocol/src/tiers.ts`
 * (the model map, provider models) and `prices.ts` only. This test parses every non-test source
 * file of the server, the web app and the protocol package and fails on any string or template
 * literal that looks like a model id (`claude-*`, `gpt-*`, `whisper-*`, `tts-1*`, `nova-*`,
 * `llama*`, …). Comments are not scanned: documentation may mention models.
 */
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SCANNED_ROOTS = ['apps/server/src', 'apps/web/src', 'packages/protocol/src'];
/** The only files allowed to name models. */
const MODEL_HOMES = new Set(['packages/protocol/src/tiers.ts', 'packages/protocol/src/prices.ts']);
const SOURCE_FILE = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;
const TEST_FILE = /\.(?:test|spec)\.[cm]?[jt]sx?$|\.d\.ts$/;
const TEST_DIRS = new Set(['testing', '__tests__', '__mocks__', 'test', 'tests', 'fixtures']);

/** Model-id shapes of the providers Atlas uses or could use. */
export const MODEL_ID =
  /(?<![A-Za-z0-9])(?:claude-|gpt-\d|gpt-4o|chatgpt-|whisper-\d|tts-1|nova-\d|aura-\d?-?[a-z]|llama[-\d.]|o[134]-(?:mini|pro|preview)|gemini-|mistral-|mixtral-|dall-e-|text-embedding-|deepseek-|qwen\d)/i;

function sourceFiles(relativeDir: string): string[] {
  const dir = path.join(ROOT, relativeDir);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return []; // e.g. apps/web/src before the web app exists
  }
  const files: string[] = [];
  for (const entry of entries) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const relative = path.posix.join(relativeDir, entry);
    if (statSync(path.join(ROOT, relative)).isDirectory()) {
      if (!TEST_DIRS.has(entry)) files.push(...sourceFiles(relative));
    } else if (SOURCE_FILE.test(entry) && !TEST_FILE.test(entry)) {
      files.push(relative);
    }
  }
  return files;
}

/** `file:line: literal` for each string or template literal naming a model. */
export function modelNamesIn(file: string, text: string): string[] {
  const kind = file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isStringLiteralLike(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node) ||
      ts.isJsxText(node)
    ) {
      if (MODEL_ID.test(node.text)) {
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        found.push(`${file}:${line}: ${JSON.stringify(node.text)}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('model names', () => {
  it('recognises model ids in literals but not in comments', () => {
    const sample = [
      '// claude-sonnet-4-5 in a comment is fine',
      "const a = 'claude-haiku-5-5';",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a sample file
      'const b = `${x}-gpt-4o-mini`;',
      'const c = "whisper-1", d = "tts-1-hd", e = "nova-3", f = "llama3.2";',
      "const ok = ['alloy', 'novel', 'gpt', 'llamas are great', 'Claude'];",
    ].join('\n');
    expect(modelNamesIn('sample.ts', sample)).toEqual([
      'sample.ts:2: "claude-haiku-5-5"',
      'sample.ts:3: "-gpt-4o-mini"',
      'sample.ts:4: "whisper-1"',
      'sample.ts:4: "tts-1-hd"',
      'sample.ts:4: "nova-3"',
      'sample.ts:4: "llama3.2"',
    ]);
  });

  it('scans the server sources', () => {
    expect(sourceFiles('apps/server/src')).toContain('apps/server/src/app.ts');
    expect(sourceFiles('apps/server/src').some((f) => f.endsWith('.test.ts'))).toBe(false);
  });

  it('are named only in packages/protocol/src/tiers.ts and prices.ts', async () => {
    const files = SCANNED_ROOTS.flatMap(sourceFiles).filter((file) => !MODEL_HOMES.has(file));
    const violations: string[] = [];
    for (const file of files) {
      violations.push(...modelNamesIn(file, await readFile(path.join(ROOT, file), 'utf8')));
    }
    expect(violations, 'read model ids from MODEL_MAP / PROVIDER_MODELS instead').toEqual([]);
  });
});
