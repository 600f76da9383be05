// Which instruction set the native kernels use.
import {native} from './native';
import {Isa, ISAS} from './vocabulary';

export type {Isa};

/**
 * Forces the native kernels onto a lower instruction set than the best this
 * CPU supports (e.g. to compare paths, or to rule one out); `getBestIsa()`
 * restores the default. Results do not depend on it (every ISA gives the same
 * bits). The environment variable `STN_ISA` does the same at load time.
 * @param isa 'base' (portable; SSE2 on x86-64), 'avx2' or 'avx512'.
 * @throws Error for another value, or one above `getBestIsa()`.
 * @example
 * setIsa('avx2');  // then: getIsa() === 'avx2'
 */
export function setIsa(isa: Isa): void {
  if (!(ISAS as readonly unknown[]).includes(isa)) {
    throw new Error(`setIsa: isa must be one of ${ISAS.map((i) => `'${i}'`).join(', ')}, but got ` +
        `${typeof isa === 'string' ? `'${isa}'` : String(isa)}`);
  }
  if (ISAS.indexOf(isa) > ISAS.indexOf(native.getBestIsa())) {
    throw new Error(`setIsa: isa '${isa}' is not supported by this CPU (best: '${native.getBestIsa()}')`);
  }
  native.setIsa(isa);
}

/** The instruction set the native kernels use now. */
export function getIsa(): Isa {
  return native.getIsa();
}

/** The best instruction set this CPU supports: the default. */
export function getBestIsa(): Isa {
  return native.getBestIsa();
}
