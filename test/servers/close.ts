/** The close emulator (src/sandbox/close.ts) with its test-only knobs; tests import it from here. */
import { startClose as startEmulator, type CloseOptions, type FakeClose } from '../../src/sandbox/close.js';

export * from '../../src/sandbox/close.js';

export interface TestCloseOptions extends CloseOptions {
  /** this test sends bulk PUTs without an `id__in` on purpose (the fake's own tests) */
  allowBulkPutsWithoutIds?: boolean;
}

/**
 * The Close fake of the tests. A bulk PUT (`PUT /task/`) without a non-empty `id__in` would update every
 * task of the organisation on the real Close: when any was received, the fake's close() throws (tests close
 * their fakes in afterEach), so every test using it proves taskctl sent none, whatever else it asserts.
 */
export async function startClose(options: TestCloseOptions = {}): Promise<FakeClose> {
  const { allowBulkPutsWithoutIds, ...rest } = options;
  const withoutIds: string[] = [];
  const fake = await startEmulator({
    ...rest,
    onBulkPut: (req, q) => {
      rest.onBulkPut?.(req, q);
      const ids = (q.get('id__in') ?? '').split(',').filter((id) => id.trim() !== '');
      if (ids.length === 0) withoutIds.push(`${req.method} ${req.url}`);
    },
  });
  const close = fake.close;
  fake.close = async () => {
    await close();
    if (withoutIds.length > 0 && !allowBulkPutsWithoutIds) {
      throw new Error(`the fake Close received ${withoutIds.length} bulk PUT(s) without a non-empty id__in (each would update every task of the organisation): ${withoutIds.join('; ')}`);
    }
  };
  return fake;
}
