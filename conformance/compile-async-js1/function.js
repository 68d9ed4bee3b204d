// async/await needs cloudfront-js-2.0.
async function handler(event) {
    return event.request;
}
