// Log a few facts about the request; the request itself is unchanged.
function handler(event) {
    var request = event.request;
    console.log(event.version + ' ' + event.context.eventType);
    console.log('method=' + request.method + ' uri=' + request.uri);
    console.log(`headers: ${Object.keys(request.headers).length}`);
    console.log(6 * 7);
    console.log(JSON.stringify({ ip: event.viewer.ip }));
    return request;
}
