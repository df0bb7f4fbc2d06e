import { describe, expect, it } from 'vitest';

import { createCallClock, longestChain } from '../../src/db/call-clock.ts';

const settle = () => new Promise<void>((r) => setTimeout(r, 1));

describe('round trips on the critical path (src/db/call-clock.ts)', () => {
  it('calls one after the other each count; calls in flight together count once', async () => {
    const sequential = createCallClock();
    for (let i = 0; i < 3; i++) {
      const end = sequential.begin();
      await settle();
      end();
    }
    expect(sequential.overlapped()).toBe(0); // 3 calls, a chain of 3

    const sideBySide = createCallClock();
    const ends = [sideBySide.begin(), sideBySide.begin(), sideBySide.begin()];
    await settle();
    ends.forEach((end) => end());
    expect(sideBySide.overlapped()).toBe(2); // 3 calls, 1 round trip
  });

  it('a read beside two others, then a write: 2; a long call beside a chain of two: the chain', () => {
    const clock = createCallClock();
    const reads = [clock.begin(), clock.begin(), clock.begin()];
    reads.forEach((end) => end());
    clock.begin()(); // the write, after all three answered
    expect(4 - clock.overlapped()).toBe(2);

    const mixed = createCallClock();
    const long = mixed.begin();
    mixed.begin()(); // short call 1
    mixed.begin()(); // short call 2, after 1 answered
    long();
    expect(3 - mixed.overlapped()).toBe(2);
  });

  it('an end called twice counts once; weights add up along the chain', () => {
    const clock = createCallClock();
    const end = clock.begin();
    end();
    end();
    expect(clock.overlapped()).toBe(0);
    expect(
      longestChain([
        { start: 1, end: 2, weight: 2 },
        { start: 3, end: 6, weight: 1 },
        { start: 4, end: 5, weight: 1 },
        { start: 7, end: 8, weight: 1 },
      ]),
    ).toBe(4); // 2 + one of the overlapping pair + 1
    expect(longestChain([])).toBe(0);
  });
});
