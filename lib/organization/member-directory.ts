import { DingTalkAPIError, DingTalkResponseError } from '../api/errors';
import { nonEmptyString } from '../api/profile';
import { type AppTokenSource, appTokenSource, type GetAccessTokenFunction, OrganizationSession } from './app-tokens';
import { type OapiResult, OrganizationClient, type OrganizationClientSettings } from './client';
import { organizationDefaultURLs } from './options';
import type { DingTalkUnionIdResult, DingTalkUserDetails } from './wire';

/** Where and how to ask an organization about its members. */
export interface MemberDirectorySettings extends OrganizationClientSettings {
  /** Default: DingTalk's (the in-client login never asks it). */
  getByUnionIdURL?: URL;
  userDetailsURL: URL;
  getAccessToken: GetAccessTokenFunction | undefined;
}

/** A member of the organization, as `lookupMember` hands it over. */
export interface DingTalkMember {
  /** The member's id in the organization (`userid`). */
  userId: string;
  /** `topapi/v2/user/get`'s `result`, unless `skipUserDetails`. */
  details?: DingTalkUserDetails;
}

/**
 * An organization's directory, asked with the app's access token: who a unionId is in it
 * (`topapi/user/getbyunionid`) and a member's details (`topapi/v2/user/get`).
 */
export class MemberDirectory {
  readonly client: OrganizationClient;
  readonly #settings: MemberDirectorySettings;
  readonly #tokens: AppTokenSource;

  constructor(settings: MemberDirectorySettings) {
    this.#settings = settings;
    this.client = new OrganizationClient(settings);
    this.#tokens = appTokenSource(this.client, settings, settings.getAccessToken);
  }

  /** One login's requests to the organization `corpId`, with one app token. */
  session(corpId: string): OrganizationSession {
    return new OrganizationSession(this.#tokens, corpId);
  }

  /**
   * The member of `corpId` whose unionId this is, with their details unless `skipDetails`; false
   * for someone the organization does not know (60121 找不到该用户) or knows only as an external
   * contact (`contact_type` 1).
   */
  async memberOf(unionId: string, corpId: string, skipDetails: boolean): Promise<DingTalkMember | false> {
    const session = this.session(corpId);
    const userId = await this.#userIdOf(session, unionId);
    if (userId === false) return false;
    if (skipDetails) return { userId };
    const details = await this.detailsOf(session, userId);
    return { userId, details: details.json };
  }

  /** `POST /topapi/v2/user/get`: the member's details (avatar, mobile, email, title...). */
  detailsOf(session: OrganizationSession, userId: string): Promise<OapiResult<DingTalkUserDetails>> {
    const body = { userid: userId, language: 'zh_CN' };
    return session.call((token) =>
      this.client.callOapi('user-details', this.#settings.userDetailsURL, token, body, []),
    );
  }

  async #userIdOf(session: OrganizationSession, unionId: string): Promise<string | false> {
    const url = this.#settings.getByUnionIdURL ?? defaultGetByUnionIdURL;
    let found: DingTalkUnionIdResult;
    try {
      found = (
        await session.call((token) => this.client.callOapi('member-lookup', url, token, { unionid: unionId }, []))
      ).json;
    } catch (error) {
      // The code decides, never DingTalk's errmsg, whose wording varies.
      if (error instanceof DingTalkAPIError && error.code === notFound) return false;
      throw error;
    }
    // Only a member: an external contact (contact_type 1) has a userid too.
    if (String(found.contact_type) !== '0') return false;
    const userId = nonEmptyString(found.userid);
    if (!userId) throw new DingTalkResponseError('member-lookup', 200, 'answered without a userid');
    return userId;
  }
}

const defaultGetByUnionIdURL = new URL(organizationDefaultURLs.getByUnionIdURL);

// 60121 找不到该用户: the organization does not know this unionId (docs/dingtalk-answers.md).
const notFound = '60121';
