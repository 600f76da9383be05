// The option names of the kernels, listed once for TypeScript: the types, the
// ops' and the layer's validators and the JS tests all come from these lists.
// native/vocabulary.h lists the same names once for C++ (the enums, the
// addon's exported name -> number objects); the order is the enum's numbering.
// Two lists and a check, not one generated from the other: the types must
// exist before the addon is built, the enums before any JS runs. native.ts
// refuses an addon whose exported objects differ from these lists (a stale
// build), and test/vocabulary.test.ts checks the same. To add a value, append
// it to both lists (never reorder: the numbers cross the N-API boundary).

/** How a source point is read. */
export const INTERPOLATION_MODES = ['bilinear', 'nearest', 'bicubic'] as const;
export type InterpolationMode = typeof INTERPOLATION_MODES[number];

/** The modes of the volume (3-D) kernels: PyTorch has no 5-D bicubic (native: volume_mode_supported). */
export const VOLUME_INTERPOLATION_MODES = ['bilinear', 'nearest'] as const satisfies readonly InterpolationMode[];
export type VolumeInterpolationMode = typeof VOLUME_INTERPOLATION_MODES[number];

/** What lies outside the input. */
export const PADDING_MODES = ['zeros', 'border', 'reflection'] as const;
export type PaddingMode = typeof PADDING_MODES[number];

/** TensorFlow's fill modes (tf.image.transform): what lies outside the input, in pixel coordinates. */
export const FILL_MODES = ['constant', 'reflect', 'wrap', 'nearest'] as const;
export type FillMode = typeof FILL_MODES[number];

/** Instruction sets of the native kernels, lowest first. */
export const ISAS = ['base', 'avx2', 'avx512'] as const;
export type Isa = typeof ISAS[number];

/** The addon's exported objects, by the name it exports them under. */
export const NATIVE_VOCABULARIES = {
  Interpolation: INTERPOLATION_MODES,
  Padding: PADDING_MODES,
  Isa: ISAS,
  FillMode: FILL_MODES,
} as const;

/** {name: number} as the addon exports a list: each name's index. */
export type NativeEnum<Names extends readonly string[]> = {readonly [K in Names[number]]: number};

/**
 * The differences between the addon's exported objects and these lists
 * (empty when they agree), one line each.
 */
export function vocabularyMismatches(addon: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, list] of Object.entries(NATIVE_VOCABULARIES)) {
    const exported = addon[name];
    const want = JSON.stringify(Object.fromEntries(list.map((v, i) => [v, i])));
    const got = exported !== null && typeof exported === 'object' ? JSON.stringify(exported) : String(exported);
    if (got !== want) problems.push(`${name}: the addon has ${got}, lib/vocabulary.ts says ${want}`);
  }
  return problems;
}
