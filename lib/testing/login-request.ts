import { type Checked, refuse } from './problem';
import type { RedirectPolicy } from './redirect-uri';
import { parseScope } from './scope';
import type { EmulatorOrganization, EmulatorUser } from './types';

/** A login request whose parameters all passed the checks DingTalk's login page makes. */
export interface LoginRequest {
  clientId: string;
  /** As received, so the consent form can send back exactly what the app sent. */
  redirectURI: string;
  redirectTarget: URL;
  /** As received (space-separated). */
  scope: string;
  scopes: readonly string[];
  /** Undefined when the app sent no state: then none is added to the redirect either. */
  state: string | undefined;
  /** Set for an exclusive (专属) login: only members of this organization may log in. */
  exclusiveCorpId: string | undefined;
  /** An organization to pre-select (`corpId` parameter). */
  preselectedCorpId: string | undefined;
}

/** One choice on the consent page: a user, and with `corpid` in the scope, one of their organizations. */
export interface AccountChoice {
  user: EmulatorUser;
  organization: EmulatorOrganization | undefined;
  /** The radio's value; compared as a whole on the way back, never split. */
  value: string;
  preselected: boolean;
}

const singleValued = ['client_id', 'redirect_uri', 'response_type', 'prompt', 'scope', 'state'] as const;

/**
 * Checks the parameters of `GET /oauth2/auth`, and again those the consent form posts back (the
 * form is in the browser's hands, so nothing in it is trusted). The order puts client_id and
 * redirect_uri first because every later error is only shown, never redirected.
 */
export function readLoginRequest(
  params: URLSearchParams,
  clientID: string,
  redirects: RedirectPolicy,
): Checked<LoginRequest> {
  for (const name of singleValued) {
    if (params.getAll(name).length > 1) {
      return refuse(
        'duplicate_parameter',
        `参数 ${name} 出现了多次。`,
        `The parameter ${name} appears more than once.`,
      );
    }
  }
  const clientId = params.get('client_id');
  if (!clientId) return refuse('missing_client_id', '缺少 client_id 参数。', 'The client_id parameter is missing.');
  if (clientId !== clientID) {
    return refuse('invalid_client_id', 'client_id 对应的应用不存在。', 'No app has this client_id.');
  }
  const redirect = redirects.check(params.get('redirect_uri') ?? undefined);
  if (!redirect.ok) return redirect;
  if (params.get('response_type') !== 'code') {
    return refuse(
      'unsupported_response_type',
      'response_type 必须为 code（钉钉只支持授权码模式）。',
      'response_type must be "code": DingTalk only supports the authorization code flow.',
    );
  }
  const prompt = params.get('prompt');
  if (prompt !== 'consent') {
    return refuse(
      prompt === null ? 'missing_prompt' : 'invalid_prompt',
      '钉钉要求 prompt=consent（进入授权确认页）；缺少它时登录会失败，或之后获取用户信息返回 403。',
      'DingTalk requires prompt=consent (show the consent page); without it logins fail or the profile call later answers 403.',
    );
  }
  const scopes = parseScope(params.get('scope') ?? undefined);
  if (!scopes.ok) return scopes;
  const exclusive = readExclusiveLogin(params);
  if (!exclusive.ok) return exclusive;
  return {
    ok: true,
    value: {
      clientId,
      redirectURI: params.get('redirect_uri') as string,
      redirectTarget: redirect.value,
      scope: params.get('scope') as string,
      scopes: scopes.value,
      state: params.get('state') ?? undefined,
      exclusiveCorpId: exclusive.value,
      preselectedCorpId: params.get('corpId') || undefined,
    },
  };
}

function readExclusiveLogin(params: URLSearchParams): Checked<string | undefined> {
  if (params.get('exclusiveLogin') !== 'true') return { ok: true, value: undefined };
  const corpId = params.get('exclusiveCorpId');
  if (!corpId) {
    return refuse(
      'missing_exclusive_corp_id',
      'exclusiveLogin=true 时必须提供 exclusiveCorpId。',
      'exclusiveLogin=true needs an exclusiveCorpId.',
    );
  }
  return { ok: true, value: corpId };
}

/** The fields the consent form carries back, so `/oauth2/consent` can check them all again. */
export function loginRequestFields(request: LoginRequest): [string, string][] {
  const fields: [string, string][] = [
    ['client_id', request.clientId],
    ['redirect_uri', request.redirectURI],
    ['response_type', 'code'],
    ['prompt', 'consent'],
    ['scope', request.scope],
  ];
  if (request.state !== undefined) fields.push(['state', request.state]);
  if (request.exclusiveCorpId !== undefined) {
    fields.push(['exclusiveLogin', 'true'], ['exclusiveCorpId', request.exclusiveCorpId]);
  }
  return fields;
}

/**
 * The accounts the consent page offers: one per user, or with `corpid` in the scope one per user
 * and organization (a user without any stays a single choice, and the token then has no corpId).
 * An exclusive login keeps only the members of its organization.
 */
export function accountChoices(
  request: LoginRequest,
  users: readonly EmulatorUser[],
  /** An internal app's organization: the only one offered (its non-members are refused later). */
  ownerCorpId?: string,
): AccountChoice[] {
  const withCorp = request.scopes.includes('corpid');
  const choices: AccountChoice[] = [];
  for (const user of users) {
    const exclusive = request.exclusiveCorpId;
    if (exclusive !== undefined && !user.organizations.some((org) => org.corpId === exclusive)) continue;
    const organizations = user.organizations.filter(
      (org) =>
        (exclusive === undefined || org.corpId === exclusive) &&
        (ownerCorpId === undefined || org.corpId === ownerCorpId),
    );
    if (!withCorp || organizations.length === 0) {
      choices.push({ user, organization: undefined, value: JSON.stringify([user.unionId]), preselected: false });
      continue;
    }
    for (const organization of organizations) {
      const value = JSON.stringify([user.unionId, organization.corpId]);
      const preselected = organization.corpId === request.preselectedCorpId;
      choices.push({ user, organization, value, preselected });
    }
  }
  // Exactly one radio starts checked, so pressing "authorize" straight away logs in.
  const first = choices.find((choice) => choice.preselected) ?? choices[0];
  for (const choice of choices) choice.preselected = choice === first;
  return choices;
}
