/**
 * Generated code for records, as avsc does: one function per record whose fields are read (or
 * written) in straight-line code, with the primitive reads inlined (`t.readLong()`) and every other
 * field's reader called from a call site of its own — instead of a loop over closures, whose one
 * call site V8 cannot inline. Only numbers and JSON-quoted names are put into the source.
 */
import type { ReadTap, WriteTap } from './tap.js';
import { AvroDataError } from './tap.js';

type Read = (t: ReadTap) => unknown;
type Write = (w: WriteTap, v: unknown) => void;

/** What a reader does, when it is simple enough to be inlined. */
type ReadShape =
  | { readonly kind: 'expr'; readonly expr: string }
  | { readonly kind: 'union'; readonly index: number; readonly nullIndex: number; readonly inner: Read };

const READ_SHAPES = new WeakMap<Read, ReadShape>();

/** A primitive read, inlined as `t.<method>()`. */
export function primitiveRead(method: 'readLong' | 'readBoolean' | 'readFloat' | 'readDouble' | 'readString' | 'readBytes'): Read {
  const r: Read = (t) => t[method]();
  READ_SHAPES.set(r, { kind: 'expr', expr: `t.${method}()` });
  return r;
}

/** Marks a union reader (a branch and maybe null), for inlining. */
export function markUnion(r: Read, index: number, nullIndex: number, inner: Read): Read {
  READ_SHAPES.set(r, { kind: 'union', index, nullIndex, inner });
  return r;
}

function badUnion(i: number): never {
  throw new AvroDataError(`Malformed data: invalid union index ${i}`);
}

/** Collects the functions a generated body refers to. */
class Source {
  readonly names: string[] = ['badUnion'];
  readonly values: unknown[] = [badUnion];

  ref(v: unknown): string {
    const name = `f${this.names.length}`;
    this.names.push(name);
    this.values.push(v);
    return name;
  }

  /** An expression reading a value with `r`. */
  read(r: Read): string {
    const s = READ_SHAPES.get(r);
    if (s?.kind === 'expr') return s.expr;
    if (s?.kind === 'union') {
      const inner = this.read(s.inner);
      return `((u = t.readLong()) === ${s.index} ? ${inner} : u === ${s.nullIndex} ? null : badUnion(u))`;
    }
    return `${this.ref(r)}(t)`;
  }

  compile<F>(params: string, body: string): F {
    return new Function(...this.names, `return function (${params}) {\n${body}\n};`)(...this.values) as F;
  }
}

export interface FieldStep {
  /** The target (column or struct field) the writer field fills; -1 when skipped. */
  readonly index: number;
  readonly read?: Read;
  readonly skip?: (t: ReadTap) => void;
}

function stepCode(src: Source, s: FieldStep, assign: (expr: string) => string): string {
  return s.index < 0 ? `${src.ref(s.skip)}(t);` : assign(src.read(s.read!));
}

/** A record read into out[at + index]: unfilled columns set to null first. */
export function genRowReader(steps: readonly FieldStep[], unfilled: readonly number[]): (t: ReadTap, out: unknown[], at: number) => boolean {
  const src = new Source();
  const lines = ['let u;'];
  for (const i of unfilled) lines.push(`out[at + ${i}] = null;`);
  for (const s of steps) lines.push(stepCode(src, s, (e) => `out[at + ${s.index}] = ${e};`));
  lines.push('return true;');
  return src.compile('t, out, at', lines.join('\n'));
}

/** A record read into a struct object literal with the target's fields in order. */
export function genStructReader(steps: readonly FieldStep[], names: readonly string[]): Read {
  const src = new Source();
  const lines = ['let u;'];
  const last = new Map<number, string>();
  steps.forEach((s, k) => {
    lines.push(stepCode(src, s, (e) => `const v${k} = ${e};`));
    if (s.index >= 0) last.set(s.index, `v${k}`);
  });
  if (names.includes('__proto__')) {
    lines.push('const o = {};');
    names.forEach((n, i) => lines.push(`Object.defineProperty(o, ${JSON.stringify(n)}, { value: ${last.get(i) ?? 'null'}, writable: true, enumerable: true, configurable: true });`));
    lines.push('return o;');
  } else {
    lines.push(`return { ${names.map((n, i) => `${JSON.stringify(n)}: ${last.get(i) ?? 'null'}`).join(', ')} };`);
  }
  return src.compile('t', lines.join('\n'));
}

/** What a writer does, when it is simple enough to be inlined. */
type WriteShape =
  | { readonly kind: 'stmt'; readonly stmt: (v: string) => string }
  | { readonly kind: 'union'; readonly index: number; readonly nullIndex: number; readonly inner: Write; readonly error: (w: WriteTap, v: unknown) => void };

const WRITE_SHAPES = new WeakMap<Write, WriteShape>();

export function primitiveWrite(method: 'writeLong' | 'writeDouble' | 'writeFloat' | 'writeString' | 'writeBytes'): Write {
  const w: Write = (t, v) => t[method](v as never);
  WRITE_SHAPES.set(w, { kind: 'stmt', stmt: (v) => `w.${method}(${v});` });
  return w;
}

export function markBooleanWrite(w: Write): Write {
  WRITE_SHAPES.set(w, { kind: 'stmt', stmt: (v) => `w.writeBoolean(${v} === true);` });
  return w;
}

/** Marks a union writer; `error` is what it does with a null it cannot write. */
export function markUnionWrite(w: Write, index: number, nullIndex: number, inner: Write, error: (w: WriteTap, v: unknown) => void): Write {
  WRITE_SHAPES.set(w, { kind: 'union', index, nullIndex, inner, error });
  return w;
}

class WriteSource extends Source {
  /** Statements writing the value in variable `v` with `wr`. */
  write(wr: Write, v: string): string {
    const s = WRITE_SHAPES.get(wr);
    if (s?.kind === 'stmt') return s.stmt(v);
    if (s?.kind === 'union') {
      const onNull = s.nullIndex >= 0 ? `w.writeLong(${s.nullIndex});` : `${this.ref(s.error)}(w, ${v});`;
      return `if (${v} == null) { ${onNull} } else { w.writeLong(${s.index}); ${this.write(s.inner, v)} }`;
    }
    return `${this.ref(wr)}(w, ${v});`;
  }
}

export interface FieldWrite {
  /** Where the field's value comes from: a column position / struct field name; undefined: none. */
  readonly source: number | string | undefined;
  readonly write: Write;
}

/** Writes a record's fields from a row (numeric sources) or a struct object (named sources). */
export function genRecordWriter(fields: readonly FieldWrite[], prefixIndex: number): (w: WriteTap, v: unknown) => void {
  const src = new WriteSource();
  const lines: string[] = [];
  if (prefixIndex >= 0) lines.push(`w.writeLong(${prefixIndex});`);
  fields.forEach((f, k) => {
    const from = f.source === undefined ? 'undefined' : typeof f.source === 'number' ? `v[${f.source}]` : `v[${JSON.stringify(f.source)}]`;
    lines.push(`const x${k} = ${from};`);
    lines.push(src.write(f.write, `x${k}`));
  });
  return src.compile('w, v', lines.join('\n'));
}
