// docs/questions.md links every answer to its tour step, and the tour has a step for every
// question: the table's rows, the headings and the `?tour=` links agree with web/tour/steps.ts.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { TOUR } from '../../web/tour/steps.ts';

const doc = readFileSync(new URL('../../docs/questions.md', import.meta.url), 'utf8');

test('each tour step is a numbered question of docs/questions.md, linked from its table row and its answer', () => {
  const headings = [...doc.matchAll(/^## (\d+)\. (.+)$/gm)].map((m) => [Number(m[1]), m[2]] as const);
  expect(headings.map(([n]) => n)).toEqual(TOUR.map((_, i) => i + 1));
  const rows = [...doc.matchAll(/^\| (\d+) \| .*\?tour=([a-z-]+)\) \|$/gm)].map((m) => [Number(m[1]), m[2]]);
  expect(rows).toEqual(TOUR.map((step, i) => [i + 1, step.id]));
  TOUR.forEach((step, i) => {
    // the answer's own section links its step
    const start = doc.indexOf(`## ${i + 1}. `);
    const end = i + 1 < TOUR.length ? doc.indexOf(`## ${i + 2}. `) : doc.length;
    expect(doc.slice(start, end), step.id).toContain(`[Tour step ${i + 1}](http://localhost:5173/index.html?tour=${step.id})`);
  });
});
