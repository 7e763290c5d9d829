# Validates messages against definitions of an official MCP JSON schema (for mcp_test.cpp).
#
# Reads one JSON object on stdin: {"schema": PATH, "checks": [{"def": NAME, "value": ...}]}; a
# check may give an inline JSON schema instead ({"schema": {...}, "value": ...}), such as a tool's
# outputSchema.
# Prints one line per value that does not validate and exits 1 if any, else prints
# "validated N" and exits 0. Works with Debian 12's python3-jsonschema (4.10) and later.
import json
import sys

import jsonschema

request = json.load(sys.stdin)
with open(request["schema"], encoding="utf-8") as f:
    schema = json.load(f)
defs = "$defs" if "$defs" in schema else "definitions"
cls = jsonschema.validators.validator_for(schema)
validators = {}
failures = 0
for i, check in enumerate(request["checks"]):
    if "schema" in check:
        inline = jsonschema.validators.validator_for(check["schema"], jsonschema.Draft7Validator)
        for error in inline(check["schema"]).iter_errors(check["value"]):
            print(f"check {i} (inline schema): {error.message[:300]}")
            failures += 1
            break
        continue
    name = check["def"]
    if name not in schema[defs]:
        print(f"check {i}: the schema has no definition {name}")
        failures += 1
        continue
    if name not in validators:
        root = dict(schema)
        root["$ref"] = f"#/{defs}/{name}"
        validators[name] = cls(root)
    for error in validators[name].iter_errors(check["value"]):
        path = "/".join(str(p) for p in error.absolute_path)
        print(f"check {i} ({name}) at /{path}: {error.message[:300]}")
        failures += 1
        break
if failures:
    sys.exit(1)
print(f"validated {len(request['checks'])}")
