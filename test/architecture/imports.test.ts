// No two folders under harness/ import each other: a folder's imports point one way, so its
// owner can change it without pulling the other along. Folders are compared where they meet:
// harness/report -> harness/results is "report -> results", endpoints/undici ->
// endpoints/node is "endpoints/undici -> endpoints/node"; a folder and the folders inside it
// (endpoints and endpoints/ngtcp2) may import each other.
import t from 'tap';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

const HARNESS = resolve(import.meta.dirname, '../../harness');

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : Promise.resolve(e.name.endsWith('.ts') ? [join(dir, e.name)] : []))));
  return nested.flat();
}

/** Relative module specifiers a file imports or re-exports (static, dynamic and type-only). */
function importSpecifiers(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1] as string);
}

/** "a -> b" for an import from directory `from` to directory `to` (both relative to harness/), or null within one line of folders. */
function folderEdge(from: string, to: string): [string, string] | null {
  const a = from === '' ? [] : from.split(sep);
  const b = to === '' ? [] : to.split(sep);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  // The same folder, or one inside the other.
  if (common === a.length || common === b.length) return null;
  return [a.slice(0, common + 1).join('/'), b.slice(0, common + 1).join('/')];
}

/** Every pair of folders that import each other, with one import each way as evidence. */
function twoWayPairs(edges: ReadonlyMap<string, string>): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const [edge, evidence] of edges) {
    const [a, b] = edge.split(' -> ') as [string, string];
    const back = edges.get(`${b} -> ${a}`);
    if (back !== undefined && a < b) pairs.set(`${a} <-> ${b}`, `${evidence}; ${back}`);
  }
  return pairs;
}

async function folderEdges(): Promise<Map<string, string>> {
  const edges = new Map<string, string>();
  for (const file of await sourceFiles(HARNESS)) {
    const fromDir = relative(HARNESS, dirname(file));
    for (const specifier of importSpecifiers(await readFile(file, 'utf8'))) {
      const target = resolve(dirname(file), specifier);
      if (!target.startsWith(HARNESS + sep)) continue;
      const edge = folderEdge(fromDir, relative(HARNESS, dirname(target)));
      if (edge && !edges.has(edge.join(' -> '))) edges.set(edge.join(' -> '), `${relative(HARNESS, file)} imports ${specifier}`);
    }
  }
  return edges;
}

t.test('how imports are read and compared', async (t) => {
  t.same(importSpecifiers("import { a } from '../x/y.js';\nimport type { B } from './b.js';\nexport { c } from '../c/d.js';\nconst m = await import('../e/f.js');\nimport 'node:fs';"), [
    '../x/y.js',
    './b.js',
    '../c/d.js',
    '../e/f.js',
  ]);
  t.same(folderEdge('report', 'results'), ['report', 'results']);
  t.same(folderEdge('endpoints/undici', 'endpoints/node'), ['endpoints/undici', 'endpoints/node']);
  t.same(folderEdge('endpoints/undici/x', 'report'), ['endpoints', 'report']);
  t.equal(folderEdge('endpoints', 'endpoints/ngtcp2'), null, 'a folder and one inside it');
  t.equal(folderEdge('endpoints/ngtcp2', 'endpoints'), null);
  t.equal(folderEdge('scenario', 'scenario'), null);
  t.same(
    [
      ...twoWayPairs(
        new Map([
          ['a -> b', 'x'],
          ['b -> a', 'y'],
          ['a -> c', 'z'],
        ]),
      ).keys(),
    ],
    ['a <-> b'],
  );
});

t.test('no two folders under harness/ import each other', async (t) => {
  const pairs = twoWayPairs(await folderEdges());
  t.same(
    [...pairs].map(([pair, evidence]) => `${pair} (${evidence})`),
    [],
    'folder pairs that import each other',
  );
});
