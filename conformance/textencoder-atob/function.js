// Exercise the 2.0 text and base64 globals.
function handler(event) {
    const request = event.request;
    const bytes = new TextEncoder().encode('h\u00e9llo \u20ac');
    const euro = new TextDecoder().decode(new Uint8Array([0xe2, 0x82, 0xac]));
    const word = new TextDecoder('utf-8').decode(new Uint8Array([0x65, 0x64, 0x67, 0x65]));
    request.headers['x-utf8-length'] = { value: String(bytes.length) };
    request.headers['x-decoded-euro'] = { value: String(euro === '\u20ac') };
    request.headers['x-decoded-word'] = { value: word };
    request.headers['x-btoa'] = { value: btoa('edge:fn') };
    request.headers['x-atob'] = { value: atob('Y2xvdWRmcm9udA==') };
    return request;
}
