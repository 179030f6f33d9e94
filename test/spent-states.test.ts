import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpentStates } from '../lib/state/spent-states';

describe('the replay guard’s memory of spent states', () => {
  it('forgets each state its lifetime after it was spent, in the order they came in', () => {
    const spent = new SpentStates(10, 100);
    assert.deepEqual([spent.spend('a', 0), spent.spend('b', 50), spent.spend('a', 99)], [true, true, false]);
    assert.equal(spent.spend('c', 100), true);
    assert.equal(spent.size, 2, 'a left at 100');
    assert.deepEqual([spent.spend('b', 149), spent.spend('a', 149)], [false, true]);
  });

  it('when full, makes room by dropping the oldest; a state let go early can be spent again', () => {
    const spent = new SpentStates(2, 1000);
    for (const state of ['a', 'b', 'c']) assert.equal(spent.spend(state, 1), true);
    assert.deepEqual([spent.size, spent.spend('c', 2), spent.spend('a', 2)], [2, false, true]);
    spent.delete('a');
    assert.equal(spent.spend('a', 3), true);
    for (let i = 0; i < 50_000; i++) spent.spend(`s${i}`, 4 + i / 1000);
    assert.equal(spent.size, 2);
  });
});
