/** How often the parent process is checked. */
const CHECK_EVERY_MS = 250;

/**
 * Call `onExit` once the process that started this one is gone, when that process is npm (an npm script or `npm
 * exec`, which set `npm_lifecycle_event`). npm passes SIGINT and SIGTERM on to its script's shell only, and the
 * shell does not pass them on: `kill -TERM <npm pid>` would leave `cfiq local` running with its ports held. A
 * process started otherwise (`cfiq local &` from a shell that then exits) is left alone.
 *
 * @returns a function that stops watching
 */
export function watchParent(env: Readonly<Record<string, string | undefined>>, onExit: () => void): () => void {
  if (!env.npm_lifecycle_event) return () => undefined;
  const parent = process.ppid;
  if (parent <= 1) return () => undefined;
  const timer = setInterval(() => {
    // process.ppid is read again each time: it becomes the init process (or a subreaper) once the parent is gone.
    if (process.ppid !== parent) {
      clearInterval(timer);
      onExit();
    }
  }, CHECK_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
