/**
 * A plan as EXPLAIN shows it: ksqlDB's execution plan text (one line per step, its schema and its
 * logger name, inputs indented below) and a processing-topology description in the shape Kafka
 * Streams prints one (sources, processors with their state stores, sinks).
 */
import { needsQuotes } from '../parser/format.js';
import { inputsOf, isJoinStep, unknownStep, type ExecutionStep, type StepColumn } from './steps.js';

/** ksqlDB's operator names in EXPLAIN (PlanSummary). */
export function operatorName(step: ExecutionStep): string {
  switch (step.kind) {
    case 'streamSourceV1':
    case 'tableSourceV1':
    case 'pullSourceV1':
      return 'SOURCE';
    case 'streamFilterV1':
    case 'tableFilterV1':
      return 'FILTER';
    case 'streamFlatMapV1':
      return 'FLAT_MAP';
    case 'streamSelectKeyV1':
    case 'tableSelectKeyV1':
      return 'REKEY';
    case 'streamSelectV1':
    case 'tableSelectV1':
      return 'PROJECT';
    case 'streamGroupByV1':
    case 'streamGroupByKeyV1':
    case 'tableGroupByV1':
    case 'tableGroupByKeyV1':
      return 'GROUP_BY';
    case 'streamAggregateV1':
    case 'streamWindowedAggregateV1':
    case 'tableAggregateV1':
      return 'AGGREGATE';
    case 'tableSuppressV1':
      return 'SUPPRESS';
    case 'streamStreamJoinV1':
    case 'streamTableJoinV1':
    case 'tableTableJoinV1':
    case 'fkTableTableJoinV1':
      return 'JOIN';
    case 'streamSinkV1':
    case 'tableSinkV1':
      return 'SINK';
    default:
      return unknownStep(step);
  }
}

/** A step's columns as ksqlDB prints a schema: `ID BIGINT KEY, NAME STRING` (names quoted only when needed). */
export function schemaText(columns: readonly StepColumn[]): string {
  return columns.map((c) => `${needsQuotes(c.name) ? '`' + c.name.replace(/`/g, '``') + '`' : c.name} ${c.type}${c.role === 'KEY' ? ' KEY' : ''}`).join(', ');
}

/** ksqlDB's logger name of a step: the query id, then its context, dot-separated. */
export function loggerName(queryId: string, step: ExecutionStep): string {
  return [queryId, ...step.ctx.split('/')].join('.');
}

/**
 * The execution plan as ksqlDB's EXPLAIN prints it: ` > [ SINK ] | Schema: ... | Logger: ...`, each
 * input below its step, two tabs deeper per level.
 */
export function executionPlanText(root: ExecutionStep, queryId: string): string {
  const summarize = (step: ExecutionStep, indent: string): string => {
    let out = `${indent} > [ ${operatorName(step)} ] | Schema: ${schemaText(step.columns)} | Logger: ${loggerName(queryId, step)}\n`;
    // As ksqlDB's PlanSummary: an input's own summary (indented one tab more), itself prefixed by a tab.
    for (const input of inputsOf(step)) out += `\t${indent}${summarize(input, indent + '\t')}`;
    return out;
  };
  return summarize(root, '');
}

interface TopologyNode {
  readonly kind: 'Source' | 'Processor' | 'Sink';
  readonly name: string;
  /** Source: topics read; Sink: topic written; Processor: state stores. */
  readonly detail: string;
  readonly next: string[];
  readonly prev: string[];
}

/**
 * The operators a plan runs, in Kafka Streams' TopologyDescription format: source nodes for the topics
 * read, one processor per step (named after its context, `Aggregate-GroupBy`), the sink.
 * `repartitionTopic`: a re-keying aggregation's two stages, as two sub-topologies.
 */
export function topologyText(root: ExecutionStep, repartitionTopic?: string): string {
  const nodes: TopologyNode[] = [];
  let counter = 0;
  const id = (prefix: string) => `${prefix}-${String(counter++).padStart(10, '0')}`;
  const add = (n: TopologyNode): TopologyNode => {
    nodes.push(n);
    return n;
  };
  const link = (from: TopologyNode, to: TopologyNode) => {
    from.next.push(to.name);
    to.prev.push(from.name);
  };
  let secondStage: TopologyNode[] = [];
  /** Build the nodes of `step`; returns the node its parent reads from. */
  const visit = (step: ExecutionStep): TopologyNode => {
    if (step.kind === 'streamSourceV1' || step.kind === 'tableSourceV1') {
      const src = add({ kind: 'Source', name: id('KSTREAM-SOURCE'), detail: `topics: [${step.topic}]`, next: [], prev: [] });
      const p = add({ kind: 'Processor', name: step.ctx.replace(/\//g, '-'), detail: 'stores: []', next: [], prev: [] });
      link(src, p);
      return p;
    }
    const inputs = inputsOf(step).map(visit);
    if (step.kind === 'streamSinkV1' || step.kind === 'tableSinkV1') {
      const sink = add({ kind: 'Sink', name: id('KSTREAM-SINK'), detail: `topic: ${step.topic}`, next: [], prev: [] });
      for (const i of inputs) link(i, sink);
      return sink;
    }
    const node = add({ kind: 'Processor', name: step.ctx.replace(/\//g, '-'), detail: `stores: [${storesOf(step).join(', ')}]`, next: [], prev: [] });
    if (repartitionTopic !== undefined && (step.kind === 'streamAggregateV1' || step.kind === 'streamWindowedAggregateV1')) {
      // Through the repartition topic: the group-by writes it, the aggregate reads it.
      const [groupBy] = inputs;
      const sink = add({ kind: 'Sink', name: id('KSTREAM-SINK'), detail: `topic: ${repartitionTopic}`, next: [], prev: [] });
      link(groupBy!, sink);
      const src = add({ kind: 'Source', name: id('KSTREAM-SOURCE'), detail: `topics: [${repartitionTopic}]`, next: [], prev: [] });
      link(src, node);
      secondStage = [src];
      return node;
    }
    for (const i of inputs) link(i, node);
    return node;
  };
  visit(root);
  // Sub-topology 1 holds what is reachable from the repartition topic's source.
  const second = new Set<string>();
  const reach = (n: TopologyNode) => {
    if (second.has(n.name)) return;
    second.add(n.name);
    for (const x of n.next) reach(nodes.find((m) => m.name === x)!);
  };
  for (const s of secondStage) reach(s);
  const line = (n: TopologyNode) =>
    [`    ${n.kind}: ${n.name} (${n.detail})`, ...(n.next.length ? [`      --> ${n.next.join(', ')}`] : []), ...(n.prev.length ? [`      <-- ${n.prev.join(', ')}`] : [])].join('\n');
  const order = (list: TopologyNode[]) => [...list.filter((n) => n.kind === 'Source'), ...list.filter((n) => n.kind !== 'Source')];
  const first = nodes.filter((n) => !second.has(n.name));
  const subs = [first, nodes.filter((n) => second.has(n.name))].filter((l) => l.length > 0);
  return `Topologies:\n${subs.map((l, i) => `   Sub-topology: ${i}\n${order(l).map(line).join('\n')}\n`).join('\n')}`;
}

/** The state stores a step's operator keeps (as the runtime names them). */
function storesOf(step: ExecutionStep): string[] {
  if (isJoinStep(step)) {
    if (step.kind === 'streamStreamJoinV1') return ['lbuf', 'rbuf'];
    return step.kind === 'streamTableJoinV1' ? ['right'] : ['left', 'right'];
  }
  switch (step.kind) {
    case 'streamAggregateV1':
    case 'streamWindowedAggregateV1':
    case 'tableAggregateV1':
      return ['Aggregate-Aggregate-Materialize'];
    default:
      return [];
  }
}
