import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/** Runs axe-core on the page as it is now; fails listing every violation, with the nodes it found. */
export async function expectNoAxeViolations(page: Page, label: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  const report = violations
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary?.replace(/\n/g, ' ') ?? ''}`).join('\n')}`)
    .join('\n');
  expect(violations, `axe-core violations on ${label}:\n${report}`).toEqual([]);
}

/** The little of the DOM these checks use (the project type-checks without the DOM library). */
interface Rect {
  right: number;
  height: number;
}
interface DomElement {
  tagName: string;
  className: unknown;
  getBoundingClientRect(): Rect;
}
interface Dom {
  document: { documentElement: { scrollWidth: number; clientWidth: number }; querySelectorAll(selector: string): Iterable<DomElement> };
  getComputedStyle(el: unknown): Record<'lineHeight' | 'fontSize' | 'paddingTop' | 'paddingBottom' | 'borderTopWidth' | 'borderBottomWidth', string>;
}

/** Nothing on the page is wider than the viewport: no sideways scrolling on a phone. */
export async function expectNoHorizontalOverflow(page: Page, label: string): Promise<void> {
  const overflow = await page.evaluate(() => {
    const { document } = globalThis as unknown as Dom;
    const doc = document.documentElement;
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > doc.clientWidth + 0.5)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).replace(/\s+/g, '.')}` : ''}`);
    return { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, wide };
  });
  expect(overflow.wide, `elements wider than the viewport on ${label}`).toEqual([]);
  expect(overflow.scrollWidth, `horizontal overflow on ${label}`).toBeLessThanOrEqual(overflow.clientWidth);
}

/** How many text lines an element takes: its height over its line height. */
export async function linesOf(page: Page, selector: string): Promise<number> {
  return page.locator(selector).first().evaluate((el) => {
    const style = (globalThis as unknown as Dom).getComputedStyle(el);
    const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
    const box = (el as unknown as DomElement).getBoundingClientRect();
    const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom) + parseFloat(style.borderTopWidth) + parseFloat(style.borderBottomWidth);
    return Math.round((box.height - padding) / line);
  });
}

/** The combinations every page is checked in. */
export const viewports = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
  { name: 'narrow phone', width: 320, height: 640 },
] as const;
export const colorSchemes = ['light', 'dark'] as const;
