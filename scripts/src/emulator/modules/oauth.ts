import { EmulatorModule, RouteContext } from '../http';
import { to18 } from '../ids';
import { ApiError, OrgState } from '../state';

/** OAuth clients the org knows (an External Client App deployed with client credentials enabled). */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  /** The External Client App that owns the client. */
  appName?: string;
  /** Username of the run-as (execution) user; undefined means "no client credentials user". */
  runAsUsername?: string;
}

const CLIENTS = 'oauth.clients';

/** Registered OAuth clients (the Metadata deploy of an ExternalClientApplication adds one). */
export function oauthClients(state: OrgState): Map<string, OAuthClient> {
  return state.extension<Map<string, OAuthClient>>(CLIENTS, () => new Map());
}

/** The OIDC userinfo document (shape of the REAL sample fixtures/rest/nango/oauth2_userinfo.json). */
export function userinfo(state: OrgState, userId: string, baseUrl: string): Record<string, unknown> {
  const user = state.db.get('User', userId);
  if (!user) throw new ApiError(403, 'Forbidden', 'Bad_OAuth_Token');
  const org = state.orgId;
  const u = (kind: string): string => `${baseUrl}/services/${kind}/{version}/${org.slice(0, 15)}`;
  return {
    sub: `${baseUrl}/id/${org}/${user.Id}`,
    user_id: user.Id,
    organization_id: org,
    preferred_username: user.Username,
    nickname: user.CommunityNickname,
    name: user.Name,
    email: user.Email,
    email_verified: true,
    given_name: user.FirstName,
    family_name: user.LastName,
    zoneinfo: user.TimeZoneSidKey,
    photos: { picture: `${baseUrl}/profilephoto/005/F`, thumbnail: `${baseUrl}/profilephoto/005/T` },
    profile: `${baseUrl}/${user.Id}`,
    picture: `${baseUrl}/profilephoto/005/F`,
    address: {},
    is_salesforce_integration_user: false,
    urls: {
      enterprise: u('Soap/c'),
      metadata: u('Soap/m'),
      partner: u('Soap/u'),
      rest: `${baseUrl}/services/data/v{version}/`,
      sobjects: `${baseUrl}/services/data/v{version}/sobjects/`,
      search: `${baseUrl}/services/data/v{version}/search/`,
      query: `${baseUrl}/services/data/v{version}/query/`,
      recent: `${baseUrl}/services/data/v{version}/recent/`,
      tooling_soap: u('Soap/T'),
      tooling_rest: `${baseUrl}/services/data/v{version}/tooling/`,
      profile: `${baseUrl}/${user.Id}`,
      feeds: `${baseUrl}/services/data/v{version}/chatter/feeds`,
      groups: `${baseUrl}/services/data/v{version}/chatter/groups`,
      users: `${baseUrl}/services/data/v{version}/chatter/users`,
      feed_items: `${baseUrl}/services/data/v{version}/chatter/feed-items`,
      feed_elements: `${baseUrl}/services/data/v{version}/chatter/feed-elements`,
      custom_domain: baseUrl
    },
    active: user.IsActive,
    user_type: 'STANDARD',
    language: user.LanguageLocaleKey,
    locale: user.LocaleSidKey,
    utcOffset: -28800000,
    updated_at: user.LastModifiedDate,
    is_app_installed: true
  };
}

function tokenError(status: number, error: string, description: string): { status: number; body: unknown } {
  return { status, body: { error, error_description: description } };
}

function clientCredentials(ctx: RouteContext, form: URLSearchParams): { status: number; body: unknown } {
  let clientId = form.get('client_id') ?? '';
  let clientSecret = form.get('client_secret') ?? '';
  const basic = /^Basic\s+(.+)$/i.exec(ctx.req.headers.authorization ?? '');
  if (basic) [clientId, clientSecret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
  const client = oauthClients(ctx.state).get(clientId);
  if (!client || client.clientSecret !== clientSecret) {
    return tokenError(400, 'invalid_client', 'invalid client credentials');
  }
  const runAs = client.runAsUsername ? ctx.state.userByUsername(client.runAsUsername) : undefined;
  if (!runAs) return tokenError(400, 'invalid_grant', 'no client credentials user enabled');
  if (runAs.IsActive !== true) return tokenError(400, 'invalid_grant', 'user is inactive');
  const token = ctx.state.openSession(runAs.Id, 'oauth');
  return {
    status: 200,
    body: {
      access_token: token,
      signature: 'emulator',
      token_format: 'opaque',
      scope: 'api',
      instance_url: ctx.baseUrl,
      id: `${ctx.baseUrl}/id/${ctx.state.orgId}/${runAs.Id}`,
      token_type: 'Bearer',
      issued_at: String(Date.now())
    }
  };
}

/** OAuth routes: userinfo, identity URL, token (client credentials), singleaccess (sf org open). */
export function oauthModule(): EmulatorModule {
  return {
    name: 'oauth',
    routes: [
      {
        method: 'GET',
        path: '/services/oauth2/userinfo',
        auth: 'bearer',
        handler: (ctx) => ({ status: 200, body: userinfo(ctx.state, ctx.session?.userId ?? '', ctx.baseUrl) })
      },
      {
        method: 'GET',
        path: '/id/:orgId/:userId',
        auth: 'none',
        handler: (ctx) => {
          const token =
            ctx.url.searchParams.get('oauth_token') ??
            /^Bearer\s+(.+)$/i.exec(ctx.req.headers.authorization ?? '')?.[1];
          const session = token ? ctx.state.sessions.get(token) : undefined;
          if (!session || session.userId !== to18(ctx.params.userId)) {
            return { status: 403, body: 'Bad_OAuth_Token' };
          }
          const info = userinfo(ctx.state, session.userId, ctx.baseUrl);
          return { status: 200, body: { id: info.sub, ...info, username: info.preferred_username } };
        }
      },
      {
        method: 'POST',
        path: '/services/oauth2/token',
        auth: 'none',
        handler: (ctx) => {
          const form = new URLSearchParams(ctx.text());
          const grant = form.get('grant_type');
          if (grant === 'client_credentials') return clientCredentials(ctx, form);
          return tokenError(400, 'unsupported_grant_type', 'grant type not supported');
        }
      },
      {
        method: 'GET',
        path: '/services/oauth2/singleaccess',
        auth: 'bearer',
        handler: (ctx) => {
          const target = ctx.url.searchParams.get('redirect_uri') ?? '/';
          return {
            status: 200,
            body: {
              frontdoor_uri: `${ctx.baseUrl}/secur/frontdoor.jsp?otp=emulator&retURL=${encodeURIComponent(target)}`
            }
          };
        }
      }
    ]
  };
}
