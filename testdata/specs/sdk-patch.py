#!/usr/bin/env python3
"""Extend Meteroid's server spec with the fields its official SDK has.

meteroid-openapi.json is the server repository's spec, kept byte-identical;
Meteroid's current API (as its Node SDK sends and reads it, see SOURCES.md)
has checkout-session fields that file lacks. The patch file lists them as
JSON Patch (RFC 6902) "add" operations, the only kind it needs; each must
add a key that is not there yet, so a server spec that gains the field
makes this fail rather than silently keep a stale copy. Keys of each
patched object are kept sorted, as utoipa writes them.
Usage: sdk-patch.py IN.json PATCH.json OUT.json
"""
import json, sys

def unescape(token):
    return token.replace("~1", "/").replace("~0", "~")

def add(doc, path, value):
    tokens = [unescape(t) for t in path.split("/")[1:]]
    node = doc
    for t in tokens[:-1]:
        node = node[t]
    key = tokens[-1]
    if not isinstance(node, dict):
        sys.exit(f"{path}: only object members can be added")
    if key in node:
        sys.exit(f"{path}: already in the spec; drop it from the patch")
    node[key] = value
    items = sorted(node.items())
    node.clear()
    node.update(items)

spec = json.load(open(sys.argv[1]))
patch = json.load(open(sys.argv[2]))
for op in patch["patch"]:
    if op["op"] != "add":
        sys.exit(f"{op['path']}: op {op['op']!r} is not supported")
    add(spec, op["path"], op["value"])
json.dump(spec, open(sys.argv[3], "w"), indent=1)
