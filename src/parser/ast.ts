/**
 * The abstract syntax tree of the ksqlDB dialect: kind-tagged, readonly plain objects produced by the
 * Peggy grammar (grammar/ksql.peggy). Identifiers are already normalised: unquoted ones upper-cased,
 * quoted/back-quoted ones kept as written.
 */

/** Position in the source text, 1-based line and column, 0-based offset. */
export interface Pos {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

// ---------------------------------------------------------------------------------------------
// Types as written in SQL

export type TypeNode =
  | { readonly kind: 'PrimitiveTypeNode'; readonly name: 'BOOLEAN' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'STRING' | 'BYTES' | 'DATE' | 'TIME' | 'TIMESTAMP' }
  | { readonly kind: 'DecimalTypeNode'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'ArrayTypeNode'; readonly element: TypeNode }
  | { readonly kind: 'MapTypeNode'; readonly key: TypeNode; readonly value: TypeNode }
  | { readonly kind: 'StructTypeNode'; readonly fields: readonly { readonly name: string; readonly type: TypeNode }[] }
  /** A custom type registered with CREATE TYPE. */
  | { readonly kind: 'CustomTypeNode'; readonly name: string };

// ---------------------------------------------------------------------------------------------
// Expressions

export type Expr =
  | NullLiteral
  | BooleanLiteral
  | IntegerLiteral
  | BigIntLiteral
  | DecimalLiteral
  | DoubleLiteral
  | StringLiteral
  | BytesLiteral
  | TypedLiteral
  | IntervalLiteral
  | ColumnRef
  | Dereference
  | Subscript
  | FunctionCall
  | Lambda
  | LambdaVariable
  | Cast
  | CaseExpr
  | Between
  | InList
  | Like
  | IsNull
  | IsDistinctFrom
  | Comparison
  | Arithmetic
  | Negation
  | NotExpr
  | LogicalBinary
  | ArrayConstructor
  | MapConstructor
  | StructConstructor
  | Star
  | IntervalUnit;

interface Base {
  /** Where the node starts in the statement text (absent when synthesised). */
  readonly pos?: Pos;
}

export interface NullLiteral extends Base { readonly kind: 'NullLiteral' }
export interface BooleanLiteral extends Base { readonly kind: 'BooleanLiteral'; readonly value: boolean }
/** An integral literal that fits INT (-2^31 .. 2^31-1). */
export interface IntegerLiteral extends Base { readonly kind: 'IntegerLiteral'; readonly value: number }
/** An integral literal too large for INT: BIGINT. `text` keeps the exact digits. */
export interface BigIntLiteral extends Base { readonly kind: 'BigIntLiteral'; readonly value: number; readonly text: string }
/** A literal with a decimal point and no exponent, e.g. 1.50: DECIMAL(3, 2) in ksqlDB. `text` as written. */
export interface DecimalLiteral extends Base { readonly kind: 'DecimalLiteral'; readonly text: string }
/** A literal with an exponent, e.g. 1.5E3: DOUBLE. */
export interface DoubleLiteral extends Base { readonly kind: 'DoubleLiteral'; readonly value: number }
/** 'text' with '' unescaped. */
export interface StringLiteral extends Base { readonly kind: 'StringLiteral'; readonly value: string }
/** X'0AFF' hex bytes literal; `hex` is the digits. */
export interface BytesLiteral extends Base { readonly kind: 'BytesLiteral'; readonly hex: string }
/** DATE '2020-01-01', TIME '10:00:00', TIMESTAMP '2020-01-01T00:00:00' style typed literals. */
export interface TypedLiteral extends Base { readonly kind: 'TypedLiteral'; readonly type: 'DATE' | 'TIME' | 'TIMESTAMP'; readonly value: string }
/** A duration as used by WINDOW clauses and some functions: `5 SECONDS`. Unit upper-cased, singular or plural as written normalised to plural (MILLISECONDS, SECONDS, MINUTES, HOURS, DAYS). */
export interface IntervalLiteral extends Base { readonly kind: 'IntervalLiteral'; readonly value: number; readonly unit: TimeUnit }

/** A column reference: `COL` or `SRC.COL` (source is the alias or source name, if qualified). */
export interface ColumnRef extends Base { readonly kind: 'ColumnRef'; readonly source?: string; readonly name: string }
/** Struct field access `expr->FIELD`. */
export interface Dereference extends Base { readonly kind: 'Dereference'; readonly base: Expr; readonly field: string }
/** `arr[1]` / `map['k']`. */
export interface Subscript extends Base { readonly kind: 'Subscript'; readonly base: Expr; readonly index: Expr }
/** Function call; `name` upper-cased. `distinct` for COUNT(DISTINCT x). COUNT(*) has args `[Star]`. */
export interface FunctionCall extends Base { readonly kind: 'FunctionCall'; readonly name: string; readonly args: readonly Expr[]; readonly distinct?: boolean }
/** `x => expr` or `(x, y) => expr`; params upper-cased like identifiers. */
export interface Lambda extends Base { readonly kind: 'Lambda'; readonly params: readonly string[]; readonly body: Expr }
/**
 * A reference to a lambda parameter. The grammar cannot always tell a lambda variable from a column,
 * so it may emit ColumnRef; the analyzer resolves names bound by an enclosing Lambda first.
 */
export interface LambdaVariable extends Base { readonly kind: 'LambdaVariable'; readonly name: string }
export interface Cast extends Base { readonly kind: 'Cast'; readonly expr: Expr; readonly type: TypeNode }
/** Searched CASE (operand absent) or simple CASE (operand present). */
export interface CaseExpr extends Base {
  readonly kind: 'CaseExpr';
  readonly operand?: Expr;
  readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
  readonly else?: Expr;
}
export interface Between extends Base { readonly kind: 'Between'; readonly value: Expr; readonly low: Expr; readonly high: Expr; readonly not: boolean }
export interface InList extends Base { readonly kind: 'InList'; readonly value: Expr; readonly list: readonly Expr[]; readonly not: boolean }
export interface Like extends Base { readonly kind: 'Like'; readonly value: Expr; readonly pattern: Expr; readonly escape?: string; readonly not: boolean }
export interface IsNull extends Base { readonly kind: 'IsNull'; readonly value: Expr; readonly not: boolean }
export interface IsDistinctFrom extends Base { readonly kind: 'IsDistinctFrom'; readonly left: Expr; readonly right: Expr; readonly not: boolean }
export type ComparisonOp = '=' | '<>' | '<' | '<=' | '>' | '>=';
/** `!=` is normalised to `<>`. */
export interface Comparison extends Base { readonly kind: 'Comparison'; readonly op: ComparisonOp; readonly left: Expr; readonly right: Expr }
/** `||` string concatenation is op '||'. */
export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '||';
export interface Arithmetic extends Base { readonly kind: 'Arithmetic'; readonly op: ArithmeticOp; readonly left: Expr; readonly right: Expr }
/** Unary minus (unary plus is dropped by the parser). */
export interface Negation extends Base { readonly kind: 'Negation'; readonly value: Expr }
export interface NotExpr extends Base { readonly kind: 'Not'; readonly value: Expr }
export interface LogicalBinary extends Base { readonly kind: 'LogicalBinary'; readonly op: 'AND' | 'OR'; readonly left: Expr; readonly right: Expr }
export interface ArrayConstructor extends Base { readonly kind: 'ArrayConstructor'; readonly items: readonly Expr[] }
export interface MapConstructor extends Base { readonly kind: 'MapConstructor'; readonly entries: readonly { readonly key: Expr; readonly value: Expr }[] }
/** STRUCT(A := 1, B := 'x'); field names normalised like identifiers. */
export interface StructConstructor extends Base { readonly kind: 'StructConstructor'; readonly fields: readonly { readonly name: string; readonly value: Expr }[] }
/** `*` or `SRC.*` in a select list, or the argument of COUNT(*). `base` is set for `expr->*` (all fields of a struct). */
export interface Star extends Base { readonly kind: 'Star'; readonly source?: string; readonly base?: Expr }
/** A bare time unit passed as a function argument, e.g. the first argument of `TIMESTAMPADD(SECONDS, 5, ts)`. */
export interface IntervalUnit extends Base { readonly kind: 'IntervalUnit'; readonly unit: TimeUnit }

export type TimeUnit = 'MILLISECONDS' | 'SECONDS' | 'MINUTES' | 'HOURS' | 'DAYS';

/** A duration: `10 SECONDS`. */
export interface Duration {
  readonly value: number;
  readonly unit: TimeUnit;
}

// ---------------------------------------------------------------------------------------------
// Queries

export interface SelectItem {
  readonly expr: Expr;
  /** Alias after AS (or bare alias), normalised. */
  readonly alias?: string;
}

export type Relation = AliasedSource | Join;

export interface AliasedSource {
  readonly kind: 'Source';
  readonly name: string;
  readonly alias?: string;
  readonly pos?: Pos;
}

export type JoinType = 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';

export interface Join {
  readonly kind: 'Join';
  readonly type: JoinType;
  readonly left: Relation;
  readonly right: AliasedSource;
  readonly on: Expr;
  /** WITHIN for stream-stream joins: one duration, or (before, after). */
  readonly within?: { readonly before: Duration; readonly after: Duration; readonly grace?: Duration };
  readonly pos?: Pos;
}

export type WindowSpec =
  | { readonly kind: 'TUMBLING'; readonly size: Duration; readonly retention?: Duration; readonly grace?: Duration }
  | { readonly kind: 'HOPPING'; readonly size: Duration; readonly advance: Duration; readonly retention?: Duration; readonly grace?: Duration }
  | { readonly kind: 'SESSION'; readonly gap: Duration; readonly retention?: Duration; readonly grace?: Duration };

export interface Query {
  readonly kind: 'Query';
  readonly select: readonly (SelectItem | Star)[];
  readonly from: Relation;
  readonly window?: WindowSpec;
  readonly where?: Expr;
  readonly groupBy?: readonly Expr[];
  readonly partitionBy?: readonly Expr[];
  readonly having?: Expr;
  /** CHANGES, FINAL, or absent (pull query / persistent query default). */
  readonly emit?: 'CHANGES' | 'FINAL';
  readonly limit?: number;
}

// ---------------------------------------------------------------------------------------------
// Statements

/** WITH (...) properties: keys upper-cased, values as literals (string, number, boolean). */
export type Properties = Readonly<Record<string, string | number | boolean>>;

export interface ColumnDef {
  readonly name: string;
  readonly type: TypeNode;
  /** KEY for streams, PRIMARY KEY for tables, HEADERS / HEADER('k') for header columns. */
  readonly constraint?: 'KEY' | 'PRIMARY_KEY' | 'HEADERS' | { readonly header: string };
  readonly pos?: Pos;
}

export interface CreateSource {
  readonly kind: 'CreateSource';
  readonly sourceType: 'STREAM' | 'TABLE';
  readonly name: string;
  readonly orReplace: boolean;
  readonly ifNotExists: boolean;
  /** CREATE SOURCE STREAM/TABLE: read-only, materialized for pull queries. */
  readonly isSource: boolean;
  /** Empty when the schema is to be inferred (schema-registry formats). */
  readonly columns: readonly ColumnDef[];
  readonly properties: Properties;
}

export interface CreateAsSelect {
  readonly kind: 'CreateAsSelect';
  readonly sourceType: 'STREAM' | 'TABLE';
  readonly name: string;
  readonly orReplace: boolean;
  readonly ifNotExists: boolean;
  readonly properties: Properties;
  readonly query: Query;
}

export interface InsertInto {
  readonly kind: 'InsertInto';
  readonly target: string;
  readonly properties: Properties;
  readonly query: Query;
}

export interface InsertValues {
  readonly kind: 'InsertValues';
  readonly target: string;
  /** Explicit column list, or absent for all columns in schema order. */
  readonly columns?: readonly string[];
  readonly values: readonly Expr[];
}

/** A transient query: pull (no EMIT) or push (EMIT CHANGES). */
export interface SelectStatement {
  readonly kind: 'Select';
  readonly query: Query;
}

export interface CreateType {
  readonly kind: 'CreateType';
  readonly name: string;
  readonly type: TypeNode;
  readonly ifNotExists: boolean;
}

export interface DropSource {
  readonly kind: 'DropSource';
  readonly sourceType: 'STREAM' | 'TABLE';
  readonly name: string;
  readonly ifExists: boolean;
  readonly deleteTopic: boolean;
}

export interface DropType {
  readonly kind: 'DropType';
  readonly name: string;
  readonly ifExists: boolean;
}

export interface Terminate {
  readonly kind: 'Terminate';
  /** A query id (normalised like identifiers: upper-cased unless quoted), or 'ALL' for TERMINATE ALL. */
  readonly queryId: string;
  readonly all: boolean;
}

export type ListKind = 'STREAMS' | 'TABLES' | 'QUERIES' | 'TOPICS' | 'FUNCTIONS' | 'PROPERTIES' | 'TYPES' | 'VARIABLES' | 'CONNECTORS';

export interface ListStatement {
  readonly kind: 'List';
  readonly what: ListKind;
  readonly extended: boolean;
  /** SHOW ALL TOPICS */
  readonly all?: boolean;
}

export interface Describe {
  readonly kind: 'Describe';
  readonly name: string;
  readonly extended: boolean;
}

/** DESCRIBE STREAMS / DESCRIBE TABLES [EXTENDED]. */
export interface DescribeAll {
  readonly kind: 'DescribeAll';
  readonly what: 'STREAMS' | 'TABLES';
  readonly extended: boolean;
}

export interface DescribeFunction {
  readonly kind: 'DescribeFunction';
  readonly name: string;
}

export interface Explain {
  readonly kind: 'Explain';
  /** EXPLAIN <queryId> or EXPLAIN <statement>. */
  readonly queryId?: string;
  readonly statement?: Statement;
}

export interface Print {
  readonly kind: 'Print';
  readonly topic: string;
  readonly fromBeginning: boolean;
  readonly interval?: number;
  readonly limit?: number;
}

export interface SetProperty { readonly kind: 'SetProperty'; readonly name: string; readonly value: string }
export interface UnsetProperty { readonly kind: 'UnsetProperty'; readonly name: string }
export interface DefineVariable { readonly kind: 'DefineVariable'; readonly name: string; readonly value: string }
export interface UndefineVariable { readonly kind: 'UndefineVariable'; readonly name: string }

/** ASSERT [NOT EXISTS] TOPIC|SCHEMA ... [WITH (...)] [TIMEOUT n unit]; ASSERT VALUES/NULL VALUES/STREAM/TABLE (test-only forms). */
export interface Assert {
  readonly kind: 'Assert';
  readonly what: 'TOPIC' | 'SCHEMA' | 'VALUES' | 'NULL_VALUES' | 'STREAM' | 'TABLE';
  readonly exists: boolean;
  readonly name?: string;
  readonly subject?: string;
  readonly id?: number;
  readonly properties?: Properties;
  readonly timeout?: Duration;
  /** ASSERT VALUES target (cols) VALUES (...) / ASSERT NULL VALUES target (cols) KEY (...) */
  readonly columns?: readonly string[];
  readonly values?: readonly Expr[];
  /** ASSERT STREAM/TABLE name (columns) WITH (...) */
  readonly elements?: readonly ColumnDef[];
}

export interface RunScript { readonly kind: 'RunScript'; readonly path: string }

export interface PauseResume { readonly kind: 'Pause' | 'Resume'; readonly queryId: string; readonly all: boolean }

/** CREATE/DROP CONNECTOR and DESCRIBE CONNECTOR are parsed so scripts do not fail, and rejected by the engine. */
export interface ConnectorStatement {
  readonly kind: 'Connector';
  readonly action: 'CREATE' | 'DROP' | 'DESCRIBE';
  readonly name: string;
  /** Connector configuration: quoted keys ('connector.class') are kept as written, unquoted ones upper-cased. */
  readonly properties?: Properties;
  /** CREATE SOURCE|SINK CONNECTOR */
  readonly connectorType?: 'SOURCE' | 'SINK';
  /** IF NOT EXISTS (CREATE) / IF EXISTS (DROP) */
  readonly conditional?: boolean;
}

/** ALTER STREAM|TABLE name ADD [COLUMN] col type, ... */
export interface AlterSource {
  readonly kind: 'AlterSource';
  readonly sourceType: 'STREAM' | 'TABLE';
  readonly name: string;
  readonly columns: readonly ColumnDef[];
}

export type StatementBody =
  | CreateSource
  | CreateAsSelect
  | InsertInto
  | InsertValues
  | SelectStatement
  | CreateType
  | DropSource
  | DropType
  | Terminate
  | ListStatement
  | Describe
  | DescribeAll
  | DescribeFunction
  | Explain
  | Print
  | SetProperty
  | UnsetProperty
  | DefineVariable
  | UndefineVariable
  | Assert
  | RunScript
  | PauseResume
  | ConnectorStatement
  | AlterSource;

/** A statement with its text (trimmed, including the trailing ';' if present) and position in the script. */
export type Statement = StatementBody & { readonly text: string; readonly pos: Pos };
