import { IAM_LIMITS } from './limits';
import { PolicyDocument, PolicyStatement } from './model';

/**
 * Splits a document into as few documents as a greedy, order-preserving packing gives, each within
 * `limit` characters. The result depends only on the input, so repeated syntheses name and fill the
 * parts identically. A statement that is too large alone is cut into action chunks (`<Sid>Part1`, ...).
 */
export function splitPolicyDocument(
  document: PolicyDocument,
  limit: number = IAM_LIMITS.managedPolicySize,
): PolicyDocument[] {
  if (document.size <= limit) return [document];

  const pieces: PolicyStatement[] = [];
  for (const statement of document.statements) {
    if (new PolicyDocument([statement]).size <= limit) {
      pieces.push(statement);
    } else {
      pieces.push(...cutStatement(statement, limit));
    }
  }

  const parts: PolicyStatement[][] = [];
  let current: PolicyStatement[] = [];
  for (const piece of pieces) {
    if (current.length > 0 && new PolicyDocument([...current, piece]).size > limit) {
      parts.push(current);
      current = [];
    }
    current.push(piece);
  }
  if (current.length > 0) parts.push(current);
  return parts.map((statements) => new PolicyDocument(statements));
}

function cutStatement(statement: PolicyStatement, limit: number): PolicyStatement[] {
  const chunks: string[][] = [];
  let chunk: string[] = [];
  for (const action of statement.actions) {
    const candidate = [...chunk, action];
    const sid = `${statement.sid}Part${chunks.length + 1}`;
    if (chunk.length > 0 && new PolicyDocument([statement.withActions(sid, candidate)]).size > limit) {
      chunks.push(chunk);
      chunk = [action];
    } else {
      chunk = candidate;
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks.map((actions, i) => {
    const part = statement.withActions(`${statement.sid}Part${i + 1}`, actions);
    if (new PolicyDocument([part]).size > limit) {
      throw new Error(
        `statement "${statement.sid}" cannot be split below ${limit} characters: one action with its resources and conditions is already larger`,
      );
    }
    return part;
  });
}
