// chai-passport-strategy 3 ships no types: what the harness suite uses of it.
declare module 'chai-passport-strategy' {
  /** The request the harness hands to the strategy: a plain object the test fills in. */
  interface HarnessRequest {
    method: string;
    url: string;
    headers: Record<string, string | string[] | undefined>;
    [property: string]: unknown;
  }

  interface HarnessTest {
    request(prepare: (req: HarnessRequest) => void): HarnessTest;
    success(callback: (user: unknown, info?: unknown) => void): HarnessTest;
    fail(callback: (challenge?: unknown, status?: number) => void): HarnessTest;
    redirect(callback: (url: string, status?: number) => void): HarnessTest;
    pass(callback: () => void): HarnessTest;
    error(callback: (err: Error) => void): HarnessTest;
    authenticate(options?: object): void;
  }

  interface ChaiWithPassport {
    passport: { use(strategy: object): HarnessTest };
  }

  const plugin: (chai: object, utils: object) => void;
  export default plugin;
  export type { ChaiWithPassport, HarnessRequest, HarnessTest };
}
