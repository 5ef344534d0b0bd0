/**
 * Configuration diagnostics the way keepalived 2.2.7 grades them for `keepalived -t`.
 *
 * keepalived keeps one "config status" per run: each report raises it to the report's class when
 * the class's number is higher (lib/parser.c). The numbering puts the security error last, so
 * one script-security report decides the exit status even after a fatal error. We mirror that.
 */
import type { Diagnostic, SourceLocation } from './model.js';

/** keepalived's config_err_t classes, in its order. */
export const ErrClass = {
  fileNotFound: 1,
  badInterface: 2,
  fatal: 3,
  multipleFiles: 4,
  unknownKeyword: 5,
  unexpectedBob: 6,
  missingBob: 7,
  unexpectedEob: 8,
  missingEob: 9,
  unmatchedQuote: 10,
  missingParameter: 11,
  invalidNumber: 12,
  general: 13,
  warning: 14,
  deprecated: 15,
  security: 16,
} as const;
export type ErrClass = (typeof ErrClass)[keyof typeof ErrClass];

/** Collects diagnostics and the status keepalived -t would exit with. */
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  private status = 0;
  /** keepalived exits at once (status 2) when a keyword lacks its parameter. */
  missingParameter = false;
  /** keepalived -t dies of a segmentation fault on this config (status 139, as the shell reports it). */
  crashes = false;

  report(cls: ErrClass, message: string, location?: SourceLocation): void {
    // keepalived has exited at the missing parameter: nothing after it is said (lab, 2.4.3: of four
    // lines missing their value in an auth_hmac block only the first is reported).
    if (this.missingParameter || this.crashes) return;
    if (cls > this.status) this.status = cls;
    const severity = cls <= ErrClass.fatal || cls === ErrClass.missingParameter ? 'error' : 'warning';
    this.diagnostics.push(location ? { severity, location, message } : { severity, message });
  }

  /** Something vrrplab wants to say that keepalived would not report (no effect on the status). */
  info(message: string, location?: SourceLocation): void {
    if (this.crashes) return;
    this.diagnostics.push(location ? { severity: 'info', location, message } : { severity: 'info', message });
  }

  /**
   * Something keepalived does that vrrplab does not model (no effect on the status): an info line
   * marked so that simulate shows it in its header too, not only check.
   */
  notModelled(message: string, location?: SourceLocation): void {
    this.diagnostics.push(location ? { severity: 'info', location, message, notModelled: true } : { severity: 'info', message, notModelled: true });
  }

  /**
   * keepalived crashes on what was just reported: vrrplab says so (an error line of its own) and
   * exits as keepalived -t does, 128 + SIGSEGV.
   */
  crash(message: string, location?: SourceLocation): void {
    this.crashes = true;
    this.diagnostics.push(location ? { severity: 'error', location, message } : { severity: 'error', message });
  }

  exitStatus(): number {
    if (this.crashes) return 139;
    if (this.missingParameter) return 2; // KEEPALIVED_EXIT_CONFIG
    if (this.status === 0) return 0;
    if (this.status <= ErrClass.fatal) return 4; // KEEPALIVED_CHK_EXIT_CONFIG
    if (this.status === ErrClass.security) return 6; // ..._CONFIG_TEST_SECURITY
    return 5; // ..._CONFIG_TEST
  }
}

/** keepalived's prefix: "(FILE: Line N) message". */
export function formatDiagnostic(d: Diagnostic): string {
  return d.location ? `(${d.location.file}: Line ${d.location.line}) ${d.message}` : d.message;
}
