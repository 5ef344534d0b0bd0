/**
 * VRRP timer arithmetic exactly as keepalived 2.2.7 computes it (vrrp.h), in microseconds with
 * keepalived's integer rounding, returned as milliseconds.
 *
 * keepalived differs from the RFCs in two ways worth knowing:
 * - Skew_Time uses the instance's *effective* priority (base + tracked items), not the base one.
 * - For VRRPv3 the skew scales with the master's advert interval (RFC 5798 6.1), for VRRPv2 it is
 *   (256 - priority) / 256 s whatever the interval (RFC 3768 6.1).
 */

/** Down timer length in adverts (keepalived's down_timer_adverts default). */
export const DOWN_TIMER_ADVERTS = 3;

export function skewTimeMs(version: 2 | 3, priority: number, masterAdvertIntervalMs: number): number {
  const priorityTerm = 256 - priority;
  if (version === 3) {
    const centiseconds = Math.floor(masterAdvertIntervalMs / 10);
    return Math.floor((priorityTerm * centiseconds * 625) / 16) / 1000;
  }
  return Math.floor((priorityTerm * 1_000_000) / 256) / 1000;
}

/** The smallest skew keepalived uses (priority term 1): one adver_int plus this lets a MASTER-configured sync member wait. */
export function minimumSkewMs(version: 2 | 3, masterAdvertIntervalMs: number): number {
  return skewTimeMs(version, 255, masterAdvertIntervalMs);
}

/** Master_Down_Interval = 3 x Master_Adver_Interval + Skew_Time. */
export function masterDownIntervalMs(version: 2 | 3, priority: number, masterAdvertIntervalMs: number): number {
  return DOWN_TIMER_ADVERTS * masterAdvertIntervalMs + skewTimeMs(version, priority, masterAdvertIntervalMs);
}
