/** Engine properties, by their ksqlDB names, and their defaults. */
export type EngineProperties = Readonly<Record<string, string>>;

export const DEFAULT_PROPERTIES: EngineProperties = {
  'ksql.service.id': 'default_',
  // ksqlDB's default: new queries start at the end of their input topics.
  'auto.offset.reset': 'latest',
  'ksql.persistence.wrap.single.values': 'true',
};
