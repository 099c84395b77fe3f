import { z } from 'zod';
import { hclString } from './terraform-text';

/*
 * Rules for the values that can be a configuration field, a construct prop, a Terraform variable or a
 * CloudFormation parameter, each defined once and rendered into each language: a check that gives the
 * rule's message (the plan's problem lists), a zod schema (the configuration file), a Terraform `validation`
 * condition (the plain modules) and the constraints of a CloudFormation parameter. Patterns are written in the
 * syntax JavaScript, RE2 (Terraform) and Java (CloudFormation) share.
 */

interface RuleText {
  /** The rule as an error message states it ("must be ..."). */
  readonly message: string;
  /** The short form CloudFormation shows when a parameter breaks the rule. */
  readonly constraintDescription: string;
}

/** Characters of one class and a length range: long ranges exceed RE2's repetition limit of 1000. */
export interface CharacterRule extends RuleText {
  readonly kind: 'characters';
  /** The inside of a character class, e.g. `\w+=,.@-`. */
  readonly characters: string;
  readonly minLength: number;
  readonly maxLength: number;
}

/** A whole-value pattern (without anchors), with a length limit where the pattern does not carry one. */
export interface PatternRule extends RuleText {
  readonly kind: 'pattern';
  readonly pattern: string;
  readonly maxLength?: number;
  /** Unicode classes (`\p{L}`): JavaScript needs the u flag; RE2 reads them as they are. */
  readonly unicode?: boolean;
}

/** A whole number in a range. */
export interface IntegerRule {
  readonly kind: 'integer';
  readonly min: number;
  readonly max: number;
  readonly message: string;
}

export type StringRule = CharacterRule | PatternRule;
export type ValueRule = StringRule | IntegerRule;

export const externalIdRule: CharacterRule = {
  kind: 'characters',
  characters: '\\w+=,.@:/-',
  minLength: 2,
  maxLength: 1224,
  message:
    'must be 2 to 1224 characters of letters, digits and _ + = , . @ : / - (what STS accepts for sts:ExternalId)',
  constraintDescription: '2 to 1224 letters, digits and _ + = , . @ : / -',
};

/** How many external IDs one trust policy accepts at once: enough to rotate without downtime. */
export const MAX_EXTERNAL_IDS = 5;

export const roleNameRule: CharacterRule = {
  kind: 'characters',
  characters: '\\w+=,.@-',
  minLength: 1,
  maxLength: 64,
  message: 'must be 1 to 64 characters of letters, digits and _ + = , . @ - (IAM role name rule)',
  constraintDescription: 'letters, digits and _ + = , . @ -',
};

export const accountIdRule: PatternRule = {
  kind: 'pattern',
  pattern: '\\d{12}',
  message: 'must be an AWS account ID: exactly 12 digits, as a string',
  constraintDescription: '12 digits',
};

export const organizationalUnitIdRule: PatternRule = {
  kind: 'pattern',
  pattern: 'ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}',
  message: 'must be an organizational unit ID: ou-<4 to 32 of 0-9a-z>-<8 to 32 of 0-9a-z>',
  constraintDescription: 'ou- then 4 to 32 and 8 to 32 of 0-9a-z, separated by -',
};

export const organizationRootIdRule: PatternRule = {
  kind: 'pattern',
  pattern: 'r-[0-9a-z]{4,32}',
  message: 'must be an organization root ID: r-<4 to 32 of 0-9a-z>',
  constraintDescription: 'r- then 4 to 32 of 0-9a-z',
};

export const iamPathRule: PatternRule = {
  kind: 'pattern',
  pattern: '/([\\x21-\\x7E]*/)?',
  maxLength: 512,
  message:
    'must be an IAM path: start and end with "/", printable ASCII without spaces, at most 512 characters (IAM path rule)',
  constraintDescription: '/ or /text/ of printable ASCII, at most 512 characters',
};

export const policyArnRule: PatternRule = {
  kind: 'pattern',
  pattern: 'arn:(aws|aws-us-gov|aws-cn):iam::(\\d{12}|aws):policy/([\\x21-\\x7E]*/)?[\\w+=,.@-]{1,128}',
  message: 'must be an IAM policy ARN: arn:<partition>:iam::<12-digit account or "aws">:policy/<path><name>',
  constraintDescription: 'an IAM policy ARN',
};

export const roleArnRule: PatternRule = {
  kind: 'pattern',
  pattern: 'arn:(aws|aws-us-gov|aws-cn):iam::\\d{12}:role/([\\x21-\\x7E]*/)?[\\w+=,.@-]{1,64}',
  message: 'must be an IAM role ARN: arn:<partition>:iam::<12 digits>:role/<name>',
  constraintDescription: 'an IAM role ARN',
};

export const roleDescriptionRule: PatternRule = {
  kind: 'pattern',
  pattern: '[\\t\\n\\r\\x20-\\x7E\\xA1-\\xFF]*',
  maxLength: 1000,
  message: 'must be at most 1000 characters, printable Latin-1 only (IAM role description rule)',
  constraintDescription: 'at most 1000 printable Latin-1 characters',
};

const TAG_CHARACTERS = '[\\p{L}\\p{Z}\\p{N}_.:/=+@-]';

export const tagKeyRule: PatternRule = {
  kind: 'pattern',
  pattern: `${TAG_CHARACTERS}{1,128}`,
  unicode: true,
  message: 'tag key must be 1 to 128 letters, digits, spaces and _ . : / = + - @ (IAM tag rule)',
  constraintDescription: '1 to 128 letters, digits, spaces and _ . : / = + - @',
};

export const tagValueRule: PatternRule = {
  kind: 'pattern',
  pattern: `${TAG_CHARACTERS}{0,256}`,
  unicode: true,
  message: 'tag value must be 0 to 256 letters, digits, spaces and _ . : / = + - @ (IAM tag rule)',
  constraintDescription: '0 to 256 letters, digits, spaces and _ . : / = + - @',
};

/** Tags on a role and its policies: at most this many, and no key in AWS's reserved namespace. */
export const TAG_LIMITS = { maxTags: 50, reservedPrefix: 'aws:' } as const;

export const stackSetNameRule: PatternRule = {
  kind: 'pattern',
  pattern: '[A-Za-z][A-Za-z0-9-]{0,127}',
  message: 'must start with a letter, then letters, digits and hyphens, at most 128 characters (StackSet name rule)',
  constraintDescription: 'a letter, then letters, digits and hyphens, at most 128 characters',
};

export const stackNameRule: PatternRule = {
  kind: 'pattern',
  pattern: '[A-Za-z][A-Za-z0-9_-]{0,63}',
  message: 'must start with a letter and have at most 64 letters, digits, _ or -',
  constraintDescription: 'a letter, then at most 63 letters, digits, _ or -',
};

export const terraformIdentifierRule: PatternRule = {
  kind: 'pattern',
  pattern: '[A-Za-z_][A-Za-z0-9_-]*',
  message: 'must be a Terraform identifier: a letter or _ then letters, digits, _ or -',
  constraintDescription: 'a Terraform identifier',
};

export const maxSessionDurationRule: IntegerRule = {
  kind: 'integer',
  min: 3600,
  max: 43200,
  message: 'must be a whole number of seconds from 3600 (1 hour) to 43200 (12 hours), the IAM range',
};

export const DEFAULT_MAX_SESSION_DURATION = maxSessionDurationRule.min;

export const managedPolicyQuotaRule: IntegerRule = {
  kind: 'integer',
  min: 10,
  max: 20,
  message:
    'must be a whole number from 10 (the default IAM quota of managed policies per role) to 20 (the highest AWS grants)',
};

/** Every rule, by name: the test renders each into every language and compares their verdicts. */
export const VALUE_RULES = {
  externalId: externalIdRule,
  roleName: roleNameRule,
  accountId: accountIdRule,
  organizationalUnitId: organizationalUnitIdRule,
  organizationRootId: organizationRootIdRule,
  iamPath: iamPathRule,
  policyArn: policyArnRule,
  roleArn: roleArnRule,
  roleDescription: roleDescriptionRule,
  tagKey: tagKeyRule,
  tagValue: tagValueRule,
  stackSetName: stackSetNameRule,
  stackName: stackNameRule,
  terraformIdentifier: terraformIdentifierRule,
  maxSessionDuration: maxSessionDurationRule,
  managedPolicyQuota: managedPolicyQuotaRule,
} as const;

/** A string rule as a JavaScript regular expression over the whole value. */
export function ruleRegExp(rule: StringRule): RegExp {
  return new RegExp(
    rule.kind === 'characters' ? `^[${rule.characters}]{${rule.minLength},${rule.maxLength}}$` : `^(${rule.pattern})$`,
    rule.kind === 'pattern' && rule.unicode ? 'u' : '',
  );
}

/** What a value of the wrong type is told: its type, then the rule. */
function typeError(rule: ValueRule): string {
  const type = rule.kind === 'integer' ? 'a number' : 'a string';
  return rule.message.startsWith('must ') ? `is not ${type}: it ${rule.message}` : `is not ${type}: ${rule.message}`;
}

/** The rule's message when `value` breaks it, else undefined: the check the plan's problem lists use. */
export function breaks(rule: ValueRule, value: unknown): string | undefined {
  if (rule.kind === 'integer') {
    if (typeof value !== 'number') return typeError(rule);
    return Number.isInteger(value) && value >= rule.min && value <= rule.max ? undefined : rule.message;
  }
  if (typeof value !== 'string') return typeError(rule);
  if (rule.kind === 'pattern' && rule.maxLength !== undefined && [...value].length > rule.maxLength)
    return rule.message;
  return ruleRegExp(rule).test(value) ? undefined : rule.message;
}

/** The rule as a zod schema; `wrongType` is the message for a value of another type. */
export function zodRule(rule: StringRule, wrongType?: string): z.ZodString;
export function zodRule(rule: IntegerRule, wrongType?: string): z.ZodNumber;
export function zodRule(rule: ValueRule, wrongType: string = typeError(rule)): z.ZodString | z.ZodNumber {
  if (rule.kind === 'integer')
    return z
      .number({ error: wrongType })
      .int({ error: rule.message })
      .min(rule.min, { error: rule.message })
      .max(rule.max, { error: rule.message });
  const schema = z.string({ error: wrongType });
  const limited =
    rule.kind === 'pattern' && rule.maxLength !== undefined
      ? schema.refine((v) => [...v].length <= (rule.maxLength as number), { error: rule.message })
      : schema;
  return (limited as z.ZodString).regex(ruleRegExp(rule), { error: rule.message });
}

/** The rule as a Terraform condition on `expression` (e.g. `var.external_id`), without the `${}` around it. */
export function terraformCondition(rule: ValueRule, expression: string): string {
  if (rule.kind === 'integer')
    return `floor(${expression}) == ${expression} && ${expression} >= ${rule.min} && ${expression} <= ${rule.max}`;
  if (rule.kind === 'pattern') {
    const length = rule.maxLength === undefined ? '' : `length(${expression}) <= ${rule.maxLength} && `;
    return `${length}can(regex(${hclString(`^(${rule.pattern})$`)}, ${expression}))`;
  }
  return `length(${expression}) >= ${rule.minLength} && length(${expression}) <= ${rule.maxLength} && can(regex(${hclString(`^[${rule.characters}]+$`)}, ${expression}))`;
}

/** CloudFormation writes the shorthand classes out: the template then reads without JSON escapes. */
function javaCharacters(characters: string): string {
  return characters.replace(/\\w/g, 'A-Za-z0-9_').replace(/\\d/g, '0-9');
}

/** A pattern with its shorthand classes written out, inside a character class and outside one. */
function javaPattern(pattern: string): string {
  let inClass = false;
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const escaped = pattern.slice(i, i + 2);
      const spelled = escaped === '\\w' ? 'A-Za-z0-9_' : escaped === '\\d' ? '0-9' : undefined;
      out += spelled === undefined ? escaped : inClass ? spelled : `[${spelled}]`;
      i++;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    out += c;
  }
  return out;
}

export interface CloudFormationConstraints {
  readonly MinLength?: number;
  readonly MaxLength?: number;
  readonly AllowedPattern: string;
  readonly ConstraintDescription: string;
}

/**
 * The rule as CloudFormation parameter constraints. For a character rule the pattern checks the characters and
 * MinLength/MaxLength the length; `+` keeps a one-character minimum in the pattern too, `*` leaves longer ones
 * to MinLength.
 */
export function cloudFormationConstraints(rule: StringRule): CloudFormationConstraints {
  if (rule.kind === 'pattern') {
    const pattern = javaPattern(rule.pattern);
    // No top-level alternation in these patterns, so the anchors need no group around it.
    return {
      ...(rule.maxLength !== undefined ? { MaxLength: rule.maxLength } : {}),
      AllowedPattern: `^${pattern}$`,
      ConstraintDescription: rule.constraintDescription,
    };
  }
  return {
    MinLength: rule.minLength,
    MaxLength: rule.maxLength,
    AllowedPattern: `^[${javaCharacters(rule.characters)}]${rule.minLength === 1 ? '+' : '*'}$`,
    ConstraintDescription: rule.constraintDescription,
  };
}

/** An optional parameter: empty means "not given", anything else follows the rule. */
export function optionalCloudFormationPattern(rule: CharacterRule): string {
  return `^([${javaCharacters(rule.characters)}]{${rule.minLength},})?$`;
}

/** The rule as documentation prose (README tables, module READMEs). */
export function ruleText(rule: ValueRule): string {
  return rule.message.replace(/^(tag \w+ )?must /, '').replace(/^be /, '');
}
