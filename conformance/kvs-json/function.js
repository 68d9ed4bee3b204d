// Site configuration kept as one JSON value in the store.
import cf from 'cloudfront';

const kvs = cf.kvs('4e1f6a2c-9b3d-4c8e-a7f0-1d2c3b4a5e6f');

async function handler(event) {
    const request = event.request;
    const config = await kvs.get('site-config', { format: 'json' });
    if (config.maintenance) {
        return { statusCode: 503, statusDescription: 'Service Unavailable' };
    }
    request.uri = config.prefix + request.uri;
    Object.keys(config.headers).forEach((name) => {
        request.headers[name] = { value: config.headers[name] };
    });
    return request;
}
