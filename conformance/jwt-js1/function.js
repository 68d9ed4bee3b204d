// Verify an HS256 JWT passed as ?token=, using 1.0 byte strings.
var crypto = require('crypto');
var SECRET = 'conformance-secret';

function deny(reason) {
    console.log('rejected: ' + reason);
    return {
        statusCode: 401,
        statusDescription: 'Unauthorized',
        headers: { 'www-authenticate': { value: 'Bearer error="invalid_token"' } }
    };
}

function handler(event) {
    var request = event.request;
    var token = request.querystring.token;
    if (!token) {
        return deny('no token');
    }
    var parts = token.value.split('.');
    if (parts.length !== 3) {
        return deny('malformed token');
    }
    // digest() without an encoding is a byte string in 1.0.
    var expected = crypto.createHmac('sha256', SECRET.toBytes())
        .update(parts[0] + '.' + parts[1])
        .digest();
    if (expected !== String.bytesFrom(parts[2], 'base64url')) {
        return deny('bad signature');
    }
    var claims = JSON.parse(String.bytesFrom(parts[1], 'base64url').fromUTF8());
    if (claims.exp * 1000 < Date.now()) {
        return deny('expired');
    }
    delete request.querystring.token;
    request.headers['x-user'] = { value: claims.sub };
    console.log('valid token for ' + claims.sub);
    return request;
}
