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
:root{color-scheme:light dark;--page:#f0f2f5;--card:#fff;--ink:#1c1e21;--muted:#5f6368;--line:#e4e6eb;--field:#8a8d91;--primary:#4c5fd5;--link:#4257cc;--secondary:#e4e6eb;--hover:#f2f3f5;--error:#b00020;--error-bg:#fdecee;--banner:#fff3cd;--banner-ink:#664d03;--banner-line:#ffe69c;--avatar:#ddd;--tile:#e4e6eb;--tile-ink:#1c1e21;--badge:#e7f0ff;--badge-ink:#1f4fb4;--code:#f0f2f5}
@media (prefers-color-scheme:dark){:root{--page:#18191a;--card:#242526;--ink:#e4e6eb;--muted:#b0b3b8;--line:#3a3b3c;--field:#8a8d91;--primary:#4c5fd5;--link:#9aa8ff;--secondary:#3a3b3c;--hover:#303133;--error:#ff8a80;--error-bg:#3b1f1f;--banner:#3d3000;--banner-ink:#ffe69c;--banner-line:#5c4a00;--avatar:#3a3b3c;--tile:#3a3b3c;--tile-ink:#e4e6eb;--badge:#233252;--badge-ink:#b9ccff;--code:#18191a}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;background:var(--page);color:var(--ink)}
a{color:var(--link)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible,pre:focus-visible,.error:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.banner{background:var(--banner);color:var(--banner-ink);border-bottom:1px solid var(--banner-line);padding:6px 16px;font-size:13px;text-align:center}
.topbar{background:var(--primary);color:#fff}
.topbar .column{max-width:720px;margin:0 auto;padding:8px 16px;display:flex;justify-content:space-between;align-items:center;gap:8px 12px;flex-wrap:wrap;min-height:52px}
.topbar a{color:#fff;text-decoration:none;font-weight:700}
.topbar a:focus-visible,.topbar button:focus-visible{outline-color:#fff}
.brand{display:inline-flex;align-items:center;gap:8px;font-size:18px;letter-spacing:.2px}
.brand svg{width:28px;height:28px;flex:none}
.account{display:flex;gap:8px;align-items:center;margin:0;min-width:0}
.account .avatar{width:28px;height:28px}
.account-name{font-weight:600;overflow-wrap:anywhere}
.topbar .sign-out{background:transparent;color:#fff;border:1px solid rgba(255,255,255,.85);border-radius:6px;padding:3px 10px;margin:0 0 0 4px;font-size:14px;font-weight:600;white-space:nowrap}
.topbar .sign-out:hover{background:rgba(255,255,255,.16)}
main{max-width:720px;margin:24px auto;padding:0 16px}
footer{max-width:720px;margin:0 auto 24px;padding:0 16px;color:var(--muted);font-size:13px;text-align:center}
.card{background:var(--card);border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:20px;margin-bottom:16px}
.narrow{max-width:480px;margin-left:auto;margin-right:auto}
h1{font-size:22px;margin:0 0 12px;overflow-wrap:anywhere}h2{font-size:17px;margin:0 0 10px;overflow-wrap:anywhere}
label{display:block;font-weight:600;margin:12px 0 4px}
.required{font-weight:400;color:var(--muted)}
.hint{color:var(--muted);font-size:13px;margin:4px 0 0;overflow-wrap:anywhere}
input,select,textarea{width:100%;padding:8px 10px;border:1px solid var(--field);border-radius:6px;font:inherit;background:var(--card);color:var(--ink)}
[aria-invalid="true"]{border:2px solid var(--error)}
button,.button{display:inline-block;background:var(--primary);color:#fff;border:0;border-radius:6px;padding:8px 16px;font:inherit;font-weight:600;cursor:pointer;text-decoration:none;margin-top:14px}
button.link{background:none;color:var(--link);padding:0;margin:0;font-weight:600;text-decoration:underline}
.secondary{background:var(--secondary);color:var(--ink)}
.accounts{list-style:none;padding:0;margin:0;display:grid;gap:8px}
.accounts form{margin:0}
.accounts button{display:flex;align-items:center;gap:12px;width:100%;margin:0;padding:10px 12px;background:var(--card);color:var(--ink);border:1px solid var(--line);border-radius:8px;text-align:left;font-weight:400}
.accounts button:hover{background:var(--hover)}
.accounts .who{flex:1 1 auto;min-width:0;overflow-wrap:anywhere}
.accounts .name{display:block;font-weight:600}
.accounts .chevron{width:20px;height:20px;flex:none;color:var(--muted)}
details.fold{border-top:1px solid var(--line);margin-top:16px;padding-top:4px}
details.fold+details.fold{margin-top:0}
details.fold summary{cursor:pointer;font-weight:600;padding:10px 0;color:var(--link)}
details.fold form{padding-bottom:8px}
.avatar{width:40px;height:40px;border-radius:50%;object-fit:cover;background:var(--avatar);flex:none}
.avatar-lg{width:96px;height:96px}
.app-tile{width:64px;height:64px;border-radius:16px;background:var(--tile);color:var(--tile-ink);margin:0 auto;line-height:64px;font-size:28px;font-weight:600;text-align:center;font-family:Georgia,"Times New Roman",serif}
.consent{text-align:center}
.consent .actions{justify-content:center}
.viewer{display:flex;align-items:center;gap:12px;text-align:left;border:1px solid var(--line);border-radius:8px;padding:10px 12px;margin:16px 0;flex-wrap:wrap}
.viewer .who{flex:1 1 140px;min-width:0;overflow-wrap:anywhere}
.viewer form{margin:0}
.muted{color:var(--muted);font-size:13px}
.error{color:var(--error);background:var(--error-bg);border-radius:6px;padding:8px 10px;margin:10px 0}
.badge{display:inline-block;background:var(--badge);color:var(--badge-ink);border-radius:999px;padding:1px 8px;font-size:12px;font-weight:600;vertical-align:middle}
.profile{display:flex;gap:16px;align-items:center;flex-wrap:wrap}
code,pre{font-family:ui-monospace,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:13px}
code{overflow-wrap:anywhere}
code.url{overflow-wrap:break-word}
.credentials{margin:12px 0 0}
.credentials dt{display:flex;justify-content:space-between;align-items:center;gap:8px;font-weight:600;margin-top:10px}
.credentials dd{margin:4px 0 0}
.value{display:block;background:var(--code);border:1px solid var(--line);border-radius:6px;padding:4px 6px;white-space:nowrap;overflow-x:auto;overflow-wrap:normal}
pre.value{white-space:pre-wrap;margin:0;word-break:keep-all}
button.copy{margin:0;padding:2px 10px;font-size:13px;background:var(--secondary);color:var(--ink)}
.copied{color:var(--muted);font-size:13px;margin:0 0 16px}.copied:empty{margin:0}
.actions{display:flex;gap:12px;align-items:center;flex-wrap:wrap}.actions button{margin:0}
@media (max-width:560px){main{margin-top:16px;padding:0 12px}.card{padding:16px}.topbar .column{padding:8px 12px}}
@media (max-width:480px){.account-name{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}}
@media (max-width:360px){.value{font-size:12px;padding:4px}.accounts button{padding:8px 10px;gap:10px}.accounts .avatar{width:36px;height:36px}.accounts .chevron{display:none}}
`;

/** The site's mark in the header: a white tile with three joined people, drawn rather than typed. */
const logoMark = `<svg viewBox="0 0 32 32" aria-hidden="true" focusable="false">
<rect width="32" height="32" rx="8" fill="#fff"/>
<path d="M10 12.5 16 21.5 22 12.5Z" fill="none" stroke="#4c5fd5" stroke-width="2" stroke-linejoin="round"/>
<circle cx="10" cy="12" r="4" fill="#4c5fd5"/><circle cx="22" cy="12" r="4" fill="#4c5fd5"/><circle cx="16" cy="22" r="4.5" fill="#4c5fd5"/>
</svg>`;

/** Who is signed in, as the header shows them. */
export interface Viewer {
  name: string;
  picture: string;
}

export interface PageOptions {
  siteName: string;
  title: string;
  body: SafeHtml;
  /** Who is signed in, for the header's picture, name and sign-out button. */
  viewer?: Viewer | undefined;
  /** A script the page needs; the pages work without it. */
  script?: string | undefined;
}

export function page({ siteName, title, body, viewer, script }: PageOptions): string {
  const account = viewer
    ? html`<form class="account" method="post" action="/signout"><img class="avatar" src="${viewer.picture}" alt="">
<span class="account-name">${viewer.name}</span> <button type="submit" class="sign-out">Sign out</button></form>`
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
<div class="topbar"><div class="column"><a class="brand" href="/">${new SafeHtml(logoMark)}<span>${siteName}</span></a>${account}</div></div>
</header>
<main>
${body}
</main>
<footer>A local emulator of a Sngine site, from passport-kvixi.</footer>
${script ? html`<script>${new SafeHtml(script)}</script>` : ''}
</body>
</html>
`.value;
}
