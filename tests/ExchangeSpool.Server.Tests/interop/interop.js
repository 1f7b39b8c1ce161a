'use strict';

// @grpc/grpc-js, the reference gRPC implementation for node, against the real ExchangeSpool service.
// Run from the repository root; PROTO is the service's proto, e.g. proto/exchange_spool.proto.
//   node interop.js PROTO exchange HOST:PORT
//       calls each method kind as a client that knows only the proto would; prints "ok <step>"
//       per step and "interop passed", exits 0 only when every check passed
//   node interop.js PROTO hang-in-sink HOST:PORT DESCRIPTOR_BASE64
//       opens WriteSink for sink 0, attempt 0 of the (serialized) descriptor, sends pages, prints
//       "sent" and waits until killed, never finishing the stream

const fs = require('node:fs');
const assert = require('node:assert/strict');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [protoPath, mode, target, ...rest] = process.argv.slice(2);
const definition = protoLoader.loadSync(protoPath, { keepCase: true, longs: Number, defaults: true });
const ExchangeSpool = grpc.loadPackageDefinition(definition).exchangespool.v1.ExchangeSpool;
const CALL_TIMEOUT_MS = 30000;

function options() {
  return { deadline: Date.now() + CALL_TIMEOUT_MS };
}

function unary(client, method, request) {
  return new Promise((resolve, reject) => {
    client[method](request, options(), (error, reply) => (error ? reject(error) : resolve(reply)));
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

function write(call, message) {
  return new Promise((resolve, reject) => call.write(message, (error) => (error ? reject(error) : resolve())));
}

/** A page whose bytes depend on its index, so a page read in the wrong place does not compare equal. */
function page(index, size) {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) {
    bytes[i] = (index * 131 + i * 7 + (i >> 8)) & 0xff;
  }
  return bytes;
}

/** SinkMessage.pages: [int32 LE partition][int32 LE length][payload] per page. */
function sinkFrames(partition, pages) {
  return Buffer.concat(pages.flatMap((payload) => {
    const header = Buffer.alloc(8);
    header.writeInt32LE(partition, 0);
    header.writeInt32LE(payload.length, 4);
    return [header, payload];
  }));
}

/** SourcePages.pages: [int32 LE length][payload] per page; checks there are exactly pageCount frames. */
function sourceFrames(buffer, pageCount) {
  const pages = [];
  let offset = 0;
  while (offset < buffer.length) {
    assert.ok(offset + 4 <= buffer.length, `truncated frame header at offset ${offset}`);
    const length = buffer.readInt32LE(offset);
    assert.ok(length >= 0 && offset + 4 + length <= buffer.length, `frame at offset ${offset} claims ${length} bytes`);
    pages.push(buffer.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  assert.equal(pages.length, pageCount, 'SourcePages.page_count does not match the frames in SourcePages.pages');
  return pages;
}

let step = 'loading the proto';

async function check(name, body) {
  step = name;
  await body();
  console.log(`ok ${name}`);
}

async function runExchange() {
  const client = new ExchangeSpool(target, grpc.credentials.createInsecure());
  const exchange = { query_id: `node_${process.pid}`, exchange_id: 'e0' };
  const written = [[page(0, 1), page(1, 1000), page(2, 70000)], [page(3, 300000), page(4, 17)]];
  const pages = written.flat();
  const dataSize = pages.reduce((total, p) => total + 4 + p.length, 0);
  let info;
  let descriptor;
  let handles;
  try {
    await check('GetServerInfo (unary)', async () => {
      info = await unary(client, 'GetServerInfo', {});
      assert.equal(info.storage_kind, 'local');
      assert.equal(info.serving, true);
      assert.ok(info.version.length > 0, 'version is empty');
      assert.ok(info.base_directories.length > 0, 'no base directories');
      assert.ok(info.max_message_size > 0, 'max_message_size is not positive');
    });

    await check('CreateExchange (unary)', async () => {
      descriptor = await unary(client, 'CreateExchange', { exchange, partition_count: 1, preserve_order: false });
      assert.deepEqual(descriptor.exchange, exchange);
      assert.equal(descriptor.partition_count, 1);
      assert.ok(Buffer.isBuffer(descriptor.salt) && descriptor.salt.length > 0, 'salt is not a non-empty Buffer');
      assert.equal(descriptor.storage_locations.length, info.base_directories.length);
      assert.ok(descriptor.settings.max_page_storage_size > 0, 'settings.max_page_storage_size is not positive');
    });

    await check('WriteSink (client streaming)', async () => {
      const result = await new Promise((resolve, reject) => {
        const call = client.WriteSink(options(), (error, reply) => (error ? reject(error) : resolve(reply)));
        call.write({ open: { exchange: descriptor, sink_id: 0, attempt_id: 0 } });
        written.forEach((batch, i) => call.write({
          page_count: batch.length,
          pages: sinkFrames(0, batch),
          finish: i === written.length - 1,
        }));
        call.end();
      });
      assert.equal(result.page_count, pages.length);
      assert.equal(result.data_size, dataSize);
      assert.ok(result.file_count >= 1, `file_count is ${result.file_count}`);
      assert.ok(descriptor.storage_locations.some((location) => fs.existsSync(location)),
        `no storage location exists after the commit: ${descriptor.storage_locations.join(', ')}`);
    });

    await check('PlanSourceHandles (server streaming)', async () => {
      const batches = await readAll(client.PlanSourceHandles(
        { exchange: descriptor, winners: [{ sink_id: 0, attempt_id: 0 }] }, options()));
      assert.ok(batches.length > 0, 'no handle batch');
      assert.equal(batches[batches.length - 1].last_batch, true, 'the last batch is not marked last_batch');
      handles = batches.flatMap((batch) => batch.handles);
      assert.ok(handles.length > 0, 'no handle');
      for (const handle of handles) {
        assert.equal(handle.partition_id, 0);
        assert.equal(handle.exchange_index, 0);
        for (const file of handle.files) {
          assert.deepEqual([file.sink_id, file.attempt_id], [0, 0]);
        }
      }
      assert.equal(handles.reduce((total, handle) => total + handle.data_size, 0), dataSize);
    });

    await check('ReadSource (server streaming)', async () => {
      const messages = await readAll(client.ReadSource({
        exchanges: [{ exchange: descriptor, selected_attempts: Buffer.from([0]) }],
        handles,
      }, options()));
      const read = messages.flatMap((message) => sourceFrames(message.pages, message.page_count));
      assert.equal(read.length, pages.length, 'page count read back');
      read.forEach((bytes, i) => assert.ok(bytes.equals(pages[i]),
        `page ${i} differs: ${bytes.length} bytes read, ${pages[i].length} written`));
    });

    await check('CreateExchange with an invalid id fails with INVALID_ARGUMENT', async () => {
      const error = await unary(client, 'CreateExchange', {
        exchange: { query_id: 'bad/id', exchange_id: 'e0' }, partition_count: 1,
      }).then(() => assert.fail('CreateExchange accepted query id bad/id'), (e) => e);
      assert.equal(error.code, grpc.status.INVALID_ARGUMENT, `code ${error.code}: ${error.details}`);
      assert.ok(error.details.includes('bad/id'), `details do not name the id: ${error.details}`);
    });

    await check('CloseExchange (unary)', async () => {
      await unary(client, 'CloseExchange', { exchange });
      // The server deletes in the background after it answers.
      let left = descriptor.storage_locations;
      for (let waited = 0; left.length > 0 && waited < 30000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        left = descriptor.storage_locations.filter((location) => fs.existsSync(location));
      }
      assert.deepEqual(left, [], 'storage locations left 30 s after CloseExchange');
    });
  } finally {
    client.close();
  }
  console.log('interop passed');
}

async function runHangInSink() {
  const [descriptorBase64] = rest;
  step = 'decoding the descriptor';
  const descriptor = ExchangeSpool.service.CreateExchange.responseDeserialize(Buffer.from(descriptorBase64, 'base64'));
  const client = new ExchangeSpool(target, grpc.credentials.createInsecure());
  step = 'WriteSink';
  // No deadline and no end: the stream stays open until the process dies.
  const call = client.WriteSink((error) => console.log(`WriteSink ended: ${error ? `${error.code} ${error.details}` : 'ok'}`));
  await write(call, { open: { exchange: descriptor, sink_id: 0, attempt_id: 0 } });
  for (let message = 0; message < 2; message++) {
    const batch = Array.from({ length: 64 }, (_, i) => page(message * 64 + i, 2000));
    await write(call, { page_count: batch.length, pages: sinkFrames(0, batch) });
  }
  console.log('sent');
  setInterval(() => {}, 1 << 30);
}

const modes = { exchange: runExchange, 'hang-in-sink': runHangInSink };

(async () => {
  if (!modes[mode] || !target) {
    throw new Error(`usage: node interop.js PROTO (${Object.keys(modes).join('|')}) HOST:PORT [DESCRIPTOR_BASE64]`);
  }
  await modes[mode]();
})().then(
  () => { if (mode === 'exchange') process.exit(0); },
  (error) => {
    console.error(`FAILED at ${step}: ${error && error.stack ? error.stack : error}`);
    process.exit(1);
  },
);
