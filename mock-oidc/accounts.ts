import type { Account, FindAccount } from 'oidc-provider';
import type { User, Users } from '../mock-api/users.ts';

/** The claims the provider knows of a user, by scope: `profile` adds the names (OpenID Connect Core 5.4). */
export const ACCOUNT_CLAIMS = {
  openid: ['sub'],
  profile: ['preferred_username', 'given_name', 'family_name', 'name'],
} as const;

/** The provider's subject for a demo user: the mock API's user id, so the API can map a token's `sub` back. */
export function subjectOf(user: User): string {
  return String(user.id);
}

function accountOf(user: User): Account {
  const sub = subjectOf(user);
  return {
    accountId: sub,
    // oidc-provider masks these by the granted scopes and claims.
    claims: () => ({
      sub,
      preferred_username: user.username,
      given_name: user.firstName,
      family_name: user.lastName,
      name: `${user.firstName} ${user.lastName}`,
    }),
  };
}

/** oidc-provider's `findAccount` over the mock API's demo users (`sub` = user id). */
export function findDemoAccount(users: Users): FindAccount {
  return async (_ctx, sub) => {
    const user = /^\d+$/.test(sub) ? users.byId(Number(sub)) : undefined;
    return user ? accountOf(user) : undefined;
  };
}
