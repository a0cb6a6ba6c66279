"""`/docs`: the OpenAPI document as one server-rendered page, with no script and nothing loaded
from outside (it works offline and under the pages' content security policy), and the ledger's
own stylesheet at `/assets/ledger.css`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from api.assets import STYLESHEET

router = APIRouter(include_in_schema=False)
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
METHODS = ("get", "post", "put", "patch", "delete")
CONSTRAINTS = {
    "minLength": "min length {}",
    "maxLength": "max length {}",
    "minItems": "min items {}",
    "maxItems": "max items {}",
    "minimum": "≥ {}",
    "maximum": "≤ {}",
    "default": "default {}",
}


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    document = request.app.openapi()
    page = TEMPLATES.get_template("docs.html").render(
        info=document.get("info", {}),
        operations=operations(document),
        schemas=[
            (name, rows(schema))
            for name, schema in document.get("components", {}).get("schemas", {}).items()
        ],
    )
    return HTMLResponse(page)


@router.get("/assets/ledger.css")
def stylesheet() -> Response:
    return Response(
        STYLESHEET, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            out.append(
                {
                    "anchor": f"{method}-{path}".replace("/", "-").strip("-"),
                    "method": method.upper(),
                    "path": path,
                    "tag": (op.get("tags") or ["other"])[0],
                    "summary": op.get("summary", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": type_of(p.get("schema", {})),
                            "rules": rules_of(p.get("schema", {})),
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": type_of(body["schema"]) if body.get("schema") else None,
                    "responses": [
                        (code, r.get("description", ""))
                        for code, r in op.get("responses", {}).items()
                    ],
                }
            )
    return out


def rows(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per property of an object schema."""
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "required": name in required,
            "type": type_of(prop),
            "rules": rules_of(prop),
            "description": prop.get("description", ""),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def type_of(schema: dict[str, Any]) -> str:
    """A schema as a reader says it: `string (date-time)`, `list of ScopeIn`, `"a" | "b"`."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(type_of(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"], ensure_ascii=False)
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {type_of(schema.get('items', {}))}"
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    return str(kind)


def rules_of(schema: dict[str, Any]) -> str:
    found = [schema, *schema.get("anyOf", [])]
    return ", ".join(
        text.format(json.dumps(part[key], ensure_ascii=False))
        for part in found
        for key, text in CONSTRAINTS.items()
        if key in part
    )
