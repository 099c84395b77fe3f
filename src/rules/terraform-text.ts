/*
 * Text in Terraform's languages. Terraform reads every string as a template: `${` starts an interpolation and
 * `%{` a directive, and `$${` and `%%{` stand for themselves. Every renderer that writes Terraform (the
 * constructs, the modules, the rules' validations) and every reader of it (the review) uses these, so the
 * escape is written once.
 */

/** A string Terraform passes on unchanged: `${` and `%{` doubled. */
export function terraformLiteral(text: string): string {
  return text.replace(/([$%])\{/g, '$1$1{');
}

/** What Terraform makes of a literal string: `$${` and `%%{` read as `${` and `%{`. */
export function fromTerraformLiteral(text: string): string {
  return text.replace(/([$%])\1\{/g, '$1{');
}

/** Whether a Terraform string holds an interpolation or directive (`${`, `%{`; the doubled forms are escapes). */
export function hasTemplateSequence(text: string): boolean {
  return /[$%]\{/.test(text.replace(/([$%])\1\{/g, '{'));
}

/** A quoted string in Terraform's expression syntax (HCL escapes, template sequences doubled). */
export function hclString(text: string): string {
  return terraformLiteral(JSON.stringify(text));
}

/** `${expression}`: a Terraform expression inside a string of Terraform JSON. */
export function terraformExpression(expression: string): string {
  return `\${${expression}}`;
}

/** A list of strings in Terraform's expression syntax, spaced as `terraform fmt` writes it. */
export function hclStringList(values: readonly string[]): string {
  return `[${values.map(hclString).join(', ')}]`;
}

/** A map of strings in Terraform's expression syntax, on one line, spaced as `terraform fmt` writes it. */
export function hclStringMap(values: Readonly<Record<string, string>>): string {
  return `{ ${Object.entries(values)
    .map(([key, value]) => `${hclString(key)} = ${hclString(value)}`)
    .join(', ')} }`;
}
