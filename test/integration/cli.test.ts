/** The `sluice` command, non-interactive: `sluice run script.sql`. Uses the compiled CLI (pretest builds it). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('runs a script against the embedded engine and prints the results', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
  try {
    const script = join(dir, 'script.sql');
    writeFileSync(
      script,
      `-- a comment; with a semicolon
       CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
       CREATE STREAM t AS SELECT k, v + 1 AS w FROM s;
       INSERT INTO s (k, v) VALUES ('a;b', 1);
       SHOW STREAMS;
       DESCRIBE t;`,
    );
    const out = execFileSync(process.execPath, ['dist/cli/sluice.js', 'run', script, '--data-dir', join(dir, 'data'), '--earliest'], { encoding: 'utf8' });
    expect(out).toContain('Stream created');
    expect(out).toContain('Created query with ID CSAS_T_0');
    expect(out).toMatch(/ S +\| s +\| KAFKA +\| JSON/);
    expect(out).toMatch(/W +\| INTEGER/);

    let err = '';
    try {
      execFileSync(process.execPath, ['dist/cli/sluice.js', 'run', script.replace('script', 'bad'), '--data-dir', join(dir, 'data2')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      err = String((e as { stderr?: string }).stderr ?? e);
    }
    expect(err).toMatch(/ENOENT|no such file/);

    writeFileSync(join(dir, 'bad.sql'), 'CREATE STREAM x (k INT KEY) WITH (kafka_topic=);');
    let status = 0;
    try {
      execFileSync(process.execPath, ['dist/cli/sluice.js', 'run', join(dir, 'bad.sql'), '--data-dir', join(dir, 'data3')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
      err = String((e as { stderr?: string }).stderr);
    }
    expect(status).toBe(1);
    expect(err).toContain('line 1:');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
