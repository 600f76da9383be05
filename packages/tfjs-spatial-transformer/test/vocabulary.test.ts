// The two vocabularies agree: lib/vocabulary.ts (TypeScript) and
// native/vocabulary.h (C++, as the addon exports it). The addon's messages
// list the values from its own list, and a mismatched addon is refused.
import {expect, test} from 'vitest';

import {native} from '../lib/native';
import {INTERPOLATION_MODES, ISAS, NATIVE_VOCABULARIES, PADDING_MODES, vocabularyMismatches} from '../lib/vocabulary';

test.each(Object.entries(NATIVE_VOCABULARIES))('the addon exports %s as lib/vocabulary.ts lists it', (name, list) => {
  const exported = (native as unknown as Record<string, Record<string, number>>)[name];
  expect(Object.keys(exported)).toEqual([...list]);
  expect(Object.values(exported)).toEqual(list.map((_, i) => i));
  expect(Object.isFrozen(exported)).toBe(true);
});

test('vocabularyMismatches names the list and both sides when they differ', () => {
  expect(vocabularyMismatches(native as unknown as Record<string, unknown>)).toEqual([]);
  const stale = {...native, Padding: {zeros: 0, border: 1}};
  const problems = vocabularyMismatches(stale as unknown as Record<string, unknown>);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toContain('Padding: the addon has {"zeros":0,"border":1}');
  expect(problems[0]).toContain('"reflection":2');
});

test("the addon's range errors list its own values", () => {
  const call = (mode: number, padding: number) => () => native.gridSampleForward(
      new Float32Array(1), new Float32Array(2), new Float32Array(1), [1, 1, 1, 1, 1, 1], mode, padding, false);
  const listed = (names: readonly string[]) => names.map((n, i) => `${i} (${n})`);
  expect(call(INTERPOLATION_MODES.length, 0)).toThrow(
      `mode must be ${listed(INTERPOLATION_MODES).slice(0, -1).join(', ')} or ${listed(INTERPOLATION_MODES).at(-1)}`);
  expect(call(0, PADDING_MODES.length)).toThrow(
      `padding must be ${listed(PADDING_MODES).slice(0, -1).join(', ')} or ${listed(PADDING_MODES).at(-1)}`);
  expect(() => native.setIsa('sse' as never)).toThrow(
      `isa must be ${ISAS.slice(0, -1).map((i) => `'${i}'`).join(', ')} or '${ISAS.at(-1)}'`);
});
