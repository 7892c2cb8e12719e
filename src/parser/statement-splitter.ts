/**
 * Splits text into statements at `;` outside string literals, quoted identifiers and comments —
 * what the shell needs to know when a statement is complete, and how POST /ksql cuts a request.
 * Linear in the text's length: every character is looked at once.
 */
export function splitStatements(text: string): string[];
export function splitStatements(text: string, keepRest: true): { complete: string[]; rest: string };
export function splitStatements(text: string, keepRest?: boolean): string[] | { complete: string[]; rest: string } {
  const complete: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"' || c === '`') {
      i++;
      while (i < text.length) {
        if (text[i] === c) {
          if (text[i + 1] === c) i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (c === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === ';') {
      const s = text.slice(start, i + 1);
      if (s.replace(/;$/, '').trim()) complete.push(s.trim());
      start = i + 1;
      i++;
    } else i++;
  }
  const rest = text.slice(start);
  if (keepRest) return { complete, rest: rest.trim() ? rest : '' };
  if (!onlyComments(rest)) complete.push(rest.trim());
  return complete;
}

/** Whether text is nothing but whitespace and comments (one linear scan; no backtracking regex). */
function onlyComments(text: string): boolean {
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) i++;
    else if (c === 45 && text.charCodeAt(i + 1) === 45) {
      const nl = text.indexOf('\n', i + 2);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return false;
      i = end + 2;
    } else return false;
  }
  return true;
}
