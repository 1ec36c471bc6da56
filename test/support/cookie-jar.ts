import type request from 'supertest';

/** A browser's cookies for one site, kept from Set-Cookie as a browser keeps them (newest value wins, Max-Age=0 deletes). */
export class Jar {
  readonly cookies = new Map<string, string>();

  keep(res: request.Response): this {
    for (const line of (res.headers['set-cookie'] as unknown as string[] | undefined) ?? []) {
      const pair = line.split(';')[0]!;
      const at = pair.indexOf('=');
      if (/;\s*max-age=0(;|$)/i.test(line)) this.cookies.delete(pair.slice(0, at));
      else this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return this;
  }

  get(name: string): string {
    const value = this.cookies.get(name);
    if (value === undefined) throw new Error(`no ${name} cookie`);
    return value;
  }

  /** The Cookie header the browser sends: every cookie, or only those named. */
  header(...names: string[]): string {
    return [...this.cookies]
      .filter(([name]) => names.length === 0 || names.includes(name))
      .map(([name, value]) => `${name}=${value}`)
      .join('; ');
  }
}
