// The official socket.io-client through a load balancer, driven by
// balancer_test.go: node balancer_client.mjs '<json config>'. It prints one
// JSON line with the result ({ok:false,error} on failure); the kill scenario
// first prints {ready:true} and waits for the killed node's name on stdin.
import { io } from 'socket.io-client';
import { createInterface } from 'node:readline';

const cfg = JSON.parse(process.argv[2]);
const modes = {
  polling: { transports: ['polling'] },
  websocket: { transports: ['websocket'] },
  upgrade: { transports: ['polling', 'websocket'] },
};
const modeNames = Object.keys(modes);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

function withTimeout(p, ms, what) {
  let t;
  return Promise.race([p, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timeout: ${what}`)), ms); })])
    .finally(() => clearTimeout(t));
}

// connect opens a client in mode and resolves once connected (and, in
// upgrade mode, upgraded); it checks the auth the server saw.
async function connect(name, mode, extra = {}) {
  const s = io(cfg.url, { ...modes[mode], auth: { name }, forceNew: true, reconnectionDelay: 200, reconnectionDelayMax: 1000, ...extra });
  s.stats = { disconnects: 0, connectErrors: 0 };
  s.on('disconnect', () => s.stats.disconnects++);
  s.on('connect_error', () => s.stats.connectErrors++);
  const auth = new Promise((res) => s.once('auth', (...args) => res(args)));
  await withTimeout(new Promise((res) => s.once('connect', res)), 10000, `${name} connect`);
  const a = await withTimeout(auth, 10000, `${name} auth`);
  // With recovery on (streams), an emit to one socket goes through the
  // stream too, and carries its offset.
  if (a[0]?.name !== name || !hasOffset(a)) throw new Error(`auth seen by the server: ${JSON.stringify(a)}`);
  if (mode === 'upgrade' && s.io.engine.transport.name !== 'websocket') {
    await withTimeout(new Promise((res) => s.io.engine.once('upgrade', res)), 10000, `${name} upgrade`);
  }
  s.on('server-request', (...args) => { const cb = args.pop(); cb('pong', ...args); });
  return s;
}

// hasOffset tells whether an event's arguments end as they must: with its
// stream entry id when the cluster keeps a stream (cfg.offsets), with the
// event's own argument (one, in these tests) otherwise.
const hasOffset = (args) => (cfg.offsets ? args.length === 2 && /^\d+-\d+$/.test(args[1]) : args.length === 1);

// ackAll emits and resolves with every argument of the ack (emitWithAck
// gives the first only).
const ackAll = (s, ...args) => new Promise((res, rej) => s.timeout(10000).emit(...args, (err, ...back) => (err ? rej(err) : res(back))));

async function features() {
  const n = cfg.clients ?? 6;
  const socks = [];
  for (let i = 0; i < n; i++) socks.push(await connect(`c${i}`, cfg.mode));
  const nodes = new Set();
  for (const s of socks) {
    nodes.add((await s.timeout(10000).emitWithAck('whoami')).node);
    const bin = Buffer.from([1, 2, 3, 250]);
    const back = await ackAll(s, 'message-with-ack', 'hi', { a: [1, 'b'] }, bin);
    if (back.length !== 3 || back[0] !== 'hi' || JSON.stringify(back[1]) !== '{"a":[1,"b"]}' || !Buffer.from(back[2]).equals(bin)) {
      throw new Error(`echo: ${JSON.stringify(back)}`);
    }
    const asked = await s.timeout(10000).emitWithAck('request-ack', 5000, 'x', Buffer.from([7]));
    if (!asked.ok || asked.args[0] !== 'pong' || asked.args[1] !== 'x' || !Buffer.from(asked.args[2]).equals(Buffer.from([7]))) {
      throw new Error(`server ack: ${JSON.stringify(asked)}`);
    }
    await s.timeout(10000).emitWithAck('join', 'room1');
  }
  // Rooms and broadcasts from every node: each node emits to room1.
  const heard = socks.map((s) => {
    const from = new Set();
    return new Promise((res, rej) => s.on('shouted', (...args) => {
      if (!hasOffset(args)) rej(new Error(`shouted: ${JSON.stringify(args)}`));
      from.add(args[0]);
      if (from.size === cfg.nodes) res([...from]);
    }));
  });
  const outsider = await connect('outsider', cfg.mode);
  let leaked = false;
  outsider.on('shouted', () => { leaked = true; });
  socks[0].emit('shout-all', 'room1');
  await withTimeout(Promise.all(heard), 10000, 'shouts from every node');
  for (const s of socks) {
    for (let i = 0; i < 30; i++) {
      const v = await s.timeout(10000).emitWithAck('message-with-ack', i);
      if (v !== i) throw new Error(`echo ${i}: ${v}`);
    }
  }
  await sleep(300);
  if (leaked) throw new Error('a client outside the room heard the broadcast');
  const errors = socks.reduce((k, s) => k + s.stats.disconnects + s.stats.connectErrors, 0);
  for (const s of [...socks, outsider]) s.close();
  return { ok: errors === 0, nodes: [...nodes], errors };
}

async function load() {
  const socks = await Promise.all(Array.from({ length: cfg.clients }, (_, i) => connect(`l${i}`, modeNames[i % 3])));
  const stats = { acks: 0, ackErrors: 0, ticks: 0, lost: 0 };
  for (const s of socks) {
    const last = {};
    s.on('tick', (node, seq) => {
      stats.ticks++;
      if (last[node] !== undefined && seq !== last[node] + 1) stats.lost += seq - last[node] - 1;
      last[node] = seq;
    });
    await s.timeout(10000).emitWithAck('join', 'load');
  }
  const end = Date.now() + cfg.seconds * 1000;
  await Promise.all(socks.map(async (s, i) => {
    await sleep(i * 3);
    for (let seq = 0; Date.now() < end; seq++) {
      try {
        const v = await s.timeout(10000).emitWithAck('message-with-ack', seq);
        if (v === seq) stats.acks++; else stats.ackErrors++;
      } catch { stats.ackErrors++; }
      await sleep(300);
    }
  }));
  await sleep(1000);
  stats.disconnects = socks.reduce((k, s) => k + s.stats.disconnects, 0);
  stats.connectErrors = socks.reduce((k, s) => k + s.stats.connectErrors, 0);
  for (const s of socks) s.close();
  return { ok: stats.ackErrors === 0 && stats.lost === 0 && stats.disconnects === 0 && stats.connectErrors === 0, ...stats };
}

async function kill() {
  const socks = await Promise.all(Array.from({ length: cfg.clients }, (_, i) => connect(`k${i}`, modeNames[i % 3])));
  const nodeOf = await Promise.all(socks.map(async (s) => (await s.timeout(10000).emitWithAck('whoami')).node));
  out({ ready: true, nodes: nodeOf });
  const rl = createInterface({ input: process.stdin });
  const killed = await new Promise((res) => rl.once('line', res));
  rl.close();
  const victims = socks.filter((_, i) => nodeOf[i] === killed);
  // Every client answers again, the killed node's on another node.
  const after = await withTimeout(Promise.all(socks.map(async (s) => {
    for (;;) {
      try {
        if (s.connected) {
          const who = await s.timeout(2000).emitWithAck('whoami');
          if (who.node !== killed) return who.node;
        }
      } catch { /* reconnecting */ }
      await sleep(200);
    }
  })), 30000, 'every client back');
  const reconnected = victims.filter((s) => s.stats.disconnects > 0).length;
  // Clients of live nodes whose poll or WebSocket went through the killed
  // node lose their session too (its owner sees the request aborted).
  const othersDropped = socks.filter((s, i) => nodeOf[i] !== killed && s.stats.disconnects > 0).length;
  for (const s of socks) s.close();
  return { ok: true, victims: victims.length, reconnected, othersDropped, after };
}

// recover: the kill scenario with recovery (streams mode). Every client
// joins room "r" and prints its node and session; the test kills a node,
// names it on stdin, and broadcasts "m" 1..cfg.missed (to every client and
// to "r") from a live node meanwhile, while the clients come back: some
// from the stream at recovery, the rest live. Every client must get each
// "m" once and in order, and every client that lost its connection
// (the killed node's, and those whose requests went through it) must
// come back recovered, with its id, on a live node.
async function recover() {
  const socks = await Promise.all(Array.from({ length: cfg.clients }, (_, i) => connect(`r${i}`, modeNames[i % 3])));
  const got = socks.map(() => []);
  const bad = [];
  socks.forEach((s, i) => s.on('m', (...args) => (hasOffset(args) ? got[i].push(args[0]) : bad.push(args))));
  for (const s of socks) await s.timeout(10000).emitWithAck('join', 'r');
  const nodeOf = await Promise.all(socks.map(async (s) => (await s.timeout(10000).emitWithAck('whoami')).node));
  const ids = socks.map((s) => s.id);
  out({ ready: true, nodes: nodeOf, pids: socks.map((s) => s._pid) });
  const rl = createInterface({ input: process.stdin });
  const killed = await new Promise((res) => rl.once('line', res));
  rl.close();
  const after = await withTimeout(Promise.all(socks.map(async (s, i) => {
    for (;;) {
      try {
        if (s.connected && got[i].includes(cfg.missed)) {
          const who = await s.timeout(2000).emitWithAck('whoami');
          if (who.node !== killed) return who.node;
        }
      } catch { /* reconnecting */ }
      await sleep(200);
    }
  })), 30000, 'every client back with every broadcast');
  const want = JSON.stringify(Array.from({ length: cfg.missed }, (_, k) => k + 1));
  const dropped = socks.map((s, i) => i).filter((i) => socks[i].stats.disconnects > 0);
  const res = {
    victims: nodeOf.filter((n) => n === killed).length,
    dropped: dropped.length,
    recovered: dropped.filter((i) => socks[i].recovered && socks[i].id === ids[i]).length,
    victimsDropped: dropped.filter((i) => nodeOf[i] === killed).length,
    wrongEvents: got.map((g, i) => ({ i, g })).filter(({ g }) => JSON.stringify(g) !== want),
    badArgs: bad,
    after,
  };
  for (const s of socks) s.close();
  const ok = res.victims > 0 && res.victimsDropped === res.victims && res.recovered === res.dropped && res.wrongEvents.length === 0 && bad.length === 0;
  return { ok, ...res };
}

const scenarios = { features, load, kill, recover };
try {
  out(await scenarios[cfg.scenario]());
} catch (e) {
  out({ ok: false, error: String(e?.stack ?? e) });
}
process.exit(0);
