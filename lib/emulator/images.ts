// Stand-in images so pages and clients that load a profile picture get a real image offline.

/** A 48×48 grey silhouette, the emulator's `blank_profile_*.png`. */
export const defaultAvatarPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAADAAAAAwCAIAAADYYG7QAAAAgklEQVR42u3W0Q2AIAxFUfafzB8/3eQO4ARGG1p4Nu+GAU5CKB3HeUmdYZBBBhnUBQTsB/HcBhBvLQXxrUUgIpWDiGeQQVOaqMlXZtBykNykVvzLFH97xX1IcWP0km9Ql2cvNKm19iHmSgaRURqIvBJAZNcLRE1dQFRmUH8Q9f0DdANQ9uU17u79QQAAAABJRU5ErkJggg==',
  'base64',
);

/** Served for every path under `/content/uploads/`, whatever its extension says. */
export const uploadedPictureSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">
<rect width="200" height="200" fill="#5e72e4"/>
<circle cx="100" cy="78" r="38" fill="#e9ecff"/>
<ellipse cx="100" cy="190" rx="70" ry="58" fill="#e9ecff"/>
</svg>
`;

/** A 16×16 "K" in the site's colour, so browsers (and browser tests) stop logging a 404 for it. */
export const faviconPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAATklEQVR42mOIK3rCEFf05D+ZmIESzWCMYQAMYFOMTY5oA3CJE2UAPlcRNACfZoIGENKM1wBiNNPWAIq9QJVApEo0UiUhkZSUyclMFGVnAPdC7NPcF8LXAAAAAElFTkSuQmCC',
  'base64',
);
