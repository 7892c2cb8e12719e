import { describe, expect, it } from 'vitest';
import { kafkaSecurity } from '../../src/storage/log/kafka/security.js';

const files: Record<string, Buffer> = { '/ca.pem': Buffer.from('CA'), '/c.pem': Buffer.from('CERT'), '/k.pem': Buffer.from('KEY') };
const read = (p: string): Buffer => {
  const f = files[p];
  if (!f) throw new Error('ENOENT');
  return f;
};

describe('Kafka security properties → kafkajs options', () => {
  it('plaintext by default', () => {
    expect(kafkaSecurity({}, read)).toEqual({});
  });

  it('SASL_SSL with a JAAS line and a CA file', () => {
    const s = kafkaSecurity(
      {
        'security.protocol': 'SASL_SSL',
        'sasl.mechanism': 'SCRAM-SHA-512',
        'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="s3cr=t";',
        'ssl.ca.location': '/ca.pem',
      },
      read,
    );
    expect(s.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'alice', password: 's3cr=t' });
    expect(s.ssl).toEqual({ ca: [Buffer.from('CA')] });
  });

  it('mutual TLS, and plain TLS with the system CAs', () => {
    expect(kafkaSecurity({ 'security.protocol': 'SSL', 'ssl.certificate.location': '/c.pem', 'ssl.key.location': '/k.pem', 'ssl.key.password': 'pw' }, read).ssl).toEqual({
      cert: Buffer.from('CERT'),
      key: Buffer.from('KEY'),
      passphrase: 'pw',
    });
    expect(kafkaSecurity({ 'security.protocol': 'ssl' }, read)).toEqual({ ssl: true });
  });

  it('explicit user name and password win over nothing; missing ones are an error', () => {
    expect(kafkaSecurity({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.username': 'u', 'sasl.password': 'p' }, read)).toEqual({ sasl: { mechanism: 'plain', username: 'u', password: 'p' } });
    expect(() => kafkaSecurity({ 'security.protocol': 'SASL_PLAINTEXT' }, read)).toThrow(/needs a user name and password/);
  });

  it('rejects unknown protocols and mechanisms, unreadable files, SASL settings without SASL', () => {
    expect(() => kafkaSecurity({ 'security.protocol': 'TLS' }, read)).toThrow(/security.protocol/);
    expect(() => kafkaSecurity({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'GSSAPI', 'sasl.username': 'u', 'sasl.password': 'p' }, read)).toThrow(/sasl.mechanism/);
    expect(() => kafkaSecurity({ 'security.protocol': 'SSL', 'ssl.ca.location': '/missing.pem' }, read)).toThrow(/ssl.ca.location: cannot read/);
    expect(() => kafkaSecurity({ 'sasl.mechanism': 'PLAIN' }, read)).toThrow(/SASL_PLAINTEXT or SASL_SSL/);
  });
});
