/**
 * `explore --confirm` on a race of keepalived's: a failure the simulator reports as a race may not
 * show on keepalived, which took the other outcome; the confirmation says so when what keepalived
 * showed is what the simulator's other outcome shows, and only then.
 */
import { describe, expect, it } from 'vitest';
import { formatConfirmations, matchingOutcome, type Confirmation } from '../../src/explore/confirm.js';
import type { RaceOutcome } from '../../src/explore/explorer.js';

const RACES: RaceOutcome[] = [{ kind: 'start', variant: "with B's start-up 42 ms shorter than the others'", kinds: [] }];

describe('confirming a race on keepalived', () => {
  it("matches keepalived's run to the simulator's other outcome when it shows the same kinds", () => {
    expect(matchingOutcome(RACES, [])).toEqual(RACES[0]);
    expect(matchingOutcome([{ kind: 'preempt-boundary', variant: 'with B discarding …', kinds: ['stranded-service', 'collective-drift'] }], ['collective-drift', 'stranded-service'])?.kind).toBe('preempt-boundary');
  });

  it('matches nothing when keepalived showed other kinds, or the failure is no race', () => {
    expect(matchingOutcome(RACES, ['split-brain'])).toBeUndefined();
    expect(matchingOutcome(undefined, [])).toBeUndefined();
  });

  it('says a race that was not reproduced went the other way, and says nothing of the kind for a plain failure', () => {
    const base: Confirmation = { name: '05-A-service-stop', status: 'not reproduced', kinds: ['collective-drift', 'stranded-service'], seen: [], dir: '/run/x' };
    const race = formatConfirmations([{ ...base, otherOutcome: RACES[0]?.variant ?? '' }]);
    expect(race).toContain("  05-A-service-stop  NOT REPRODUCED in 2 runs: keepalived showed no collective-drift, stranded-service  (/run/x)\n      a race: keepalived took the simulator's other outcome (with B's start-up 42 ms shorter than the others')\n");
    expect(race).toContain('0 of 1 failure confirmed on real keepalived.');
    expect(formatConfirmations([base])).not.toContain('a race');
  });
});
