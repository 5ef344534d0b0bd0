/** Cleanup shared by the lab test files (not by bench/, which runs outside vitest). */
import { afterEach } from 'vitest';
import { createLab, type Lab } from './lab.js';
import { scratchDir } from '../runtime/lab-helpers.js';

/**
 * Labs and scratch directories that a test file's tests create, removed after each test, also when
 * it fails. Call once at the top level of the file; `onRemove` runs after the labs are destroyed.
 */
export function removedAfterEach(onRemove?: () => void): { lab(options?: { hosts?: number }): Lab; scratch(prefix: string): string } {
  const labs: Lab[] = [];
  const dirs: { remove(): void }[] = [];
  afterEach(async () => {
    for (const lab of labs.splice(0)) await lab.destroy();
    onRemove?.();
    for (const dir of dirs.splice(0)) dir.remove();
  });
  return {
    lab(options) {
      const lab = createLab(options);
      labs.push(lab);
      return lab;
    },
    scratch(prefix) {
      const made = scratchDir(prefix);
      dirs.push(made);
      return made.dir;
    },
  };
}
