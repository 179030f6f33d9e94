import { MemberDirectory } from '../organization/member-directory';
import { exchangeInAppCode } from './client';
import type { ResolvedInAppOptions } from './options';
import { type InAppProfile, parseInAppProfile } from './profile';

/**
 * The server side of one in-client login: an app access token, the code exchange, and the
 * details unless skipped. A token DingTalk refuses (40014, 42001) is replaced and the request
 * retried, once per login.
 */
export class InAppLogin {
  readonly #directory: MemberDirectory;
  readonly #userInfoURL: URL;
  readonly #skipUserDetails: boolean;

  constructor(options: ResolvedInAppOptions) {
    this.#directory = new MemberDirectory(options);
    this.#userInfoURL = options.userInfoURL;
    this.#skipUserDetails = options.skipUserDetails;
  }

  /** The profile of the user who brought `code`; rejects with the package's typed errors. */
  async profileFor(code: string, corpId: string): Promise<InAppProfile> {
    const directory = this.#directory;
    const session = directory.session(corpId);
    const info = await session.call((token) => exchangeInAppCode(directory.client, this.#userInfoURL, token, code));
    const details = this.#skipUserDetails ? undefined : await directory.detailsOf(session, info.json.userid);
    return parseInAppProfile(info.json, info.raw, corpId, details?.json);
  }
}
