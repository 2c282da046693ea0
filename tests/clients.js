// clients.js: one npm client library against one server (run by tests/clients.sh).
//   node tests/clients.js <redis|ioredis> <port> <label> [resp2] [password=<pw>]
// Prints "PASS <label>: <check>" or "FAIL <label>: <check>: <why>" per check, and
// "XFAIL <label>: <check>: <reason>" for a known difference owned by another area.
// Requires the packages from tests/clients/package-lock.json (NODE_PATH=build/npm/node_modules).
'use strict';

const [lib, portArg, label, ...rest] = process.argv.slice(2);
const port = Number(portArg);
const resp2 = rest.includes('resp2');
const pwArg = rest.find((a) => a.startsWith('password='));
const password = pwArg ? pwArg.slice('password='.length) : undefined;
// XFAIL=<check>:<reason>,... (set by clients.sh for kv only).
const xfail = new Map((process.env.CLIENTS_XFAIL || '').split(',').filter(Boolean)
    .map((s) => [s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1)]));

function show(v) {
    return JSON.stringify(v, (_k, x) => (x instanceof Map ? Object.fromEntries(x) : x));
}

async function check(name, fn, want) {
    let got;
    try {
        got = await fn();
    } catch (e) {
        got = { error: String(e && e.message ? e.message : e) };
    }
    const ok = show(got) === show(want);
    if (xfail.has(name)) {
        console.log(`${ok ? 'XPASS' : 'XFAIL'} ${label}: ${name}: ${xfail.get(name)}` +
            (ok ? '' : ` (got ${show(got).slice(0, 200)})`));
    } else if (ok) {
        console.log(`PASS ${label}: ${name}`);
    } else {
        console.log(`FAIL ${label}: ${name}: got ${show(got).slice(0, 300)}, want ${show(want)}`);
    }
    return got;
}

// The same script for both libraries; `c` hides their differences.
async function script(c) {
    const k = `clients:${label}`;
    await check('connect', () => c.connect(), 'connected');
    await check('set', () => c.cmd.set(k, 'v1'), 'OK');
    await check('get', () => c.cmd.get(k), 'v1');
    await check('incr', async () => { await c.cmd.set(`${k}:n`, '41'); return c.cmd.incr(`${k}:n`); }, 42);
    await check('del', () => c.cmd.del([k, `${k}:n`, `${k}:nosuch`]), 2);
    await check('get-missing-is-null', () => c.cmd.get(`${k}:nosuch`), null);
    await check('multi-exec', () => c.multi([['set', `${k}:m`, '1'], ['incr', `${k}:m`], ['get', `${k}:m`]]),
        ['OK', 2, '2']);
    await check('lpush-lrange', async () => {
        const n = await c.cmd.lpush(`${k}:l`, ['a', 'b', 'c']);
        return [n, await c.cmd.lrange(`${k}:l`, 0, -1)];
    }, [3, ['c', 'b', 'a']]);
    await check('pipeline', () => c.pipeline([['set', `${k}:p`, 'x'], ['append', `${k}:p`, 'yz'],
        ['get', `${k}:p`], ['exists', `${k}:p`]]), ['OK', 3, 'xyz', 1]);
    await check('expire-ttl', async () => {
        await c.cmd.set(`${k}:t`, 'v');
        return [await c.cmd.expire(`${k}:t`, 100), await c.cmd.ttl(`${k}:t`), await c.cmd.ttl(`${k}:nosuch`)];
    }, [1, 100, -2]);
    await check('ping', () => c.cmd.ping(), 'PONG');
    if (c.extra) await c.extra();
    if (c.pubsub) await c.pubsub(k);
    await check('quit', () => c.quit(), 'OK');
}

function nodeRedis() {
    const { createClient } = require('redis');
    const opts = { socket: { host: '127.0.0.1', port, reconnectStrategy: false } };
    if (resp2) opts.RESP = 2;
    if (password) opts.password = password;
    const client = createClient(opts);
    client.on('error', (e) => console.log(`INFO ${label}: client error event: ${e.message}`));
    const exec = (m, ops) => { for (const [op, ...a] of ops) m[op](...a); return m; };
    return {
        connect: async () => { await client.connect(); return client.isReady ? 'connected' : 'not ready'; },
        cmd: {
            set: (k, v) => client.set(k, v),
            get: (k) => client.get(k),
            incr: (k) => client.incr(k),
            del: (ks) => client.del(ks),
            lpush: (k, vs) => client.lPush(k, vs),
            lrange: (k, a, b) => client.lRange(k, a, b),
            expire: (k, s) => client.expire(k, s),
            ttl: (k) => client.ttl(k),
            ping: () => client.ping(),
        },
        multi: (ops) => exec(client.multi(), ops).exec(),
        pipeline: (ops) => exec(client.multi(), ops).execAsPipeline(),
        extra: async () => {
            // HELLO's reply as the library sees it (RESP3 only), and CLIENT INFO's
            // lib-name/lib-ver, which the library sets with CLIENT SETINFO at connect.
            if (!resp2) {
                await check('hello-proto', async () => (await client.hello()).proto, 3);
            }
            // CLIENT SETINFO (Redis 7.2) is sent at connect and its error ignored; where
            // the server has it (SETINFO=1 from clients.sh's probe), CLIENT INFO shows it.
            const want = process.env.SETINFO === '1'
                ? `lib-name=node-redis lib-ver=${require('redis/package.json').version}` : 'no lib-name';
            await check('client-info-lib-name', async () => {
                const line = String(await client.sendCommand(['CLIENT', 'INFO']));
                const m = line.match(/lib-name=\S* lib-ver=\S*/);
                return m && !m[0].startsWith('lib-name= ') ? m[0] : 'no lib-name';
            }, want);
        },
        quit: () => client.quit(),
    };
}

function ioRedis() {
    const Redis = require('ioredis');
    const opts = { host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null,
        maxRetriesPerRequest: 0 };
    if (resp2) opts.protocol = 2; // ioredis 6 defaults to RESP3 (HELLO 3 [AUTH default pw])
    if (password) opts.password = password;
    const client = new Redis(opts);
    client.on('error', (e) => console.log(`INFO ${label}: client error event: ${e.message}`));
    const results = (rs) => rs.map(([e, v]) => (e ? { error: e.message } : v));
    const exec = (m, ops) => { for (const [op, ...a] of ops) m[op](...a); return m; };
    return {
        connect: async () => { await client.connect(); return client.status === 'ready' ? 'connected' : client.status; },
        cmd: {
            set: (k, v) => client.set(k, v),
            get: (k) => client.get(k),
            incr: (k) => client.incr(k),
            del: (ks) => client.del(...ks),
            lpush: (k, vs) => client.lpush(k, ...vs),
            lrange: (k, a, b) => client.lrange(k, a, b),
            expire: (k, s) => client.expire(k, s),
            ttl: (k) => client.ttl(k),
            ping: () => client.ping(),
        },
        multi: async (ops) => results(await exec(client.multi(), ops).exec()),
        pipeline: async (ops) => results(await exec(client.pipeline(), ops).exec()),
        extra: password ? async () => {
            // A connection without the password: NOAUTH, then AUTH with a wrong one (RESP2:
            // under RESP3 ioredis's own HELLO would get the NOAUTH and close the connection).
            const bad = new Redis({ ...opts, password: undefined, protocol: 2, enableReadyCheck: false });
            bad.on('error', () => {});
            await bad.connect();
            const first = (p) => p.then((v) => v, (e) => e.message.split(' ')[0]);
            await check('noauth-refused', () => first(bad.get('x')), 'NOAUTH');
            await check('wrong-password-refused', () => first(bad.auth('wrong')), 'WRONGPASS');
            bad.disconnect();
        } : null,
        // Pattern subscribe on a second connection; this one publishes (h-pubsub).
        pubsub: async (k) => {
            const sub = new Redis({ ...opts });
            sub.on('error', (e) => console.log(`INFO ${label}: subscriber error: ${e.message}`));
            await sub.connect();
            const got = [];
            const three = new Promise((resolve) => {
                sub.on('pmessage', (pattern, channel, message) => {
                    got.push([pattern, channel, message]);
                    if (got.length === 3) resolve(got);
                });
            });
            await check('psubscribe', () => sub.psubscribe(`${k}:news.*`), 1);
            const counts = [];
            for (const [ch, m] of [['news.a', 'm1'], ['news.b', 'm2'], ['other', 'x'], ['news.c', 'm3']])
                counts.push(await client.publish(`${k}:${ch}`, m));
            await check('publish-receivers', () => counts, [1, 1, 0, 1]);
            const late = new Promise((resolve) => setTimeout(() => resolve(got), 5000));
            await check('pmessages-in-order', () => Promise.race([three, late]),
                ['a', 'b', 'c'].map((x, i) => [`${k}:news.*`, `${k}:news.${x}`, `m${i + 1}`]));
            await check('punsubscribe', () => sub.punsubscribe(`${k}:news.*`), 0);
            await check('publish-after-punsubscribe', () => client.publish(`${k}:news.a`, 'z'), 0);
            sub.disconnect();
        },
        quit: () => client.quit(),
    };
}

const adapters = { redis: nodeRedis, ioredis: ioRedis };
if (!adapters[lib]) {
    console.log(`FAIL ${label}: unknown library ${lib}`);
    process.exit(1);
}
script(adapters[lib]()).then(() => process.exit(0), (e) => {
    console.log(`FAIL ${label}: script: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
});
