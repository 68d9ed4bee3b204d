// Send viewers from some countries to their local site; everyone else passes.
var sites = {
    DE: 'https://www.example.de',
    FR: 'https://www.example.fr'
};

function handler(event) {
    var request = event.request;
    var country = request.headers['cloudfront-viewer-country'];
    if (country && sites[country.value]) {
        return {
            statusCode: 302,
            statusDescription: 'Found',
            headers: {
                location: { value: sites[country.value] + request.uri }
            }
        };
    }
    return request;
}
