import { nextLink } from './link-header';

describe('nextLink', () => {
  it('finds the next page among the links', () => {
    expect(nextLink('</v2/app/tags/list?last=v2&n=2>; rel="next"')).toBe('/v2/app/tags/list?last=v2&n=2');
    expect(nextLink('<https://r/v2/a?p=1>; rel="prev", <https://r/v2/a?p=3>; rel=next')).toBe('https://r/v2/a?p=3');
  });

  it('is undefined on the last page', () => {
    expect(nextLink(null)).toBeUndefined();
    expect(nextLink('</v2/app/tags/list?n=2>; rel="prev"')).toBeUndefined();
  });
});
