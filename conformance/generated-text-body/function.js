// Answer at the edge with a small HTML page.
function handler(event) {
    const name = event.request.querystring.name;
    return {
        statusCode: 200,
        statusDescription: 'OK',
        headers: {
            'content-type': { value: 'text/html; charset=utf-8' },
            'cache-control': { value: 'no-store' }
        },
        body: {
            encoding: 'text',
            data: `<h1>Hello, ${name ? name.value : 'world'}!</h1>`
        }
    };
}
