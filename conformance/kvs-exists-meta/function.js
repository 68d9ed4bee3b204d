// Feature flags by key presence, plus the store's key count for the origin.
import cf from 'cloudfront';

const kvs = cf.kvs();

async function handler(event) {
    const request = event.request;
    const beta = await kvs.exists('feature:beta-banner');
    const legacy = await kvs.exists('feature:legacy');
    const meta = await kvs.meta();
    request.headers['x-feature-beta'] = { value: String(beta) };
    request.headers['x-feature-legacy'] = { value: String(legacy) };
    request.headers['x-kvs-keys'] = { value: String(meta.keyCount) };
    return request;
}
