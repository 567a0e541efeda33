/**
 * Teardown that runs whether a benchmark finishes, fails or is interrupted: registered actions run
 * once, newest first, on `runCleanup()` and on SIGINT/SIGTERM (then the process exits 130/143).
 */
type Action = () => Promise<void>;

const actions: Action[] = [];
let running: Promise<void> | undefined;

/** Registers `action` (e.g. stop a cluster, remove its directory). */
export function onCleanup(action: Action): void {
  actions.push(action);
}

/** Runs every registered action once (errors are reported, not thrown). */
export function runCleanup(): Promise<void> {
  running ??= (async () => {
    while (actions.length > 0) {
      const action = actions.pop() as Action;
      try {
        await action();
      } catch (err) {
        console.error(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  })();
  return running;
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping clusters and removing temp dirs…`);
    void runCleanup().finally(() => process.exit(code));
  });
}
