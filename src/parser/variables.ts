/**
 * Variable substitution (DEFINE name = 'value'; ... ${name} ...), as ksqlDB does it: a textual
 * replacement over the statement, string literals included (`value_format = '${format}'` is the
 * documented use), before the statement is parsed.
 *
 * - Names are case-insensitive: ${replicas} and ${REPLICAS} are the same variable.
 * - A reference to an undefined variable is left as written (the parser then rejects or keeps it).
 * - `$${name}` escapes a reference: it becomes the literal text `${name}`.
 * - The value is inserted as stored by DEFINE, i.e. with its outer quotes removed: DEFINE x = '3'
 *   inserts 3, DEFINE t = '''my_topic''' inserts 'my_topic'.
 */

const REFERENCE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_@]*)\}/g;

export function substituteVariables(text: string, vars: ReadonlyMap<string, string>): string {
  if (!text.includes('${')) return text;
  const byName = new Map<string, string>();
  for (const [name, value] of vars) byName.set(name.toUpperCase(), value);
  return text.replace(REFERENCE, (whole, escape: string, name: string) => {
    if (escape === '$') return whole.slice(1);
    return byName.get(name.toUpperCase()) ?? whole;
  });
}

/** The names of the variables a text references (escaped references excluded), upper-cased. */
export function referencedVariables(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(REFERENCE)) if (m[1] !== '$') names.add(m[2]!.toUpperCase());
  return [...names];
}
