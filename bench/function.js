function handler(event) {
  var request = event.request;
  request.uri = '/rewritten' + request.uri;
  request.headers['x-edge'] = {value: 'edgefn'};
  return request;
}
