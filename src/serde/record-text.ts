/**
 * Records as text, the way the Java libraries ksqlDB's PRINT goes through write them (one file per
 * format: record-text-avro.ts, record-text-protobuf.ts, record-text-json.ts). Each reader throws
 * NotThisFormat when the bytes are not what it reads (PRINT then rules that format out).
 */
export class NotThisFormat extends Error {}

export const fail = (why: string): never => {
  throw new NotThisFormat(why);
};
