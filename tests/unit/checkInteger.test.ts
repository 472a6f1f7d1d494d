import fc from 'fast-check';
import { checkInteger, InvalidArgumentError } from '../../errors';

describe('checkInteger', () => {
  it('accepts exactly the integers in [min, max] and names the argument otherwise', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -50, max: 50 }), fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, '3', null, undefined)), fc.integer({ min: -20, max: 20 }), fc.nat(30), (value, min, width) => {
        const max = min + width;
        const ok = typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
        if (ok) expect(checkInteger('thing', value, min, max)).toBe(value);
        else expect(() => checkInteger('thing', value, min, max)).toThrow(new InvalidArgumentError(`thing must be an integer in [${min}, ${max}], got ${typeof value === 'number' ? value : JSON.stringify(value)}`));
      }),
    );
  });

  it('without a maximum, says only the lower bound', () => {
    expect(() => checkInteger('nodes', 0, 1)).toThrow('nodes must be an integer ≥ 1, got 0');
    expect(checkInteger('nodes', Number.MAX_SAFE_INTEGER, 1)).toBe(Number.MAX_SAFE_INTEGER);
  });
});
