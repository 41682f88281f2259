import { html } from 'hono/html';
import type { User } from './users.ts';

/** The avatar's width and height, px. */
const SIZE = 64;

/** The headers of an avatar: an image that may be cached per user but revalidated, and that can run nothing. */
export const AVATAR_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'image/svg+xml',
  'Cache-Control': 'private, no-cache',
  Vary: 'Authorization',
  'X-Content-Type-Options': 'nosniff',
  // An SVG opened on its own is a document: this policy lets it show text and shapes, and run no script.
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
};

/** The first letter of each name (a whole character, also beyond the BMP), upper-case; the username's when both are empty. */
function initialsOf(user: User): string {
  const first = (name: string): string => Array.from(name.trim())[0] ?? '';
  const initials = first(user.firstName) + first(user.lastName);
  return (initials || first(user.username) || '?').toUpperCase();
}

/** A hue from the username's SHA-256: the same user always gets the same colour. */
async function hueOf(username: string): Promise<number> {
  const [high = 0, low = 0] = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(username)));
  return ((high << 8) | low) % 360;
}

/** A small SVG avatar of `user`: the initials on a colour derived from the username; every text in it is escaped. */
export async function avatarSvg(user: User): Promise<string> {
  const name = `${user.firstName} ${user.lastName}`.trim() || user.username;
  const colour = `hsl(${await hueOf(user.username)}, 45%, 38%)`;
  const svg = html`<svg
    xmlns="http://www.w3.org/2000/svg"
    width="${SIZE}"
    height="${SIZE}"
    viewBox="0 0 ${SIZE} ${SIZE}"
    role="img"
    aria-label="${name}"
  >
    <title>${name}</title>
    <circle cx="${SIZE / 2}" cy="${SIZE / 2}" r="${SIZE / 2}" fill="${colour}" />
    <text x="50%" y="50%" dy="0.35em" text-anchor="middle" font-family="system-ui, sans-serif" font-size="${SIZE * 0.4}" fill="#fff">
      ${initialsOf(user)}
    </text>
  </svg>`;
  return String(await svg);
}
