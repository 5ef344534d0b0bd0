/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for the tests: it throws on
 * anything the format does not allow (a bad name, an unknown escape, a value that is no float, a
 * sample before its family's TYPE, a family split in two, a series twice). The lab tier checks the
 * same output with promtool, which nobody here wrote (test/lab/metrics.test.ts).
 */
export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  type?: string;
  help?: string;
  samples: ParsedSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value '${text}'`);
  return Number(text);
}

/** The label set of a sample, from after '{': returns the labels and where the '}' ended. */
function parseLabels(line: string, at: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  for (;;) {
    if (line[at] === '}') return [labels, at + 1];
    const eq = line.indexOf('=', at);
    if (eq < 0) throw new Error(`no '=' in labels: ${line}`);
    const name = line.slice(at, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`bad label name '${name}'`);
    if (name in labels) throw new Error(`label ${name} twice`);
    if (line[eq + 1] !== '"') throw new Error(`label value not quoted: ${line}`);
    let value = '';
    let i = eq + 2;
    for (;; i++) {
      const c = line[i];
      if (c === undefined) throw new Error(`unterminated label value: ${line}`);
      if (c === '"') break;
      if (c === '\\') {
        const next = line[++i];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw new Error(`bad escape '\\${next}' in ${line}`);
      } else value += c;
    }
    labels[name] = value;
    at = i + 1;
    if (line[at] === ',') at++;
    else if (line[at] !== '}') throw new Error(`expected ',' or '}' at ${at}: ${line}`);
  }
}

export function parseExposition(text: string): ParsedFamily[] {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the last line has no line feed');
  const families = new Map<string, ParsedFamily>();
  const closed = new Set<string>();
  const series = new Set<string>();
  let current: ParsedFamily | undefined;
  const family = (name: string): ParsedFamily => {
    if (current?.name === name) return current;
    if (closed.has(name) || families.has(name)) throw new Error(`family ${name} is split`);
    if (current !== undefined) closed.add(current.name);
    current = { name, samples: [] };
    families.set(name, current);
    return current;
  };
  for (const line of text.split('\n').slice(0, -1)) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (m === null) continue; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`bad metric name '${name}'`);
      const f = family(name);
      if (kind === 'TYPE') {
        if (f.type !== undefined) throw new Error(`two TYPE lines for ${name}`);
        if (f.samples.length > 0) throw new Error(`TYPE after samples for ${name}`);
        if (!TYPES.has(rest)) throw new Error(`bad type '${rest}'`);
        f.type = rest;
      } else {
        if (f.help !== undefined) throw new Error(`two HELP lines for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`bad escape in HELP: ${line}`);
        f.help = rest.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
      }
      continue;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`no sample: ${line}`);
    const name = line.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new Error(`bad metric name '${name}'`);
    let labels: Record<string, string> = {};
    let at = nameEnd;
    if (line[at] === '{') [labels, at] = parseLabels(line, at + 1);
    if (line[at] !== ' ') throw new Error(`no space before the value: ${line}`);
    const parts = line.slice(at + 1).split(' ');
    if (parts.length > 2) throw new Error(`trailing text: ${line}`);
    const value = parseValue(parts[0] ?? '');
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`bad timestamp: ${line}`);
    const f = family(name);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) throw new Error(`series twice: ${line}`);
    series.add(key);
    f.samples.push({ name, labels, value });
  }
  return [...families.values()];
}
