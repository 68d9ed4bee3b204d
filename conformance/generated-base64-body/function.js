// Serve a transparent 1x1 GIF without going to the origin.
var PIXEL = 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';

function handler(event) {
    if (event.request.uri !== '/pixel.gif') {
        return event.request;
    }
    return {
        statusCode: 200,
        statusDescription: 'OK',
        headers: {
            'content-type': { value: 'image/gif' },
            'cache-control': { value: 'no-cache' }
        },
        body: { encoding: 'base64', data: PIXEL }
    };
}
