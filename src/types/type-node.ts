/** Turns a type as written in SQL (parser TypeNode) into an SqlType. */
import type { TypeNode } from '../parser/ast.js';
import { AnalysisError } from '../errors.js';
import { T, type SqlType } from './sql-type.js';

export function resolveTypeNode(node: TypeNode, customTypes?: (name: string) => SqlType | undefined): SqlType {
  switch (node.kind) {
    case 'PrimitiveTypeNode':
      return T[node.name];
    case 'DecimalTypeNode':
      if (node.precision < 1) throw new AnalysisError(`DECIMAL precision must be >= 1: DECIMAL(${node.precision}, ${node.scale})`);
      if (node.scale < 0 || node.scale > node.precision)
        throw new AnalysisError(`DECIMAL scale must be between 0 and precision ${node.precision}: DECIMAL(${node.precision}, ${node.scale})`);
      return T.decimal(node.precision, node.scale);
    case 'ArrayTypeNode':
      return T.array(resolveTypeNode(node.element, customTypes));
    case 'MapTypeNode':
      return T.map(resolveTypeNode(node.key, customTypes), resolveTypeNode(node.value, customTypes));
    case 'StructTypeNode':
      return T.struct(node.fields.map((f) => ({ name: f.name, type: resolveTypeNode(f.type, customTypes) })));
    case 'CustomTypeNode': {
      const t = customTypes?.(node.name);
      if (!t) throw new AnalysisError(`Cannot resolve unknown type: ${node.name}`);
      return t;
    }
  }
}
