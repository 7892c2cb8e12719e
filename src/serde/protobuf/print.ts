/**
 * ProtoFile → .proto text in the layout of the Confluent registry's canonical string (the text it
 * stores and returns, and that ksqlDB's generated schemas are compared in): two-space indents,
 * messages before enums in every scope, fields, then oneofs, then nested types, options of a
 * field after it in brackets, aggregate option values one entry per line.
 */
import type { OptValue, ProtoEnum, ProtoField, ProtoFile, ProtoMessage, ProtoOneof, ProtoOption, ProtoType } from './model.js';

export function printProto(file: ProtoFile): string {
  let sb = '';
  if (file.syntaxDeclared && file.syntax !== 'editions') sb += `syntax = "${file.syntax}";\n`;
  if (file.pkg !== undefined) sb += `package ${file.pkg};\n`;
  const plain = file.imports.filter((i) => i.modifier !== 'public');
  const pub = file.imports.filter((i) => i.modifier === 'public');
  if (file.imports.length > 0) {
    sb += '\n';
    for (const i of plain) sb += `import "${escape(i.path)}";\n`;
    for (const i of pub) sb += `import public "${escape(i.path)}";\n`;
  }
  if (file.options.length > 0) {
    sb += '\n';
    for (const o of file.options) sb += optionStatement(o);
  }
  const types = visible(file.types);
  if (types.length > 0) {
    sb += '\n';
    for (const t of types) if (t.kind === 'message') sb += message(t);
    for (const t of types) if (t.kind === 'enum') sb += enumText(t);
  }
  return sb;
}

function visible(types: readonly ProtoType[]): ProtoType[] {
  return types.filter((t) => t.kind === 'enum' || !t.synthetic);
}

function message(m: ProtoMessage): string {
  let sb = `message ${m.name} {`;
  if (m.reserved.length > 0) {
    sb += '\n';
    for (const r of m.reserved) sb += indent(`reserved ${r};\n`);
  }
  if (m.options.length > 0) {
    sb += '\n';
    for (const o of m.options) sb += indent(optionStatement(o));
  }
  if (m.fields.length > 0) {
    sb += '\n';
    for (const f of m.fields) sb += indent(field(f));
  }
  const oneofs = m.oneofs.filter((o) => o.fields.length > 0);
  if (oneofs.length > 0) {
    sb += '\n';
    for (const o of oneofs) sb += indent(oneof(o));
  }
  const nested = visible(m.nested);
  if (nested.length > 0) {
    sb += '\n';
    for (const t of nested) if (t.kind === 'message') sb += indent(message(t));
    for (const t of nested) if (t.kind === 'enum') sb += indent(enumText(t));
  }
  return sb + '}\n';
}

function oneof(o: ProtoOneof): string {
  let sb = `oneof ${o.name} {`;
  if (o.options.length > 0) {
    sb += '\n';
    for (const opt of o.options) sb += indent(optionStatement(opt));
  }
  sb += '\n';
  for (const f of o.fields) sb += indent(field(f));
  return sb + '}\n';
}

function enumText(e: ProtoEnum): string {
  let sb = `enum ${e.name} {`;
  if (e.reserved.length > 0) {
    sb += '\n';
    for (const r of e.reserved) sb += indent(`reserved ${r};\n`);
  } else if (e.options.length > 0 || e.values.length > 0) {
    sb += '\n';
  }
  for (const o of e.options) sb += indent(optionStatement(o));
  for (const v of e.values) {
    sb += indent(`${v.name} = ${v.number}${v.options.length > 0 ? ' ' + optionList(v.options) : ''};\n`);
  }
  return sb + '}\n';
}

function field(f: ProtoField): string {
  let sb = f.label !== undefined && f.oneof === undefined ? `${f.label} ` : '';
  sb += `${f.typeName} ${f.name} = ${f.number}`;
  // The registry's parser keeps `default` and `json_name` apart and prints them last.
  const special = f.options.filter((o) => o.name === 'default' || o.name === 'json_name');
  const options = [...f.options.filter((o) => o.name !== 'default' && o.name !== 'json_name'), ...special];
  if (options.length > 0) sb += ' ' + optionList(options);
  return sb + ';\n';
}

function optionStatement(o: ProtoOption): string {
  return `option ${option(o)};\n`;
}

function optionList(options: readonly ProtoOption[]): string {
  if (options.length === 1) return `[${option(options[0]!)}]`;
  let sb = '[\n';
  options.forEach((o, i) => (sb += indent(option(o) + (i < options.length - 1 ? ',' : ''))));
  return sb + ']';
}

function option(o: ProtoOption): string {
  const v = o.value;
  switch (v.kind) {
    case 'string':
      return `${o.name} = "${escape(v.value)}"`;
    case 'number':
    case 'ident':
      return `${o.name} = ${v.text}`;
    case 'map':
      return `${o.name} = {\n${optionMap(v)}}`;
    case 'list':
      return `${o.name} = ${listValue(v.items)}`;
  }
}

function optionMap(v: Extract<OptValue, { kind: 'map' }>): string {
  // Repeated keys are one list, as the registry's parser reads them.
  const grouped = new Map<string, OptValue[]>();
  for (const [k, val] of v.entries) {
    const list = grouped.get(k);
    if (list) list.push(val);
    else grouped.set(k, [val]);
  }
  let sb = '';
  let i = 0;
  for (const [k, vals] of grouped) {
    const value: OptValue = vals.length === 1 ? vals[0]! : { kind: 'list', items: vals.flatMap((x) => (x.kind === 'list' ? x.items : [x])) };
    sb += indent(`${k}: ${valueText(value)}${i < grouped.size - 1 ? ',' : ''}`);
    i++;
  }
  return sb;
}

function valueText(v: OptValue): string {
  switch (v.kind) {
    case 'string':
      return `"${escape(v.value)}"`;
    case 'number':
    case 'ident':
      return v.text;
    case 'map':
      return `{\n${optionMap(v)}}`;
    case 'list':
      return listValue(v.items);
  }
}

function listValue(items: readonly OptValue[]): string {
  let sb = '[\n';
  items.forEach((it, i) => (sb += indent(valueText(it) + (i < items.length - 1 ? ',' : ''))));
  return sb + ']';
}

/** Every line indented by two spaces (Java's split drops a trailing empty line). */
function indent(text: string): string {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let out = '';
  for (const l of lines) out += '  ' + l + '\n';
  return out;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', "'": "\\'", '"': '\\"',
};

function escape(s: string): string {
  let out = '';
  for (const c of s) out += ESCAPES[c] ?? c;
  return out;
}
