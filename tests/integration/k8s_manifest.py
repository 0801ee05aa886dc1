"""Reads Kubernetes manifests for the tests and checks each object against the Kubernetes API's own
models (Debian's python3-kubernetes, generated from the API's OpenAPI schema): every field known
at its place, of its type, and every required field there, as the API server's schema check
would. It must not talk to a cluster, and does not judge what only a server decides (quotas,
admission, the API's cross-field rules)."""
import re

import yaml
from kubernetes import client

PRIMITIVES = {"str": str, "int": int, "bool": bool, "float": (int, float), "object": object, "datetime": str}


def load_objects(path, kind):
    """The objects of one kind in a manifest file, by name, each checked against its model."""
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    objects = {}
    for i, doc in enumerate(docs):
        model = "V1" + doc.get("kind", "") if doc.get("apiVersion", "").endswith("/v1") else None
        if model is None or not hasattr(client, model):
            raise ValueError(f"{path}: document {i + 1}: {doc.get('apiVersion')} {doc.get('kind')} is not checked here")
        api_object(doc, model, f"{path}: {doc['kind']}")
        if doc["kind"] == kind:
            objects[doc["metadata"]["name"]] = doc
    return objects


def api_object(data, kind, where):
    """`data` as the API model `kind` ("V1Job", "list[V1Container]", "str"); a ValueError names the
    path of an unknown field, a wrong type or a missing required field."""
    if kind.startswith("list["):
        if not isinstance(data, list):
            raise ValueError(f"{where}: must be a list")
        return [api_object(item, kind[5:-1], f"{where}[{i}]") for i, item in enumerate(data)]
    if kind.startswith("dict("):
        if not isinstance(data, dict):
            raise ValueError(f"{where}: must be a map")
        value_kind = re.match(r"dict\(([^,]*), (.*)\)", kind).group(2)
        return {k: api_object(v, value_kind, f"{where}.{k}") for k, v in data.items()}
    if kind in PRIMITIVES:
        if not isinstance(data, PRIMITIVES[kind]) or (kind != "bool" and isinstance(data, bool)):
            raise ValueError(f"{where}: must be {kind}, not {data!r}")
        return data
    model = getattr(client, kind)
    if not isinstance(data, dict):
        raise ValueError(f"{where}: must be a {kind} object")
    fields = {key: attr for attr, key in model.attribute_map.items()}
    values = {}
    for key, value in data.items():
        if key not in fields:
            raise ValueError(f"{where}.{key}: not a field of {kind}")
        values[fields[key]] = api_object(value, model.openapi_types[fields[key]], f"{where}.{key}")
    try:
        return model(**values)
    except ValueError as e:  # the model's own check of its required fields
        raise ValueError(f"{where}: {e}") from None
