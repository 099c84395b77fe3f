import { compareTrust } from '../src/tools/review/trust';
import { IamDocumentJson, IamStatementJson } from '../src/tools/review/views';
import { Decision, simulateTrustRequest } from './support/simulate';
import { SAMPLE_EXTERNAL_ID } from './support/configs';

/*
 * The review's trust judgement against an IAM policy simulator (a development dependency, written by
 * others) over the same documents. For each pair of trust policies, every probe request (callers from the
 * trusted account and from another, with no external ID, the right one, a wrong one, a case-changed one, one
 * a wildcard would match; AssumeRole and the session actions) is decided under both. Any request the new
 * policy allows and the old one did not must make the verdict "broadens"; where the simulator finds none,
 * the verdict must be "does not broaden", except where the review is stricter on purpose (said per case).
 */

const QUALYS = '805950163170';
const OTHER = '999988887777';
const ID = SAMPLE_EXTERNAL_ID;
const ID2 = 'EU2-1009001';

const root = (account: string) => `arn:aws:iam::${account}:root`;
/** The statement this project writes, with some parts replaced (undefined: left out). */
const allow = (extra: Partial<IamStatementJson> = {}): IamStatementJson =>
  JSON.parse(
    JSON.stringify({
      Effect: 'Allow',
      Principal: { AWS: root(QUALYS) },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': ID } },
      ...extra,
    }),
  );
const doc = (...statements: IamStatementJson[]): IamDocumentJson =>
  ({ Version: '2012-10-17', Statement: statements }) as IamDocumentJson;
const exact = doc(allow());
const denyBadRole: IamStatementJson = {
  Effect: 'Deny',
  Principal: { AWS: `arn:aws:iam::${QUALYS}:role/bad` },
  Action: 'sts:AssumeRole',
};

interface TrustCase {
  readonly name: string;
  readonly before: IamDocumentJson;
  readonly after: IamDocumentJson;
  readonly broadens: boolean;
  /** Why the verdict may be stricter than the simulator (no request found that only the new policy allows). */
  readonly stricterBecause?: string;
  /** A rotation: the new ID is a way in by design; the number of IDs is what counts. */
  readonly rotation?: boolean;
}

/*
 * The simulator sees sts:ExternalId only on sts:AssumeRole itself, so it cannot witness a session action
 * (TagSession, SetSourceIdentity) newly allowed with the ID; the review counts them as the new ways in they are.
 */
const SESSION_ACTIONS = 'the simulator drops sts:ExternalId from the session actions it decides';

/** Each weakening, then its mirror image (the same pair the other way round), which must not broaden. */
const WEAKENINGS: Omit<TrustCase, 'broadens'>[] = [
  { name: 'the external ID condition deleted', before: exact, after: doc(allow({ Condition: undefined })) },
  {
    name: 'a second Allow for the same principal without the condition',
    before: exact,
    after: doc(allow(), allow({ Sid: 'Second', Condition: undefined })),
  },
  {
    name: 'StringLike with a wildcard',
    before: exact,
    after: doc(allow({ Condition: { StringLike: { 'sts:ExternalId': 'EU2-*' } } })),
  },
  {
    name: 'StringLike with the same literal',
    before: exact,
    after: doc(allow({ Condition: { StringLike: { 'sts:ExternalId': ID } } })),
    stricterBecause: 'only an exact StringEquals counts as an external ID match',
  },
  {
    name: 'StringEqualsIgnoreCase',
    before: exact,
    after: doc(allow({ Condition: { StringEqualsIgnoreCase: { 'sts:ExternalId': ID } } })),
  },
  {
    name: 'StringEqualsIfExists',
    before: exact,
    after: doc(allow({ Condition: { StringEqualsIfExists: { 'sts:ExternalId': ID } } })),
  },
  {
    name: 'ForAllValues:StringEquals',
    before: exact,
    after: doc(allow({ Condition: { 'ForAllValues:StringEquals': { 'sts:ExternalId': ID } } })),
  },
  {
    name: 'ForAnyValue:StringEquals',
    before: exact,
    after: doc(allow({ Condition: { 'ForAnyValue:StringEquals': { 'sts:ExternalId': ID } } })),
    stricterBecause: 'only an exact StringEquals counts as an external ID match',
  },
  {
    name: 'StringNotEquals a wrong ID',
    before: exact,
    after: doc(allow({ Condition: { StringNotEquals: { 'sts:ExternalId': 'WRONG-ID-0000' } } })),
  },
  { name: 'Principal "*"', before: exact, after: doc(allow({ Principal: '*' })) },
  { name: 'Principal AWS "*"', before: exact, after: doc(allow({ Principal: { AWS: '*' } })) },
  {
    name: 'NotPrincipal another account',
    before: exact,
    after: doc(allow({ Principal: undefined, NotPrincipal: { AWS: root('111111111111') } })),
  },
  {
    name: 'a new principal with the exact ID',
    before: exact,
    after: doc(allow({ Principal: { AWS: [root(QUALYS), root(OTHER)] } })),
  },
  {
    name: 'sts:* instead of sts:AssumeRole',
    before: exact,
    after: doc(allow({ Action: 'sts:*' })),
    stricterBecause: SESSION_ACTIONS,
  },
  {
    name: 'NotAction sts:TagSession',
    before: exact,
    after: doc(allow({ Action: undefined, NotAction: 'sts:TagSession' })),
    stricterBecause: SESSION_ACTIONS,
  },
  {
    name: 'sts:TagSession allowed apart, without the condition',
    before: exact,
    after: doc(allow(), allow({ Sid: 'Tags', Action: 'sts:TagSession', Condition: undefined })),
  },
  { name: 'a Deny removed', before: doc(allow(), denyBadRole), after: exact },
  {
    name: 'a Deny narrowed by a condition',
    before: doc(allow(), denyBadRole),
    after: doc(allow(), { ...denyBadRole, Condition: { StringEquals: { 'sts:ExternalId': 'WRONG-ID-0000' } } }),
  },
  {
    name: 'a second external ID accepted',
    before: exact,
    after: doc(allow({ Condition: { StringEquals: { 'sts:ExternalId': [ID, ID2] } } })),
  },
  {
    name: 'one account root instead of one role in it',
    before: doc(allow({ Principal: { AWS: `arn:aws:iam::${QUALYS}:role/qualys` } })),
    after: exact,
  },
  {
    name: 'the external ID condition moved to an IfExists next to a required one',
    before: doc(allow({ Condition: { StringEquals: { 'sts:ExternalId': ID, 'aws:PrincipalAccount': QUALYS } } })),
    after: exact,
  },
];

const EQUIVALENT: TrustCase[] = [
  {
    name: 'a bare account ID for the account root ARN',
    before: exact,
    after: doc(allow({ Principal: { AWS: QUALYS } })),
    broadens: false,
  },
  {
    name: 'the condition key in another case',
    before: exact,
    after: doc(allow({ Condition: { StringEquals: { 'sts:externalid': ID } } })),
    broadens: false,
  },
  {
    name: 'a rotation: one ID for another',
    before: exact,
    after: doc(allow({ Condition: { StringEquals: { 'sts:ExternalId': ID2 } } })),
    broadens: false,
    rotation: true,
  },
  {
    name: 'one statement with two IDs split into two statements of one',
    before: doc(allow({ Condition: { StringEquals: { 'sts:ExternalId': [ID, ID2] } } })),
    after: doc(allow(), allow({ Sid: 'Other', Condition: { StringEquals: { 'sts:ExternalId': ID2 } } })),
    broadens: false,
  },
  { name: 'a new Deny', before: exact, after: doc(allow(), denyBadRole), broadens: false },
];

const CASES: TrustCase[] = [
  ...WEAKENINGS.map((c) => ({ ...c, broadens: true })),
  ...WEAKENINGS.map((c) => ({ name: `mirror of ${c.name}`, before: c.after, after: c.before, broadens: false })),
  ...EQUIVALENT,
];

const CALLERS = [
  `arn:aws:iam::${QUALYS}:role/qualys`,
  `arn:aws:iam::${QUALYS}:role/bad`,
  `arn:aws:iam::${OTHER}:role/other`,
  'arn:aws:iam::111111111111:role/x',
];
const PRESENTED = [undefined, ID, ID2, 'WRONG-ID-0000', ID.toLowerCase(), 'EU2-0000000'];
const ACTIONS = ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'];

async function decide(
  trust: IamDocumentJson,
  caller: string,
  action: string,
  externalId: string | undefined,
): Promise<Decision> {
  return simulateTrustRequest(trust, 'aws', caller, action, externalId);
}

/** Requests the simulator allows under `after` and not under `before`. */
async function newlyAllowed(c: TrustCase): Promise<string[]> {
  const found: string[] = [];
  for (const caller of CALLERS) {
    for (const action of ACTIONS) {
      for (const externalId of PRESENTED) {
        if (c.rotation && externalId === ID2) continue;
        const [before, after] = await Promise.all([
          decide(c.before, caller, action, externalId),
          decide(c.after, caller, action, externalId),
        ]);
        if (after === 'Allowed' && before !== 'Allowed')
          found.push(
            `${caller} ${action} ${externalId === undefined ? 'without an ID' : externalId === ID ? 'with the ID' : 'with another ID'}`,
          );
      }
    }
  }
  return found;
}

describe.each(CASES)('$name', (c) => {
  const verdict = compareTrust(c.before, c.after, 'aws');

  test(`the review ${c.broadens ? 'broadens' : 'does not broaden'}, and agrees with the simulator`, async () => {
    expect(verdict.broadening.length > 0).toBe(c.broadens);
    const requests = await newlyAllowed(c);
    // Sound: whatever the simulator lets in anew, the review reports.
    if (requests.length > 0) expect(verdict.broadening).not.toEqual([]);
    // And not blind: where it reports broadening, the simulator finds a request, unless stricter on purpose.
    if (verdict.broadening.length > 0 && c.stricterBecause === undefined) expect(requests).not.toEqual([]);
    if (!c.broadens) expect(requests).toEqual([]);
  });

  test('no external ID in what it says', () => {
    const text = JSON.stringify(verdict);
    for (const id of [ID, ID2, ID.toLowerCase(), 'EU2-*', 'WRONG-ID-0000']) expect(text).not.toContain(id);
  });
});

test('a statement IAM rejects (no principal) makes the trust unknown, which broadens', () => {
  const verdict = compareTrust(
    exact,
    doc(allow(), { Effect: 'Allow', Action: 'sts:AssumeRole' } as IamStatementJson),
    'aws',
  );
  expect(verdict.broadening).toContainEqual(
    expect.stringMatching(/cannot be judged: statement 2 needs exactly one of Principal and NotPrincipal/),
  );
});

test('the reasons name the principal, the actions and what is presented, never the ID', () => {
  const verdict = compareTrust(exact, doc(allow({ Condition: { StringLike: { 'sts:ExternalId': 'EU2-*' } } })), 'aws');
  expect(verdict.broadening).toEqual([
    `AWS ${root(QUALYS)} may now call sts:AssumeRole with an external ID compared with StringLike, weaker than an exact match, which the trust before did not allow`,
  ]);
});
