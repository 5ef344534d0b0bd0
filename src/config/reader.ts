/**
 * keepalived's configuration language below the keywords (lib/parser.c of 2.2.7): comments,
 * quoting, `include` with globs, `$NAME=value` definitions, `@host` / `@^host` lines, and braces
 * anywhere on a line. The result is a tree of statements; keywords are interpreted elsewhere.
 *
 * Never throws on any input: problems become diagnostics through the Reporter.
 */
import * as path from 'node:path';
import type { SourceLocation } from './model.js';
import { ErrClass, type Reporter } from './diagnostics.js';

export interface Statement {
  words: string[];
  location: SourceLocation;
  /** Present when a `{ ... }` block follows the statement. */
  block?: Statement[];
  /** Where the block's closing `}` is (keepalived reports a block's end-of-block checks there). */
  end?: SourceLocation;
  /** The line had an unmatched quote: its value is dropped (already reported). This is the line, as keepalived quotes it. */
  broken?: string;
}

export interface ReaderIo {
  /** Text of a file by the name keepalived would open, or undefined when it cannot be read. */
  readFile(name: string): string | undefined;
  /** Names matching a glob pattern (already resolved to the host's view), sorted. */
  glob(pattern: string): string[];
}

export interface ReaderOptions {
  /** keepalived's config_id (`-i`), else the host name: selects `@NAME` lines. */
  configId?: string;
}

interface Item {
  words: string[];
  location: SourceLocation;
  broken?: string;
}

const MAX_INCLUDE_DEPTH = 32;

// Made once: a regular expression literal is a new object each time it is evaluated, and these
// are evaluated for every line a reload reads (issue 22: a reload's garbage is its memory).
const CR_AT_END = /\r+$/;
const DEFINITION = /^\$([A-Za-z_][A-Za-z0-9_]*)[ \t]*=(.*)$/;
const INCLUDE = /^include[ \t]+(.*)$/;
const BLANKS_AT_START = /^[ \t]+/;
const BLANKS_AT_END = /[ \t]+$/;

/** Reads a whole configuration, includes and all, into a statement tree. */
export function readConfig(
  mainFile: string,
  text: string,
  io: ReaderIo,
  reporter: Reporter,
  options: ReaderOptions = {},
): { statements: Statement[]; files: string[] } {
  const lexer = new Lexer(io, reporter, options);
  lexer.readFile(mainFile, text, 0);
  return { statements: buildTree(lexer.items, reporter), files: lexer.files };
}

class Lexer {
  readonly items: Item[] = [];
  readonly files: string[] = [];
  private readonly defs = new Map<string, string>();

  constructor(
    private readonly io: ReaderIo,
    private readonly reporter: Reporter,
    private readonly options: ReaderOptions,
  ) {}

  readFile(file: string, text: string, depth: number): void {
    this.files.push(file);
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const location = { file, line: i + 1 };
      let line = decomment(lines[i].replace(CR_AT_END, ''), location, this.reporter);
      for (let round = 0; line !== '' && round < 8; round++) {
        line = this.conditional(line);
        if (line === '' || this.definition(line)) {
          line = '';
          break;
        }
        if (!line.includes('$') || this.defs.size === 0) break;
        const replaced = this.substitute(line);
        if (replaced === line) break;
        line = decomment(replaced, location, this.reporter);
      }
      if (line === '') continue;
      if (this.include(line, file, location, depth)) continue;
      for (const segment of splitBraces(line)) {
        const words = splitWords(segment, line, location, this.reporter);
        if (words.length > 0) this.items.push(words.unmatchedQuote ? { words, location, broken: line } : { words, location });
      }
    }
  }

  /** `@id rest` keeps rest only on host id; `@^id rest` only elsewhere. */
  private conditional(line: string): string {
    if (!line.startsWith('@')) return line;
    const reverse = line[1] === '^';
    const m = /^@\^?(\S*)[ \t]+(.*)$/.exec(line);
    if (!m) return '';
    const matches = this.options.configId !== undefined && m[1] === this.options.configId;
    return matches !== reverse ? m[2] : '';
  }

  /** `$NAME=value` defines a parameter (the whole line). */
  private definition(line: string): boolean {
    const m = DEFINITION.exec(line);
    if (!m) return false;
    this.defs.set(m[1], m[2].trim());
    return true;
  }

  /** Replaces `$NAME` and `${NAME}` by their definitions; unknown names stay as written. */
  private substitute(line: string): string {
    return line.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced, bare) => {
      const value = this.defs.get((braced ?? bare) as string);
      return value ?? whole;
    });
  }

  private include(line: string, file: string, location: SourceLocation, depth: number): boolean {
    const m = INCLUDE.exec(line);
    if (!m) return false;
    const pattern = m[1].trim().replace(/^"(.*)"$/, '$1');
    if (depth >= MAX_INCLUDE_DEPTH) {
      this.reporter.report(ErrClass.general, `include nesting too deep at '${pattern}'`, location);
      return true;
    }
    // keepalived changes into the including file's directory, so relative names resolve there.
    const resolved = path.isAbsolute(pattern) ? pattern : path.join(path.dirname(file), pattern);
    const names = /[*?[]/.test(pattern) ? this.io.glob(resolved) : [resolved];
    const readable = names.map((name) => ({ name, text: this.io.readFile(name) }));
    const found = readable.filter((r) => r.text !== undefined);
    if (found.length === 0) {
      // keepalived only fails on this with include_check; it still says so.
      this.reporter.info(`No config files matched '${pattern}'.`, location);
    }
    for (const r of found) this.readFile(r.name, r.text as string, depth + 1);
    return true;
  }
}

/**
 * Removes comments (`!` or `#` outside quotes, `\#` / `\!` escape them) and surrounding blanks.
 */
export function decomment(raw: string, location: SourceLocation, reporter: Reporter): string {
  // Copied in slices, not a character at a time: a reload reads every line again, and 255
  // instances' lines built one string per character (~5 MB a reload, issue 22's memory).
  const str = raw.replace(BLANKS_AT_START, '');
  let out = '';
  let from = 0;
  let to = str.length;
  let quote = false;
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c === QUOTE) quote = !quote;
    else if (quote) continue;
    else if (c === BACKSLASH && (str.charCodeAt(i + 1) === HASH || str.charCodeAt(i + 1) === BANG)) {
      // The backslash goes, the escaped character stays.
      out += str.slice(from, i);
      from = ++i;
    } else if (c === BANG || c === HASH) {
      to = i;
      break;
    }
  }
  out += str.slice(from, to);
  if (quote) reporter.report(ErrClass.general, `Unterminated quote '${str}'`, location);
  return out.replace(BLANKS_AT_END, '');
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HASH = 0x23;
const BANG = 0x21;
const OPEN = 0x7b;
const CLOSE = 0x7d;

/** Splits a line at every `{` and `}` outside quotes; each brace becomes its own segment. */
export function splitBraces(line: string): string[] {
  const segments: string[] = [];
  const keep = (s: string) => {
    const t = s.trim();
    if (t !== '') segments.push(t);
  };
  let from = 0;
  let quote = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === QUOTE) quote = !quote;
    else if (!quote && (c === OPEN || c === CLOSE)) {
      keep(line.slice(from, i));
      segments.push(line[i]);
      from = i + 1;
    }
  }
  keep(line.slice(from));
  return segments;
}

// Made once (see CR_AT_END): these are tested at every character of every line (~2 MB a reload
// of 255 instances).
const SPACE = /\s/;
const WORD_END = /[\s"]/;

/** Whitespace-separated words; `"..."` is one word without its quotes. */
export function splitWords(segment: string, line: string, location: SourceLocation, reporter: Reporter): string[] & { unmatchedQuote?: boolean } {
  const words: string[] & { unmatchedQuote?: boolean } = [];
  let i = 0;
  while (i < segment.length) {
    while (i < segment.length && SPACE.test(segment[i])) i++;
    if (i >= segment.length) break;
    if (segment[i] === '"') {
      const end = segment.indexOf('"', i + 1);
      if (end < 0) {
        reporter.report(ErrClass.unmatchedQuote, `Unmatched quote: '${line}'`, location);
        words.unmatchedQuote = true; // keepalived keeps the words before the quote and drops the value
        break;
      }
      words.push(segment.slice(i + 1, end));
      i = end + 1;
    } else {
      let j = i;
      while (j < segment.length && !WORD_END.test(segment[j])) j++;
      words.push(segment.slice(i, j));
      i = j;
    }
  }
  return words;
}

/** Nests the items: a `{` item opens a block for the statement before it. */
function buildTree(items: Item[], reporter: Reporter): Statement[] {
  const root: Statement[] = [];
  const stack: Statement[][] = [root];
  /** The statement owning each open block (parallel to stack; the root has none). */
  const owners: (Statement | undefined)[] = [undefined];
  let last: Statement | undefined;
  for (const item of items) {
    const level = stack[stack.length - 1];
    const word = item.words[0];
    if (word === '{' && item.words.length === 1) {
      if (last && !last.block) {
        last.block = [];
        stack.push(last.block);
        owners.push(last);
      } else {
        reporter.report(ErrClass.unexpectedBob, "Unexpected '{' - ignoring", item.location);
        const orphan: Statement = { words: [], location: item.location, block: [] };
        stack.push(orphan.block as Statement[]);
        owners.push(orphan);
      }
      last = undefined;
    } else if (word === '}' && item.words.length === 1) {
      if (stack.length > 1) {
        stack.pop();
        const owner = owners.pop();
        if (owner !== undefined) owner.end = item.location;
      } else {
        reporter.report(ErrClass.unexpectedEob, "Extra '}' found", item.location);
        reporter.report(ErrClass.unknownKeyword, "Unknown keyword '}'", item.location);
      }
      last = undefined;
    } else {
      last = item.broken !== undefined ? { words: item.words, location: item.location, broken: item.broken } : { words: item.words, location: item.location };
      level.push(last);
    }
  }
  if (stack.length > 1) {
    reporter.report(ErrClass.missingEob, `There are ${stack.length - 1} missing '}'s or extra '{'s`);
  }
  return root;
}
