import { request } from 'node:http';

/** One page load as a test sees it. */
export interface Visit {
  url: string;
  status: number;
  /** The redirect target, made absolute. */
  location: string | null;
  text: string;
  headers: Headers;
}

/**
 * A browser reduced to what a login needs: manual redirects, form posts, and cookies kept per
 * host as browsers keep them, whatever the port.
 */
export class HttpBrowser {
  private readonly jars = new Map<string, Map<string, string>>();

  async go(url: string, init: { form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Visit> {
    const jar = this.cookies(url);
    // Cookies the test sets by hand come after the jar's, as a second Cookie header would.
    const cookie = [...[...jar].map(([k, v]) => `${k}=${v}`), init.headers?.cookie].filter(Boolean).join('; ');
    const body = init.form ? new URLSearchParams(init.form).toString() : undefined;
    const headers: Record<string, string> = { ...init.headers };
    if (cookie) headers.cookie = cookie;
    else delete headers.cookie;
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    // node:http rather than fetch: fetch adds `Sec-Fetch-Mode: cors` to every request, which a test
    // of a navigation's Sec-Fetch-* headers must be able to leave out or set.
    const res = await send(url, init.form ? 'POST' : 'GET', headers, body);
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      if (/expires=Thu, 01 Jan 1970|max-age=0(;|$)/i.test(line)) jar.delete(name!);
      else jar.set(name!, value.join('='));
    }
    const location = res.headers.get('location');
    return { url, status: res.status, location: location && new URL(location, url).href, text: res.text, headers: res.headers };
  }

  /** Follows redirects within the origin of `url`; returns the page that answered or leaves it. */
  async follow(url: string, init: { form?: Record<string, string> } = {}): Promise<Visit> {
    const origin = new URL(url).origin;
    let page = await this.go(url, init);
    for (let hops = 0; page.location && new URL(page.location).origin === origin && hops < 10; hops++) {
      page = await this.go(page.location);
    }
    return page;
  }

  cookies(url: string): Map<string, string> {
    const host = new URL(url).hostname;
    const jar = this.jars.get(host) ?? new Map<string, string>();
    this.jars.set(host, jar);
    return jar;
  }
}

function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<{ status: number; headers: Headers; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const list = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) list.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        resolve({ status: res.statusCode ?? 0, headers: list, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
