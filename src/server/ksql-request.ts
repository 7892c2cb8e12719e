/**
 * POST /ksql: run a request's statements one by one. SET/UNSET/DEFINE/UNDEFINE change the
 * request's own properties and variables (scoped to the request, as ksqlDB); a SELECT is refused
 * with 40002 (it belongs to /query); the first failing statement stops the request with a
 * statement_error carrying the entities of the statements that succeeded.
 */
import type { Engine } from '../engine/engine.js';
import { parseStatements } from '../parser/parse.js';
import { parseLimits } from '../parser/limits.js';
import { substituteVariables } from '../parser/variables.js';
import type { Statement } from '../parser/ast.js';
import { ParseError } from '../errors.js';
import { splitStatements } from '../parser/statement-splitter.js';
import { describeFunction, toEntity, type Entity, type EntityContext } from './entities.js';
import { ERROR_CODES, RestError, toRestError } from './rest-errors.js';

export interface KsqlRequest {
  readonly ksql: string;
  readonly streamsProperties?: Readonly<Record<string, unknown>>;
  readonly sessionVariables?: Readonly<Record<string, unknown>>;
  readonly commandSequenceNumber?: number;
}

export function readKsqlRequest(body: unknown): KsqlRequest {
  if (typeof body !== 'object' || body === null || typeof (body as { ksql?: unknown }).ksql !== 'string') {
    throw RestError.generic(400, ERROR_CODES.BAD_REQUEST, 'Invalid request: the body must be a JSON object with a "ksql" string field.');
  }
  return body as KsqlRequest;
}

export function stringRecord(o: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o ?? {})) if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}

export function variableMap(o: Readonly<Record<string, unknown>> | undefined): Map<string, string> {
  return new Map(Object.entries(stringRecord(o)));
}

export async function runKsqlRequest(engine: Engine, req: KsqlRequest, ctx: EntityContext): Promise<Entity[]> {
  const properties = stringRecord(req.streamsProperties);
  const variables = variableMap(req.sessionVariables);
  const entities: Entity[] = [];
  // Parse the whole request first so a syntax error reports its position in the request text.
  // Statements that reference variables are parsed again after substitution.
  const limits = parseLimits(engine.properties);
  const pieces = splitStatements(req.ksql);
  if (pieces.length === 0) return entities;
  let lineOffset = 0;
  let countedTo = 0;
  let searchFrom = 0;
  for (const piece of pieces) {
    const at = req.ksql.indexOf(piece, searchFrom);
    if (at >= 0) {
      // Lines counted on from the previous piece's start: the request is read once, not once per statement.
      lineOffset += countLines(req.ksql, countedTo, at);
      countedTo = at;
      searchFrom = at + piece.length;
    }
    const text = variables.size > 0 ? substituteVariables(piece, variables) : piece;
    let st: Statement;
    try {
      const parsed = parseStatements(text, { limits });
      if (parsed.length !== 1) throw new ParseError('Expected one statement', { line: 1, column: 0, offset: 0 });
      st = parsed[0]!;
    } catch (e) {
      throw toRestError(shiftLines(e, lineOffset), piece, entities);
    }
    switch (st.kind) {
      case 'SetProperty':
        properties[st.name] = st.value;
        continue;
      case 'UnsetProperty':
        delete properties[st.name];
        continue;
      case 'DefineVariable':
        variables.set(st.name, st.value);
        continue;
      case 'UndefineVariable':
        variables.delete(st.name);
        continue;
      case 'Select':
      case 'Print':
        throw RestError.statement(
          ERROR_CODES.QUERY_ENDPOINT,
          `The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT`,
          st.text,
          entities,
        );
      case 'List':
        if (st.what === 'VARIABLES') {
          entities.push({ '@type': 'variables', statementText: st.text, warnings: [], variables: [...variables].map(([name, value]) => ({ name, value })) });
          continue;
        }
        break;
      case 'DescribeFunction': {
        const entity = describeFunction(engine.functions, st.name, st.text);
        if (!entity) throw RestError.statement(ERROR_CODES.BAD_STATEMENT, `Can't find any functions with the name '${st.name}'`, st.text, entities);
        entities.push(entity);
        continue;
      }
      default:
        break;
    }
    try {
      for (const r of await engine.execute(st.text, { properties })) {
        const entity = toEntity(r, ctx);
        if (entity) entities.push(entity);
      }
    } catch (e) {
      throw toRestError(e, st.text, entities);
    }
  }
  return entities;
}

/** Line breaks in text[from, upTo). */
function countLines(text: string, from: number, upTo: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < upTo; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Parse errors name `line L:C`; make L count from the start of the request. */
function shiftLines(e: unknown, offset: number): unknown {
  if (!(e instanceof ParseError) || offset === 0) return e;
  const shifted = e.message.replace(/line (\d+):(\d+)/g, (_m, l: string, c: string) => `line ${Number(l) + offset}:${c}`);
  return new ParseError(shifted, { ...e.pos, line: e.pos.line + offset }, e.expected);
}
