// Revocation list kept in a KeyValueStore: a key per revoked serial.
import cf from 'cloudfront';

const revoked = cf.kvs('4e1f6a2c-9b3d-4c8e-a7f0-1d2c3b4a5e6f');

async function connectionHandler(connection) {
    const cert = connection.clientCertificate;
    if (!cert) {
        console.log('no certificate from ' + connection.clientIp);
        connection.deny();
        return;
    }
    const serial = cert.certificates.leaf.serialNumber;
    if (await revoked.exists(serial)) {
        connection.logCustomData('revoked ' + serial);
        connection.deny();
        return;
    }
    console.log('allowed ' + cert.certificates.leaf.subject);
    connection.allow();
}
