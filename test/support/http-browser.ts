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
    const res = await fetch(url, {
      method: init.form ? 'POST' : 'GET',
      redirect: 'manual',
      // Cookies the test sets by hand come after the jar's, as a second Cookie header would.
      headers: {
        ...init.headers,
        cookie: [...[...jar].map(([k, v]) => `${k}=${v}`), init.headers?.cookie].filter(Boolean).join('; '),
      },
      body: init.form ? new URLSearchParams(init.form) : undefined,
    });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, ...value] = pair!.split('=');
      if (/expires=Thu, 01 Jan 1970|max-age=0(;|$)/i.test(cookie)) jar.delete(name!);
      else jar.set(name!, value.join('='));
    }
    const location = res.headers.get('location');
    return { url, status: res.status, location: location && new URL(location, url).href, text: await res.text(), headers: res.headers };
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
