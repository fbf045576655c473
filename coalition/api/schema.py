"""What the OpenAPI document says beyond what drf-spectacular infers: the error answers every
operation can give, so that a client (and schemathesis) knows them."""

ERROR = {"type": "object", "additionalProperties": {},
         "description": "`detail` (a sentence in the request's language), or the names of the parameters or "
                        "fields refused, each with its reasons."}
ERRORS = {
    "400": "A filter, cursor or field is not valid; the answer names it.",
    "401": "The token is unknown, expired or revoked (or a write was sent without one).",
    "404": "Not found, or the caller may not see it.",
    "429": "Too many requests: see Retry-After.",
}


def error_responses(result, generator, request, public):
    """Postprocessing hook: every operation documents the errors it can answer with."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            codes = ["400", "401", "404", "429"]
            if method in ("post", "patch"):
                codes.append("403")
            for code in codes:
                responses.setdefault(code, {
                    "description": ERRORS.get(code, "The caller may not do this (a published initiative, "
                                                    "or not one of the caller's institutions)."),
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                })
    return result
