'use strict';

// Interop between @grpc/grpc-js and ExchangeSpool.Grpc over Protos/echo.proto.
//   node interop.js client PORT   calls each kind of method on our server at 127.0.0.1:PORT
//   node interop.js server        serves the echo service on a free port, prints "listening PORT",
//                                 and runs until killed
// Both sides follow the echo behaviour of Infrastructure/EchoService.cs.

const path = require('node:path');
const assert = require('node:assert/strict');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const definition = protoLoader.loadSync(path.join(__dirname, '..', 'Protos', 'echo.proto'), {
  longs: Number,
  defaults: true,
});
const EchoService = grpc.loadPackageDefinition(definition).exchangespool.test.EchoService;
const FAIL_PREFIX = 'fail:';

function unary(client, method, request) {
  return new Promise((resolve, reject) => {
    client[method](request, { deadline: Date.now() + 20000 }, (error, reply) => (error ? reject(error) : resolve(reply)));
  });
}

function readAll(call) {
  return new Promise((resolve, reject) => {
    const messages = [];
    call.on('data', (message) => messages.push(message));
    call.on('end', () => resolve(messages));
    call.on('error', reject);
  });
}

async function runClient(port) {
  const client = new EchoService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());

  const reply = await unary(client, 'Echo', { text: 'héllo ✓', payload: Buffer.from([0, 1, 255]) });
  assert.equal(reply.text, 'héllo ✓');
  assert.deepEqual([...reply.payload], [0, 1, 255]);
  console.log('unary ok');

  const failure = await unary(client, 'Echo', { text: `${FAIL_PREFIX}pas trouvé 100%` }).then(
    () => assert.fail('expected NOT_FOUND'),
    (error) => error,
  );
  assert.equal(failure.code, grpc.status.NOT_FOUND);
  assert.equal(failure.details, 'pas trouvé 100%');
  console.log('unary status ok');

  const sum = await new Promise((resolve, reject) => {
    const call = client.Sum({ deadline: Date.now() + 20000 }, (error, result) => (error ? reject(error) : resolve(result)));
    for (let value = 1; value <= 10; value++) {
      call.write({ value });
    }
    call.end();
  });
  assert.equal(sum.total, 55);
  assert.equal(sum.count, 10);
  console.log('client streaming ok');

  const numbers = await readAll(client.Count({ count: 5 }, { deadline: Date.now() + 20000 }));
  assert.deepEqual(numbers.map((n) => n.value), [1, 2, 3, 4, 5]);
  console.log('server streaming ok');

  const chat = client.Chat({ deadline: Date.now() + 20000 });
  const echoed = readAll(chat);
  for (const text of ['a', 'b', 'c']) {
    chat.write({ text });
  }
  chat.end();
  assert.deepEqual((await echoed).map((m) => m.text), ['a', 'b', 'c']);
  console.log('bidi streaming ok');

  client.close();
}

function runServer() {
  const server = new grpc.Server();
  server.addService(EchoService.service, {
    Echo(call, callback) {
      const { text, payload } = call.request;
      if (text.startsWith(FAIL_PREFIX)) {
        callback({ code: grpc.status.NOT_FOUND, details: text.slice(FAIL_PREFIX.length) });
      } else {
        callback(null, { text, payload });
      }
    },
    Sum(call, callback) {
      let total = 0;
      let count = 0;
      call.on('data', (number) => {
        total += number.value;
        count++;
      });
      call.on('end', () => callback(null, { total, count }));
    },
    Count(call) {
      for (let value = 1; value <= call.request.count; value++) {
        call.write({ value });
      }
      call.end();
    },
    Chat(call) {
      call.on('data', (message) => call.write({ text: message.text, payload: message.payload }));
      call.on('end', () => call.end());
    },
  });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) {
      console.error(error);
      process.exit(1);
    }
    console.log(`listening ${port}`);
  });
}

const [mode, port] = process.argv.slice(2);
if (mode === 'client' && port) {
  runClient(Number(port)).then(
    () => console.log('interop client passed'),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
} else if (mode === 'server') {
  runServer();
} else {
  console.error('usage: node interop.js client PORT | node interop.js server');
  process.exit(2);
}
