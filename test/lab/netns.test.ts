import type { ChildProcess } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { createLab, listNamespaces, requireLab } from './lab.js';

describe('lab test hosts', () => {
  it('two hosts joined by a veth pair ping each other and are gone after destroy', async (ctx) => {
    requireLab(ctx, ['ip', 'ping']);
    const lab = createLab({ hosts: 2 });
    try {
      expect(lab.exec(0, ['ping', '-c', '1', '-W', '2', lab.hosts[1].address])).toContain('1 received');
      expect(lab.exec(1, ['ping', '-c', '1', '-W', '2', lab.hosts[0].address])).toContain('1 received');
      expect(lab.exec(0, ['ip', '-br', 'addr', 'show', 'eth0'])).toContain('172.16.25.1/16');
    } finally {
      await lab.destroy();
    }
    const left = listNamespaces();
    for (const h of lab.hosts) expect(left).not.toContain(h.ns);
  });

  it('three hosts share a bridge in its own namespace, and spawned processes end with destroy', async (ctx) => {
    requireLab(ctx, ['ip', 'ping']);
    const lab = createLab({ hosts: 3 });
    let sleeper: ChildProcess | undefined;
    try {
      expect(lab.exec(0, ['ping', '-c', '1', '-W', '2', lab.hosts[2].address])).toContain('1 received');
      sleeper = lab.spawn(1, ['sleep', '60']);
      await new Promise((r) => setTimeout(r, 100));
      expect(sleeper.exitCode).toBeNull();
    } finally {
      await lab.destroy();
    }
    expect(sleeper?.exitCode !== null || sleeper?.signalCode !== null).toBe(true);
    const left = listNamespaces();
    expect(left.filter((n) => lab.hosts.some((h) => n.startsWith(h.ns.slice(0, -2))))).toEqual([]);
  });
});

describe('requireLab when the lab is unavailable (simulated non-root)', () => {
  const fakeCtx = () => {
    const calls: string[] = [];
    return { calls, ctx: { task: { name: 'a lab test' }, skip: (note?: string): never => { calls.push(note ?? ''); throw new Error('skipped'); } } };
  };

  it('skips with a loud banner by default', () => {
    const uid = vi.spyOn(process, 'getuid').mockReturnValue(1000);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const saved = process.env.VRRPLAB_LAB;
    delete process.env.VRRPLAB_LAB;
    try {
      const { calls, ctx } = fakeCtx();
      expect(() => requireLab(ctx)).toThrow('skipped');
      expect(calls).toEqual(['lab unavailable: not running as root']);
      expect(String(warn.mock.calls[0][0])).toContain('LAB TEST SKIPPED: a lab test');
    } finally {
      uid.mockRestore();
      warn.mockRestore();
      if (saved !== undefined) process.env.VRRPLAB_LAB = saved;
    }
  });

  it('fails instead when VRRPLAB_LAB=required', () => {
    const uid = vi.spyOn(process, 'getuid').mockReturnValue(1000);
    const saved = process.env.VRRPLAB_LAB;
    process.env.VRRPLAB_LAB = 'required';
    try {
      const { calls, ctx } = fakeCtx();
      expect(() => requireLab(ctx)).toThrow(/lab tier required .* not running as root/);
      expect(calls).toEqual([]);
    } finally {
      uid.mockRestore();
      if (saved === undefined) delete process.env.VRRPLAB_LAB; else process.env.VRRPLAB_LAB = saved;
    }
  });
});
