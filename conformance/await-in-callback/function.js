// The callback is a function of its own, and it is not async.
async function handler(event) {
    const request = event.request;
    const names = Object.keys(request.headers);
    names.forEach(function (name) {
        await Promise.resolve(name);
    });
    return request;
}
