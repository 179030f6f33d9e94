import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpentStates } from '../lib/state/spent-states';

describe('the replay guard’s memory of spent states', () => {
  it('forgets each state when it expires, whatever the order the states came in', () => {
    const spent = new SpentStates(100);
    // Logins finish in another order than they started: expiries arrive out of order.
    const expiries = [500, 100, 400, 200, 300];
    for (const [i, expiresAt] of expiries.entries()) spent.add(`s${i}`, expiresAt, 0);
    for (const now of [150, 250, 350, 450, 550]) {
      for (const [i, expiresAt] of expiries.entries()) {
        assert.equal(spent.has(`s${i}`, now), expiresAt > now, `s${i} (expires ${expiresAt}) at ${now}`);
      }
    }
    assert.equal(spent.size, 0);
  });

  it('when full, makes room by dropping the state that expires first', () => {
    const spent = new SpentStates(3);
    spent.add('late', 900, 0);
    spent.add('early', 300, 0);
    spent.add('middle', 600, 0);
    spent.add('new', 800, 0);
    assert.equal(spent.size, 3);
    assert.deepEqual(
      ['late', 'early', 'middle', 'new'].map((state) => spent.has(state, 1)),
      [true, false, true, true],
    );
  });

  it('stays within its bound under many additions, and keeps the latest-expiring ones', () => {
    const spent = new SpentStates(1000);
    for (let i = 0; i < 50_000; i++) spent.add(`s${i}`, 10_000 + ((i * 7919) % 50_000), 0);
    assert.equal(spent.size, 1000);
    // The 1,000 latest expiries are 59,000..59,999 (i * 7919 mod 50,000 covers every residue).
    let kept = 0;
    for (let i = 0; i < 50_000; i++) if (spent.has(`s${i}`, 0)) kept += (i * 7919) % 50_000 >= 49_000 ? 1 : 0;
    assert.equal(kept, 1000);
  });
});
