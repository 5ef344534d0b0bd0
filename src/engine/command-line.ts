/**
 * Split a script or notify command line into arguments the way keepalived does: no shell,
 * whitespace separates words, double or single quotes group words, a backslash escapes the next
 * character. `[[ -f x ]] && exit 1` is therefore *not* shell syntax to keepalived.
 */
export function splitCommandLine(command: string): string[] {
  const args: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let index = 0; index < command.length; index++) {
    const char = command[index] ?? '';
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else current += char;
      continue;
    }
    if (char === '\\' && index + 1 < command.length) {
      current += command[++index] ?? '';
      inWord = true;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === ' ' || char === '\t') {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (inWord) args.push(current);
  return args;
}
