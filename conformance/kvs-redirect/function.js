// Redirects kept in a KeyValueStore, keyed by "redirect:<uri>". A missing
// key rejects the get() promise; the request then goes on unchanged.
import cf from 'cloudfront';

const kvs = cf.kvs();

async function handler(event) {
    const request = event.request;
    try {
        const target = await kvs.get('redirect:' + request.uri);
        return {
            statusCode: 301,
            statusDescription: 'Moved Permanently',
            headers: {
                location: { value: target },
                'cache-control': { value: 'max-age=3600' }
            }
        };
    } catch (err) {
        console.log('no redirect for ' + request.uri);
    }
    return request;
}
