/**
 * ksqlDB's error bodies. Every error leaves the server as JSON with `@type`, `error_code`, `message`
 * (plus `statementText` and `entities` for statement errors): clients `JSON.parse` them.
 * Codes are the HTTP status × 100 + n, as ksqlDB's Errors class.
 */
import { AnalysisError, ExecutionError, ParseError, SluiceError } from '../errors.js';
import { DEFAULT_PARSE_LIMITS, MAX_DEPTH_PROPERTY } from '../parser/limits.js';
import { isStackOverflow } from '../parser/parse.js';

export const ERROR_CODES = {
  BAD_REQUEST: 40000,
  BAD_STATEMENT: 40001,
  QUERY_ENDPOINT: 40002,
  NOT_FOUND: 40400,
  SERVER_ERROR: 50000,
  SERVER_SHUTTING_DOWN: 50303,
} as const;

export interface ErrorBody {
  readonly '@type': 'generic_error' | 'statement_error';
  readonly error_code: number;
  readonly message: string;
  readonly statementText?: string;
  readonly entities?: readonly unknown[];
}

/** An error with its HTTP status and JSON body, thrown by request handlers. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.message);
  }

  static generic(status: number, code: number, message: string): RestError {
    return new RestError(status, { '@type': 'generic_error', error_code: code, message });
  }

  static statement(code: number, message: string, statementText: string, entities: readonly unknown[] = []): RestError {
    return new RestError(400, { '@type': 'statement_error', error_code: code, message, statementText, entities });
  }
}

/**
 * Maps an engine error to a REST error. Statement errors (parse, analysis, execution) are 400
 * statement_error 40001 whose message ends with the statement, as ksqlDB's; anything else is a 500.
 */
export function toRestError(e: unknown, statementText?: string, entities: readonly unknown[] = []): RestError {
  if (e instanceof RestError) return e;
  if (e instanceof ParseError || e instanceof AnalysisError || e instanceof ExecutionError || e instanceof SluiceError) {
    const text = statementText?.trim();
    const message = text && !e.message.includes('Statement: ') ? `${e.message}\n\nStatement: ${text}` : e.message;
    return RestError.statement(ERROR_CODES.BAD_STATEMENT, message, text ?? '', entities);
  }
  if (e instanceof SyntaxError) return RestError.generic(400, ERROR_CODES.BAD_REQUEST, `Invalid JSON in request: ${e.message}`);
  // The last resort behind the parser's limits: a statement nested deeper than some recursive
  // step can follow is the statement's fault, not the server's.
  if (isStackOverflow(e)) {
    const text = statementText?.trim() ?? '';
    const message = `Statement nesting is too deep (${MAX_DEPTH_PROPERTY} is ${DEFAULT_PARSE_LIMITS.maxDepth} by default)`;
    return RestError.statement(ERROR_CODES.BAD_STATEMENT, text ? `${message}\n\nStatement: ${text}` : message, text, entities);
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new RestError(500, { '@type': 'generic_error', error_code: ERROR_CODES.SERVER_ERROR, message: msg, ...(statementText !== undefined ? { statementText, entities } : {}) });
}
