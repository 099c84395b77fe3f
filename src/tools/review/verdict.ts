// The gate's verdict as a file: what was judged (its digest) and whether it passed, for the deploy to check.
import { readFileSync } from 'fs';
import { ConfigurationError } from '../../rules/errors';
import { SynthesisDigest, digestDifferences } from './digest';

export const VERDICT_FORMAT = 1;

export interface Verdict {
  readonly verdictFormat: typeof VERDICT_FORMAT;
  /** The gate passed: nothing broadened, moved, was unknown, or needs a deployer policy not yet in force. */
  readonly passed: boolean;
  readonly digest: string;
  readonly files: Readonly<Record<string, string>>;
  /** The commit of the base branch whose code and configuration judged the change, when given. */
  readonly base: string | null;
  /** The pull request judged, when given. */
  readonly pullRequest: number | null;
  readonly summary: string;
  /** Why the gate holds (external IDs redacted); empty when it passed. */
  readonly reasons: readonly string[];
}

export function verdictJson(verdict: Verdict): string {
  return `${JSON.stringify(verdict, null, 2)}\n`;
}

function invalid(path: string, rule: string): ConfigurationError {
  return new ConfigurationError(
    [{ field: '--verify-verdict', value: JSON.stringify(path), rule }],
    'Invalid qualys-connector-review input',
  );
}

const HASH = /^sha256:[0-9a-f]{64}$/;

/** A verdict file as written by `--verdict`; anything else is bad input (exit 2), never a pass. */
export function readVerdict(path: string): Verdict {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw invalid(path, `must be a verdict file written by --verdict (${(error as Error).message})`);
  }
  const record = (typeof data === 'object' && data !== null && !Array.isArray(data) ? data : {}) as Record<
    string,
    unknown
  >;
  if (record.verdictFormat !== VERDICT_FORMAT)
    throw invalid(path, `must be a verdict of format ${VERDICT_FORMAT} (verdictFormat), as --verdict writes it`);
  const files = record.files;
  if (
    typeof record.digest !== 'string' ||
    !HASH.test(record.digest) ||
    typeof files !== 'object' ||
    files === null ||
    Array.isArray(files) ||
    !Object.values(files).every((h) => typeof h === 'string' && HASH.test(h)) ||
    typeof record.passed !== 'boolean' ||
    !(record.base === null || (typeof record.base === 'string' && /^[0-9a-f]{7,64}$/.test(record.base))) ||
    !(record.pullRequest === null || Number.isSafeInteger(record.pullRequest))
  )
    throw invalid(path, 'must hold digest, files, passed, base and pullRequest as --verdict writes them');
  return {
    verdictFormat: VERDICT_FORMAT,
    passed: record.passed,
    digest: record.digest,
    files: files as Record<string, string>,
    base: record.base as string | null,
    pullRequest: record.pullRequest as number | null,
    summary: typeof record.summary === 'string' ? record.summary : '',
    reasons: Array.isArray(record.reasons) ? record.reasons.map(String) : [],
  };
}

/**
 * Why a verdict does not cover what is about to be deployed: it did not pass, it judged other files, or it
 * judged against another base commit than the one this deploy follows. Empty: the deploy is what was judged.
 */
export function verdictProblems(verdict: Verdict, now: SynthesisDigest, base: string | undefined): string[] {
  const problems: string[] = [];
  if (!verdict.passed)
    problems.push(
      `the review held the change (${verdict.reasons.length > 0 ? verdict.reasons.join('; ') : 'no reason recorded'})`,
    );
  if (verdict.digest !== now.digest) {
    const files = digestDifferences(verdict.files, now.files);
    problems.push(
      `the review judged ${verdict.digest}, this synthesis is ${now.digest}${files.length > 0 ? `: ${files.join('; ')}` : ''}`,
    );
  }
  if (base !== undefined && verdict.base !== base)
    problems.push(
      `the review judged the change against base commit ${verdict.base ?? '(none recorded)'}, this deploy follows ${base}: review the change again against the branch as it is`,
    );
  return problems;
}
