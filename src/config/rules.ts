import { z } from 'zod';

/*
 * Rules for the values that can be a configuration field, a Terraform variable or a CloudFormation parameter,
 * each defined once and rendered into each language: a zod schema, a Terraform `validation` condition and the
 * constraints of a CloudFormation parameter. Patterns are written in the syntax JavaScript, RE2 (Terraform) and
 * Java (CloudFormation) share.
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

/** A whole-value pattern (without anchors). */
export interface PatternRule extends RuleText {
  readonly kind: 'pattern';
  readonly pattern: string;
}

export type ValueRule = CharacterRule | PatternRule;

export const externalIdRule: CharacterRule = {
  kind: 'characters',
  characters: '\\w+=,.@:/-',
  minLength: 2,
  maxLength: 1224,
  message: 'must be 2 to 1224 characters of letters, digits and _ + = , . @ : / - (what STS accepts for sts:ExternalId)',
  constraintDescription: '2 to 1224 letters, digits and _ + = , . @ : / -',
};

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
  message: 'must be an AWS account ID: exactly 12 digits',
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

/** The rule as a JavaScript regular expression over the whole value. */
export function ruleRegExp(rule: ValueRule): RegExp {
  return new RegExp(rule.kind === 'characters' ? `^[${rule.characters}]{${rule.minLength},${rule.maxLength}}$` : `^${rule.pattern}$`);
}

/** A zod string schema for the rule; `typeError` is the message for a value that is no string at all. */
export function zodString(rule: ValueRule, typeError: string = rule.message): z.ZodString {
  return z.string({ error: typeError }).regex(ruleRegExp(rule), { error: rule.message });
}

/** A string literal in Terraform's expression syntax (HCL escapes, template sequences doubled). */
function hclString(text: string): string {
  return JSON.stringify(text).replace(/([$%])\{/g, '$1$1{');
}

/** The rule as a Terraform condition on `expression` (e.g. `var.external_id`), without the `${}` around it. */
export function terraformCondition(rule: ValueRule, expression: string): string {
  if (rule.kind === 'pattern') return `can(regex(${hclString(`^${rule.pattern}$`)}, ${expression}))`;
  return `length(${expression}) >= ${rule.minLength} && length(${expression}) <= ${rule.maxLength} && can(regex(${hclString(`^[${rule.characters}]+$`)}, ${expression}))`;
}

/** CloudFormation writes the shorthand classes out: the template then reads without JSON escapes. */
function javaCharacters(characters: string): string {
  return characters.replace(/\\w/g, 'A-Za-z0-9_').replace(/\\d/g, '0-9');
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
export function cloudFormationConstraints(rule: ValueRule): CloudFormationConstraints {
  if (rule.kind === 'pattern') {
    // Patterns use shorthands outside character classes only.
    const pattern = rule.pattern.replace(/\\d/g, '[0-9]').replace(/\\w/g, '[A-Za-z0-9_]');
    return { AllowedPattern: `^${pattern}$`, ConstraintDescription: rule.constraintDescription };
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
