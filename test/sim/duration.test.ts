/** Durations as scenario files and the command line write them: single units and compounds. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseScenario } from '../../src/sim/scenario.js';

describe('parseDuration', () => {
  it('reads compound durations from the largest unit down', () => {
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('1h2m3.5s')).toBe(3_723_500);
    expect(parseDuration('2s500ms')).toBe(2500);
    expect(parseDuration(' 1h 30m ')).toBe(5_400_000);
  });

  it('still reads single units and bare seconds as before', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('40s')).toBe(40_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('1.5')).toBe(1500);
    expect(parseDuration(3)).toBe(3000);
  });

  it('refuses units out of order, a unit twice, a number without a unit after the first part, and words', () => {
    for (const text of ['30s1m', '1m1m', '1m30', '1m 30', 'ms', '1x', '-1s', '1s-', '', '1e3s', '1..5s', 's1']) expect(parseDuration(text), text).toBeUndefined();
  });

  it('reads back every duration it formats (format -> parse round trip)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 31 * 24 * 3_600_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
      { numRuns: 2000 },
    );
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(3_723_500)).toBe('1h2m3s500ms');
  });

  it('reads any sum of units written largest first', () => {
    const part = (max: number) => fc.option(fc.integer({ min: 0, max }), { nil: undefined });
    fc.assert(
      fc.property(part(800), part(59), part(59), part(999), (h, m, s, ms) => {
        const text = [[h, 'h'], [m, 'm'], [s, 's'], [ms, 'ms']].filter(([n]) => n !== undefined).map(([n, unit]) => `${n}${unit}`).join('');
        fc.pre(text !== '');
        expect(parseDuration(text)).toBe((h ?? 0) * 3_600_000 + (m ?? 0) * 60_000 + (s ?? 0) * 1000 + (ms ?? 0));
      }),
    );
  });

  it('never throws on garbage: it answers a number or undefined', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9hms. ]{0,12}$/), fc.double(), fc.stringMatching(/^[0-9]{300,330}(s|h)?$/), fc.anything()), (value) => {
        const ms = parseDuration(value);
        expect(ms === undefined || (Number.isFinite(ms) && ms >= 0)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('compound durations in a scenario file', () => {
  const scenario = (duration: string, at: string) =>
    ['name: t', `duration: ${duration}`, 'hosts:', '  A: { config: A.conf, address: 10.0.0.1 }', 'timeline:', `  - { at: ${at}, host: A, do: start }`, `  - { at: 1m, host: A, do: link-down, interface: eth0 }`].join('\n');

  it('take 1m30s as the duration and 1m15s as a time', () => {
    const parsed = parseScenario(scenario('1m30s', '1m15s'), '/tmp', 's.yaml');
    expect(parsed.ok ? [] : parsed.errors).toEqual([]);
    if (!parsed.ok) return;
    expect(parsed.scenario.durationMs).toBe(90_000);
    expect(parsed.scenario.timeline.map((e) => e.atMs)).toEqual([60_000, 75_000]);
  });

  it('name the file and line of a duration they cannot read', () => {
    const parsed = parseScenario(scenario('1m30', '0s'), '/tmp', 's.yaml');
    expect(parsed.ok ? [] : parsed.errors).toEqual([expect.stringMatching(/^s\.yaml:2: duration: expected e\.g\. .*1m30s.* \(got "1m30"\)/)]);
    const at = parseScenario(scenario('2m', '5s1m'), '/tmp', 's.yaml');
    expect(at.ok ? [] : at.errors).toEqual([expect.stringMatching(/^s\.yaml:6: timeline\[0\]\.at: expected a time such as 5s \(got "5s1m"\)/)]);
  });
});
