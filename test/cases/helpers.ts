export { driver } from '../../src/index.ts';

/** BAR0 register offsets of the 32-bit layout. */
export const REG = { INTRMASK: 0, INTRSTATUS: 4, IVPOSITION: 8, DOORBELL: 12 } as const;
/** BAR0 register offsets of the 2010 16-bit layout. */
export const REG2010 = { INTRMASK: 0, INTRSTATUS: 2, DOORBELL: 4, IVPOSITION: 6, IVLIVELIST: 8 } as const;
