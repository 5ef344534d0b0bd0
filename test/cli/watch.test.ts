/** `vrrplab watch` on the command line: capture files, a pcap stream on stdin, its options. */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/cli/commands/watch.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function vrrplab(args: string[], input?: Buffer): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8', input });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const CAPTURE = 'captures/conflict-vrid52-kill/capture.pcap';

describe('vrrplab watch', () => {
  it('-r FILE --json writes a line per master change and alert, then a summary with the snapshot', () => {
    const run = vrrplab(['watch', '-r', CAPTURE, '--json']);
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; kind?: string; action?: string; to?: string });
    expect(lines.filter((l) => l.type === 'master').map((l) => l.to)).toEqual(['172.16.25.1', '172.16.25.3', '172.16.25.2']);
    expect(lines.filter((l) => l.type === 'alert' && l.action === 'raised').map((l) => l.kind)).toEqual(['vrid-conflict', 'two-masters']);
    const last = lines[lines.length - 1] as unknown as { type: string; source: string; vrids: Array<{ vrid: number; master: string }> };
    expect(last.type).toBe('summary');
    expect(last.source).toBe('watch');
    expect(last.vrids.map((v) => [v.vrid, v.master])).toEqual([[52, '172.16.25.2']]);
  });

  it('-r - reads a pcap stream on stdin and reports the same master changes and alerts as the file', () => {
    const pick = (out: string): string[] =>
      out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.type !== 'summary').map((l) => `${String(l.type)} ${String(l.kind ?? l.to)} ${String(l.action ?? '')} ${Number(l.since).toFixed(6)}`);
    const file = vrrplab(['watch', '-r', CAPTURE, '--json']);
    const piped = vrrplab(['watch', '-r', '-', '--json'], readFileSync(path.join(ROOT, CAPTURE)));
    expect(piped.status).toBe(0);
    // The stream's tail is judged at the end of stdin: the file's events, plus at most the clearing of what the file left active.
    const fromFile = pick(file.stdout);
    expect(pick(piped.stdout).slice(0, fromFile.length)).toEqual(fromFile);
  });

  it('plain lines name the master changes and the alerts with their evidence', () => {
    const run = vrrplab(['watch', '-r', CAPTURE]);
    expect(run.stdout).toContain('VRID 52  172.16.25.1 is master (priority 150)');
    expect(run.stdout).toContain('ALERT vrid-conflict raised: 172.16.25.3 and 172.16.25.1 share VRID 52');
    expect(run.stdout).toContain('alerts raised: vrid-conflict x1, two-masters x1');
  });

  it('the summary says what was not judged: no-garp on a capture that shows no ARP at all', () => {
    const run = vrrplab(['watch', '-r', 'captures/frr/v3-ipv4-frr-master.pcap']);
    expect(run.stdout).toContain('note: no-garp not judged: no ARP or neighbour advertisement was seen at all');
    const withArp = vrrplab(['watch', '-r', CAPTURE]);
    expect(withArp.stdout).not.toContain('note:');
  });

  it('refuses to run without exactly one of -i and -r, and a bad --key, with exit 2', () => {
    const none = vrrplab(['watch']);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('give -i IFACE (live) or -r FILE|- (a capture)');
    const key = vrrplab(['watch', '-r', CAPTURE, '--key', '0=abc']);
    expect(key.status).toBe(2);
    expect(key.stderr).toContain('key id');
  });

  it('says a stdin stream that is not pcap is not read, with exit 1', () => {
    const run = vrrplab(['watch', '-r', '-'], Buffer.from('not a capture at all, no'));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('not a pcap stream');
  });

  it("--host: the seed's lost VRID is a host-silent alert and its collective drift a config alert; the fixed pair's configs raise no config alert", () => {
    const alerts = (out: string): string[] =>
      out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; action?: string; kind?: string; vrid?: number; evidence?: string }).filter((l) => l.type === 'alert' && l.action === 'raised').map((l) => `${l.kind} ${l.vrid}`);
    const buggy = vrrplab(['watch', '-r', 'captures/reference/seed-buggy-f1/capture.pcap', '--json', '--host', '172.16.25.1=examples/seed/buggy/A', '--host', '172.16.25.2=examples/seed/buggy/B']);
    expect(buggy.status).toBe(0);
    expect(alerts(buggy.stdout)).toEqual(['config 0', 'host-silent 125']);
    expect(buggy.stdout).toContain('collective-drift');
    const fixed = vrrplab(['watch', '-r', 'captures/reference/seed-fixed-f1/capture.pcap', '--json', '--host', '172.16.25.1=examples/seed/fixed/A', '--host', '172.16.25.2=examples/seed/fixed/B']);
    expect(alerts(fixed.stdout).filter((a) => !a.startsWith('host-silent') && !a.startsWith('flapping'))).toEqual([]);
    // The fixed pair hands VRID 125 back and forth in this capture (its fault injections): host-silent only while B holds it.
    const bad = vrrplab(['watch', '-r', CAPTURE, '--host', 'A=/nonexistent']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('no such file');
  });

  it('--duration reads 10, 10s, 2m and 500ms', () => {
    expect([parseDuration('10'), parseDuration('10s'), parseDuration('2m'), parseDuration('500ms')]).toEqual([10_000, 10_000, 120_000, 500]);
    expect(() => parseDuration('10x')).toThrow('not a duration');
  });
});

describe('vrrplab watch --listen', () => {
  it('serves the live watch to Prometheus: the master heard on a pcap stream, and the alerts raised, on /metrics while stdin is open', async () => {
    // Loopback only: the metrics server listens on 127.0.0.1, a port picked per run.
    const port = 20000 + (process.pid % 20000);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'watch', '-r', '-', '--json', '--listen', `127.0.0.1:${port}`], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      child.stdin.write(readFileSync(path.join(ROOT, CAPTURE)));
      let text = '';
      for (let i = 0; i < 100 && !/vrrplab_alert\{/.test(text); i++) {
        await new Promise((r) => setTimeout(r, 100));
        text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
      }
      expect(text).toMatch(/^vrrplab_up\{source="watch"\} 1$/m);
      expect(text).toMatch(/^vrrplab_master\{[^}]*vrid="52"[^}]*master="172\.16\.25\.2"[^}]*\} 1$/m);
      expect(text).toMatch(/^vrrplab_alert\{[^}]*kind="vrid-conflict"[^}]*\} [01]$/m);
    } finally {
      child.stdin.end();
      await new Promise((r) => child.once('exit', r));
    }
    expect(child.exitCode).toBe(0);
  }, 30_000);

  it('is refused with a capture file, which is read to its end and leaves nothing to scrape', () => {
    const run = vrrplab(['watch', '-r', CAPTURE, '--listen', '127.0.0.1:9999']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--listen serves a live watch');
  });
});
