/** The docs that are tested like code: their `ts` blocks type-check and their recipes are run as written. */
export const DOCS = ['README.md', 'lib/RECIPES.md', 'lib/emulator/README.md', 'example-app/README.md', 'CONTRIBUTING.md'] as const;
