// Runs a CloudFront viewer-request handler (prepended to this file by
// bench/edge.sh) in nginx: builds the event from the request, calls the
// handler, and hands its uri and x-edge header back to nginx.

function cfEvent(r) {
  var headers = {};
  for (var name in r.headersIn) {
    headers[name.toLowerCase()] = {value: r.headersIn[name]};
  }
  var querystring = {};
  for (var key in r.args) {
    querystring[key] = {value: r.args[key]};
  }
  return {
    version: '1.0',
    context: {eventType: 'viewer-request'},
    viewer: {ip: r.remoteAddress},
    request: {method: r.method, uri: r.uri, querystring: querystring, headers: headers, cookies: {}}
  };
}

function uri(r) {
  var out = handler(cfEvent(r));
  var edge = out.headers['x-edge'];
  r.variables.cf_x_edge = edge ? edge.value : '';
  return out.uri;
}

export default {uri};
