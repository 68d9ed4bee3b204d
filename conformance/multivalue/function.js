// Work with repeated headers and query parameters.
function handler(event) {
    const request = event.request;
    const tag = request.querystring.tag;
    const tags = tag.multiValue ? tag.multiValue.map((v) => v.value) : [tag.value];
    request.headers['x-tag-count'] = { value: String(tags.length) };
    request.headers['x-accept-first'] = { value: request.headers.accept.value };
    request.headers['x-forwarded-tags'] = {
        value: tags[0],
        multiValue: tags.map((t) => ({ value: t }))
    };
    tag.multiValue.push({ value: 'weather' });
    return request;
}
