/**
 * Start-up latency, shared by the lab test (test/lab/runtime-reload.test.ts) and bench/runtime.ts:
 * from the moment the daemon is exec'd to its BACKUP notify (a `touch` whose mtime is read), one
 * BACKUP instance, alone on a lab LAN. keepalived and vrrplab are started the same way
 * (`ip netns exec`, keepalived's flags), so the shared overhead cancels in the ratio.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../lab/lab.js';
import { startDaemon, waitFor, type Daemon } from './lab-helpers.js';

export async function startupLatencyMs(lab: Lab, host: number, kind: Daemon, dir: string): Promise<number> {
  const mark = join(dir, `${kind}-${host}-backup.mark`);
  const conf = join(dir, `${kind}-${host}-startup.conf`);
  writeFileSync(conf, `vrrp_instance VI_1 {
 interface eth0
 state BACKUP
 priority 100
 virtual_router_id 9
 advert_int 1
 virtual_ipaddress {
  172.16.25.209/16
 }
 notify_backup "/usr/bin/touch ${mark}"
}
`);
  const before = Date.now();
  const started = startDaemon(lab, host, kind, conf, dir, { detail: false });
  const ok = await waitFor(() => existsSync(mark), 5000);
  const latency = ok < 0 ? NaN : statSync(mark).mtimeMs - before;
  const pid = started.child.pid;
  if (pid !== undefined) {
    const gone = new Promise((done) => started.child.once('exit', done));
    try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
    await Promise.race([gone, new Promise((done) => setTimeout(done, 3000))]);
  }
  return latency;
}
