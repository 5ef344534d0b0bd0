import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inferNotifyEffects, probedService } from '../../src/analysis/notify.js';

const seed = (name: string) => fs.readFileSync(`examples/seed/${name}/A/etc/keepalived/notify.sh`, 'utf8');
const summary = (text: string) => inferNotifyEffects(text).map((e) => `${e.state} ${e.action} ${e.service}`);

describe('reading notify scripts', () => {
  it('finds that the buggy seed script stops haproxy on backup and fault and starts it on master', () => {
    expect(summary(seed('buggy'))).toEqual(['master start haproxy', 'backup stop haproxy', 'fault stop haproxy']);
  });

  it('finds that the fixed seed script only starts haproxy on master (commented lines do nothing)', () => {
    expect(summary(seed('fixed'))).toEqual(['master start haproxy']);
  });

  it('recognises the usual ways of stopping a service', () => {
    const lines = [
      'systemctl stop nginx.service', 'service nginx stop', '/etc/init.d/nginx stop', '/etc/rc.d/init.d/nginx stop',
      'killall nginx', 'killall -9 nginx', 'pkill -f nginx', 'kill $(pidof nginx)', 'kill -9 `pgrep nginx`', 'kill $(cat /run/nginx.pid)',
    ];
    for (const line of lines) expect(summary(`case "$1" in\n  backup)\n    ${line}\n    ;;\nesac\n`), line).toEqual(['backup stop nginx']);
  });

  it('applies commands outside any case arm to every state', () => {
    expect(summary('#!/bin/sh\nsystemctl restart haproxy\n')).toEqual(['master start haproxy', 'backup start haproxy', 'fault start haproxy', 'stop start haproxy']);
  });

  it('reads one-line case arms and labels with alternatives', () => {
    expect(summary('case $1 in\n"BACKUP"|backup) service squid stop ;;\nMASTER) service squid start ;;\n*) exit 1 ;;\nesac\n')).toEqual([
      'backup stop squid', 'master start squid',
    ]);
  });

  it('never throws on arbitrary text', () => {
    expect(() => inferNotifyEffects('case ( ) ;; esac )) (( $( `')).not.toThrow();
  });
});

describe('reading track scripts', () => {
  it('names the service a liveness probe checks', () => {
    const probes: [string, string | undefined][] = [
      ['killall -0 haproxy', 'haproxy'], ['pidof nginx', 'nginx'], ['/usr/bin/pgrep -x squid', 'squid'],
      ['systemctl is-active --quiet haproxy.service', 'haproxy'], ['/etc/init.d/named status', 'named'],
      ['service postfix status', 'postfix'], ['[[ -f /etc/keepalived/down ]] && exit 1 || exit 0', undefined],
      ['killall haproxy', undefined],
    ];
    for (const [cmd, service] of probes) expect(probedService(cmd), cmd).toBe(service);
  });
});
