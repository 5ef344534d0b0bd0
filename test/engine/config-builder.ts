/**
 * Builds KeepalivedConfig values for engine tests without going through the parser: every field
 * carries keepalived 2.2.7's default (src/config/defaults.ts) unless a test overrides it.
 */
import { DEFAULTS, defaultGlobalDefs } from '../../src/config/defaults.js';
import type { GlobalDefs, KeepalivedConfig, SyncGroup, TrackFile, TrackReference, VrrpInstance, VrrpScript } from '../../src/config/model.js';

const here = { file: 'test.conf', line: 1 };

export function ref(name: string, weight?: number, reverse?: boolean): TrackReference {
  return { name, weight, reverse, location: here };
}

export function instance(overrides: Partial<VrrpInstance> & { vips?: string[] } = {}): VrrpInstance {
  const { vips, ...rest } = overrides;
  const addresses = vips ?? ['10.0.0.100'];
  return {
    name: 'VI_1',
    location: here,
    interface: 'eth0',
    vrid: 51,
    priority: DEFAULTS.priority,
    advertIntervalMs: DEFAULTS.advertIntervalMs,
    version: 2,
    family: 4,
    nopreempt: false,
    preemptDelayMs: DEFAULTS.preemptDelayMs,
    virtualIpaddresses: addresses.map((address) => ({
      address,
      prefixLength: address.includes(':') ? 64 : 24,
      family: address.includes(':') ? 6 : 4,
      location: here,
    })),
    virtualIpaddressesExcluded: [],
    trackInterfaces: [],
    trackScripts: [],
    trackFiles: [],
    unicastPeers: [],
    garpMasterDelayMs: DEFAULTS.garpMasterDelayMs,
    garpMasterRepeat: DEFAULTS.garpMasterRepeat,
    garpMasterRefreshMs: DEFAULTS.garpMasterRefreshMs,
    garpMasterRefreshRepeat: DEFAULTS.garpMasterRefreshRepeat,
    garpLowerPrioDelayMs: DEFAULTS.garpMasterDelayMs,
    garpLowerPrioRepeat: DEFAULTS.garpMasterRepeat,
    notify: {
      master: '/notify.sh master',
      backup: '/notify.sh backup',
      fault: '/notify.sh fault',
      stop: '/notify.sh stop',
    },
    smtpAlert: false,
    useVmac: false,
    dontTrackPrimary: false,
    ...rest,
  };
}

export function script(overrides: Partial<VrrpScript> & { name: string }): VrrpScript {
  return {
    location: here,
    script: `/bin/check ${overrides.name}`,
    intervalMs: DEFAULTS.script.intervalMs,
    timeoutMs: DEFAULTS.script.intervalMs,
    weight: DEFAULTS.script.weight,
    weightReverse: false,
    rise: DEFAULTS.script.rise,
    fall: DEFAULTS.script.fall,
    initFail: false,
    ...overrides,
  };
}

export function trackFile(overrides: Partial<TrackFile> & { name: string }): TrackFile {
  return { location: here, file: `/run/${overrides.name}`, weight: DEFAULTS.trackFileWeight, weightReverse: false, ...overrides };
}

export function syncGroup(name: string, members: string[], overrides: Partial<SyncGroup> = {}): SyncGroup {
  return { name, location: here, members, notify: {}, trackScripts: [], trackInterfaces: [], trackFiles: [], ...overrides };
}

export function config(parts: {
  instances: VrrpInstance[];
  scripts?: VrrpScript[];
  trackFiles?: TrackFile[];
  syncGroups?: SyncGroup[];
  globalDefs?: Partial<GlobalDefs>;
}): KeepalivedConfig {
  const syncGroups = parts.syncGroups ?? [];
  const instances = parts.instances.map((candidate) => {
    const group = syncGroups.find((g) => g.members.includes(candidate.name));
    return group === undefined ? candidate : { ...candidate, syncGroup: group.name };
  });
  return {
    files: ['test.conf'],
    globalDefs: { ...defaultGlobalDefs(), ...parts.globalDefs },
    scripts: parts.scripts ?? [],
    trackFiles: parts.trackFiles ?? [],
    instances,
    syncGroups,
    ignored: [],
  };
}
