// Stand-in images so pages and clients that load a profile picture get a real image offline.

/**
 * The emulator's `blank_profile_male.png` and `blank_profile_female.png`, served under the names
 * Sngine gives them (its `profile_picture` URLs) but drawn as SVG, so it stays sharp at any size.
 * One neutral silhouette for every gender, in the page's light or dark scheme.
 */
export const defaultAvatarSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">
<style>.bg{fill:#e4e6eb}.fg{fill:#a8abaf}@media (prefers-color-scheme:dark){.bg{fill:#3a3b3c}.fg{fill:#7d8084}}</style>
<rect class="bg" width="200" height="200"/>
<circle class="fg" cx="100" cy="80" r="36"/>
<path class="fg" d="M32 200c0-42 30-72 68-72s68 30 68 72z"/>
</svg>
`;

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
