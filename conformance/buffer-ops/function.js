// A few Buffer operations, reported as headers.
function handler(event) {
    const h = event.request.headers;
    h['x-hex'] = { value: Buffer.from('edgefn', 'utf8').toString('hex') };
    h['x-b64url'] = { value: Buffer.from([0xfb, 0xff, 0xbf]).toString('base64url') };
    h['x-concat'] = { value: Buffer.concat([Buffer.from('ab'), Buffer.from([0x63])]).toString() };
    h['x-u16'] = { value: String(Buffer.from([0x01, 0x02]).readUInt16BE(0)) };
    return event.request;
}
