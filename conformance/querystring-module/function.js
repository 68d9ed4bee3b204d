// Parse a filter header with the querystring module and rebuild the query.
var querystring = require('querystring');

function handler(event) {
    var request = event.request;
    var filters = querystring.parse(request.headers['x-filters'].value);
    request.headers['x-parsed'] = { value: JSON.stringify(filters) };
    request.headers['x-search'] = { value: querystring.parse('q=a%20b%26c').q };
    request.headers['x-stringified'] = {
        value: querystring.stringify({ name: 'value', abc: ['xyz', '123'], anotherName: '' })
    };
    request.headers['x-escaped'] = { value: querystring.stringify({ q: 'a b&c/\u00e9' }) };
    return request;
}
