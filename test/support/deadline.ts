import { SpawnSyncOptionsWithStringEncoding, SpawnSyncReturns, spawnSync } from 'child_process';

/*
 * Deadlines for whatever a test waits on (a child process, a server's start). They are generous and scale with
 * QUALYS_TEST_TIME_SCALE (a factor, 1 when unset) for slow or loaded machines; when one passes, the error says how
 * long it waited and for what, never a bare exit code.
 */

/** Seconds of a deadline of `seconds` on this machine. */
export function scaledSeconds(seconds: number, env: NodeJS.ProcessEnv = process.env): number {
  const factor = Number(env.QUALYS_TEST_TIME_SCALE ?? '1');
  return Number.isFinite(factor) && factor > 0 ? seconds * factor : seconds;
}

/** The message of a passed deadline. */
export function timedOut(seconds: number, waitingFor: string): string {
  return `timed out after ${Math.round(seconds)} s waiting for ${waitingFor} (QUALYS_TEST_TIME_SCALE scales every deadline of the tests)`;
}

/** A promise that rejects when the (scaled) deadline passes; `cancel` stops its timer. */
export function deadline(seconds: number, waitingFor: string): { promise: Promise<never>; cancel: () => void } {
  const limit = scaledSeconds(seconds);
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(timedOut(limit, waitingFor))), limit * 1000);
  });
  promise.catch(() => undefined);
  return { promise, cancel: () => clearTimeout(timer) };
}

/**
 * `spawnSync` with a scaled deadline: when it passes, the child is killed and the error says how long it waited
 * and for what, with the end of what the child printed, instead of a bare `status: null`.
 */
export function spawnSyncWithDeadline(
  command: string,
  args: readonly string[],
  options: SpawnSyncOptionsWithStringEncoding,
  seconds: number,
  waitingFor: string,
): SpawnSyncReturns<string> {
  const limit = scaledSeconds(seconds);
  const run = spawnSync(command, args, { ...options, timeout: limit * 1000, killSignal: 'SIGKILL' });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') {
    const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.slice(-2000);
    throw new Error(`${timedOut(limit, waitingFor)}; its output so far:\n${output}`);
  }
  return run;
}
