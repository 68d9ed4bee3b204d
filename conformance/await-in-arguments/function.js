import cf from 'cloudfront';

const kvs = cf.kvs();

// The obvious way to read a JSON value, which CloudFront's runtime refuses.
async function handler(event) {
    const request = event.request;
    const config = JSON.parse(await kvs.get('site-config'));
    request.headers['x-site'] = { value: String(config.name) };
    return request;
}
