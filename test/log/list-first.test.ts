import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listFirst } from '../../src/log.js';

describe('listFirst', () => {
  it('joins a short list whole', () => {
    assert.equal(listFirst(['a', 'b'], 5), 'a, b');
  });

  it('counts the items past the maximum', () => {
    assert.equal(listFirst(['a', 'b', 'c', 'd'], 2), 'a, b and 2 more');
  });

  it('uses the given separator', () => {
    assert.equal(listFirst(['a', 'b', 'c'], 2, '; '), 'a; b and 1 more');
  });
});
