// Page layout and escaping. Every value interpolated into `html` is escaped unless it is
// itself `html`, so a user-supplied string can never become markup.

/** A fragment of markup that is already safe to emit. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = SafeHtml | string | number | null | undefined | readonly Interpolation[];

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function render(value: Interpolation): string {
  if (value === null || value === undefined) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

// Sngine's default theme, with its primary blue darkened from #5e72e4 (4.2:1 under white text)
// to #4c5fd5 (5.4:1), and a dark scheme for systems that ask for one.
const styles = `
:root{color-scheme:light dark;--page:#f0f2f5;--card:#fff;--ink:#1c1e21;--muted:#5f6368;--line:#e4e6eb;--field:#ccd0d5;--primary:#4c5fd5;--link:#4257cc;--secondary:#e4e6eb;--error:#b00020;--error-bg:#fdecee;--banner:#fff3cd;--banner-ink:#664d03;--banner-line:#ffe69c;--avatar:#ddd;--badge:#e7f0ff;--badge-ink:#1f4fb4}
@media (prefers-color-scheme:dark){:root{--page:#18191a;--card:#242526;--ink:#e4e6eb;--muted:#b0b3b8;--line:#3a3b3c;--field:#5a5c60;--primary:#4c5fd5;--link:#9aa8ff;--secondary:#3a3b3c;--error:#ff8a80;--error-bg:#3b1f1f;--banner:#3d3000;--banner-ink:#ffe69c;--banner-line:#5c4a00;--avatar:#3a3b3c;--badge:#233252;--badge-ink:#b9ccff}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;background:var(--page);color:var(--ink)}
a{color:var(--link)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.banner{background:var(--banner);color:var(--banner-ink);border-bottom:1px solid var(--banner-line);padding:6px 16px;font-size:13px;text-align:center}
.topbar{background:var(--primary);color:#fff;padding:10px 16px;display:flex;justify-content:space-between;align-items:center;gap:12px;flex-wrap:wrap}
.topbar a,.topbar button.link{color:#fff;text-decoration:none;font-weight:600}
.topbar a:focus-visible,.topbar button:focus-visible{outline-color:#fff}
.topbar nav{display:flex;gap:16px;align-items:center;flex-wrap:wrap}
.topbar form{margin:0;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.account-name{font-weight:600}
main{max-width:720px;margin:24px auto;padding:0 16px}
footer{max-width:720px;margin:0 auto 24px;padding:0 16px;color:var(--muted);font-size:13px;text-align:center}
.card{background:var(--card);border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:20px;margin-bottom:16px}
h1{font-size:22px;margin:0 0 12px;overflow-wrap:anywhere}h2{font-size:17px;margin:0 0 10px}
label{display:block;font-weight:600;margin:10px 0 4px}
input,select,textarea{width:100%;padding:8px 10px;border:1px solid var(--field);border-radius:6px;font:inherit;background:var(--card);color:var(--ink)}
button,.button{display:inline-block;background:var(--primary);color:#fff;border:0;border-radius:6px;padding:8px 16px;font:inherit;font-weight:600;cursor:pointer;text-decoration:none;margin-top:12px}
button.link{background:none;color:var(--link);padding:0;margin:0}
.secondary{background:var(--secondary);color:var(--ink)}
.users{list-style:none;padding:0;margin:0}
.users li{display:flex;align-items:center;gap:12px;padding:8px 0;border-bottom:1px solid var(--line);flex-wrap:wrap}
.users .who{flex:1 1 160px;min-width:0;overflow-wrap:anywhere}
.users form{margin:0 0 0 auto}.users button{margin:0}
.avatar{width:40px;height:40px;border-radius:50%;object-fit:cover;background:var(--avatar);flex:none}
.avatar-lg{width:96px;height:96px}
.app-icon{width:64px;height:64px;border-radius:12px;background:var(--avatar);margin:0 auto;line-height:64px;font-size:28px;font-weight:700;color:var(--link)}
.muted{color:var(--muted);font-size:13px}
.error{color:var(--error);background:var(--error-bg);border-radius:6px;padding:8px 10px;margin:10px 0}
.badge{display:inline-block;background:var(--badge);color:var(--badge-ink);border-radius:999px;padding:1px 8px;font-size:12px;font-weight:600;vertical-align:middle}
.profile{display:flex;gap:16px;align-items:center;flex-wrap:wrap}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:6px;border-bottom:1px solid var(--line);vertical-align:top}
code{font-family:ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
code.url{overflow-wrap:break-word}
.actions{display:flex;gap:12px;align-items:center;flex-wrap:wrap}.actions button{margin:0}
@media (max-width:560px){main{margin-top:16px;padding:0 12px}.card{padding:16px}
.apps thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
.apps tr,.apps td{display:block}.apps td{border:0;padding:4px 0}.apps tr{border-bottom:1px solid var(--line);padding:8px 0}
.users form,.users button{width:100%}}
`;

export interface PageOptions {
  siteName: string;
  title: string;
  body: SafeHtml;
  /** Who is signed in, for the header's name and sign-out button. */
  signedInAs?: string | undefined;
}

export function page({ siteName, title, body, signedInAs }: PageOptions): string {
  const account = signedInAs
    ? html`<form method="post" action="/signout"><span class="account-name">${signedInAs}</span> <button type="submit" class="link">Sign out</button></form>`
    : html``;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} | ${siteName}</title>
<style>${new SafeHtml(styles)}</style>
</head>
<body>
<header>
<div class="banner" role="note">Local emulator — not for production</div>
<div class="topbar"><nav aria-label="${siteName}"><a href="/">${siteName}</a></nav>${account}</div>
</header>
<main>
${body}
</main>
<footer>A local emulator of a Sngine site, from passport-kvixi.</footer>
</body>
</html>
`.value;
}
