import { describe, expect, it } from 'vitest';
import { configLines, globalDefsLines } from '../../src/cli/commands/run.js';
import { parseConfigText } from '../../src/config/load.js';

const TEXT = `global_defs {
  router_id lab1
  bogus_global 1   # a comment with a } brace
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  bogus_keyword 3
  virtual_ipaddress {
    172.16.25.100
  }
}
`;

describe('where a config problem is logged, as keepalived 2.2.7 logs it', () => {
  it('finds the lines of a global_defs block and no others', () => {
    expect([...globalDefsLines('k.conf', () => TEXT)]).toEqual([1, 2, 3, 4]);
    expect([...globalDefsLines('k.conf', () => 'vrrp_instance VI_1 {\n}\n')]).toEqual([]);
  });

  it('gives global_defs problems to the parent (no file) and the child, the rest to the child, and unlocated checks last', () => {
    const diagnostics = [
      ...parseConfigText(TEXT, 'k.conf').diagnostics.filter((d) => d.message.startsWith('Unknown keyword')),
      { severity: 'error' as const, message: 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.' },
    ];
    const read = configLines(diagnostics, '/nonexistent/k.conf');
    // The file cannot be read here: nothing is taken for global_defs.
    expect(read.parent).toEqual([]);
    const lines = configLinesFor(diagnostics);
    expect(lines.parent).toEqual(["(Line 3) Unknown keyword 'bogus_global'"]);
    expect(lines.global).toEqual(["(k.conf: Line 3) Unknown keyword 'bogus_global'"]);
    expect(lines.parse).toEqual(["(k.conf: Line 8) Unknown keyword 'bogus_keyword'"]);
    expect(lines.complete).toEqual(['SECURITY VIOLATION - scripts are being executed but script_security not enabled.']);
  });
});

/** configLines over TEXT as the file k.conf. */
function configLinesFor(diagnostics: Parameters<typeof configLines>[0]): ReturnType<typeof configLines> {
  return configLines(diagnostics, 'k.conf', () => TEXT);
}
