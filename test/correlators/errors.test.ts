// Every exported error has a stable code of the RL_ERR_<AREA>_<WHAT> shape, distinct from the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CLASSES, InputError, SourceQueryError } from '../../correlators/errors.js';

test('each error class carries a distinct RL_ERR_ code', () => {
  const codes = new Set<string>();
  for (const [name, Cls] of Object.entries(ERROR_CLASSES)) {
    const e = name === 'SourceUnavailableError' ? new (Cls as typeof ERROR_CLASSES.SourceUnavailableError)('prometheus', 'down') : name === 'SourceQueryError' ? new SourceQueryError('prometheus', 'up', 'bad') : new (Cls as typeof InputError)('x');
    assert.match(e.code, /^RL_ERR_[A-Z]+_[A-Z_]+$/, name);
    assert.equal(e.name, name);
    assert.ok(!codes.has(e.code), `duplicate code ${e.code}`);
    codes.add(e.code);
  }
});

test('the cause is kept and appended to the message', () => {
  const e = new SourceQueryError('prometheus', 'rate(x[1m])', 'HTTP 400', { cause: new Error('parse error at char 5') });
  assert.equal(e.message, 'source prometheus: query "rate(x[1m])" failed: HTTP 400; caused by parse error at char 5');
  assert.ok(e.cause instanceof Error);
});
