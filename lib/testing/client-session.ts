import { type Membership, membersOf } from './organization-membership';
import type { EmulatorUser } from './types';

/**
 * Who is signed in to the emulated DingTalk client. Only a member of the in-client organization
 * can be: the client opens the app from that organization's workbench (工作台).
 */
export class ClientSession {
  readonly #members: readonly Membership[];
  #signedIn: Membership;

  constructor(users: readonly EmulatorUser[], corpId: string) {
    this.#members = membersOf(users, corpId);
    const first = this.#members[0];
    // The options were checked: the in-client organization has a member.
    if (!first) throw new TypeError(`DingTalk emulator: no user belongs to "${corpId}"`);
    this.#signedIn = first;
  }

  /** The members who can be signed in, in the order of the users. */
  get members(): readonly Membership[] {
    return this.#members;
  }

  get signedIn(): Membership {
    return this.#signedIn;
  }

  /** Signs a member in; false (nothing changes) for anyone else. */
  signIn(unionId: string): boolean {
    const member = this.#members.find((candidate) => candidate.user.unionId === unionId);
    if (!member) return false;
    this.#signedIn = member;
    return true;
  }
}
