// Digests in the three documented encodings.
var crypto = require('crypto');

function handler(event) {
    var h = event.request.headers;
    h['x-md5'] = { value: crypto.createHash('md5').update('abc').digest('hex') };
    h['x-sha1'] = { value: crypto.createHash('sha1').update('abc').digest('base64') };
    h['x-sha256'] = { value: crypto.createHash('sha256').update('edge').update('fn').digest('base64url') };
    h['x-hmac'] = { value: crypto.createHmac('sha256', 'k').update('msg').digest('hex') };
    return event.request;
}
