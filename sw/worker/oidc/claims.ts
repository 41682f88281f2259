import type { IdTokenClaims } from './oidc-options.ts';

// OpenID Connect Core 5.1: the standard claims that describe the user. Protocol claims (iss, aud,
// exp, nonce, at_hash, sid, cnf ...) stay out: the user reaches pages and IndexedDB.
const PROFILE_CLAIMS = [
  'sub',
  'name',
  'given_name',
  'family_name',
  'middle_name',
  'nickname',
  'preferred_username',
  'profile',
  'picture',
  'website',
  'email',
  'email_verified',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
  'updated_at',
];

/** The default `user` of the oidc preset: the ID token's standard profile claims that are present. */
export function profileOf(claims: IdTokenClaims): Record<string, unknown> {
  return Object.fromEntries(PROFILE_CLAIMS.filter((name) => claims[name] !== undefined).map((name) => [name, claims[name]]));
}
