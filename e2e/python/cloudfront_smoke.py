"""boto3 against edgefn's CloudFront control plane (run by e2e/python_test.go).

Exits non-zero, with a traceback, on the first unexpected answer.
"""
import json
import os

import boto3
from botocore.config import Config

client = boto3.client(
    "cloudfront",
    endpoint_url=os.environ["EDGEFN_E2E_ENDPOINT"],
    region_name="ap-southeast-2",  # botocore signs with it under a custom endpoint
    aws_access_key_id=os.environ["EDGEFN_E2E_ACCESS_KEY_ID"],
    aws_secret_access_key=os.environ["EDGEFN_E2E_SECRET_ACCESS_KEY"],
    config=Config(retries={"total_max_attempts": 1}),
)
account = os.environ["EDGEFN_E2E_ACCOUNT_ID"]
name = "py-smoke"
config = {"Comment": "from boto3", "Runtime": "cloudfront-js-2.0"}


def code(tag):
    return (
        "async function handler(event) {\n"
        "  event.request.headers['x-tag'] = {value: '%s'};\n"
        "  return event.request;\n"
        "}" % tag
    ).encode()


created = client.create_function(Name=name, FunctionConfig=config, FunctionCode=code("v1"))
etag = created["ETag"]
summary = created["FunctionSummary"]
assert etag, created
assert summary["FunctionMetadata"]["FunctionARN"] == "arn:aws:cloudfront::%s:function/%s" % (account, name), summary
assert summary["FunctionMetadata"]["Stage"] == "DEVELOPMENT", summary

described = client.describe_function(Name=name)
assert described["ETag"] == etag, described
assert described["FunctionSummary"]["FunctionConfig"]["Comment"] == "from boto3", described

updated = client.update_function(Name=name, IfMatch=etag, FunctionConfig=config, FunctionCode=code("v2"))
assert updated.get("ETag") and updated["ETag"] != etag, "UpdateFunction ETag (ETtag header): %r" % updated.get("ETag")
etag = updated["ETag"]

event = {
    "version": "1.0",
    "context": {"eventType": "viewer-request"},
    "viewer": {"ip": "192.0.2.10"},
    "request": {"method": "GET", "uri": "/", "querystring": {}, "headers": {}, "cookies": {}},
}
result = client.test_function(Name=name, IfMatch=etag, EventObject=json.dumps(event).encode())["TestResult"]
assert not result.get("FunctionErrorMessage"), result
assert json.loads(result["FunctionOutput"])["request"]["headers"]["x-tag"]["value"] == "v2", result

published = client.publish_function(Name=name, IfMatch=etag)
assert published["FunctionSummary"]["FunctionMetadata"]["Stage"] == "LIVE", published

for stage, want in (("DEVELOPMENT", 1), ("LIVE", 1)):
    items = client.list_functions(Stage=stage)["FunctionList"].get("Items", [])
    assert [f["Name"] for f in items] == [name] * want, (stage, items)
    assert all(f["FunctionMetadata"]["Stage"] == stage for f in items), items

try:
    client.describe_function(Name="py-absent")
    raise AssertionError("DescribeFunction of an absent function succeeded")
except client.exceptions.NoSuchFunctionExists as e:
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 404, e.response

client.delete_function(Name=name, IfMatch=etag)
print("boto3 smoke: ok")
