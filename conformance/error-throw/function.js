// Refuse to run without configuration: an uncaught throw.
function handler(event) {
    console.log('checking configuration');
    if (!event.request.headers['x-config']) {
        throw new Error('upstream config missing');
    }
    return event.request;
}
