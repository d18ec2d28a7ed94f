// The policy decision behind self-approval: every requester of a (joined) diagnosis counts, and
// a plan stored before requesters were a list (one `requester`) is read the same way.
import { describe, expect, it } from 'vitest';
import { approversPolicy, authorise } from '../../src/config/policy.js';
import { requestersOf } from '../../src/remediation/plan-store.js';

const policy = approversPolicy(['U0ALICE', 'U0BOB', 'U0CAROL']);
const ask = (user: string, requesters: string[], purpose: 'approve' | 'reject' = 'approve') =>
  authorise(policy, {
    user,
    requesters,
    namespace: 'prod',
    remediation: 'patch-service-selector',
    purpose,
  });

describe('self-approval with several requesters', () => {
  it('refuses each requester and allows another approver', async () => {
    for (const user of ['U0ALICE', 'U0BOB'])
      expect(await ask(user, ['U0ALICE', 'U0BOB'])).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/^You asked for this diagnosis/),
      });
    expect(await ask('U0CAROL', ['U0ALICE', 'U0BOB'])).toMatchObject({ ok: true });
  });

  it('lets any requester withdraw the request, approver or not', async () => {
    expect(await ask('U0DAVE', ['U0ALICE', 'U0DAVE'], 'reject')).toMatchObject({ ok: true });
    expect(await ask('U0ERIN', ['U0ALICE', 'U0DAVE'], 'reject')).toMatchObject({ ok: false });
  });

  it('reads old records (one requester) and new ones alike', () => {
    expect(requestersOf({ requester: 'U0ALICE' })).toEqual(['U0ALICE']);
    expect(requestersOf({ requesters: ['U0ALICE', 'U0BOB'] })).toEqual(['U0ALICE', 'U0BOB']);
    expect(requestersOf({ requester: 'U0ALICE', requesters: ['U0BOB'] })).toEqual([
      'U0BOB',
      'U0ALICE',
    ]);
    expect(requestersOf({})).toEqual([]);
  });
});
