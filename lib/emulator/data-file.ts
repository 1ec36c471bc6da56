import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, lstatSync, openSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

// The `--data` file on disk: where it really is, its lock, and whole-file writes that keep its mode.

/** How long a change waits for another emulator's lock before it fails. */
export const lockWaitMs = 10_000;
/** A lock older than this was left by a holder that crashed: saves take milliseconds. */
const staleLockMs = 5_000;

/**
 * Thrown by an in-process change (`addUser()`, `reset()`, …) while another emulator is writing the
 * shared data file, before anything changed: the call can simply be made again.
 *
 * @example
 * ```ts
 * import { DataFileBusy } from 'passport-kvixi/emulator';
 *
 * for (;;) {
 *   try {
 *     emu.addUser({ username: 'omar' });
 *     break;
 *   } catch (error) {
 *     if (!(error instanceof DataFileBusy)) throw error;
 *     await new Promise((resolve) => setTimeout(resolve, 5));
 *   }
 * }
 * ```
 */
export class DataFileBusy extends Error {
  override readonly name = 'DataFileBusy';
  constructor(readonly file: string) {
    super(`the emulator data file ${file} is being written by another emulator; try again (the pages and the HTTP control API wait for it)`);
  }
}

/** The file a path names, through any symbolic links, so a save updates the link's target. */
export function realFile(file: string): string {
  let path = resolve(file);
  for (let hops = 0; hops < 40; hops++) {
    let isLink: boolean;
    try {
      isLink = lstatSync(path).isSymbolicLink();
    } catch {
      return path;
    }
    if (!isLink) return path;
    path = resolve(dirname(path), readlinkSync(path));
  }
  throw new Error(`the emulator data file ${file} is a loop of symbolic links`);
}

/** Takes `{file}.lock` if no one holds it, returning its release; undefined when another holder has it. */
export function tryLock(file: string): (() => void) | undefined {
  const lock = `${file}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      return () => rmSync(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    try {
      if (Date.now() - statSync(lock).mtimeMs <= staleLockMs) return undefined;
      rmSync(lock, { force: true });
    } catch {
      // Released meanwhile: try once more.
    }
  }
  return undefined;
}

/**
 * Runs `attempt`, and while it throws DataFileBusy runs it again a few milliseconds later, never
 * blocking the event loop; after `lockWaitMs` it fails with a message that says what to do.
 */
export function retryWhileBusy<T>(attempt: () => T): Promise<T> {
  const deadline = Date.now() + lockWaitMs;
  return new Promise<T>((done, fail) => {
    const run = (): void => {
      try {
        done(attempt());
      } catch (error) {
        if (!(error instanceof DataFileBusy)) return fail(error);
        if (Date.now() >= deadline) {
          return fail(new Error(`the emulator data file ${error.file} stayed locked for ${lockWaitMs / 1000} s; remove ${error.file}.lock if no emulator uses it`));
        }
        setTimeout(run, 5);
      }
    };
    run();
  });
}

/**
 * Replaces the file whole: written beside it, then renamed over it, so a crash never leaves half a
 * file. A new file is 0600 (it holds app secrets and passwords); an existing one keeps its mode.
 */
export function writeWhole(file: string, text: string): void {
  let mode = 0o600;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    // Not there yet.
  }
  // The temporary name is this save's own: emulators in one process (worker threads) share a pid.
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, text, { mode: 0o600 });
    if (mode !== 0o600) chmodSync(temporary, mode);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
