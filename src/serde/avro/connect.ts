/**
 * How Confluent's AvroData sees an Avro schema as a Kafka Connect schema, which is what ksqlDB's
 * type mapping and coercion rules are written against: unions of null and one type are that type
 * (optional), other unions are structs with a field per branch ("int", "string", a record's short
 * name, ...), arrays of MapEntry records are maps, enums are strings, `connect.type` int8/int16 and
 * the date, time-millis, timestamp-millis and decimal logical types are kept.
 */
import { decimalOf, isMapEntry, logicalType, shortName, type AvroNode, type UnionNode } from './model.js';

export type ConnectType = 'int8' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64' | 'boolean' | 'string' | 'bytes' | 'array' | 'map' | 'struct';
export type ConnectLogical = 'Date' | 'Time' | 'Timestamp' | 'Decimal';

export interface ConnectInfo {
  readonly type: ConnectType;
  readonly logical?: ConnectLogical;
}

/** A union as AvroData converts it. */
export type UnionShape =
  /** One branch, or null and one other branch: the branch (optional when there is a null). */
  | { readonly kind: 'simple'; readonly node: AvroNode; readonly index: number; readonly nullIndex: number }
  /** A Connect struct with one field per non-null branch. */
  | { readonly kind: 'struct'; readonly members: readonly UnionMember[]; readonly nullIndex: number };

export interface UnionMember {
  /** The Connect field name: the type's name, or a named type's short name. */
  readonly name: string;
  readonly node: AvroNode;
  readonly index: number;
}

export function unionShape(u: UnionNode): UnionShape {
  const b = u.branches;
  if (b.length === 1) return { kind: 'simple', node: b[0]!, index: 0, nullIndex: -1 };
  if (b.length === 2) {
    const n = b.findIndex((x) => x.kind === 'null');
    if (n >= 0) return { kind: 'simple', node: b[1 - n]!, index: 1 - n, nullIndex: n };
  }
  const members: UnionMember[] = [];
  let nullIndex = -1;
  const names = new Set<string>();
  b.forEach((node, index) => {
    if (node.kind === 'null') {
      nullIndex = index;
      return;
    }
    const name = memberName(node);
    if (names.has(name)) throw new Error('Multiple union schemas map to the Connect union field name');
    names.add(name);
    members.push({ name, node, index });
  });
  return { kind: 'struct', members, nullIndex };
}

function memberName(n: AvroNode): string {
  return n.kind === 'record' || n.kind === 'enum' || n.kind === 'fixed' ? shortName(n.name) : n.kind;
}

/** The Connect type of a node (unions resolved as AvroData does). Throws for standalone nulls. */
export function connectOf(n: AvroNode): ConnectInfo {
  switch (n.kind) {
    case 'null':
      throw new Error('Standalone null schemas are not supported by this converter');
    case 'boolean':
      return { type: 'boolean' };
    case 'int': {
      const l = logicalType(n)?.toLowerCase();
      if (l === 'date') return { type: 'int32', logical: 'Date' };
      if (l === 'time-millis') return { type: 'int32', logical: 'Time' };
      if (l === undefined) {
        const ct = n.props['connect.type'];
        if (ct === 'int8' || ct === 'int16') return { type: ct };
        if (ct !== undefined) throw new Error('Connect type annotation for Avro int field is null');
      }
      return { type: 'int32' };
    }
    case 'long':
      return logicalType(n)?.toLowerCase() === 'timestamp-millis' ? { type: 'int64', logical: 'Timestamp' } : { type: 'int64' };
    case 'float':
      return { type: 'float32' };
    case 'double':
      return { type: 'float64' };
    case 'string':
    case 'enum':
      return { type: 'string' };
    case 'bytes':
    case 'fixed':
      return decimalOf(n) ? { type: 'bytes', logical: 'Decimal' } : { type: 'bytes' };
    case 'array':
      if (isMapEntry(n.items)) {
        const f = n.items.fields;
        if (f.length !== 2 || !f.some((x) => x.name === 'key') || !f.some((x) => x.name === 'value')) {
          throw new Error('Found map encoded as array of key-value pairs, but array elements do not match the expected format.');
        }
        return { type: 'map' };
      }
      return { type: 'array' };
    case 'map':
      return { type: 'map' };
    case 'record':
      return { type: 'struct' };
    case 'union': {
      const u = unionShape(n);
      return u.kind === 'simple' ? connectOf(u.node) : { type: 'struct' };
    }
  }
}

/** The key and value nodes of a map written as an array of MapEntry records. */
export function mapEntryParts(n: AvroNode): { key: AvroNode; value: AvroNode; keyFirst: boolean } | undefined {
  if (n.kind !== 'array' || !isMapEntry(n.items)) return undefined;
  const f = n.items.fields;
  const key = f.find((x) => x.name === 'key');
  const value = f.find((x) => x.name === 'value');
  if (f.length !== 2 || !key || !value) return undefined;
  return { key: key.type, value: value.type, keyFirst: f[0] === key };
}
