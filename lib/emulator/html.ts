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

const styles = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;background:#f0f2f5;color:#1c1e21}
.banner{background:#fff3cd;color:#664d03;border-bottom:1px solid #ffe69c;padding:6px 16px;font-size:13px;text-align:center}
header{background:#5e72e4;color:#fff;padding:10px 16px;display:flex;justify-content:space-between;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}
header form{margin:0}
main{max-width:720px;margin:24px auto;padding:0 16px}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:20px;margin-bottom:16px}
h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:0 0 10px}
label{display:block;font-weight:600;margin:10px 0 4px}
input,select,textarea{width:100%;padding:8px 10px;border:1px solid #ccd0d5;border-radius:6px;font:inherit}
button,.button{display:inline-block;background:#5e72e4;color:#fff;border:0;border-radius:6px;padding:8px 16px;font:inherit;font-weight:600;cursor:pointer;text-decoration:none;margin-top:12px}
button.link{background:none;color:#5e72e4;padding:0;margin:0}
.secondary{background:#e4e6eb;color:#1c1e21}
.users{list-style:none;padding:0;margin:0}
.users li{display:flex;align-items:center;gap:12px;padding:8px 0;border-bottom:1px solid #eee}
.users form{margin:0 0 0 auto}.users button{margin:0}
.avatar{width:40px;height:40px;border-radius:50%;object-fit:cover;background:#ddd}
.app-icon{width:64px;height:64px;border-radius:12px;background:#ddd}
.muted{color:#65676b;font-size:13px}
.error{color:#b00020}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:6px;border-bottom:1px solid #eee;vertical-align:top}
code{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
.actions{display:flex;gap:12px;align-items:center}.actions button{margin:0}
`;

export interface PageOptions {
  siteName: string;
  title: string;
  body: SafeHtml;
  /** Who is signed in, for the header's sign-out button. */
  signedInAs?: string | undefined;
}

export function page({ siteName, title, body, signedInAs }: PageOptions): string {
  const account = signedInAs
    ? html`<form method="post" action="/signout"><span>${signedInAs}</span> <button type="submit" class="link" style="color:#fff">Sign out</button></form>`
    : html``;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} | ${siteName}</title>
<style>${new SafeHtml(styles)}</style>
</head>
<body>
<div class="banner" role="note">Local emulator — not for production</div>
<header><a href="/">${siteName}</a>${account}</header>
<main>
${body}
</main>
</body>
</html>
`.value;
}
