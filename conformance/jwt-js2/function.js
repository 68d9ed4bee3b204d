// Verify an HS256 JWT bearer token, using 2.0 Buffers.
import crypto from 'crypto';

const SECRET = 'conformance-secret';

function deny(reason) {
    console.log(`rejected: ${reason}`);
    return {
        statusCode: 401,
        statusDescription: 'Unauthorized',
        headers: { 'www-authenticate': { value: 'Bearer error="invalid_token"' } }
    };
}

function handler(event) {
    const request = event.request;
    const auth = request.headers.authorization;
    if (!auth || !auth.value.startsWith('Bearer ')) {
        return deny('no bearer token');
    }
    const parts = auth.value.slice(7).split('.');
    if (parts.length !== 3) {
        return deny('malformed token');
    }
    // digest() without an encoding is a Buffer in 2.0.
    const expected = crypto.createHmac('sha256', SECRET).update(`${parts[0]}.${parts[1]}`).digest();
    if (!expected.equals(Buffer.from(parts[2], 'base64url'))) {
        return deny('bad signature');
    }
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (claims.exp * 1000 < Date.now()) {
        return deny('expired');
    }
    delete request.headers.authorization;
    request.headers['x-user'] = { value: claims.sub };
    request.headers['x-role'] = { value: claims.role || 'viewer' };
    return request;
}
