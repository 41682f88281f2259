import { hashPassword, verifyPassword, type PasswordHash } from './passwords.ts';

/** A user as the API shows one. */
export interface User {
  id: number;
  username: string;
  firstName: string;
  lastName: string;
}

interface Account {
  user: User;
  password: PasswordHash;
}

const DEMO_USERS: readonly (User & { password: string })[] = [
  { id: 1, username: 'test', firstName: 'Test', lastName: 'User', password: 'test' },
  { id: 2, username: 'ada', firstName: 'Ada', lastName: 'Lovelace', password: 'lovelace' },
];

/** The user directory: the demo users with hashed passwords. */
export class Users {
  readonly #accounts: Map<string, Account>;
  readonly #byId: Map<number, User>;
  readonly #dummy: PasswordHash;

  private constructor(accounts: Account[], dummy: PasswordHash) {
    this.#accounts = new Map(accounts.map((account) => [account.user.username, account]));
    this.#byId = new Map(accounts.map((account) => [account.user.id, account.user]));
    this.#dummy = dummy;
  }

  /** Hashes the demo users' passwords (and a dummy for unknown usernames). */
  static async create(iterations: number): Promise<Users> {
    const accounts = await Promise.all(
      DEMO_USERS.map(async ({ password, ...user }) => ({ user, password: await hashPassword(password, iterations) })),
    );
    return new Users(accounts, await hashPassword('not-a-password', iterations));
  }

  /**
   * The user for a username and password, or undefined. An unknown username is checked
   * against a dummy hash, so it costs the same time as a wrong password.
   */
  async authenticate(username: string, password: string): Promise<User | undefined> {
    const account = this.#accounts.get(username);
    const matches = await verifyPassword(password, account?.password ?? this.#dummy);
    return account && matches ? account.user : undefined;
  }

  /** A user by id. */
  byId(id: number): User | undefined {
    return this.#byId.get(id);
  }

  /** Every user. */
  all(): User[] {
    return [...this.#byId.values()];
  }
}
