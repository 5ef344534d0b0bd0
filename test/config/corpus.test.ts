import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { corpus, labInterfaces } from './corpus.js';

describe('the config corpus', () => {
  for (const c of corpus()) {
    it(`${c.name} gets keepalived -t's exit status ${c.exitStatus} and its messages`, () => {
      const result = loadConfig(c.file, { interfaces: labInterfaces });
      const printed = result.diagnostics.filter((d) => d.severity !== 'info').map(formatDiagnostic).join('\n');
      expect(result.exitStatus, printed).toBe(c.exitStatus);
      for (const gist of c.expect) expect(printed).toContain(gist);
      if (c.exitStatus === 0) expect(printed).toBe('');
    });
  }
});
