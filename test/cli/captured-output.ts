/** In-process command output for tests: what `body` writes to stdout and stderr, in order, and the exit code it set. */
export interface CapturedOutput {
  writes: { stream: 'stdout' | 'stderr'; bytes: Buffer }[];
  exitCode: number;
}

export async function capturedOutput(body: () => Promise<unknown>): Promise<CapturedOutput> {
  const writes: CapturedOutput['writes'] = [];
  const write = process.stdout.write;
  const writeError = process.stderr.write;
  const exitCode = process.exitCode;
  process.exitCode = 0;
  process.stdout.write = ((bytes: Uint8Array | string) => {
    writes.push({ stream: 'stdout', bytes: Buffer.from(bytes) });
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((bytes: Uint8Array | string) => {
    writes.push({ stream: 'stderr', bytes: Buffer.from(bytes) });
    return true;
  }) as typeof process.stderr.write;
  try {
    await body();
    return { writes, exitCode: Number(process.exitCode ?? 0) };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeError;
    process.exitCode = exitCode;
  }
}

/** One stream's writes as text. */
export const streamText = (out: CapturedOutput, stream: 'stdout' | 'stderr'): string =>
  Buffer.concat(out.writes.filter((w) => w.stream === stream).map((w) => w.bytes)).toString('utf8');
