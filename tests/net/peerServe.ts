/**
 * The command loop of a node in its own process (modulePeer.ts, drtPeer.ts): JSON lines in on stdin,
 * JSON lines out on stdout. A peer reads what it needs to start, then serves one command a line until
 * `{ exit: true }` or the end of its input, closes its node and ends the process.
 */
import { createInterface } from 'node:readline';

/** One command a line, as the test sent it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Command = any;

/** Writes one JSON line to the test. */
export const out = (msg: unknown): void => void process.stdout.write(`${JSON.stringify(msg)}\n`);

/** The lines of stdin, one at a time. */
export function commandLines(): AsyncIterator<string> {
  return createInterface({ input: process.stdin })[Symbol.asyncIterator]();
}

/** Runs a call and answers { done: id, value } or { failed: id, error: name, message }, so the test sees every outcome. */
export function run(id: string, work: () => Promise<unknown>): void {
  void work().then(
    (value) => out({ done: id, value }),
    (err: Error) => out({ failed: id, error: err.name, message: err.message }),
  );
}

/**
 * Serves the commands of `lines` with `handle` (awaited before the next line is read) until
 * `{ exit: true }` or the end of input, then closes `node` and exits the process.
 */
export async function serve(lines: AsyncIterator<string>, node: { close(): Promise<void> }, handle: (cmd: Command) => void | Promise<void>): Promise<void> {
  for (let line = await lines.next(); !line.done; line = await lines.next()) {
    const cmd: Command = JSON.parse(line.value);
    if (cmd.exit) break;
    await handle(cmd);
  }
  await node.close();
  // stdin stays referenced after the loop ends; exit explicitly once the node has closed.
  process.exit(0);
}

/** Runs a peer's main, ending the process with its error if it fails. */
export function runPeer(main: () => Promise<void>): void {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
