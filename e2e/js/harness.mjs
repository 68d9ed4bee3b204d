// Shared set-up of the JavaScript SDK tests. e2e/js_test.go starts `edgefn
// serve` and passes its endpoint and credentials in EDGEFN_E2E_* variables.
import http from 'node:http';
import { after } from 'node:test';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { CloudFrontKeyValueStoreClient } from '@aws-sdk/client-cloudfront-keyvaluestore';
// The KeyValueStore client signs with SigV4A, which needs this opt-in import.
import '@aws-sdk/signature-v4a';

function env(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set: run these tests through "go test ./e2e/ -run TestJavaScriptSDK"`);
  }
  return v;
}

export const endpoint = env('EDGEFN_E2E_ENDPOINT');
export const kvsEndpoint = env('EDGEFN_E2E_KVS_ENDPOINT');
export const accountId = env('EDGEFN_E2E_ACCOUNT_ID');
const credentials = {
  accessKeyId: env('EDGEFN_E2E_ACCESS_KEY_ID'),
  secretAccessKey: env('EDGEFN_E2E_SECRET_ACCESS_KEY'),
};

// Every host name resolves to loopback, so "<account>.kvs.localhost" (the host
// the KVS SDK derives from its endpoint) reaches the server without DNS set-up.
function lookup(hostname, options, callback) {
  if (options && options.all) {
    callback(null, [{ address: '127.0.0.1', family: 4 }]);
  } else {
    callback(null, '127.0.0.1', 4);
  }
}
const agent = new http.Agent({ keepAlive: true, lookup });

const common = {
  region: 'eu-west-1', // any region signs CloudFront under a custom endpoint
  credentials,
  maxAttempts: 1, // a retry would hide a server fault
  requestHandler: { httpAgent: agent },
};

export const cloudfront = new CloudFrontClient({ ...common, endpoint });
export const kvs = new CloudFrontKeyValueStoreClient({ ...common, endpoint: kvsEndpoint });

after(() => {
  cloudfront.destroy();
  kvs.destroy();
  agent.destroy();
});

export const encode = (s) => new TextEncoder().encode(s);
export const decode = (b) => new TextDecoder().decode(b);

// viewerRequest is a TestFunction event object for uri.
export function viewerRequest(uri) {
  return encode(JSON.stringify({
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: '192.0.2.10' },
    request: { method: 'GET', uri, querystring: {}, headers: { host: { value: 'example.com' } }, cookies: {} },
  }));
}

// rejectsWith asserts that promise fails with the AWS error name and HTTP status.
export async function rejectsWith(assert, promise, name, status) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, name, `error ${err.name}: ${err.message}`);
    assert.equal(err.$metadata?.httpStatusCode, status);
    return true;
  });
}
