/**
 * A pitfall of vrrp_track_process that neither keepalived -t nor a running keepalived names:
 * keepalived follows processes through the kernel's process events (the netlink proc connector),
 * which answer only in the first network namespace. Lab, 2.2.7: started inside another one, it
 * logs "Failed to set/clear process event listen - errno 111 - Connection refused" and counts
 * every tracked process absent, running or not; started outside with `net_namespace NAME`, it
 * opens the connector first and follows them.
 */
import type { KeepalivedConfig } from '../config/model.js';

/** The note `check` prints for a config that tracks a process (undefined otherwise, or with net_namespace). */
export function processEventsNote(config: KeepalivedConfig): string | undefined {
  const tracked = [...config.instances, ...config.syncGroups].some((o) => (o.trackProcesses?.length ?? 0) > 0);
  if (!tracked || config.ignored.some((block) => block.keyword === 'net_namespace')) return undefined;
  return 'track_process needs the kernel\'s process events, which only the first network namespace has: keepalived started inside a network namespace (a container) ' +
    'logs "Failed to set/clear process event listen - errno 111" and counts every tracked process absent; start it outside with net_namespace NAME instead';
}
