// Report which documented 2.0 built-ins exist.
function handler(event) {
    const added = [
        typeof Buffer, typeof TextEncoder, typeof TextDecoder, typeof atob, typeof btoa,
        typeof ''.replaceAll, typeof Promise.all, typeof Symbol.for, typeof DataView
    ];
    const removed = [
        typeof String.bytesFrom, typeof ''.fromBytes, typeof ''.fromUTF8,
        typeof ''.toBytes, typeof ''.toUTF8
    ];
    console.log('added: ' + added.join(','));
    console.log('removed: ' + removed.join(','));
    return event.request;
}
