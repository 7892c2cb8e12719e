/** Text rendering of statement results for the terminal (aligned tables, ksql-CLI style). */
import type { StatementResult } from '../src/engine/engine.js';

export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => ' ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' ';
  const sep = '-'.repeat(widths.reduce((a, w) => a + w + 3, -1) + 2);
  return [sep, line(headers), sep, ...rows.map(line), sep].join('\n');
}

export function renderResult(r: StatementResult): string {
  switch (r.type) {
    case 'currentStatus':
      return renderTable(['Message'], [[r.message]]);
    case 'streams':
      return renderTable(['Stream Name', 'Kafka Topic', 'Key Format', 'Value Format', 'Windowed'], r.sources.map((s) => [s.name, s.topic, s.keyFormat, s.valueFormat, String(s.isWindowed)]));
    case 'tables':
      return renderTable(['Table Name', 'Kafka Topic', 'Key Format', 'Value Format', 'Windowed'], r.sources.map((s) => [s.name, s.topic, s.keyFormat, s.valueFormat, String(s.isWindowed)]));
    case 'queries':
      return renderTable(['Query ID', 'Status', 'Sink Name', 'Sink Kafka Topic', 'Query String'], r.queries.map((q) => [q.id, q.state, q.sinks.join(','), q.sinkKafkaTopics.join(','), q.queryString]));
    case 'kafka_topics':
      return renderTable(['Kafka Topic', 'Partitions', 'Partition Replicas'], r.topics.map((t) => [t.name, String(t.partitions), String(t.replicas)]));
    case 'sourceDescription':
      return [
        `Name                 : ${r.source.name}`,
        renderTable(['Field', 'Type'], r.source.fields.map((f) => [f.name, `${f.type}${f.key ? (r.source.type === 'TABLE' ? ' (primary key)' : ' (key)') : ''}`])),
        `Kafka topic          : ${r.source.topic} (key format: ${r.source.keyFormat}, value format: ${r.source.valueFormat})`,
      ].join('\n');
    case 'properties':
      return renderTable(['Property', 'Value'], Object.entries(r.properties).map(([k, v]) => [k, v]));
    case 'type_list':
      return renderTable(['Type Name', 'Schema'], Object.entries(r.types).map(([k, v]) => [k, v]));
    case 'function_names':
      return renderTable(['Function Name', 'Category'], r.functions.map((f) => [f.name, f.category]));
    case 'ok':
      return '';
  }
}
