import { EmulatorModule, EmulatorResponse } from '../http';
import { isSalesforceId } from '../ids';
import { OrgState } from '../state';
import { queryResponse } from './rest';

/** The Tooling API's executeAnonymous result (all fields of ExecuteAnonymousResult). */
function result(fields: Partial<Record<string, unknown>>): EmulatorResponse {
  return {
    status: 200,
    body: {
      line: -1,
      column: -1,
      compiled: true,
      success: true,
      compileProblem: null,
      exceptionStackTrace: null,
      exceptionMessage: null,
      ...fields
    }
  };
}

/**
 * Anonymous Apex, for the one statement the tooling sends: `System.resetPassword('<userId>', true);` (repeated).
 * Anything else is reported as a compile problem rather than silently "run".
 */
export function executeAnonymous(state: OrgState, body: string): EmulatorResponse {
  const statement = /^\s*System\.resetPassword\(\s*'([A-Za-z0-9]{15,18})'\s*,\s*(true|false)\s*\)\s*;\s*/i;
  const calls: Array<{ id: string; email: boolean }> = [];
  let rest = body;
  let line = 1;
  while (rest.trim() !== '') {
    const m = statement.exec(rest);
    if (!m) {
      return result({
        line,
        column: 1,
        compiled: false,
        success: false,
        compileProblem: 'The local org emulator only executes System.resetPassword(userId, sendEmail) statements.'
      });
    }
    calls.push({ id: m[1], email: m[2].toLowerCase() === 'true' });
    line += m[0].split('\n').length - 1;
    rest = rest.slice(m[0].length);
  }
  for (const call of calls) {
    const user = isSalesforceId(call.id) ? state.db.get('User', call.id) : undefined;
    if (!user) {
      return result({
        success: false,
        exceptionMessage: 'System.InvalidParameterValueException: invalid user id',
        exceptionStackTrace: 'AnonymousBlock: line 1, column 1'
      });
    }
    if (user.IsActive !== true) {
      return result({
        success: false,
        // INFERRED text: resetting an inactive user's password fails; the exact message is unconfirmed.
        exceptionMessage: 'System.UnexpectedException: INVALID_OPERATION: inactive user',
        exceptionStackTrace: 'AnonymousBlock: line 1, column 1'
      });
    }
    state.resetPassword(user.Id);
    // sendUserEmail=false: the password is reset but no email leaves the org.
    if (!call.email) state.outbox.pop();
  }
  return result({});
}

/** Tooling API: query (own object set, same SOQL engine and paging) and executeAnonymous. */
export function toolingModule(): EmulatorModule {
  return {
    name: 'tooling',
    routes: [
      {
        method: 'GET',
        path: '/services/data/:version/tooling/query',
        handler: (ctx) => queryResponse(ctx, ctx.state.tooling)
      },
      {
        method: 'GET',
        path: '/services/data/:version/tooling/executeAnonymous',
        handler: (ctx) => executeAnonymous(ctx.state, ctx.url.searchParams.get('anonymousBody') ?? '')
      }
    ]
  };
}
