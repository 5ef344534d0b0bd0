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

/** Command lines already split: a config has a handful, and a notify runs one on every state change. */
const wordsByCommand = new Map<string, readonly string[]>();
const MEMO_LIMIT = 1000;

/** `splitCommandLine`, remembered per command line (the words are shared: copy before changing them). */
export function commandWords(command: string): readonly string[] {
  let words = wordsByCommand.get(command);
  if (words === undefined) {
    if (wordsByCommand.size >= MEMO_LIMIT) wordsByCommand.clear();
    words = splitCommandLine(command);
    wordsByCommand.set(command, words);
  }
  return words;
}
