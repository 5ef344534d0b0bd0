/**
 * keepalived 2.2.7's defaults for everything the model holds, in one place (documented in
 * docs/config-defaults.md). Times are milliseconds. Sources: include/vrrp.h, include/vrrp_track.h,
 * core/global_data.c, vrrp/vrrp_data.c, vrrp/vrrp.c (vrrp_complete_instance).
 */
import type { GlobalDefs } from './model.js';

export const DEFAULTS = {
  vrrpVersion: 2 as 2 | 3,
  mcastGroup4: '224.0.0.18',
  mcastGroup6: 'ff02::12',
  /** Priority when none is given and the state is not MASTER. */
  priority: 100,
  /** Priority when none is given and `state MASTER` is: keepalived makes the instance the address owner. */
  priorityOwner: 255,
  advertIntervalMs: 1000,
  preemptDelayMs: 0,
  garpMasterDelayMs: 5000,
  garpMasterRepeat: 5,
  garpMasterRefreshMs: 0,
  garpMasterRefreshRepeat: 1,
  garpIntervalMs: 0,
  gnaIntervalMs: 0,
  script: {
    intervalMs: 1000,
    /** keepalived stores 0 and then waits one interval for the script; we store that effective value. */
    timeoutMs: undefined as number | undefined,
    weight: 0,
    rise: 1,
    fall: 1,
  },
  trackFileWeight: 1,
  authPassMaxLength: 8,
} as const;

export function defaultGlobalDefs(): GlobalDefs {
  return {
    vrrpVersion: DEFAULTS.vrrpVersion,
    enableScriptSecurity: false,
    vrrpMcastGroup4: DEFAULTS.mcastGroup4,
    vrrpMcastGroup6: DEFAULTS.mcastGroup6,
    vrrpGarpMasterDelayMs: DEFAULTS.garpMasterDelayMs,
    vrrpGarpMasterRepeat: DEFAULTS.garpMasterRepeat,
    vrrpGarpMasterRefreshMs: DEFAULTS.garpMasterRefreshMs,
    vrrpGarpMasterRefreshRepeat: DEFAULTS.garpMasterRefreshRepeat,
    // keepalived leaves these unset and copies the master delay / repeat at the end of the config.
    vrrpGarpLowerPrioDelayMs: DEFAULTS.garpMasterDelayMs,
    vrrpGarpLowerPrioRepeat: DEFAULTS.garpMasterRepeat,
    vrrpGarpIntervalMs: DEFAULTS.garpIntervalMs,
    vrrpGnaIntervalMs: DEFAULTS.gnaIntervalMs,
    vrrpSkipCheckAdvAddr: false,
    vrrpStrict: false,
    vrrpHigherPrioSendAdvert: false,
    vrrpCheckUnicastSrc: false,
    other: {},
  };
}
