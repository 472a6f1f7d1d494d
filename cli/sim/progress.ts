/**
 * Progress of a run on stderr (stdout stays free): a cli-progress bar when stderr is a terminal,
 * a plain line every 10% when it is a pipe or a file (a log reads well), nothing with --quiet.
 */
import { SingleBar } from 'cli-progress';

export interface Progress {
  /** A new phase of `total` steps (the unit is the phase's own: joins, operations, virtual seconds). */
  start(phase: string, total: number): void;
  /** Steps done so far in the phase. */
  update(done: number): void;
  /** The phase is over. */
  stop(): void;
  /** A line of its own (a summary), kept out of the bar. */
  note(line: string): void;
}

export function createProgress(quiet: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (quiet) return { start() {}, update() {}, stop() {}, note() {} };
  return stream.isTTY ? barProgress(stream) : lineProgress(stream);
}

function barProgress(stream: NodeJS.WriteStream): Progress {
  let bar: SingleBar | undefined;
  return {
    start(phase, total) {
      bar?.stop();
      bar = new SingleBar({ stream, format: `${phase.padEnd(10)} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}`, hideCursor: true, clearOnComplete: false });
      bar.start(Math.max(1, total), 0);
    },
    update(done) {
      bar?.update(done);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
    note(line) {
      stream.write(`${line}\n`);
    },
  };
}

function lineProgress(stream: NodeJS.WriteStream): Progress {
  let phase = '';
  let total = 1;
  let nextTenth = 1;
  let started = 0;
  let last = 0;
  const line = (done: number) => {
    const s = ((performance.now() - started) / 1000).toFixed(1);
    stream.write(`sim: ${phase} ${Math.floor((100 * done) / total)}% (${done}/${total}, ${s} s)\n`);
  };
  return {
    start(p, t) {
      phase = p;
      total = Math.max(1, t);
      nextTenth = 1;
      last = 0;
      started = performance.now();
      stream.write(`sim: ${phase} started (${t})\n`);
    },
    update(done) {
      last = done;
      // One line per tenth crossed, however coarse the updates are.
      let crossed = false;
      while (nextTenth <= 10 && done * 10 >= nextTenth * total) {
        nextTenth++;
        crossed = true;
      }
      if (crossed) line(done);
    },
    stop() {
      if (nextTenth <= 10) line(last);
      nextTenth = 11;
    },
    note(text) {
      stream.write(`${text}\n`);
    },
  };
}
