/**
 * use_vmac across hosts: an instance with vmac_xmit_base reads its adverts on the base interface,
 * but the kernel hands a multicast frame whose source MAC is one of the host's own private
 * macvlans to that macvlan only (Linux macvlan_handle_frame). A peer that advertises from the
 * same VMAC (use_vmac without vmac_xmit_base) is then never heard: both become MASTER.
 * keepalived 2.2.7, netns lab (test/fixtures/vmac/xmit-base-one-side): A with vmac_xmit_base
 * (priority 100), B without (150): both MASTER, the VIP on both hosts' vrrp.51.
 */
import type { VrrpInstance } from '../config/model.js';
import { at, type Finding, type HostConfig } from './findings.js';

export function vmacFindings(hosts: HostConfig[]): Finding[] {
  const findings: Finding[] = [];
  const members = new Map<string, { host: string; v: VrrpInstance }[]>();
  for (const h of hosts) {
    for (const v of h.config.instances) {
      if (v.vrid === 0 || v.unicastPeers.length > 0) continue;
      const key = `${v.family}/${v.vrid}`;
      members.set(key, [...(members.get(key) ?? []), { host: h.name, v }]);
    }
  }
  for (const list of members.values()) {
    for (const deaf of list) {
      if (!deaf.v.useVmac || deaf.v.vmacXmitBase !== true || deaf.v.vmacMac === undefined) continue;
      for (const sender of list) {
        if (sender.host === deaf.host || !sender.v.useVmac || sender.v.vmacXmitBase === true || sender.v.vmacMac !== deaf.v.vmacMac) continue;
        findings.push({
          kind: 'vmac-unheard', severity: 'error', vrid: deaf.v.vrid, hosts: [deaf.host, sender.host], instances: [at(deaf.host, deaf.v.name), at(sender.host, sender.v.name)],
          message: `VRID ${deaf.v.vrid}: ${at(sender.host, sender.v.name)} advertises from its VMAC ${sender.v.vmacMac} (use_vmac without vmac_xmit_base), ` +
            `an address ${deaf.host} has on its own VMAC ${deaf.v.vmacName}; ${at(deaf.host, deaf.v.name)} reads on ${deaf.v.interface} (vmac_xmit_base), ` +
            `where the kernel never hands such frames: it never hears ${sender.host} and becomes MASTER too (split brain with no fault; keepalived 2.2.7 in the lab). ` +
            `Set vmac_xmit_base on both hosts or on neither`,
        });
      }
    }
  }
  return findings;
}
