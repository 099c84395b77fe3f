/*
 * Text in Markdown, the one place each kind of text is escaped: the README's generated tables, the module
 * READMEs, the deployer policy and the review (pull-request comments, where the text may come from anyone).
 */

/** Longest piece of outside text shown in one place (a role name, an ARN, a condition): the rest is cut with an ellipsis. */
const PIECE_LIMIT = 300;

function shorten(text: string): string {
  return text.length > PIECE_LIMIT ? `${text.slice(0, PIECE_LIMIT - 1)}\u2026` : text;
}

/** This project's own Markdown in a table cell: its pipes escaped, its lines joined. */
export function tableCell(markdown: string): string {
  return markdown.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

/** Outside text as plain text in Markdown or a table cell: every character Markdown or HTML would read is escaped, lines flattened. */
export function markdownText(text: string): string {
  return shorten(text.replace(/[\r\n]+/g, ' ')).replace(/[\\`*_[\]<>|~#&]/g, (c) => `\\${c}`);
}

/** Outside text as a code span (backticks inside become a look-alike, so the span cannot be closed early). */
export function codeSpan(text: string): string {
  return text === ''
    ? ''
    : `\`${shorten(text.replace(/[\r\n]+/g, ' '))
        .replace(/`/g, '\u02cb')
        .replace(/\|/g, '\\|')}\``;
}
