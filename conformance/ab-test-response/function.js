// Pin a viewer without a group to one, with a week-long cookie.
function handler(event) {
    const response = event.response;
    if (!event.request.cookies['ab-group']) {
        const lastOctet = Number(event.viewer.ip.split('.').pop());
        response.cookies['ab-group'] = {
            value: lastOctet % 2 === 0 ? 'a' : 'b',
            attributes: 'Path=/; Max-Age=604800; Secure; SameSite=Lax'
        };
    }
    return response;
}
