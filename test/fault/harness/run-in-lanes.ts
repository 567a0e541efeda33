/**
 * Runs `fn` over `items` with at most `lanes` calls in flight. Each call is told its lane
 * (0 … lanes-1); a lane runs its calls one after another, so a lane can stand for one client
 * process of a history (whose operations must not overlap).
 */
export async function runInLanes<T>(
  items: readonly T[],
  lanes: number,
  fn: (item: T, lane: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (id: number): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item, id);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, items.length)) }, (_, i) => lane(i)));
}
