import { parseFilters } from './filters';

describe('parseFilters', () => {
  it('reads the current and the legacy form', () => {
    expect(parseFilters('{"label":["a=b"],"dangling":["true"]}')).toEqual({ label: ['a=b'], dangling: ['true'] });
    expect(parseFilters('{"label":{"a=b":true,"c":false}}')).toEqual({ label: ['a=b'] });
  });

  it('is empty without the parameter and refuses what is not JSON filters', () => {
    expect(parseFilters(null)).toEqual({});
    expect(() => parseFilters('label=a')).toThrow('invalid filters: label=a');
    expect(() => parseFilters('{"label":"a"}')).toThrow("invalid filter 'label'");
  });
});
