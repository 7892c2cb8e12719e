/** Terminal rendering of ksqlDB REST entities (the /ksql response) and query rows, ksql-CLI style. */
import { renderTable } from './table.js';

type Obj = Record<string, unknown>;
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const s = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

function typeText(schema: Obj | undefined): string {
  if (!schema) return '';
  const t = s(schema['type']);
  if (t === 'ARRAY') return `ARRAY<${typeText(schema['memberSchema'] as Obj)}>`;
  if (t === 'MAP') return `MAP<STRING, ${typeText(schema['memberSchema'] as Obj)}>`;
  if (t === 'STRUCT') return `STRUCT<${arr(schema['fields']).map((f) => `${s(f['name'])} ${typeText(f['schema'] as Obj)}`).join(', ')}>`;
  if (t === 'DECIMAL' && schema['parameters']) {
    const p = schema['parameters'] as Obj;
    return `DECIMAL(${s(p['precision'])}, ${s(p['scale'])})`;
  }
  return t === 'STRING' ? 'VARCHAR(STRING)' : t;
}

export function renderEntity(e: Obj): string {
  switch (e['@type']) {
    case 'currentStatus':
      return renderTable(['Message'], [[s((e['commandStatus'] as Obj | undefined)?.['message'])]]);
    case 'streams':
      return renderTable(['Stream Name', 'Kafka Topic', 'Key Format', 'Value Format', 'Windowed'], arr(e['streams']).map((x) => [s(x['name']), s(x['topic']), s(x['keyFormat']), s(x['valueFormat']), s(x['isWindowed'])]));
    case 'tables':
      return renderTable(['Table Name', 'Kafka Topic', 'Key Format', 'Value Format', 'Windowed'], arr(e['tables']).map((x) => [s(x['name']), s(x['topic']), s(x['keyFormat']), s(x['valueFormat']), s(x['isWindowed'])]));
    case 'queries':
      return renderTable(['Query ID', 'Query Type', 'Status', 'Sink Name', 'Sink Kafka Topic', 'Query String'], arr(e['queries']).map((q) => [s(q['id']), s(q['queryType']), s(q['state']), arr(q['sinks']).join(','), arr(q['sinkKafkaTopics']).join(','), s(q['queryString'])]));
    case 'kafka_topics':
      return renderTable(['Kafka Topic', 'Partitions', 'Partition Replicas'], arr(e['topics']).map((t) => [s(t['name']), String(arr(t['replicaInfo']).length), s(arr(t['replicaInfo'])[0] ?? '')]));
    case 'sourceDescription':
      return sourceDescription((e['sourceDescription'] ?? {}) as Obj);
    case 'source_descriptions':
      return arr(e['sourceDescriptions']).map((d) => sourceDescription(d) + '\n').join('\n');
    case 'queryDescription':
      return queryDescription((e['queryDescription'] ?? {}) as Obj);
    case 'query_descriptions':
      return arr(e['queryDescriptions']).map((d) => queryDescription(d) + '\n').join('\n');
    case 'properties':
      return renderTable(['Property', 'Scope', 'Value'], arr(e['properties']).map((p) => [s(p['name']), s(p['scope']), s(p['value'])]));
    case 'function_names':
      return renderTable(['Function Name', 'Category'], arr(e['functions']).map((f) => [s(f['name']), s(f['category'])]));
    case 'describe_function':
      return [
        `Name        : ${s(e['name'])}`,
        `Overview    : ${s(e['description'])}`,
        `Type        : ${s(e['type'])}`,
        ...arr(e['functions']).map((f) => `\n\tVariation   : ${s(e['name'])}(${arr(f['arguments']).map((a) => `${s(a['name'])} ${s(a['type'])}`).join(', ')})\n\tReturns     : ${s(f['returnType'])}\n\tDescription : ${s(f['description'])}`),
      ].join('\n');
    case 'type_list':
      return renderTable(['Type Name', 'Schema'], Object.entries((e['types'] ?? {}) as Record<string, Obj>).map(([k, v]) => [k, typeText(v)]));
    case 'variables':
      return renderTable(['Variable Name', 'Value'], arr(e['variables']).map((v) => [s(v['name']), s(v['value'])]));
    default:
      return JSON.stringify(e, null, 2);
  }
}

/** `%-20s : value`, as ksql's CLI prints a description's header lines. */
const field = (name: string, value: string) => `${name.padEnd(20)} : ${value}`;
/** A titled section (`%n%-20s%n%-20s`): a blank line, the title, its underline. */
const section = (title: string, underline: string) => `\n${title.padEnd(20)}\n${underline.padEnd(20)}`;

function schemaTable(fields: Obj[], isTable: boolean, windowType: unknown): string {
  if (fields.length === 0) return '';
  const keySuffix = isTable ? ' (primary key)' : ' (key)';
  const window = windowType ? ` (Window type: ${s(windowType)})` : '';
  return renderTable(['Field', 'Type'], fields.map((f) => [s(f['name']), typeText(f['schema'] as Obj) + (f['type'] === 'KEY' ? keySuffix + window : '')]));
}

function queryList(queries: Obj[], type: string, operation: string): string[] {
  if (queries.length === 0) return [];
  return [
    section(`Queries that ${operation} from this ${type}`, '-----------------------------------'),
    ...queries.map((q) => `${s(q['id'])} (${s(q['state']) || 'N/A'}) : ${s(q['queryString']).replace(/\s+/g, ' ')}`),
    '\nFor query topology and execution plan please run: EXPLAIN <QueryId>',
  ];
}

/** DESCRIBE [EXTENDED], as ksql's CLI prints it. */
function sourceDescription(d: Obj): string {
  const isTable = d['type'] === 'TABLE';
  if (!d['extended']) {
    return [field('Name', s(d['name'])), schemaTable(arr(d['fields']), isTable, d['windowType']), `For runtime statistics and query details run: DESCRIBE <Stream,Table> EXTENDED;`].join('\n');
  }
  const partitions = Number(d['partitions'] ?? 0);
  return [
    field('Name', s(d['name'])),
    field('Type', s(d['type'])),
    field('Timestamp field', s(d['timestamp']) || 'Not set - using <ROWTIME>'),
    field('Key format', s(d['keyFormat'])),
    field('Value format', s(d['valueFormat'])),
    field('Kafka topic', s(d['topic']) + (partitions !== 0 ? ` (partitions: ${partitions}, replication: ${s(d['replication'])})` : '')),
    field('Statement', s(d['statement'])),
    '',
    schemaTable(arr(d['fields']), isTable, d['windowType']),
    ...queryList(arr(d['readQueries']), s(d['type']), 'read'),
    ...queryList(arr(d['writeQueries']), s(d['type']), 'write'),
    section('Local runtime statistics', '------------------------'),
    s(d['statistics']),
    s(d['errorStats']),
    `(Statistics of the local KSQL server interaction with the Kafka topic ${s(d['topic'])})`,
  ].join('\n');
}

/** EXPLAIN and SHOW QUERIES EXTENDED, as ksql's CLI prints a query description (plus its local statistics). */
function queryDescription(q: Obj): string {
  const hosts = Object.entries((q['ksqlHostQueryStatus'] ?? {}) as Record<string, unknown>);
  const list = (title: string, items: unknown[], hint: string) => (items.length === 0 ? [] : [section(title, '-----------------------------------'), ...items.map(s), `\n${hint}`]);
  const block = (title: string, underline: string, text: unknown) => (s(text) === '' ? [] : [section(title, underline), s(text)]);
  const overridden = Object.entries((q['overriddenProperties'] ?? {}) as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
  return [
    field('ID', s(q['id'])),
    field('Query Type', s(q['queryType'])),
    ...(s(q['statementText']) !== '' ? [field('SQL', s(q['statementText']))] : []),
    ...(hosts.length > 0 ? [field('Host Query Status', `{${hosts.map(([h, st]) => `${h}=${s(st)}`).join(', ')}}`)] : []),
    '',
    schemaTable(arr(q['fields']), false, q['windowType']),
    ...list('Sources that this query reads from: ', arr(q['sources']), 'For source description please run: DESCRIBE [EXTENDED] <SourceId>'),
    ...list('Sinks that this query writes to: ', arr(q['sinks']), 'For sink description please run: DESCRIBE [EXTENDED] <SinkId>'),
    ...block('Execution plan', '--------------', q['executionPlan']),
    ...block('Processing topology', '-------------------', q['topology']),
    ...(overridden.length > 0 ? [section('Overridden Properties', '---------------------'), renderTable(['Property', 'Value'], overridden.map(([k, v]) => [k, s(v)]))] : []),
    ...(s(q['statistics']) !== '' ? [section('Local runtime statistics', '------------------------'), s(q['statistics']), s(q['errorStats'])] : []),
    ...arr(q['queryErrors']).flatMap((err) => ['', field('Error Date', new Date(Number(err['timestamp'])).toISOString()), field('Error Details', s(err['errorMessage'])), field('Error Type', s(err['type']))]),
  ].join('\n');
}
