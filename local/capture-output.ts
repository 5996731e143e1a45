/**
 * Captures what is written to stdout and stderr (where Powertools' logger and `console` write), for the fault matrix,
 * which keeps the functions' log lines out of its table and scans them for leaks, and for the tests.
 */

export interface CaptureOptions {
  /** Which streams to capture: both unless told. */
  readonly streams?: ReadonlyArray<'stdout' | 'stderr'>;
  /** Where to put the chunks written; a new array unless given. */
  readonly into?: string[];
}

export interface OutputCapture {
  /** The chunks written since the capture started, as text, in order. */
  readonly chunks: readonly string[];
  /** Everything written since the capture started. */
  text(): string;
  /** Puts the streams' own `write` back. Captures nest: restore the inner one first. */
  restore(): void;
}

/** Captures everything written to the streams (both by default) until `restore()`; nothing reaches the terminal. */
export function captureOutput(options: CaptureOptions = {}): OutputCapture {
  const chunks = options.into ?? [];
  const streams = (options.streams ?? ['stdout', 'stderr']).map((name) => process[name]);
  const originals = streams.map((stream) => stream.write);
  const capture = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    // `write(chunk, callback)` and `write(chunk, encoding, callback)`: the callback says the chunk was handled.
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') (done as () => void)();
    return true;
  }) as typeof process.stdout.write;
  for (const stream of streams) stream.write = capture;
  let restored = false;
  return {
    chunks,
    text: () => chunks.join(''),
    restore: () => {
      if (restored) return;
      restored = true;
      streams.forEach((stream, index) => {
        stream.write = originals[index];
      });
    },
  };
}

/** Runs `run` with stdout and stderr captured; its result or error, and what it wrote. */
export async function captureOutputOf<T>(run: () => Promise<T>): Promise<{ result: T | undefined; error: unknown; output: string }> {
  const capture = captureOutput();
  try {
    return { result: await run(), error: undefined, output: capture.text() };
  } catch (error) {
    return { result: undefined, error, output: capture.text() };
  } finally {
    capture.restore();
  }
}
