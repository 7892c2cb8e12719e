/**
 * Reading a password: on a terminal, a prompt without echo; otherwise the first line of stdin (the
 * rest of stdin is left for whoever reads it next, e.g. the CLI's statements).
 */

export class PasswordInputError extends Error {}

export function readPassword(prompt: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  return input.isTTY ? readHidden(prompt, input, output) : readLine(input);
}

function readHidden(prompt: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
  output.write(prompt);
  return new Promise((resolve, reject) => {
    let typed = '';
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    const finish = (err?: Error) => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new PasswordInputError('Interrupted'));
        if (ch === '\u0004') {
          if (typed === '') return finish(new PasswordInputError('No password entered'));
          return finish();
        }
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else if (ch >= ' ') typed += ch;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}

function readLine(input: NodeJS.ReadStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = Buffer.alloc(0);
    const done = (line: string | undefined) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.pause();
      if (line === undefined) reject(new PasswordInputError('No password on standard input'));
      else resolve(line.replace(/\r$/, ''));
    };
    const onData = (chunk: Buffer | string) => {
      seen = Buffer.concat([seen, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
      const nl = seen.indexOf(0x0a);
      if (nl < 0) return;
      const rest = seen.subarray(nl + 1);
      done(seen.subarray(0, nl).toString('utf8'));
      if (rest.length > 0) input.unshift(rest);
    };
    const onEnd = () => done(seen.length > 0 ? seen.toString('utf8') : undefined);
    input.on('data', onData);
    input.once('end', onEnd);
    input.resume();
  });
}
