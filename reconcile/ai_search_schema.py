#!/usr/bin/env python3
"""Derives reconcile/ai_search_schema.json from the official spec's AI Search operations.

    reconcile/ai_search_schema.py SPEC            writes the file beside this script
    reconcile/ai_search_schema.py SPEC --check    exits 1 when the file differs from what SPEC gives

What cfsync reads of a namespace's and an instance's settings, checks them against, writes to the
JSON Schema of the configuration and exports comes from this one file: the properties of the
create and update bodies (the identity keys left out), with what the results answer.
"""
import json
import pathlib
import sys

KEEP = {"type", "enum", "minimum", "maximum", "maxLength", "maxItems", "pattern", "format",
        "nullable", "default", "description", "properties", "items", "anyOf"}


def main():
    if not pathlib.Path(sys.argv[1]).exists():
        print(f"{sys.argv[1]}: no such file; nothing to compare with")
        return 77  # skipped (ctest's SKIP_RETURN_CODE)
    spec = json.loads(pathlib.Path(sys.argv[1]).read_text())
    schemas = spec["components"]["schemas"]

    def resolve(node):
        while "$ref" in node:
            node = schemas[node["$ref"].rsplit("/", 1)[-1]]
        return node

    def clean(node):
        node = resolve(node)
        out = {}
        for key, value in node.items():
            if key not in KEEP or (isinstance(value, dict) and value.get("readOnly")):
                continue
            if key == "properties":
                value = {name: clean(child) for name, child in sorted(value.items())
                         if not resolve(child).get("readOnly")}
            elif key == "items":
                value = clean(value)
            elif key == "anyOf":
                value = [clean(child) for child in value]
            out[key] = value
        return out

    def body(path, method):
        operation = spec["paths"][path][method]
        return resolve(operation["requestBody"]["content"]["application/json"]["schema"])

    def answered(path, method, code):
        operation = spec["paths"][path][method]
        envelope = resolve(operation["responses"][code]["content"]["application/json"]["schema"])
        if "allOf" in envelope:
            merged = {}
            for part in envelope["allOf"]:
                merged.update(resolve(part).get("properties", {}))
            envelope = {"properties": merged}
        return sorted(resolve(envelope["properties"]["result"])["properties"])

    namespaces = "/accounts/{account_id}/ai-search/namespaces"
    instances = namespaces + "/{name}/instances"
    namespace = clean(body(namespaces, "post"))
    namespace["properties"].pop("name")
    create = clean(body(instances, "post"))
    update = clean(body(instances + "/{id}", "put"))
    properties = dict(create["properties"])
    for name in ("id", "hybrid_search_enabled"):  # identity; deprecated ("use index_method")
        properties.pop(name)
    properties.update({k: v for k, v in update["properties"].items() if k not in properties})
    out = {
        "namespace": {"type": "object", "properties": namespace["properties"]},
        "namespace_answered": answered(namespaces + "/{name}", "get", "200"),
        "instance": {"type": "object", "properties": dict(sorted(properties.items()))},
        "instance_answered": answered(instances + "/{id}", "get", "200"),
        # In the create body and not in the update body: a change needs a new instance.
        "instance_create_only": sorted(set(create["properties"]) - set(update["properties"])
                                       - {"id", "hybrid_search_enabled"}),
    }
    text = json.dumps(out, indent=1, sort_keys=True) + "\n"
    target = pathlib.Path(__file__).with_name("ai_search_schema.json")
    if "--check" in sys.argv:
        if target.read_text() != text:
            print(f"{target} differs from what {sys.argv[1]} gives: run {sys.argv[0]} SPEC")
            return 1
        return 0
    target.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
