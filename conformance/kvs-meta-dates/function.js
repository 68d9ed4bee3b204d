// Report when the store was created and last synced.
import cf from 'cloudfront';

const kvs = cf.kvs();

async function handler(event) {
    const request = event.request;
    const meta = await kvs.meta();
    request.headers['x-kvs-created'] = { value: meta.creationDateTime };
    request.headers['x-kvs-updated'] = { value: meta.lastUpdatedDateTime };
    return request;
}
