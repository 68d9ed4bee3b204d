// KeyValueStore control and data plane through the JavaScript SDK: the data
// plane signs with SigV4A and sends to "<account>.kvs.localhost".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateKeyValueStoreCommand, CreateFunctionCommand, TestFunctionCommand,
} from '@aws-sdk/client-cloudfront';
import {
  DescribeKeyValueStoreCommand, PutKeyCommand, GetKeyCommand, ListKeysCommand, UpdateKeysCommand, DeleteKeyCommand,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import { cloudfront, kvs, accountId, encode, viewerRequest, rejectsWith } from './harness.mjs';

test('key value store data plane', async (t) => {
  const created = await cloudfront.send(new CreateKeyValueStoreCommand({ Name: 'js-store', Comment: 'from JavaScript' }));
  const arn = created.KeyValueStore.ARN;
  assert.match(arn, new RegExp(`^arn:aws:cloudfront::${accountId}:key-value-store/`));
  let etag;

  await t.test('describe', async () => {
    const d = await kvs.send(new DescribeKeyValueStoreCommand({ KvsARN: arn }));
    assert.equal(d.KvsARN, arn);
    assert.equal(d.ItemCount, 0);
    assert.ok(d.Created instanceof Date);
    assert.ok(d.ETag);
    etag = d.ETag;
  });

  const key = 'path/to/ünïcødé key';
  await t.test('putKey and getKey', async () => {
    const put = await kvs.send(new PutKeyCommand({ KvsARN: arn, Key: key, Value: 'first', IfMatch: etag }));
    assert.equal(put.ItemCount, 1);
    assert.notEqual(put.ETag, etag);
    await rejectsWith(assert, kvs.send(new PutKeyCommand({ KvsARN: arn, Key: key, Value: 'stale', IfMatch: etag })), 'ConflictException', 409);
    etag = put.ETag;
    const got = await kvs.send(new GetKeyCommand({ KvsARN: arn, Key: key }));
    assert.equal(got.Key, key);
    assert.equal(got.Value, 'first');
    await rejectsWith(assert, kvs.send(new GetKeyCommand({ KvsARN: arn, Key: 'absent' })), 'ResourceNotFoundException', 404);
  });

  await t.test('updateKeys and listKeys', async () => {
    // 49 puts and 1 delete: the 50-key quota of a batch.
    const puts = Array.from({ length: 49 }, (_, i) => ({ Key: `k${String(i).padStart(2, '0')}`, Value: `v${i}` }));
    const up = await kvs.send(new UpdateKeysCommand({ KvsARN: arn, IfMatch: etag, Puts: puts, Deletes: [{ Key: key }] }));
    assert.equal(up.ItemCount, 49);
    etag = up.ETag;
    const seen = new Map();
    let NextToken;
    for (let page = 0; page < 20; page++) {
      const out = await kvs.send(new ListKeysCommand({ KvsARN: arn, MaxResults: 20, NextToken }));
      assert.ok((out.Items ?? []).length <= 20);
      for (const it of out.Items ?? []) seen.set(it.Key, it.Value);
      NextToken = out.NextToken;
      if (!NextToken) break;
    }
    assert.equal(NextToken, undefined, 'ListKeys did not finish');
    assert.deepEqual(seen, new Map(puts.map((p) => [p.Key, p.Value])));
    const del = await kvs.send(new DeleteKeyCommand({ KvsARN: arn, Key: 'k00', IfMatch: etag }));
    assert.equal(del.ItemCount, 48);
    etag = del.ETag;
  });

  await t.test('a function reads the store', async () => {
    const fn = await cloudfront.send(new CreateFunctionCommand({
      Name: 'js-kvs-reader',
      FunctionConfig: {
        Comment: '', Runtime: 'cloudfront-js-2.0',
        KeyValueStoreAssociations: { Quantity: 1, Items: [{ KeyValueStoreARN: arn }] },
      },
      FunctionCode: encode(`import cf from 'cloudfront';
const store = cf.kvs();
async function handler(event) {
  event.request.headers['x-kvs'] = {value: await store.get('k07')};
  return event.request;
}`),
    }));
    const out = await cloudfront.send(new TestFunctionCommand({ Name: 'js-kvs-reader', IfMatch: fn.ETag, EventObject: viewerRequest('/') }));
    assert.equal(out.TestResult.FunctionErrorMessage ?? '', '');
    assert.equal(JSON.parse(out.TestResult.FunctionOutput).request.headers['x-kvs'].value, 'v7');
  });
});
