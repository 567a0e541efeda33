import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { globbedStringsMatch } from '../../src/acl/index.js';

void describe('globbedStringsMatch', () => {
  void it('matches Vault glob patterns: leading and/or trailing *', () => {
    const cases: [string, string, boolean][] = [
      ['abc', 'abc', true],
      ['abc', 'abcd', false],
      ['ab*', 'abcd', true],
      ['ab*', 'xab', false],
      ['*cd', 'abcd', true],
      ['*cd', 'cdx', false],
      ['*b*', 'abc', true],
      ['*b*', 'ac', false],
      ['*', 'anything', false],
      ['*', '*', true],
      ['', '', true],
      ['a*c', 'abc', false],
      ['a*c', 'a*c', true],
    ];
    for (const [pattern, value, expected] of cases)
      assert.equal(globbedStringsMatch(pattern, value), expected, `${pattern} ~ ${value}`);
  });
});
