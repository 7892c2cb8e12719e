/**
 * .proto text → ProtoFile (declarations only; load.ts resolves imports and type names).
 *
 * Own parser rather than protobufjs': protobufjs 7 rejects the `[{ ... }, { ... }]` list values
 * of Confluent's `(confluent.field_meta)` option, which ksqlDB writes on every DECIMAL field.
 * Covers proto2 and proto3: syntax/edition, package, imports, options (aggregates included),
 * messages, fields, map fields, oneofs, enums, reserved; extensions, extend blocks, services and
 * groups are read and ignored (ksqlDB's Connect conversion ignores them too).
 */
import type { Label, OptValue, ProtoEnum, ProtoField, ProtoFile, ProtoMessage, ProtoOneof, ProtoOption, ProtoType } from './model.js';
import { ProtoSyntaxError, TokenCursor, tokenize, type Token } from './tokenize.js';

export { ProtoSyntaxError } from './tokenize.js';

const LABELS: ReadonlySet<string> = new Set(['optional', 'required', 'repeated']);
const MAX_FIELD_NUMBER = 536_870_911;

export function parseProto(text: string, name: string): ProtoFile {
  return new Parser(tokenize(text), name).file();
}

/** protoc's entry message name for a map field: `my_map` → `MyMapEntry`. */
export function mapEntryName(field: string): string {
  let out = '';
  let upper = true;
  for (const c of field) {
    if (c === '_') {
      upper = true;
      continue;
    }
    out += upper ? c.toUpperCase() : c;
    upper = false;
  }
  return out + 'Entry';
}

class Parser extends TokenCursor {
  private syntax: ProtoFile['syntax'] = 'proto2';

  constructor(
    toks: Token[],
    private readonly fileName: string,
  ) {
    super(toks);
  }

  file(): ProtoFile {
    const file: ProtoFile = { name: this.fileName, syntax: 'proto2', syntaxDeclared: false, pkg: undefined, imports: [], options: [], types: [] };
    const { imports, options, types } = file;
    while (this.peek()) {
      const t = this.next();
      if (t.t === 'sym' && t.v === ';') continue;
      if (t.t !== 'ident') throw this.error(t, 'a declaration');
      switch (t.v) {
        case 'syntax':
        case 'edition': {
          this.expect('=');
          const v = this.expectString();
          this.expect(';');
          if (t.v === 'edition') this.syntax = 'editions';
          else if (v === 'proto3' || v === 'proto2') this.syntax = v;
          else throw new ProtoSyntaxError(`unrecognized syntax "${v}" (line ${t.line})`);
          file.syntax = this.syntax;
          file.syntaxDeclared = true;
          break;
        }
        case 'package':
          if (file.pkg !== undefined) throw new ProtoSyntaxError(`multiple package declarations (line ${t.line})`);
          file.pkg = this.fullIdent();
          this.expect(';');
          break;
        case 'import': {
          let modifier: 'public' | 'weak' | undefined;
          if (this.peekIs('public') || this.peekIs('weak')) modifier = this.next().v as 'public' | 'weak';
          imports.push({ path: this.expectString(), modifier });
          this.expect(';');
          break;
        }
        case 'option':
          options.push(this.optionStatement());
          break;
        case 'message':
          types.push(this.message(file, file.pkg, this.ident()));
          break;
        case 'enum':
          types.push(this.enumDecl(file.pkg));
          break;
        case 'service':
        case 'extend':
          this.skipDeclaration();
          break;
        default:
          throw this.error(t, 'a declaration');
      }
    }
    return file;
  }

  private message(file: ProtoFile, scope: string | undefined, name: string): ProtoMessage {
    const fullName = scope ? `${scope}.${name}` : name;
    const m: ProtoMessage = {
      kind: 'message', name, fullName, fields: [], oneofs: [], nested: [], options: [], reserved: [], synthetic: false, file, allFields: [],
    };
    this.expect('{');
    while (!this.eat('}')) this.messageItem(m, file, undefined);
    return m;
  }

  private messageItem(m: ProtoMessage, file: ProtoFile, oneof: ProtoOneof | undefined): void {
    const t = this.peek();
    if (!t) throw new ProtoSyntaxError(`unexpected end of input in message ${m.name}`);
    if (t.t === 'sym' && t.v === ';') {
      this.i++;
      return;
    }
    if (t.t !== 'ident') throw this.error(t, 'a field');
    const after = this.toks[this.i + 1];
    const keywordUse = after !== undefined && !(after.t === 'sym' && (after.v === '.' || after.v === '='));
    if (oneof === undefined && keywordUse) {
      switch (t.v) {
        case 'message':
          this.i++;
          m.nested.push(this.message(file, m.fullName, this.ident()));
          return;
        case 'enum':
          this.i++;
          m.nested.push(this.enumDecl(m.fullName));
          return;
        case 'oneof': {
          this.i++;
          const o: ProtoOneof = { name: this.ident(), fields: [], options: [] };
          m.oneofs.push(o);
          this.expect('{');
          while (!this.eat('}')) this.messageItem(m, file, o);
          return;
        }
        case 'reserved':
          this.i++;
          m.reserved.push(this.reservedItems());
          return;
        case 'extensions':
        case 'extend':
          this.skipDeclaration();
          return;
      }
    }
    if (t.v === 'option' && keywordUse) {
      this.i++;
      (oneof ? oneof.options : m.options).push(this.optionStatement());
      return;
    }
    this.field(m, file, oneof);
  }

  private field(m: ProtoMessage, file: ProtoFile, oneof: ProtoOneof | undefined): void {
    let label: Label | undefined;
    const first = this.peek()!;
    const after = this.toks[this.i + 1];
    if (LABELS.has(first.v) && after && after.t === 'ident') {
      label = this.next().v as Label;
    }
    if (this.peekIs('group') && this.toks[this.i + 1]?.t === 'ident' && this.toks[this.i + 2]?.v === '=') {
      // proto2 group: a nested message and a field of it; Connect ignores both.
      this.i++;
      const name = this.ident();
      this.expect('=');
      this.intLiteral();
      if (this.peekIs('[')) this.fieldOptions();
      const g = this.message(file, m.fullName, name);
      m.nested.push(g);
      return;
    }
    let typeName: string;
    let mapKey: string | undefined;
    let mapValue: string | undefined;
    if (this.peekIs('map') && this.toks[this.i + 1]?.v === '<') {
      this.i += 2;
      mapKey = this.typeRef();
      this.expect(',');
      mapValue = this.typeRef();
      this.expect('>');
      typeName = `map<${mapKey}, ${mapValue}>`;
      if (label !== undefined) throw new ProtoSyntaxError(`map fields cannot have labels (line ${first.line})`);
    } else {
      typeName = this.typeRef();
    }
    const name = this.ident();
    this.expect('=');
    const number = this.intLiteral();
    if (number < 1 || number > MAX_FIELD_NUMBER) throw new ProtoSyntaxError(`field number ${number} out of range (line ${first.line})`);
    const options = this.peekIs('[') ? this.fieldOptions() : [];
    this.expect(';');
    const proto3Optional = this.syntax === 'proto3' && label === 'optional' && oneof === undefined;
    const f: ProtoField = { name, number, label, typeName, options, proto3Optional, ...(mapKey !== undefined ? { mapKey, mapValue } : {}) };
    if (oneof) {
      f.oneof = oneof;
      oneof.fields.push(f);
    } else {
      m.fields.push(f);
    }
    if (mapKey !== undefined) {
      const entry: ProtoMessage = {
        kind: 'message', name: mapEntryName(name), fullName: `${m.fullName}.${mapEntryName(name)}`, fields: [], oneofs: [], nested: [],
        options: [], reserved: [], synthetic: true, file, allFields: [],
      };
      entry.fields.push(
        { name: 'key', number: 1, label: undefined, typeName: mapKey, options: [], proto3Optional: false },
        { name: 'value', number: 2, label: undefined, typeName: mapValue!, options: [], proto3Optional: false },
      );
      m.nested.push(entry);
      f.message = entry;
    }
  }

  private enumDecl(scope: string | undefined): ProtoEnum {
    const name = this.ident();
    const e: ProtoEnum = { kind: 'enum', name, fullName: scope ? `${scope}.${name}` : name, values: [], options: [], reserved: [] };
    this.expect('{');
    while (!this.eat('}')) {
      const t = this.next();
      if (t.t === 'sym' && t.v === ';') continue;
      if (t.t !== 'ident') throw this.error(t, 'an enum value');
      if (t.v === 'option' && !this.peekIs('=')) {
        e.options.push(this.optionStatement());
        continue;
      }
      if (t.v === 'reserved' && !this.peekIs('=')) {
        e.reserved.push(this.reservedItems());
        continue;
      }
      this.expect('=');
      const neg = this.eat('-');
      const number = neg ? -this.intLiteral() : this.intLiteral();
      const options = this.peekIs('[') ? this.fieldOptions() : [];
      this.expect(';');
      e.values.push({ name: t.v, number, options });
    }
    return e;
  }

  private reservedItems(): string {
    const parts: string[] = [];
    do {
      const t = this.peek();
      if (t?.t === 'string') {
        this.i++;
        parts.push(`"${t.v}"`);
      } else if (t?.t === 'ident' && !/^(to|max)$/.test(t.v)) {
        this.i++;
        parts.push(`"${t.v}"`);
      } else {
        const from = this.intLiteral();
        if (this.peekIs('to')) {
          this.i++;
          const to = this.peekIs('max') ? (this.i++, 'max') : String(this.intLiteral());
          parts.push(`${from} to ${to}`);
        } else {
          parts.push(String(from));
        }
      }
    } while (this.eat(','));
    this.expect(';');
    return parts.join(', ');
  }

  private optionStatement(): ProtoOption {
    const name = this.optionName();
    this.expect('=');
    const value = this.optionValue();
    this.expect(';');
    return { name, value };
  }

  private fieldOptions(): ProtoOption[] {
    this.expect('[');
    const out: ProtoOption[] = [];
    do {
      const name = this.optionName();
      this.expect('=');
      out.push({ name, value: this.optionValue() });
    } while (this.eat(','));
    this.expect(']');
    return out;
  }

  private optionName(): string {
    let name = '';
    for (;;) {
      if (this.eat('(')) {
        name += '(' + this.fullIdent() + ')';
        this.expect(')');
      } else {
        name += this.ident();
      }
      if (!this.eat('.')) return name;
      name += '.';
    }
  }

  private optionValue(): OptValue {
    if (this.peekIs('{')) return this.aggregate();
    const t = this.next();
    if (t.t === 'string') {
      let value = t.v;
      while (this.peek()?.t === 'string') value += this.next().v;
      return { kind: 'string', value };
    }
    if (t.t === 'sym' && (t.v === '-' || t.v === '+')) {
      const n = this.next();
      if (n.t !== 'number' && n.t !== 'ident') throw this.error(n, 'a number');
      return { kind: n.t === 'number' ? 'number' : 'ident', text: (t.v === '-' ? '-' : '') + n.v };
    }
    if (t.t === 'number') return { kind: 'number', text: t.v };
    if (t.t === 'ident') {
      let text = t.v;
      while (this.peekIs('.')) {
        this.i++;
        text += '.' + this.ident();
      }
      return { kind: 'ident', text };
    }
    throw this.error(t, 'an option value');
  }

  private aggregate(): OptValue {
    this.expect('{');
    const entries: [string, OptValue][] = [];
    while (!this.eat('}')) {
      let key: string;
      if (this.eat('[')) {
        key = '[' + this.fullIdent() + ']';
        this.expect(']');
      } else {
        key = this.ident();
      }
      const colon = this.eat(':');
      let value: OptValue;
      if (this.peekIs('[')) {
        this.i++;
        const items: OptValue[] = [];
        if (!this.eat(']')) {
          do items.push(this.peekIs('{') ? this.aggregate() : this.optionValue());
          while (this.eat(','));
          this.expect(']');
        }
        value = { kind: 'list', items };
      } else if (this.peekIs('{') || this.peekIs('<')) {
        value = this.peekIs('<') ? this.angleAggregate() : this.aggregate();
      } else {
        if (!colon) throw this.error(this.peek(), "':'");
        value = this.optionValue();
      }
      entries.push([key, value]);
      if (!this.eat(',')) this.eat(';');
    }
    return { kind: 'map', entries };
  }

  private angleAggregate(): OptValue {
    // `key < ... >` is text format's other spelling of `key { ... }`.
    const at = this.i;
    this.toks[at] = { ...this.toks[at]!, v: '{' };
    let depth = 0;
    for (let j = at; j < this.toks.length; j++) {
      const v = this.toks[j]!;
      if (v.t !== 'sym') continue;
      if (v.v === '<' || (j === at && v.v === '{')) depth++;
      else if (v.v === '>' && --depth === 0) {
        this.toks[j] = { ...v, v: '}' };
        break;
      }
    }
    return this.aggregate();
  }

  private skipDeclaration(): void {
    // Up to the end of the statement or its balanced `{ ... }` block.
    for (;;) {
      const t = this.next();
      if (t.t === 'sym' && t.v === ';') return;
      if (t.t === 'sym' && t.v === '{') {
        let depth = 1;
        while (depth > 0) {
          const u = this.next();
          if (u.t === 'sym' && u.v === '{') depth++;
          else if (u.t === 'sym' && u.v === '}') depth--;
        }
        return;
      }
    }
  }
}
