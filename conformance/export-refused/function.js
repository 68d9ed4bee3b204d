// Module syntax: CloudFront wants a global handler, not an export.
export default function handler(event) {
    return event.request;
}
