import { describe, expect, it } from 'vitest';
import { readmeRecipes, testRegions } from './support/recipes.js';

describe('README recipes', () => {
  const recipes = readmeRecipes();
  const regions = testRegions();

  it('each recipe name is used once in the README and once in the tests', () => {
    const names = recipes.map((recipe) => recipe.name);
    expect(new Set(names).size).toBe(names.length);
    const regionNames = regions.map((region) => region.name);
    expect(new Set(regionNames).size).toBe(regionNames.length);
    expect([...regionNames].sort()).toEqual([...names].sort());
  });

  for (const recipe of recipes) {
    it(`"${recipe.name}" (${recipe.where}) is run by a test exactly as written`, () => {
      const region = regions.find((candidate) => candidate.name === recipe.name);
      expect(region, `no test has // #region recipe: ${recipe.name}`).toBeDefined();
      expect(recipe.code).toBe(region?.code);
    });
  }
});
