// Load for the UDP forwarding benchmark, in its own thread: a generator that sends one frame as
// fast as it can (yielding every batch so its own sink is not starved) and a sink that counts.
const { parentPort } = require('node:worker_threads');
const dgram = require('node:dgram');

const sink = dgram.createSocket('udp4');
let received = 0;
sink.on('message', () => received++);
sink.bind(0, '127.0.0.1', () => parentPort.postMessage({ sinkPort: sink.address().port }));

parentPort.on('message', (m) => {
  if (m.stop) {
    sink.close();
    parentPort.close();
    return;
  }
  const gen = dgram.createSocket('udp4');
  const frame = Buffer.from(m.frame);
  let sent = 0;
  const end = Date.now() + m.durationMs;
  const burst = () => {
    if (Date.now() >= end) {
      // Let the last datagrams drain through the relay before counting.
      setTimeout(() => {
        gen.close();
        parentPort.postMessage({ sent, received });
        received = 0;
      }, 300);
      return;
    }
    for (let i = 0; i < 64; i++) gen.send(frame, m.target, '127.0.0.1');
    sent += 64;
    setImmediate(burst);
  };
  received = 0;
  burst();
});
