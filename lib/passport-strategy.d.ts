// passport-strategy ships no types; the strategy gives its base class a precise type itself,
// so the published declarations do not depend on a @types package.
declare module 'passport-strategy' {
  export const Strategy: new () => object;
}
