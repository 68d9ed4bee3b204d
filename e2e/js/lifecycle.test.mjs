// A function's whole lifecycle through @aws-sdk/client-cloudfront.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateFunctionCommand, DescribeFunctionCommand, GetFunctionCommand, UpdateFunctionCommand,
  TestFunctionCommand, PublishFunctionCommand, ListFunctionsCommand, DeleteFunctionCommand,
} from '@aws-sdk/client-cloudfront';
import { cloudfront, accountId, encode, decode, viewerRequest, rejectsWith } from './harness.mjs';

const name = 'js-lifecycle';
const config = { Comment: 'from JavaScript', Runtime: 'cloudfront-js-2.0' };
const code = (tag) => `async function handler(event) {
  event.request.headers['x-tag'] = {value: '${tag}'};
  return event.request;
}`;

async function testTag(etag, stage) {
  const out = await cloudfront.send(new TestFunctionCommand({ Name: name, IfMatch: etag, Stage: stage, EventObject: viewerRequest('/') }));
  assert.equal(out.TestResult.FunctionErrorMessage ?? '', '', 'function error');
  return JSON.parse(out.TestResult.FunctionOutput).request.headers['x-tag'].value;
}

test('function lifecycle', async (t) => {
  let etag;
  await t.test('create', async () => {
    const out = await cloudfront.send(new CreateFunctionCommand({ Name: name, FunctionConfig: config, FunctionCode: encode(code('v1')) }));
    assert.ok(out.ETag);
    assert.equal(out.FunctionSummary.Name, name);
    assert.equal(out.FunctionSummary.FunctionMetadata.Stage, 'DEVELOPMENT');
    assert.equal(out.FunctionSummary.FunctionMetadata.FunctionARN, `arn:aws:cloudfront::${accountId}:function/${name}`);
    assert.ok(out.FunctionSummary.FunctionMetadata.LastModifiedTime instanceof Date);
    etag = out.ETag;
  });

  await t.test('describe and get', async () => {
    const d = await cloudfront.send(new DescribeFunctionCommand({ Name: name }));
    assert.equal(d.ETag, etag);
    assert.equal(d.FunctionSummary.FunctionConfig.Runtime, 'cloudfront-js-2.0');
    assert.equal(d.FunctionSummary.FunctionConfig.Comment, 'from JavaScript');
    const g = await cloudfront.send(new GetFunctionCommand({ Name: name }));
    assert.equal(decode(g.FunctionCode), code('v1'));
    assert.equal(g.ETag, etag);
  });

  await t.test('update returns the new ETag (ETtag header)', async () => {
    const out = await cloudfront.send(new UpdateFunctionCommand({ Name: name, IfMatch: etag, FunctionConfig: config, FunctionCode: encode(code('v2')) }));
    assert.ok(out.ETag, 'UpdateFunction output has no ETag');
    assert.notEqual(out.ETag, etag);
    await rejectsWith(assert, cloudfront.send(new UpdateFunctionCommand({ Name: name, IfMatch: etag, FunctionConfig: config, FunctionCode: encode(code('x')) })),
      'PreconditionFailed', 412);
    etag = out.ETag;
  });

  await t.test('test', async () => {
    assert.equal(await testTag(etag, 'DEVELOPMENT'), 'v2');
  });

  await t.test('publish', async () => {
    const out = await cloudfront.send(new PublishFunctionCommand({ Name: name, IfMatch: etag }));
    assert.equal(out.FunctionSummary.FunctionMetadata.Stage, 'LIVE');
    assert.equal(await testTag(etag, 'LIVE'), 'v2');
  });

  await t.test('list by stage', async () => {
    for (const [stage, want] of [['LIVE', 1], ['DEVELOPMENT', 1], [undefined, 2]]) {
      const out = await cloudfront.send(new ListFunctionsCommand({ Stage: stage }));
      const mine = (out.FunctionList.Items ?? []).filter((f) => f.Name === name);
      assert.equal(mine.length, want, `Stage ${stage}`);
      if (stage) assert.ok(mine.every((f) => f.FunctionMetadata.Stage === stage));
    }
  });

  await t.test('delete', async () => {
    await cloudfront.send(new DeleteFunctionCommand({ Name: name, IfMatch: etag }));
    await rejectsWith(assert, cloudfront.send(new DescribeFunctionCommand({ Name: name })), 'NoSuchFunctionExists', 404);
  });
});
