import { chainIds } from './chain-id.js';

// Expected values computed with: printf '%s' "<chainID(n-1)> <diffID(n)>" | sha256sum
const diffIds = [
  'sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1',
  'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef',
  'sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4',
];

describe('chainIds', () => {
  it('is empty for no layers', () => {
    expect(chainIds([])).toEqual([]);
  });

  it('starts with the first diff ID and chains the rest', () => {
    expect(chainIds(diffIds)).toEqual([
      diffIds[0],
      'sha256:c3191d32a37d7159b2e30830937d2e30268ad6c375a773a8994911a3aba9b93f',
      'sha256:5746d8988d25982d8b8e4e833a7bbd084707c7a86356bb6f8c5e9843ec144393',
    ]);
  });

  it('gives a prefix of a stack the same chain IDs', () => {
    expect(chainIds(diffIds.slice(0, 2))).toEqual(chainIds(diffIds).slice(0, 2));
  });
});
